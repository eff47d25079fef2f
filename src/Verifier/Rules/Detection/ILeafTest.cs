namespace ZtStream.Verifier.Rules.Detection;

/// <summary>A test of one value (a compiled Sigma value with its modifiers).</summary>
internal interface ILeafTest
{
    bool Test(scoped in Leaf leaf, RuleEvent e);

    /// <summary>
    /// Tests a JSON string by its UTF-8 bytes (unescaped), sparing the decoding into text; false when this test
    /// cannot decide from bytes, and <see cref="Test"/> is used instead.
    /// </summary>
    bool TryTestUtf8(ReadOnlySpan<byte> utf8, out bool result)
    {
        result = false;
        return false;
    }
}
