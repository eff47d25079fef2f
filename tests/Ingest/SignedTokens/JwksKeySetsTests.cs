using ZtStream.Ingest.SignedTokens;

namespace ZtStream.Ingest.Tests.SignedTokens;

public sealed class JwksKeySetsTests
{
    private static readonly JwksPolicy Policy = new(
        CacheTime: TimeSpan.FromHours(1), MaxCacheTime: TimeSpan.FromHours(24), RefetchInterval: TimeSpan.FromSeconds(30), Timeout: TimeSpan.FromSeconds(10), KeepStaleOnFailure: false);

    /// <summary>RFC 9111: max-age is honoured within the policy's bounds; no-store and no-cache keep the keys no longer than the refetch interval.</summary>
    [Theory]
    [InlineData(null, 3600)]
    [InlineData("public", 3600)]
    [InlineData("public, max-age=21600, must-revalidate, no-transform", 21600)]
    [InlineData("max-age=5", 30)]
    [InlineData("max-age=604800", 86400)]
    [InlineData("no-store", 30)]
    [InlineData("no-cache, max-age=600", 30)]
    public void Lifetime_OfTheAnswersCacheControl_IsBounded(string? cacheControl, int seconds)
    {
        var header = cacheControl is null ? null : CacheControlHeaderValue.Parse(cacheControl);

        Assert.Equal(TimeSpan.FromSeconds(seconds), JwksKeySets.Lifetime(header, Policy));
    }
}
