namespace ZtStream.Verifier.Policy;

/// <summary>
/// What an identity provider (or a Shared Signals transmitter) says about a subject, as policy: it ended the subject's
/// sessions, found its credential compromised, disabled its account, reports it at risk or its device out of
/// compliance. These are the provider's decisions, not ZtStream's guesses, so they score as deterministic rules and
/// the response policy can follow them (docs/response.md: <c>idp_sessions_revoked</c> → <c>revoke_subject_sessions</c>).
/// Reads the attribute keys every identity adapter writes (docs/events.md).
/// </summary>
internal static class IdentitySignals
{
    public const string SessionsRevoked = "idp_sessions_revoked";
    public const string SessionRevoked = "idp_session_revoked";
    public const string CredentialCompromise = "idp_credential_compromise";
    public const string AccountDisabled = "idp_account_disabled";
    public const string Risk = "idp_risk";
    public const string DeviceNoncompliant = "idp_device_noncompliant";
    public const string AssuranceDowngrade = "idp_assurance_downgrade";
    public const string CredentialChange = "idp_credential_change";
    public const string ClaimsChange = "idp_claims_change";

    public static void Evaluate(AccessEvent e, in Identity who, List<Contribution> output)
    {
        if (!e.Kind.StartsWith("auth.", StringComparison.Ordinal) || e.Attributes is not { } a)
        {
            return;
        }

        var idp = Text(a, "idp.name") ?? e.Source ?? "the identity provider";
        var reason = Text(a, "ssf.reason_admin") ?? Text(a, "auth.failure_reason");
        var because = reason is null ? "" : $" ({reason})";
        switch (e.Kind)
        {
            case EventKinds.AuthSessionRevoked when e.Token?.SessionId is { } session:
                output.Add(new(Detectors.Policy, SessionRevoked, 95,
                    $"{idp} revoked session {session} of {who.Describe()}{because}; its tokens must stop working here too"));
                break;
            case EventKinds.AuthSessionRevoked:
                output.Add(new(Detectors.Policy, SessionsRevoked, 95,
                    $"{idp} revoked every session of {who.Describe()}{because}; tokens issued before {e.Time:O} must stop working here too"));
                break;
            case EventKinds.AuthRisk when Has(a, "idp.risk_events", "credential_compromise"):
                output.Add(new(Detectors.Policy, CredentialCompromise, 95,
                    $"{idp} reports the {Text(a, "auth.factor") ?? "credential"} of {who.Describe()} compromised{because}"));
                break;
            case EventKinds.AuthAccountChange when Text(a, "auth.change") is "disabled" or "deleted" or "suspended" && e.Outcome is null or Outcomes.Success:
                output.Add(new(Detectors.Policy, AccountDisabled, 90,
                    $"{idp} reports the account of {who.Describe()} {Text(a, "auth.change")}{because}; its sessions must not outlive it"));
                break;
            case EventKinds.AuthRisk when Text(a, "idp.risk_level") is "high" or "medium":
                // A verdict on a request the provider refused (Auth0's blocked account or address and breached password,
                // ThreatInsight's DENY) is evidence about the account and the address, not of a session to end: the attempt
                // got nothing. It alerts (60, medium) below the high severity a response policy revokes on, unless other
                // findings on the subject add to it; a verdict on what went through keeps 75 / 50.
                var level = Text(a, "idp.risk_level")!;
                var findings = List(a, "idp.risk_events");
                var blocked = e.Outcome == Outcomes.Denied;
                output.Add(new(Detectors.Policy, Risk, (level, blocked) switch { ("high", false) => 75, ("high", true) => 60, (_, false) => 50, _ => 40 },
                    $"{idp} rates {who.Describe()} at {level} risk" + (findings.Count > 0 ? $": {string.Join(", ", findings)}" : "") + because
                    + (blocked ? $"; {idp} blocked the request" : "")));
                break;
            case EventKinds.AuthContextChange when Text(a, "auth.change") == "device_compliance" && Flag(a, "device.compliant") == false:
                output.Add(new(Detectors.Policy, DeviceNoncompliant, 70,
                    $"{idp} reports device {Text(a, "device.id") ?? "(unnamed)"} of {who.Describe()} no longer compliant{because}"));
                break;
            case EventKinds.AuthContextChange when Text(a, "auth.change") == "assurance_level" && Text(a, "ssf.change_direction") == "decrease":
                output.Add(new(Detectors.Policy, AssuranceDowngrade, 50,
                    $"{idp} lowered the authentication assurance of {who.Describe()} from {Text(a, "ssf.previous_level") ?? "?"} to {Text(a, "ssf.current_level") ?? "?"}{because}"));
                break;
            case EventKinds.AuthContextChange when Text(a, "auth.change") == "token_claims":
                output.Add(new(Detectors.Policy, ClaimsChange, 20,
                    $"{idp} changed the token claims of {who.Describe()}{because}"));
                break;
            case EventKinds.AuthCredentialChange when e.Source?.StartsWith("ssf:", StringComparison.Ordinal) == true || Text(a, "idp.name")?.StartsWith("ssf:", StringComparison.Ordinal) == true:
                // A signal, not an alarm: a credential change alone is routine, but it strengthens other findings.
                output.Add(new(Detectors.Policy, CredentialChange, 20,
                    $"{idp} reports a {Text(a, "auth.factor") ?? "credential"} {Text(a, "auth.change") ?? "change"} for {who.Describe()}{because}"));
                break;
        }
    }

    private static string? Text(Dictionary<string, JsonElement> a, string key) => EventAttributes.Text(a, key);

    private static bool? Flag(Dictionary<string, JsonElement> a, string key) => EventAttributes.Flag(a, key);

    private static List<string> List(Dictionary<string, JsonElement> a, string key) => EventAttributes.List(a, key);

    private static bool Has(Dictionary<string, JsonElement> a, string key, string value) => List(a, key).Contains(value, StringComparer.Ordinal);
}
