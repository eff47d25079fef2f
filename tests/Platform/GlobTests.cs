using System.Text.RegularExpressions;
using ZtStream.TestSupport.Fuzzing;

namespace ZtStream.Platform.Tests;

public sealed class GlobTests
{
    [Theory]
    [InlineData("payments", "payments", true)]
    [InlineData("payments", "payments-eu", false)]
    [InlineData("payments-*", "payments-eu", true)]
    [InlineData("payments-*", "payments-", true)]
    [InlineData("*-prod", "db-prod", true)]
    [InlineData("*-prod", "db-prod-2", false)]
    [InlineData("shop/*", "shop/api-1", true)]
    [InlineData("*/api-*", "shop/api-1", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyycz", false)]
    [InlineData("*", "", true)]
    [InlineData("**", "anything", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("system:serviceaccount:*:default", "system:serviceaccount:kube-system:default", true)]
    public void IsMatch_StarIsAnyRunEverythingElseLiteral(string pattern, string value, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, value));

    [Fact]
    public void IsMatch_AgreesWithTheEquivalentRegex_OnEverySmallCase()
    {
        // Every pattern of up to six characters over {a, b, *} against every value of up to seven over {a, b}.
        var patterns = AllWords.Over("ab*", 6);
        var values = AllWords.Over("ab", 7);
        foreach (var pattern in patterns)
        {
            var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
            foreach (var value in values)
            {
                Assert.True(regex.IsMatch(value) == Glob.IsMatch(pattern, value), $"'{pattern}' against '{value}'");
            }
        }
    }

    /// <summary>
    /// The pattern comes from configuration, the value from an event anyone may send: trying every split of the value
    /// between the stars took exponential time here (a stalled Ingest request); one pass takes at most their product.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task IsMatch_ManyStarsAgainstALongNearMiss_Ends()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 12)) + "*b";
        var value = new string('a', 4_000);

        var matched = await Task.Run(() => Glob.IsMatch(pattern, value), TestContext.Current.CancellationToken)
            .WaitAsync(TestContext.Current.CancellationToken);

        Assert.False(matched);
        Assert.True(Glob.IsMatch(pattern, value + "b"));
    }
}
