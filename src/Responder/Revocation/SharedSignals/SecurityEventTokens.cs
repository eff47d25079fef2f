namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>
/// Builds Security Event Tokens (RFC 8417, SSF 1.0) — CAEP <c>session-revoked</c>, <c>credential-change</c> and
/// <c>assurance-level-change</c>, and the SSF <c>verification</c> and <c>stream-updated</c> events: explicitly typed
/// <c>secevent+jwt</c>, subject in <c>sub_id</c> (RFC 9493) and never in <c>sub</c>, no <c>exp</c>, one event,
/// <c>reason_admin</c> always filled on CAEP events (as the CAEP interoperability profile asks), the action id as <c>txn</c>.
/// </summary>
internal static class SecurityEventTokens
{
    public const string MediaType = "application/secevent+jwt";
    public const string TokenType = "secevent+jwt";

    /// <summary>The events a receiver can ask for on a stream (<c>events_supported</c>).</summary>
    public static readonly IReadOnlyList<string> Supported = [SsfEventTypes.SessionRevoked, SsfEventTypes.CredentialChange, SsfEventTypes.AssuranceLevelChange];

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

    /// <summary>The claims of one session-revoked SET for one receiver.</summary>
    public static JsonObject Claims(
        string issuer,
        string audience,
        string jti,
        DateTimeOffset issuedAt,
        Guid actionId,
        JsonObject subject,
        DateTimeOffset eventTime,
        string reason,
        string requestedBy) =>
        Claims(issuer, audience, jti, issuedAt, actionId.ToString(), subject, SsfEventTypes.SessionRevoked, CaepPayload(eventTime, reason, requestedBy));

    /// <summary>The claims of one SET carrying one event of <paramref name="eventType"/> for one receiver.</summary>
    public static JsonObject Claims(
        string issuer,
        string audience,
        string jti,
        DateTimeOffset issuedAt,
        string? txn,
        JsonObject subject,
        string eventType,
        JsonObject payload)
    {
        var claims = new JsonObject
        {
            ["iss"] = issuer,
            ["jti"] = jti,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["aud"] = audience,
        };
        if (txn is not null)
        {
            claims["txn"] = txn;
        }

        claims["sub_id"] = subject;
        claims["events"] = new JsonObject { [eventType] = payload };
        return claims;
    }

    /// <summary>The members every CAEP event ZtStream sends carries: when, who initiated it, and why.</summary>
    public static JsonObject CaepPayload(DateTimeOffset eventTime, string reason, string requestedBy) => new()
    {
        ["event_timestamp"] = eventTime.ToUnixTimeSeconds(),
        ["initiating_entity"] = requestedBy.StartsWith("policy:", StringComparison.Ordinal) ? "policy" : "admin",
        ["reason_admin"] = new JsonObject { ["en"] = reason },
    };

    /// <summary>The subject of a stream's own events (verification, stream-updated): the stream id, opaque.</summary>
    public static JsonObject StreamSubject(string streamId) => new() { ["format"] = "opaque", ["id"] = streamId };

    /// <summary>A user subject by id: <c>iss_sub</c>, which every CAEP receiver must accept.</summary>
    public static JsonObject UserSubject(string subjectId, string subjectIssuer) => User(subjectId, subjectIssuer);

    public static string Sign(JsonObject claims, SigningKey key) => key.Sign(claims.ToJsonString(), TokenType);

    /// <summary>Subjects are named by the IdP that issued them (<c>iss_sub</c>, which every CAEP receiver must accept).</summary>
    private static JsonObject User(string subjectId, string subjectIssuer) =>
        new() { ["format"] = "iss_sub", ["iss"] = subjectIssuer, ["sub"] = subjectId };
}
