using System.Globalization;

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

    /// <summary>
    /// Plain http to a host other than this one: a name (one that merely starts with "localhost" too), a private or
    /// public address. The endpoint and the feed are held to the same rule, so they are tried on the same addresses.
    /// </summary>
    public static TheoryData<string> InClearToAnotherHost =>
    [
        "http://ingest.example.com:8080",
        "http://responder.example.com:8080",
        "http://ztstream-ingest",
        "http://198.51.100.7",
        "http://198.51.100.7:8080",
        "http://[2001:db8::7]:8080",
        "http://localhost.example.com",
        "http://10.0.0.5:8080",
    ];

    /// <summary>https anywhere, or plain http to a loopback address or to localhost in any case.</summary>
    public static TheoryData<string> HttpsOrLoopback =>
    [
        "https://ingest.example.com",
        "https://responder.example.com",
        "https://198.51.100.7:8443",
        "http://127.0.0.1:8080",
        "http://127.10.0.1:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
        "http://LocalHost",
        "http://LOCALHOST:8080",
    ];

    /// <summary>The source key and the events would cross the network in clear: refused as the feed is, naming its own opt-out.</summary>
    [Theory]
    [MemberData(nameof(InClearToAnotherHost))]
    public void Validate_PlainHttpEndpointToAnotherHost_IsAProblemNamingTheOptOut(string endpoint)
    {
        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(WithEndpoint(endpoint)));

        Assert.StartsWith("ZtStream:Endpoint must be https: the source key and every event would cross the network in clear", problem, StringComparison.Ordinal);
        Assert.Contains($"(got '{new Uri(endpoint)}'", problem, StringComparison.Ordinal);
        Assert.Contains("with ZtStream:AllowHttp=true", problem, StringComparison.Ordinal);
    }

    /// <summary>The endpoint and the feed take the same addresses.</summary>
    [Theory]
    [MemberData(nameof(HttpsOrLoopback))]
    public void Validate_HttpsOrLoopback_IsAcceptedAsEndpointAndAsFeed(string address)
    {
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithEndpoint(address)));
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithFeed(address)));
    }

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
    public void Validate_PlainHttpWithItsAllowHttp_IsAcceptedAsEndpointAndAsFeed()
    {
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithEndpoint("http://ingest.example.com:8080", allowHttp: true)));
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithFeed("http://responder.example.com:8080", allowHttp: true)));
    }

    [Theory]
    [MemberData(nameof(InClearToAnotherHost))]
    public void Validate_PlainHttpFeedToAnotherHost_IsAProblemNamingTheOptOut(string feed)
    {
        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(WithFeed(feed)));

        Assert.StartsWith("ZtStream:Revocations:Feed must be https", problem, StringComparison.Ordinal);
        Assert.Contains("ZtStream:Revocations:AllowHttp", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FeedBoundsTooSmall_ListsEach()
    {
        var options = WithFeed("https://responder.example.com");
        options.Revocations.MaxSnapshotBytes = 0;
        options.Revocations.MaxEventBytes = 100;
        options.Revocations.MaxEntries = 0;

        var problems = ZtStreamOptionsValidator.Validate(options);

        Assert.Contains(problems, p => p.StartsWith("ZtStream:Revocations:MaxSnapshotBytes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ZtStream:Revocations:MaxEventBytes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("ZtStream:Revocations:MaxEntries must be between 100 and 10000000 (got 0)", StringComparison.Ordinal));
    }

    /// <summary>Every duration is held to a day, the bound as well as one past it.</summary>
    [Fact]
    public void Validate_EachDurationPastADay_IsAProblemAndADayIsNot()
    {
        var day = TimeSpan.FromDays(1);
        var past = day + TimeSpan.FromSeconds(1);
        ZtStreamOptions With(TimeSpan d) => new()
        {
            Endpoint = new Uri("https://ingest.example.com"),
            SourceKey = "k",
            FlushInterval = d,
            MinBackoff = d,
            MaxBackoff = d,
            RequestTimeout = d,
            ShutdownTimeout = d,
            Revocations =
            {
                StaleAfter = d,
                MinReconnectDelay = d,
                MaxReconnectDelay = d,
                IdleTimeout = d,
                RequestTimeout = d,
            },
        };

        Assert.Empty(ZtStreamOptionsValidator.Validate(With(day)));
        var problems = ZtStreamOptionsValidator.Validate(With(past));
        Assert.Equal(10, problems.Count);
        Assert.All(problems, p => Assert.Contains("must be at most one day", p, StringComparison.Ordinal));
    }

    /// <summary>
    /// The SDK appends its paths to each address: given whole ("events go to POST {Endpoint}/v1/events"), or with a
    /// query that swallows the path, every request went to an address that does not exist.
    /// </summary>
    [Theory]
    [InlineData("https://ingest.example.com/v1/events", "ZtStream:Endpoint is the base address, the SDK appends /v1/events to it itself")]
    [InlineData("https://ingest.example.com/v1/events/", "ZtStream:Endpoint is the base address")]
    [InlineData("https://ingest.example.com/?tenant=a", "ZtStream:Endpoint must be a base address without query or fragment")]
    [InlineData("https://ingest.example.com/#top", "ZtStream:Endpoint must be a base address without query or fragment")]
    public void Validate_EndpointNotABaseAddress_IsAProblem(string endpoint, string expected)
    {
        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(WithEndpoint(endpoint)));

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://responder.example.com/v1/revocations")]
    [InlineData("https://responder.example.com/?a=b")]
    public void Validate_FeedNotABaseAddress_IsAProblem(string feed)
    {
        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(WithFeed(feed)));

        Assert.StartsWith("ZtStream:Revocations:Feed ", problem, StringComparison.Ordinal);
        Assert.Contains("/v1/revocations", problem, StringComparison.Ordinal);
    }

    /// <summary>A base address below a path (a gateway's prefix) is one.</summary>
    [Fact]
    public void Validate_BaseAddressUnderAPrefix_IsAccepted()
    {
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithEndpoint("https://gateway.example.com/ztstream/")));
        Assert.Empty(ZtStreamOptionsValidator.Validate(WithFeed("https://gateway.example.com/ztstream")));
    }

    /// <summary>
    /// A retry's longest wait below its first, or beyond a day: each named with the key beside it, for the client's backoff
    /// and the feed's reconnection alike, and nothing else said of options that are otherwise usable.
    /// </summary>
    [Theory]
    [InlineData("00:00:05", "00:00:01", null, null, "ZtStream:MaxBackoff must be at least MinBackoff (got 00:00:01 < 00:00:05)")]
    [InlineData("00:00:01", "2.00:00:00", null, null, "ZtStream:MaxBackoff must be at most one day (got 2.00:00:00")]
    [InlineData(null, null, "00:00:10", "00:00:02", "ZtStream:Revocations:MaxReconnectDelay must be at least MinReconnectDelay (got 00:00:02 < 00:00:10)")]
    [InlineData(null, null, "00:00:01", "3.00:00:00", "ZtStream:Revocations:MaxReconnectDelay must be at most one day (got 3.00:00:00")]
    public void Validate_LongestWaitBelowTheFirstOrBeyondADay_IsOneProblemNamingIt(string? minBackoff, string? maxBackoff, string? minReconnect, string? maxReconnect, string expected)
    {
        var options = WithFeed("https://responder.example.com");
        if (minBackoff is not null)
        {
            options.MinBackoff = TimeSpan.Parse(minBackoff, CultureInfo.InvariantCulture);
            options.MaxBackoff = TimeSpan.Parse(maxBackoff!, CultureInfo.InvariantCulture);
        }
        else
        {
            options.Revocations.MinReconnectDelay = TimeSpan.Parse(minReconnect!, CultureInfo.InvariantCulture);
            options.Revocations.MaxReconnectDelay = TimeSpan.Parse(maxReconnect!, CultureInfo.InvariantCulture);
        }

        var problem = Assert.Single(ZtStreamOptionsValidator.Validate(options));

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }
}
