namespace ZtStream.Sdk.Tests.Client;

public sealed class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(1, 50, 100)]
    [InlineData(2, 100, 200)]
    [InlineData(4, 400, 800)]
    [InlineData(10, 1000, 2000)]
    [InlineData(1000, 1000, 2000)]
    public void Delay_Attempt_DoublesWithinJitterAndCaps(int attempt, int lowMs, int highMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(lowMs), Backoff.Delay(attempt, Min, Max, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(highMs), Backoff.Delay(attempt, Min, Max, 1));
    }

    [Fact]
    public void RetryAfter_SecondsOrDate_BecomesDelay()
    {
        var now = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var longest = TimeSpan.FromMinutes(5);
        Assert.Equal(TimeSpan.FromSeconds(7), Backoff.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), now, longest));
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.RetryAfter(new RetryConditionHeaderValue(now.AddSeconds(30)), now, longest));
        Assert.Equal(TimeSpan.Zero, Backoff.RetryAfter(new RetryConditionHeaderValue(now.AddSeconds(-30)), now, longest));
        Assert.Null(Backoff.RetryAfter(null, now, longest));
    }

    [Fact]
    public void RetryAfter_LongerThanTheLongest_IsCut()
    {
        var now = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var longest = TimeSpan.FromMinutes(5);
        Assert.Equal(longest, Backoff.RetryAfter(new RetryConditionHeaderValue(TimeSpan.FromDays(3650)), now, longest));
        Assert.Equal(longest, Backoff.RetryAfter(new RetryConditionHeaderValue(now.AddYears(100)), now, longest));
    }
}
