namespace ZtStream.Sdk;

/// <summary>
/// Settings of the ZtStream SDK, bound from the configuration section <c>ZtStream</c>
/// (see <see cref="SectionName"/>) and then from the delegate given to
/// <see cref="ZtStreamServiceCollectionExtensions.AddZtStream"/>. Every problem is reported at start.
/// </summary>
public sealed record ZtStreamOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "ZtStream";

    /// <summary>
    /// Base address of ZtStream Ingest, e.g. <c>https://ztstream-ingest</c>; events go to <c>POST {Endpoint}/v1/events</c>.
    /// Must be <c>https</c>, or <c>http</c> to a loopback address or <c>localhost</c>, unless <see cref="AllowHttp"/> is set.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Send events over plain <c>http</c> to an <see cref="Endpoint"/> other than loopback. Off by default: the source key
    /// and every event would cross the network in clear, so whoever reads them on the way can post as this application or
    /// change what it reports. Set it only where no one on the network path can read or change the traffic. The
    /// revocation feed has its own, <see cref="ZtStreamRevocationOptions.AllowHttp"/>.
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>The source key Ingest issued for this application (<c>ztstream sources add NAME</c>); sent as <c>Authorization: Bearer</c>.</summary>
    public string? SourceKey { get; set; }

    /// <summary>Most events sent in one request. Default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Longest an event waits for its batch to fill before the batch is sent anyway. Default 1 second.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events held in memory while Ingest is slow or away; when full, the oldest is dropped and counted. Default 10,000.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>First retry delay (before jitter); doubles per attempt. Default 200 ms.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Cap of the exponential retry delay. A <c>Retry-After</c> from Ingest is honoured as given up to 5 minutes, or up to
    /// this cap when it is longer. Default 30 seconds.
    /// </summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Attempts per batch while Ingest is away before its events are given up and counted as failed — only once the
    /// queue behind it is full (newer events are being dropped for it); with room the batch waits for Ingest. Default 8.
    /// </summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Timeout of one request to Ingest. Default 10 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long disposal (application shutdown) may spend sending what is still queued. Default 5 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The token claim whose value is the event's subject id. Default <c>sub</c>. Set it to the claim that holds the name
    /// your identity provider's events use for the user, so a sign-in the provider reports and the accesses that follow
    /// land on the same principal: <c>oid</c> with Entra ID (whose <c>sub</c> differs per application), <c>preferred_username</c>
    /// with Keycloak's login names. Falls back to <c>sub</c> when a token lacks it.
    /// </summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>The workload this application runs as; stamped on every event. Unset fields fall back to environment variables.</summary>
    public ZtStreamWorkloadOptions Workload { get; set; } = new();

    /// <summary>Enforcement of the Responder's revocations.</summary>
    public ZtStreamRevocationOptions Revocations { get; set; } = new();

    /// <summary>
    /// Configuration values that could not be read as their key's type (<c>BatchSize=abc</c>), one line each: reported
    /// at start with every other problem rather than one at a time. Replaced, never changed in place: a <c>with</c> copy
    /// shares the list it was made with, and a problem found in the copy is not the original's.
    /// </summary>
    internal IReadOnlyList<string> BindingProblems { get; set; } = [];
}

/// <summary>
/// The workload identity stamped on access events (section <c>ZtStream:Workload</c>). A field left empty is taken from
/// the environment: <c>ZTSTREAM_WORKLOAD_*</c> first, then the Kubernetes downward-API names listed on each property.
/// </summary>
public sealed record ZtStreamWorkloadOptions
{
    /// <summary>Stable workload id. Environment: <c>ZTSTREAM_WORKLOAD_ID</c>; otherwise <c>{Namespace}/{Name}</c>, or <see cref="Name"/> alone.</summary>
    public string? Id { get; set; }

    /// <summary>Pod (or process) name. Environment: <c>ZTSTREAM_WORKLOAD_NAME</c>, then <c>POD_NAME</c>.</summary>
    public string? Name { get; set; }

    /// <summary>Kubernetes namespace. Environment: <c>ZTSTREAM_WORKLOAD_NAMESPACE</c>, then <c>POD_NAMESPACE</c>.</summary>
    public string? Namespace { get; set; }

    /// <summary>Service account. Environment: <c>ZTSTREAM_WORKLOAD_SERVICE_ACCOUNT</c>, then <c>SERVICE_ACCOUNT</c>.</summary>
    public string? ServiceAccount { get; set; }

    /// <summary>Node name. Environment: <c>ZTSTREAM_WORKLOAD_NODE</c>, then <c>NODE_NAME</c>.</summary>
    public string? Node { get; set; }

    /// <summary>Container image. Environment: <c>ZTSTREAM_WORKLOAD_IMAGE</c>.</summary>
    public string? Image { get; set; }
}

/// <summary>Enforcement settings (section <c>ZtStream:Revocations</c>).</summary>
public sealed record ZtStreamRevocationOptions
{
    /// <summary>
    /// Base address of the Responder serving the revocation feed; unset turns enforcement off. Must be <c>https</c>,
    /// or <c>http</c> to a loopback address or <c>localhost</c>, unless <see cref="AllowHttp"/> is set.
    /// </summary>
    public Uri? Feed { get; set; }

    /// <summary>
    /// Follow the feed over plain <c>http</c> to a host other than loopback. Off by default: an unsigned feed (no
    /// <see cref="SigningKeys"/>) lets whoever can change it on the way lift revocations or hold new ones back, and
    /// <see cref="Key"/> would travel in clear (RFC 6750 §5.3). Set it only where no one on the network path can change
    /// the answer. Not needed with <see cref="SigningKeys"/>, which protect what the feed says (not who reads it).
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// The feed's public keys, pinned: a JWKS file, or the <c>https</c> address of one (the Responder publishes its own
    /// at <c>/v1/revocations/jwks</c>). Set: the SDK follows the signed feed and refuses every message that is not signed
    /// by one of these keys, names another issuer or audience, goes back to an older version, or was issued longer than
    /// <see cref="StaleAfter"/> ago; and the list counts as current only while signed messages keep coming. Unset: the
    /// unsigned feed, trusted for its transport alone.
    /// </summary>
    public string? SigningKeys { get; set; }

    /// <summary>The <c>iss</c> a signed feed message must carry (the Responder's <c>Responder:Feed:Issuer</c>).</summary>
    public string Issuer { get; set; } = Contracts.Revocations.RevocationFeed.DefaultIssuer;

    /// <summary>The <c>aud</c> a signed feed message must carry (the Responder's <c>Responder:Feed:Audience</c>).</summary>
    public string Audience { get; set; } = Contracts.Revocations.RevocationFeed.DefaultAudience;

    /// <summary>Optional bearer credential for the feed.</summary>
    public string? Key { get; set; }

    /// <summary>
    /// What to do with an authenticated request while the revocation list is not current (never loaded, or the feed
    /// has been unreachable longer than <see cref="StaleAfter"/>): <c>false</c> (default) lets it through and counts it
    /// as unverified; <c>true</c> answers 503. Revocations already known are enforced either way.
    /// </summary>
    public bool FailClosed { get; set; }

    /// <summary>
    /// How long after losing the feed the list still counts as current. With <see cref="SigningKeys"/>: how old a
    /// signed message may be, and how long after the last one the list counts as current; keep it above the
    /// Responder's keep-alive interval (15 seconds). Default 30 seconds.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First reconnect delay (before jitter). Default 250 ms.</summary>
    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Cap of the reconnect delay. Default 30 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A stream silent for this long (no answer, no entry, no keep-alive comment) is taken for a dead connection and reopened
    /// with <c>Last-Event-ID</c>, so a half-open connection cannot leave enforcement blind. The Responder sends a
    /// keep-alive every 15 seconds. Default 60 seconds.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of the snapshot request, and of reading <see cref="SigningKeys"/> from an address. Default 10 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most bytes of a snapshot read; a larger one is refused before anything of it is loaded, the list held is kept,
    /// and the snapshot is asked for again with backoff. Default 64 MiB (some 200,000 entries).
    /// </summary>
    public long MaxSnapshotBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Most bytes of one stream event (its lines together) or of any one line; past it the stream is dropped and
    /// resumed with backoff from the last version applied. Default 64 KiB (an entry is well under 1 KiB).
    /// </summary>
    public int MaxEventBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Most revocations held in force (expired and lifted ones are dropped first). One more is not applied: the entries
    /// held stay enforced, the list stops being current (so <see cref="FailClosed"/> decides) and the feed starts over
    /// from the snapshot with backoff until one fits. Default 200,000 (some 60 MB).
    /// </summary>
    public int MaxEntries { get; set; } = 200_000;
}
