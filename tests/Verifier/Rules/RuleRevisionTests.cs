using ZtStream.TestSupport.Rules;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// A rule's revision (docs/rules.md "Revisions"): the same in every load and process for the same rule, changed by
/// anything that decides what the rule matches or says — its own text, a list, macro, filter or correlated rule it uses
/// — and not by comments, formatting, enabling or rules it does not use.
/// </summary>
public sealed class RuleRevisionTests
{
    private const string BadAgents = DetectionGrammarTests.BadAgentsRule;

    private const string Lists = "lists:\n  tools: [nmap, masscan]\n  shells: [bash]\n";

    private const string FalcoBase = """
        - list: sensitive_namespaces
          items: [kube-system, payments]

        - list: unused_list
          items: [a, b]

        - macro: kmodify
          condition: (ka.verb in (create, update, patch))

        - macro: unused_macro
          condition: (ka.verb = delete)

        - macro: sensitive
          condition: ka.target.namespace in (sensitive_namespaces)

        - rule: Secret Modified In Sensitive Namespace
          desc: a secret changed where it matters
          condition: kmodify and ka.target.resource=secrets and sensitive
          output: secret %ka.target.name changed by %ka.user.name
          priority: WARNING
          source: k8s_audit
          tags: [k8s]

        - rule: Configmap Deleted
          desc: a configmap was deleted
          condition: ka.verb = delete and ka.target.resource=configmaps
          output: configmap %ka.target.name deleted by %ka.user.name
          priority: NOTICE
          source: k8s_audit
        """;

    private const string SecretRule = "Secret Modified In Sensitive Namespace";

    private static IReadOnlyList<Rule> Load(params (string Path, string Text)[] files)
    {
        var result = RuleLoader.Load(files.Select(f => new RuleSource(f.Path, f.Text)));
        Assert.True(result.Errors.Count == 0, string.Join(Environment.NewLine, result.Errors));
        return result.Rules;
    }

    private static string Revision(string id, params (string Path, string Text)[] files) => Assert.Single(Load(files), r => r.Id == id).Revision;

    /// <summary>
    /// Pinned: this value is what every process on every machine computes for this rule, so an alert stored today still
    /// names the same revision after a restart or on another replica. A seeded or per-process hash fails here.
    /// </summary>
    [Fact]
    public void ZtStreamRule_RevisionIsPinned_TheSameInEveryProcess()
    {
        var revision = Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists));

        Assert.Matches("^[0-9a-f]{12}$", revision);
        Assert.Equal("6e593cfc0c3f", revision);
        Assert.Equal(revision, Revision("bad-agents", ("elsewhere/b.yaml", BadAgents), ("lists.yaml", Lists)));
    }

    [Theory]
    [InlineData("# a comment on top\n" + BadAgents)]
    [InlineData("title: Bad agents\nid: bad-agents\nseverity: high\ndetection:\n    sel:\n        user_agent|startswith|expand: \"%tools%\"\n    condition: sel   # trailing comment\n")]
    [InlineData(BadAgents + "\nenabled: false\n")]
    [InlineData(BadAgents + "\n---\nid: another\ntitle: Another\nseverity: low\ndetection:\n  s:\n    action: x\n  condition: s\n")]
    public void ZtStreamRule_CommentsFormattingEnablingAndOtherRules_LeaveItsRevision(string edited)
    {
        var before = Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists));

        Assert.Equal(before, Revision("bad-agents", ("a.yaml", edited), ("lists.yaml", Lists)));
    }

    [Theory]
    [InlineData("severity: high", "severity: critical")]
    [InlineData("title: Bad agents", "title: Bad user agents")]
    [InlineData("condition: sel", "condition: not sel")]
    [InlineData("'%tools%'", "'%shells%'")]
    public void ZtStreamRule_AValueOfItsOwnChanged_ChangesItsRevision(string from, string to)
    {
        var before = Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists));

        Assert.NotEqual(before, Revision("bad-agents", ("a.yaml", BadAgents.Replace(from, to, StringComparison.Ordinal)), ("lists.yaml", Lists)));
    }

    [Fact]
    public void ZtStreamRule_AListItUsesChanged_ChangesItsRevision_AnotherListDoesNot()
    {
        var before = Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists));

        Assert.NotEqual(before, Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists), ("site.yaml", "lists:\n  tools: [zgrab]\n")));
        Assert.NotEqual(before, Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists.Replace("masscan", "nuclei", StringComparison.Ordinal))));
        Assert.Equal(before, Revision("bad-agents", ("a.yaml", BadAgents), ("lists.yaml", Lists.Replace("bash", "zsh", StringComparison.Ordinal))));
    }

    [Fact]
    public void FalcoRule_RevisionIsStableAcrossLoads_AndIgnoresCommentsAndUnusedDefinitions()
    {
        var before = Revision(SecretRule, ("falco.yaml", FalcoBase));

        Assert.Equal(before, Revision(SecretRule, ("falco.yaml", FalcoBase)));
        Assert.Equal(before, Revision(SecretRule, ("falco.yaml", "# Copyright (C) 2026 Example\n" + FalcoBase.Replace("items: [a, b]", "items: [a, b, c]  # grew", StringComparison.Ordinal))));
        Assert.Equal(before, Revision(SecretRule, ("falco.yaml", FalcoBase.Replace("(ka.verb = delete)", "(ka.verb = deletecollection)", StringComparison.Ordinal))));
        Assert.Equal(before, Revision(SecretRule, ("falco.yaml", FalcoBase.Replace("configmap %ka.target.name deleted", "configmap %ka.target.name removed", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("(ka.verb in (create, update, patch))", "(ka.verb in (create, update))")] // a macro the condition names
    [InlineData("items: [kube-system, payments]", "items: [kube-system]")] // a list a macro it uses names
    [InlineData("priority: WARNING", "priority: ERROR")]
    public void FalcoRule_ItsTextOrAMacroOrListItUsesChanged_ChangesItsRevision(string from, string to)
    {
        var before = Revision(SecretRule, ("falco.yaml", FalcoBase));

        Assert.NotEqual(before, Revision(SecretRule, ("falco.yaml", FalcoBase.Replace(from, to, StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("- macro: kmodify\n  condition: or ka.verb = delete\n  append: true\n")]
    [InlineData("- list: sensitive_namespaces\n  items: [billing]\n  append: true\n")]
    [InlineData("- rule: Secret Modified In Sensitive Namespace\n  condition: and ka.user.name != admin\n  override:\n    condition: append\n")]
    [InlineData("- rule: Secret Modified In Sensitive Namespace\n  exceptions:\n    - name: ci\n      fields: [ka.user.name]\n      values: [[ci-bot]]\n  override:\n    exceptions: append\n")]
    public void FalcoRule_ALaterFileAppendsOrOverrides_ChangesItsRevision(string local)
    {
        var before = Revision(SecretRule, ("falco.yaml", FalcoBase));

        Assert.NotEqual(before, Revision(SecretRule, ("falco.yaml", FalcoBase), ("local.yaml", local)));
        Assert.Equal(Revision("Configmap Deleted", ("falco.yaml", FalcoBase)), Revision("Configmap Deleted", ("falco.yaml", FalcoBase), ("local.yaml", local)));
    }

    [Fact]
    public void FalcoRule_DisabledByALaterFile_IsLoadedDisabled_WithTheSameRevision()
    {
        var before = Revision(SecretRule, ("falco.yaml", FalcoBase));

        var disabled = Assert.Single(Load(("falco.yaml", FalcoBase), ("local.yaml", $"- rule: {SecretRule}\n  enabled: false\n")), r => r.Id == SecretRule);

        Assert.False(disabled.Enabled);
        Assert.Equal(before, disabled.Revision);
    }

    [Fact]
    public void SigmaCorrelation_AReferencedRuleChanged_ChangesTheCorrelationsRevision_AnUnrelatedRuleDoesNot()
    {
        var denied = SigmaSamples.DeniedRequest("denied-id", "denied_request", "low");
        var other = SigmaSamples.KubernetesAudit("other-id", "Secret read", "objectRef.resource: secrets", "low");
        const string Id = "c0e95725-7320-415d-80f7-004da920fc11";
        var correlation = Sigma.SigmaCorrelationTests.ManyDenied();
        var before = Revision(Id, ("denied.yml", denied), ("other.yml", other), ("corr.yml", correlation));

        Assert.Equal(before, Revision(Id, ("denied.yml", denied), ("other.yml", other.Replace("level: low", "level: high", StringComparison.Ordinal)), ("corr.yml", correlation)));
        Assert.NotEqual(before, Revision(Id, ("denied.yml", denied.Replace("code: 403", "code: 401", StringComparison.Ordinal)), ("other.yml", other), ("corr.yml", correlation)));
        Assert.NotEqual(before, Revision(Id, ("denied.yml", denied), ("other.yml", other), ("corr.yml", Sigma.SigmaCorrelationTests.ManyDenied("gte: 6"))));
    }

    [Fact]
    public void SigmaRule_AFilterAppliedToIt_ChangesItsRevision()
    {
        var denied = SigmaSamples.DeniedRequest("denied-id", "denied_request", "high");
        static string Filter(string prefix) => $"title: CI\nid: mf-ci\nlogsource:\n  product: kubernetes\nfilter:\n  rules: [denied_request]\n  selection:\n    user.username|startswith: '{prefix}'\n  condition: selection\n";
        var before = Revision("denied-id", ("rule.yml", denied));

        var filtered = Revision("denied-id", ("rule.yml", denied), ("filter.yml", Filter("system:serviceaccount:ci:")));

        Assert.NotEqual(before, filtered);
        Assert.NotEqual(filtered, Revision("denied-id", ("rule.yml", denied), ("filter.yml", Filter("system:serviceaccount:cd:"))));
    }

    /// <summary>
    /// A list a filter's placeholder expands decides what the filtered rule matches, even when the rule itself names no
    /// list: changing its values is a new revision of the rule; a list nothing uses changes nothing.
    /// </summary>
    [Fact]
    public void SigmaRule_AListUsedOnlyInItsFiltersPlaceholders_IsInItsRevision()
    {
        var denied = SigmaSamples.DeniedRequest("denied-id", "denied_request", "high");
        const string Filter = "title: CI\nid: mf-ci\nlogsource:\n  product: kubernetes\nfilter:\n  rules: [denied_request]\n  selection:\n    user.username|expand: '%ci_accounts%'\n  condition: selection\n";
        static string Lists(string ci, string other) => $"lists:\n  ci_accounts: [{ci}]\n  other_accounts: [{other}]\n";
        var before = Revision("denied-id", ("lists.yml", Lists("'system:serviceaccount:ci:runner'", "x")), ("rule.yml", denied), ("filter.yml", Filter));

        Assert.NotEqual(before, Revision("denied-id", ("lists.yml", Lists("'system:serviceaccount:ci:deployer'", "x")), ("rule.yml", denied), ("filter.yml", Filter)));
        Assert.Equal(before, Revision("denied-id", ("lists.yml", Lists("'system:serviceaccount:ci:runner'", "y")), ("rule.yml", denied), ("filter.yml", Filter)));
    }

    [Fact]
    public void RelativeFile_IsThePathWithinTheConfiguredFolder_OrTheFilesName_OrTheBuiltinName()
    {
        using var folder = new TempFolder();
        using var other = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "k8s"));
        File.WriteAllText(Path.Combine(folder.Path, "k8s", "agents.yaml"), BadAgents);
        File.WriteAllText(Path.Combine(folder.Path, "lists.yaml"), Lists);
        var single = Path.Combine(other.Path, "single.yml");
        File.WriteAllText(single, BadAgents.Replace("bad-agents", "single", StringComparison.Ordinal));

        var result = RuleLoader.LoadConfigured(new RuleOptions { Builtin = true, Paths = [folder.Path, single] });

        Assert.Empty(result.Errors);
        Assert.Equal("k8s/agents.yaml", result.Rules.Single(r => r.Id == "bad-agents").RelativeFile);
        Assert.Equal("single.yml", result.Rules.Single(r => r.Id == "single").RelativeFile);
        Assert.All(result.Rules.Where(r => r.Id is not ("bad-agents" or "single")), r => Assert.StartsWith(RuleLoader.BuiltinPrefix, r.RelativeFile, StringComparison.Ordinal));
        Assert.All(result.Rules, r => Assert.Matches("^[0-9a-f]{12}$", r.Revision));
    }
}
