using ZtStream.Verifier.Tests.Rules.Falco;

namespace ZtStream.Verifier.Tests.Rules.Metamorphic;

/// <summary>A rule set and the Kubernetes audit events it is judged on, by name.</summary>
internal sealed record AuditCorpus(string Name, IReadOnlyList<RuleSource> Sources, IReadOnlyList<Rule> Rules, IReadOnlyList<JsonObject> Events)
{
    private static readonly string TestData = Path.Combine(AppContext.BaseDirectory, "TestData");

    public static readonly string[] Names = ["falco-0.5.0", "falco-head", "sigma", "library", "library-tests"];

    public static AuditCorpus Get(string name)
    {
        List<RuleSource> sources = name switch
        {
            "falco-0.5.0" => [Source(FalcoTestData.RulesFile(FalcoTestData.Rules050))],
            "falco-head" => [Source(FalcoTestData.RulesFile(FalcoTestData.RulesHead))],
            "sigma" => [.. Directory.GetFiles(Path.Combine(TestData, "sigma-k8s-audit"), "*.yml").Order(StringComparer.Ordinal).Select(f => new RuleSource(f, File.ReadAllText(f)))],
            _ => [.. RuleLoader.Builtin()],
        };
        var loaded = RuleLoader.Load(sources, RuleLoader.Formats);
        Assert.True(loaded.Errors.Count == 0, string.Join(Environment.NewLine, loaded.Errors));
        var rules = loaded.Rules.Where(r => r.Kinds.Count == 0 || r.Kinds.Contains(EventKinds.K8sAudit)).ToList();
        List<JsonObject> events = name switch
        {
            "falco-0.5.0" => Traces(),
            "library-tests" => LibraryTests(rules),
            // The evaluation set alone: a recording of one cluster, in time order as replay and backtest expect it.
            "eval" => [.. AuditEventFiles.Lines(Path.Combine(TestData, "k8s-audit-eval", "events.jsonl"))],
            _ => [.. Traces(), .. AuditEventFiles.Lines(Path.Combine(TestData, "k8s-audit-eval", "events.jsonl"))],
        };
        return new AuditCorpus(name, sources, rules, events);
    }

    private static List<JsonObject> Traces() => AuditEventFiles.FalcoTraces(Path.Combine(FalcoTestData.Folder, "traces"));

    /// <summary>The audit events of the built-in Kubernetes rules' own tests (matches and non-matches), each id once.</summary>
    private static List<JsonObject> LibraryTests(List<Rule> rules) =>
        [.. rules.SelectMany(r => r.Tests).Where(t => t.Input.Format == K8sAuditMapper.SourceName)
            .SelectMany(t => Unwrap(JsonNode.Parse(t.Input.Json)))
            .Where(e => e["auditID"] is not null)
            .DistinctBy(e => e["auditID"]!.ToJsonString())];

    private static IEnumerable<JsonObject> Unwrap(JsonNode? node) => node switch
    {
        JsonArray a => a.SelectMany(Unwrap),
        JsonObject o when o["items"] is JsonArray items => items.SelectMany(Unwrap),
        JsonObject o when o["kind"]?.GetValue<string>() == "Event" => [(JsonObject)o.DeepClone()],
        _ => [],
    };

    private static RuleSource Source((string Path, string Text) file) => new(file.Path, file.Text);
}
