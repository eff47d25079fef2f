using System.Diagnostics.Metrics;

namespace ZtStream.Responder.Telemetry;

/// <summary>Meter <c>ZtStream.Responder</c>: the revocation feed's streams and store reads, and the Responder's caps.</summary>
internal sealed class ResponderMetrics
{
    public const string MeterName = "ZtStream.Responder";

    private readonly UpDownCounter<long> feedStreams;
    private readonly Counter<long> feedStreamsRefused;
    private readonly Counter<long> feedReads;
    private readonly Counter<long> alertsMerged;

    public ResponderMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        feedStreams = meter.CreateUpDownCounter<long>("ztstream.responder.feed.streams", "{stream}", "Revocation streams open");
        feedStreamsRefused = meter.CreateCounter<long>("ztstream.responder.feed.streams.refused", "{stream}", "Revocation streams refused: the credential held its most streams");
        feedReads = meter.CreateCounter<long>("ztstream.responder.feed.store_reads", "{query}", "Store reads serving the revocation streams (one per change, whatever the number of streams; plus catch-ups)");
        alertsMerged = meter.CreateCounter<long>("ztstream.responder.alerts.merged", "{alert}", "Alerts merged into an alert-flood alert because a cap on open alerts was reached, by cap");
    }

    public void StreamOpened() => feedStreams.Add(1);

    public void StreamClosed() => feedStreams.Add(-1);

    public void StreamRefused(string credential) => feedStreamsRefused.Add(1, new KeyValuePair<string, object?>("credential", credential));

    /// <summary>Kinds: <c>shared</c> (the one read that serves every stream), <c>catch_up</c> (a stream far behind).</summary>
    public void FeedRead(string kind) => feedReads.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Caps: <c>per_principal</c>, <c>total</c>.</summary>
    public void AlertMerged(string cap) => alertsMerged.Add(1, new KeyValuePair<string, object?>("cap", cap));
}
