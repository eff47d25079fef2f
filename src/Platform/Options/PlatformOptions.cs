namespace ZtStream.Platform.Options;

/// <summary>Section <c>EventLog</c>.</summary>
internal sealed record EventLogOptions
{
    public const string Section = "EventLog";
    public const string InProcess = "inprocess";
    public const string Kafka = "kafka";

    /// <summary><c>inprocess</c> (default) or <c>kafka</c>.</summary>
    public string Kind { get; init; } = InProcess;

    /// <summary>Kafka bootstrap servers, required when <see cref="Kind"/> is kafka.</summary>
    public string? BootstrapServers { get; init; }

    /// <summary>Partitions per topic: of the in-process log, and of topics ZtStream creates on Kafka.</summary>
    public int Partitions { get; init; } = 3;

    /// <summary>Replication factor of topics ZtStream creates on Kafka.</summary>
    public short ReplicationFactor { get; init; } = 1;

    /// <summary>Retention of topics ZtStream creates on Kafka, in hours.</summary>
    public int RetentionHours { get; init; } = 168;

    /// <summary>Records the producer may hold unacknowledged before appends answer "unavailable".</summary>
    public int MaxQueuedRecords { get; init; } = 100_000;

    /// <summary>How long an append may wait for acknowledgement before it counts as unavailable.</summary>
    public TimeSpan AppendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause before a failed record's next attempt, multiplied by the attempt number.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a stopping consumer may take to finish its record and commit stored offsets.</summary>
    public TimeSpan ShutdownDrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

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
}
