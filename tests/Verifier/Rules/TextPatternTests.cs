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

    /// <summary>
    /// The specification's <c>?</c> is one character: an emoji or a CJK extension ideograph is one, though .NET holds it
    /// as two chars (a surrogate pair). <c>?</c> took one char, so <c>a?b</c> missed <c>a😀b</c> and matched nothing a
    /// rule author meant by it; a run never starts inside a pair either.
    /// </summary>
    [Theory]
    [InlineData("a?b", "a😀b", true)]
    [InlineData("a??b", "a😀b", false)]
    [InlineData("a??b", "a😀😀b", true)]
    [InlineData("a?b", "a😀😀b", false)]
    [InlineData("?", "𠀋", true)]
    [InlineData("??", "𠀋", false)]
    [InlineData("*?x", "😀x", true)]
    [InlineData("x?*", "x😀", true)]
    [InlineData("*x?", "ax😀", true)]
    [InlineData("*x??", "ax😀", false)]
    [InlineData("*?😀", "a😀", true)]
    [InlineData("*a?c*", "za😀cz", true)]
    [InlineData("*a?c*", "za😀😀cz", false)]
    [InlineData("*?*?*", "😀", false)]
    [InlineData("*?*?*", "😀😀", true)]
    [InlineData("ZÜRICH?", "zürich😀", true)]
    public void Test_QuestionMark_TakesOneCodePoint(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Matches(TextPattern.Compile(pattern, cased: false), text));

    private static bool Matches(TextPattern pattern, string text) => pattern.Test(new Leaf(LeafKind.String, text, default), null!);
}
