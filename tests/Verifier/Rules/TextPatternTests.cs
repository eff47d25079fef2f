using System.Text.RegularExpressions;

namespace ZtStream.Verifier.Tests.Rules;

public sealed class TextPatternTests
{
    [Fact]
    public void Test_AgreesWithTheEquivalentRegex_OnEverySmallCase()
    {
        // Every Sigma value of up to five characters over {a, b, *, ?} against every text of up to five over {a, b, B},
        // case-sensitive and not: * is any run, ? one character.
        var patterns = AllWords.Over("ab*?", 5);
        var texts = AllWords.Over("abB", 5);
        foreach (var cased in new[] { true, false })
        {
            foreach (var pattern in patterns)
            {
                var compiled = TextPattern.Compile(pattern, cased);
                var regex = new Regex(
                    "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                    RegexOptions.Singleline | RegexOptions.CultureInvariant | (cased ? RegexOptions.None : RegexOptions.IgnoreCase));
                foreach (var text in texts)
                {
                    Assert.True(regex.IsMatch(text) == Matches(compiled, text), $"'{pattern}' ({(cased ? "cased" : "any case")}) against '{text}'");
                }
            }
        }
    }

    /// <summary>
    /// A rule's value meets texts anyone may send, up to a whole object's JSON: trying every split of the text between
    /// the wildcards took exponential time on a text that nearly matches, stalling the Verifier's partition.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Test_ManyWildcardsAgainstALongNearMiss_Ends()
    {
        var compiled = TextPattern.Compile(string.Concat(Enumerable.Repeat("*a?", 12)) + "*b", cased: false);
        var text = new string('a', 20_000);

        var matched = await Task.Run(() => Matches(compiled, text), TestContext.Current.CancellationToken)
            .WaitAsync(TestContext.Current.CancellationToken);

        Assert.False(matched);
        Assert.True(Matches(compiled, text + "B"));
    }

    private static bool Matches(TextPattern pattern, string text) => pattern.Test(new Leaf(LeafKind.String, text, default), null!);
}
