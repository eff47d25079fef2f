namespace ZtStream.Verifier.Rules;

/// <summary>
/// Events mapped from an identity provider's own record (Okta's System Log, Auth0's logs, Entra ID's sign-ins and
/// audits): the kinds they map to, and which provider an event came from (its <c>idp.name</c>). Rules written for one
/// provider's record (Sigma's <c>product: okta</c>, Falco's <c>source: okta</c>) read only that provider's events.
/// </summary>
internal static class IdentityProviderEvents
{
    private const string IdpName = "idp.name";

    /// <summary>Every canonical kind an identity provider's record maps to; the provider itself is told apart by <c>idp.name</c>.</summary>
    public static string[] Kinds { get; } =
    [
        EventKinds.AuthLogin, EventKinds.AuthTokenIssued, EventKinds.AuthTokenRefreshed, EventKinds.AuthLogout, EventKinds.AuthMfa,
        EventKinds.AuthTokenRevoked, EventKinds.AuthSessionRevoked, EventKinds.AuthCredentialChange, EventKinds.AuthAccountChange,
        EventKinds.AuthAdminChange, EventKinds.AuthRisk, EventKinds.AuthContextChange, EventKinds.IdpEvent,
    ];

    /// <summary>True for an event mapped from <paramref name="idp"/>'s record (its <c>idp.name</c>) that still carries that record on <c>Raw</c>.</summary>
    public static bool IsFrom(RuleEvent e, string idp) =>
        e.Raw is { ValueKind: JsonValueKind.Object }
        && e.Event.Attributes is { } attributes
        && attributes.TryGetValue(IdpName, out var name)
        && name.ValueKind == JsonValueKind.String
        && name.ValueEquals(idp);
}
