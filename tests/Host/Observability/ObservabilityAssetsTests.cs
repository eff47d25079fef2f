using System.Diagnostics;
using ZtStream.Host.Tests.Deployment;

namespace ZtStream.Host.Tests.Observability;

/// <summary>
/// The Grafana dashboard and the Prometheus alerting rules shipped in infra/: the dashboard is a well-formed Grafana
/// dashboard model, the rules pass <c>promtool check rules</c> and their unit tests, every PromQL expression in
/// either names only series ZtStream exports, and docs/operations.md documents every series.
/// </summary>
public sealed partial class ObservabilityAssetsTests
{
    private static readonly string[] PanelTypes = ["row", "timeseries", "stat", "heatmap"];
    private static string Root => ComposeConsistencyTests.RepositoryRoot();

    [Fact]
    public void Dashboard_IsAGrafanaDashboardModel()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "infra", "grafana", "ztstream.json")));
        var dashboard = document.RootElement;

        Assert.Equal("ZtStream", dashboard.GetProperty("title").GetString());
        Assert.Matches("^[a-z0-9-]{1,40}$", dashboard.GetProperty("uid").GetString());
        Assert.True(dashboard.GetProperty("schemaVersion").GetInt32() >= 36);
        var variables = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
        var panels = dashboard.GetProperty("panels").EnumerateArray().ToList();
        Assert.True(panels.Count >= 10);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var placed = new List<(int X, int Y, int W, int H, string Title)>();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString()!;
            Assert.Contains(panel.GetProperty("type").GetString(), PanelTypes);
            var grid = panel.GetProperty("gridPos");
            var (x, y, w, h) = (grid.GetProperty("x").GetInt32(), grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
            Assert.True(x >= 0 && w > 0 && x + w <= 24 && h > 0 && y >= 0, $"panel '{title}' lies outside the 24-column grid");
            Assert.DoesNotContain(placed, o => x < o.X + o.W && o.X < x + w && y < o.Y + o.H && o.Y < y + h);
            placed.Add((x, y, w, h, title));
            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }

            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            Assert.Equal(targets.Count, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
            Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"panel '{title}' has a query without PromQL"));
        }
    }

    [Fact]
    public void DashboardAndRules_NameOnlySeriesZtStreamExports()
    {
        var exported = ExportedSeries.Names;
        var used = DashboardExpressions().Concat(RuleExpressions())
            .SelectMany(e => SeriesName().Matches(e).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(exported.ContainsKey(name), $"{name} is not a series ZtStream exports; it exports: {string.Join(", ", exported.Keys.Order())}"));
        // The series the rules alert on are all there: lag, dead letters, failed actions, SSF outbox, feed subscribers.
        Assert.Superset(
            new HashSet<string>(["ztstream_eventlog_consumer_lag", "ztstream_eventlog_dead_lettered_total", "ztstream_responder_actions_total", "ztstream_responder_ssf_outbox_depth", "ztstream_responder_feed_subscribers"]),
            RuleExpressions().SelectMany(e => SeriesName().Matches(e).Select(m => m.Value)).ToHashSet());
    }

    [Fact]
    public void ExportedSeries_AreNamedAsTheScrapeShowsThem() =>
        Assert.Superset(
            new HashSet<string>(["ztstream_eventlog_consumer_lag", "ztstream_verifier_checkpoint_age_seconds", "ztstream_responder_actions_total", "ztstream_verifier_score_bucket", "ztstream_responder_feed_subscribers", "ztstream_ingest_events_accepted_total"]),
            ExportedSeries.Names.Keys.ToHashSet());

    [Fact]
    public void OperationsDoc_DocumentsEverySeries()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "operations.md"));

        Assert.All(ExportedSeries.Bases, name => Assert.True(doc.Contains($"`{name}`", StringComparison.Ordinal), $"docs/operations.md does not document {name}"));
    }

    [Fact]
    public async Task Rules_PassPromtoolCheckAndTheirUnitTests()
    {
        var ct = Ct;
        var folder = Path.Combine(Root, "infra", "prometheus");
        var check = await PromtoolAsync(folder, ["check", "rules", "rules.yml"], ct);
        var test = await PromtoolAsync(folder, ["test", "rules", "rules.test.yml"], ct);

        Assert.True(check.Code == 0, check.Output);
        Assert.Contains("SUCCESS: 11 rules found", check.Output, StringComparison.Ordinal);
        Assert.True(test.Code == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    private static IEnumerable<string> DashboardExpressions()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "infra", "grafana", "ztstream.json")));
        return document.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
    }

    private static List<string> RuleExpressions()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "infra", "prometheus", "rules.yml"));
        yaml.Load(reader);
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
        return [.. groups.Cast<YamlMappingNode>()
            .SelectMany(g => ((YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>())
            .Select(r => ((YamlScalarNode)r["expr"]).Value!)];
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(string folder, string[] args, CancellationToken ct)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);
        if (promtool is null)
        {
            ServiceRequirement.Unavailable("promtool", "install Debian's prometheus package (.ci/run does)");
        }

        var info = new ProcessStartInfo(promtool!) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"\bztstream_[a-z0-9_]+")]
    private static partial Regex SeriesName();
}
