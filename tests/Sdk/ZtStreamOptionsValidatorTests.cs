namespace ZtStream.Sdk.Tests;

public sealed class ZtStreamOptionsValidatorTests
{
    private static ZtStreamOptions WithFeed(string feed, bool allowHttp = false) => new()
    {
        Endpoint = new Uri("https://ingest.example.com"),
        SourceKey = "k",
        Revocations = { Feed = new Uri(feed), AllowHttp = allowHttp },
    };

    private static ZtStreamOptions WithEndpoint(string endpoint, bool allowHttp = false) => new()
    {
        Endpoint = new Uri(endpoint),
        AllowHttp = allowHttp,
        SourceKey = "k",
    };

    /// <summary>The source key and the events would cross the network in clear: refused as the feed is, naming its own opt-out.</summary>
    [Theory]
    [InlineData("http://ingest.example.com:8080")]
    [InlineData("http://ztstream-ingest")]
    [InlineData("http://198.51.100.7:8080")]
    [InlineData("http://[2001:db8::7]:8080")]
    [InlineData("http://localhost.example.com")]
    [InlineData("http://10.0.0.5:8080")]
    public void Validate_PlainHttpEndpointToAnotherHost_IsAProblemNamingTheOptOut(string endpoint)
    {
        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(WithEndpoint(endpoint)));

        Assert.StartsWith("ZtStream:Endpoint must be https: the source key and every event would cross the network in clear", problem, StringComparison.Ordinal);
        Assert.Contains($"(got '{new Uri(endpoint)}'", problem, StringComparison.Ordinal);
        Assert.Contains("with ZtStream:AllowHttp=true", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://ingest.example.com")]
    [InlineData("https://198.51.100.7:8443")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.10.0.1:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://LocalHost")]
    public void Validate_HttpsOrLoopbackEndpoint_IsAccepted(string endpoint) =>
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithEndpoint(endpoint)));

    /// <summary>Each address has its own opt-out: allowing one in clear allows neither the other nor both.</summary>
    [Fact]
    public void Validate_EachOptOut_AllowsOnlyItsOwnAddress()
    {
        var endpointOnly = WithEndpoint("http://ingest.example.com:8080", allowHttp: true);
        endpointOnly.Revocations.Feed = new Uri("http://responder.example.com:8080");
        var feedOnly = WithEndpoint("http://ingest.example.com:8080");
        feedOnly.Revocations.Feed = new Uri("http://responder.example.com:8080");
        feedOnly.Revocations.AllowHttp = true;

        Assert.StartsWith("ZtStream:Revocations:Feed must be https", Assert.Single(ZtStreamOptionsValidator.Validate(endpointOnly)), StringComparison.Ordinal);
        Assert.StartsWith("ZtStream:Endpoint must be https", Assert.Single(ZtStreamOptionsValidator.Validate(feedOnly)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PlainHttpEndpointWithAllowHttp_IsAccepted() =>
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithEndpoint("http://ingest.example.com:8080", allowHttp: true)));

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
