namespace ZtStream.Verifier.Runtime;

/// <summary>What a runtime alert said: the tool's rule, its priority, and the ATT&amp;CK ids its tags name.</summary>
internal sealed record RuntimeFinding(string Rule, string Priority, int Score, IReadOnlyList<string> Techniques, IReadOnlyList<string> Tactics, string? Output);

/// <summary>
/// Scores <c>runtime.alert</c> events (Falco, a Tetragon policy's event, or any runtime tool that sends Falco's fields): the priority sets the band
/// — Emergency, Alert, Critical → critical; Error → high; Warning (or no priority) → medium; Notice and below → nothing,
/// unless a rule says so — the reason names the tool's rule, and the rule's tags give the techniques (<c>T1059</c>) and
/// tactics (<c>mitre_execution</c>). Fields are read from the adapter's attributes, else from the original alert (<c>raw</c>).
/// </summary>
internal static class RuntimeDetector
{
    public const int CriticalScore = 95;
    public const int ErrorScore = 80;
    public const int WarningScore = 65;
    private const int OutputShown = 240;

    /// <summary>A Tetragon policy's event (Ingest's Tetragon adapter): its policy, tags and message.</summary>
    private const string TetragonPolicy = "tetragon.policy", TetragonTags = "tetragon.tags", TetragonMessage = "tetragon.message";

    /// <summary>The finding of a runtime alert, or null when the event is not one or its priority raises nothing.</summary>
    public static RuntimeFinding? Read(AccessEvent e)
    {
        if (!string.Equals(e.Kind, EventKinds.RuntimeAlert, StringComparison.Ordinal))
        {
            return null;
        }

        var rule = Text(e, "falco.rule", "rule") ?? e.Action ?? "runtime alert";
        var priority = Text(e, "falco.priority", "priority") ?? "Warning";
        var score = ScoreOf(priority);
        if (score == 0)
        {
            return null;
        }

        List<string>? techniques = null, tactics = null;
        if ((Element(e, "falco.tags", "tags") ?? Element(e, TetragonTags, TetragonTags)) is { ValueKind: JsonValueKind.Array } tags)
        {
            foreach (var tag in tags.EnumerateArray())
            {
                if (tag.ValueKind != JsonValueKind.String || tag.GetString() is not { } text)
                {
                    continue;
                }

                if (AttackTags.Technique(text) is { } technique)
                {
                    AddOnce(techniques ??= [], technique);
                }
                else if (AttackTags.Tactic(text) is { } tactic)
                {
                    AddOnce(tactics ??= [], tactic);
                }
            }
        }

        techniques?.Sort(StringComparer.Ordinal);
        tactics?.Sort(StringComparer.Ordinal);
        return new RuntimeFinding(rule, priority, score, techniques ?? [], tactics ?? [], Text(e, "falco.output", "output") ?? Text(e, TetragonMessage, TetragonMessage));
    }

    /// <summary>The contribution of a finding on <paramref name="e"/>: detector <c>runtime</c>, rule = the tool's rule name.</summary>
    public static Contribution Contribution(AccessEvent e, RuntimeFinding f)
    {
        var output = f.Output is { Length: > OutputShown } o ? string.Concat(o.AsSpan(0, OutputShown), "…") : f.Output;
        var tool = e.Attributes?.ContainsKey(TetragonPolicy) == true ? "Tetragon policy" : "Falco rule";
        var text = $"{tool} \"{f.Rule}\" ({f.Priority}) on {Describe(e)}" + (output is null ? string.Empty : ": " + output);
        return new Contribution(Detectors.Runtime, f.Rule, f.Score, text) { Techniques = f.Techniques, Tactics = f.Tactics };
    }

    /// <summary>
    /// Falco's priorities, case-insensitive (rules files write them upper-case, the JSON output capitalised, gRPC output
    /// upper-case), and the syslog short forms pipelines rewrite them to (<c>emerg</c>, <c>crit</c>, <c>err</c>).
    /// </summary>
    public static int ScoreOf(string priority) => priority.ToUpperInvariant() switch
    {
        "EMERGENCY" or "EMERG" or "ALERT" or "CRITICAL" or "CRIT" => CriticalScore,
        "ERROR" or "ERR" => ErrorScore,
        "NOTICE" or "INFORMATIONAL" or "INFO" or "DEBUG" => 0,
        // Warning, and a priority this build does not know: a runtime alert is never quietly ignored.
        _ => WarningScore,
    };

    /// <summary>
    /// Who the alert is on: the actor of a plugin source's alert (Kubernetes audit, CloudTrail, Okta, GitHub), else the workload.
    /// </summary>
    public static string Describe(AccessEvent e) => e.Subject is { Id: { Length: > 0 } id } subject
        ? (subject.Type == "service_account" ? "service account " : "user ") + id
        : Describe(e.Workload);

    public static string Describe(Workload? w) => w switch
    {
        null => "an unnamed workload",
        { Name: not null, Namespace: not null } when w.Id.StartsWith(w.Namespace + "/", StringComparison.Ordinal) => "pod " + w.Id,
        _ => "workload " + w.Id,
    };

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }

    private static string? Text(AccessEvent e, string attribute, string rawField) =>
        Element(e, attribute, rawField) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    private static JsonElement? Element(AccessEvent e, string attribute, string rawField)
    {
        if (e.Attributes is { } a && a.TryGetValue(attribute, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            return value;
        }

        return e.Raw is { ValueKind: JsonValueKind.Object } raw && raw.TryGetProperty(rawField, out var r) && r.ValueKind != JsonValueKind.Null ? r : null;
    }
}
