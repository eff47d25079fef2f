namespace ZtStream.Contracts.Events;

/// <summary>
/// Which token claims name a user by login rather than by an opaque id. Identity providers compare a login without regard to
/// case (<c>Dana.Kowalski@Acme.Example</c> and <c>dana.kowalski@acme.example</c> are one account), so Ingest keys a
/// <see cref="Subject.Id"/> whose <see cref="Subject.Claim"/> is one of these in the one form of login names, as its
/// identity-provider adapters key the same user; an opaque id (<c>sub</c>, <c>oid</c>, <c>uid</c>) is kept as written.
/// </summary>
public static class SubjectClaims
{
    private static readonly string[] LoginClaims = ["preferred_username", "email", "upn", "unique_name"];

    /// <summary>The login claims: OpenID Connect's <c>preferred_username</c> and <c>email</c>, Entra ID's <c>upn</c> and <c>unique_name</c>.</summary>
    public static IReadOnlyList<string> Logins => LoginClaims;

    /// <summary>Whether <paramref name="claim"/> names a user by login (one of <see cref="Logins"/>).</summary>
    public static bool IsLogin(string? claim)
    {
        foreach (var login in LoginClaims)
        {
            if (string.Equals(claim, login, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
