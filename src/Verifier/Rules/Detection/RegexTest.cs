namespace ZtStream.Verifier.Rules.Detection;

/// <summary>The <c>re</c> modifier: a regular expression, case-sensitive unless <c>re|i</c>.</summary>
internal sealed class RegexTest(Regex regex) : ILeafTest
{
    public static RegexTest Compile(string pattern, bool ignoreCase, bool multiline, bool singleline)
    {
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : 0) | (multiline ? RegexOptions.Multiline : 0) | (singleline ? RegexOptions.Singleline : 0);
        try
        {
            // Linear-time matching: a rule file can never make scoring an event slow.
            return new RegexTest(new Regex(pattern, options | RegexOptions.NonBacktracking));
        }
        catch (NotSupportedException)
        {
            try
            {
                return new RegexTest(new Regex(pattern, options, TimeSpan.FromMilliseconds(50)));
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
            return false;
        }
    }
}
