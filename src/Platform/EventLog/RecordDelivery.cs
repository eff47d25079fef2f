namespace ZtStream.Platform.EventLog;

/// <summary>
/// Hands one record to a handler with the rules every implementation shares. A transient failure (the store, bus or
/// log is down: <see cref="TransientFaults"/>) pauses the consumer on the record and retries it with exponential
/// backoff until it succeeds, however long that takes, reporting the pause in <see cref="ConsumerHealth"/>. Any
/// other failure is deterministic: up to <see cref="ConsumerSpec.MaxAttempts"/> attempts (a
/// <see cref="PoisonRecordException"/> at once), then the record goes to the dead-letter topic with the reason, and
/// only then may the caller store the offset.
/// </summary>
internal sealed class RecordDelivery(
    IEventLog log,
    EventLogOptions options,
    TimeProvider time,
    EventLogMetrics metrics,
    ConsumerHealth health,
    ILogger logger)
{
    /// <summary>
    /// Returns once the record is handled or dead-lettered. Throws <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires first; the record's offset must then not be stored.
    /// </summary>
    /// <param name="endOffset">The partition's end offset as the log knew it when it handed the record out (negative when
    /// unknown): the consumer lag this group reports for the partition.</param>
    public async Task DeliverAsync(ConsumerSpec spec, IRecordHandler handler, ConsumedRecord record, long endOffset, CancellationToken cancellationToken)
    {
        // The handler's work (scoring, storing an alert, sending a command) joins the trace the record carries.
        using var activity = EventLogTracing.StartProcess(spec.GroupId, record);
        await HandleOrDeadLetterAsync(spec, handler, record, cancellationToken).ConfigureAwait(false);
        metrics.Finished(spec.GroupId, record, endOffset);
    }

    /// <summary>A partition left this member of <paramref name="group"/>: it no longer reports the partition's lag.</summary>
    public void PartitionLeft(string group, string topic, int partition) => metrics.Forget(group, topic, partition);

    private async Task HandleOrDeadLetterAsync(ConsumerSpec spec, IRecordHandler handler, ConsumedRecord record, CancellationToken cancellationToken)
    {
        var maxAttempts = Math.Max(1, spec.MaxAttempts);
        string? reason = null;
        IDisposable? pause = null;
        var outage = 0;
        try
        {
            for (var attempt = 1; attempt <= maxAttempts;)
            {
                try
                {
                    await handler.HandleAsync(record, cancellationToken).ConfigureAwait(false);
                    if (pause is not null)
                    {
                        EventLogLog.ConsumerResumed(logger, spec.GroupId, record.Topic, record.Partition, record.Offset, outage);
                    }

                    return;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (PoisonRecordException poison)
                {
                    reason = "poison: " + poison.Message;
                    break;
                }
                catch (Exception ex) when (TransientFaults.IsTransient(ex))
                {
                    // Not the record's fault: it would fail the same way for every record, so hold this one (and with
                    // it the partition's order) until the dependency is back. Attempts are not counted.
                    outage++;
                    var why = $"{ex.GetType().Name}: {ex.Message}";
                    if (pause is null)
                    {
                        pause = health.PauseOn(spec.GroupId, record, why);
                        EventLogLog.ConsumerPaused(logger, spec.GroupId, record.Topic, record.Partition, record.Offset, ex);
                    }
                    else
                    {
                        health.Update(pause, why);
                        if ((outage & (outage - 1)) == 0)
                        {
                            EventLogLog.ConsumerStillPaused(logger, spec.GroupId, record.Topic, record.Partition, record.Offset, outage, why);
                        }
                    }

                    metrics.Retried.Add(1);
                    await Task.Delay(Backoff(outage), time, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    EventLogLog.HandlerFailed(logger, record.Topic, record.Partition, record.Offset, attempt, maxAttempts, ex);
                    reason = $"failed {attempt} attempt(s): {ex.GetType().Name}: {ex.Message}";
                    if (attempt < maxAttempts)
                    {
                        metrics.Retried.Add(1);
                        await Task.Delay(options.RetryBackoff * attempt, time, cancellationToken).ConfigureAwait(false);
                    }

                    attempt++;
                }
            }

            await DeadLetterAsync(record, reason!, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            pause?.Dispose();
        }
    }

    /// <summary>RetryBackoff (10 ms when it is zero), doubled per failed attempt, at most MaxRetryBackoff.</summary>
    private TimeSpan Backoff(int failures) => ZtStream.Platform.Backoff.Exponential(
        failures, options.RetryBackoff > TimeSpan.Zero ? options.RetryBackoff : TimeSpan.FromMilliseconds(10), options.MaxRetryBackoff);

    private async Task DeadLetterAsync(ConsumedRecord record, string reason, CancellationToken cancellationToken)
    {
        var deadLetterTopic = DeadLetterHeaders.TopicFor(record.Topic);
        var dead = new LogRecord(record.Key, record.Value, DeadLetterHeadersFor(record, reason));

        // Nothing is dropped silently: while the dead-letter topic refuses the record, keep trying (the offset is
        // not stored meanwhile, so a crash here re-delivers the record rather than losing it).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await log.AppendAsync(deadLetterTopic, [dead], cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (EventLogUnavailableException ex)
            {
                EventLogLog.DeadLetterAppendFailed(logger, record.Topic, record.Partition, record.Offset, ex);
                var wait = TimeSpan.FromTicks(Math.Min(ex.RetryAfter.Ticks, Backoff(attempt).Ticks));
                await Task.Delay(wait > TimeSpan.Zero ? wait : Backoff(attempt), time, cancellationToken).ConfigureAwait(false);
            }
        }

        metrics.DeadLetter(deadLetterTopic);
        EventLogLog.DeadLettered(logger, record.Topic, record.Partition, record.Offset, deadLetterTopic, reason);
    }

    internal static Dictionary<string, string> DeadLetterHeadersFor(ConsumedRecord record, string reason)
    {
        var headers = new Dictionary<string, string>(record.Headers, StringComparer.Ordinal)
        {
            [DeadLetterHeaders.Reason] = reason,
            [DeadLetterHeaders.OriginalTopic] = record.Topic,
            [DeadLetterHeaders.OriginalPartition] = record.Partition.ToString(CultureInfo.InvariantCulture),
            [DeadLetterHeaders.OriginalOffset] = record.Offset.ToString(CultureInfo.InvariantCulture),
        };
        return headers;
    }
}
