using Confluent.Kafka;

namespace ZtStream.Platform.EventLog.Kafka;

/// <summary>
/// One Kafka consumer, owned by one thread for its whole life (librdkafka consumers are not thread-safe, and
/// rebalance callbacks run inside <c>Consume</c> on that thread). At-least-once: auto-commit is on but commits
/// only offsets stored with <c>StoreOffset</c>, which happens after the handler returned or the record was
/// dead-lettered. On stop, the record in hand gets <c>ShutdownDrainTimeout</c> to finish, then <c>Close</c>
/// commits what was stored and leaves the group, given <c>KafkaCloseTimeout</c> before the stop goes on without it.
/// </summary>
internal sealed class KafkaConsumerLoop(
    ConsumerConfig config,
    ConsumerSpec spec,
    KafkaNames names,
    IRecordHandler handler,
    RecordDelivery delivery,
    TimeSpan drainTimeout,
    TimeSpan closeTimeout,
    TimeProvider time,
    Action<ConsumedRecord>? afterHandledBeforeStore,
    KafkaClientLogging clientLog,
    ILogger logger)
{
    // Whether the close returned or its deadline gave up on it first: exactly one of the two wins.
    private const int Closing = 0, CloseReturned = 1, CloseGivenUp = 2;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _closeState;

    public Task Start(CancellationToken cancellationToken)
    {
        var thread = new Thread(() => Run(cancellationToken))
        {
            IsBackground = true,
            Name = "kafka-consumer " + spec.GroupId,
        };
        thread.Start();
        return _completion.Task;
    }

    private void Run(CancellationToken stopping)
    {
        // The handler's token fires drainTimeout after stopping does, so the record in hand can finish.
        using var handling = new CancellationTokenSource();
        using var drain = stopping.Register(() => handling.CancelAfter(drainTimeout));
        try
        {
            using var consumer = new ConsumerBuilder<string, byte[]>(config)
                .SetLogHandler((_, message) => clientLog.Log(message))
                .SetErrorHandler((client, error) => clientLog.Error(client.Name, error))
                .SetStatisticsHandler((client, statistics) => clientLog.Statistics(client.Name, statistics))
                .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions, handling.Token))
                .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions, handling.Token))
                .SetPartitionsLostHandler((_, partitions) =>
                {
                    EventLogLog.PartitionsLost(logger, spec.GroupId, string.Join(", ", partitions.Select(p => p.TopicPartition.ToString())));
                    OnRevoked(partitions, handling.Token);
                })
                .Build();
            try
            {
                consumer.Subscribe(spec.Topics.Select(names.Topic));
                ConsumeUntilStopped(consumer, stopping, handling.Token);
            }
            finally
            {
                Close(consumer);
            }

            _completion.TrySetResult();
        }
        catch (Exception ex)
        {
            _completion.TrySetException(ex);
        }
    }

    private void ConsumeUntilStopped(IConsumer<string, byte[]> consumer, CancellationToken stopping, CancellationToken handling)
    {
        while (!stopping.IsCancellationRequested)
        {
            ConsumeResult<string, byte[]>? result;
            try
            {
                result = consumer.Consume(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                // E.g. a subscribed topic that does not exist yet: librdkafka keeps trying, so do we.
                EventLogLog.ConsumeError(logger, spec.GroupId, ex.Error.Code.ToString(), ex.Error.Reason);
                continue;
            }

            if (result?.Message is null)
            {
                continue;
            }

            var record = ToRecord(result, names.Logical(result.Topic, spec.Topics));
            // The high watermark librdkafka cached from the last fetch: no call to the broker.
            var end = consumer.GetWatermarkOffsets(result.TopicPartition).High;
            try
            {
                delivery.DeliverAsync(spec, handler, record, end == Offset.Unset ? -1 : end.Value, handling).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (handling.IsCancellationRequested)
            {
                return; // not stored: the next owner of the partition gets the record again
            }

            afterHandledBeforeStore?.Invoke(record);
            try
            {
                consumer.StoreOffset(result);
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
            {
                // The partition was revoked meanwhile; its new owner re-reads from the last committed offset.
                EventLogLog.ConsumeError(logger, spec.GroupId, ex.Error.Code.ToString(), ex.Error.Reason);
            }
        }
    }

    private List<TopicPartitionOffset> OnAssigned(List<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        var offsets = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            var topic = names.Logical(partition.Topic, spec.Topics);
            long? requested = null;
            try
            {
                requested = handler.OnPartitionAssignedAsync(topic, partition.Partition.Value, cancellationToken).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                EventLogLog.PartitionCallbackFailed(logger, spec.GroupId, topic, partition.Partition.Value, ex);
            }

            // With cooperative-sticky the handler must return exactly the partitions it was given; Unset resumes
            // from the committed offset (or auto.offset.reset).
            offsets.Add(new TopicPartitionOffset(partition, requested is { } offset ? new Offset(offset) : Offset.Unset));
            EventLogLog.PartitionAssigned(logger, spec.GroupId, topic, partition.Partition.Value, requested ?? Offset.Unset.Value);
        }

        return offsets;
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions, CancellationToken cancellationToken)
    {
        foreach (var partition in partitions)
        {
            var topic = names.Logical(partition.Topic, spec.Topics);
            try
            {
                handler.OnPartitionRevokedAsync(topic, partition.Partition.Value, cancellationToken).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                EventLogLog.PartitionCallbackFailed(logger, spec.GroupId, topic, partition.Partition.Value, ex);
            }

            delivery.PartitionLeft(spec.GroupId, topic, partition.Partition.Value);
            EventLogLog.PartitionRevoked(logger, spec.GroupId, topic, partition.Partition.Value);
        }
    }

    private void Close(IConsumer<string, byte[]> consumer)
    {
        // librdkafka's close waits for the final commit and the leave with no deadline of its own: while the group
        // coordinator is unreachable, until session.timeout.ms (45 s by default) and on some paths on and on
        // (confluentinc/librdkafka#3740), which would hold a stopping host past its shutdown timeout. Past
        // closeTimeout the loop counts as ended and says so; the close goes on here, on the thread that owns the
        // consumer (disposing it from elsewhere would free the handle the close is still using), until it returns
        // or the process exits. What it did not commit is delivered again, at least once (the Verifier skips event
        // ids it saw recently).
        using var deadline = time.CreateTimer(_ => GiveUpClosing(), null, closeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            // Commits the stored offsets, runs the revoked callbacks and leaves the group at once, so the
            // partitions move to the remaining members without waiting for a session timeout.
            consumer.Close();
        }
        catch (Exception ex)
        {
            EventLogLog.ConsumerCloseFailed(logger, spec.GroupId, ex);
        }
        finally
        {
            Interlocked.CompareExchange(ref _closeState, CloseReturned, Closing);
        }
    }

    private void GiveUpClosing()
    {
        if (Interlocked.CompareExchange(ref _closeState, CloseGivenUp, Closing) == Closing)
        {
            EventLogLog.ConsumerCloseTimedOut(logger, spec.GroupId, closeTimeout);
            _completion.TrySetResult();
        }
    }

    /// <summary><paramref name="result"/> as the log's record, on <paramref name="topic"/> (its logical name, see <see cref="KafkaNames"/>).</summary>
    internal static ConsumedRecord ToRecord(ConsumeResult<string, byte[]> result, string topic)
    {
        IReadOnlyDictionary<string, string> headers;
        if (result.Message.Headers is { Count: > 0 } kafkaHeaders)
        {
            var copy = new Dictionary<string, string>(kafkaHeaders.Count, StringComparer.Ordinal);
            foreach (var header in kafkaHeaders)
            {
                // Last one wins, as a later header of the same name is the newer value.
                copy[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes());
            }

            headers = copy;
        }
        else
        {
            headers = new Dictionary<string, string>(0);
        }

        return new ConsumedRecord(
            topic,
            result.Partition.Value,
            result.Offset.Value,
            result.Message.Key ?? string.Empty,
            result.Message.Value ?? [],
            headers,
            DateTimeOffset.FromUnixTimeMilliseconds(result.Message.Timestamp.UnixTimestampMs));
    }
}
