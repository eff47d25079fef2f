using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>falcosecurity's Kubernetes-audit rules files, loaded as they are published.</summary>
public sealed class FalcoRuleFilesTests
{
    [Theory]
    [InlineData(RulesHead, 48)]
    [InlineData(Rules050, 43)]
    public void Load_PublishedRulesFile_EveryRuleLoads(string file, int rules)
    {
        var result = Load(RulesFile(file));

        Assert.True(result.Errors.Count == 0, string.Join(Environment.NewLine, result.Errors));
        Assert.Equal(rules, result.Rules.Count);
        Assert.Equal(rules, result.Rules.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Load_GkeFileAfterHead_OverridesApplyWithoutErrors()
    {
        var result = Load(RulesFile(RulesHead), RulesFile(RulesGke));

        Assert.True(result.Errors.Count == 0, string.Join(Environment.NewLine, result.Errors));
        Assert.Equal(48, result.Rules.Count);
    }

    [Fact]
    public void Load_GkeFileAfterHead_RobotAccountIsExcepted_OtherUsersStillDetected()
    {
        var rule = Load(RulesFile(RulesHead), RulesFile(RulesGke)).Rules.Single(r => r.Id == "Disallowed K8s User");
        var headOnly = Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == "Disallowed K8s User");
        var robot = ListSecrets("service-123@container-engine-robot.iam.gserviceaccount.com");
        var person = ListSecrets("mallory@example.com");

        Assert.False(rule.Condition.Matches(robot));
        Assert.True(headOnly.Condition.Matches(robot));
        Assert.True(rule.Condition.Matches(person));
    }

    [Fact]
    public void Load_GkeFileAlone_EachOverrideWithoutItsBaseIsAnError()
    {
        var (path, text) = RulesFile(RulesGke);

        var result = Load((path, text));

        var rule = Assert.Single(result.Errors, e => e.RuleId == "Disallowed K8s User");
        Assert.Equal(path, rule.File);
        Assert.Equal(LineOf(text, "- rule: Disallowed K8s User"), rule.Line);
        Assert.Contains("override", rule.Reason, StringComparison.Ordinal);
        Assert.Contains(result.Errors, e => e.RuleId is null && e.Reason.Contains("list 'k8s_audit_privileged_images'", StringComparison.Ordinal));
        Assert.Empty(result.Rules);
    }

    [Theory]
    [InlineData("Create Privileged Pod", "medium")]
    [InlineData("K8s Secret Get Successfully", "high")]
    [InlineData("Attach/Exec Pod", "low")]
    [InlineData("K8s Deployment Created", "low")]
    [InlineData("All K8s Audit Events", "low")]
    public void Load_PriorityBecomesSeverity(string rule, string severity)
    {
        var loaded = Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == rule);

        Assert.Equal(severity, loaded.Severity);
    }

    [Fact]
    public void Load_RuleCarriesNameDescriptionOriginAndFormat()
    {
        var (path, text) = RulesFile(RulesHead);

        var rule = Load((path, text)).Rules.Single(r => r.Id == "Create HostNetwork Pod");

        Assert.Equal("Create HostNetwork Pod", rule.Title);
        Assert.Equal(RuleFormats.Falco, rule.Format);
        Assert.Equal("Detect an attempt to start a pod using the host network.", rule.Description);
        Assert.Equal(new RuleOrigin(path, LineOf(text, "- rule: Create HostNetwork Pod")), rule.Origin);
        Assert.Equal(FalcoPriority.Warning, ((FalcoRuleMatcher)rule.Condition).Priority);
        Assert.Equal(["k8s"], ((FalcoRuleMatcher)rule.Condition).Tags);
        Assert.Empty(rule.Techniques);
    }

    [Fact]
    public void Load_MitreTags_BecomeTechniquesAndTactics()
    {
        var rule = Single("""
            - rule: Pod exec by a person
              desc: exec into a pod
              condition: ka.target.subresource = exec
              output: exec by %ka.user.name
              priority: NOTICE
              source: k8s_audit
              tags: [k8s, mitre_execution, T1609, t1611, mitre_privilege_escalation, mitre_remote_service, T1552.007]
            """);

        Assert.Equal(["T1609", "T1611", "T1552.007"], rule.Techniques);
        Assert.Equal(["execution", "privilege-escalation"], rule.Tactics);
    }

    [Theory]
    [InlineData(RulesHead)]
    [InlineData(Rules050)]
    [InlineData(RulesGke)]
    public void LooksLikeFalco_PublishedRulesFiles_True(string file) =>
        Assert.True(FalcoRuleLoader.LooksLikeFalco(RulesFile(file).Text));

    [Theory]
    [InlineData("title: Kubernetes secrets listed\nid: 6ef7a7b6\nlogsource:\n  product: kubernetes\n  service: audit\ndetection:\n  sel:\n    verb: list\n  condition: sel\n")]
    [InlineData("- id: zt-1\n  title: not falco\n")]
    [InlineData("{\"kind\": \"Event\"}")]
    [InlineData("- rule: [unclosed\n")]
    [InlineData("")]
    public void LooksLikeFalco_OtherYaml_False(string text) =>
        Assert.False(FalcoRuleLoader.LooksLikeFalco(text));

    [Fact]
    public void LooksLikeFalco_OnlyAMacro_True() =>
        Assert.True(FalcoRuleLoader.LooksLikeFalco("- macro: kcreate\n  condition: ka.verb=create\n"));

    private static RuleEvent ListSecrets(string user) => Event($$"""
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{Guid.NewGuid()}}","stage":"ResponseComplete",
         "requestURI":"/api/v1/secrets","verb":"list","user":{"username":"{{user}}","groups":["system:authenticated"]},
         "objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200} }
        """);

    private static int LineOf(string text, string line) =>
        text.Split('\n').Select((l, i) => (l, i)).First(x => x.l.TrimEnd() == line).i + 1;
}
