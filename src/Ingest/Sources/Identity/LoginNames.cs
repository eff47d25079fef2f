using System.Diagnostics.CodeAnalysis;

namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// A login name its provider compares without regard to case (an Entra ID user principal name, a Keycloak username, an
/// e-mail address a Shared Signals transmitter names a user by) in the one form ZtStream keys its principal by, so however
/// a record cases it — as the user typed it, as the directory stored it — it is one principal: lower case, invariant culture.
/// </summary>
internal static class LoginNames
{
    [return: NotNullIfNotNull(nameof(name))]
    public static string? Fold(string? name) => name?.ToLowerInvariant();
}
