namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>The logsources with a field mapping. Any other logsource is an error naming it, never a rule that silently matches nothing.</summary>
internal static class SigmaLogsources
{
    private static readonly string[] IdentityKinds = IdentityProviderEvents.Kinds;

    // Entra sign-ins map to sign-in and MFA events only, audit records to the changes and other events: the kinds tell
    // the two services apart.
    private static readonly string[] EntraSignInKinds = [EventKinds.AuthLogin, EventKinds.AuthMfa];

    public static IReadOnlyList<SigmaLogsource> All { get; } =
    [
        new("kubernetes", "audit", [EventKinds.K8sAudit], KubernetesAuditFields.Instance),

        // GKE's audit log entries are the only GCP audit logs Ingest takes; they are k8s.audit events carrying the entry.
        new("gcp", "gcp.audit", [EventKinds.K8sAudit], GcpAuditFields.Instance, CloudAuditEntry.Instance),
        Identity("okta", "okta", IdentityKinds, IdentityRecordFields.Okta, "okta"),

        // SigmaHQ files Auth0's rules by area; every area reads the same log events.
        .. new[] { "admin", "attack_protection", "management_api", "mfa", "oidc_oauth2", "signup" }
            .Select(service => Identity("auth0", service, IdentityKinds, IdentityRecordFields.Auth0, "auth0")),
        Identity("azure", "signinlogs", EntraSignInKinds, IdentityRecordFields.Entra, "entra"),
        Identity("azure", "auditlogs", [.. IdentityKinds.Except(EntraSignInKinds)], IdentityRecordFields.Entra, "entra"),
    ];

    /// <summary>An identity provider's logsource: its kinds, read only in events from <paramref name="idp"/> carrying its record.</summary>
    private static SigmaLogsource Identity(string product, string service, string[] kinds, IdentityRecordFields fields, string idp) =>
        new(product, service, kinds, fields, new ProviderRecord(idp, kinds));

    public static SigmaLogsource? Find(string? product, string? service) =>
        All.FirstOrDefault(l => string.Equals(l.Product, product, StringComparison.OrdinalIgnoreCase) && string.Equals(l.Service, service, StringComparison.OrdinalIgnoreCase));
}
