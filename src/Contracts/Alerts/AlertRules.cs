namespace ZtStream.Contracts.Alerts;

/// <summary>
/// The rule names each detector puts on an alert's reasons (<see cref="AlertReason.Rule"/>): what a response policy or a
/// suppression can name. Rules of rule files are not listed here: their names are the rules' own ids; nor are the
/// runtime detector's names for a Falco alert, which are the names of the Falco rules that fired (e.g. <c>Terminal shell in container</c>).
/// </summary>
public static class AlertRules
{
    /// <summary>Rule names by detector (<see cref="Detectors"/>).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ByDetector { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Detectors.Policy] =
        [
            "data_class", "token_binding", "token_expired", "token_revoked", "segmentation", "protected_resource", "pod_exec",
            "idp_sessions_revoked", "idp_session_revoked", "idp_credential_compromise", "idp_account_disabled", "idp_risk",
            "idp_device_noncompliant", "idp_assurance_downgrade", "idp_credential_change", "idp_claims_change",
        ],
        [Detectors.Identity] =
        [
            "success_after_failures", "mfa_fatigue", "session_hijack", "session_ended", "new_country", "new_device", "risky_session",
            "persistence_in_risky_session", "first_device_code", "prt_new_network", "new_graph_client",
        ],
        [Detectors.Baseline] =
        [
            "first_resource", "first_data_class", "bytes_spike", "rate_spike", "breadth_spike", "denial_spike", "new_source",
            "token_new_workload", "unusual_hour", "new_source_unusual_hour",
        ],
        [Detectors.Model] = ["pca_reconstruction"],
        [Detectors.Runtime] = ["tainted_service_account"],
        [Detectors.Verifier] = ["alert_flood"],
        [Detectors.Responder] = ["blast_radius_budget", "alert_flood"],
    };

    /// <summary>Whether <paramref name="detector"/> (when given) emits <paramref name="rule"/>; without a detector, whether any does.</summary>
    public static bool IsEmitted(string? detector, string rule) => detector is null
        ? ByDetector.Values.Any(rules => rules.Contains(rule, StringComparer.Ordinal))
        : ByDetector.TryGetValue(detector, out var rules) && rules.Contains(rule, StringComparer.Ordinal);
}
