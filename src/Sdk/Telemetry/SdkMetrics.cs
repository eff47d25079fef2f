namespace ZtStream.Sdk.Telemetry;

/// <summary>The instruments of meter <c>ZtStream.Sdk</c>.</summary>
internal sealed class SdkMetrics
{
    public const string MeterName = "ZtStream.Sdk";

    public SdkMetrics(IMeterFactory? meterFactory)
    {
        // Without a factory (a client built by hand) the meter is still published under the same name.
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Enqueued = Meter.CreateCounter<long>("ztstream.sdk.events.enqueued", "{event}", "Events accepted into the send queue.");
        Dropped = Meter.CreateCounter<long>("ztstream.sdk.events.dropped", "{event}", "Oldest events dropped because the send queue was full.");
        Delivered = Meter.CreateCounter<long>("ztstream.sdk.events.delivered", "{event}", "Events Ingest accepted.");
        Rejected = Meter.CreateCounter<long>("ztstream.sdk.events.rejected", "{event}", "Events Ingest refused as invalid; never retried.");
        Failed = Meter.CreateCounter<long>("ztstream.sdk.events.failed", "{event}", "Events given up after the retry limit, a refused source key, or shutdown.");
        Retries = Meter.CreateCounter<long>("ztstream.sdk.send.retries", "{request}", "Batch sends retried.");
        RevokedRequests = Meter.CreateCounter<long>("ztstream.sdk.requests.revoked", "{request}", "Requests rejected because their token, session or subject is revoked.");
        UnverifiedRequests = Meter.CreateCounter<long>("ztstream.sdk.requests.unverified", "{request}", "Requests seen while the revocation list was not current (tag mode: fail_open or fail_closed).");
        FeedReconnects = Meter.CreateCounter<long>("ztstream.sdk.revocations.reconnects", "{connection}", "Revocation feed (re)connection attempts after a failure or a dropped stream.");
        RevocationsApplied = Meter.CreateCounter<long>("ztstream.sdk.revocations.applied", "{entry}", "Revocation entries received from the feed.");
        RevocationsLifted = Meter.CreateCounter<long>("ztstream.sdk.revocations.lifted", "{entry}", "Revocation entries a responder lifted, dropped from the list.");
        FeedMessagesMalformed = Meter.CreateCounter<long>("ztstream.sdk.revocations.malformed", "{message}", "Unsigned revocation feed messages skipped because they did not parse.");
        ListFull = Meter.CreateCounter<long>("ztstream.sdk.revocations.list_full", "{refusal}", "Stream entries and snapshots refused because more revocations were in force than Revocations:MaxEntries.");
    }

    public Meter Meter { get; }
    public Counter<long> Enqueued { get; }
    public Counter<long> Dropped { get; }
    public Counter<long> Delivered { get; }
    public Counter<long> Rejected { get; }
    public Counter<long> Failed { get; }
    public Counter<long> Retries { get; }
    public Counter<long> RevokedRequests { get; }
    public Counter<long> UnverifiedRequests { get; }
    public Counter<long> FeedReconnects { get; }
    public Counter<long> RevocationsApplied { get; }
    public Counter<long> RevocationsLifted { get; }
    public Counter<long> FeedMessagesMalformed { get; }
    public Counter<long> ListFull { get; }
}
