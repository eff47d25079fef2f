namespace ZtStream.Verifier.Rules.Falco;

/// <summary>One top-level item of a Falco rules file, as written, with the keys it carries (for append/override checks).</summary>
internal abstract record FalcoItem(RuleOrigin Origin, string Name, IReadOnlySet<string> Keys, bool Append, IReadOnlyDictionary<string, string>? Override);

internal sealed record FalcoListItem(RuleOrigin Origin, string Name, IReadOnlySet<string> Keys, bool Append, IReadOnlyDictionary<string, string>? Override, IReadOnlyList<string>? Items)
    : FalcoItem(Origin, Name, Keys, Append, Override);

internal sealed record FalcoMacroItem(RuleOrigin Origin, string Name, IReadOnlySet<string> Keys, bool Append, IReadOnlyDictionary<string, string>? Override, string? Condition)
    : FalcoItem(Origin, Name, Keys, Append, Override);

internal sealed record FalcoRuleItem(RuleOrigin Origin, string Name, IReadOnlySet<string> Keys, bool Append, IReadOnlyDictionary<string, string>? Override) : FalcoItem(Origin, Name, Keys, Append, Override)
{
    public string? Condition { get; init; }

    public string? Output { get; init; }

    public string? Description { get; init; }

    public FalcoPriority? Priority { get; init; }

    public string? Source { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public bool? Enabled { get; init; }

    public IReadOnlyList<FalcoExceptionItem>? Exceptions { get; init; }
}

/// <summary>
/// A rule exception: <c>fields</c> as a list (tuple form, each value a tuple) or one field (each value one item),
/// <c>comps</c> per field (default <c>=</c>, or <c>in</c> for the one-field form), and the values.
/// </summary>
internal sealed record FalcoExceptionItem(
    string Name,
    IReadOnlyList<string>? Fields,
    bool FieldsAsList,
    IReadOnlyList<string>? Comps,
    IReadOnlyList<IReadOnlyList<FalcoExceptionValue>> Values);

/// <summary>One element of an exception tuple: a value, or a list of values (for <c>in</c>, <c>intersects</c>, <c>pmatch</c>).</summary>
internal sealed record FalcoExceptionValue(string? Scalar, IReadOnlyList<string>? Items);

/// <summary>Falco's priorities, highest first.</summary>
internal enum FalcoPriority
{
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

/// <summary>An item that cannot be read; reported with the item's (or the offending node's) line.</summary>
internal sealed class FalcoItemException(string message, int line) : Exception(message)
{
    public int Line { get; } = line;
}

/// <summary>
/// Reads a Falco rules file (a YAML sequence of <c>rule</c>, <c>macro</c>, <c>list</c>,
/// <c>required_engine_version</c> and <c>required_plugin_versions</c> items; several documents allowed) into items,
/// each with its line. An item that cannot be read is reported and the others still load.
/// </summary>
internal static class FalcoItemReader
{
    public static readonly string[] ItemKinds = ["rule", "macro", "list", "required_engine_version", "required_plugin_versions"];

    private static readonly HashSet<string> RuleKeys = new(StringComparer.Ordinal)
    {
        "rule", "condition", "output", "desc", "priority", "source", "tags", "enabled", "exceptions", "append", "override",
        "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration",
    };

    private static readonly HashSet<string> MacroKeys = new(StringComparer.Ordinal) { "macro", "condition", "append", "override" };
    private static readonly HashSet<string> ListKeys = new(StringComparer.Ordinal) { "list", "items", "append", "override" };

    /// <summary>The document roots of <paramref name="text"/>; throws <see cref="YamlException"/> on malformed YAML.</summary>
    public static IReadOnlyList<YamlNode> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => d.RootNode).Where(n => !IsNull(n))];
    }

    public static void Read(string file, string text, List<FalcoItem> items, List<RuleLoadError> errors)
    {
        IReadOnlyList<YamlNode> documents;
        try
        {
            documents = Documents(text);
        }
        catch (YamlException ex)
        {
            errors.Add(new RuleLoadError(file, (int)ex.Start.Line, null, $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
            return;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up this way on some malformed flow collections; it has no position then.
            errors.Add(new RuleLoadError(file, 1, null, $"not valid YAML: {ex.Message}"));
            return;
        }

        foreach (var root in documents)
        {
            if (root is not YamlSequenceNode sequence)
            {
                errors.Add(new RuleLoadError(file, Line(root), null, "a Falco rules file is a YAML sequence of rule, macro and list items"));
                continue;
            }

            foreach (var node in sequence.Children)
            {
                // An empty item ("-" alone, as in falcosecurity's own k8s_audit_rules.yaml) carries nothing.
                if (IsNull(node))
                {
                    continue;
                }

                string? name = null;
                try
                {
                    if (node is not YamlMappingNode map)
                    {
                        throw new FalcoItemException("each item must be a mapping (rule, macro, list, required_engine_version or required_plugin_versions)", Line(node));
                    }

                    var kinds = ItemKinds.Where(k => map.Children.ContainsKey(new YamlScalarNode(k))).ToList();
                    if (kinds.Count != 1)
                    {
                        throw new FalcoItemException(kinds.Count == 0
                            ? $"unknown item (keys: {string.Join(", ", map.Children.Keys.Select(k => (k as YamlScalarNode)?.Value))}): expected one of {string.Join(", ", ItemKinds)}"
                            : $"an item is one of {string.Join(", ", kinds)}, not several", Line(node));
                    }

                    name = kinds[0] is "rule" or "macro" or "list" ? Scalar(map, kinds[0]) : null;
                    var item = kinds[0] switch
                    {
                        "rule" => ReadRule(file, map),
                        "macro" => ReadMacro(file, map),
                        "list" => ReadList(file, map),
                        "required_engine_version" => CheckEngineVersion(map),
                        _ => CheckPluginVersions(map),
                    };
                    if (item is not null)
                    {
                        items.Add(item);
                    }
                }
                catch (FalcoItemException ex)
                {
                    var kind = (node as YamlMappingNode)?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).FirstOrDefault(k => k is "macro" or "list");
                    errors.Add(new RuleLoadError(file, ex.Line, kind is null ? name : null, kind is null || name is null ? ex.Message : $"{kind} '{name}': {ex.Message}"));

                    // A rule, macro or list whose item is unreadable must not silently keep an older definition.
                    if (name is not null && node is YamlMappingNode m)
                    {
                        items.Add(new FalcoBrokenItem(new RuleOrigin(file, Line(m)), name, KindOf(m)));
                    }
                }
            }
        }
    }

    private static string KindOf(YamlMappingNode map) =>
        ItemKinds.First(k => map.Children.ContainsKey(new YamlScalarNode(k)));

    private static FalcoRuleItem ReadRule(string file, YamlMappingNode map)
    {
        var (name, keys, append, overrides) = Common(map, "rule", RuleKeys);
        return new FalcoRuleItem(new RuleOrigin(file, Line(map)), name, keys, append, overrides)
        {
            Condition = Scalar(map, "condition"),
            Output = Scalar(map, "output"),
            Description = Scalar(map, "desc"),
            Priority = Scalar(map, "priority") is { } p ? ParsePriority(p, Line(map["priority"])) : null,
            Source = Scalar(map, "source"),
            Tags = map.Children.ContainsKey(new YamlScalarNode("tags")) ? Strings(map, "tags") : null,
            Enabled = Bool(map, "enabled"),
            Exceptions = map.Children.TryGetValue(new YamlScalarNode("exceptions"), out var ex) && !IsNull(ex) ? ReadExceptions(ex) : null,
        };
    }

    private static FalcoMacroItem ReadMacro(string file, YamlMappingNode map)
    {
        var (name, keys, append, overrides) = Common(map, "macro", MacroKeys);
        return new FalcoMacroItem(new RuleOrigin(file, Line(map)), name, keys, append, overrides, Scalar(map, "condition"));
    }

    private static FalcoListItem ReadList(string file, YamlMappingNode map)
    {
        var (name, keys, append, overrides) = Common(map, "list", ListKeys);
        return new FalcoListItem(new RuleOrigin(file, Line(map)), name, keys, append, overrides,
            map.Children.ContainsKey(new YamlScalarNode("items")) ? Strings(map, "items") : null);
    }

    private static (string Name, IReadOnlySet<string> Keys, bool Append, IReadOnlyDictionary<string, string>? Override) Common(YamlMappingNode map, string kind, HashSet<string> allowed)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, _) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? throw new FalcoItemException("item keys must be plain strings", Line(k));
            if (!allowed.Contains(key))
            {
                throw new FalcoItemException($"unknown key '{key}' in a {kind} item (known: {string.Join(", ", allowed)})", Line(k));
            }

            keys.Add(key);
        }

        var name = Scalar(map, kind);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new FalcoItemException($"'{kind}' needs a name", Line(map));
        }

        Dictionary<string, string>? overrides = null;
        if (map.Children.TryGetValue(new YamlScalarNode("override"), out var o))
        {
            if (o is not YamlMappingNode om)
            {
                throw new FalcoItemException("'override' must map keys to append or replace", Line(o));
            }

            overrides = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in om.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                var mode = (v as YamlScalarNode)?.Value ?? "";
                if (mode is not ("append" or "replace"))
                {
                    throw new FalcoItemException($"override '{key}': expected append or replace, got '{mode}'", Line(v));
                }

                overrides[key] = mode;
            }
        }

        return (name.Trim(), keys, Bool(map, "append") ?? false, overrides);
    }

    private static List<FalcoExceptionItem> ReadExceptions(YamlNode node)
    {
        if (node is not YamlSequenceNode seq)
        {
            throw new FalcoItemException("'exceptions' must be a list", Line(node));
        }

        var result = new List<FalcoExceptionItem>();
        foreach (var e in seq.Children)
        {
            if (e is not YamlMappingNode m)
            {
                throw new FalcoItemException("each exception must be a mapping with name, fields, comps and values", Line(e));
            }

            foreach (var (k, _) in m.Children)
            {
                if ((k as YamlScalarNode)?.Value is not ("name" or "fields" or "comps" or "values"))
                {
                    throw new FalcoItemException($"unknown key '{(k as YamlScalarNode)?.Value}' in an exception (known: name, fields, comps, values)", Line(k));
                }
            }

            var name = Scalar(m, "name");
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new FalcoItemException("an exception needs a name", Line(m));
            }

            IReadOnlyList<string>? fields = null;
            var asList = false;
            if (m.Children.TryGetValue(new YamlScalarNode("fields"), out var f) && !IsNull(f))
            {
                asList = f is YamlSequenceNode;
                fields = asList ? Strings(m, "fields") : [Scalar(m, "fields")!];
            }

            IReadOnlyList<string>? comps = null;
            if (m.Children.TryGetValue(new YamlScalarNode("comps"), out var c) && !IsNull(c))
            {
                comps = c is YamlSequenceNode ? Strings(m, "comps") : [Scalar(m, "comps")!];
            }

            var values = new List<IReadOnlyList<FalcoExceptionValue>>();
            if (m.Children.TryGetValue(new YamlScalarNode("values"), out var vs) && !IsNull(vs))
            {
                if (vs is not YamlSequenceNode vseq)
                {
                    throw new FalcoItemException($"exception '{name}': 'values' must be a list", Line(vs));
                }

                foreach (var v in vseq.Children)
                {
                    values.Add(v switch
                    {
                        YamlSequenceNode tuple => [.. tuple.Children.Select(ExceptionValue)],
                        _ => [ExceptionValue(v)],
                    });
                }
            }

            result.Add(new FalcoExceptionItem(name.Trim(), fields, asList, comps, values));
        }

        return result;
    }

    private static FalcoExceptionValue ExceptionValue(YamlNode node) => node switch
    {
        YamlScalarNode s => new FalcoExceptionValue(s.Value ?? "", null),
        YamlSequenceNode l => new FalcoExceptionValue(null, [.. l.Children.Select(i => (i as YamlScalarNode)?.Value
            ?? throw new FalcoItemException("exception values nest at most one list deep", Line(i)))]),
        _ => throw new FalcoItemException("an exception value is a string or a list of strings", Line(node)),
    };

    private static FalcoItem? CheckEngineVersion(YamlMappingNode map)
    {
        if (map["required_engine_version"] is not YamlScalarNode { Value.Length: > 0 })
        {
            throw new FalcoItemException("required_engine_version must be a version number", Line(map));
        }

        // ZtStream is not the Falco engine: the version is accepted, the fields and operators are checked rule by rule.
        return null;
    }

    private static FalcoItem? CheckPluginVersions(YamlMappingNode map)
    {
        if (map["required_plugin_versions"] is not YamlSequenceNode plugins)
        {
            throw new FalcoItemException("required_plugin_versions must be a list of {name, version}", Line(map));
        }

        foreach (var p in plugins.Children)
        {
            if (p is not YamlMappingNode pm || Scalar(pm, "name") is null || Scalar(pm, "version") is null)
            {
                throw new FalcoItemException("each required plugin needs a name and a version", Line(p));
            }
        }

        return null;
    }

    public static FalcoPriority ParsePriority(string text, int line) => text.Trim().ToUpperInvariant() switch
    {
        "EMERGENCY" => FalcoPriority.Emergency,
        "ALERT" => FalcoPriority.Alert,
        "CRITICAL" => FalcoPriority.Critical,
        "ERROR" => FalcoPriority.Error,
        "WARNING" => FalcoPriority.Warning,
        "NOTICE" => FalcoPriority.Notice,
        "INFORMATIONAL" or "INFO" => FalcoPriority.Informational,
        "DEBUG" => FalcoPriority.Debug,
        _ => throw new FalcoItemException($"unknown priority '{text}' (one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG)", line),
    };

    private static string? Scalar(YamlMappingNode map, string key)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node) || IsNull(node))
        {
            return null;
        }

        return node is YamlScalarNode s ? s.Value : throw new FalcoItemException($"'{key}' must be a string", Line(node));
    }

    private static List<string> Strings(YamlMappingNode map, string key)
    {
        var node = map[key];
        if (IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode seq)
        {
            throw new FalcoItemException($"'{key}' must be a list", Line(node));
        }

        return [.. seq.Children.Where(n => !IsNull(n)).Select(n => (n as YamlScalarNode)?.Value
            ?? throw new FalcoItemException($"'{key}' items must be strings", Line(n)))];
    }

    private static bool? Bool(YamlMappingNode map, string key)
    {
        var s = Scalar(map, key);
        return s?.Trim().ToLowerInvariant() switch
        {
            null => null,
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new FalcoItemException($"'{key}' must be true or false, got '{s}'", Line(map[key])),
        };
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any } s
        && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    public static int Line(YamlNode node) => (int)node.Start.Line;
}

/// <summary>A rule, macro or list whose item could not be read: it and everything built on it fails.</summary>
internal sealed record FalcoBrokenItem(RuleOrigin Origin, string Name, string Kind)
    : FalcoItem(Origin, Name, new HashSet<string>(), Append: false, Override: null);
