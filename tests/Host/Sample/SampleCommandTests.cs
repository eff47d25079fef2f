namespace ZtStream.Host.Tests.Sample;

/// <summary>
/// <c>ztstream sample</c> without the settings its help names: exit 2 with a line for each, named as the operator sets them
/// (<c>Sample:IngestUrl</c>, <c>Sample:SourceKeyFile</c>) — not the SDK's own keys underneath, after a stack trace.
/// </summary>
public sealed class SampleCommandTests
{
    [Theory]
    [InlineData(new string[0], new[] { "Sample:IngestUrl", "Sample:SourceKeyFile" })]
    [InlineData(new[] { "--set", "Sample:IngestUrl=ingest.example.com" }, new[] { "Sample:IngestUrl", "(got 'ingest.example.com')" })]
    [InlineData(new[] { "--set", "Sample:RevocationFeedUrl=http://responder.example.com:8080" }, new[] { "Sample:RevocationFeedUrl must be https", "Sample:RevocationFeedAllowHttp=true" })]
    [InlineData(new[] { "--set", "Sample:IngestUrl=http://ingest.example.com:8080" }, new[] { "Sample:IngestUrl must be https", "Sample:IngestAllowHttp=true" })]
    public async Task Sample_WithoutItsSettings_ExitTwo_NamingThem(string[] args, string[] named)
    {
        var (code, output, error) = await CliRun.RunAsync(["sample", "--urls", "http://127.0.0.1:0", .. args]);

        Assert.Equal(2, code);
        Assert.All(named, n => Assert.Contains(n, error, StringComparison.Ordinal));
        Assert.DoesNotContain("ZtStream:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", output, StringComparison.Ordinal);
    }
}
