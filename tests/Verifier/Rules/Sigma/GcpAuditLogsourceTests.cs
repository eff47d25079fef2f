namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: gcp, service: gcp.audit</c> on GKE's Cloud Audit Logs entries, written after Google's Cloud Audit Logs
/// and GKE audit logging documentation (Admin Activity and Data Access entries, Kubernetes and GCP service-account
/// principals, denied calls, entries without request metadata) and mapped by Ingest's k8s-audit reader; rules in
/// SigmaHQ's style (TestData/sigma-gcp) with both of SigmaHQ's field styles, Elastic's <c>gcp.audit.*</c> and the
/// LogEntry's own paths.
/// </summary>
public sealed class GcpAuditLogsourceTests
{
    private const string Gcp = "product: gcp\nservice: gcp.audit";
    private const string PersonPrincipal = "dana.ruiz@retail.example";
    private const string GcpServiceAccount = "deployer@retail-prod.iam.gserviceaccount.com";
    private const string KubernetesServiceAccount = "system:serviceaccount:shop:web";

    private static readonly Lazy<IReadOnlyDictionary<string, Rule>> Rules =
        new(() => RuleTesting.Folder(Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-gcp")).ToDictionary(r => Path.GetFileNameWithoutExtension(r.Origin.File), StringComparer.Ordinal));

    private static int next;

    /// <summary>
    /// A GKE audit LogEntry: <paramref name="payload"/> is added to the AuditLog, <paramref name="entry"/> to the entry;
    /// <paramref name="callerIp"/> null leaves out requestMetadata (GKE omits it for some internal callers).
    /// </summary>
    internal static string Entry(string method, string resourceName, string principal = PersonPrincipal, string? callerIp = "198.51.100.14",
        string payload = "", string entry = "", string log = "activity") => $$$"""
        {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"{{{principal}}}"},
          {{{(callerIp is null ? "" : $$"""
          "requestMetadata":{"callerIp":"{{callerIp}}","callerSuppliedUserAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"},
          """)}}}
          "serviceName":"k8s.io","methodName":"{{{method}}}","resourceName":"{{{resourceName}}}",
          "authorizationInfo":[{"resource":"{{{resourceName}}}","permission":"{{{method}}}","granted":true}]{{{payload}}}},
         "insertId":"gke-{{{Interlocked.Increment(ref next)}}}","resource":{"type":"k8s_cluster","labels":{"project_id":"retail-prod","location":"us-central1","cluster_name":"checkout"}},
         "timestamp":"2026-12-01T03:20:00.123456Z","receiveTimestamp":"2026-12-01T03:20:01.5Z","severity":"NOTICE",
         "logName":"projects/retail-prod/logs/cloudaudit.googleapis.com%2F{{{log}}}"{{{entry}}}}
        """;

    /// <summary>A call GKE refused: the permission not granted, the status PERMISSION_DENIED (google.rpc code 7).</summary>
    private static string Denied(string method, string resourceName, string principal = PersonPrincipal, string? callerIp = "198.51.100.99") =>
        Entry(method, resourceName, principal, callerIp, ""","status":{"code":7,"message":"PERMISSION_DENIED"}""", log: "data_access")
            .Replace("\"granted\":true", "\"granted\":false", StringComparison.Ordinal);

    private static Rule Rule(string file) => Rules.Value[file];

    private static Rule Inline(string detection) => SigmaIdp.Inline(Gcp, detection);

    [Fact]
    public void SigmaHqStyleRules_LoadAsGcpAuditRules_OverTheKindsMadeOfCloudAuditEntries()
    {
        Assert.Equal(7, Rules.Value.Count);
        Assert.All(Rules.Value.Values, r => Assert.Equal([EventKinds.K8sAudit, EventKinds.AccessRequest], r.Kinds));
        Assert.All(Rules.Value.Values, r => Assert.Equal(RuleFormats.Sigma, r.Format));
    }

    [Fact]
    public void AdmissionWebhookRule_StartsWithContainsEndsWith_MatchesEveryWriteOfEitherKind()
    {
        var rule = Rule("gcp_gke_admission_webhook_changed");
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1.mutatingwebhookconfigurations.create",
            "admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/sidecar", KubernetesServiceAccount)));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1.validatingwebhookconfigurations.patch",
            "admissionregistration.k8s.io/v1/validatingwebhookconfigurations/gatekeeper", GcpServiceAccount, callerIp: null)));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1beta1.mutatingwebhookconfigurations.update",
            "admissionregistration.k8s.io/v1beta1/mutatingwebhookconfigurations/sidecar")));

        // Reads, deletions, other admission objects and other groups: not a new or changed webhook.
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1.mutatingwebhookconfigurations.list",
            "admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", log: "data_access")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1.mutatingwebhookconfigurations.delete",
            "admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/sidecar")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1.validatingadmissionpolicies.create",
            "admissionregistration.k8s.io/v1/validatingadmissionpolicies/deny-privileged")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.configmaps.create", "core/v1/namespaces/shop/configmaps/mutatingwebhookconfigurations.create")));

        // SigmaHQ's prefix (admissionregistration.k8s.io.v) is the API group, not GKE's method: it matches no real entry (docs/rules.md).
        var sigmaHqPrefix = Inline("selection:\n  gcp.audit.method_name|startswith: admissionregistration.k8s.io.v\n  gcp.audit.method_name|endswith: create\ncondition: selection");
        Assert.False(sigmaHqPrefix.Fires("k8s-audit", Entry("io.k8s.admissionregistration.v1.mutatingwebhookconfigurations.create",
            "admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/sidecar")));
    }

    [Fact]
    public void CronJobRule_WildcardVersions_MatchJobsAndCronJobsCreated_NotOtherVerbsOrSubresources()
    {
        var rule = Rule("gcp_gke_cronjob_or_job_created");
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.batch.v1.cronjobs.create", "batch/v1/namespaces/shop/cronjobs/cleanup")));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.batch.v1beta1.cronjobs.create", "batch/v1beta1/namespaces/shop/cronjobs/cleanup", KubernetesServiceAccount, callerIp: null)));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.batch.v1.jobs.create", "batch/v1/namespaces/shop/jobs/migrate", GcpServiceAccount)));

        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.batch.v1.cronjobs.delete", "batch/v1/namespaces/shop/cronjobs/cleanup")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.batch.v1.jobs.status.update", "batch/v1/namespaces/shop/jobs/migrate/status", "system:kube-controller-manager")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.apps.v1.deployments.create", "apps/v1/namespaces/shop/deployments/web")));
    }

    [Fact]
    public void SigmaHqsTypeNameValues_MatchByWildcardAsWritten_WhichNoGkeMethodIs()
    {
        // SigmaHQ's CronJob rule lists type names (io.k8s.api.batch.v*.Job): the wildcard works, but GKE's method
        // names are io.k8s.GROUP.VERSION.RESOURCE.VERB, so on real entries it matches nothing (docs/rules.md).
        var rule = Inline("selection:\n  gcp.audit.method_name:\n    - io.k8s.api.batch.v*.Job\n    - io.k8s.api.batch.v*.CronJob\ncondition: selection");
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.api.batch.v1.CronJob", "batch/v1/namespaces/shop/cronjobs/cleanup")));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.api.batch.v1beta1.job", "batch/v1beta1/namespaces/shop/jobs/x")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.batch.v1.cronjobs.create", "batch/v1/namespaces/shop/cronjobs/cleanup")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.api.batch.v1.Jobs", "batch/v1/namespaces/shop/jobs/x")));
    }

    [Fact]
    public void RoleBindingRule_MatchesBindingWrites_EvenDenied_NotReadsOrRoles()
    {
        var rule = Rule("gcp_gke_rbac_binding_changed");
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.authorization.rbac.v1.clusterrolebindings.patch", "rbac.authorization.k8s.io/v1/clusterrolebindings/view")));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.authorization.rbac.v1.rolebindings.delete", "rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/ci", GcpServiceAccount, callerIp: null)));

        // The rule does not ask for success: an attempt GKE refused is an attempt.
        Assert.True(rule.Fires("k8s-audit", Denied("io.k8s.authorization.rbac.v1.rolebindings.create", "rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/me")));

        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.authorization.rbac.v1.rolebindings.get", "rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/ci", log: "data_access")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.authorization.rbac.v1.roles.create", "rbac.authorization.k8s.io/v1/namespaces/shop/roles/reader")));
    }

    [Fact]
    public void SecretsRule_MatchesWritesByAnyPrincipal_NotReadsOrConfigMaps()
    {
        var rule = Rule("gcp_gke_secret_changed");
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.create", "core/v1/namespaces/shop/secrets/tls", KubernetesServiceAccount)));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.update", "core/v1/namespaces/shop/secrets/tls", GcpServiceAccount, callerIp: null)));
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.patch", "core/v1/namespaces/shop/secrets/tls", callerIp: "private")));

        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.list", "core/v1/namespaces/shop/secrets", log: "data_access")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.configmaps.update", "core/v1/namespaces/shop/configmaps/settings")));
    }

    [Fact]
    public void DeniedSecretReadRule_ReadsAuthorizationInfoAndStatus_AndFiltersServiceAccounts()
    {
        var rule = Rule("gcp_gke_denied_secret_read");
        Assert.True(rule.Fires("k8s-audit", Denied("io.k8s.core.v1.secrets.get", "core/v1/namespaces/kube-system/secrets/gcp-sa-key")));
        Assert.True(rule.Fires("k8s-audit", Denied("io.k8s.core.v1.secrets.list", "core/v1/namespaces/kube-system/secrets", callerIp: null)));

        // Service accounts of either kind, an allowed read, and a refusal without GKE's authorizationInfo: no match.
        Assert.False(rule.Fires("k8s-audit", Denied("io.k8s.core.v1.secrets.get", "core/v1/namespaces/kube-system/secrets/gcp-sa-key", KubernetesServiceAccount)));
        Assert.False(rule.Fires("k8s-audit", Denied("io.k8s.core.v1.secrets.get", "core/v1/namespaces/kube-system/secrets/gcp-sa-key", GcpServiceAccount)));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.get", "core/v1/namespaces/kube-system/secrets/gcp-sa-key", log: "data_access")));
        var withoutAuthorization = Denied("io.k8s.core.v1.secrets.get", "core/v1/namespaces/kube-system/secrets/gcp-sa-key")
            .Replace("""[{"resource":"core/v1/namespaces/kube-system/secrets/gcp-sa-key","permission":"io.k8s.core.v1.secrets.get","granted":false}]""", "[]", StringComparison.Ordinal);
        Assert.Contains("\"authorizationInfo\":[]", withoutAuthorization, StringComparison.Ordinal);
        Assert.False(rule.Fires("k8s-audit", withoutAuthorization));

        // One of several permissions refused is a refusal (any element of the array).
        var partly = Denied("io.k8s.core.v1.secrets.get", "core/v1/namespaces/kube-system/secrets/gcp-sa-key")
            .Replace("\"authorizationInfo\":[", """ "authorizationInfo":[{"resource":"core/v1/namespaces/kube-system","permission":"io.k8s.core.v1.namespaces.get","granted":true},""", StringComparison.Ordinal);
        Assert.True(rule.Fires("k8s-audit", partly));
    }

    [Fact]
    public void BreakGlassRule_ReadsLogEntryPathsUnderData_AndTheRequestBodyUnderProtoPayload()
    {
        var rule = Rule("gcp_gke_breakglass_pod");
        const string Pod = ""","request":{"@type":"core.k8s.io/v1.Pod","apiVersion":"v1","kind":"Pod","metadata":{"name":"hotfix","namespace":"shop","annotations":{"image-policy.k8s.io/break-glass":"BREAK"}},"spec":{"containers":[{"name":"app","image":"docker.io/someone/hotfix:latest"}]}}""";
        Assert.True(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.pods.create", "core/v1/namespaces/shop/pods/hotfix", payload: Pod.Replace("BREAK", "true", StringComparison.Ordinal))));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.pods.create", "core/v1/namespaces/shop/pods/hotfix", payload: Pod.Replace("BREAK", "false", StringComparison.Ordinal))));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.pods.create", "core/v1/namespaces/shop/pods/hotfix", payload: Pod.Replace("BREAK", "true", StringComparison.Ordinal), log: "data_access")));
        Assert.False(rule.Fires("k8s-audit", Entry("io.k8s.core.v1.pods.update", "core/v1/namespaces/shop/pods/hotfix", payload: Pod.Replace("BREAK", "true", StringComparison.Ordinal))));

        // SigmaHQ writes the entry's resource.type and logName under protoPayload, where no AuditLog has them: they mean the entry's.
        var sigmaHqShape = Inline("selection:\n  data.protoPayload.resource.type: k8s_cluster\n  data.protoPayload.logName|endswith: cloudaudit.googleapis.com%2Factivity\n  data.protoPayload.methodName: io.k8s.core.v1.pods.create\ncondition: selection");
        Assert.True(sigmaHqShape.Fires("k8s-audit", Entry("io.k8s.core.v1.pods.create", "core/v1/namespaces/shop/pods/hotfix")));
        Assert.False(sigmaHqShape.Fires("k8s-audit", Entry("io.k8s.core.v1.pods.create", "core/v1/namespaces/shop/pods/hotfix").Replace("\"k8s_cluster\"", "\"gke_cluster\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void RequestAndResponseBodies_ReadUnderEitherName_SnakeCaseKeysAsTheirJsonNames()
    {
        const string CronJob = ""","request":{"@type":"batch.k8s.io/v1.CronJob","apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"sync"},"spec":{"schedule":"*/1 * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"ghcr.io/x/xmrig:6"}]}}}}}},"response":{"kind":"CronJob","status":{"lastScheduleTime":null}}""";
        var e = Entry("io.k8s.batch.v1.cronjobs.create", "batch/v1/namespaces/shop/cronjobs/sync", payload: CronJob);
        Assert.True(Inline("selection:\n  gcp.audit.request.spec.job_template.spec.template.spec.containers.image|contains: xmrig\ncondition: selection").Fires("k8s-audit", e));
        Assert.True(Inline("selection:\n  protoPayload.request.spec.jobTemplate.spec.template.spec.containers.image|contains: xmrig\ncondition: selection").Fires("k8s-audit", e));
        Assert.True(Inline("selection:\n  data.protoPayload.request.spec.schedule: '*/1 \\* \\* \\* \\*'\ncondition: selection").Fires("k8s-audit", e));
        Assert.True(Inline("selection:\n  gcp.audit.response.kind: CronJob\ncondition: selection").Fires("k8s-audit", e));
        Assert.False(Inline("selection:\n  gcp.audit.request.spec.job_template.spec.template.spec.containers.image|contains: nginx\ncondition: selection").Fires("k8s-audit", e));
        Assert.False(Inline("selection:\n  gcp.audit.request|exists: true\ncondition: selection").Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.delete", "core/v1/namespaces/shop/secrets/x")));
    }

    [Fact]
    public void EcsNames_ReadTheEntryAsElasticsIntegrationMapsIt()
    {
        var e = Entry("io.k8s.core.v1.pods.exec.create", "core/v1/namespaces/shop/pods/web-0/exec", GcpServiceAccount, callerIp: "203.0.113.40",
            entry: ""","labels":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"access granted by IAM permissions."},"operation":{"id":"op-1","producer":"k8s.io","first":true,"last":false}""");
        var missed = new List<string>();
        foreach (var selection in new[]
        {
            "gcp.audit.type: type.googleapis.com/google.cloud.audit.AuditLog",
            "gcp.audit.service_name: k8s.io",
            "gcp.audit.resource_name|startswith: core/v1/namespaces/shop/",
            "gcp.audit.authentication_info.principal_email|endswith: .iam.gserviceaccount.com",
            "gcp.audit.authorization_info.permission: io.k8s.core.v1.pods.exec.create",
            "gcp.audit.authorization_info.granted: 'true'",
            "gcp.audit.request_metadata.caller_ip|cidr: 203.0.113.0/24",
            "gcp.audit.request_metadata.raw.caller_ip: 203.0.113.40",
            "gcp.audit.request_metadata.caller_supplied_user_agent|startswith: kubectl/",
            "gcp.audit.labels.authorization.k8s.io/decision: allow",
            "gcp.audit.logentry_operation.first: 'true'",
            "gcp.audit.logentry_operation.producer: k8s.io",
            "gcp.audit.status.code: null",
            "insertId|startswith: gke-",
            "severity: NOTICE",
            "resource.labels.cluster_name: checkout",
        })
        {
            if (!Inline($"selection:\n  {selection}\ncondition: selection").Fires("k8s-audit", e))
            {
                missed.Add(selection);
            }
        }

        Assert.Empty(missed);

        Assert.False(Inline("selection:\n  gcp.audit.labels.authorization.k8s.io/decision: forbid\ncondition: selection").Fires("k8s-audit", e));
        Assert.True(Inline("selection:\n  gcp.audit.labels.authorization.k8s.io/decision: forbid\ncondition: selection")
            .Fires("k8s-audit", e.Replace("decision\":\"allow\"", "decision\":\"forbid\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void GcpRules_NeverMatchWebhookOrIdentityProviderEvents_EvenNegated()
    {
        var negated = Inline("selection:\n  gcp.audit.method_name: io.k8s.core.v1.nothing.get\ncondition: not selection");
        Assert.True(negated.Fires("k8s-audit", Entry("io.k8s.core.v1.secrets.create", "core/v1/namespaces/shop/secrets/tls")));

        // The webhook's own event of the same call, one that carries a member named logEntry, and Okta's sign-in.
        Assert.False(negated.Matches(RuleTesting.Audit("create", "secrets", "shop", "tls")));
        Assert.False(negated.Matches(RuleTesting.Audit("create", "secrets", "shop", "tls",
            extra: """{"logEntry":{"protoPayload":{"methodName":"io.k8s.core.v1.secrets.create"}}}""")));
        Assert.False(negated.Matches(Authentication.IdpRecords.Okta("user.session.start", "kim@example.com", "192.0.2.4", Authentication.IdpRecords.T0)));
        Assert.False(Rule("gcp_gke_secret_changed").Matches(RuleTesting.Audit("create", "secrets", "shop", "tls")));
    }

    [Fact]
    public void KubernetesRules_StillMatchGkeEvents_AndGcpRulesNotTheWebhooksTwin()
    {
        var kubernetes = RuleTesting.Folder(SigmaRuleTests.Folder()).Single(r => r.Title == "Kubernetes Secrets Modified or Deleted");
        var gcp = Rule("gcp_gke_secret_changed");
        var entry = Entry("io.k8s.core.v1.secrets.delete", "core/v1/namespaces/shop/secrets/tls", KubernetesServiceAccount, callerIp: null);
        Assert.True(kubernetes.Fires("k8s-audit", entry));
        Assert.True(gcp.Fires("k8s-audit", entry));

        var webhook = RuleTesting.Audit("delete", "secrets", "shop", "tls", KubernetesServiceAccount);
        Assert.True(kubernetes.Matches(webhook));
        Assert.False(gcp.Matches(webhook));
    }

    [Fact]
    public void NonGkeRule_Loads_MatchesNoGkeEntry_AndReadsAnIamEntryAsItWouldArrive()
    {
        var rule = Rule("gcp_iam_service_account_key_created");
        // Ingest's GKE sample entries (the one of GKE's own API is its caller's access, not a Kubernetes request).
        using var sample = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "k8s-audit", "managed", "gke-audit-entries.ndjson"));
        var gke = SourceFileReaders.All["k8s-audit"](sample, Authentication.IdpRecords.T0, _ => { }).Where(e => e.Kind == EventKinds.K8sAudit).ToList();
        Assert.True(gke.Count >= 3);
        Assert.DoesNotContain(gke, rule.Matches);
        Assert.All(gke, e => Assert.True(Inline("selection:\n  gcp.audit.service_name: k8s.io\ncondition: selection").Matches(e)));

        // An IAM entry kept the way Ingest keeps every Cloud Audit Logs entry is what the rule reads.
        const string Iam = """
            {"kind":"Event","logEntry":{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"eve@retail.example"},
             "serviceName":"iam.googleapis.com","methodName":"google.iam.admin.v1.CreateServiceAccountKey","resourceName":"projects/-/serviceAccounts/1029384756"},
             "resource":{"type":"service_account"},"logName":"projects/retail-prod/logs/cloudaudit.googleapis.com%2Factivity"}}
            """;
        var iam = RuleTesting.WithRaw(Iam) with { Attributes = new() { [CloudAuditAttribute] = JsonSerializer.SerializeToElement("google.iam.admin.v1.CreateServiceAccountKey") } };
        Assert.True(rule.Matches(iam));
        Assert.False(rule.Matches(RuleTesting.WithRaw(Iam.Replace("1029384756\"}", "1029384756\",\"status\":{\"code\":7}}", StringComparison.Ordinal)) with { Attributes = iam.Attributes }));
        Assert.False(rule.Matches(RuleTesting.WithRaw(Iam)));
    }

    [Theory]
    [InlineData("gcp.audit.method", "'gcp.audit.method' is not a field of Elastic's GCP audit mapping")]
    [InlineData("gcp.audit.principal_email", "'gcp.audit.principal_email' is not a field of Elastic's GCP audit mapping")]
    [InlineData("gcp.audit.status.code.value", "gcp.audit.status.code is a value, with no field 'value' below it")]
    [InlineData("protoPayload.principalEmail", "'principalEmail' is not a member of the AuditLog in protoPayload")]
    [InlineData("protopayload.methodName", "field 'protopayload.methodName' is neither a gcp.audit.* field nor a path of the Cloud Audit Logs LogEntry")]
    [InlineData("methodName", "field 'methodName' is neither")]
    [InlineData("data.methodName", "field 'data.methodName' is neither")]
    public void AFieldNeitherMappedNorOfTheLogEntry_IsAnErrorNamingIt(string field, string reason)
    {
        var error = SigmaIdp.ErrorOf(Gcp, $"selection:\n  {field}: x\ncondition: selection");
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherGcpServices_AreAnErrorListingTheSupportedLogsources()
    {
        var error = SigmaIdp.ErrorOf("product: gcp\nservice: bigquery", "selection:\n  gcp.audit.method_name: x\ncondition: selection");
        Assert.Contains("has no field mapping", error.Reason, StringComparison.Ordinal);
        Assert.Contains("product: gcp, service: gcp.audit", error.Reason, StringComparison.Ordinal);
        Assert.Contains("service: google_workspace.APPLICATION (access_transparency, admin,", error.Reason, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(error.Reason, "google_workspace.APPLICATION"));
    }

    private const string CloudAuditAttribute = "gcp.method_name";
}
