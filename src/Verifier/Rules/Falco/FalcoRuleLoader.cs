namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// Loads Falco rules files unchanged (rules, macros, lists, <c>append</c>/<c>override</c>, <c>enabled</c>,
/// <c>exceptions</c>) for the sources ZtStream evaluates (<see cref="FalcoSource"/>: <c>k8s_audit</c>, <c>okta</c>), compiling every condition once into a
/// <see cref="FalcoRuleMatcher"/>. Files apply in the order given, later ones appending to or overriding earlier
/// ones as Falco's <c>-r</c> order does. Nothing is skipped silently: every rule, macro or list that cannot be
/// loaded is a <see cref="RuleLoadError"/> naming the file, line, rule and construct, and the other rules still load.
/// </summary>
internal sealed partial class FalcoRuleLoader
{
    private FalcoRuleLoader()
    {
    }

    /// <summary>Loads <paramref name="files"/> (path for messages, text) in order.</summary>
    public static RuleLoadResult Load(IReadOnlyList<(string Path, string Text)> files) => Load(files, out _);

    /// <summary>
    /// Loads <paramref name="files"/> in order; <paramref name="disabled"/> names the rules that loaded but are
    /// disabled (<c>enabled: false</c>), which are not among the result's rules.
    /// </summary>
    public static RuleLoadResult Load(IReadOnlyList<(string Path, string Text)> files, out IReadOnlyList<string> disabled)
    {
        var all = LoadAll(files);
        disabled = [.. all.Rules.Where(r => !r.Enabled).Select(r => r.Id)];
        return new RuleLoadResult([.. all.Rules.Where(r => r.Enabled)], all.Errors);
    }

    /// <summary>
    /// Loads <paramref name="files"/> in order, the disabled rules among the result as rules with
    /// <see cref="Rule.Enabled"/> false: a rule set lists them, and a reload that turns one off says so rather than
    /// that it was removed.
    /// </summary>
    public static RuleLoadResult LoadAll(IReadOnlyList<(string Path, string Text)> files)
    {
        var items = new List<FalcoItem>();
        var errors = new List<RuleLoadError>();
        var definitions = new FalcoDefinitions();
        foreach (var (path, text) in files)
        {
            items.Clear();
            FalcoItemReader.Read(path, text, items, errors);
            foreach (var item in items)
            {
                definitions.Apply(item);
            }
        }

        errors.AddRange(definitions.Errors);
        var slots = new FalcoSlots();
        var compilers = new Dictionary<FalcoSource, FalcoCompiler>();
        var rules = new List<Rule>();
        foreach (var state in definitions.Rules.Where(r => !r.Broken))
        {
            try
            {
                rules.Add(Compile(state, definitions, compilers, slots) with { Enabled = state.Enabled });
            }
            catch (FalcoCompileException ex)
            {
                errors.Add(new RuleLoadError(state.Origin.File, state.Origin.Line, state.Name, ex.Message));
            }
        }

        var order = files.Select((f, i) => (f.Path, i)).GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        return new RuleLoadResult(rules, [.. errors.OrderBy(e => order.GetValueOrDefault(e.File)).ThenBy(e => e.Line)]);
    }

    /// <summary>
    /// Whether <paramref name="text"/> reads as a Falco rules file: a YAML sequence with at least one item carrying
    /// rule, macro, list, required_engine_version or required_plugin_versions.
    /// </summary>
    public static bool LooksLikeFalco(string text)
    {
        try
        {
            return FalcoItemReader.Documents(text) is [YamlSequenceNode seq, ..]
                && seq.Children.OfType<YamlMappingNode>().Any(m => FalcoItemReader.ItemKinds.Any(k => m.Children.ContainsKey(new YamlScalarNode(k))));
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Falco priority → ZtStream severity.</summary>
    public static string Severity(FalcoPriority priority) => priority switch
    {
        FalcoPriority.Emergency or FalcoPriority.Alert or FalcoPriority.Critical => Severities.Critical,
        FalcoPriority.Error => Severities.High,
        FalcoPriority.Warning => Severities.Medium,
        _ => Severities.Low,
    };

    /// <summary>
    /// ATT&amp;CK technique ids among the tags (T1611, T1552.007), upper-cased; a tag that names the technique after its
    /// id (<c>T1562-impair-defenses</c>, as falcosecurity's gcpaudit rules write them) gives the id.
    /// </summary>
    public static IReadOnlyList<string> Techniques(IEnumerable<string> tags) =>
        [.. tags.Select(t => TechniqueTag().Match(t)).Where(m => m.Success).Select(m => m.Groups["id"].Value.ToUpperInvariant()).Distinct()];

    /// <summary>
    /// ATT&amp;CK tactics among the tags: <c>mitre_privilege_escalation</c> → privilege-escalation, and a tactic named
    /// after its id (<c>TA0005-defense-evasion</c>) → defense-evasion.
    /// </summary>
    public static IReadOnlyList<string> Tactics(IEnumerable<string> tags) =>
        [.. tags.Select(TacticName)
            .OfType<string>()
            .Select(t => t.ToLowerInvariant().Replace('_', '-'))
            .Where(KnownTactics.Contains)
            .Distinct()];

    private static string? TacticName(string tag) =>
        tag.StartsWith("mitre_", StringComparison.OrdinalIgnoreCase) ? tag["mitre_".Length..]
        : TacticTag().Match(tag) is { Success: true } m ? m.Groups["name"].Value
        : null;

    private static readonly HashSet<string> KnownTactics = new(StringComparer.Ordinal)
    {
        "reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
        "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control",
        "exfiltration", "impact",
    };

    [GeneratedRegex(@"^TA\d{4}-(?<name>\S+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TacticTag();

    [GeneratedRegex(@"^(?<id>T\d{4}(\.\d{3})?)(-\S+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TechniqueTag();

    private static Rule Compile(FalcoRuleState state, FalcoDefinitions definitions, Dictionary<FalcoSource, FalcoCompiler> compilers, FalcoSlots slots)
    {
        var name = state.Source ?? "syscall";
        if (FalcoSource.Find(name) is not { } source)
        {
            throw new FalcoCompileException(
                $"source '{name}' is not evaluated: ZtStream runs Falco rules of the sources {FalcoSource.Listed} only{(state.Source is null ? " (a rule without 'source' is a syscall rule)" : "")}");
        }

        var (condition, used) = CompileFor(source, state, definitions, compilers, slots);

        // A syscall rule reads the exec and each call a policy reports, compiled for each: a condition never true on one
        // (an exec rule on a connect, an open rule on an exec) is decided there at load, and never meets its events.
        List<FalcoCallCondition>? calls = null;
        if (source == FalcoSource.Syscall)
        {
            FalcoCompileException? elsewhere = null;
            foreach (var results in FalcoSource.SyscallCalls.GroupBy(s => s.Call!))
            {
                try
                {
                    if (CompileCall(results.Key, [.. results], state, definitions, compilers, slots, used) is { } call)
                    {
                        (calls ??= []).Add(call);
                    }
                }
                catch (FalcoCompileException ex) when (ex.ReadElsewhere)
                {
                    // A field this call lacks and another of the same system call gives (a file access's open flags,
                    // which an open's own kprobe gives): the rule reads that other call, refused only when none can.
                    elsewhere ??= ex;
                }
            }

            if (elsewhere is not null && calls is null)
            {
                throw elsewhere;
            }
        }

        if (condition is FalcoConstantNode { Value: false } never && calls is null)
        {
            // A syscall rule of another system call: libsinsp would never pass it an exec nor any call ZtStream reads.
            throw new FalcoCompileException(
                $"its condition is never true on a system call ZtStream sees (Tetragon's process_exec: evt.type execve, evt.dir <, evt.res SUCCESS; {string.Join("; ", FalcoSyscallCall.All.Select(c => $"{c.Describes}: evt.type {string.Join("/", c.TypeNames)}"))}): it requires {never.Why}");
        }

        var output = FalcoOutputTemplate.Compile(state.Output, slots, source);
        var tags = state.Tags.ToList();
        return new Rule(
            Id: state.Name,
            Title: state.Name,
            Format: RuleFormats.Falco,
            Severity: Severity(state.Priority),
            Techniques: Techniques(tags),
            Tactics: Tactics(tags),
            Description: state.Description?.Trim(),
            Origin: state.Origin,
            Condition: new FalcoRuleMatcher(state.Name, source, state.Priority, tags, condition, output, slots) { Calls = calls ?? [] })
        {
            Kinds = calls is null ? source.Kinds : [.. source.Kinds, EventKinds.RuntimeAlert],
            Revision = Revision(state, used, definitions),
        };
    }

    /// <summary>
    /// The rule for one call a policy reports, read with each result the call may have had (<paramref name="results"/>):
    /// null when it is never true on the call; refused when it is for some results and not others, which Tetragon does not
    /// tell apart; else true only where it is for every result.
    /// </summary>
    private static FalcoCallCondition? CompileCall(
        FalcoSyscallCall call, FalcoSource[] results, FalcoRuleState state, FalcoDefinitions definitions, Dictionary<FalcoSource, FalcoCompiler> compilers, FalcoSlots slots, HashSet<string> used)
    {
        var nodes = new List<FalcoNode>(results.Length);
        string? never = null;
        foreach (var result in results)
        {
            var (condition, resultUsed) = CompileFor(result, state, definitions, compilers, slots);
            used.UnionWith(resultUsed);
            if (condition is FalcoConstantNode { Value: false } no)
            {
                never ??= no.Why;
            }
            else
            {
                nodes.Add(condition);
            }
        }

        if (nodes.Count == 0)
        {
            return null;
        }

        if (never is not null)
        {
            throw new FalcoCompileException(call.Undecided(never));
        }

        return new FalcoCallCondition(results[0], nodes.Count == 1 ? nodes[0] : new FalcoAndNode([.. nodes]), FalcoOutputTemplate.Compile(state.Output, slots, results[0]));
    }

    /// <summary>The rule's condition, its exceptions applied, compiled for <paramref name="source"/>; the macros and lists it used.</summary>
    private static (FalcoNode Condition, HashSet<string> Used) CompileFor(
        FalcoSource source, FalcoRuleState state, FalcoDefinitions definitions, Dictionary<FalcoSource, FalcoCompiler> compilers, FalcoSlots slots)
    {
        if (!compilers.TryGetValue(source, out var compiler))
        {
            compiler = compilers[source] = new FalcoCompiler(definitions, slots, source);
        }

        compiler.BeginUses();
        try
        {
            var condition = compiler.CompileCondition(state.Condition);
            if (condition is not FalcoConstantNode { Value: false } && state.Exceptions.Count > 0 && CompileExceptions(state, compiler) is { } exceptions)
            {
                condition = new FalcoAndNode([condition, new FalcoNotNode(exceptions)]);
            }

            return (condition, compiler.EndUses());
        }
        catch
        {
            compiler.EndUses();
            throw;
        }
    }

    /// <summary>
    /// The rule as its files left it (every append and override applied; <c>enabled</c> aside, a change of its own), and
    /// each macro and list its condition and exceptions resolved, by name, as they were finally defined.
    /// </summary>
    private static string Revision(FalcoRuleState state, HashSet<string> used, FalcoDefinitions definitions)
    {
        var parts = new List<string>
        {
            "rule", state.Name, "condition", state.Condition, "output", state.Output, "desc", state.Description ?? "",
            "priority", state.Priority.ToString(), "source", state.Source ?? "", "tags", string.Join('\n', state.Tags),
        };
        foreach (var ex in state.Exceptions)
        {
            parts.AddRange(["exception", ex.Name, string.Join('\n', ex.Fields ?? []), ex.FieldsAsList ? "list" : "one", string.Join('\n', ex.Comps ?? [])]);
            foreach (var tuple in ex.Values)
            {
                parts.Add("values");
                parts.AddRange(tuple.Select(v => v.Items is null ? "=" + v.Scalar : "[" + string.Join('\n', v.Items)));
            }
        }

        foreach (var name in used.Order(StringComparer.Ordinal))
        {
            parts.Add(name);
            if (name.StartsWith("macro:", StringComparison.Ordinal))
            {
                parts.Add(definitions.Macros[name["macro:".Length..]].Condition);
            }
            else
            {
                var items = definitions.Lists[name["list:".Length..]].Items;
                parts.Add(items.Count.ToString(CultureInfo.InvariantCulture));
                parts.AddRange(items);
            }
        }

        return RuleRevisions.Of(parts);
    }

    /// <summary>
    /// An exception is "not (tuple₁ or tuple₂ …)", each tuple "field₁ comp₁ value₁ and …" (one-field form:
    /// "field comp (values)"). Values of <c>in</c>/<c>intersects</c>/<c>pmatch</c> may be lists or list names.
    /// Null when no exception has values.
    /// </summary>
    private static FalcoNode? CompileExceptions(FalcoRuleState state, FalcoCompiler compiler)
    {
        var any = new List<FalcoNode>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ex in state.Exceptions)
        {
            if (!names.Add(ex.Name))
            {
                throw new FalcoCompileException($"exception '{ex.Name}' is defined twice");
            }

            if (ex.Fields is not { Count: > 0 } fields)
            {
                throw new FalcoCompileException($"exception '{ex.Name}' has no fields");
            }

            var comps = ex.Comps ?? [.. fields.Select(_ => ex.FieldsAsList ? "=" : "in")];
            if (comps.Count != fields.Count)
            {
                throw new FalcoCompileException($"exception '{ex.Name}': {fields.Count} fields but {comps.Count} comps");
            }

            try
            {
                if (!ex.FieldsAsList)
                {
                    var values = ex.Values.SelectMany(v => v).SelectMany(v => v.Items?.Select(i => new FalcoListValue(i, Bare: false)) ?? [new FalcoListValue(v.Scalar!, Bare: true)]).ToList();
                    if (values.Count == 0)
                    {
                        continue;
                    }

                    any.Add(comps[0] is "in" or "intersects" or "pmatch"
                        ? compiler.CompileCheck(fields[0], comps[0], values)
                        : new FalcoOrNode([.. values.Select(v => compiler.CompileCheck(fields[0], comps[0], [v]))]));
                    continue;
                }

                foreach (var tuple in ex.Values)
                {
                    if (tuple.Count != fields.Count)
                    {
                        throw new FalcoCompileException($"a value has {tuple.Count} items for {fields.Count} fields");
                    }

                    var checks = new FalcoNode[fields.Count];
                    for (var i = 0; i < fields.Count; i++)
                    {
                        var v = tuple[i];
                        var isList = comps[i] is "in" or "intersects" or "pmatch";
                        if (v.Items is not null && !isList)
                        {
                            throw new FalcoCompileException($"field '{fields[i]}' is compared with '{comps[i]}', which takes one value, not a list");
                        }

                        IReadOnlyList<FalcoListValue> operand = v.Items is not null
                            ? [.. v.Items.Select(item => new FalcoListValue(item, Bare: false))]
                            : [new FalcoListValue(v.Scalar!, Bare: isList)];
                        checks[i] = compiler.CompileCheck(fields[i], comps[i], operand);
                    }

                    any.Add(new FalcoAndNode(checks));
                }
            }
            catch (FalcoCompileException e)
            {
                throw new FalcoCompileException($"exception '{ex.Name}': {e.Message}");
            }
        }

        return any.Count == 0 ? null : new FalcoOrNode([.. any]);
    }
}
