using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>SigmaHQ's Kubernetes audit rules loaded unchanged, evaluated on native audit events written from the audit API reference.</summary>
public sealed class SigmaRuleTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, Rule>> SigmaHq = new(() => RuleTesting.Folder(Folder()).ToDictionary(r => r.Title));

    /// <summary>SigmaHQ's 16 rules ship with the tests (DRL 1.1, author lines kept), so this never depends on a machine's files.</summary>
    public static string Folder() => Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-k8s-audit");

    private static Rule Sigma(string title) => SigmaHq.Value[title];

    /// <summary>The logsource and detection of a minimal Sigma rule: any read through the Kubernetes API.</summary>
    private const string AnyKubernetesGet = """
        logsource:
            product: kubernetes
            service: audit
        detection:
            sel:
                verb: get
            condition: sel
        """;

    [Fact]
    public void SigmaHq_All16Load_WithLevelsTechniquesAndTactics()
    {
        Assert.Equal(16, SigmaHq.Value.Count);
        Assert.All(SigmaHq.Value.Values, r =>
        {
            Assert.Equal(RuleFormats.Sigma, r.Format);
            Assert.Equal([EventKinds.K8sAudit], r.Kinds);
            Assert.NotNull(r.Author);
        });
        var webhook = Sigma("Kubernetes Admission Controller Modification");
        Assert.Equal("eed82177-38f5-4299-8a76-098d50d225ab", webhook.Id);
        Assert.Equal("medium", webhook.Severity);
        Assert.Equal(["T1078", "T1552", "T1552.007"], webhook.Techniques);
        Assert.Contains("credential-access", webhook.Tactics);
        Assert.Contains("stealth", webhook.Tactics);
        Assert.Equal("kelnage", webhook.Author);
        Assert.Equal(30, Sigma("Container With A hostPath Mount Created").EffectiveScore);
    }

    [Fact]
    public void ExecIntoContainer_MatchesCreateOnPodsExec()
    {
        var rule = Sigma("Potential Remote Command Execution In Pod Container");
        Assert.True(rule.Matches(Audit("create", "pods", "shop", "web-1", subresource: "exec")));
        Assert.False(rule.Matches(Audit("get", "pods", "shop", "web-1", subresource: "exec")));
        Assert.False(rule.Matches(Audit("create", "pods", "shop", "web-1", subresource: "log")));
    }

    [Fact]
    public void SecretsEnumeration_MatchesListOfSecrets_ClusterWideOrNot()
    {
        var rule = Sigma("Kubernetes Secrets Enumeration");
        Assert.True(rule.Matches(Audit("list", "secrets", ns: null)));
        Assert.True(rule.Matches(Audit("list", "secrets", ns: "payments")));
        Assert.False(rule.Matches(Audit("get", "secrets", ns: "payments", name: "db")));
    }

    [Fact]
    public void Unauthorized_MatchesNumericResponseCodes()
    {
        var rule = Sigma("Kubernetes Unauthorized or Unauthenticated Access");
        Assert.True(rule.Matches(Audit("get", "pods", code: 403)));
        Assert.True(rule.Matches(Audit("get", "pods", code: 401, user: "system:anonymous")));
        Assert.False(rule.Matches(Audit("get", "pods", code: 200)));
    }

    [Fact]
    public void AdmissionController_NeedsTheApiGroupTheResourceAndAWriteVerb()
    {
        var rule = Sigma("Kubernetes Admission Controller Modification");
        Assert.True(rule.Matches(Audit("create", "mutatingwebhookconfigurations", ns: null, name: "inject", apiGroup: "admissionregistration.k8s.io")));
        Assert.True(rule.Matches(Audit("patch", "validatingwebhookconfigurations", ns: null, name: "policy", apiGroup: "admissionregistration.k8s.io")));
        Assert.False(rule.Matches(Audit("list", "mutatingwebhookconfigurations", ns: null, apiGroup: "admissionregistration.k8s.io")));
    }

    [Fact]
    public void HostPath_AliasReachesThePodSpecVolumes()
    {
        var rule = Sigma("Container With A hostPath Mount Created");
        Assert.True(rule.Matches(Audit("create", "pods", extra: """{"requestObject":{"kind":"Pod","spec":{"volumes":[{"name":"root","hostPath":{"path":"/","type":"Directory"}}],"containers":[{"name":"a"}]}}}""")));
        Assert.False(rule.Matches(Audit("create", "pods", extra: """{"requestObject":{"kind":"Pod","spec":{"volumes":[{"name":"cfg","configMap":{"name":"c"}}],"containers":[{"name":"a"}]}}}""")));
    }

    [Fact]
    public void ApiGroup_AliasIsTheObjectRefsGroup()
    {
        var rule = Sigma("RBAC Permission Enumeration Attempt");
        Assert.True(rule.Matches(Audit("create", "selfsubjectrulesreviews", ns: null, apiGroup: "authorization.k8s.io")));
        Assert.False(rule.Matches(Audit("create", "selfsubjectrulesreviews", ns: null, apiGroup: "other.example.com")));
    }

    [Fact]
    public void EnumerationActivity_OneOfWildcardSelections()
    {
        // The rule also requires responseStatus.code 'ALLOW', which no audit event carries (the decision is an
        // annotation): loaded as written, it matches the event only where that value is present.
        var rule = Sigma("Kubernetes Potential Enumeration Activity");
        Assert.True(rule.Matches(WithRaw("""{"responseStatus":{"code":"ALLOW"},"userAgent":"TruffleHog/3.1"}""")));
        Assert.True(rule.Matches(WithRaw("""{"responseStatus":{"code":"allow"},"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=%2Fbin%2Fbash"}""")));
        Assert.False(rule.Matches(WithRaw("""{"responseStatus":{"code":"ALLOW"},"userAgent":"kubectl/1.30"}""")));
        Assert.False(rule.Matches(Audit("create", "pods", subresource: "exec", userAgent: "trufflehog")));
    }

    [Fact]
    public void OtherLogsource_IsAnErrorNamingFileAndLogsource()
    {
        var error = Assert.Single(Errors("""
            title: Whoami Execution
            logsource:
                category: process_creation
                product: windows
            detection:
                selection:
                    Image|endswith: '\whoami.exe'
                condition: selection
            level: high
            """, "proc_whoami.yml"));
        Assert.Equal("proc_whoami.yml", error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("category: process_creation, product: windows, service: -", error.Reason, StringComparison.Ordinal);
        Assert.Contains("has no field mapping", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("correlation:\n    type: event_count\n    rules: [a]\n", "a rule (logsource, detection) or a correlation, not both")]
    [InlineData("action: global\n", "rule collections")]
    public void UnsupportedSigmaConstructs_AreErrors(string extra, string message)
    {
        var error = Assert.Single(Errors($"""
            title: X
            {extra}{AnyKubernetesGet}
            """));
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LevelAndTags_MapToSeverityTechniquesTacticsAndTags()
    {
        var rule = One($"""
            title: Informational thing
            id: 11111111-2222-4333-8444-555555555555
            status: experimental
            author: Someone (@someone)
            references:
                - https://example.com/a
            {AnyKubernetesGet}
            level: informational
            tags:
                - attack.t1613
                - attack.discovery
                - attack.T1552.007
                - cve.2024-0001
            """);
        Assert.Equal("low", rule.Severity);
        Assert.Equal(10, rule.EffectiveScore);
        Assert.Equal(["T1613", "T1552.007"], rule.Techniques);
        Assert.Equal(["discovery"], rule.Tactics);
        Assert.Equal(["cve.2024-0001"], rule.Tags);
        Assert.Equal(["https://example.com/a"], rule.References);
        Assert.Equal("experimental", rule.Status);
    }
}
