using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ZtStream.Platform.EventLog.Kafka;

/// <summary>
/// The event log on Apache Kafka: one idempotent producer (acks=all) per process, placing keys with the
/// murmur2 partitioner as the in-process log does; each <see cref="ConsumeAsync"/> runs one consumer on its own
/// thread (see <see cref="KafkaConsumerLoop"/>).
/// </summary>
internal sealed class KafkaEventLog : IEventLog, IEventLogBrowser, IDisposable
{
    private static readonly TimeSpan RetryAfterQueueFull = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryAfterDown = TimeSpan.FromSeconds(5);

    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EventLogMetrics _metrics;
    private readonly RecordDelivery _delivery;
    private readonly KafkaNames _names;
    private readonly Lock _producerGate = new();
    private IProducer<string, byte[]> _producer;
    private volatile bool _producerFatal;
    private long _inFlight;

    public KafkaEventLog(EventLogOptions options, TimeProvider time, ILoggerFactory loggerFactory, ConsumerHealth? health = null)
    {
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            throw new ArgumentException("EventLog:BootstrapServers is required for the Kafka event log", nameof(options));
        }

        _options = options;
        _names = new KafkaNames(options.KafkaPrefix);
        _time = time;
        _logger = loggerFactory.CreateLogger<KafkaEventLog>();
        _metrics = new EventLogMetrics(EventLogOptions.Kafka, () => Interlocked.Read(ref _inFlight));
        _delivery = new RecordDelivery(this, options, time, _metrics, health ?? new ConsumerHealth(time), _logger);
        _producer = BuildProducer();
    }

    /// <summary>
    /// Test seam: runs after a record was handled and before its offset is stored, on the consumer's thread.
    /// Throwing from it kills the consumer at the one moment at-least-once delivery is about.
    /// </summary>
    internal Action<ConsumedRecord>? AfterHandledBeforeStore { get; set; }

    /// <summary>Records produced and not yet acknowledged (the <c>queue_depth</c> gauge).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    public async Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        var producer = Producer();
        var onCluster = _names.Topic(topic);
        var started = _time.GetTimestamp();
        var deliveries = new Task<DeliveryResult<string, byte[]>>[records.Count];
        var produced = 0;
        try
        {
            for (; produced < records.Count; produced++)
            {
                var record = records[produced];
                deliveries[produced] = producer.ProduceAsync(onCluster, ToMessage(record), CancellationToken.None);
                Interlocked.Increment(ref _inFlight);
                _ = deliveries[produced].ContinueWith(static (_, state) => Interlocked.Decrement(ref ((KafkaEventLog)state!)._inFlight), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            // message.timeout.ms bounds each delivery report; the extra margin only guards against a report never coming.
            await Task.WhenAll(deliveries).WaitAsync(_options.AppendTimeout + TimeSpan.FromSeconds(5), _time, cancellationToken).ConfigureAwait(false);
            _metrics.Appended.Add(records.Count);
            _metrics.Appending(topic, _time.GetElapsedTime(started));
        }
        catch (ProduceException<string, byte[]> ex)
        {
            throw Unavailable(topic, records.Count, ex.Error, ex);
        }
        catch (KafkaException ex)
        {
            throw Unavailable(topic, records.Count, ex.Error, ex);
        }
        catch (TimeoutException ex)
        {
            _metrics.Refused.Add(records.Count);
            throw new EventLogUnavailableException($"Kafka did not acknowledge {records.Count} record(s) for {topic} in time", RetryAfterDown, ex);
        }
        finally
        {
            // Observe every delivery task so a failure after the first one is never an unobserved exception.
            for (var i = 0; i < produced; i++)
            {
                _ = deliveries[i].ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken)
    {
        ConsumerSpec.Check(spec, handler);

        var loop = new KafkaConsumerLoop(ConsumerConfig(spec), spec, _names, handler, _delivery, _options.ShutdownDrainTimeout, _options.KafkaCloseTimeout, _time, AfterHandledBeforeStore, new KafkaClientLogging(_logger, _time), _logger);
        return loop.Start(cancellationToken);
    }

    public async Task EnsureTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        var names = topics
            .SelectMany(t => t.Contains(".dlq", StringComparison.Ordinal) ? [t] : new[] { t, DeadLetterHeaders.TopicFor(t) })
            .Distinct(StringComparer.Ordinal)
            .Select(_names.Topic)
            .ToList();
        if (names.Count == 0)
        {
            return;
        }

        var config = new AdminClientConfig(BaseSettings()) { BootstrapServers = _options.BootstrapServers };
        var clientLog = new KafkaClientLogging(_logger, _time);
        using var admin = new AdminClientBuilder(config)
            .SetLogHandler((_, message) => clientLog.Log(message))
            .SetErrorHandler((client, error) => clientLog.Error(client.Name, error))
            .Build();
        var timeout = _options.TopicCreationTimeout;
        var specifications = names.Select(name => new TopicSpecification
        {
            Name = name,
            NumPartitions = _options.Partitions,
            ReplicationFactor = _options.ReplicationFactor,
            Configs = new Dictionary<string, string>
            {
                ["retention.ms"] = TimeSpan.FromHours(_options.RetentionHours).TotalMilliseconds.ToString(CultureInfo.InvariantCulture),
            },
        });
        try
        {
            await admin.CreateTopicsAsync(specifications, new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout })
                .WaitAsync(timeout + TimeSpan.FromSeconds(1), _time, cancellationToken)
                .ConfigureAwait(false);
            foreach (var name in names)
            {
                EventLogLog.TopicCreated(_logger, name, _options.Partitions, _options.ReplicationFactor);
            }

            return;
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            return;
        }
        catch (CreateTopicsException ex)
        {
            var failed = ex.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists));
            EventLogLog.TopicCreationIncomplete(_logger, string.Join(", ", names), string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Code} {r.Error.Reason}")));
        }
        catch (Exception ex) when (ex is KafkaException or TimeoutException)
        {
            // librdkafka's mock cluster (and clusters where only the broker may create topics) end up here.
            EventLogLog.TopicCreationIncomplete(_logger, string.Join(", ", names), ex.Message);
        }

        // Asking for a topic's metadata makes a broker with auto-creation enabled create it, so consumers that
        // subscribe next find it with its partitions. Short: a cluster that is down already cost the timeout above.
        // Each ask blocks, so Ctrl-C or SIGTERM is heeded between them; and once no broker answers one, the rest are
        // said in one line instead of each waiting as long for the same answer.
        var metadataTimeout = TimeSpan.FromTicks(Math.Min(timeout.Ticks, TimeSpan.FromSeconds(2).Ticks));
        for (var i = 0; i < names.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                admin.GetMetadata(names[i], metadataTimeout);
            }
            catch (KafkaException ex) when (ex.Error.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown or ErrorCode.Local_TimedOut)
            {
                EventLogLog.TopicCreationIncomplete(_logger, string.Join(", ", names.Skip(i)), ex.Message);
                return;
            }
            catch (KafkaException ex)
            {
                EventLogLog.TopicCreationIncomplete(_logger, names[i], ex.Message);
            }
        }
    }

    public Task<IReadOnlyList<PartitionBounds>> PartitionsAsync(string topic, CancellationToken cancellationToken) => Task.Run<IReadOnlyList<PartitionBounds>>(() =>
    {
        var count = PartitionCount(topic, _options.TopicCreationTimeout);
        if (count == 0)
        {
            return [];
        }

        using var consumer = BrowsingConsumer();
        return [.. Enumerable.Range(0, count).Select(p =>
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(_names.Topic(topic), p), _options.TopicCreationTimeout);
            return new PartitionBounds(p, marks.Low.Value, marks.High.Value);
        })];
    }, cancellationToken);

    public Task<IReadOnlyList<ConsumedRecord>> ReadAsync(string topic, int partition, long from, int max, CancellationToken cancellationToken) => Task.Run<IReadOnlyList<ConsumedRecord>>(() =>
    {
        using var consumer = BrowsingConsumer();
        var position = new TopicPartition(_names.Topic(topic), partition);
        var end = consumer.QueryWatermarkOffsets(position, _options.TopicCreationTimeout).High.Value;
        var records = new List<ConsumedRecord>();
        if (from >= end || max <= 0)
        {
            return records;
        }

        consumer.Assign(new TopicPartitionOffset(position, new Offset(from)));
        // Timed on the monotonic clock: a wall-clock step would end the read early or stretch it.
        var started = _time.GetTimestamp();
        while (records.Count < max && _time.GetElapsedTime(started) < _options.AppendTimeout && !cancellationToken.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result?.Message is null)
            {
                continue;
            }

            records.Add(KafkaConsumerLoop.ToRecord(result, topic));
            if (result.Offset.Value + 1 >= end)
            {
                break;
            }
        }

        return records;
    }, cancellationToken);

    public Task<long?> CommittedOffsetAsync(string group, string topic, int partition, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var consumer = BrowsingConsumer(group);
        var committed = consumer.Committed([new TopicPartition(_names.Topic(topic), partition)], _options.AppendTimeout).Single().Offset;
        return committed.IsSpecial ? (long?)null : committed.Value;
    }, cancellationToken);

    public Task CommitOffsetAsync(string group, string topic, int partition, long offset, CancellationToken cancellationToken) => Task.Run(() =>
    {
        // Committing without joining the group (a simple consumer's commit) moves the group's offset as a member would.
        using var consumer = BrowsingConsumer(group);
        consumer.Commit([new TopicPartitionOffset(_names.Topic(topic), partition, offset)]);
    }, cancellationToken);

    /// <summary>Partition count of <paramref name="topic"/> as the cluster reports it (0 when unknown).</summary>
    public int PartitionCount(string topic, TimeSpan timeout)
    {
        topic = _names.Topic(topic);
        var config = new AdminClientConfig(BaseSettings()) { BootstrapServers = _options.BootstrapServers };
        var clientLog = new KafkaClientLogging(_logger, _time);
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, message) => clientLog.Log(message)).Build();
        var metadata = admin.GetMetadata(topic, timeout);
        return metadata.Topics.FirstOrDefault(t => t.Topic == topic)?.Partitions.Count ?? 0;
    }

    public void Dispose()
    {
        IProducer<string, byte[]> producer;
        lock (_producerGate)
        {
            producer = _producer;
        }

        try
        {
            producer.Flush(_options.ShutdownDrainTimeout);
        }
        catch (KafkaException)
        {
            // Flushing is best effort at shutdown: appends that did not complete have already failed their callers.
        }

        producer.Dispose();
        _metrics.Dispose();
    }

    private EventLogUnavailableException Unavailable(string topic, int count, Error error, Exception inner)
    {
        _metrics.Refused.Add(count);
        var retryAfter = error.Code == ErrorCode.Local_QueueFull ? RetryAfterQueueFull : RetryAfterDown;
        return new EventLogUnavailableException($"Kafka refused records for {topic}: {error.Code} {error.Reason}", retryAfter, inner);
    }

    private static Message<string, byte[]> ToMessage(LogRecord record)
    {
        Headers? headers = null;
        if (record.Headers is { Count: > 0 })
        {
            headers = [];
            foreach (var (name, value) in record.Headers)
            {
                headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
        }

        return new Message<string, byte[]> { Key = record.Key, Value = record.Value.ToArray(), Headers = headers };
    }

    private IProducer<string, byte[]> Producer()
    {
        if (!_producerFatal)
        {
            return _producer;
        }

        // A fatal error (e.g. the idempotent producer's sequence cannot be recovered) leaves the client unusable:
        // start a fresh one; the records it failed were already reported to their callers.
        lock (_producerGate)
        {
            if (_producerFatal)
            {
                var old = _producer;
                _producer = BuildProducer();
                _producerFatal = false;
                _ = Task.Run(old.Dispose);
            }

            return _producer;
        }
    }

    private IProducer<string, byte[]> BuildProducer()
    {
        var config = new ProducerConfig(LongLivedSettings())
        {
            BootstrapServers = _options.BootstrapServers,
            ClientId = "ztstream-producer",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            QueueBufferingMaxMessages = _options.MaxQueuedRecords,
            MessageTimeoutMs = (int)_options.AppendTimeout.TotalMilliseconds,
            Partitioner = Partitioner.Murmur2Random,
        };
        var clientLog = new KafkaClientLogging(_logger, _time);
        return new ProducerBuilder<string, byte[]>(config)
            .SetLogHandler((_, message) => clientLog.Log(message))
            .SetStatisticsHandler((client, statistics) => clientLog.Statistics(client.Name, statistics))
            .SetErrorHandler((client, error) =>
            {
                clientLog.Error(client.Name, error);
                if (error.IsFatal)
                {
                    _producerFatal = true;
                }
            })
            .Build();
    }

    private ConsumerConfig ConsumerConfig(ConsumerSpec spec)
    {
        var config = new ConsumerConfig(LongLivedSettings())
        {
            BootstrapServers = _options.BootstrapServers,
            ClientId = "ztstream-consumer-" + spec.GroupId,
            GroupId = _names.Group(spec.GroupId),
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = spec.StartFromEarliest ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest,

            // Latency matters more than fetch efficiency here (a revocation should follow an event within a second).
            FetchWaitMaxMs = 100,
        };
        foreach (var (key, value) in _options.KafkaConsumerSettings)
        {
            config.Set(key, value);
        }

        return config;
    }

    /// <summary>A consumer that only assigns (no group membership, nothing committed), for <see cref="IEventLogBrowser"/>.</summary>
    private IConsumer<string, byte[]> BrowsingConsumer(string? group = null)
    {
        var clientLog = new KafkaClientLogging(_logger, _time);
        return new ConsumerBuilder<string, byte[]>(new ConsumerConfig(BaseSettings())
        {
            BootstrapServers = _options.BootstrapServers,
            GroupId = _names.Group(group ?? "ztstream-browse-" + Guid.NewGuid().ToString("N")),
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = 10,
        })
            .SetLogHandler((_, message) => clientLog.Log(message))
            .Build();
    }

    private Dictionary<string, string> BaseSettings() => new(_options.KafkaSettings, StringComparer.Ordinal);

    /// <summary>
    /// <see cref="BaseSettings"/> for the producer and the group consumers, which live as long as the process: with
    /// statistics on unless configured, which tell their log when an outage of the brokers ended.
    /// </summary>
    private Dictionary<string, string> LongLivedSettings()
    {
        var settings = BaseSettings();
        KafkaClientLogging.AddDefaults(settings);
        return settings;
    }
}
