using Microsoft.Extensions.Options;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.Sources.Identity;
using ZtStream.Ingest.Telemetry;
using ZtStream.Platform.EventLog;

namespace ZtStream.Ingest.Endpoints;

/// <summary>
/// Appends accepted events to <see cref="IngestOptions.Topic"/>, keyed by principal, stamped with their source and
/// returning only once the log acknowledged them. Every way into Ingest (the endpoints, the Shared Signals receiver)
/// goes through here, so the record's key, headers and in-flight count are the same whichever way an event came.
/// </summary>
internal sealed class EventAppender(IEventLog eventLog, IngestMetrics metrics, IOptions<IngestOptions> options)
{
    public const string SourceHeader = "zt-source";

    /// <summary>
    /// Appends <paramref name="events"/> as from <paramref name="source"/>, each failed sign-in with its address twin
    /// (<see cref="AddressTwins"/>) in the same append; throws <see cref="EventLogUnavailableException"/> when the log
    /// cannot take them. Returns the events as stamped (without the twins).
    /// </summary>
    public async Task<IReadOnlyList<AccessEvent>> AppendAsync(IReadOnlyList<AccessEvent> events, string source, CancellationToken cancellationToken)
    {
        var stamped = new AccessEvent[events.Count];
        var records = new List<LogRecord>(events.Count);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { [SourceHeader] = source };
        for (var i = 0; i < events.Count; i++)
        {
            stamped[i] = events[i] with { Source = source };
            records.Add(new LogRecord(stamped[i].PrincipalKey, ContractJson.Serialize(stamped[i]), headers));
            if (AddressTwins.Of(stamped[i]) is { } twin)
            {
                records.Add(new LogRecord(twin.PrincipalKey, ContractJson.Serialize(twin), headers));
            }
        }

        metrics.AppendStarted(records.Count);
        try
        {
            await eventLog.AppendAsync(options.Value.Topic, records, cancellationToken);
        }
        finally
        {
            metrics.AppendEnded(records.Count);
        }

        return stamped;
    }
}
