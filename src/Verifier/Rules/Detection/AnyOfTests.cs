namespace ZtStream.Verifier.Rules.Detection;

/// <summary>Any of several tests (a Sigma list of values: OR).</summary>
internal sealed class AnyOfTests(ILeafTest[] tests) : ILeafTest
{
    public bool TryTestUtf8(ReadOnlySpan<byte> utf8, out bool result)
    {
        foreach (var t in tests)
        {
            if (!t.TryTestUtf8(utf8, out var one))
            {
                result = false;
                return false;
            }

            if (one)
            {
                result = true;
                return true;
            }
        }

        result = false;
        return true;
    }

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        foreach (var t in tests)
        {
            if (t.Test(leaf, e))
            {
                return true;
            }
        }

        return false;
    }
}
