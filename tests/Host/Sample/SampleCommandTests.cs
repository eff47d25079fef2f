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

    /// <summary>
    /// Where the sample listens is checked and said as <c>run</c> says it: before, an address taken or HTTPS it could not
    /// serve threw past the host (an unhandled exception, exit 134), and an https:// address could not be served at all.
    /// </summary>
    [Theory]
    [InlineData("taken", 1, "cannot listen on http://127.0.0.1:{0}: ")]
    [InlineData("wrong certificate password", 1, "cannot listen on https://127.0.0.1:{0}: the TLS certificate cannot be used: ")]
    [InlineData("no port", 2, "configuration error: Urls: 'http://127.0.0.1:99999' has the port 99999")]
    public async Task Sample_AnAddressItCannotListenOn_SaysItInOneLine(string address, int exit, string expected)
    {
        using var folder = new TempFolder("zt-sample-");
        var keyFile = Path.Combine(folder.Path, "key");
        File.WriteAllText(keyFile, "zt_sample_key");
        using var taken = LocalProcess.TakePort(out var port);
        string[] listen = address switch
        {
            "taken" => ["--urls", $"http://127.0.0.1:{port}"],
            "wrong certificate password" => ["--urls", $"https://127.0.0.1:{port}", "--set", $"Kestrel:Certificates:Default:Path={Pfx(folder.Path)}", "--set", "Kestrel:Certificates:Default:Password=wrong"],
            _ => ["--urls", "http://127.0.0.1:99999"],
        };

        var (code, output, error) = await CliRun.RunAsync(["sample", .. listen, "--set", "Sample:IngestUrl=http://127.0.0.1:1", "--set", "Sample:IngestAllowHttp=true", "--set", $"Sample:SourceKeyFile={keyFile}"]);

        Assert.True(code == exit, $"exit {code}:\n{error}");
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, port), error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", output, StringComparison.Ordinal);
    }

    private static string Pfx(string folder)
    {
        var path = Path.Combine(folder, "tls.pfx");
        using var certificate = ZtStream.Host.Bench.BenchCommand.SelfSigned();
        File.WriteAllBytes(path, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "right"));
        return path;
    }
}
