using Microsoft.Extensions.Options;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Ingest.Options;
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

    /// <summary>Appends <paramref name="events"/> as from <paramref name="source"/>; throws <see cref="EventLogUnavailableException"/> when the log cannot take them.</summary>
    public async Task<IReadOnlyList<AccessEvent>> AppendAsync(IReadOnlyList<AccessEvent> events, string source, CancellationToken cancellationToken)
    {
        var stamped = new AccessEvent[events.Count];
        var records = new LogRecord[events.Count];
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { [SourceHeader] = source };
        for (var i = 0; i < events.Count; i++)
        {
            stamped[i] = events[i] with { Source = source };
            records[i] = new LogRecord(stamped[i].PrincipalKey, ContractJson.Serialize(stamped[i]), headers);
        }

        metrics.AppendStarted(records.Length);
        try
        {
            await eventLog.AppendAsync(options.Value.Topic, records, cancellationToken);
        }
        finally
        {
            metrics.AppendEnded(records.Length);
        }

        return stamped;
    }
}
