using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ZtStream.Verifier.Policy;

/// <summary>Reads a zero-trust policy file, resolving <c>extends</c>: maps merge, lists append, scalars of the later file win.</summary>
internal static class PolicyLoader
{
    private static readonly IDeserializer Untyped = new DeserializerBuilder().Build();

    private static readonly ISerializer Writer = new SerializerBuilder().Build();

    private static readonly IDeserializer Typed = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    public static ZeroTrustPolicy LoadFile(string path)
    {
        var merged = LoadMerged(Path.GetFullPath(path), depth: 0);
        return Build(merged, path);
    }

    public static ZeroTrustPolicy Parse(string yaml)
    {
        var tree = Untyped.Deserialize<object?>(yaml) as Dictionary<object, object?> ?? [];
        return Build(tree, "(inline)");
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
        try
        {
            policy = Typed.Deserialize<ZeroTrustPolicy?>(Writer.Serialize(tree)) ?? new ZeroTrustPolicy();
        }
        catch (YamlException ex)
        {
            throw new PolicyException($"policy {name}: {ex.Message}", ex);
        }

        var problems = PolicyValidator.Validate(policy);
        return problems.Count == 0 ? policy : throw new PolicyException($"policy {name} is invalid: {string.Join("; ", problems)}");
    }

    private static Dictionary<object, object?> LoadMerged(string path, int depth)
    {
        if (depth > 8)
        {
            throw new PolicyException($"policy {path}: 'extends' nests deeper than 8 files");
        }

        if (!File.Exists(path))
        {
            throw new PolicyException($"policy file {path} does not exist");
        }

        Dictionary<object, object?> own;
        try
        {
            own = Untyped.Deserialize<object?>(File.ReadAllText(path)) as Dictionary<object, object?> ?? [];
        }
        catch (YamlException ex)
        {
            throw new PolicyException($"policy {path}: {ex.Message}", ex);
        }

        var result = new Dictionary<object, object?>();
        if (own.TryGetValue("extends", out var ext))
        {
            var bases = ext switch
            {
                string s => [s],
                List<object?> l => l.Select(o => o?.ToString() ?? "").ToList(),
                _ => throw new PolicyException($"policy {path}: 'extends' must be a file name or a list of them"),
            };
            foreach (var b in bases)
            {
                Merge(result, LoadMerged(Path.GetFullPath(b, Path.GetDirectoryName(path)!), depth + 1));
            }
        }

        own.Remove("extends");
        Merge(result, own);
        return result;
    }

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
    public static List<string> Validate(ZeroTrustPolicy p)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < p.DataClasses.Count; i++)
        {
            var dc = p.DataClasses[i];
            if (string.IsNullOrWhiteSpace(dc.Name))
            {
                problems.Add($"data_classes[{i}].name is empty");
            }
            else if (!names.Add(dc.Name))
            {
                problems.Add($"data_classes[{i}].name '{dc.Name}' is listed twice");
            }
        }

        if (p.Segmentation.Default is not ("allow" or "deny"))
        {
            problems.Add($"segmentation.default must be 'allow' or 'deny', not '{p.Segmentation.Default}'");
        }

        for (var i = 0; i < p.Segmentation.Rules.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(p.Segmentation.Rules[i].From))
            {
                problems.Add($"segmentation.rules[{i}].from is empty");
            }
        }

        if (p.Tokens.ExpiryGraceSeconds < 0)
        {
            problems.Add("tokens.expiry_grace_seconds must not be negative");
        }

        for (var i = 0; i < p.ProtectedResources.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(p.ProtectedResources[i].Id))
            {
                problems.Add($"protected_resources[{i}].id is empty");
            }
        }

        return problems;
    }
}
