namespace ZtStream.Host.Tests.Check;

/// <summary>
/// <c>ztstream check</c> on a configuration <c>run</c> refuses: exit 2 with the same "configuration error" lines, never "all
/// checks passed" (exit 0) for a process that would not start. docs/operations.md promises 2 for such a configuration.
/// </summary>
public sealed class CheckCommandTests
{
    [Theory]
    [InlineData("roles", "Roles: 'bogus' is not one of ingest, verifier, responder")]
    [InlineData("urls", "Urls: 'notaurl' is not an address to listen on")]
    [InlineData("response policy", "Responder:PolicyPath")]
    [InlineData("rules", "Verifier:Rules")]
    [InlineData("isolator of none", "workload isolator 'nftables' (Responder:Isolator) is not registered; registered: none")]
    [InlineData("isolator misspelt", "workload isolator 'nftable' (Responder:Isolator) is not registered; registered: nftables")]
    public async Task Check_ConfigurationRunRefuses_ExitTwo_NamingIt(string what, string named)
    {
        using var folder = new TempFolder("zt-check-");
        var missing = Path.Combine(folder.Path, "missing.yaml");
        string[] bad = what switch
        {
            "roles" => ["--roles", "ingest,bogus"],
            "urls" => ["--urls", "notaurl"],
            "response policy" => ["--set", $"Responder:PolicyPath={missing}"],
            "isolator of none" => ["--set", "Responder:Isolator=nftables"],
            "isolator misspelt" => ["--set", "Responder:Isolator=nftable", "--set", "Responder:Drivers:Isolation=nftables"],
            _ => ["--set", $"Verifier:Rules:Paths:0={missing}"],
        };

        var (code, output, error) = await CheckAsync(folder, bad);

        Assert.Equal(2, code);
        Assert.DoesNotContain("all checks passed", output, StringComparison.Ordinal);
        Assert.Contains(error.Split('\n'), l => l.StartsWith("configuration error: ", StringComparison.Ordinal) && l.Contains(named, StringComparison.Ordinal));
    }

    /// <summary>
    /// A misnamed isolator beside another mistake is said with it, as every configuration error is: an operator who fixes
    /// the one said must not restart to meet the other.
    /// </summary>
    [Theory]
    [InlineData("check", "Verifier:AlertThreshold=500", "Verifier:AlertThreshold")]
    [InlineData("run", "Verifier:AlertThreshold=500", "Verifier:AlertThreshold")]
    [InlineData("check", "Ingest:MaxItemsPerBatch=0", "Ingest:MaxItemsPerBatch")]
    public async Task RunOrCheck_MisnamedIsolatorBesideAnotherMistake_SaysBoth_ExitTwo(string command, string other, string named)
    {
        using var folder = new TempFolder("zt-check-");
        string[] listen = command == "run" ? ["--urls", "http://127.0.0.1:0"] : [];

        var (code, output, error) = await CliRun.RunAsync([
            command, .. listen, .. CliRun.DataIn(folder),
            "--set", "Responder:Isolator=nftable", "--set", "Responder:Drivers:Isolation=nftables", "--set", other]);

        Assert.True(code == 2, $"exit {code}:\n{error}");
        Assert.DoesNotContain("listening on", output, StringComparison.Ordinal);
        var lines = error.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("configuration error: ", StringComparison.Ordinal) && l.Contains(named, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("configuration error: workload isolator 'nftable' (Responder:Isolator) is not registered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_EmbeddedDefaults_AllPass_ExitZero()
    {
        using var folder = new TempFolder("zt-check-");

        var (code, output, error) = await CheckAsync(folder, []);

        Assert.True(code == 0, error);
        Assert.Equal("all checks passed", output.TrimEnd().Split('\n')[^1].Trim());
        Assert.Empty(error);
    }

    private static Task<(int Code, string Out, string Err)> CheckAsync(TempFolder folder, string[] args) =>
        CliRun.RunAsync(["check", .. CliRun.DataIn(folder), .. args]);
}
