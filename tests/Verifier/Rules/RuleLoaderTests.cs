namespace ZtStream.Verifier.Tests.Rules;

public sealed class RuleLoaderTests : IDisposable
{
    private readonly TempFolder temp = new("zt-rules-");

    public void Dispose() => temp.Dispose();

    private const string FalcoFile = """
        - list: shells
          items: [bash, sh]
        - rule: Shell in container
          desc: x
          condition: proc.name in (shells)
          output: shell
          priority: WARNING
        """;

    [Fact]
    public void Builtin_LoadsWithoutErrors_AndEveryRuleHasPositiveAndNegativeTests()
    {
        var result = RuleLoader.Load(RuleLoader.Builtin());
        Assert.Empty(result.Errors);
        Assert.NotEmpty(result.Rules);
        Assert.All(result.Rules, r =>
        {
            Assert.StartsWith(RuleLoader.BuiltinPrefix, r.Origin.File, StringComparison.Ordinal);
            Assert.Contains(r.Tests, t => t.ExpectMatch);
            Assert.Contains(r.Tests, t => !t.ExpectMatch);
            Assert.NotEmpty(r.Techniques);
        });
    }

    [Fact]
    public void Builtin_EveryEmbeddedTestPasses()
    {
        var runner = new RuleTestRunner(Replay.FalcoSuite.Readers);
        var results = RuleLoader.Load(RuleLoader.Builtin()).Rules.SelectMany(runner.Run).ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }

    [Fact]
    public void Builtin_EveryRuleNamesTheKindsItReads()
    {
        // A rule naming no kind is evaluated on every event of every source (the set is indexed by kind): a library
        // rule reads one source's records, so it names their kind.
        var unindexed = RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => r.Kinds.Count == 0).Select(r => r.Id).ToList();
        Assert.Empty(unindexed);
    }

    [Fact]
    public void FalcoShapedFile_WithoutTheFalcoLoader_IsAnErrorNotASkip()
    {
        var error = Assert.Single(RuleLoader.Load([new RuleSource("falco_rules.yaml", FalcoFile)], formats: []).Errors);
        Assert.Equal("falco_rules.yaml", error.File);
        Assert.Contains("Falco rules language", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraFormat_GetsItsFilesInOrder_AndItsRulesAndErrorsJoinTheSet()
    {
        IReadOnlyList<(string Path, string Text)>? given = null;
        var falco = new RuleFormatLoader(RuleFormats.Falco, text => text.TrimStart().StartsWith("- ", StringComparison.Ordinal), files =>
        {
            given = files;
            var rule = new Rule("Shell in container", "Shell in container", RuleFormats.Falco, "medium", ["T1059"], [], null,
                new RuleOrigin(files[0].Path, 3), new ConstMatcher(true));
            return new RuleLoadResult([rule], [new RuleLoadError(files[1].Path, 2, "Other", "unknown field ka.nope")]);
        });
        var result = RuleLoader.Load(
            [new RuleSource("base.yaml", FalcoFile), new RuleSource("zt.yaml", RuleTesting.Minimal("a", "A")), new RuleSource("overrides.yaml", "- rule: Other\n  append: true\n")],
            [falco]);
        Assert.NotNull(given);
        Assert.Equal(["base.yaml", "overrides.yaml"], given.Select(f => f.Path));
        Assert.Equal(["a", "Shell in container"], result.Rules.Select(r => r.Id));
        Assert.Empty(result.Rules[1].Kinds); // the format names no kinds: evaluated for every event
        Assert.Equal("overrides.yaml:2: rule 'Other': unknown field ka.nope", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void ExtraFormat_Kinds_IndexItsRules_AndItsExplanationIsTheReason()
    {
        var falco = new RuleFormatLoader(RuleFormats.Falco, _ => true, files =>
            new RuleLoadResult([new Rule("Attach to cluster-admin Role", "Attach to cluster-admin Role", RuleFormats.Falco, "high", [], [], null, new RuleOrigin(files[0].Path, 1), new ExplainingMatcher())], []),
            [ZtStream.Contracts.Events.EventKinds.K8sAudit]);
        var rule = Assert.Single(RuleLoader.Load([new RuleSource("f.yaml", FalcoFile)], [falco]).Rules);
        Assert.Equal(["k8s.audit"], rule.Kinds);
        var engine = new Verifier.Scoring.ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet([rule])));
        var alert = engine.Score(RuleTesting.Audit("create", "clusterrolebindings", ns: null, name: "b", apiGroup: "rbac.authorization.k8s.io")).Alert;
        Assert.Equal("Attach to cluster-admin Role: Cluster Role Binding to cluster-admin role (user=alice@example.com) (rule Attach to cluster-admin Role)",
            Assert.Single(alert!.Reasons, r => r.Detector == "rule").Text);
        Assert.Equal(0, engine.Score(Events.Read(Events.T0)).Score);
    }

    [Fact]
    public void FalcoRulesFile_LoadsThroughTheDispatcher_AndScoresWithItsOutputAsTheReason()
    {
        var data = Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit");
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read([SigmaRuleTests.Folder(), Path.Combine(data, "rules", "k8s_audit_rules.plugins-HEAD.yaml")], errors));
        Assert.Empty(errors);
        Assert.Empty(result.Errors);
        Assert.Equal(16, result.Rules.Count(r => r.Format == RuleFormats.Sigma));
        var falco = result.Rules.Where(r => r.Format == RuleFormats.Falco).ToList();
        Assert.Equal(48, falco.Count);
        Assert.All(falco, r => Assert.Equal(["k8s.audit"], r.Kinds));

        var engine = new Verifier.Scoring.ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(result.Rules)));
        using var trace = File.OpenRead(Path.Combine(data, "traces", "attach_cluster_admin_role.json"));
        var e = Assert.Single(Replay.FalcoSuite.Readers["k8s-audit"](trace, DateTimeOffset.UnixEpoch, static s => Assert.Fail(s.ToString())));
        var alert = engine.Score(e).Alert;
        var reason = Assert.Single(alert!.Reasons, r => r.Rule == "Attach to cluster-admin Role");
        Assert.Equal("rule", reason.Detector);
        Assert.StartsWith("Attach to cluster-admin Role: Cluster Role Binding to cluster-admin role (user=", reason.Text, StringComparison.Ordinal);
        Assert.EndsWith("(rule Attach to cluster-admin Role)", reason.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraFormat_LoaderThrowing_IsAnErrorAndOtherFormatsLoad()
    {
        var broken = new RuleFormatLoader(RuleFormats.Falco, _ => true, _ => throw new InvalidOperationException("boom"));
        var result = RuleLoader.Load([new RuleSource("f.yaml", FalcoFile)], [broken]);
        Assert.Contains("falco loader failed: boom", Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DirectoriesRecursivelyInPathOrder_MissingPathIsAnError()
    {
        Directory.CreateDirectory(Path.Combine(temp.Path, "b"));
        File.WriteAllText(Path.Combine(temp.Path, "b", "two.yml"), RuleTesting.Minimal("two", "Two"));
        File.WriteAllText(Path.Combine(temp.Path, "a.yaml"), RuleTesting.Minimal("one", "One"));
        File.WriteAllText(Path.Combine(temp.Path, "notes.txt"), "not a rule");
        var errors = new List<RuleLoadError>();
        var sources = RuleLoader.Read([temp.Path, Path.Combine(temp.Path, "missing.yaml")], errors);
        Assert.Equal([Path.Combine(temp.Path, "a.yaml"), Path.Combine(temp.Path, "b", "two.yml")], sources.Select(s => s.Path));
        Assert.Equal("no such file or directory", Assert.Single(errors).Reason);
        Assert.Equal(["one", "two"], RuleLoader.Load(sources).Rules.Select(r => r.Id));
    }

    [Fact]
    public void LoadConfigured_BuiltinOff_LoadsOnlyThePaths()
    {
        File.WriteAllText(Path.Combine(temp.Path, "mine.yaml"), RuleTesting.Minimal("mine", "Mine"));
        var result = RuleLoader.LoadConfigured(new RuleOptions { Builtin = false, Paths = [temp.Path] });
        Assert.Equal("mine", Assert.Single(result.Rules).Id);
        var both = RuleLoader.LoadConfigured(new RuleOptions { Paths = [temp.Path] });
        Assert.True(both.Rules.Count > 1);
        Assert.Contains(both.Rules, r => r.Origin.File.StartsWith(RuleLoader.BuiltinPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyFile_IsAnError()
    {
        Assert.Contains("holds no rule", Assert.Single(RuleLoader.Load([new RuleSource("empty.yaml", "# nothing\n")]).Errors).Reason, StringComparison.Ordinal);
    }

    private sealed class ConstMatcher(bool value) : IRuleMatcher
    {
        public bool Matches(RuleEvent e) => value;
    }

    private sealed class ExplainingMatcher : IRuleMatcher, IRuleExplainer
    {
        public bool Matches(RuleEvent e) => e.Event.Kind == ZtStream.Contracts.Events.EventKinds.K8sAudit;

        public string Explain(RuleEvent e) => $"Cluster Role Binding to cluster-admin role (user={e.Event.Subject?.Id})";
    }
}
