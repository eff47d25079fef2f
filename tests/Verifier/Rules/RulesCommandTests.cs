using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary><c>ztstream rules test|list|coverage</c> as a user runs them.</summary>
public sealed class RulesCommandTests : IDisposable
{
    private readonly TempFolder temp = new("zt-rulescli-");

    public void Dispose() => temp.Dispose();

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args) => await RunWith(new Dictionary<string, string?>(), args);

    internal static Task<(int Code, string Out, string Err)> RunWith(Dictionary<string, string?> config, params string[] args) =>
        CommandRun.RunAsync(new RulesCommand(Replay.FalcoSuite.Readers), config, args);

    [Fact]
    public async Task Test_NoPath_RunsTheBuiltinLibrary_AndPasses()
    {
        var (code, output, _) = await Run("test");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+ tests passed, 0 failed; \d+ rules \(0 without tests\), 0 load errors$", CommandRun.Lines(output)[^1]);
    }

    /// <summary>
    /// A test's source payload maps with the configured <c>Ingest</c> section, as the live endpoint: a rule keyed on an Okta
    /// user's login passes with the defaults, and fails where the provider's users are named by id — as it would miss live.
    /// </summary>
    [Fact]
    public async Task Test_IngestSectionConfigured_MapsTestInputsWithIt()
    {
        File.WriteAllText(Path.Combine(temp.Path, "sam.yaml"), """
            id: sam-signs-in
            title: Sam signs in
            severity: high
            detection:
              d:
                subject.id: sam.lee@acme.example
              condition: d
            tests:
              - name: sam's session starts
                expect: match
                okta: {"uuid": "f2a10000-0000-4000-8000-00000000a001", "published": "2026-05-04T14:00:00.000Z", "eventType": "user.session.start", "actor": {"id": "00u8ab2cdEFGH3ij40h7", "type": "User", "alternateId": "sam.lee@acme.example"}, "client": {"ipAddress": "192.0.2.10"}, "outcome": {"result": "SUCCESS"}}
            """);

        var (byLogin, _, _) = await Run("test", temp.Path);
        var (byId, output, _) = await RunWith(new() { ["Ingest:IdentitySubjects:okta"] = "user_id" }, "test", temp.Path);

        Assert.Equal(0, byLogin);
        Assert.Equal(1, byId);
        Assert.Contains("rule sam-signs-in, test 'sam's session starts': expected match, but the event did not match", output, StringComparison.Ordinal);
    }

    /// <summary>An <c>Ingest</c> section live would refuse at start is a configuration error here too, not replaced by defaults.</summary>
    [Fact]
    public async Task Test_InvalidIngestSection_ExitsTwoNamingTheKey()
    {
        File.WriteAllText(Path.Combine(temp.Path, "r.yaml"), RuleTesting.DeniedRuleWithTests("denied", """
            - name: right
              expect: match
              events: [{kind: access.request, subject: {id: a}, outcome: denied}]
            """));

        var (code, _, error) = await RunWith(new() { ["Ingest:MaxIdLength"] = "2" }, "test", temp.Path);

        Assert.Equal(2, code);
        Assert.Contains("configuration error: Ingest:MaxIdLength", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_FailingTest_ExitsOneNamingIt()
    {
        File.WriteAllText(Path.Combine(temp.Path, "r.yaml"), RuleTesting.DeniedRuleWithTests("denied", """
            - name: wrong on purpose
              expect: no_match
              events: [{kind: access.request, subject: {id: a}, outcome: denied}]
            - name: right
              expect: match
              events: [{kind: access.request, subject: {id: a}, outcome: denied}]
            """));
        var (code, output, _) = await Run("test", temp.Path);
        Assert.Equal(1, code);
        var fail = Assert.Single(CommandRun.Lines(output), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains("rule denied, test 'wrong on purpose': expected no match", fail, StringComparison.Ordinal);
        Assert.Equal("1 tests passed, 1 failed; 1 rules (0 without tests), 0 load errors", CommandRun.Lines(output)[^1]);
    }

    /// <summary>
    /// Each rule's revision in both listings, the one the Verifier's alerts name (a fresh load gives the same), and the
    /// file relative to the listed folder; a failing test names the revision it ran against, and an edit shows as a new one.
    /// </summary>
    [Fact]
    public async Task List_NamesEachRulesRevisionAndFile_TestFailuresNameTheRevision()
    {
        Directory.CreateDirectory(Path.Combine(temp.Path, "team"));
        var file = Path.Combine(temp.Path, "team", "r.yaml");
        var rule = RuleTesting.DeniedRuleWithTests("denied", """
            - name: wrong on purpose
              expect: no_match
              events: [{kind: access.request, subject: {id: a}, outcome: denied}]
            """);
        File.WriteAllText(file, rule);
        var revision = Assert.Single(RuleLoader.LoadConfigured(new RuleOptions { Builtin = false, Paths = [temp.Path] }).Rules).Revision;

        var (code, output, _) = await Run("list", temp.Path, "--json");
        Assert.Equal(0, code);
        using var listed = JsonDocument.Parse(CommandRun.Lines(output)[0]);
        Assert.Equal(revision, listed.RootElement.GetProperty("revision").GetString());
        Assert.Equal("team/r.yaml", listed.RootElement.GetProperty("relative_file").GetString());
        Assert.Matches("^[0-9a-f]{12}$", revision);

        var (_, text, _) = await Run("list", temp.Path);
        Assert.Contains(CommandRun.Lines(text), l => l.StartsWith("denied", StringComparison.Ordinal) && l.Contains(" " + revision + " ", StringComparison.Ordinal));

        var (_, tested, _) = await Run("test", temp.Path);
        Assert.EndsWith($"(rule revision {revision})", Assert.Single(CommandRun.Lines(tested), l => l.StartsWith("FAIL", StringComparison.Ordinal)), StringComparison.Ordinal);

        File.WriteAllText(file, "# reviewed\n" + rule.Replace("title: ", "title: Still ", StringComparison.Ordinal));
        (_, output, _) = await Run("list", temp.Path, "--json");
        using var edited = JsonDocument.Parse(CommandRun.Lines(output)[0]);
        Assert.NotEqual(revision, edited.RootElement.GetProperty("revision").GetString());
    }

    [Fact]
    public async Task List_IdentityProviderSigmaRules_Json_LoadsEvery14_NoneFailed()
    {
        var (code, output, _) = await Run("list", Sigma.SigmaIdp.Folder(), "--json");
        Assert.Equal(0, code);
        var lines = CommandRun.Lines(output);
        Assert.Equal("""{"loaded":14,"failed":0}""", lines[^1]);
        var kinds = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()).ToList()).ToList();
        Assert.All(kinds, k => Assert.DoesNotContain(EventKinds.K8sAudit, k));
        Assert.Contains(kinds, k => k.SequenceEqual([EventKinds.AuthLogin, EventKinds.AuthMfa]));
    }

    [Fact]
    public async Task Test_SigmaRulesWithOktaAuth0AndEntraPayloads_RunThroughTheProvidersReaders()
    {
        var (code, output, _) = await Run("test", Sigma.SigmaIdp.Folder());
        Assert.Equal(0, code);
        Assert.Equal("9 tests passed, 0 failed; 14 rules (10 without tests), 0 load errors", CommandRun.Lines(output)[^1]);
    }

    [Fact]
    public async Task Test_SigmaRuleWithAWrongOktaExpectation_FailsNamingIt()
    {
        File.Copy(Path.Combine(Sigma.SigmaIdp.Folder(), "okta", "okta_password_typed_as_username.yml"), Path.Combine(temp.Path, "r.yml"));
        File.WriteAllText(Path.Combine(temp.Path, "r.yml"), File.ReadAllText(Path.Combine(temp.Path, "r.yml")).Replace("expect: no_match", "expect: match", StringComparison.Ordinal));
        var (code, output, _) = await Run("test", temp.Path);
        Assert.Equal(1, code);
        var fail = Assert.Single(CommandRun.Lines(output), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        // The failed sign-in and its address and tenant twins: none is the password-like user name.
        Assert.Contains("test 'a mistyped password of a real user': expected match, but none of 3 events matched", fail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_SigmaCorrelationFile_Json_SaysWhatEachCorrelates_AndWhichRulesOnlyFeedThem()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-correlation", "mr_k8s_denied_then_secret_read.yml");
        var (code, output, _) = await Run("list", file, "--json");
        Assert.Equal(0, code);
        var lines = CommandRun.Lines(output);
        Assert.Equal("""{"loaded":7,"failed":0}""", lines[^1]);
        var rules = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ordered = Assert.Single(rules, r => r.GetProperty("id").GetString() == "9a3f1a52-2c1e-4d9b-9d55-0f3c3a7e61b1");
        Assert.Equal("temporal_ordered", ordered.GetProperty("correlation").GetString());
        Assert.Equal(["3f6e4c8e-6a0b-4a8e-9d9e-2b7a4f1c5d20", "8e7d6c5b-4a39-4281-b7c6-d5e4f3a2b1c0"], ordered.GetProperty("correlates").EnumerateArray().Select(e => e.GetString()));
        Assert.True(ordered.GetProperty("generates").GetBoolean());
        Assert.Equal(["k8s.audit"], ordered.GetProperty("kinds").EnumerateArray().Select(e => e.GetString()));

        // The base rules and the chained event_count feed the correlations only.
        Assert.Equal(4, rules.Count(r => !r.GetProperty("generates").GetBoolean()));

        var (textCode, text, _) = await Run("list", file);
        Assert.Equal(0, textCode);
        Assert.Contains(CommandRun.Lines(text), l => l.StartsWith("0b5e7c3d-1a2f-4e6b-9c8d-5f4a3b2c1d0e", StringComparison.Ordinal) && l.EndsWith("(correlated only)", StringComparison.Ordinal));

        var (testCode, tested, _) = await Run("test", file);
        Assert.Equal(0, testCode);
        Assert.Equal("0 tests passed, 0 failed; 7 rules (7 without tests), 0 load errors", CommandRun.Lines(tested)[^1]);
    }

    [Fact]
    public async Task Test_SigmaCorrelationWithEmbeddedTests_PassesOnlyPastTheThreshold()
    {
        // The same tests against a threshold one higher: the five pushes no longer complete it, and the test says so.
        await TestPassesThenFailsPastTheBound("mr_auth0_mfa_push_fatigue.yml", "5 tests passed, 0 failed; 2 rules (0 without tests), 0 load errors",
            ("gte: 5", "gte: 6"), "test 'five pushes for one user in four minutes': expected match, but none of 5 events matched");
    }

    /// <summary>
    /// Runs the embedded tests of TestData/sigma-correlation/<paramref name="name"/> (all pass, <paramref name="summary"/>),
    /// then of a copy with the condition <paramref name="bound"/> raised: exactly one test fails, saying <paramref name="failure"/>.
    /// </summary>
    private async Task TestPassesThenFailsPastTheBound(string name, string summary, (string From, string To) bound, string failure)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-correlation", name);
        var (code, output, _) = await Run("test", file);
        Assert.Equal(0, code);
        Assert.Equal(summary, CommandRun.Lines(output)[^1]);

        var higher = Path.Combine(temp.Path, "higher-" + name);
        File.WriteAllText(higher, File.ReadAllText(file).Replace(bound.From, bound.To, StringComparison.Ordinal));
        (code, output, _) = await Run("test", higher);
        Assert.Equal(1, code);
        var fail = Assert.Single(CommandRun.Lines(output), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains(failure, fail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_SigmaValueSumCorrelation_OnGkeEntries_PassesOnlyPastTheBound()
    {
        // A bound of 120 is not passed by 120: the first test then fails, and says so.
        await TestPassesThenFailsPastTheBound("mr_gke_secrets_listed_volume.yml", "6 tests passed, 0 failed; 2 rules (1 without tests), 0 load errors",
            ("gt: 100", "gt: 120"), "test 'three lists adding up to 120 Secrets': expected match, but none of 3 events matched");

        var file = Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-correlation", "mr_gke_secrets_listed_volume.yml");
        var (listCode, listed, _) = await Run("list", file, "--json");
        Assert.Equal(0, listCode);
        var correlation = Assert.Single(CommandRun.Lines(listed)[..^1].Select(l => JsonDocument.Parse(l).RootElement), r => r.GetProperty("id").GetString() == "6c2d8e4f-1a3b-4c5d-9e7f-0a1b2c3d4e5f");
        Assert.Equal("value_sum", correlation.GetProperty("correlation").GetString());
    }

    [Fact]
    public async Task ListAndTest_SigmaFilter_ShowsWhichRulesItFilters_AndTestsRunWithItInEffect()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-filter");
        var (code, output, _) = await Run("test", folder);
        Assert.Equal(0, code);
        Assert.Equal("2 tests passed, 0 failed; 1 rules (0 without tests), 0 load errors", CommandRun.Lines(output)[^1]);

        var (listCode, listed, _) = await Run("list", folder);
        Assert.Equal(0, listCode);
        Assert.Contains(CommandRun.Lines(listed), l => l.StartsWith("2f8a6c4e-0b1d-4e3f-a5c7-9d1b3f5a7c90", StringComparison.Ordinal)
            && l.EndsWith("Denied Secret read (filtered by 9b0c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4)", StringComparison.Ordinal));
        (listCode, listed, _) = await Run("list", folder, "--json");
        Assert.Equal(0, listCode);
        var rule = JsonDocument.Parse(CommandRun.Lines(listed)[0]).RootElement;
        Assert.Equal(["9b0c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4"], rule.GetProperty("filters").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("""{"loaded":1,"failed":0}""", CommandRun.Lines(listed)[^1]);

        // Without the filter, the test that relies on it fails; with a filter that excludes everything, the other does, naming it.
        (code, output, _) = await Run("test", Path.Combine(folder, "k8s_denied_secret_read.yml"));
        Assert.Equal(1, code);
        Assert.Contains("test 'the CI service account probing its permissions is tuned out by mf_ci_service_accounts': expected no match, but it matched", Assert.Single(CommandRun.Lines(output), l => l.StartsWith("FAIL", StringComparison.Ordinal)), StringComparison.Ordinal);
        var wide = Path.Combine(temp.Path, "mf_everyone.yml");
        File.WriteAllText(wide, File.ReadAllText(Path.Combine(folder, "mf_ci_service_accounts.yml")).Replace("'system:serviceaccount:ci:'", "''", StringComparison.Ordinal));
        (code, output, _) = await Run("test", Path.Combine(folder, "k8s_denied_secret_read.yml"), wide);
        Assert.Equal(1, code);
        var fail = Assert.Single(CommandRun.Lines(output), l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains("test 'a person refused a Secret': expected match", fail, StringComparison.Ordinal);
        Assert.EndsWith("(with filters 9b0c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4 in effect)", fail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_SigmaCorrelation_UnknownReference_ExitsOneNamingFileLineAndRule()
    {
        var file = Path.Combine(temp.Path, "mr_bad.yml");
        File.WriteAllText(file, """
            title: Bad
            id: bad-correlation
            correlation:
                type: event_count
                rules:
                    - no_such_rule
                group-by: [user.username]
                timespan: 5m
                condition: {gte: 3}
            """);
        var (code, output, _) = await Run("list", file);
        Assert.Equal(1, code);
        Assert.Contains($"FAILED {file}:6: rule 'bad-correlation': references 'no_such_rule', but no loaded rule has that id or name", CommandRun.Lines(output));
    }

    [Fact]
    public async Task List_SigmaHq_Json_EndsWithLoaded16Failed0()
    {
        var (code, output, _) = await Run("list", SigmaRuleTests.Folder(), "--json");
        Assert.Equal(0, code);
        var lines = CommandRun.Lines(output);
        Assert.Equal("""{"loaded":16,"failed":0}""", lines[^1]);
        Assert.Equal(16, lines.Length - 1);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("sigma", first.RootElement.GetProperty("format").GetString());
        Assert.True(first.RootElement.TryGetProperty("techniques", out _));
    }

    [Fact]
    public async Task List_FailingFile_IsListedWithItsReason_AndCounted()
    {
        File.WriteAllText(Path.Combine(temp.Path, "good.yaml"), RuleTesting.Minimal("g", "G"));
        File.WriteAllText(Path.Combine(temp.Path, "bad.yml"), "title: W\nlogsource:\n  product: windows\ndetection:\n  s:\n    Image: x\n  condition: s\n");
        var (code, output, _) = await Run("list", temp.Path, "--json");
        Assert.Equal(1, code);
        var lines = CommandRun.Lines(output);
        Assert.Equal("""{"loaded":1,"failed":1}""", lines[^1]);
        using var error = JsonDocument.Parse(lines[^2]);
        Assert.Equal(Path.Combine(temp.Path, "bad.yml"), error.RootElement.GetProperty("file").GetString());
        Assert.Equal(3, error.RootElement.GetProperty("line").GetInt32());
        Assert.Contains("has no field mapping", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        var (_, text, _) = await Run("list", temp.Path);
        Assert.Contains(CommandRun.Lines(text), l => l.StartsWith("FAILED " + Path.Combine(temp.Path, "bad.yml") + ":3:", StringComparison.Ordinal));
        Assert.Equal("1 rules loaded, 1 failed", CommandRun.Lines(text)[^1]);
    }

    [Fact(Timeout = 120_000)]
    public async Task List_ConditionNested10000Deep_FailsNamingFileLineAndLimit()
    {
        var deep = new string('(', 10_000) + "s" + new string(')', 10_000);
        File.WriteAllText(Path.Combine(temp.Path, "deep.yml"), $"id: deep\ntitle: D\nseverity: low\ndetection:\n  s:\n    action: x\n  condition: '{deep}'\n");

        // On a thread of its own: were the parser to overflow its stack, the process would end and the test fail.
        var (code, output, _) = await Task.Run(() => Run("list", temp.Path), TestContext.Current.CancellationToken).WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        var failed = Assert.Single(CommandRun.Lines(output), l => l.StartsWith("FAILED " + Path.Combine(temp.Path, "deep.yml") + ":7:", StringComparison.Ordinal));
        Assert.Contains("nests deeper than 100 levels", failed, StringComparison.Ordinal);
        Assert.Equal("0 rules loaded, 1 failed", CommandRun.Lines(output)[^1]);
    }

    /// <summary>
    /// A folder with no rule file in it (a wrong path, rules saved as .txt): before, "0 tests passed, 0 failed" and exit 0,
    /// so a rules repository's CI stayed green testing nothing.
    /// </summary>
    [Theory]
    [InlineData("test")]
    [InlineData("list")]
    [InlineData("coverage")]
    public async Task AFolderWithNoRuleFile_ExitsOneNamingIt(string command)
    {
        var empty = Directory.CreateDirectory(Path.Combine(temp.Path, "rules")).FullName;
        File.WriteAllText(Path.Combine(empty, "README.txt"), "rules go here\n");
        File.WriteAllText(Path.Combine(temp.Path, "mine.yaml"), RuleTesting.Minimal("mine", "Mine"));

        var (code, output, _) = await Run(command, Path.Combine(temp.Path, "mine.yaml"), empty);

        Assert.Equal(1, code);
        // `test` says ERROR for a file it could not load, `list` and `coverage` FAILED.
        Assert.Contains(CommandRun.Lines(output), l => l.EndsWith($" {empty}:0: holds no rule files (*.yml or *.yaml, in it or below)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_NoPath_HonoursConfiguration()
    {
        File.WriteAllText(Path.Combine(temp.Path, "mine.yaml"), RuleTesting.Minimal("mine", "Mine"));
        var (code, output, _) = await RunWith(new() { ["Verifier:Rules:Builtin"] = "false", ["Verifier:Rules:Paths:0"] = temp.Path }, "list", "--json");
        Assert.Equal(0, code);
        Assert.Equal("""{"loaded":1,"failed":0}""", CommandRun.Lines(output)[^1]);
    }

    [Fact]
    public async Task Coverage_NamesTechniquesAndTheirRules()
    {
        var (code, output, _) = await Run("coverage", SigmaRuleTests.Folder(), "--json");
        Assert.Equal(0, code);
        var lines = CommandRun.Lines(output);
        var t1611 = lines.Select(l => JsonDocument.Parse(l).RootElement).Single(r => r.TryGetProperty("technique", out var t) && t.GetString() == "T1611");
        Assert.Equal(["402b955c-8fe0-4a8c-b635-622b4ac5f902", "c5cd1b20-36bb-488d-8c05-486be3d0cb97"],
            t1611.GetProperty("rules").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal));
        using var summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal(16, summary.RootElement.GetProperty("rules").GetInt32());

        var (_, text, _) = await Run("coverage");
        Assert.Contains(CommandRun.Lines(text), l => l.StartsWith("T1611", StringComparison.Ordinal) && l.Contains("k8s-privileged-container", StringComparison.Ordinal));
    }

    /// <summary>What an audit log can show of ATT&amp;CK for Containers and the Threat Matrix for Kubernetes, each by a built-in rule.</summary>
    [Theory]
    [InlineData("T1611", "k8s-privileged-container")] // Escape to Host
    [InlineData("T1610", "k8s-workload-in-system-namespace")] // Deploy Container
    [InlineData("T1609", "k8s-pod-exec")] // Container Administration Command
    [InlineData("T1613", "k8s-repeated-forbidden")] // Container and Resource Discovery
    [InlineData("T1552.007", "k8s-cluster-wide-secret-list")] // Unsecured Credentials: Container API
    [InlineData("T1528", "k8s-serviceaccount-token-request")] // Steal Application Access Token
    [InlineData("T1098.006", "k8s-cluster-admin-binding")] // Additional Container Cluster Roles
    [InlineData("T1078.001", "k8s-anonymous-request-allowed")] // Default Accounts
    [InlineData("T1562.001", "k8s-admission-webhook-changed")] // Disable or Modify Tools
    [InlineData("T1070", "k8s-events-deleted")] // Indicator Removal
    [InlineData("T1133", "k8s-nodeport-service")] // External Remote Services
    [InlineData("T1053.007", "k8s-cronjob-created")] // Container Orchestration Job
    [InlineData("T1649", "k8s-csr-created")] // Steal or Forge Authentication Certificates
    public async Task Coverage_BuiltinLibrary_NamesTheContainerTechniqueAndItsRule(string technique, string rule)
    {
        var (code, output, _) = await Run("coverage", "--json");
        Assert.Equal(0, code);
        var row = CommandRun.Lines(output).Select(l => JsonDocument.Parse(l).RootElement).Single(r => r.TryGetProperty("technique", out var t) && t.GetString() == technique);
        Assert.Contains(rule, row.GetProperty("rules").EnumerateArray().Select(x => x.GetString()));
    }

    [Theory]
    [InlineData(new[] { "rules-nope" }, "rules-nope")]
    [InlineData(new[] { "test", "--json" }, "--json")]
    [InlineData(new[] { "list", "--frobnicate" }, "--frobnicate")]
    public async Task Usage_BadArguments_ExitTwoNamingTheProblem(string[] args, string named)
    {
        var (code, _, err) = await Run(args);
        Assert.Equal(2, code);
        Assert.Contains(named, err, StringComparison.Ordinal);
        Assert.Contains("usage: ztstream rules", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--help" }, "test")]
    [InlineData(new[] { "list", "--help" }, "--json")]
    [InlineData(new[] { "coverage", "-h" }, "ATT&CK")]
    public async Task Help_ExitsZeroDescribingTheCommand(string[] args, string expected)
    {
        var (code, output, _) = await Run(args);
        Assert.Equal(0, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
