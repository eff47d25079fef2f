namespace ZtStream.Verifier.Rules;

/// <summary>One embedded test: its input events (canonical, or a source's payload mapped by that source's reader) and the expected outcome.</summary>
/// <param name="Name">Test name.</param>
/// <param name="ExpectMatch">match (true) or no_match (false).</param>
/// <param name="Input">Where the events come from.</param>
/// <param name="Line">Line of the test in the rule file.</param>
internal sealed record RuleTest(string Name, bool ExpectMatch, RuleTestInput Input, int Line);

/// <summary>A test's input: canonical events as JSON, or a payload in a source's own format (<c>k8s-audit</c>, <c>falco</c>).</summary>
/// <param name="Format"><c>events</c> for canonical events, else the source reader's format name.</param>
/// <param name="Json">UTF-8 JSON: an array of canonical events, or the source payload.</param>
internal sealed record RuleTestInput(string Format, byte[] Json)
{
    public const string Events = "events";
}
