namespace ZtStream.Responder.Api;

/// <summary>
/// API roles, each allowed what the ones before it are: a viewer reads; an analyst triages (status, assignment,
/// comments, verdicts, suppressions of the alert's own rules for its principal); a responder also acts (approve,
/// trigger, release, lift revocations) and makes wide suppressions; an admin is a responder who may also administer.
/// </summary>
internal static class ApiRoles
{
    public const string Viewer = "viewer";
    public const string Analyst = "analyst";
    public const string Responder = "responder";
    public const string Admin = "admin";

    public static readonly string[] All = [Viewer, Analyst, Responder, Admin];

    /// <summary>The role's place in the order above; -1 for an unknown role, which is then allowed nothing.</summary>
    public static int Rank(string? role) => Array.IndexOf(All, role);

    public static bool Allows(string? held, string needed) => Rank(held) >= Rank(needed) && Rank(held) >= 0;
}
