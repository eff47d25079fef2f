namespace ZtStream.Verifier.Tests.Rules.Metamorphic;

/// <summary>
/// What each loaded rule reads, as the text of its detection: a ZtStream or Sigma rule's document without its tests and
/// prose, a Falco rule's condition and exceptions with the macros it uses, transitively. Enough to say whether a rule
/// reads a member of the audit event, under any of the names the adapter, the canonical event and Falco give it.
/// </summary>
internal sealed class RuleFieldReads
{
    private static readonly HashSet<string> Prose = new(StringComparer.Ordinal)
    {
        "tests", "title", "description", "desc", "output", "author", "references", "falsepositives", "tags", "date", "modified", "license", "status", "related",
    };

    private readonly Dictionary<string, string> texts = new(StringComparer.Ordinal);

    public RuleFieldReads(IEnumerable<RuleSource> sources)
    {
        foreach (var source in sources)
        {
            var docs = RuleYaml.Documents(source.Text).Select(d => JsonNode.Parse(RuleYaml.ToJson(d.RootNode))).ToList();
            var macros = docs.OfType<JsonArray>().SelectMany(a => a.OfType<JsonObject>())
                .Where(o => o["macro"] is not null).ToDictionary(o => o["macro"]!.ToString(), o => o["condition"]?.ToString() ?? "", StringComparer.Ordinal);
            foreach (var doc in docs)
            {
                if (doc is JsonArray falco)
                {
                    foreach (var rule in falco.OfType<JsonObject>().Where(o => o["rule"] is not null))
                    {
                        texts[rule["rule"]!.ToString()] = Expand((rule["condition"]?.ToString() ?? "") + " " + rule["exceptions"]?.ToJsonString(), macros);
                    }
                }
                else if (doc is JsonObject o && o["id"] is { } id)
                {
                    texts[id.ToString()] = string.Join(" ", o.Where(p => !Prose.Contains(p.Key)).Select(p => p.Key + " " + p.Value?.ToJsonString()));
                }
            }
        }
    }

    /// <summary>Whether rule <paramref name="id"/> reads a field under any of <paramref name="names"/>; true for a rule of unknown text.</summary>
    public bool Reads(string id, IEnumerable<string> names) =>
        !texts.TryGetValue(id, out var text) || names.Any(n => text.Contains(n, StringComparison.OrdinalIgnoreCase));

    private static string Expand(string condition, Dictionary<string, string> macros)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new StringBuilder(condition);
        var pending = new Queue<string>([condition]);
        while (pending.TryDequeue(out var text))
        {
            foreach (var word in text.Split([' ', '(', ')', ',', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (macros.TryGetValue(word, out var body) && seen.Add(word))
                {
                    result.Append(' ').Append(body);
                    pending.Enqueue(body);
                }
            }
        }

        return result.ToString();
    }
}
