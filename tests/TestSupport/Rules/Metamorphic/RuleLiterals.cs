using YamlDotNet.RepresentationModel;

namespace ZtStream.TestSupport.Rules.Metamorphic;

/// <summary>
/// What a loaded rule set can tell apart in a name: every text value its rule, list and macro documents hold (not their
/// embedded tests' events), and the networks it names, grouped as its lists group them. A name that contains none of
/// these words and is contained in none of them is one no rule reads, so renaming it must not change a verdict.
/// </summary>
public sealed class RuleLiterals
{
    /// <summary>
    /// Words the formats of the names themselves reserve, which ZtStream's own parsers read wherever a rule does not:
    /// Kubernetes' <c>system:</c> users and groups (service accounts, nodes, anonymous), and the cloud identities behind
    /// a Kubernetes user (AWS ARNs, Google service-account e-mail domains). A real cluster cannot rename them either.
    /// </summary>
    private static readonly string[] FormatWords =
    [
        "system", "serviceaccount", "serviceaccounts", "node", "nodes", "anonymous", "authenticated", "unauthenticated", "masters",
        "arn", "aws", "iam", "sts", "role", "assumed", "user", "gserviceaccount", "com", "ip",
    ];

    private static readonly HashSet<string> Unread = new(StringComparer.Ordinal)
    {
        "tests", "test", "title", "description", "desc", "output", "author", "references", "falsepositives", "tags", "date",
        "modified", "license", "status", "rule", "id", "related", "notes", "why", "name",
    };

    private readonly List<string> words;

    private RuleLiterals(List<string> words, List<List<IPNetwork>> networks)
    {
        this.words = words;
        Networks = networks;
    }

    /// <summary>Networks the rules test addresses against, one group per list (an address keeps its group memberships).</summary>
    public IReadOnlyList<List<IPNetwork>> Networks { get; }

    public int Count => words.Count;

    /// <summary>The literals of rule files (every YAML document of each text: ZtStream's, Sigma's and Falco's formats alike).</summary>
    public static RuleLiterals Of(IEnumerable<string> ruleFiles)
    {
        var words = new HashSet<string>(FormatWords, StringComparer.OrdinalIgnoreCase);
        var networks = new List<List<IPNetwork>>();
        foreach (var text in ruleFiles)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            foreach (var document in stream.Documents)
            {
                Collect(document.RootNode, words, networks);
            }
        }

        return new RuleLiterals([.. words.Select(w => w.ToLowerInvariant())], networks);
    }

    /// <summary>True when some rule could tell <paramref name="atom"/> from another name: a literal holds it or it holds a literal.</summary>
    public bool Reads(string atom)
    {
        var a = atom.ToLowerInvariant();
        if (a.Length <= 2)
        {
            return true;
        }

        foreach (var w in words)
        {
            if (w.Contains(a, StringComparison.Ordinal) || (w.Length >= 2 && a.Contains(w, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The groups <paramref name="address"/> is in, as a key: a renamed address must be in the same ones.</summary>
    public string Membership(IPAddress address)
    {
        var key = new StringBuilder();
        foreach (var group in Networks)
        {
            key.Append(group.Exists(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)) ? '1' : '0');
        }

        return key.ToString();
    }

    private static void Collect(YamlNode? node, HashSet<string> words, List<List<IPNetwork>> networks)
    {
        switch (node)
        {
            case YamlMappingNode o:
                foreach (var (key, value) in o.Children)
                {
                    var name = (key as YamlScalarNode)?.Value ?? "";
                    words.Add(name);
                    // An embedded test's events are samples, and prose is for people: neither is what the rule reads.
                    if (!Unread.Contains(name))
                    {
                        Collect(value, words, networks);
                    }
                }

                break;
            case YamlSequenceNode a:
                var group = new List<IPNetwork>();
                foreach (var item in a.Children)
                {
                    if (item is YamlScalarNode { Value: { } s } && Network(s) is { } n)
                    {
                        group.Add(n);
                    }

                    Collect(item, words, networks);
                }

                if (group.Count > 0)
                {
                    networks.Add(group);
                }

                break;
            case YamlScalarNode { Value: { Length: > 0 } text }:
                if (!text.Contains(' ', StringComparison.Ordinal))
                {
                    words.Add(text);
                }

                // A Falco condition or a regular expression holds its words among operators: each counts.
                foreach (var part in text.Split([' ', '(', ')', ',', '"', '\'', '|', '^', '$', '[', ']', '\\', '\n', '*', '?', '+', '='], StringSplitOptions.RemoveEmptyEntries))
                {
                    words.Add(part);
                }

                if (Network(text) is { } single)
                {
                    networks.Add([single]);
                }

                break;
        }
    }

    private static IPNetwork? Network(string text) =>
        IPNetwork.TryParse(text, out var n) ? n
        : IPAddress.TryParse(text, out var a) && text.Contains(a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? '.' : ':', StringComparison.Ordinal)
            ? new IPNetwork(a, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128) : null;
}
