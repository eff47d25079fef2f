using ZtStream.Verifier.Rules.Detection;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// The enabled rules an event of one kind evaluates, in file order, each with the attribute it cannot match without:
/// an event asks once whether it has an attribute, for every rule that needs it. The Google Cloud rules each need
/// <c>attributes.gcp.service_name</c>, <c>gcp.method_name</c> or <c>gcp.granted</c>, so an application's request — the kind they share with
/// it — pays three look-ups, not a condition walk for each rule.
/// </summary>
internal sealed class RuleCandidates
{
    private RuleCandidates(Rule[] rules, int[] gateOf, FieldPath[] gates)
    {
        Rules = rules;
        GateOf = gateOf;
        Gates = gates;
    }

    public static RuleCandidates Empty { get; } = new([], [], []);

    public Rule[] Rules { get; }

    /// <summary>For each rule of <see cref="Rules"/>, the index in <see cref="Gates"/> of the attribute it needs; -1 for none.</summary>
    public int[] GateOf { get; }

    /// <summary>The distinct attributes the rules need (<see cref="FieldPath.Key"/>), in the order first needed.</summary>
    public FieldPath[] Gates { get; }

    public static RuleCandidates Of(Rule[] rules)
    {
        var gates = new List<FieldPath>();
        var gateOf = new int[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            gateOf[i] = Gate(rules[i]) is { } path ? IndexOf(gates, path) : -1;
        }

        return new RuleCandidates(rules, gateOf, [.. gates]);
    }

    /// <summary>
    /// The attribute <paramref name="rule"/> cannot match without, or null. A correlation's condition is its inputs': it
    /// is evaluated through them, never skipped for an attribute.
    /// </summary>
    public static FieldPath? Gate(Rule rule) => rule.Correlation is null ? rule.Condition.RequiredAttribute : null;

    private static int IndexOf(List<FieldPath> gates, FieldPath path)
    {
        var i = gates.FindIndex(g => g.SameAs(path));
        if (i < 0)
        {
            gates.Add(path);
            i = gates.Count - 1;
        }

        return i;
    }
}
