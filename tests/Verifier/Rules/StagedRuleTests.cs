using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZtStream.Contracts.Serialization;
using ZtStream.TestSupport.Logging;
using ZtStream.Verifier.Scoring;
using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Staged rules (docs/rules.md, "Staged rules"): a staged rule's match is shown as a staged alert of its own and counted,
/// and never changes a live alert — its score, its raising, its dedup — whether staged by the rule's own field or by
/// <c>Verifier:Rules:Staged</c>; promoting it by a reload makes it live.
/// </summary>
public sealed class StagedRuleTests : IDisposable
{
    private const string LiveId = "live-secret-read";
    private const string StagedId = "staged-secret-read";

    private readonly TempFolder temp = new("zt-staged-");
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        services.Dispose();
        temp.Dispose();
    }

    /// <summary>A rule on reading secrets, evidence of T1552.007 (both rules: the stronger would make the weaker count 0, were they one finding).</summary>
    private static string SecretRead(string id, string severity, string extra = "") => $"""
        id: {id}
        title: {id}
        severity: {severity}
        techniques: [T1552.007]
        detection:
          s:
            kind: k8s.audit
            raw.objectRef.resource: secrets
          condition: s
        {extra}
        """;

    private static ScoringEngine Engine(params string[] rules) =>
        new(new VerifierOptions { ModelEnabled = false }, DefaultPolicy.Load(),
            rules: new RuleSetHolder(new RuleSet(RuleLoader.Load(rules.Select((r, i) => new RuleSource($"r{i}.yaml", r))).Rules)));

    private static AccessEvent SecretGet(string user, int minute) => Audit("get", "secrets", "payments", "db", user, time: Events.T0.AddMinutes(minute));

    [Fact]
    public void StagedRuleAlone_RaisesNoLiveAlert_ButAStagedAlertWithItsEvidence_DedupedOnItsOwn()
    {
        var engine = Engine(SecretRead(StagedId, "critical", "staged: true"));
        var none = Engine();

        var first = SecretGet("ann@example.com", 0);
        var result = engine.Score(first);
        var baseline = none.Score(first);

        Assert.Null(result.Alert);
        Assert.Equal(baseline.Score, result.Score);
        var staged = Assert.IsType<Alert>(result.Staged);
        Assert.True(staged.Staged);
        Assert.Equal("ann@example.com", staged.Principal);
        Assert.Equal(Detectors.Rule, staged.Detector);
        var reason = Assert.Single(staged.Reasons);
        Assert.Equal((Detectors.Rule, StagedId, RuleScores.FromSeverity(Severities.Critical)), (reason.Detector, reason.Rule, reason.Score));
        Assert.Equal([first.Id], staged.EvidenceEventIds);
        Assert.Equal(first.Id, Assert.Single(staged.Evidence).EventId);
        Assert.EndsWith("|staged", staged.DedupKey, StringComparison.Ordinal);
        Assert.Contains("\"staged\":true", Encoding.UTF8.GetString(ContractJson.Serialize(staged)), StringComparison.Ordinal);

        // Matched again within the dedup window: the same staged alert, one count more, still no live alert.
        var again = engine.Score(SecretGet("ann@example.com", 1));
        Assert.Null(again.Alert);
        Assert.Equal((staged.Id, 2), (again.Staged!.Id, again.Staged.Count));

        // Its dedup state survives a checkpoint, as the live alerts' does.
        var restored = Engine(SecretRead(StagedId, "critical", "staged: true"));
        restored.Restore(engine.Checkpoint());
        // Updates are published at counts 1, 2, 4 … (as a live alert's): the fourth is.
        Assert.Null(restored.Score(SecretGet("ann@example.com", 2)).Staged);
        var afterRestart = restored.Score(SecretGet("ann@example.com", 3)).Staged!;
        Assert.Equal((staged.Id, 4), (afterRestart.Id, afterRestart.Count));
    }

    [Fact]
    public void StagedAndLiveRuleMatchingTogether_LiveAlertIsExactlyAsWithoutTheStagedRule()
    {
        var liveOnly = Engine(SecretRead(LiveId, "high"));
        var both = Engine(SecretRead(LiveId, "high"), SecretRead(StagedId, "critical", "staged: true"));
        string[] users = ["ann@example.com", "ann@example.com", "bob@example.com", "ann@example.com", "ann@example.com"];
        static string Json(Alert? a) => a is null ? "none" : Encoding.UTF8.GetString(ContractJson.Serialize(a));

        var published = 0;
        for (var i = 0; i < users.Length; i++)
        {
            var e = SecretGet(users[i], i);
            var expected = liveOnly.Score(e);
            var actual = both.Score(e);

            // The score, whether an alert is published, and all of it (id, dedup key, count, reasons, severity) as before.
            Assert.Equal(expected.Score, actual.Score);
            Assert.Equal(Json(expected.Alert), Json(actual.Alert));
            Assert.Null(expected.Staged);
            if (actual.Alert is { } live)
            {
                published++;
                Assert.DoesNotContain(live.Reasons, r => r.Rule == StagedId);
                Assert.Equal(RuleScores.FromSeverity(Severities.High), live.Score);
                Assert.NotEqual(live.Id, actual.Staged?.Id);
            }

            Assert.All(actual.Staged?.Reasons ?? [], r => Assert.Equal(StagedId, r.Rule));
            Assert.True(actual.Staged?.Staged ?? true);
        }

        // ann's alert at counts 1, 2 and 4, bob's: both books publish alike.
        Assert.Equal(4, published);
    }

    [Fact]
    public void Checkpoint_OfFormatEight_WithoutStagedAlerts_IsStillRead()
    {
        var engine = Engine(SecretRead(LiveId, "high"));
        var alert = engine.Score(SecretGet("ann@example.com", 0)).Alert!;

        var restored = Engine(SecretRead(LiveId, "high"), SecretRead(StagedId, "high", "staged: true"));
        restored.Restore(CheckpointFormats.AsFormat(engine.Checkpoint(), 8));
        var next = restored.Score(SecretGet("ann@example.com", 1));

        Assert.Equal((alert.Id, 2), (next.Alert!.Id, next.Alert.Count));
        Assert.Equal(1, next.Staged!.Count);
    }

    [Fact]
    public void StagedField_IsNoNewRevision_AndMustBeABoolean()
    {
        var live = One(SecretRead(StagedId, "high"));
        var staged = One(SecretRead(StagedId, "high", "staged: true"));

        Assert.False(live.Staged);
        Assert.True(staged.Staged);
        Assert.Equal("staged", staged.Mode);
        Assert.Equal(live.Revision, staged.Revision);
        var error = Assert.Single(Errors(SecretRead(StagedId, "high", "staged: soon")));
        Assert.Contains("'staged' must be true or false", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void StagedSetting_StagesSigmaAndZtStreamRulesByIdOrPattern_AndAPatternNamingNoRuleIsAnError()
    {
        File.WriteAllText(Path.Combine(temp.Path, "denied.yml"), ZtStream.TestSupport.Rules.SigmaSamples.DeniedRequest("denied-request-id", "denied_request", "high"));
        File.WriteAllText(Path.Combine(temp.Path, "live.yaml"), SecretRead(LiveId, "high"));
        File.WriteAllText(Path.Combine(temp.Path, "other.yaml"), SecretRead("other-secret-read", "high"));

        var loaded = RuleLoader.LoadConfigured(new RuleOptions { Builtin = false, Paths = [temp.Path], Staged = ["denied-*", LiveId] });
        Assert.Empty(loaded.Errors);
        Assert.Equal(
            [("denied-request-id", "staged"), (LiveId, "staged"), ("other-secret-read", "live")],
            loaded.Rules.Select(r => (r.Id, r.Mode)).Order());

        var typo = RuleLoader.LoadConfigured(new RuleOptions { Builtin = false, Paths = [temp.Path], Staged = [LiveId, "live-secret-raed"] });
        var error = Assert.Single(typo.Errors);
        Assert.Equal("Verifier:Rules:Staged:1: 'live-secret-raed' names no loaded rule (a rule it was meant to stage would run live)", error.ToString());
    }

    [Theory]
    [InlineData("", "Verifier:Rules:Staged:0 is empty")]
    [InlineData("  ", "Verifier:Rules:Staged:0 is empty")]
    [InlineData(" live-secret-read", "Verifier:Rules:Staged:0 ' live-secret-read' begins or ends with white space")]
    [InlineData("live-\u0001", "Verifier:Rules:Staged:0 holds a control character")]
    [InlineData("nosuch-*", "Verifier:Rules: Verifier:Rules:Staged:0: 'nosuch-*' names no loaded rule")]
    public async Task StagedSetting_BadValue_StopsTheStart_AndRulesListExitsTwo(string value, string problem)
    {
        File.WriteAllText(Path.Combine(temp.Path, "live.yaml"), SecretRead(LiveId, "high"));
        var options = new VerifierOptions { Rules = new RuleOptions { Builtin = false, Paths = [temp.Path], Staged = [value] } };

        Assert.Contains(VerifierOptionsValidator.Validate(options), p => p.StartsWith(problem, StringComparison.Ordinal));

        var (code, _, error) = await RulesCommandTests.RunWith(
            new() { ["Verifier:Rules:Builtin"] = "false", ["Verifier:Rules:Paths:0"] = temp.Path, ["Verifier:Rules:Staged:0"] = value }, "list");
        Assert.True(code == (value == "nosuch-*" ? 1 : 2), $"exit {code}: {error}");
    }

    [Fact]
    public async Task RulesList_ShowsWhichRulesAreStaged()
    {
        File.WriteAllText(Path.Combine(temp.Path, "live.yaml"), SecretRead(LiveId, "high"));
        File.WriteAllText(Path.Combine(temp.Path, "staged.yaml"), SecretRead(StagedId, "high", "staged: true"));
        File.WriteAllText(Path.Combine(temp.Path, "by-setting.yaml"), SecretRead("by-setting", "high"));
        var config = new Dictionary<string, string?> { ["Verifier:Rules:Builtin"] = "false", ["Verifier:Rules:Paths:0"] = temp.Path, ["Verifier:Rules:Staged:0"] = "by-*" };

        var (code, text, _) = await RulesCommandTests.RunWith(config, "list");
        var (jsonCode, json, _) = await RulesCommandTests.RunWith(config, "list", "--json");

        Assert.Equal((0, 0), (code, jsonCode));
        var lines = text.Split('\n');
        Assert.EndsWith("(staged)", Assert.Single(lines, l => l.StartsWith(StagedId, StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith("(staged)", Assert.Single(lines, l => l.StartsWith("by-setting", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("(staged)", Assert.Single(lines, l => l.StartsWith(LiveId, StringComparison.Ordinal)), StringComparison.Ordinal);
        var staged = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.TryGetProperty("id", out _)).ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("staged").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { [LiveId] = false, [StagedId] = true, ["by-setting"] = true }, staged);
    }

    [Fact]
    public void Reload_PromotingAStagedRule_MakesItsNextMatchALiveAlert_StagingAgainStopsThat_AndEachModeIsCounted()
    {
        var path = Path.Combine(temp.Path, "rule.yaml");
        File.WriteAllText(path, SecretRead(StagedId, "critical", "staged: true"));
        File.WriteAllText(Path.Combine(temp.Path, "live.yaml"), SecretRead(LiveId, "low"));
        var configured = new VerifierOptions { ModelEnabled = false, Rules = new RuleOptions { Builtin = false, Paths = [temp.Path] } };
        var holder = new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(configured.Rules).Rules));
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        using var metrics = new RuleReloaderTests.Metrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var reloader = new RuleReloader(holder, Options.Create(configured), TimeProvider.System, factory.CreateLogger<RuleReloader>(), services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var engine = new ScoringEngine(configured, rules: holder);
        var revision = holder.Current.Rules.Single(r => r.Id == StagedId).Revision;

        var staged = engine.Score(SecretGet("ann@example.com", 0));
        Assert.DoesNotContain(staged.Alert?.Reasons ?? [], r => r.Rule == StagedId);
        Assert.NotNull(staged.Staged);

        // Promoted: the file no longer says staged.
        File.WriteAllText(path, SecretRead(StagedId, "critical"));
        Assert.True(reloader.Reload(configured.Rules));
        Assert.Contains($"Rule {StagedId} promoted from staged to live by the reload (revision {revision}, rule.yaml)",
            Assert.Single(log.Lines, l => l.Id.Id == 4077).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines, l => l.Id.Id == 4071);
        var live = engine.Score(SecretGet("bob@example.com", 1));
        Assert.Contains(live.Alert!.Reasons, r => r.Rule == StagedId);
        Assert.Equal(Severities.Critical, live.Alert.Severity);
        Assert.Null(live.Staged);

        // Staged again, this time by the setting, as a vendor's rule would be.
        Assert.True(reloader.Reload(configured.Rules with { Staged = [StagedId] }));
        Assert.Contains($"Rule {StagedId} staged by the reload", Assert.Single(log.Lines, l => l.Id.Id == 4076).Message, StringComparison.Ordinal);
        var again = engine.Score(SecretGet("carol@example.com", 2));
        Assert.DoesNotContain(again.Alert?.Reasons ?? [], r => r.Rule == StagedId);
        Assert.Equal([StagedId], again.Staged!.Reasons.Select(r => r.Rule));

        metrics.Observe();
        Assert.Equal(2, Matches(metrics, StagedId, "staged"));
        Assert.Equal(1, Matches(metrics, StagedId, "live"));
        Assert.Equal(3, Matches(metrics, LiveId, "live"));
        Assert.Equal(0, Matches(metrics, LiveId, "staged"));

        // A rule the reload removed is no series any more: only loaded rules are counted.
        File.Delete(Path.Combine(temp.Path, "live.yaml"));
        Assert.True(reloader.Reload(configured.Rules));
        metrics.Observe();
        Assert.Equal(0, Matches(metrics, LiveId, "live"));
        Assert.Equal(2, Matches(metrics, StagedId, "staged"));
    }

    private static long Matches(RuleReloaderTests.Metrics metrics, string rule, string mode) =>
        metrics.Counted(RuleReloader.MatchesCounter, "rule", rule, "mode", mode);
}
