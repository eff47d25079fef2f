namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>The Falco rules files shipped with the tests, and events built the way Ingest keeps them (the audit Event on Raw).</summary>
internal static class FalcoTestData
{
    public const string Rules050 = "k8s_audit_rules.k8saudit-0.5.0.yaml";
    public const string RulesHead = "k8s_audit_rules.plugins-HEAD.yaml";
    public const string RulesGke = "k8s_audit_rules_gke.plugins-HEAD.yaml";
    public const string RulesOkta = "okta_rules.plugins-HEAD.yaml";

    public static string Folder => FalcoSuite.Folder() ?? throw new InvalidOperationException("the Falco k8s-audit test data is missing");

    public static (string Path, string Text) RulesFile(string name)
    {
        var path = Path.Combine(Folder, "rules", name);
        return (path, File.ReadAllText(path));
    }

    public static RuleLoadResult Load(params (string Path, string Text)[] files) => FalcoRuleLoader.Load(files);

    /// <summary>Loads inline rules text as one file named <paramref name="name"/>; asserts it loads without errors.</summary>
    public static IReadOnlyList<Rule> LoadClean(string yaml, string name = "inline.yaml")
    {
        var result = Load((name, yaml));
        Assert.True(result.Errors.Count == 0, string.Join(Environment.NewLine, result.Errors));
        return result.Rules;
    }

    public static Rule Single(string yaml) => Assert.Single(LoadClean(yaml));

    /// <summary>
    /// One Falco rule of <paramref name="source"/>, named <paramref name="name"/>, with <paramref name="condition"/> and
    /// <paramref name="output"/> (quoted for YAML), ending in a line break so that rules join into one file.
    /// </summary>
    public static string RuleText(string source, string condition, string output, string name = "R") => $"""
        - rule: {name}
          desc: d
          condition: {condition}
          output: "{output.Replace("\"", "\\\"", StringComparison.Ordinal)}"
          priority: WARNING
          source: {source}

        """;

    /// <summary>The events the reader of <paramref name="format"/> maps from <paramref name="payload"/>, as <c>ztstream replay --format</c> reads them, for rules to read.</summary>
    public static List<RuleEvent> IdpRuleEvents(string format, string payload) => [.. IdpRecords.MapAll(format, payload).Select(e => new RuleEvent(e))];

    /// <summary>The words of a rule's output one blank apart: its line breaks and runs of blanks folded.</summary>
    public static string Words(string text) => string.Join(' ', text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>An audit event as Ingest stores it: kind k8s.audit, the audit.k8s.io Event on Raw.</summary>
    public static RuleEvent Event(string json, DateTimeOffset? time = null) => Event(JsonDocument.Parse(json).RootElement, time);

    public static RuleEvent Event(JsonElement raw, DateTimeOffset? time = null) => new(new AccessEvent
    {
        Id = raw.TryGetProperty("auditID", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : Guid.NewGuid().ToString("N"),
        Time = time ?? EventTime(raw),
        Kind = EventKinds.K8sAudit,
        Raw = raw,
    });

    public static bool Matches(Rule rule, string json) => rule.Condition.Matches(Event(json));

    public static string Render(Rule rule, string json) => ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(json));

    /// <summary>Every event of a regression trace (one audit Event per line).</summary>
    public static List<RuleEvent> Trace(string traceFile)
    {
        var events = new List<RuleEvent>();
        foreach (var line in File.ReadLines(Path.Combine(Folder, "traces", traceFile)))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                events.Add(Event(JsonDocument.Parse(line).RootElement));
            }
        }

        return events;
    }

    private static DateTimeOffset EventTime(JsonElement raw)
    {
        if (raw.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in new[] { "stageTimestamp", "requestReceivedTimestamp", "timestamp" })
            {
                if (raw.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(t.GetString(), out var time))
                {
                    return time;
                }
            }
        }

        return DateTimeOffset.UnixEpoch.AddYears(50);
    }
}
