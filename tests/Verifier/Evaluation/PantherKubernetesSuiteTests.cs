namespace ZtStream.Verifier.Tests.Evaluation;

/// <summary>
/// Panther's Kubernetes detections' unit tests (TestData/panther-k8s, ORIGIN.md says what was taken): each an audit
/// record in the shape Panther gives it (EKS native, AKS diagnostic record, GKE Cloud Audit Logs entry) labelled with
/// Panther's expected result. Each record is replayed alone, as <c>ztstream replay --format k8s-audit</c> reads it, and
/// scored with the default configuration (default policy, built-in library). docs/detection.md holds the table.
/// </summary>
public sealed class PantherKubernetesSuiteTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "panther-k8s");

    private const string TableStart = "<!-- panther-k8s table: PantherKubernetesSuiteTests writes it -->";
    private const string TableEnd = "<!-- end panther-k8s table -->";

    internal sealed record Case(string Rule, string Test, bool Expected, string Log);

    /// <summary>
    /// What ZtStream made of a case, replayed as given: <paramref name="Refused"/> what the record was refused for;
    /// <paramref name="WithoutId"/> that it has no id of its own (Ingest derives one, docs/sources.md).
    /// </summary>
    internal sealed record Verdict(Case Case, string Shape, bool WithoutId, IReadOnlyList<string> Refused, Alert? Alert, string Principal)
    {
        public bool Alerted => Alert is not null;

        public bool Agrees => Refused.Count == 0 && Alerted == Case.Expected;
    }

    internal static List<Case> Cases() =>
        [.. File.ReadLines(Path.Combine(Folder, "cases.jsonl")).Where(l => l.Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            var root = doc.RootElement;
            return new Case(root.GetProperty("rule").GetString()!, root.GetProperty("test").GetString()!,
                root.GetProperty("expected").GetBoolean(), root.GetProperty("log").GetRawText());
        })];

    /// <summary>Why ZtStream and Panther disagree on a case, keyed "rule | test".</summary>
    internal static Dictionary<string, string> Reasons()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "disagreements.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    internal static string Key(Case c) => $"{c.Rule} | {c.Test}";

    internal static Verdict Replay(Case c, RuleSet rules, ZeroTrustPolicy policy, VerifierOptions options)
    {
        var shape = Shape(c.Log);
        var (refused, alert, principal) = Score(c.Log, rules, policy, options);
        return new Verdict(c, shape, WithoutId(c.Log, shape), refused, alert, principal);
    }

    /// <summary>Whether the record has no id of its own: no <c>auditID</c>; a GKE entry neither <c>insertId</c> nor <c>operation.id</c>.</summary>
    private static bool WithoutId(string log, string shape)
    {
        var root = JsonNode.Parse(log)!.AsObject();
        return shape switch
        {
            "GKE" => root["insertId"] is null && root["operation"]?["id"] is null,
            "AKS" => JsonNode.Parse(root["properties"]!["log"]!.GetValue<string>())!["auditID"] is null,
            _ => root["auditID"] is null,
        };
    }

    private static string WithId(string log, string shape, string id)
    {
        var root = JsonNode.Parse(log)!.AsObject();
        switch (shape)
        {
            case "GKE":
                root["insertId"] = id;
                break;
            case "AKS":
                var properties = root["properties"]!.AsObject();
                var inner = JsonNode.Parse(properties["log"]!.GetValue<string>())!.AsObject();
                inner["auditID"] = id;
                properties["log"] = inner.ToJsonString();
                break;
            default:
                root["auditID"] = id;
                break;
        }

        return root.ToJsonString();
    }

    private static (List<string> Refused, Alert? Alert, string Principal) Score(string log, RuleSet rules, ZeroTrustPolicy policy, VerifierOptions options)
    {
        var refused = new List<string>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(log));
        var events = FalcoSuite.Readers["k8s-audit"](stream, new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero),
            s => refused.Add($"{s.Field}: {s.Reason}")).ToList();
        var engine = new ScoringEngine(options, policy, rules: new RuleSetHolder(rules));
        Alert? alert = null;
        var principal = "";
        foreach (var e in events)
        {
            principal = e.PrincipalKey;
            var result = engine.Score(e);
            engine.DeliverLinksLocally();
            // An alert counts on the principal the record names, at or above the alert threshold.
            if (result.Alert is { } a && a.Score >= options.AlertThreshold && a.Principal == e.PrincipalKey && (alert is null || a.Score > alert.Score))
            {
                alert = a;
            }
        }

        return (refused, alert, principal);
    }

    private static string Shape(string log)
    {
        using var doc = JsonDocument.Parse(log);
        var root = doc.RootElement;
        return root.TryGetProperty("protoPayload", out _) ? "GKE"
            : root.TryGetProperty("properties", out _) && root.TryGetProperty("category", out _) ? "AKS"
            : "EKS";
    }

    internal static List<Verdict> ReplayAll()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var loaded = RuleLoader.LoadConfigured(options.Rules);
        Assert.True(loaded.Errors.Count == 0, string.Join(Environment.NewLine, loaded.Errors));
        var rules = new RuleSet(loaded.Rules);
        var policy = DefaultPolicy.Load();
        return [.. Cases().Select(c => Replay(c, rules, policy, options))];
    }

    internal static List<string> Table(List<Verdict> verdicts, Dictionary<string, string> reasons)
    {
        var rows = new List<string>
        {
            "| Panther rule | test | shape | Panther | ZtStream | principal | why they differ |",
            "|---|---|---|---|---|---|---|",
        };
        foreach (var v in verdicts)
        {
            var zt = v.Refused.Count > 0 ? $"refused: {string.Join("; ", v.Refused)}"
                : v.Alert is { } a ? $"{a.Score} {a.Severity} ({a.Reasons[0].Rule})"
                : "quiet";
            var why = v.Agrees ? "" : reasons.GetValueOrDefault(Key(v.Case), "**unexplained**");
            rows.Add($"| {v.Case.Rule} | {Cell(v.Case.Test)} | {v.Shape}{(v.WithoutId ? " (no id)" : "")} | {(v.Case.Expected ? "alert" : "quiet")} | {Cell(zt)} | {Cell(v.Principal)} | {Cell(why)} |");
        }

        var alerts = verdicts.Where(v => v.Case.Expected).ToList();
        var quiet = verdicts.Where(v => !v.Case.Expected).ToList();
        rows.Add(string.Create(CultureInfo.InvariantCulture,
            $"| **total** | {verdicts.Count} cases | {verdicts.Count(v => v.WithoutId)} without an id | {alerts.Count} alert, {quiet.Count} quiet | alerted {alerts.Count(v => v.Alerted)} of {alerts.Count}; quiet {quiet.Count(v => !v.Alerted && v.Refused.Count == 0)} of {quiet.Count}; refused {verdicts.Count(v => v.Refused.Count > 0)} | | {verdicts.Count(v => !v.Agrees)} differ |"));
        return rows;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    [Fact]
    public void Suite_EveryVerdictAsDocumented()
    {
        var verdicts = ReplayAll();
        var reasons = Reasons();
        var table = Table(verdicts, reasons);
        File.WriteAllLines(Path.Combine(Path.GetTempPath(), "ztstream-panther-k8s.md"), table);

        var doc = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "detection.md"));
        var start = doc.IndexOf(TableStart, StringComparison.Ordinal);
        var end = doc.IndexOf(TableEnd, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/detection.md has no panther-k8s table between its markers");
        var documented = doc[(start + TableStart.Length)..end].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(table, documented);
    }

    [Fact]
    public void Reasons_ExplainEveryDisagreement_AndNothingElse()
    {
        var verdicts = ReplayAll();
        var reasons = Reasons();
        var differing = verdicts.Where(v => !v.Agrees).Select(v => Key(v.Case)).ToHashSet(StringComparer.Ordinal);

        var unexplained = differing.Where(k => !reasons.ContainsKey(k)).ToList();
        var stale = reasons.Keys.Where(k => !differing.Contains(k)).ToList();
        Assert.True(unexplained.Count == 0, "no reason given: " + string.Join(Environment.NewLine, unexplained));
        Assert.True(stale.Count == 0, "ZtStream and Panther agree now: " + string.Join(Environment.NewLine, stale));
    }

    /// <summary>
    /// Panther's 403 rules alert at their tenth match (Threshold 10) and the table scores one record: the same refusal
    /// repeated ten times from one public address, as Panther would count it, is alerted on the caller. Ten requests are
    /// ten ids: the record as given, ten times, would be one request delivered ten times.
    /// </summary>
    [Theory]
    [InlineData("kubernetes/k8s_multiple_403_public_ip | EKS 403 from Public IP")]
    [InlineData("kubernetes/k8s_multiple_403_public_ip | AKS 403 from Public IP")]
    [InlineData("aws_eks/source_ip_multiple_403 | 403 and Public IP")]
    public void ThresholdCase_RepeatedAsPantherCountsIt_Alerted(string key)
    {
        var c = Cases().Single(x => Key(x) == key);
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options, DefaultPolicy.Load(), rules: new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(options.Rules).Rules)));
        var alerts = new List<Alert>();
        for (var i = 0; i < 10; i++)
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(WithId(c.Log, Shape(c.Log), $"panther-repeat-{i}")));
            foreach (var e in FalcoSuite.Readers["k8s-audit"](stream, new DateTimeOffset(2026, 1, 5, 10, 0, i, TimeSpan.Zero), s => Assert.Fail($"{s.Field}: {s.Reason}")))
            {
                if (engine.Score(e).Alert is { } a && a.Principal == e.PrincipalKey)
                {
                    alerts.Add(a);
                }
            }
        }

        Assert.Contains(alerts, a => a.Score >= options.AlertThreshold);
    }

    [Fact]
    public void Cases_EachNamedOnce()
    {
        var keys = Cases().Select(Key).ToList();

        Assert.True(keys.Count >= 200, $"{keys.Count} cases");
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }
}
