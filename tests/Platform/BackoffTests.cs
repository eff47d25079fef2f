namespace ZtStream.Platform.Tests;

public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    [InlineData(5, 32)]
    [InlineData(6, 60)]
    [InlineData(1_000, 60)]
    public void Exponential_DoublesPerAttempt_UpToTheCap(long attempts, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff.Exponential(attempts, Initial, Max));

    [Fact]
    public void Exponential_OtherSideAskingLonger_WaitsAsAsked() =>
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.Exponential(1, Initial, Max, TimeSpan.FromSeconds(30)));

    [Fact]
    public void Exponential_OtherSideAskingShorter_KeepsTheBackoff() =>
        Assert.Equal(TimeSpan.FromSeconds(8), Backoff.Exponential(3, Initial, Max, TimeSpan.FromSeconds(1)));

    [Fact]
    public void Exponential_OtherSideAskingPastTheCap_WaitsTheCap() =>
        Assert.Equal(Max, Backoff.Exponential(1, Initial, Max, TimeSpan.FromHours(2)));

    [Fact]
    public void RetryAfter_ReadsSecondsAndDates_AndAPastDateMeansNow()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Backoff.RetryAfter(Answer("120"), Now));
        Assert.Equal(TimeSpan.FromSeconds(90), Backoff.RetryAfter(Answer(Now.AddSeconds(90).ToString("R")), Now));
        Assert.Equal(TimeSpan.Zero, Backoff.RetryAfter(Answer(Now.AddMinutes(-5).ToString("R")), Now));
        Assert.Null(Backoff.RetryAfter(Answer(null), Now));
        Assert.Null(Backoff.RetryAfter(Answer("soon"), Now));
    }

    private static HttpResponseMessage Answer(string? retryAfter)
    {
        var response = new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return response;
    }
}
