using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ZtStream.Sdk.Tests;

public sealed class ZtStreamServiceCollectionExtensionsTests
{
    [Fact]
    public void AddZtStream_BindsTheZtStreamSection_ThenTheDelegate()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["ZtStream:Endpoint"] = "http://ingest:8080",
            ["ZtStream:AllowHttp"] = "true",
            ["ZtStream:SourceKey"] = "from-config",
            ["ZtStream:BatchSize"] = "25",
            ["ZtStream:Workload:Name"] = "orders-1",
            ["ZtStream:Revocations:Feed"] = "http://responder:8080",
            ["ZtStream:Revocations:AllowHttp"] = "true",
            ["ZtStream:Revocations:FailClosed"] = "true",
        });
        builder.Services.AddZtStream(o => o.BatchSize = 50);
        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<ZtStreamOptions>>().Value;

        Assert.Equal(new Uri("http://ingest:8080"), options.Endpoint);
        Assert.True(options.AllowHttp);
        Assert.Equal("from-config", options.SourceKey);
        Assert.Equal(50, options.BatchSize);
        Assert.Equal("orders-1", options.Workload.Name);
        Assert.Equal(new Uri("http://responder:8080"), options.Revocations.Feed);
        Assert.True(options.Revocations.AllowHttp);
        Assert.True(options.Revocations.FailClosed);
    }

    /// <summary>
    /// A <c>with</c> copy of the options is options of its own: a value the binder cannot read into the copy is the
    /// copy's problem, not also the original's (they shared one list, so the original failed validation for it).
    /// </summary>
    [Fact]
    public void With_ACopyBoundWithAnUnreadableValue_HasTheProblem_TheOriginalDoesNot()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?> { ["ZtStream:BatchSize"] = "abc" });
        builder.Services.AddZtStream();
        using var host = builder.Build();
        var original = new ZtStreamOptions { Endpoint = new Uri("https://ingest.example"), SourceKey = "zts_key" };

        var copy = original with { BatchSize = 25 };
        foreach (var configure in host.Services.GetServices<IConfigureOptions<ZtStreamOptions>>())
        {
            configure.Configure(copy);
        }

        Assert.Empty(ZtStreamOptionsValidator.Validate(original));
        Assert.Contains(ZtStreamOptionsValidator.Validate(copy), p => p.StartsWith("ZtStream:BatchSize cannot be read", StringComparison.Ordinal));
        Assert.Contains(ZtStreamOptionsValidator.Validate(copy with { }), p => p.StartsWith("ZtStream:BatchSize cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddZtStream_InvalidOptions_StopsTheHostAtStartListingEveryProblem()
    {
        var builder = TestHosts.Builder();
        builder.Services.AddZtStream(o =>
        {
            o.BatchSize = 0;
            o.Revocations.Feed = new Uri("ftp://responder");
        });

        var ex = await TestHosts.RefusedAtStartAsync(builder);
        Assert.Contains(ex.Failures, f => f.Contains("ZtStream:Endpoint", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("ZtStream:SourceKey", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("ZtStream:BatchSize", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("ZtStream:Revocations:Feed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddZtStream_PlainHttpFeedToAnotherHost_StopsTheHostAtStart()
    {
        var builder = TestHosts.Builder();
        builder.Services.AddZtStream(o =>
        {
            o.Endpoint = new Uri("https://ingest.example.com");
            o.SourceKey = "k";
            o.Revocations.Feed = new Uri("http://responder.example.com:8080");
        });

        var ex = await TestHosts.RefusedAtStartAsync(builder);
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:Revocations:Feed must be https", StringComparison.Ordinal));
    }

    /// <summary>An application configured to send its source key to Ingest in clear does not start, and sends nothing.</summary>
    [Fact]
    public async Task AddZtStream_PlainHttpEndpointToAnotherHost_StopsTheHostAtStart()
    {
        var ex = await StartRefusedAsync(new Dictionary<string, string?>
        {
            ["ZtStream:Endpoint"] = "http://ztstream-ingest:8080",
            ["ZtStream:SourceKey"] = "k",
        });
        var failure = Assert.Single(ex.Failures);
        Assert.StartsWith("ZtStream:Endpoint must be https", failure, StringComparison.Ordinal);
        Assert.Contains("ZtStream:AllowHttp=true", failure, StringComparison.Ordinal);
    }

    /// <summary>
    /// Values a configuration file or a mounted secret gives by mistake: "60" meant as seconds is 60 days (past what
    /// the feed's idle timer takes, so the host stopped once the feed connected), and a key with the secret file's
    /// trailing newline (or a tab) failed every request as it was built. Each stops the host at start, named.
    /// </summary>
    [Fact]
    public async Task AddZtStream_BareNumberDurationsAndKeysWithLineBreaks_StopTheHostAtStartNamingEach()
    {
        var ex = await StartRefusedAsync(new Dictionary<string, string?>
        {
            ["ZtStream:Endpoint"] = "https://ingest.example.com",
            ["ZtStream:SourceKey"] = "zts_abc\n",
            ["ZtStream:RequestTimeout"] = "30",
            ["ZtStream:Revocations:Feed"] = "https://responder.example.com",
            ["ZtStream:Revocations:Key"] = "feed\tkey",
            ["ZtStream:Revocations:IdleTimeout"] = "60",
        });
        Assert.Equal(4, ex.Failures.Count());
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:SourceKey must be printable ASCII (it has a line break", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:Revocations:Key must be printable ASCII (it has the character U+0009", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:RequestTimeout must be at most one day (got 30.00:00:00; a bare number is days", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:Revocations:IdleTimeout must be at most one day (got 60.00:00:00", StringComparison.Ordinal));
    }

    /// <summary>
    /// Values the binder cannot convert used to stop the host at the first one, so a developer fixed one, restarted and
    /// met the next: every one is named in the same start-up error, with every other problem.
    /// </summary>
    [Fact]
    public async Task AddZtStream_SeveralValuesOfTheWrongType_StopTheHostAtStartNamingEach()
    {
        var ex = await StartRefusedAsync(new Dictionary<string, string?>
        {
            ["ZtStream:Endpoint"] = "https://ingest.example.com",
            ["ZtStream:SourceKey"] = "k",
            ["ZtStream:BatchSize"] = "abc",
            ["ZtStream:QueueCapacity"] = "500",
            ["ZtStream:Revocations:FailClosed"] = "yes",
            ["ZtStream:Revocations:StaleAfter"] = "0",
        });
        Assert.Equal(3, ex.Failures.Count());
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:BatchSize cannot be read", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:Revocations:FailClosed cannot be read", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("ZtStream:Revocations:StaleAfter must be positive", StringComparison.Ordinal));
    }

    /// <summary>A client made in code, without the host, refuses the same address.</summary>
    [Fact]
    public void ZtStreamClient_PlainHttpEndpointToAnotherHost_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ZtStreamClient(new ZtStreamOptions { Endpoint = new Uri("http://198.51.100.7:8080"), SourceKey = "k" }));

        Assert.Contains("ZtStream:Endpoint must be https", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Starts a host whose <c>ZtStream</c> section is <paramref name="configuration"/>; the error that stops it.</summary>
    private static async Task<OptionsValidationException> StartRefusedAsync(Dictionary<string, string?> configuration)
    {
        var builder = TestHosts.Builder(configuration);
        builder.Services.AddZtStream();
        return await TestHosts.RefusedAtStartAsync(builder);
    }
}
