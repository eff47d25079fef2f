namespace ZtStream.Verifier.Tests.Replay;

/// <summary>
/// Every Falco k8s-audit test, scored by the built-in rule library (no zero-trust policy) plus the site rule files that
/// express Falco's site-dependent allow-lists and the test's overrides: an alert where Falco expects a WARNING, none
/// where it expects nothing. INFO/NOTICE tracking detections need no alert.
/// </summary>
public sealed class FalcoSuiteTests
{
    public static TheoryData<string> Tests()
    {
        var data = new TheoryData<string>();
        if (FalcoSuite.Folder() is { } folder)
        {
            // The rule-language test exercises Falco's own rule syntax with a custom rule: no detection to compare.
            foreach (var e in FalcoSuite.Expectations(folder).Where(e => !e.IsRuleLanguageTest))
            {
                data.Add(e.Test);
            }
        }
        else
        {
            data.Add("(suite missing)");
        }

        return data;
    }

    internal static List<Alert> Run(string folder, Expectation e)
    {
        var rules = RuleLoader.LoadConfigured(new RuleOptions { Builtin = true, Paths = FalcoSuite.SiteRuleFiles(e.RulesFiles) });
        Assert.True(rules.Errors.Count == 0, string.Join(Environment.NewLine, rules.Errors));
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, ZeroTrustPolicy.Empty, rules: new RuleSetHolder(new RuleSet(rules.Rules)));
        using var stream = File.OpenRead(Path.Combine(folder, "traces", e.TraceFile));
        var alerts = new List<Alert>();
        foreach (var ev in FalcoSuite.Readers["k8s-audit"](stream, DateTimeOffset.UnixEpoch, static _ => { }))
        {
            if (engine.Score(ev).Alert is { } a)
            {
                alerts.Add(a);
            }
        }

        return alerts;
    }

    [Theory]
    [MemberData(nameof(Tests))]
    public void Trace_AlertsExactlyWhereFalcoWarns(string test)
    {
        var folder = FalcoSuite.Folder();
        Assert.NotNull(folder);

        var e = FalcoSuite.Expectations(folder).Single(x => x.Test == test);
        var alerts = Run(folder, e);
        if (e.MustAlert)
        {
            Assert.True(alerts.Count > 0, $"{test}: Falco expects {string.Join(", ", e.Rules)} ({e.Level}); no alert");
            Assert.All(alerts, a => Assert.True(Severities.Rank(a.Severity) >= Severities.Rank(Severities.High), a.Severity));
        }
        else if (e.MustNotAlert)
        {
            Assert.True(alerts.Count == 0, $"{test}: Falco expects nothing; alerted: {string.Join(" | ", alerts.SelectMany(a => a.Reasons).Select(r => r.Text))}");
        }
    }
}

public sealed class FalcoSuiteTableTests
{
    /// <summary>The whole suite at once; writes the table docs/detection.md shows to the temp folder.</summary>
    [Fact]
    public void Suite_EveryWarningAlerted_NoAlertWhereFalcoIsSilent()
    {
        var folder = FalcoSuite.Folder();
        Assert.NotNull(folder);

        var rows = new List<string> { "| Falco test | trace | Falco expects | ZtStream | top reason |", "|---|---|---|---|---|" };
        var failures = new List<string>();
        foreach (var e in FalcoSuite.Expectations(folder))
        {
            var expects = e.Detect ? $"{string.Join(", ", e.Rules)} ({e.Level})" : "nothing";
            if (e.IsRuleLanguageTest)
            {
                rows.Add($"| {e.Test} | {e.TraceFile} | {expects} | n/a (Falco rule-language test) | |");
                continue;
            }

            var alerts = FalcoSuiteTests.Run(folder, e);
            var outcome = alerts.Count == 0 ? "no alert" : $"{alerts.Count} alert(s), {alerts.Max(a => a.Score)} {alerts.MaxBy(a => a.Score)!.Severity}";
            var reason = alerts.Count == 0 ? "" : alerts.MaxBy(a => a.Score)!.Reasons[0].Text.Replace("|", "\\|", StringComparison.Ordinal);
            var ok = e.MustAlert ? alerts.Count > 0 : !e.MustNotAlert || alerts.Count == 0;
            rows.Add($"| {e.Test} | {e.TraceFile} | {expects} | {(ok ? "" : "**FAIL** ")}{outcome} | {reason} |");
            if (!ok)
            {
                failures.Add(e.Test);
            }
        }

        File.WriteAllLines(Path.Combine(Path.GetTempPath(), "ztstream-falco-suite.md"), rows);
        Assert.Empty(failures);
    }
}
