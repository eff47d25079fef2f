using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using ZtStream.Contracts.Commands;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// Builds CAEP <c>session-revoked</c> Security Event Tokens (RFC 8417, SSF 1.0): explicitly typed
/// <c>secevent+jwt</c>, subject in <c>sub_id</c> (RFC 9493) and never in <c>sub</c>, no <c>exp</c>, one event,
/// <c>reason_admin</c> always filled (as the CAEP interoperability profile asks), the action id as <c>txn</c>.
/// </summary>
internal static class SecurityEventTokens
{
    public const string SessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
    public const string MediaType = "application/secevent+jwt";
    public const string TokenType = "secevent+jwt";

    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The subject of a token revocation: the session (or, lacking one, the token id standing for its session), with the user when known.</summary>
    public static JsonObject? Subject(RevokeToken command, string subjectIssuer)
    {
        var session = command.SessionId ?? command.Jti;
        if (session is null)
        {
            return command.SubjectId is null ? null : User(command.SubjectId, subjectIssuer);
        }

        var complex = new JsonObject
        {
            ["format"] = "complex",
            ["session"] = new JsonObject { ["format"] = "opaque", ["id"] = session },
        };
        if (command.SubjectId is not null)
        {
            complex["user"] = User(command.SubjectId, subjectIssuer);
        }

        return complex;
    }

    public static JsonObject Subject(RevokeSubjectSessions command, string subjectIssuer) => User(command.SubjectId, subjectIssuer);

    /// <summary>The claims of one SET for one receiver.</summary>
    public static JsonObject Claims(
        string issuer,
        string audience,
        string jti,
        DateTimeOffset issuedAt,
        Guid actionId,
        JsonObject subject,
        DateTimeOffset eventTime,
        string reason,
        string requestedBy) => new()
        {
            ["iss"] = issuer,
            ["jti"] = jti,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["aud"] = audience,
            ["txn"] = actionId.ToString(),
            ["sub_id"] = subject,
            ["events"] = new JsonObject
            {
                [SessionRevoked] = new JsonObject
                {
                    ["event_timestamp"] = eventTime.ToUnixTimeSeconds(),
                    ["initiating_entity"] = requestedBy.StartsWith("policy:", StringComparison.Ordinal) ? "policy" : "admin",
                    ["reason_admin"] = new JsonObject { ["en"] = reason },
                },
            },
        };

    public static string Sign(JsonObject claims, SsfSigningKey key) =>
        Handler.CreateToken(claims.ToJsonString(), key.Credentials, new Dictionary<string, object> { ["typ"] = TokenType });

    /// <summary>Subjects are named by the IdP that issued them (<c>iss_sub</c>, which every CAEP receiver must accept).</summary>
    private static JsonObject User(string subjectId, string subjectIssuer) =>
        new() { ["format"] = "iss_sub", ["iss"] = subjectIssuer, ["sub"] = subjectId };
}
