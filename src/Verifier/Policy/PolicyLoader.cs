using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ZtStream.Verifier.Policy;

/// <summary>Reads a zero-trust policy file, resolving <c>extends</c>: maps merge, lists append, scalars of the later file win.</summary>
internal static class PolicyLoader
{
    // A key given twice is refused, not resolved: the second would silently win over what the first said.
    private static readonly IDeserializer Untyped = new DeserializerBuilder().WithDuplicateKeyChecking().Build();

    private static readonly ISerializer Writer = new SerializerBuilder().Build();

    private static readonly IDeserializer Typed = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    public static ZeroTrustPolicy LoadFile(string path)
    {
        var merged = LoadMerged(Path.GetFullPath(path), []);
        return Build(merged, path);
    }

    public static ZeroTrustPolicy Parse(string yaml) => Build(ReadTree(yaml, "(inline)"), "(inline)");

    private static Dictionary<object, object?> ReadTree(string yaml, string name)
    {
        object? tree;
        try
        {
            tree = Untyped.Deserialize<object?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new PolicyException($"policy {name}: line {YamlErrors.Line(ex)}: {YamlErrors.Reason(ex)}", ex);
        }

        // An empty file is an empty policy; a list or a single value at the top is a mistake, never read as one.
        return tree switch
        {
            null => [],
            Dictionary<object, object?> map => map,
            _ => throw new PolicyException(
                $"policy {name}: the top level is {(tree is List<object?> ? "a list" : "a single value")}; a policy is a map of keys (version, extends, data_classes, segmentation, tokens, protected_resources, kubernetes)"),
        };
    }

    private static ZeroTrustPolicy Build(Dictionary<object, object?> tree, string name)
    {
        tree.Remove("extends");
        if (tree.TryGetValue("kubernetes", out var k8s) && k8s is Dictionary<object, object?> section)
        {
            var moved = section.Keys.OfType<string>().Where(KubernetesPolicy.Replaced.ContainsKey)
                .Select(key => $"kubernetes.{key} is no longer a policy key: it is {KubernetesPolicy.Replaced[key]}").ToList();
            if (moved.Count > 0)
            {
                throw new PolicyException($"policy {name} is invalid: {string.Join("; ", moved)}");
            }
        }

        ZeroTrustPolicy policy;
        var merged = Writer.Serialize(tree);
        try
        {
            policy = Typed.Deserialize<ZeroTrustPolicy?>(merged) ?? new ZeroTrustPolicy();
        }
        catch (YamlException ex)
        {
            // The typed pass reads the merged tree, not the file: its line numbers mean nothing to the operator, so the
            // error names the key (and the value the merged tree holds there) instead.
            var at = KeyAt(merged, (int)ex.Start.Line);
            throw new PolicyException($"policy {name}: {(at is null ? "" : at + ": ")}{YamlErrors.Reason(ex)}", ex);
        }

        var problems = PolicyValidator.Validate(policy);
        return problems.Count == 0 ? policy : throw new PolicyException($"policy {name} is invalid: {string.Join("; ", problems)}");
    }

    /// <summary><paramref name="chain"/>: the files that extend this one, outermost first, named in an error.</summary>
    private static Dictionary<object, object?> LoadMerged(string path, List<string> chain)
    {
        if (chain.Contains(path, StringComparer.Ordinal) || chain.Count > 8)
        {
            var why = chain.Count > 8 ? "nests deeper than 8 files" : "comes back to a file it started from";
            throw new PolicyException($"policy {chain[0]}: 'extends' {why}: {string.Join(" → ", chain.Append(path))}");
        }

        if (!File.Exists(path))
        {
            throw new PolicyException($"policy file {path} does not exist");
        }

        string text;
        try
        {
            text = UserFiles.ReadText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"policy {Named(path, chain)} cannot be read: {ex.Message}", ex);
        }

        var own = ReadTree(text, Named(path, chain));

        var result = new Dictionary<object, object?>();
        if (own.TryGetValue("extends", out var ext))
        {
            var bases = ext switch
            {
                string s => [s],
                List<object?> l when l.All(o => o is string) => l.Cast<string>().ToList(),
                _ => throw new PolicyException($"policy {path}: 'extends' must be a file name or a list of them"),
            };
            for (var i = 0; i < bases.Count; i++)
            {
                Merge(result, LoadMerged(Base(path, bases[i], ext is string ? "extends" : $"extends[{i}]"), [.. chain, path]));
            }
        }

        own.Remove("extends");
        Merge(result, own);
        return result;
    }

    /// <summary>A file of the chain, with the file that extends it: the operator named that one, maybe not this.</summary>
    private static string Named(string path, List<string> chain) => chain.Count == 0 ? path : $"{path} (extended by {chain[^1]})";

    /// <summary>
    /// The dotted key of 1-based <paramref name="line"/> in <paramref name="yaml"/> as the serializer writes it (block
    /// style, a list item's keys two columns right of its dash), each list with the index of the item on the way
    /// (<c>data_classes[1].read.subjects</c>), and the text the line holds; null past the end.
    /// </summary>
    private static string? KeyAt(string yaml, int line)
    {
        var lines = yaml.Split('\n');
        if (line < 1 || line > lines.Length)
        {
            return null;
        }

        var keys = new List<string>();
        var indent = int.MaxValue;
        // The dash column of the list item the path runs through, and how many items come before it.
        var (itemDash, items) = (-1, 0);
        for (var i = line - 1; i >= 0; i--)
        {
            var content = lines[i].TrimStart(' ');
            var column = lines[i].Length - content.Length;
            if (content.StartsWith('-') && (content.Length == 1 || content[1] == ' '))
            {
                if (column == itemDash)
                {
                    items++;
                    continue;
                }

                if (column >= indent || itemDash >= 0)
                {
                    continue;
                }

                (itemDash, items) = (column, 0);
                (content, column) = (content[1..].TrimStart(' '), column + 2);
            }
            else if (itemDash >= 0 && column <= itemDash)
            {
                // The key that holds the list: the serializer writes its items at its own column.
                var key = content.IndexOf(':', StringComparison.Ordinal) is > 0 and var end ? content[..end] : content;
                keys.Add($"{key}[{items}]");
                (indent, itemDash) = (column, -1);
                continue;
            }

            var colon = content.IndexOf(':', StringComparison.Ordinal);
            if (column < indent && colon > 0)
            {
                keys.Add(content[..colon]);
                indent = column;
            }
        }

        keys.Reverse();
        return $"{string.Join('.', keys)} ('{lines[line - 1].Trim()}')";
    }

    /// <summary>The file <paramref name="name"/> (relative to <paramref name="path"/>) names, or why it names none.</summary>
    private static string Base(string path, string name, string key)
    {
        string full;
        try
        {
            full = Path.GetFullPath(name, Path.GetDirectoryName(path)!);
        }
        catch (ArgumentException)
        {
            throw new PolicyException($"policy {path}: {key} '{Shortened(name)}' is not a file name");
        }

        return File.Exists(full) ? full : throw new PolicyException($"policy {path}: {key} '{Shortened(name)}' names no file ({Shortened(full)} does not exist)");
    }

    private static string Shortened(string s) => s.Length <= 200 ? s : s[..200] + "…";

    private static void Merge(Dictionary<object, object?> into, Dictionary<object, object?> from)
    {
        foreach (var (k, v) in from)
        {
            if (into.TryGetValue(k, out var existing))
            {
                if (existing is Dictionary<object, object?> a && v is Dictionary<object, object?> b)
                {
                    Merge(a, b);
                    continue;
                }

                if (existing is List<object?> la && v is List<object?> lb)
                {
                    la.AddRange(lb);
                    continue;
                }
            }

            into[k] = v;
        }
    }
}

internal sealed class PolicyException(string message, Exception? inner = null) : Exception(message, inner);

internal static class PolicyValidator
{
    /// <summary>
    /// Every problem of <paramref name="p"/>, each naming its key. A section or list written with no value (<c>tokens:</c>)
    /// is read as its default, as if it were left out; an item written with no value is a problem, never skipped.
    /// </summary>
    public static List<string> Validate(ZeroTrustPolicy p)
    {
        var problems = new List<string>();
        p.DataClasses ??= [];
        p.Segmentation ??= new SegmentationPolicy();
        p.Segmentation.Rules ??= [];
        p.Tokens ??= new TokenPolicy();
        p.ProtectedResources ??= [];
        p.Kubernetes ??= new KubernetesPolicy();

        if (p.Version != 1)
        {
            problems.Add($"version {p.Version} is not a policy format this ZtStream reads (it reads version 1)");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (dc, _, key) in Items(p.DataClasses, "data_classes", problems))
        {
            if (string.IsNullOrWhiteSpace(dc.Name))
            {
                problems.Add($"{key}.name is empty");
            }
            else if (!names.Add(dc.Name))
            {
                problems.Add($"{key}.name '{dc.Name}' is listed twice");
            }

            Entries(dc.Read, $"{key}.read", problems);
            Entries(dc.Write, $"{key}.write", problems);
        }

        if (p.Segmentation.Default is not ("allow" or "deny"))
        {
            problems.Add($"segmentation.default must be 'allow' or 'deny', not '{p.Segmentation.Default}'");
        }

        var froms = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (rule, i, key) in Items(p.Segmentation.Rules, "segmentation.rules", problems))
        {
            if (string.IsNullOrWhiteSpace(rule.From))
            {
                problems.Add($"{key}.from is empty");
            }
            else if (!froms.TryAdd(rule.From, i))
            {
                // One rule per calling namespace: a second would replace the first, whose 'to' would then not apply.
                problems.Add($"{key}.from '{rule.From}' is listed twice (also rules[{froms[rule.From]}]): list every namespace it may call in one rule");
            }

            rule.To ??= [];
            Entries(rule.To, $"{key}.to", problems);
        }

        if (p.Tokens.ExpiryGraceSeconds < 0)
        {
            problems.Add("tokens.expiry_grace_seconds must not be negative");
        }

        foreach (var (resource, _, key) in Items(p.ProtectedResources, "protected_resources", problems))
        {
            if (string.IsNullOrWhiteSpace(resource.Id))
            {
                problems.Add($"{key}.id is empty");
            }
            else
            {
                Pattern(resource.Id, $"{key}.id", problems);
            }

            Entries(resource.Allow, $"{key}.allow", problems);
        }

        Entries(p.Kubernetes.ExecAllowed, "kubernetes.exec_allowed", problems);
        return problems;
    }

    /// <summary>
    /// The items of a policy list with their index and key (<c>data_classes[2]</c>); an item written with no value
    /// (a bare <c>-</c>) is reported as empty, never checked further nor skipped without a word.
    /// </summary>
    private static IEnumerable<(T Item, int Index, string Key)> Items<T>(List<T> list, string key, List<string> problems)
        where T : class
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is { } item)
            {
                yield return (item, i, $"{key}[{i}]");
            }
            else
            {
                problems.Add($"{key}[{i}] is empty");
            }
        }
    }

    private static void Entries(PrincipalSet? set, string key, List<string> problems)
    {
        if (set is not null)
        {
            Entries(set.Subjects, key + ".subjects", problems);
            Entries(set.ServiceAccounts, key + ".service_accounts", problems);
            Entries(set.Workloads, key + ".workloads", problems);
            Entries(set.Namespaces, key + ".namespaces", problems);
        }
    }

    /// <summary>An empty entry would match nothing while reading as if it allowed someone: refused.</summary>
    private static void Entries(List<string>? list, string key, List<string> problems)
    {
        for (var i = 0; list is not null && i < list.Count; i++)
        {
            if (string.IsNullOrEmpty(list[i]))
            {
                problems.Add($"{key}[{i}] is empty");
            }
            else
            {
                Pattern(list[i], $"{key}[{i}]", problems);
            }
        }
    }

    /// <summary>
    /// Only a trailing <c>*</c> matches (by prefix); one anywhere else is a literal character, so the entry would match
    /// nobody while reading as if it matched many: refused.
    /// </summary>
    private static void Pattern(string entry, string key, List<string> problems)
    {
        if (entry.IndexOf('*', StringComparison.Ordinal) is >= 0 and var star && star < entry.Length - 1)
        {
            problems.Add($"{key} '{entry}' has a '*' before its end: only a trailing '*' matches (by prefix, e.g. 'user:sre-*')");
        }
    }
}
