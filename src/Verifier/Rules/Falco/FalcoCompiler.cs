namespace ZtStream.Verifier.Rules.Falco;

/// <summary>A compiled condition (or part of one): evaluated per event, immutable, shared across rules.</summary>
internal abstract class FalcoNode
{
    public abstract bool Eval(in FalcoEvent e);
}

internal sealed class FalcoAndNode(FalcoNode[] children) : FalcoNode
{
    public override bool Eval(in FalcoEvent e)
    {
        foreach (var c in children)
        {
            if (!c.Eval(e))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class FalcoOrNode(FalcoNode[] children) : FalcoNode
{
    public override bool Eval(in FalcoEvent e)
    {
        foreach (var c in children)
        {
            if (c.Eval(e))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class FalcoNotNode(FalcoNode child) : FalcoNode
{
    public override bool Eval(in FalcoEvent e) => !child.Eval(e);
}

/// <summary>
/// A condition (or part) whose answer is the same on every event of the rule's source, known at load: a check of a
/// field with one value there (<c>evt.type</c> of a process exec), and what <c>and</c>, <c>or</c> and <c>not</c> make of
/// such checks. <see cref="Why"/> is the checks that decide it, as written, for the error of a rule that can never match.
/// </summary>
internal sealed class FalcoConstantNode(bool value, string why) : FalcoNode
{
    public bool Value { get; } = value;

    public string Why { get; } = why;

    public override bool Eval(in FalcoEvent e) => Value;
}

/// <summary>A macro: evaluated once per event and remembered in the event's cache, since most rules share their macros.</summary>
internal sealed class FalcoMemoNode(FalcoNode inner, int slot) : FalcoNode
{
    public override bool Eval(in FalcoEvent e)
    {
        var cache = e.Cache;
        if (cache is null)
        {
            return inner.Eval(e);
        }

        var state = cache.States[slot];
        if (state != FalcoEventCache.Unknown)
        {
            return state == FalcoEventCache.Yes;
        }

        var result = inner.Eval(e);
        cache.States[slot] = result ? FalcoEventCache.Yes : FalcoEventCache.No;
        return result;
    }
}

/// <summary>How a check combines the values of its field.</summary>
internal enum FalcoQuantifier
{
    /// <summary>Some value passes (single fields, <c>intersects</c>, and string operators on list fields).</summary>
    Any,

    /// <summary>Every value passes and there is one (<c>in</c> on a list field).</summary>
    All,

    /// <summary>There is a value and none passes (<c>!=</c>).</summary>
    None,

    /// <summary>There is a value (<c>exists</c>).</summary>
    Exists,
}

internal sealed class FalcoCheckNode(FalcoField field, FalcoValueTest test, FalcoQuantifier quantifier) : FalcoNode
{
    public override bool Eval(in FalcoEvent e) => Check(e, field, test, quantifier);

    /// <summary>The field's values against the test, combined as <paramref name="quantifier"/> says.</summary>
    public static bool Check(in FalcoEvent e, FalcoField field, FalcoValueTest test, FalcoQuantifier quantifier)
    {
        bool present;
        switch (quantifier)
        {
            case FalcoQuantifier.Any:
                return field.Visit(e, test, all: false, out _);
            case FalcoQuantifier.All:
                var every = field.Visit(e, test, all: true, out present);
                return present && every;
            case FalcoQuantifier.None:
                var any = field.Visit(e, test, all: false, out present);
                return present && !any;
            default:
                field.Visit(e, FalcoTests.Always, all: false, out present);
                return present;
        }
    }
}

/// <summary>
/// A comparison of a field with another field of the same event (<c>ka.target.namespace = val(ka.user.name)</c>): the
/// right-hand field's value becomes the operand for this event. When it has none, the check is false, as in libsinsp.
/// </summary>
internal sealed class FalcoFieldCompareNode(FalcoField left, FalcoField right, Func<byte[], FalcoValueTest> test, FalcoQuantifier quantifier) : FalcoNode
{
    public override bool Eval(in FalcoEvent e)
    {
        var values = FalcoValueCollector.Collect(right, e, out var present);
        return present && FalcoCheckNode.Check(e, left, test(values[0]), quantifier);
    }
}

/// <summary>A condition, macro, list, field or operator that cannot be compiled; the message names the construct.</summary>
internal class FalcoCompileException(string message) : Exception(message)
{
    /// <summary>
    /// Whether another call of the same system call carries what this one lacks (an open's flags, which a file access
    /// lacks and an open's own kprobe gives): the rule is then not read on this call, and refused only when no call can
    /// read it. Kept through every message that wraps this one.
    /// </summary>
    public bool ReadElsewhere { get; init; }
}

/// <summary>
/// Turns parsed conditions into <see cref="FalcoNode"/> trees once, at load: macros are expanded (each compiled once
/// and shared), list names inside value lists are replaced by their items, fields are bound to their extractors
/// and values to their tests. Anything unknown is an error naming the construct. One per source: macros have no
/// source, so a macro is compiled (and its fields checked) for each source whose rules use it.
/// </summary>
internal sealed class FalcoCompiler(FalcoDefinitions definitions, FalcoSlots slots, FalcoSource source)
{
    private readonly Dictionary<string, FalcoNode> macros = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FalcoCompileException> failedMacros = new(StringComparer.Ordinal);
    private readonly HashSet<string> expanding = new(StringComparer.Ordinal);

    // What each compiled macro uses, transitively: a rule that uses the macro (compiled once, shared) uses all of it.
    private readonly Dictionary<string, HashSet<string>> macroUses = new(StringComparer.Ordinal);
    private readonly Stack<HashSet<string>> uses = new();
    private int depth;

    private static string TooDeep { get; } =
        $"the condition nests deeper than {RuleLimits.MaxConditionDepth} levels, counting the conditions of the macros it uses";

    /// <summary>
    /// Starts recording the macros and lists compiling resolves (<c>macro:NAME</c>, <c>list:NAME</c>), for one rule's
    /// revision; <see cref="EndUses"/> gives them.
    /// </summary>
    public void BeginUses() => uses.Push(new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The macros and lists resolved since <see cref="BeginUses"/>, nested ones included.</summary>
    public HashSet<string> EndUses() => uses.Pop();

    public FalcoNode CompileCondition(string condition)
    {
        FalcoExpr expr;
        try
        {
            expr = FalcoConditionParser.Parse(condition);
        }
        catch (FalcoSyntaxException ex)
        {
            throw new FalcoCompileException($"condition: {ex.Message}");
        }

        return Compile(expr);
    }

    /// <summary>One check built from parts (an exception's field, comparison and values).</summary>
    public FalcoNode CompileCheck(string fieldText, string op, IReadOnlyList<FalcoListValue> values)
    {
        var (name, arg) = SplitField(fieldText);
        var normalized = op == "==" ? "=" : op;
        if (!FalcoConditionParser.Operators.Contains(normalized))
        {
            throw new FalcoCompileException($"unknown comparison '{op}' (one of {string.Join(", ", FalcoConditionParser.Operators)})");
        }

        FalcoOperand? operand = normalized switch
        {
            "exists" => null,
            "in" or "intersects" or "pmatch" => new FalcoValueList(values),
            _ when values.Count == 1 => new FalcoScalar(values[0].Value),
            _ => throw new FalcoCompileException($"comparison '{op}' takes one value, got {values.Count}"),
        };
        return Compile(new FalcoCheck(name, arg, normalized, operand, 1));
    }

    /// <summary>The items of a list, with nested list names expanded.</summary>
    public IReadOnlyList<string> ExpandValues(IEnumerable<FalcoListValue> values)
    {
        var result = new List<string>();
        foreach (var v in values)
        {
            ExpandInto(v, result, depth: 0);
        }

        return result;
    }

    private void ExpandInto(FalcoListValue value, List<string> into, int depth)
    {
        if (!value.Bare || !definitions.Lists.TryGetValue(value.Value, out var list))
        {
            // Falco takes a name that is no list as a literal value.
            into.Add(value.Value);
            if (into.Count > RuleLimits.MaxExpandedValues)
            {
                throw new FalcoCompileException($"a list of values expands to more than {RuleLimits.MaxExpandedValues} items (lists naming lists multiply)");
            }

            return;
        }

        if (list.Broken)
        {
            throw new FalcoCompileException($"uses list '{list.Name}' ({list.Origin}), which failed to load");
        }

        Use("list:" + list.Name);

        if (depth > 32)
        {
            throw new FalcoCompileException($"list '{list.Name}' ({list.Origin}) refers to itself");
        }

        foreach (var item in list.Items)
        {
            ExpandInto(new FalcoListValue(item, Bare: true), into, depth + 1);
        }
    }

    private static (string Name, string? Arg) SplitField(string text)
    {
        var open = text.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return (text.Trim(), null);
        }

        if (!text.EndsWith(']'))
        {
            throw new FalcoCompileException($"field '{text}': expected ']' at the end of the argument");
        }

        return (text[..open].Trim(), text[(open + 1)..^1]);
    }

    /// <summary>
    /// Counts the depth across macros: each macro's condition is parsed within the limit on its own, but a chain of
    /// macros naming macros would otherwise recurse as deep as the chain is long.
    /// </summary>
    private FalcoNode Compile(FalcoExpr expr)
    {
        if (depth >= RuleLimits.MaxConditionDepth)
        {
            throw new FalcoCompileException(TooDeep);
        }

        depth++;
        try
        {
            return expr switch
            {
                FalcoAnd a => Fold(a.Children, decisive: false),
                FalcoOr o => Fold(o.Children, decisive: true),
                FalcoNot n => Negate(Compile(n.Child)),
                FalcoMacroRef m => Macro(m),
                FalcoCheck c => Check(c),
                _ => throw new FalcoCompileException($"unexpected condition node {expr.GetType().Name}"),
            };
        }
        finally
        {
            depth--;
        }
    }

    private static FalcoNode Negate(FalcoNode node) =>
        node is FalcoConstantNode c ? new FalcoConstantNode(!c.Value, $"not ({c.Why})") : new FalcoNotNode(node);

    /// <summary>
    /// <c>and</c> (<paramref name="decisive"/> false) or <c>or</c> (true) of the children. A child whose answer is known at
    /// load and is <paramref name="decisive"/> decides the whole, whatever the others are: an <c>and</c> that needs
    /// <c>evt.type=open</c> is false on an exec even where another of its checks reads a field an exec does not have, as
    /// in libsinsp, which never extracts that field from an exec. Otherwise the first child that failed to compile fails it,
    /// as before, and known children that change nothing are dropped.
    /// </summary>
    private FalcoNode Fold(IReadOnlyList<FalcoExpr> children, bool decisive)
    {
        var nodes = new List<FalcoNode>(children.Count);
        var known = new List<string>();
        FalcoCompileException? failed = null;
        foreach (var child in children)
        {
            FalcoNode node;
            try
            {
                node = Compile(child);
            }
            catch (FalcoCompileException ex) when (ex.Message != TooDeep)
            {
                failed ??= ex;
                continue;
            }

            if (node is FalcoConstantNode c)
            {
                if (c.Value == decisive)
                {
                    return c;
                }

                known.Add(c.Why);
                continue;
            }

            nodes.Add(node);
        }

        if (failed is not null)
        {
            throw failed;
        }

        return nodes.Count switch
        {
            0 => new FalcoConstantNode(!decisive, string.Join(decisive ? " or " : " and ", known.Distinct(StringComparer.Ordinal))),
            1 => nodes[0],
            _ => decisive ? new FalcoOrNode([.. nodes]) : new FalcoAndNode([.. nodes]),
        };
    }

    private FalcoNode Macro(FalcoMacroRef reference)
    {
        var name = reference.Name;
        if (macros.TryGetValue(name, out var compiled))
        {
            Use("macro:" + name);
            foreach (var used in macroUses[name])
            {
                Use(used);
            }

            return compiled;
        }

        if (failedMacros.TryGetValue(name, out var failure))
        {
            throw failure;
        }

        if (!definitions.Macros.TryGetValue(name, out var macro))
        {
            throw new FalcoCompileException($"undefined macro '{name}' (column {reference.Column.ToString(CultureInfo.InvariantCulture)}): no macro, and not a field name");
        }

        if (macro.Broken)
        {
            throw Remember(name, $"uses macro '{name}' ({macro.Origin}), which failed to load");
        }

        if (!expanding.Add(name))
        {
            throw new FalcoCompileException($"macro '{name}' ({macro.Origin}) refers to itself");
        }

        uses.Push(new HashSet<string>(StringComparer.Ordinal));
        try
        {
            FalcoExpr expr;
            try
            {
                expr = FalcoConditionParser.Parse(macro.Condition);
            }
            catch (FalcoSyntaxException ex)
            {
                throw Remember(name, $"in macro '{name}' ({macro.Origin}): condition: {ex.Message}");
            }

            try
            {
                compiled = Compile(expr);
            }
            catch (FalcoCompileException ex) when (ex.Message == TooDeep)
            {
                // How deep a macro ends up depends on where it is used: not remembered as the macro's failure.
                throw;
            }
            catch (FalcoCompileException ex) when (!ex.Message.StartsWith("in macro ", StringComparison.Ordinal) && !ex.Message.StartsWith("uses ", StringComparison.Ordinal))
            {
                throw Remember(name, $"in macro '{name}' ({macro.Origin}): {ex.Message}", ex.ReadElsewhere);
            }

            // A macro known at load (spawned_process on an exec) is its answer: nothing to remember per event.
            compiled = compiled is FalcoConstantNode ? compiled : new FalcoMemoNode(compiled, slots.Next());
            macros[name] = compiled;
            macroUses[name] = uses.Peek();
            return compiled;
        }
        finally
        {
            expanding.Remove(name);
            var inner = uses.Pop();
            Use("macro:" + name);
            foreach (var used in inner)
            {
                Use(used);
            }
        }
    }

    private void Use(string name)
    {
        if (uses.TryPeek(out var top))
        {
            top.Add(name);
        }
    }

    private FalcoCompileException Remember(string macro, string message, bool readElsewhere = false) =>
        failedMacros[macro] = new FalcoCompileException(message) { ReadElsewhere = readElsewhere };

    private FalcoField BindField(string name, string? arg, IReadOnlyList<string>? transformers, int column)
    {
        try
        {
            var field = FalcoFieldCatalog.Bind(name, arg, slots, source);
            if (field is FalcoOneOfField oneOf && transformers is { Count: > 0 })
            {
                throw new FalcoNotCarriedException(oneOf.Text, "a transformer of it is not decided at load: " + oneOf.Why, oneOf.Carrier);
            }

            return FalcoTransformers.Wrap(field, transformers);
        }
        catch (FalcoCompileException ex)
        {
            throw new FalcoCompileException($"{ex.Message} (column {column.ToString(CultureInfo.InvariantCulture)})") { ReadElsewhere = ex.ReadElsewhere };
        }
    }

    private FalcoNode Check(FalcoCheck check)
    {
        var field = BindField(check.Field, check.Arg, check.Transformers, check.Column);
        try
        {
            if (field is FalcoOneOfField oneOf)
            {
                return Decide(check, oneOf);
            }

            if (field is FalcoNetField { IsAddress: false } && check.Operand is not FalcoFieldOperand)
            {
                return NetworkComparison(check, field);
            }

            if (check.Operand is FalcoFieldOperand other)
            {
                return FieldComparison(check, field, other);
            }

            if (field is FalcoTransformedField { IsNumeric: true })
            {
                NumberOperands(check);
            }

            var node = LiteralComparison(check, field);

            // A field with one value on every event of the source decides the check at load.
            return field is FalcoConstantField ? new FalcoConstantNode(node.Eval(default), Describe(check)) : node;
        }
        catch (FalcoCompileException ex)
        {
            throw new FalcoCompileException($"{ex.Message} in '{check.FieldText} {check.Operator}' (column {check.Column.ToString(CultureInfo.InvariantCulture)})") { ReadElsewhere = ex.ReadElsewhere };
        }
    }

    /// <summary>
    /// <c>len()</c> gives a number (libsinsp's uint64): the operators of strings do not take it, and its operand must be a
    /// number, as Falco refuses both when it loads the rule.
    /// </summary>
    private void NumberOperands(FalcoCheck check)
    {
        if (check.Operator is not ("exists" or "=" or "!=" or "<" or "<=" or ">" or ">=" or "in" or "intersects"))
        {
            throw new FalcoCompileException($"'{check.Operator}' does not compare numbers, and len() gives a number");
        }

        IEnumerable<string> operands = check.Operand switch
        {
            FalcoScalar s => [s.Value],
            FalcoValueList l => ExpandValues(l.Values),
            _ => [],
        };
        foreach (var v in operands)
        {
            if (!ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                throw new FalcoCompileException($"len() gives a number, and '{v}' is not one");
            }
        }
    }

    /// <summary>
    /// <c>field op val(other)</c> or <c>field op transformer(other)</c>. Falco takes a single-valued field on the right,
    /// with the comparison operators whose operand is one value; a pattern (<c>regex</c>) or byte string
    /// (<c>bcontains</c>) has to be written out.
    /// </summary>
    private FalcoFieldCompareNode FieldComparison(FalcoCheck check, FalcoField left, FalcoFieldOperand other)
    {
        var right = BindField(other.Field, other.Arg, other.Transformers, check.Column);
        if (right.IsList)
        {
            throw new FalcoCompileException($"'{other.Text}' is a list field, and the right-hand side of a comparison takes a single-valued field");
        }

        var leftNumber = left is FalcoTransformedField { IsNumeric: true };
        var rightNumber = right is FalcoTransformedField { IsNumeric: true };
        if (leftNumber != rightNumber)
        {
            throw new FalcoCompileException($"compares {(leftNumber ? "a number" : "a string")} with {(rightNumber ? "a number" : "a string")} ('{other.Text}')");
        }

        var op = check.Operator;
        Func<byte[], FalcoValueTest> test = op switch
        {
            "=" or "!=" => FalcoTests.Equal,
            "contains" => FalcoTests.Contains,
            "icontains" => FalcoTests.IContains,
            "startswith" => FalcoTests.StartsWith,
            "endswith" => FalcoTests.EndsWith,
            "glob" => v => FalcoTests.Glob(Encoding.UTF8.GetString(v), ignoreCase: false),
            "iglob" => v => FalcoTests.Glob(Encoding.UTF8.GetString(v), ignoreCase: true),
            "<" or "<=" or ">" or ">=" => v => FalcoTests.Compare(op, v),
            _ => throw new FalcoCompileException($"'{op}' cannot compare with a field ('{other.Text}'): its operand must be written out"),
        };
        if (leftNumber && op is not ("=" or "!=" or "<" or "<=" or ">" or ">="))
        {
            throw new FalcoCompileException($"'{op}' does not compare numbers, and len() gives a number");
        }

        if (op == "!=" && left is FalcoAnyAncestorField)
        {
            return new FalcoFieldCompareNode(left, right, v => FalcoAnyAncestorField.Differs(FalcoTests.Equal(v)), FalcoQuantifier.Any);
        }

        var quantifier = op == "!=" ? FalcoQuantifier.None : FalcoQuantifier.Any;
        return new FalcoFieldCompareNode(left, right, test, quantifier);
    }

    private FalcoCheckNode LiteralComparison(FalcoCheck check, FalcoField field)
    {
        var value = (check.Operand as FalcoScalar)?.Value;
        var list = check.Operand is FalcoValueList l ? ExpandValues(l.Values) : [];
        return check.Operator switch
        {
            "exists" => new FalcoCheckNode(field, FalcoTests.Always, FalcoQuantifier.Exists),
            "=" => new FalcoCheckNode(field, FalcoTests.Equal(value!), FalcoQuantifier.Any),
            "!=" when field is FalcoAnyAncestorField => new FalcoCheckNode(field, FalcoAnyAncestorField.Differs(FalcoTests.Equal(value!)), FalcoQuantifier.Any),
            "!=" => new FalcoCheckNode(field, FalcoTests.Equal(value!), FalcoQuantifier.None),
            "contains" => new FalcoCheckNode(field, FalcoTests.Contains(value!), FalcoQuantifier.Any),
            "icontains" => new FalcoCheckNode(field, FalcoTests.IContains(value!), FalcoQuantifier.Any),
            "startswith" => new FalcoCheckNode(field, FalcoTests.StartsWith(value!), FalcoQuantifier.Any),
            "endswith" => new FalcoCheckNode(field, FalcoTests.EndsWith(value!), FalcoQuantifier.Any),
            "bcontains" => new FalcoCheckNode(field, FalcoTests.BContains(Hex(value!, check)), FalcoQuantifier.Any),
            "bstartswith" => new FalcoCheckNode(field, FalcoTests.BStartsWith(Hex(value!, check)), FalcoQuantifier.Any),
            "glob" => new FalcoCheckNode(field, FalcoTests.Glob(value!, ignoreCase: false), FalcoQuantifier.Any),
            "iglob" => new FalcoCheckNode(field, FalcoTests.Glob(value!, ignoreCase: true), FalcoQuantifier.Any),
            "regex" => new FalcoCheckNode(field, FalcoTests.FullMatch(Pattern(value!, check)), FalcoQuantifier.Any),
            "<" or "<=" or ">" or ">=" => new FalcoCheckNode(field, FalcoTests.Compare(check.Operator, value!), FalcoQuantifier.Any),
            "in" => new FalcoCheckNode(field, FalcoTests.Set(list), field.IsList ? FalcoQuantifier.All : FalcoQuantifier.Any),
            "intersects" => new FalcoCheckNode(field, FalcoTests.Set(list), FalcoQuantifier.Any),
            "pmatch" => new FalcoCheckNode(field, FalcoTests.PathPrefix(list), FalcoQuantifier.Any),
            _ => throw new FalcoCompileException($"unsupported operator '{check.Operator}'"),
        };
    }

    /// <summary>
    /// A check of a field that is one of a few values the record does not tell apart: true when the check holds for each,
    /// false when for none, known at load either way; otherwise refused, naming the field and why.
    /// </summary>
    private FalcoConstantNode Decide(FalcoCheck check, FalcoOneOfField field)
    {
        if (check.Operand is FalcoFieldOperand)
        {
            throw new FalcoNotCarriedException(field.Text, "a comparison with another field is not decided at load: " + field.Why, field.Carrier);
        }

        if (field.NonNegative)
        {
            return new FalcoConstantNode(BelowZero(check) ?? throw new FalcoNotCarriedException(field.Text, field.Why, field.Carrier), Describe(check));
        }

        bool? answer = null;
        foreach (var value in field.Values)
        {
            var each = LiteralComparison(check, new FalcoConstantField(field.Text, value)).Eval(default);
            if (answer is { } known && known != each)
            {
                throw new FalcoNotCarriedException(field.Text, field.Why, field.Carrier) { ReadElsewhere = field.ReadElsewhere };
            }

            answer = each;
        }

        return new FalcoConstantNode(answer ?? false, Describe(check));
    }

    /// <summary>
    /// <c>fd.net</c>, <c>fd.snet</c>, <c>fd.cnet</c> against networks written in CIDR notation: <c>=</c> (the address is in
    /// the network), <c>!=</c> (not in it), <c>in</c> (in one of them), as libsinsp compares them; any other operator, or a
    /// value that is no network, is a load error naming it.
    /// </summary>
    private FalcoCheckNode NetworkComparison(FalcoCheck check, FalcoField field)
    {
        IReadOnlyList<string> values = check.Operand switch
        {
            FalcoScalar s => [s.Value],
            FalcoValueList l => ExpandValues(l.Values),
            _ => [],
        };
        var networks = new List<IPNetwork>(values.Count);
        foreach (var value in values)
        {
            if (!IPNetwork.TryParse(value.Trim('"'), out var network))
            {
                throw new FalcoCompileException($"'{value}' is not a network in CIDR notation (10.0.0.0/8), as {check.FieldText} compares");
            }

            networks.Add(network);
        }

        var test = FalcoTests.InNetworks(networks);
        return check.Operator switch
        {
            "=" or "in" => new FalcoCheckNode(field, test, FalcoQuantifier.Any),
            "!=" => new FalcoCheckNode(field, test, FalcoQuantifier.None),
            "exists" => new FalcoCheckNode(field, FalcoTests.Always, FalcoQuantifier.Exists),
            _ => throw new FalcoCompileException($"'{check.Operator}' does not compare networks: {check.FieldText} takes =, != and in"),
        };
    }

    /// <summary>
    /// A check of a number known to be 0 or more against a number below 0 (<c>fd.num &gt;= 0</c>, <c>fd.num = -1</c>):
    /// its answer whatever the number; null for any other check, which depends on the number.
    /// </summary>
    private static bool? BelowZero(FalcoCheck check)
    {
        if (check.Operand is not FalcoScalar { Value: var text } || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return check.Operator switch
        {
            ">=" when n <= 0 => true,
            ">" when n < 0 => true,
            "!=" when n < 0 => true,
            "<" when n <= 0 => false,
            "<=" when n < 0 => false,
            "=" when n < 0 => false,
            _ => null,
        };
    }

    /// <summary>The check as written, its list names expanded: <c>evt.type in (open, openat, openat2)</c>.</summary>
    private string Describe(FalcoCheck check) => check.Operand switch
    {
        FalcoScalar s => $"{check.FieldText} {check.Operator} {s.Value}",
        FalcoValueList l => $"{check.FieldText} {check.Operator} ({string.Join(", ", ExpandValues(l.Values))})",
        _ => $"{check.FieldText} {check.Operator}",
    };

    private static byte[] Hex(string value, FalcoCheck check)
    {
        try
        {
            return Convert.FromHexString(value);
        }
        catch (FormatException)
        {
            throw new FalcoCompileException($"'{check.Operator}' needs a hexadecimal byte string, got '{value}'");
        }
    }

    private static Regex Pattern(string value, FalcoCheck check)
    {
        try
        {
            return new Regex($@"\A(?:{value})\z", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            throw new FalcoCompileException($"'{check.Operator}': invalid regular expression '{value}': {ex.Message}");
        }
    }
}
