namespace ZtStream.Verifier.Rules.Detection;

/// <summary>A null value: matches JSON null (a missing field is handled by the field item).</summary>
internal sealed class NullTest : ILeafTest
{
    public static readonly NullTest Instance = new();

    public bool Test(scoped in Leaf leaf, RuleEvent e) => leaf.Kind == LeafKind.Null;
}
