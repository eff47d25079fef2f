namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>An event log that can be made unavailable, as a broker outage or a full producer queue would.</summary>
internal sealed class SwitchableEventLog(IEventLog inner) : IEventLog
{
    public IDisposable Inner => (IDisposable)inner;

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public volatile bool Available = true;

    public int RefusedAppends;

    public Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        if (!Available)
        {
            Interlocked.Increment(ref RefusedAppends);
            throw new EventLogUnavailableException("the event log is switched off", RetryAfter);
        }

        return inner.AppendAsync(topic, records, cancellationToken);
    }

    public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) =>
        inner.ConsumeAsync(spec, handler, cancellationToken);
}
