namespace ZtStream.Ingest.Options;

/// <summary>Section <c>Ingest</c>: request limits, validation bounds and per-source rate limits.</summary>
internal sealed record IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>The event-log topic accepted events are appended to.</summary>
    public string Topic { get; init; } = Topics.Events;

    /// <summary>Largest request body accepted; larger is answered 413.</summary>
    public int MaxBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most items (events, audit events, alerts) in one request; more is answered 413.</summary>
    public int MaxItemsPerBatch { get; init; } = 5_000;

    /// <summary>Longest event id.</summary>
    public int MaxIdLength { get; init; } = 256;

    /// <summary>Longest value of any other string field of an event.</summary>
    public int MaxFieldLength { get; init; } = 2_048;

    /// <summary>Largest <c>attributes</c> object of one event, as JSON.</summary>
    public int MaxAttributesBytes { get; init; } = 128 * 1024;

    /// <summary>Embedded objects a source adapter keeps (an audit event's request/response object) above this are summarised.</summary>
    public int MaxSourceObjectBytes { get; init; } = 32 * 1024;

    /// <summary>
    /// Largest source original object (<c>raw</c>) an event keeps: adapters trim larger ones (docs/sources.md), <c>/v1/events</c>
    /// rejects them.
    /// </summary>
    public int MaxRawBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Per identity provider (<c>okta</c>, <c>entra</c>, <c>keycloak</c>, <c>auth0</c>, <c>google-workspace</c>), which of its names for a user becomes
    /// the subject id: <c>login</c> (default: Okta <c>alternateId</c>, Entra <c>userPrincipalName</c>, Keycloak
    /// <c>username</c>, Auth0 <c>user_name</c>) or <c>user_id</c> (the provider's internal id). Choose the form the
    /// applications' tokens carry, so a provider's events and the SDK's land on the same principal (docs/sources.md).
    /// </summary>
    public IReadOnlyDictionary<string, string> IdentitySubjects { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="idp"/>'s subjects are its internal user ids (see <see cref="IdentitySubjects"/>).</summary>
    public bool SubjectIsUserId(string idp) =>
        IdentitySubjects.FirstOrDefault(kv => string.Equals(kv.Key, idp, StringComparison.OrdinalIgnoreCase)).Value is { } form
        && string.Equals(form, IdentitySubjectForms.UserId, StringComparison.OrdinalIgnoreCase);

    /// <summary>How far ahead of this server's clock an event's time may be.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old an event may be.</summary>
    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Sustained events per second each source may send (token bucket refill rate).</summary>
    public double RatePerSecond { get; init; } = 5_000;

    /// <summary>Events a source may send in a burst above the sustained rate (token bucket size).</summary>
    public int RateBurst { get; init; } = 20_000;

    /// <summary>
    /// New principals (subjects or workloads this Ingest has not seen recently) one source may bring per minute; past it
    /// the source's requests that would bring more are answered 429 until the minute is over. 0 turns the cap off.
    /// A flood of made-up identities from one key then costs the Verifier at most this much state a minute.
    /// </summary>
    public int MaxNewPrincipalsPerMinute { get; init; } = 2_000;

    /// <summary>How many recently seen principals Ingest remembers to tell a new one from a known one (8 bytes each, about 32 with the index).</summary>
    public int KnownPrincipals { get; init; } = 200_000;

    /// <summary>How long a verified credential is trusted before the store is asked again; a revocation takes effect within it.</summary>
    public TimeSpan CredentialCacheTime { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The values of <see cref="IngestOptions.IdentitySubjects"/>.</summary>
internal static class IdentitySubjectForms
{
    public const string Login = "login";
    public const string UserId = "user_id";

    /// <summary>The identity providers whose adapters take the setting.</summary>
    public static IReadOnlyList<string> Providers => SourceAdapters.IdentityProviders;
}
