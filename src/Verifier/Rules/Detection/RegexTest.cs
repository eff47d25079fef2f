namespace ZtStream.Verifier.Rules.Detection;

/// <summary>The <c>re</c> modifier: a regular expression, case-sensitive unless <c>re|i</c>.</summary>
internal sealed class RegexTest(Regex regex, string? rule = null) : ILeafTest
{
    /// <summary>The bound on one match when the pattern needs the backtracking engine (backreferences, lookarounds).</summary>
    public static readonly TimeSpan MatchLimit = TimeSpan.FromMilliseconds(50);

    /// <param name="rule">The rule the pattern belongs to, named when a match runs out of time.</param>
    public static RegexTest Compile(string pattern, bool ignoreCase, bool multiline, bool singleline, string? rule = null)
    {
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : 0) | (multiline ? RegexOptions.Multiline : 0) | (singleline ? RegexOptions.Singleline : 0);
        try
        {
            // Linear-time matching: a rule file can never make scoring an event slow.
            return new RegexTest(new Regex(pattern, options | RegexOptions.NonBacktracking), rule);
        }
        catch (NotSupportedException)
        {
            try
            {
                return new RegexTest(new Regex(pattern, options, MatchLimit), rule);
            }
            catch (ArgumentException ex)
            {
                throw new RuleFormatException($"regular expression '{pattern}' is not valid: {ex.Message}");
            }
        }
        catch (ArgumentException ex)
        {
            throw new RuleFormatException($"regular expression '{pattern}' is not valid: {ex.Message}");
        }
    }

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        if (!leaf.TryMatchText(out var text))
        {
            return false;
        }

        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            RegexTimeouts.Shared.Record(rule ?? "(unnamed)", regex.ToString(), regex.MatchTimeout);
            return false;
        }
    }
}
