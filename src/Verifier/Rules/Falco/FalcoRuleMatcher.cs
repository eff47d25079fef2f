namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// A loaded Falco rule's compiled condition (macros, lists and exceptions included) and its output template.
/// Matches only the events of its source (<see cref="FalcoSource"/>: Kubernetes audit events, Okta System Log events)
/// that kept their original object on <see cref="AccessEvent.Raw"/>: the fields read that object. Thread-safe.
/// </summary>
internal sealed class FalcoRuleMatcher : IRuleMatcher, IRuleExplainer
{
    private readonly FalcoNode condition;
    private readonly FalcoOutputTemplate output;
    private readonly FalcoSlots slots;

    public FalcoRuleMatcher(string ruleName, FalcoSource source, FalcoPriority priority, IReadOnlyList<string> tags, FalcoNode condition, FalcoOutputTemplate output, FalcoSlots slots)
    {
        this.slots = slots;
        Source = source;
        RuleName = ruleName;
        Priority = priority;
        Tags = tags;
        this.condition = condition;
        this.output = output;
    }

    public string RuleName { get; }

    /// <summary>The source whose events the rule reads.</summary>
    public FalcoSource Source { get; }

    public FalcoPriority Priority { get; }

    /// <summary>The rule's tags as written (ATT&amp;CK ids among them are also on the rule's techniques).</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>The output template as written in the rule.</summary>
    public string OutputTemplate => output.Text;

    /// <summary>
    /// A syscall rule's condition for each call a policy reports that it can be true on (<see cref="FalcoSource.SyscallCalls"/>);
    /// empty for a rule of the exec alone and for every other source.
    /// </summary>
    public IReadOnlyList<FalcoCallCondition> Calls { get; init; } = [];

    public bool Matches(RuleEvent e)
    {
        if (!Source.TryRead(e, out var raw))
        {
            return Call(e) is { } call && call.Source.TryRead(e, out raw)
                && call.Condition.Eval(new FalcoEvent(raw, e.Event.Time, FalcoEventCache.For(e, slots), null, e.Event.Attributes, e.Event.Network));
        }

        var evt = new FalcoEvent(raw, e.Event.Time, FalcoEventCache.For(e, slots), slots.OktaMfaFor(e), e.Event.Attributes, e.Event.Network);

        // Every Okta event counts toward the MFA fields before any rule reads them, whichever rule sees it first.
        evt.OktaMfa?.Observe(evt, slots.OktaMfaSlot);
        return condition.Eval(evt);
    }

    /// <summary>The call condition whose source reads <paramref name="e"/>; null when none does.</summary>
    private FalcoCallCondition? Call(RuleEvent e)
    {
        foreach (var call in Calls)
        {
            if (call.Source.Call!.Reads(e))
            {
                return call;
            }
        }

        return null;
    }

    /// <summary>The alert reason's words: the rule's <c>output</c>, rendered for the event.</summary>
    public string Explain(RuleEvent e) => RenderOutput(e);

    /// <summary>
    /// The rule's <c>output</c> for this event, as Falco prints it: each <c>%field</c> replaced by its value, list
    /// fields as <c>(a,b)</c>, <c>&lt;NA&gt;</c> where the event has no value. Use it as the alert reason's text.
    /// </summary>
    public string RenderOutput(RuleEvent e) =>
        Call(e) is { } call && call.Source.TryRead(e, out var callRaw)
            ? call.Output.Render(new FalcoEvent(callRaw, e.Event.Time, FalcoEventCache.For(e, slots), null, e.Event.Attributes, e.Event.Network))
            : output.Render(Source.TryRead(e, out var raw)
            ? new FalcoEvent(raw, e.Event.Time, FalcoEventCache.For(e, slots), slots.OktaMfaFor(e), e.Event.Attributes, e.Event.Network)
            : new FalcoEvent(default, e.Event.Time, oktaMfa: slots.OktaMfaFor(e)));
}

/// <summary>A syscall rule's condition and output compiled for one call a policy reports (<see cref="FalcoSyscallCall"/>).</summary>
internal sealed record FalcoCallCondition(FalcoSource Source, FalcoNode Condition, FalcoOutputTemplate Output);

/// <summary>A Falco <c>output</c> string with its <c>%field</c> references bound at load.</summary>
internal sealed class FalcoOutputTemplate
{
    private readonly object[] parts;

    private FalcoOutputTemplate(string text, object[] parts)
    {
        Text = text;
        this.parts = parts;
    }

    public string Text { get; }

    /// <summary>What Falco puts for <c>%container.info</c> when no <c>-p</c> option is given (falco commit 880c396, "Add k8s/mesos/container info to rule outputs").</summary>
    private const string ContainerInfo = "%container.name (id=%container.id)";

    /// <summary>Binds every <c>%field</c> (an unknown field is an error, as in Falco); a '%' not followed by a field name stays as it is.</summary>
    public static FalcoOutputTemplate Compile(string text, FalcoSlots slots, FalcoSource source)
    {
        var written = text;
        if (source.Family == FalcoSource.Syscall)
        {
            // Falco's own substitution when it runs without -pc/-pk: the stock rules end their outputs with it.
            text = text.Replace("%container.info", ContainerInfo, StringComparison.Ordinal);
        }

        var parts = new List<object>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '%' || FieldAt(text, i + 1) is not { } field)
            {
                literal.Append(c);
                i++;
                continue;
            }

            var (name, arg, length) = field;
            if (literal.Length > 0)
            {
                parts.Add(literal.ToString());
                literal.Clear();
            }

            try
            {
                var bound = FalcoFieldCatalog.Bind(name, arg, slots, source);
                parts.Add(bound is FalcoAnyAncestorField any ? any.InOutput : bound);
            }
            catch (FalcoNotCarriedException ex)
            {
                // Falco prints a field without a value as <NA>; a field the exec record never has is always so.
                parts.Add(ex.InOutput ?? new FalcoMissingField(text.Substring(i + 1, length)));
            }
            catch (FalcoCompileException ex)
            {
                throw new FalcoCompileException($"output: {ex.Message} (at %{text.Substring(i + 1, length)})");
            }

            i += 1 + length;
        }

        if (literal.Length > 0)
        {
            parts.Add(literal.ToString());
        }

        return new FalcoOutputTemplate(written, [.. parts]);
    }

    public string Render(in FalcoEvent e)
    {
        var sb = new StringBuilder();
        var values = new ValueCollector();
        foreach (var part in parts)
        {
            if (part is string s)
            {
                sb.Append(s);
                continue;
            }

            var field = (FalcoField)part;
            values.Items.Clear();
            field.Visit(e, values, all: false, out var present);
            if (!present)
            {
                sb.Append("<NA>");
            }
            else if (field.IsList)
            {
                sb.Append('(').AppendJoin(',', values.Items).Append(')');
            }
            else
            {
                sb.Append(values.Items[0]);
            }
        }

        return sb.ToString();
    }

    /// <summary>The field name (<see cref="FalcoFieldName"/>) and its [argument] starting at <paramref name="start"/>.</summary>
    private static (string Name, string? Arg, int Length)? FieldAt(string text, int start)
    {
        var length = FalcoFieldName.Length(text, start);
        if (length == 0)
        {
            return null;
        }

        var i = start + length;
        var name = text[start..i];
        string? arg = null;
        if (i < text.Length && text[i] == '[')
        {
            var close = text.IndexOf(']', i + 1);
            if (close > i)
            {
                arg = text[(i + 1)..close];
                i = close + 1;
            }
        }

        return (name, arg, i - start);
    }

    /// <summary>Collects every value of a field (never accepts one, so the visit runs to the end).</summary>
    private sealed class ValueCollector : FalcoValueTest
    {
        public List<string> Items { get; } = [];

        public override bool Test(ReadOnlySpan<byte> value)
        {
            Items.Add(Encoding.UTF8.GetString(value));
            return false;
        }
    }
}
