using ZtStream.Platform;

namespace ZtStream.Responder.Tests.Policy;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void Load_DocumentedExample_ReadsEveryKey()
    {
        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "response.md"));
        var start = docs.IndexOf("```yaml", StringComparison.Ordinal) + "```yaml".Length;
        var yaml = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
        var errors = new List<string>();

        var policy = PolicyLoader.Load(yaml, errors);

        Assert.Empty(errors);
        Assert.NotNull(policy);
        Assert.True(policy.Rules.Count >= 3);
        Assert.Equal(new BlastRadiusBudget(5, 2, TimeSpan.FromMinutes(1)), policy.Budget);
        Assert.Equal(TimeSpan.FromHours(1), policy.IsolationTtl);
        Assert.Equal(TimeSpan.FromHours(8), policy.ApprovalExpiry);
        Assert.True(policy.IsProtectedWorkload("x", "kube-system", "coredns"));
        Assert.True(policy.IsProtectedSubject("break-glass-admin"));
    }

    [Fact]
    public void Load_EveryPolicyExampleInTheDocs_Loads()
    {
        foreach (var doc in new[] { "response.md", "policy.md", "detection.md", "operations.md" })
        {
            var path = Path.Combine(RepoRoot(), "docs", doc);
            var text = File.ReadAllText(path);
            foreach (var yaml in ZtStream.TestSupport.Fuzzing.YamlReshaper.Blocks(text).Where(y => y.Contains("action:", StringComparison.Ordinal) && y.Contains("mode:", StringComparison.Ordinal)))
            {
                var errors = new List<string>();
                Assert.NotNull(PolicyLoader.Load(yaml, errors, doc));
                Assert.Empty(errors);
            }
        }
    }

    [Fact]
    public void Load_TheShippedPolicy_Loads()
    {
        var errors = new List<string>();
        Assert.NotNull(PolicyLoader.Load(File.ReadAllText(Path.Combine(RepoRoot(), "infra", "config", "response.yaml")), errors, "infra/config/response.yaml"));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("policy", "exec_into_pod", "pod_exec")]
    [InlineData("policy", "token_workload_mismatch", "token_binding")]
    [InlineData(null, "first_access", "baseline: first_resource")]
    [InlineData("baseline", "pod_exec", "bytes_spike")]
    public void Load_RuleTheVerifierNeverEmits_IsRefusedListingTheValidOnes(string? detector, string rule, string listed)
    {
        var yaml = $"rules:\n  - name: r\n{(detector is null ? "" : $"    detector: {detector}\n")}    rule: {rule}\n    action: notify\n    mode: automatic\n";
        var errors = new List<string>();

        Assert.Null(PolicyLoader.Load(yaml, errors));

        var error = Assert.Single(errors);
        Assert.Contains($"rule '{rule}'", error, StringComparison.Ordinal);
        Assert.Contains(listed, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DetectionRule_ByDetectorOrAsRuleSlashId()
    {
        var errors = new List<string>();
        var policy = PolicyLoader.Load(
            "rules:\n  - name: a\n    detector: rule\n    rule: k8s-privileged-container\n    action: notify\n    mode: automatic\n"
            + "  - name: b\n    rule: rule/k8s-host-namespaces\n    action: notify\n    mode: automatic\n",
            errors);

        Assert.Empty(errors);
        Assert.Equal([("rule", "k8s-privileged-container"), ("rule", "k8s-host-namespaces")], policy!.Rules.Select(r => (r.Detector, r.Rule)));
    }

    [Fact]
    public void Load_RuntimeDetector_AnyFalcoRuleOrItsOwnRule()
    {
        // A Falco alert's reason is named after the Falco rule that fired, which only the Falco deployment knows.
        var errors = new List<string>();
        var policy = PolicyLoader.Load(
            "rules:\n  - name: shell\n    detector: runtime\n    rule: Terminal shell in container\n    action: isolate_workload\n    mode: approval\n"
            + "  - name: taint\n    detector: runtime\n    rule: tainted_service_account\n    action: revoke_token\n    mode: automatic\n"
            + "  - name: any\n    detector: runtime\n    severity: critical\n    action: notify\n    mode: automatic\n",
            errors);

        Assert.Empty(errors);
        Assert.Equal(
            [("runtime", "Terminal shell in container"), ("runtime", "tainted_service_account"), ("runtime", null)],
            policy!.Rules.Select(r => (r.Detector, r.Rule)));
    }

    [Fact]
    public void Load_UnknownDetector_IsRefusedListingTheDetectors()
    {
        var errors = new List<string>();
        Assert.Null(PolicyLoader.Load("rules:\n  - name: r\n    detector: heuristics\n    action: notify\n    mode: automatic\n", errors));
        Assert.Contains("valid detectors: policy, identity, baseline, model, runtime, verifier, responder, rule", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RulesWithNoValue_IsAPolicyWithoutRules()
    {
        var errors = new List<string>();

        var policy = PolicyLoader.Load("rules:\nbudget:\n", errors);

        Assert.Empty(errors);
        Assert.Empty(Assert.IsType<ResponsePolicy>(policy).Rules);
    }

    /// <summary>
    /// Also a key given twice (before, the second silently won: <c>mode: approval</c> then <c>mode: automatic</c> isolated
    /// unasked), and a value of the wrong shape, said without the .NET type names it used to show
    /// (<c>PolicyLoader+PolicyDocument, Version=…</c>).
    /// </summary>
    [Theory]
    [InlineData("budget:\n  window: 99999999d\n", "budget.window: '99999999d' is not a duration of at most 3650 days")]
    [InlineData("isolation:\n  default_ttl: NaNs\n", "isolation.default_ttl: 'NaNs' is not a duration")]
    [InlineData("approval:\n  expires_after: 1e308h\n", "approval.expires_after: '1e308h' is not a duration")]
    [InlineData("approval:\n  expires_after: Infinitym\n", "approval.expires_after: 'Infinitym' is not a duration")]
    [InlineData("budget:\n  window: 10675199.02:48:05\n", "budget.window: '10675199.02:48:05' is not a duration of at most")]
    [InlineData("budget:\n  window: 10\n", "budget.window: '10' is not a duration (e.g. 90s, 15m, 1h, 2d)")] // TimeSpan reads a bare 10 as ten days
    [InlineData("rules: [~]\n", "rules[0]: is empty")]
    [InlineData("protected:\n  subjects: [alice, ~]\n", "protected.subjects[1] is empty")]
    [InlineData("protected:\n  workloads: ['']\n", "protected.workloads[0] is empty")]
    [InlineData("rules:\n  - name: isolate\n    severity: critical\n    action: isolate_workload\n    mode: approval\n    mode: automatic\n", "line 6: the key 'mode' is given twice")]
    [InlineData("dry_run: true\nrules: []\ndry_run: false\n", "line 3: the key 'dry_run' is given twice")]
    [InlineData("budget:\n  max_automatic: 1\n  max_automatic: 50\n", "line 3: the key 'max_automatic' is given twice")]
    [InlineData("- rules: []\n", "line 1: a map of keys is needed here")]
    [InlineData("rulez: []\n", "line 1: unknown key 'rulez'")]
    [InlineData("rules:\n  - name: a\n    action: notify\n    mode: [automatic]\n", "line 4: a single value is needed here")]
    [InlineData("dry_run: [yes]\n", "line 1: true or false is needed here")]
    public void Load_ValueNoPolicyCanHold_IsAProblemNamingItsKey(string yaml, string problem)
    {
        var errors = new List<string>();

        Assert.Null(PolicyLoader.Load(yaml, errors, "policy 'fuzz.yaml'"));

        var error = Assert.Single(errors);
        Assert.StartsWith("policy 'fuzz.yaml': ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("ZtStream.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadPolicy_ListsEveryProblem()
    {
        const string yaml = """
            rules:
              - name: a
                severity: urgent
                action: delete_everything
                mode: yolo
              - name: a
                action: notify
                mode: automatic
            budget:
              max_automatic: -1
              window: soon
            isolation:
              default_ttl: 0s
            approval:
              expires_after: -5m
            """;
        var errors = new List<string>();

        Assert.Null(PolicyLoader.Load(yaml, errors));

        ProblemList.AssertNames(
            errors,
            "severity must be",
            "action must be",
            "mode must be",
            "used twice",
            "max_automatic must be",
            "budget.window: 'soon'",
            "default_ttl must be positive",
            "expires_after must be positive");
    }

    [Fact]
    public void Load_UnknownKey_IsAnError()
    {
        var errors = new List<string>();
        Assert.Null(PolicyLoader.Load("rulez: []", errors));
        Assert.Single(errors);
    }

    [Theory]
    [InlineData("critical", null, null, "critical", true)]
    [InlineData("critical", null, null, "high", false)]
    [InlineData("low", "policy", null, "low", true)]
    [InlineData("low", "baseline", null, "low", false)]
    [InlineData("low", null, "token_workload_mismatch", "low", true)]
    [InlineData("low", "baseline", "token_workload_mismatch", "low", false)]
    public void Rule_Matches_BySeverityDetectorAndReasonRule(string min, string? detector, string? rule, string severity, bool expected)
    {
        var policyRule = new PolicyRule("r", detector, rule, min, "notify", "automatic");
        var alert = TestAlerts.Critical("m") with { Severity = severity };
        Assert.Equal(expected, policyRule.Matches(alert));
    }

    [Theory]
    [InlineData("kube-system/*", "kube-system/coredns", true)]
    [InlineData("*-db-*", "shop-db-0", true)]
    [InlineData("payments/api", "payments/api-2", false)]
    public void Glob_Matches(string pattern, string value, bool expected) => Assert.Equal(expected, Glob.IsMatch(pattern, value));

    internal static string RepoRoot() => ZtStream.TestSupport.Repository.Root();
}
