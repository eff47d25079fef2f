using ZtStream.TestSupport.Processes;

namespace ZtStream.Host.Tests.Configuration;

public sealed class HostConfigurationTests
{
    /// <summary>
    /// A <c>ZTSTREAM_</c> variable for a key the binary does not read is refused like the same key in a config file or
    /// <c>--set</c>: before, the typo was dropped and the default stayed in force with nothing said.
    /// </summary>
    [Theory]
    [InlineData("ZTSTREAM_Ingest__MaxBodyBytez", "ZTSTREAM_Ingest__MaxBodyBytez: unknown configuration key 'Ingest:MaxBodyBytez'")]
    [InlineData("ZtStream__Ingest__MaxBodyBytes", "one underscore: ZTSTREAM_Ingest__MaxBodyBytes")]
    public async Task RealBinary_UnknownZtStreamVariable_ExitsTwoNamingIt(string variable, string expected)
    {
        var ct = Ct;
        await using var processes = new ZtStreamProcesses("zt-env-");
        var run = await processes.StartAsync(
            "run",
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(processes.Folder.FullName, "zt.db")],
            false,
            ct,
            new Dictionary<string, string> { [variable] = "2048" });

        Assert.Equal(2, await run.WaitForExitAsync(TimeSpan.FromSeconds(60), ct));
        Assert.Contains("configuration error: ", run.Output, StringComparison.Ordinal);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
    }

    /// <summary>Known keys, and variables of others without a section (the SDK's workload, the test suite's own), pass.</summary>
    [Fact]
    public void ReportUnknownVariables_KnownKeysAndOthersVariables_AreNoProblem()
    {
        var problems = new List<string>();

        HostConfiguration.ReportUnknownVariables(
            new Dictionary<string, string>
            {
                ["ZTSTREAM_Ingest__MaxBodyBytes"] = "2048",
                ["ZTSTREAM_Responder__ApiTokens__0__Name"] = "alice",
                ["ztstream_eventlog__kind"] = "file",
                ["ZTSTREAM_Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0",
                ["ZTSTREAM_WORKLOAD_NAME"] = "web",
                ["ZTSTREAM_TEST_REQUIRE_SERVICES"] = "1",
                ["OTHER__Ingest__X"] = "1",
            },
            problems);

        Assert.Empty(problems);
    }
}
