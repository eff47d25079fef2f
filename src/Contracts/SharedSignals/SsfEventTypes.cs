namespace ZtStream.Contracts.SharedSignals;

/// <summary>
/// The Shared Signals event types ZtStream receives (Ingest's receiver) or sends (the Responder's transmitter): the
/// event-type URIs of CAEP, RISC and SSF 1.0, as a Security Event Token names them in its <c>events</c> claim.
/// </summary>
public static class SsfEventTypes
{
    /// <summary>The prefix of every CAEP event type.</summary>
    public const string Caep = "https://schemas.openid.net/secevent/caep/event-type/";

    /// <summary>The prefix of every RISC event type.</summary>
    public const string Risc = "https://schemas.openid.net/secevent/risc/event-type/";

    /// <summary>The prefix of the SSF stream-control event types.</summary>
    public const string Ssf = "https://schemas.openid.net/secevent/ssf/event-type/";

    /// <summary>CAEP: a session ended; every token of it must stop working.</summary>
    public const string SessionRevoked = Caep + "session-revoked";

    /// <summary>CAEP: the claims of the subject's tokens changed.</summary>
    public const string TokenClaimsChange = Caep + "token-claims-change";

    /// <summary>CAEP: a credential was created, changed, revoked or deleted.</summary>
    public const string CredentialChange = Caep + "credential-change";

    /// <summary>CAEP: the authentication assurance level went up or down.</summary>
    public const string AssuranceLevelChange = Caep + "assurance-level-change";

    /// <summary>CAEP: a device became compliant or not.</summary>
    public const string DeviceComplianceChange = Caep + "device-compliance-change";

    /// <summary>CAEP: a session began.</summary>
    public const string SessionEstablished = Caep + "session-established";

    /// <summary>CAEP: an existing session was presented to a new relying party.</summary>
    public const string SessionPresented = Caep + "session-presented";

    /// <summary>CAEP: the subject's risk level changed.</summary>
    public const string RiskLevelChange = Caep + "risk-level-change";

    /// <summary>RISC: the account was disabled.</summary>
    public const string AccountDisabled = Risc + "account-disabled";

    /// <summary>RISC: the account was enabled again.</summary>
    public const string AccountEnabled = Risc + "account-enabled";

    /// <summary>RISC: the account was deleted.</summary>
    public const string AccountPurged = Risc + "account-purged";

    /// <summary>RISC: the account must change its credential before its next use.</summary>
    public const string AccountCredentialChangeRequired = Risc + "account-credential-change-required";

    /// <summary>RISC: a credential is known to be compromised.</summary>
    public const string CredentialCompromise = Risc + "credential-compromise";

    /// <summary>RISC: the subject's identifier changed.</summary>
    public const string IdentifierChanged = Risc + "identifier-changed";

    /// <summary>RISC: the subject's identifier was given to someone else.</summary>
    public const string IdentifierRecycled = Risc + "identifier-recycled";

    /// <summary>RISC: every session of the account was revoked.</summary>
    public const string RiscSessionsRevoked = Risc + "sessions-revoked";

    /// <summary>SSF: a verification event a receiver asked for, about the stream itself.</summary>
    public const string Verification = Ssf + "verification";

    /// <summary>SSF: the transmitter changed the stream's status.</summary>
    public const string StreamUpdated = Ssf + "stream-updated";

    /// <summary>Stream-control events: about the stream, not a subject.</summary>
    public static bool IsStreamControl(string type) => type is Verification or StreamUpdated;

    /// <summary>The last path segment of an event type, for messages and audit lines: <c>session-revoked</c>.</summary>
    public static string ShortName(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var slash = type.TrimEnd('/').LastIndexOf('/');
        return slash >= 0 && slash < type.Length - 1 ? type[(slash + 1)..] : type;
    }
}
