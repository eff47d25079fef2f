using ZtStream.Contracts.Events;

namespace ZtStream.Ingest.Sources;

/// <summary>One canonical event and the position of the input item it came from.</summary>
internal sealed record MappedEvent(int Index, AccessEvent Event);

/// <summary>What a source adapter made of a payload: the events it could map and an error for each item it could not.</summary>
internal sealed record MapResult(IReadOnlyList<MappedEvent> Items, IReadOnlyList<ItemError> Errors)
{
    public IReadOnlyList<AccessEvent> Events => [.. Items.Select(i => i.Event)];

    /// <summary>Input items seen (mapped plus rejected).</summary>
    public int ItemCount => Items.Count + Errors.Count;
}

/// <summary>Bounds an adapter keeps to, so one hostile payload cannot balloon an event, and how it names identities.</summary>
/// <param name="MaxObjectBytes">Embedded objects (a request or response object, Falco's output fields) above this are replaced by a summary.</param>
/// <param name="SubjectIsUserId">
/// Identity adapters: the subject is the provider's internal user id (Okta <c>00u…</c>, Entra object id, Keycloak user id,
/// Auth0 <c>user_id</c>) rather than the login name, so it equals the <c>sub</c> (or <c>oid</c>) of the tokens the
/// application sees; the login name is kept in <c>idp.login</c> (<c>Ingest:IdentitySubjects</c>).
/// </param>
internal sealed record SourceMapOptions(int MaxObjectBytes = 32 * 1024, bool SubjectIsUserId = false)
{
    public static SourceMapOptions Default { get; } = new();
}
