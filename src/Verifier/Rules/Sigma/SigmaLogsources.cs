namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>The logsources with a field mapping. Any other logsource is an error naming it, never a rule that silently matches nothing.</summary>
internal static class SigmaLogsources
{
    private static readonly string[] IdentityKinds = IdentityProviderEvents.Kinds;

    // Entra sign-ins map to sign-in and MFA events only, audit records to the changes and other events: the kinds tell
    // the two services apart.
    private static readonly string[] EntraSignInKinds = [EventKinds.AuthLogin, EventKinds.AuthMfa];

    // Identity Protection's risk detections (and risky-user states) are the provider's rating, auth.risk: no audit record.
    private static readonly string[] EntraRiskKinds = [EventKinds.AuthRisk];

    // A Workspace activity is an identity provider's event (Reports API) or an access.request (a Cloud Audit Logs entry).
    private static readonly string[] WorkspaceKinds = [.. IdentityKinds, EventKinds.AccessRequest];

    /// <summary>The Reports API's applications (its <c>applicationName</c>), each a <c>google_workspace.</c> service.</summary>
    private static readonly string[] WorkspaceApplications =
    [
        "access_transparency", "admin", "calendar", "chat", "chrome", "context_aware_access", "data_studio", "drive", "gcp",
        "groups", "groups_enterprise", "jamboard", "keep", "login", "meet", "mobile", "rules", "saml", "token", "user_accounts", "vault",
    ];

    public static IReadOnlyList<SigmaLogsource> All { get; } =
    [
        new("kubernetes", "audit", [EventKinds.K8sAudit], KubernetesAuditFields.Instance),

        // Cloud Audit Logs entries: GKE's arrive as k8s.audit events, every other service's as access.request, both carrying the entry.
        new("gcp", "gcp.audit", CloudAuditEntry.EntryKinds, GcpAuditFields.Instance, CloudAuditEntry.Instance) { ServiceNamesProduct = true },
        Identity("okta", "okta", IdentityKinds, VendorRecordFields.Okta, "okta") with { ServiceNamesProduct = true },

        // SigmaHQ files Auth0's rules by area; every area reads the same log events.
        .. new[] { "admin", "attack_protection", "management_api", "mfa", "oidc_oauth2", "signup" }
            .Select(service => Identity("auth0", service, IdentityKinds, VendorRecordFields.Auth0, "auth0")),
        Identity("azure", "signinlogs", EntraSignInKinds, VendorRecordFields.Entra, "entra") with { ServiceNamesProduct = true },
        Identity("azure", "auditlogs", [.. IdentityKinds.Except(EntraSignInKinds).Except(EntraRiskKinds)], VendorRecordFields.Entra, "entra") with { ServiceNamesProduct = true },
        new("aws", "cloudtrail", CloudRecord.Kinds, VendorRecordFields.CloudTrail, CloudRecord.CloudTrail) { ServiceNamesProduct = true },
        new("azure", "activitylogs", CloudRecord.Kinds, VendorRecordFields.AzureActivity, CloudRecord.AzureActivity) { ServiceNamesProduct = true },
        new SigmaLogsource("azure", "riskdetection", EntraRiskKinds, VendorRecordFields.Entra, new AllOf([new ProviderRecord("entra", EntraRiskKinds), HeldRisk.Instance]))
        {
            ServiceNamesProduct = true,
        },

        // Google Workspace's activities, one logsource per application: SigmaHQ files them under product gcp (older rules
        // google_workspace, or no product); the Reports API's records and the Cloud Audit Logs entries Workspace shares both read.
        .. WorkspaceApplications.SelectMany(application => new[] { "gcp", "google_workspace" }.Select(product =>
            new SigmaLogsource(product, "google_workspace." + application, WorkspaceKinds, WorkspaceActivityFields.Instance, WorkspaceActivityFields.Activities(application))
            {
                ServiceNamesProduct = product == "gcp",
                Listed = "product: gcp (or google_workspace), service: google_workspace.APPLICATION (" + string.Join(", ", WorkspaceApplications) + ")",
            })),

        // Sigma's taxonomy names Linux process creation by category alone; Tetragon's execs are its events.
        new("linux", null, LinuxProcessCreationFields.Kinds, LinuxProcessCreationFields.Instance, LinuxProcessCreationFields.Execs) { Category = "process_creation" },

        // Connections and file writes a TracingPolicy reported: Tetragon's runtime alerts Ingest names by what the call did.
        new("linux", null, TetragonOperations.Kinds, LinuxNetworkConnectionFields.Instance, LinuxNetworkConnectionFields.Connections) { Category = "network_connection" },
        new("linux", null, TetragonOperations.Kinds, LinuxFileEventFields.Instance, LinuxFileEventFields.Writes) { Category = "file_event" },
    ];

    /// <summary>An identity provider's logsource: its kinds, read only in events from <paramref name="idp"/> carrying its record.</summary>
    private static SigmaLogsource Identity(string product, string service, string[] kinds, VendorRecordFields fields, string idp) =>
        new(product, service, kinds, fields, new ProviderRecord(idp, kinds));

    /// <summary>
    /// The mapping of <paramref name="product"/> and <paramref name="service"/>. The specification makes every part of a
    /// logsource optional, and SigmaHQ's older Okta rules name only <c>service: okta</c>: a service alone means the one
    /// logsource whose service name is its product's own (<see cref="SigmaLogsource.ServiceNamesProduct"/>), never a
    /// generic one such as Kubernetes' <c>audit</c> or Auth0's <c>mfa</c>, which other products use too. A logsource
    /// with a <see cref="SigmaLogsource.Category"/> is found only by a rule naming that category and no service.
    /// </summary>
    public static SigmaLogsource? Find(string? category, string? product, string? service) =>
        product is null && service is not null
            ? All.FirstOrDefault(l => l.ServiceNamesProduct && Same(l.Service, service))
            : All.FirstOrDefault(l => Same(l.Product, product) && Same(l.Service, service) && (l.Category is null || Same(l.Category, category)));

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
