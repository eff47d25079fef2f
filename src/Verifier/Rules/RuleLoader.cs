namespace ZtStream.Verifier.Rules;

/// <summary>
/// Loads rules from the built-in library and from files and directories, dispatching each file by its shape: a file
/// an extra format recognises goes to that format's loader (Falco); a YAML document with a logsource and a detection
/// is Sigma (a <c>correlation</c> document is linked to the rules it references, and a <c>filter</c> applied to the rules
/// it names, once every file is read); any other document is a ZtStream rule (or a <c>lists:</c> document). Every problem is a
/// <see cref="RuleLoadError"/> with file and line; a bad rule never stops the others from loading, and a rule id
/// defined twice is an error at the second definition.
/// </summary>
internal static class RuleLoader
{
    public const string BuiltinPrefix = "builtin:";
    private const string ResourcePrefix = "ZtStream.Verifier.Rules.Library.";

    /// <summary>
    /// Formats with their own loader: the Falco rules language (<c>Falco/FalcoRuleLoader</c>), whose rules are
    /// Kubernetes-audit rules.
    /// </summary>
    public static IReadOnlyList<RuleFormatLoader> Formats { get; } =
        [new(RuleFormats.Falco, FalcoRuleLoader.LooksLikeFalco, FalcoRuleLoader.LoadAll, [EventKinds.K8sAudit])];

    /// <summary>The built-in library (embedded <c>Rules/Library/*.yaml</c>), in name order.</summary>
    public static IReadOnlyList<RuleSource> Builtin()
    {
        var assembly = typeof(RuleLoader).Assembly;
        var result = new List<RuleSource>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            result.Add(new RuleSource(BuiltinPrefix + name[ResourcePrefix.Length..], reader.ReadToEnd()));
        }

        return result;
    }

    /// <summary>
    /// The built-in library (unless turned off) followed by the configured paths. Files whose text is what the last call
    /// read, staged alike, give that call's result again rather than being parsed and compiled anew: a start reads the
    /// same files up to three times (the options' validation, the response policy's rule references, the Verifier's rule
    /// set), and each load of the library is the start's most costly step. Rules are immutable, so the result is shared.
    /// </summary>
    public static RuleLoadResult LoadConfigured(RuleOptions options, IReadOnlyList<RuleFormatLoader>? formats = null)
    {
        var sources = new List<RuleSource>();
        if (options.Builtin)
        {
            sources.AddRange(Builtin());
        }

        var errors = new List<RuleLoadError>();
        sources.AddRange(Read(options.Paths, errors));
        if (errors.Count == 0 && Volatile.Read(ref lastConfigured) is { } last && last.Same(sources, options.Staged, formats))
        {
            return last.Result;
        }

        var result = Load(sources, formats);
        var read = errors.Count == 0;
        var rules = RuleStaging.Apply(result.Rules, options.Staged, errors);
        var loaded = errors.Count == 0 ? result with { Rules = rules } : new RuleLoadResult(rules, [.. errors, .. result.Errors]);
        if (read)
        {
            Volatile.Write(ref lastConfigured, new ConfiguredLoad(sources, [.. options.Staged], formats, loaded));
        }

        return loaded;
    }

    /// <summary>The last <see cref="LoadConfigured"/> whose every path was read: what it read and what it gave.</summary>
    private static ConfiguredLoad? lastConfigured;

    private sealed record ConfiguredLoad(List<RuleSource> Sources, string[] Staged, IReadOnlyList<RuleFormatLoader>? Formats, RuleLoadResult Result)
    {
        public bool Same(List<RuleSource> sources, IReadOnlyList<string> staged, IReadOnlyList<RuleFormatLoader>? formats) =>
            ReferenceEquals(formats, Formats) && sources.SequenceEqual(Sources) && staged.SequenceEqual(Staged, StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads files and directories (recursively, <c>*.yml</c> and <c>*.yaml</c>, in path order); a missing path is an
    /// error. Each file is named, for alerts and listings, relative to the path that holds it.
    /// </summary>
    public static List<RuleSource> Read(IEnumerable<string> paths, List<RuleLoadError> errors)
    {
        var sources = new List<RuleSource>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(IsRuleFile).Order(StringComparer.Ordinal))
                {
                    ReadFile(file, Path.GetRelativePath(path, file), sources, errors);
                }
            }
            else if (File.Exists(path))
            {
                ReadFile(path, Path.GetFileName(path), sources, errors);
            }
            else
            {
                errors.Add(new RuleLoadError(path, 0, null, "no such file or directory"));
            }
        }

        return sources;
    }

    public static bool IsRuleFile(string path) =>
        path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase);

    private static void ReadFile(string file, string relative, List<RuleSource> into, List<RuleLoadError> errors)
    {
        try
        {
            into.Add(new RuleSource(file, UserFiles.ReadText(file)) { RelativePath = relative.Replace(Path.DirectorySeparatorChar, '/') });
        }
        catch (IOException ex)
        {
            errors.Add(new RuleLoadError(file, 0, null, $"cannot be read: {ex.Message}"));
        }
        catch (UnauthorizedAccessException ex)
        {
            errors.Add(new RuleLoadError(file, 0, null, $"cannot be read: {ex.Message}"));
        }
    }

    /// <summary>Loads rule files given as text.</summary>
    public static RuleLoadResult Load(IEnumerable<RuleSource> sources, IReadOnlyList<RuleFormatLoader>? formats = null)
    {
        formats ??= Formats;
        var errors = new List<RuleLoadError>();
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var documents = new List<(RuleSource Source, YamlMappingNode Doc, bool Sigma)>();
        var external = new Dictionary<RuleFormatLoader, List<(string, string)>>();
        var read = new List<RuleSource>();

        foreach (var source in sources)
        {
            read.Add(source);
            if (formats.FirstOrDefault(f => f.Recognises(source.Text)) is { } format)
            {
                if (!external.TryGetValue(format, out var files))
                {
                    external[format] = files = [];
                }

                files.Add((source.Path, source.Text));
                continue;
            }

            IReadOnlyList<YamlDocument> docs;
            try
            {
                docs = RuleYaml.Documents(source.Text);
            }
            catch (RuleFormatException ex)
            {
                errors.Add(new RuleLoadError(source.Path, ex.Line, null, ex.Message));
                continue;
            }

            if (docs.Count == 0 || docs.All(d => RuleYaml.IsNull(d.RootNode)))
            {
                errors.Add(new RuleLoadError(source.Path, 1, null, "holds no rule"));
                continue;
            }

            foreach (var doc in docs)
            {
                switch (doc.RootNode)
                {
                    case YamlMappingNode map when ZtStreamRuleReader.IsListDocument(map):
                        try
                        {
                            ZtStreamRuleReader.ReadLists(map, lists);
                        }
                        catch (RuleFormatException ex)
                        {
                            errors.Add(new RuleLoadError(source.Path, ex.Line == 0 ? RuleYaml.Line(map) : ex.Line, null, ex.Message));
                        }

                        break;
                    case YamlMappingNode map:
                        documents.Add((source, map, SigmaRuleReader.LooksLikeSigma(map)));
                        break;
                    case YamlSequenceNode seq:
                        // The Falco loader takes a list with a rule, macro or list item; this one has none (or no Falco loader is given).
                        errors.Add(new RuleLoadError(source.Path, RuleYaml.Line(seq), null, formats.Any(f => f.Format == RuleFormats.Falco)
                            ? "a list at the top of a file is the Falco rules language, and no item of this one is a map with 'rule', 'macro' or 'list'"
                            : "a list of rules, macros and lists is the Falco rules language, and no Falco rules loader is part of this build"));
                        break;
                    case { } other when !RuleYaml.IsNull(other):
                        errors.Add(new RuleLoadError(source.Path, RuleYaml.Line(other), null, "a rule must be a YAML map"));
                        break;
                }
            }
        }

        var frozen = lists.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.Ordinal);
        var rules = new List<Rule>();
        var seen = new Dictionary<string, RuleOrigin>(StringComparer.Ordinal);
        var correlations = new List<SigmaCorrelationDraft>();
        var filters = new List<SigmaFilterDraft>();
        var unloaded = new Dictionary<string, string>(StringComparer.Ordinal);
        var filterRevisions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (source, doc, sigma) in documents)
        {
            var idNode = RuleYaml.Get(doc, "id") as YamlScalarNode;
            try
            {
                if (sigma && SigmaCorrelationReader.IsCorrelation(doc))
                {
                    var draft = SigmaCorrelationReader.Read(doc, source.Path);
                    correlations.Add(draft with { Header = draft.Header with { Revision = RuleRevisions.Document(doc) } });
                    continue;
                }

                if (sigma && SigmaFilterReader.IsFilter(doc))
                {
                    var filter = SigmaFilterReader.Read(doc, source.Path);
                    filters.Add(filter);
                    filterRevisions[filter.Id] = RuleRevisions.Document(doc);
                    continue;
                }

                var used = new UsedLists(frozen);
                var rule = sigma ? SigmaRuleReader.Read(doc, source.Path, used) : ZtStreamRuleReader.Read(doc, source.Path, used);
                Add(rule with { Revision = RuleRevisions.Of([RuleRevisions.Document(doc, "enabled", "staged"), .. RuleRevisions.Lists(used.Used)]) }, rules, seen, errors);
            }
            catch (RuleFormatException ex)
            {
                errors.Add(new RuleLoadError(source.Path, ex.Line == 0 ? RuleYaml.Line(doc) : ex.Line, idNode?.Value, ex.Message));
                foreach (var key in new[] { idNode?.Value, (RuleYaml.Get(doc, "name") as YamlScalarNode)?.Value })
                {
                    if (key is not null)
                    {
                        // A correlation referencing it says so, rather than that no such rule exists.
                        unloaded[key] = $"{source.Path}:{(ex.Line == 0 ? RuleYaml.Line(doc) : ex.Line)}";
                    }
                }
            }
        }

        foreach (var (format, files) in external)
        {
            RuleLoadResult loaded;
            try
            {
                loaded = format.Load(files);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One broken loader must not take the other formats down with it.
                errors.Add(new RuleLoadError(files[0].Item1, 0, null, $"{format.Format} loader failed: {ex.Message}"));
                continue;
            }

            errors.AddRange(loaded.Errors);
            foreach (var rule in loaded.Rules)
            {
                Add(rule.Kinds.Count == 0 && format.Kinds is { Count: > 0 } kinds ? rule with { Kinds = kinds } : rule, rules, seen, errors);
            }
        }

        // Filters and correlations last: the rules they reference may come from any file of the set, in any order.
        // Filters first, so a correlation counts only what its filtered rules still match.
        SigmaFilterLinker.Apply(filters, rules, correlations, unloaded, frozen, errors, filterRevisions);
        SigmaCorrelationLinker.Link(correlations, rules, unloaded, errors, r => Add(r, rules, seen, errors));
        return new RuleLoadResult(RuleCredits.Apply(RuleProvenance.Apply(rules, read, filterRevisions), read), errors);
    }

    private static void Add(Rule rule, List<Rule> rules, Dictionary<string, RuleOrigin> seen, List<RuleLoadError> errors)
    {
        if (seen.TryGetValue(rule.Id, out var first))
        {
            errors.Add(new RuleLoadError(rule.Origin.File, rule.Origin.Line, rule.Id, $"rule id already defined at {first}"));
            return;
        }

        seen[rule.Id] = rule.Origin;
        rules.Add(rule);
    }
}
