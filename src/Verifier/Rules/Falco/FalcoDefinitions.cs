namespace ZtStream.Verifier.Rules.Falco;

/// <summary>A rule, macro or list being built from its items.</summary>
internal interface IFalcoState
{
    /// <summary>An item defining or changing it failed: the error is reported and it (and whatever uses it) does not load.</summary>
    bool Broken { get; set; }
}

internal sealed class FalcoListState(string name, RuleOrigin origin) : IFalcoState
{
    public string Name { get; } = name;

    public RuleOrigin Origin { get; set; } = origin;

    public List<string> Items { get; set; } = [];

    public bool Broken { get; set; }
}

internal sealed class FalcoMacroState(string name, RuleOrigin origin) : IFalcoState
{
    public string Name { get; } = name;

    public RuleOrigin Origin { get; set; } = origin;

    public string Condition { get; set; } = "";

    public bool Broken { get; set; }
}

internal sealed class FalcoRuleState(string name, RuleOrigin origin) : IFalcoState
{
    public string Name { get; } = name;

    public RuleOrigin Origin { get; set; } = origin;

    public string Condition { get; set; } = "";

    public string Output { get; set; } = "";

    public string? Description { get; set; }

    public FalcoPriority Priority { get; set; }

    public string? Source { get; set; }

    public List<string> Tags { get; set; } = [];

    public bool Enabled { get; set; } = true;

    public List<FalcoExceptionItem> Exceptions { get; set; } = [];

    public bool Broken { get; set; }
}

/// <summary>
/// The rules, macros and lists of a set of files, applied item by item in file order as Falco's <c>-r</c> order
/// does: a later definition replaces an earlier one of the same name; <c>append: true</c> and <c>override:</c>
/// (append or replace per key) change it; an item that only sets <c>enabled</c> turns a rule on or off.
/// </summary>
internal sealed class FalcoDefinitions
{
    private static readonly HashSet<string> RuleAppendable = new(StringComparer.Ordinal) { "condition", "output", "desc", "tags", "exceptions" };

    private static readonly HashSet<string> RuleReplaceable = new(StringComparer.Ordinal)
    {
        "condition", "output", "desc", "priority", "tags", "exceptions", "enabled", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration",
    };

    private readonly Dictionary<string, FalcoRuleState> rulesByName = new(StringComparer.Ordinal);

    public Dictionary<string, FalcoListState> Lists { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, FalcoMacroState> Macros { get; } = new(StringComparer.Ordinal);

    /// <summary>Rules in the order they were first defined.</summary>
    public List<FalcoRuleState> Rules { get; } = [];

    public List<RuleLoadError> Errors { get; } = [];

    public void Apply(FalcoItem item)
    {
        switch (item)
        {
            case FalcoBrokenItem broken:
                MarkBroken(broken);
                break;
            case FalcoListItem list:
                ApplyList(list);
                break;
            case FalcoMacroItem macro:
                ApplyMacro(macro);
                break;
            case FalcoRuleItem rule:
                ApplyRule(rule);
                break;
        }
    }

    private void MarkBroken(FalcoBrokenItem item)
    {
        switch (item.Kind)
        {
            case "list":
                (Lists.TryGetValue(item.Name, out var l) ? l : Lists[item.Name] = new FalcoListState(item.Name, item.Origin)).Broken = true;
                break;
            case "macro":
                (Macros.TryGetValue(item.Name, out var m) ? m : Macros[item.Name] = new FalcoMacroState(item.Name, item.Origin)).Broken = true;
                break;
            case "rule":
                (rulesByName.TryGetValue(item.Name, out var r) ? r : AddRule(new FalcoRuleState(item.Name, item.Origin))).Broken = true;
                break;
        }
    }

    private void ApplyList(FalcoListItem item)
    {
        Lists.TryGetValue(item.Name, out var existing);
        if (Merge(item, existing, "list", "items", ["items"], ["items"]) is not { } mode)
        {
            return;
        }

        if (mode == Mode.Define)
        {
            Lists[item.Name] = new FalcoListState(item.Name, item.Origin) { Items = [.. item.Items ?? []] };
        }
        else if (mode == Mode.Append)
        {
            existing!.Items.AddRange(item.Items ?? []);
        }
        else
        {
            existing!.Items = [.. item.Items ?? []];
        }
    }

    private void ApplyMacro(FalcoMacroItem item)
    {
        Macros.TryGetValue(item.Name, out var existing);
        if (Merge(item, existing, "macro", "condition", ["condition"], ["condition"]) is not { } mode)
        {
            return;
        }

        if (mode == Mode.Define)
        {
            if (string.IsNullOrWhiteSpace(item.Condition))
            {
                Error(item, null, $"macro '{item.Name}' has no condition");
                Macros[item.Name] = new FalcoMacroState(item.Name, item.Origin) { Broken = true };
                return;
            }

            Macros[item.Name] = new FalcoMacroState(item.Name, item.Origin) { Condition = item.Condition };
        }
        else
        {
            // Falco appends condition text as it is, after a blank (so "and not …" reads on from the original).
            existing!.Condition = mode == Mode.Append ? $"{existing.Condition} {item.Condition}" : item.Condition ?? "";
        }
    }

    private void ApplyRule(FalcoRuleItem item)
    {
        rulesByName.TryGetValue(item.Name, out var existing);

        // An item with only `enabled` (no condition) turns an existing rule on or off.
        if (item.Override is null && !item.Append && item.Keys.SetEquals(["rule", "enabled"]))
        {
            if (existing is null)
            {
                Error(item, item.Name, "sets 'enabled' but no rule of that name is defined before it");
                return;
            }

            existing.Enabled = item.Enabled ?? true;
            return;
        }

        if (Merge(item, existing, "rule", null, RuleAppendable, RuleReplaceable) is not { } mode)
        {
            return;
        }

        if (mode == Mode.Define)
        {
            var missing = new[] { "condition", "output", "desc", "priority" }.Where(k => !item.Keys.Contains(k)).ToList();
            var state = new FalcoRuleState(item.Name, item.Origin)
            {
                Condition = item.Condition ?? "",
                Output = item.Output ?? "",
                Description = item.Description,
                Priority = item.Priority ?? FalcoPriority.Debug,
                Source = item.Source,
                Tags = [.. item.Tags ?? []],
                Enabled = item.Enabled ?? true,
                Exceptions = [.. item.Exceptions ?? []],
            };
            if (missing.Count > 0)
            {
                Error(item, item.Name, $"a rule needs {string.Join(", ", missing)} (missing from its definition)");
                state.Broken = true;
            }

            if (existing is null)
            {
                AddRule(state);
            }
            else
            {
                // Redefining keeps the rule's place in the order.
                Rules[Rules.IndexOf(existing)] = state;
                rulesByName[item.Name] = state;
            }

            return;
        }

        var rule = existing!;
        if (item.Source is not null && rule.Source is not null && item.Source != rule.Source)
        {
            Error(item, item.Name, $"changes a rule of source '{rule.Source}' from source '{item.Source}'");
            rule.Broken = true;
            return;
        }

        foreach (var key in item.Keys)
        {
            var append = mode == Mode.Append || (item.Override?.GetValueOrDefault(key) == "append");
            switch (key)
            {
                case "condition":
                    rule.Condition = append ? $"{rule.Condition} {item.Condition}" : item.Condition ?? "";
                    break;
                case "output":
                    rule.Output = append ? $"{rule.Output} {item.Output}" : item.Output ?? "";
                    break;
                case "desc":
                    rule.Description = append ? $"{rule.Description} {item.Description}" : item.Description;
                    break;
                case "priority":
                    rule.Priority = item.Priority ?? rule.Priority;
                    break;
                case "enabled":
                    rule.Enabled = item.Enabled ?? true;
                    break;
                case "tags":
                    rule.Tags = append ? [.. rule.Tags.Union(item.Tags ?? [])] : [.. item.Tags ?? []];
                    break;
                case "exceptions":
                    if (append)
                    {
                        if (AppendExceptions(rule, item) is { } problem)
                        {
                            Error(item, item.Name, problem);
                            rule.Broken = true;
                            return;
                        }
                    }
                    else
                    {
                        rule.Exceptions = [.. item.Exceptions ?? []];
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Appended exceptions: one with a known name adds its values to that exception; a new one must say its fields.
    /// Returns the problem, if any.
    /// </summary>
    private static string? AppendExceptions(FalcoRuleState rule, FalcoRuleItem item)
    {
        foreach (var ex in item.Exceptions ?? [])
        {
            var index = rule.Exceptions.FindIndex(e => e.Name == ex.Name);
            if (index < 0)
            {
                if (ex.Fields is null)
                {
                    return $"exception '{ex.Name}' is new to the rule, so it needs 'fields'";
                }

                rule.Exceptions.Add(ex);
                continue;
            }

            var current = rule.Exceptions[index];
            if ((ex.Fields is not null && !ex.Fields.SequenceEqual(current.Fields ?? [])) || (ex.Comps is not null && !ex.Comps.SequenceEqual(current.Comps ?? [])))
            {
                return $"exception '{ex.Name}' exists with other fields or comps; appending may only add values";
            }

            rule.Exceptions[index] = current with { Values = [.. current.Values, .. ex.Values] };
        }

        return null;
    }

    private enum Mode
    {
        Define,
        Append,
        Replace,
    }

    /// <summary>
    /// Decides how an item applies to the existing definition (null: it cannot, and the error is reported).
    /// For lists and macros <paramref name="onlyKey"/> is the one key append/override acts on.
    /// </summary>
    private Mode? Merge(FalcoItem item, IFalcoState? existing, string kind, string? onlyKey, IReadOnlyCollection<string> appendable, IReadOnlyCollection<string> replaceable)
    {
        var mode = MergeMode(item, existing, kind, onlyKey, appendable, replaceable);
        if (mode is null && existing is not null)
        {
            existing.Broken = true;
        }

        return mode;
    }

    private Mode? MergeMode(FalcoItem item, IFalcoState? existing, string kind, string? onlyKey, IReadOnlyCollection<string> appendable, IReadOnlyCollection<string> replaceable)
    {
        var ruleId = kind == "rule" ? item.Name : null;
        var label = kind == "rule" ? "" : $"{kind} '{item.Name}': ";
        if (item.Append && item.Override is not null)
        {
            Error(item, ruleId, $"{label}'append' and 'override' cannot be used together");
            return null;
        }

        if (!item.Append && item.Override is null)
        {
            return Mode.Define;
        }

        if (existing is null)
        {
            Error(item, ruleId, $"{label}{(item.Append ? "'append: true'" : "'override'")} needs a {kind} of that name defined before it (in this file or an earlier one)");
            return null;
        }

        var own = item.Keys.Where(k => k is not ("rule" or "macro" or "list" or "append" or "override" or "source")).ToList();
        if (item.Append)
        {
            var bad = own.Where(k => !appendable.Contains(k)).ToList();
            if (bad.Count > 0)
            {
                Error(item, ruleId, $"{label}'append: true' can add to {string.Join(", ", appendable)}, not {string.Join(", ", bad)} (use override: replace)");
                return null;
            }

            return Mode.Append;
        }

        foreach (var (key, mode) in item.Override!)
        {
            var allowed = mode == "append" ? appendable : replaceable;
            if (!allowed.Contains(key))
            {
                Error(item, ruleId, $"{label}override '{key}: {mode}' is not allowed (can {mode}: {string.Join(", ", allowed)})");
                return null;
            }

            if (!item.Keys.Contains(key))
            {
                Error(item, ruleId, $"{label}override names '{key}' but the item does not set it");
                return null;
            }
        }

        var unlisted = own.Where(k => !item.Override.ContainsKey(k)).ToList();
        if (unlisted.Count > 0)
        {
            Error(item, ruleId, $"{label}the item sets {string.Join(", ", unlisted)} without saying in 'override' whether to append or replace");
            return null;
        }

        return onlyKey is not null && item.Override.GetValueOrDefault(onlyKey) == "replace" ? Mode.Replace : onlyKey is not null ? Mode.Append : Mode.Replace;
    }

    private FalcoRuleState AddRule(FalcoRuleState state)
    {
        Rules.Add(state);
        rulesByName[state.Name] = state;
        return state;
    }

    private void Error(FalcoItem item, string? ruleId, string reason) =>
        Errors.Add(new RuleLoadError(item.Origin.File, item.Origin.Line, ruleId, reason));
}
