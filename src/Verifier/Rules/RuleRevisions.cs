using System.Security.Cryptography;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// A rule's revision: the first 12 hex digits of a SHA-256 over everything that decides what the rule matches and
/// says, so an alert names the text that raised it and a reload can tell a changed rule from an unchanged one. Made of
/// parsed values, never of the file's bytes: a comment, a blank line, indentation, quoting style or another rule in the
/// same file leaves it as it was; a changed value anywhere in the rule, or in a list, macro, filter or correlated rule it
/// uses, changes it. Same input, same revision, in every process and on every machine (no seeded hashing).
/// </summary>
internal static class RuleRevisions
{
    /// <summary>Hex digits kept: 48 bits, ample to tell one rule's revisions apart.</summary>
    public const int Length = 12;

    /// <summary>A digest of ordered parts, each length-prefixed so no two different lists of parts read alike.</summary>
    public static string Of(IEnumerable<string> parts) => Full(parts)[..Length];

    /// <summary>
    /// A rule document's digest: its values as parsed, in any order of keys, <paramref name="skip"/> keys of the top
    /// level left out (<c>enabled</c>: turning a rule on or off is its own kind of change, not a new revision). Each node
    /// is digested once, so YAML aliases that repeat a node many times cost no more than the node.
    /// </summary>
    public static string Document(YamlMappingNode doc, params string[] skip)
    {
        var memo = new Dictionary<YamlNode, string>(ReferenceEqualityComparer.Instance);
        return Map(doc.Children
            .Where(kv => !(kv.Key is YamlScalarNode { Value: { } key } && skip.Contains(key, StringComparer.Ordinal)))
            .Select(kv => (Node(kv.Key, memo), Node(kv.Value, memo))));
    }

    /// <summary>The value lists a rule uses, by name, sorted by name: what a placeholder named expands to.</summary>
    public static IEnumerable<string> Lists(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> used) =>
        used.OrderBy(l => l.Key, StringComparer.Ordinal).SelectMany(l => (IEnumerable<string>)["list", l.Key, l.Value.Count.ToString(CultureInfo.InvariantCulture), .. l.Value]);

    /// <summary>
    /// A node's digest from its children's, without recursion: a document may nest as deep as its parser allows (an
    /// embedded test's event thousands of levels deep), and a digest must not take the loader's stack with it.
    /// </summary>
    private static string Node(YamlNode root, Dictionary<YamlNode, string> memo)
    {
        var open = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(YamlNode Node, bool ChildrenDone)>();
        stack.Push((root, false));
        while (stack.TryPop(out var top))
        {
            var (node, childrenDone) = top;
            if (memo.ContainsKey(node))
            {
                continue;
            }

            var children = node switch
            {
                YamlSequenceNode seq => seq.Children,
                YamlMappingNode map => map.Children.SelectMany(kv => (IEnumerable<YamlNode>)[kv.Key, kv.Value]),
                _ => [],
            };
            if (!childrenDone && children.Any())
            {
                open.Add(node);
                stack.Push((node, true));
                foreach (var child in children)
                {
                    // A node that contains itself through an alias is digested as such, not followed for ever.
                    if (!memo.ContainsKey(child) && !open.Contains(child))
                    {
                        stack.Push((child, false));
                    }
                }

                continue;
            }

            open.Remove(node);
            memo[node] = node switch
            {
                // Plain and quoted differ: a plain null or true is not the text 'null' or 'true'.
                YamlScalarNode s => Full([s.Style is ScalarStyle.Plain or ScalarStyle.Any ? "plain" : "text", s.Value ?? ""]),
                YamlSequenceNode seq => Full(["seq", .. seq.Children.Select(c => Known(c, memo))]),
                YamlMappingNode map => Map(map.Children.Select(kv => (Known(kv.Key, memo), Known(kv.Value, memo)))),
                _ => Full(["other", node.GetType().Name]),
            };
        }

        return memo[root];
    }

    private static string Known(YamlNode node, Dictionary<YamlNode, string> memo) => memo.GetValueOrDefault(node, "cycle");

    /// <summary>A map's entries in the order of their keys' digests: YAML maps are unordered, so moving a key is no change.</summary>
    private static string Map(IEnumerable<(string Key, string Value)> entries) =>
        Full(["map", .. entries.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => (IEnumerable<string>)[kv.Key, kv.Value])]);

    private static string Full(IEnumerable<string> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
