using YamlDotNet.RepresentationModel;

namespace ZtStream.TestSupport.Rules.Metamorphic;

/// <summary>
/// What each loaded rule reads, as the text of its detection: a ZtStream or Sigma rule's document without its tests and
/// prose, a Falco rule's condition and exceptions with the macros it uses, transitively. Enough to say whether a rule
/// reads a member of the audit event, under any of the names the adapter, the canonical event and Falco give it.
/// </summary>
public sealed class RuleFieldReads
{
    private static readonly HashSet<string> Prose = new(StringComparer.Ordinal)
    {
        "tests", "title", "description", "desc", "output", "author", "references", "falsepositives", "tags", "date", "modified", "license", "status", "related",
    };

    private readonly Dictionary<string, string> texts = new(StringComparer.Ordinal);

    /// <summary>The rules of rule files (every YAML document of each text: ZtStream's, Sigma's and Falco's formats alike).</summary>
    public RuleFieldReads(IEnumerable<string> ruleFiles)
    {
        foreach (var file in ruleFiles)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(file));
            var docs = stream.Documents.Select(d => d.RootNode).ToList();
            var falco = docs.OfType<YamlSequenceNode>().SelectMany(s => s.Children.OfType<YamlMappingNode>()).ToList();
            var macros = falco.Where(o => Scalar(o, "macro") is not null)
                .ToDictionary(o => Scalar(o, "macro")!, o => Scalar(o, "condition") ?? "", StringComparer.Ordinal);
            foreach (var rule in falco.Where(o => Scalar(o, "rule") is not null))
            {
                texts[Scalar(rule, "rule")!] = Expand(Scalar(rule, "condition") + " " + Text(Child(rule, "exceptions")), macros);
            }

            foreach (var doc in docs.OfType<YamlMappingNode>().Where(o => Scalar(o, "id") is not null))
            {
                texts[Scalar(doc, "id")!] = string.Join(" ", doc.Children
                    .Where(p => p.Key is YamlScalarNode { Value: { } key } && !Prose.Contains(key))
                    .Select(p => Text(p.Key) + " " + Text(p.Value)));
            }
        }
    }

    /// <summary>The rules' names (a Falco rule's) and ids (ZtStream's, Sigma's).</summary>
    public IEnumerable<string> Rules => texts.Keys;

    /// <summary>Whether rule <paramref name="id"/> reads a field under any of <paramref name="names"/>; true for a rule of unknown text.</summary>
    public bool Reads(string id, IEnumerable<string> names) =>
        !texts.TryGetValue(id, out var text) || names.Any(n => text.Contains(n, StringComparison.OrdinalIgnoreCase));

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    /// <summary>Every key and scalar under <paramref name="node"/>, space-separated.</summary>
    private static string Text(YamlNode? node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode a => string.Join(" ", a.Children.Select(Text)),
        YamlMappingNode o => string.Join(" ", o.Children.Select(p => Text(p.Key) + " " + Text(p.Value))),
        _ => "",
    };

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
