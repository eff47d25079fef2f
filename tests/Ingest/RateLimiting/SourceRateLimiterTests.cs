using ZtStream.Ingest.RateLimiting;

namespace ZtStream.Ingest.Tests.RateLimiting;

public sealed class SourceRateLimiterTests
{
    private readonly FakeTimeProvider time = new();

    private SourceRateLimiter Limiter(double rate, int burst) =>
        new(Microsoft.Extensions.Options.Options.Create(new IngestOptions { RatePerSecond = rate, RateBurst = burst }), time);

    [Fact]
    public void TryEnter_AfterABatchLargerThanTheBurst_WaitsUntilTheDebtIsRepaid()
    {
        var limiter = Limiter(rate: 10, burst: 5);

        Assert.True(limiter.TryEnter("s", out _));
        limiter.Charge("s", 25);

        Assert.False(limiter.TryEnter("s", out var wait));
        // 20 tokens of debt plus one whole token, at 10 per second.
        Assert.Equal(2.1, wait.TotalSeconds, precision: 6);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(limiter.TryEnter("s", out _));
        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(limiter.TryEnter("s", out _));
    }

    [Fact]
    public void Refill_NeverExceedsTheBurst()
    {
        var limiter = Limiter(rate: 100, burst: 3);
        time.Advance(TimeSpan.FromHours(1));

        limiter.Charge("s", 3);

        Assert.False(limiter.TryEnter("s", out _));
    }

    [Fact]
    public void Buckets_ArePerSource()
    {
        var limiter = Limiter(rate: 1, burst: 1);
        limiter.Charge("a", 1);

        Assert.False(limiter.TryEnter("a", out _));
        Assert.True(limiter.TryEnter("b", out _));
    }
}
