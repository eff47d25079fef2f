namespace ZtStream.Sdk.Tests;

public sealed class ZtStreamOptionsValidatorTests
{
    private static ZtStreamOptions WithFeed(string feed, bool allowHttp = false) => new()
    {
        Endpoint = new Uri("http://ingest.example.com:8080"),
        SourceKey = "k",
        Revocations = { Feed = new Uri(feed), AllowHttp = allowHttp },
    };

    [Theory]
    [InlineData("http://responder.example.com:8080")]
    [InlineData("http://198.51.100.7")]
    [InlineData("http://[2001:db8::7]:8080")]
    [InlineData("http://localhost.example.com")]
    public void Validate_PlainHttpFeedToAnotherHost_IsAProblemNamingTheOptOut(string feed)
    {
        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(WithFeed(feed)));

        Assert.StartsWith("ZtStream:Revocations:Feed must be https", problem, StringComparison.Ordinal);
        Assert.Contains("ZtStream:Revocations:AllowHttp", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://responder.example.com")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.10.0.1:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://LOCALHOST:8080")]
    public void Validate_HttpsOrLoopbackFeed_IsAccepted(string feed) =>
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithFeed(feed)));

    [Fact]
    public void Validate_PlainHttpFeedWithAllowHttp_IsAccepted() =>
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithFeed("http://responder.example.com:8080", allowHttp: true)));

    [Fact]
    public void Validate_FeedBoundsTooSmall_ListsBoth()
    {
        var options = WithFeed("https://responder.example.com");
        options.Revocations.MaxSnapshotBytes = 0;
        options.Revocations.MaxEventBytes = 100;

        var problems = ZtStreamOptionsValidator.Validate(options);

        Assert.Contains(problems, p => p.StartsWith("ZtStream:Revocations:MaxSnapshotBytes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ZtStream:Revocations:MaxEventBytes", StringComparison.Ordinal));
    }
}
