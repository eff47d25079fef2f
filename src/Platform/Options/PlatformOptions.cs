namespace ZtStream.Platform.Options;

/// <summary>Section <c>EventLog</c>.</summary>
internal sealed record EventLogOptions
{
    public const string Section = "EventLog";
    public const string File = "file";
    public const string Memory = "memory";
    public const string Kafka = "kafka";

    /// <summary>Accepted for <see cref="Memory"/>: the memory-only log's earlier name.</summary>
    public const string InProcess = "inprocess";

    public const string FsyncGroup = "group";
    public const string FsyncAlways = "always";
    public const string FsyncOs = "os";

    /// <summary><c>file</c> (default: durable, on local disk), <c>memory</c> (alias <c>inprocess</c>; tests, benchmarks) or <c>kafka</c>.</summary>
    public string Kind { get; init; } = File;

    /// <summary><see cref="Kind"/> lower-cased, with <c>inprocess</c> read as <c>memory</c>.</summary>
    public string NormalizedKind => Kind?.Trim().ToLowerInvariant() switch
    {
        InProcess => Memory,
        { } kind => kind,
        null => string.Empty,
    };

    /// <summary>The file log's folder; when absent, <c>eventlog</c> beside the SQLite store's file.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// When the file log acknowledges an append: <c>group</c> (default) after the next group fsync, which every
    /// append waiting at that moment shares; <c>always</c> after an fsync of its own; <c>os</c> once written to the
    /// operating system, which writes it to disk later.
    /// </summary>
    public string Fsync { get; init; } = FsyncGroup;

    /// <summary>File log: a partition's segment file is closed and a new one started past this size.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>File log: bytes each partition keeps at most (whole segments are removed, oldest first); 0 = no size limit.</summary>
    public long RetentionBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>
    /// File log: bytes of each partition's newest acknowledged records kept in memory, in the buffers they were written
    /// from, so a consumer that keeps up reads them there instead of back from the file; 0 = always read the file.
    /// </summary>
    public long TailBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// File log: write the active segment with direct I/O (<c>O_DIRECT</c>, Linux), in whole blocks that bypass the page
    /// cache; where the filesystem refuses it the log writes through the page cache and says so once. False always does.
    /// </summary>
    public bool DirectWrites { get; init; } = true;

    /// <summary>File log: how often consumer groups' committed offsets are written to disk (also on every revoke and stop).</summary>
    public TimeSpan OffsetCommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause between retries of a record whose handler failed on a transient fault (the pause doubles up to it).</summary>
    public TimeSpan MaxRetryBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Kafka bootstrap servers, required when <see cref="Kind"/> is kafka.</summary>
    public string? BootstrapServers { get; init; }

    /// <summary>
    /// Kafka: put before every topic and consumer-group name ZtStream uses on the cluster (e.g. <c>prod-eu.</c> makes
    /// <c>prod-eu.zt.events.v1</c> and group <c>prod-eu.zt-verifier</c>), so several deployments can share one cluster
    /// apart, each allowed only its own names by a PREFIXED ACL. Letters, digits, '.', '_' and '-'; empty by default.
    /// </summary>
    public string KafkaPrefix { get; init; } = string.Empty;

    /// <summary>Partitions per topic: of topics the file and memory logs create, and of topics ZtStream creates on Kafka.</summary>
    public int Partitions { get; init; } = 3;

    /// <summary>Replication factor of topics ZtStream creates on Kafka.</summary>
    public short ReplicationFactor { get; init; } = 1;

    /// <summary>Retention in hours: of the file log's segments (by their newest record), and of topics ZtStream creates on Kafka.</summary>
    public int RetentionHours { get; init; } = 168;

    /// <summary>
    /// Records that may wait for acknowledgement before appends answer "unavailable": Kafka's producer queue, the file
    /// log's commit queue; the memory log retains at most this many per topic.
    /// </summary>
    public int MaxQueuedRecords { get; init; } = 100_000;

    /// <summary>
    /// File and memory logs: how many records a consuming group may fall behind on a topic before Ingest's appends wait
    /// for it (and past <see cref="AppendTimeout"/> answer "unavailable"), so time from ingest to enforcement stays
    /// bounded when consumers share the process's cores with Ingest; 0 (default) = never wait. Kafka ignores it.
    /// </summary>
    public int MaxConsumerLag { get; init; }

    /// <summary>How long an append may wait for acknowledgement before it counts as unavailable.</summary>
    public TimeSpan AppendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause before a failed record's next attempt, multiplied by the attempt number.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a stopping consumer may take to finish its record and commit stored offsets.</summary>
    public TimeSpan ShutdownDrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Kafka: how long a stopping consumer's close (final commit, leaving its group) may take after the drain before
    /// the stop goes on without it. librdkafka's close has no deadline of its own and waits for the group coordinator.
    /// </summary>
    public TimeSpan KafkaCloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long topic creation at start may take before ZtStream carries on (a cluster may auto-create instead).</summary>
    public TimeSpan TopicCreationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra librdkafka settings for every client (e.g. security.protocol, sasl.*), passed through.</summary>
    public Dictionary<string, string> KafkaSettings { get; init; } = [];

    /// <summary>Extra librdkafka settings for consumers only (e.g. fetch.wait.max.ms), passed through after <see cref="KafkaSettings"/>.</summary>
    public Dictionary<string, string> KafkaConsumerSettings { get; init; } = [];
}

/// <summary>Section <c>Store</c>.</summary>
internal sealed record StoreOptions
{
    public const string Section = "Store";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Kind { get; init; } = Sqlite;

    /// <summary>SQLite: a file path; PostgreSQL: an Npgsql connection string.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The SQLite file when no connection string is given, relative to the working folder.</summary>
    public string SqlitePath { get; init; } = "ztstream.db";
}

/// <summary>Section <c>Bus</c>.</summary>
internal sealed record BusOptions
{
    public const string Section = "Bus";
    public const string InMemory = "inmemory";
    public const string RabbitMq = "rabbitmq";

    /// <summary><c>inmemory</c> (default) or <c>rabbitmq</c>.</summary>
    public string Kind { get; init; } = InMemory;

    /// <summary>RabbitMQ URI, e.g. amqp://guest:guest@localhost:5672/, required when <see cref="Kind"/> is rabbitmq.</summary>
    public string? RabbitMqUri { get; init; }

    /// <summary>
    /// How long the host waits at start for the bus (its broker) before it gives up and stops: a supervisor that restarts
    /// the process may want it shorter, a broker known to start slowly longer.
    /// </summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
