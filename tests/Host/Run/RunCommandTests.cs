namespace ZtStream.Host.Tests.Run;

public sealed partial class RunCommandTests
{
    [Fact]
    public async Task Run_EmbeddedDefaults_AnswersHealthzAndReadyz()
    {
        var ct = Ct;
        using var folder = new TempFolder("zt-run-");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = ZtStreamCli.RunAsync(
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder.Path, "zt.db")],
            TextWriter.Synchronized(stdout),
            TextWriter.Synchronized(stderr),
            stop.Token);
        try
        {
            var url = await WaitForListeningUrlAsync(stdout, run, ct);
            using var http = new HttpClient { BaseAddress = new Uri(url) };

            var healthz = await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
            var readyz = await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct);

            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
            Assert.True(File.Exists(Path.Combine(folder.Path, "zt.db")), "the SQLite store was created and migrated");
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await run);
        }
    }

    [Fact]
    public async Task Run_BadRuleFile_RefusesToStart_ExitTwo_OneLinePerProblem()
    {
        using var folder = new TempFolder("zt-run-rules-");
        var bad = Path.Combine(folder.Path, "rules.yaml");
        File.WriteAllText(bad, "id: a\ntitle: A\nseverity: high\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n---\nid: b\ntitle: B\nseverity: loud\ndetection:\n  s:\n    action: x\n  condition: s\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ZtStreamCli.RunAsync(
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder.Path, "zt.db"), "--set", "Verifier:Rules:Paths:0=" + bad],
            stdout, stderr, Ct);
        Assert.Equal(ZtStream.Platform.Hosting.CliCommandLine.UsageError, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains($"{bad}:6: rule 'a': unknown field 'nosuch'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"{bad}:11: rule 'b': 'severity' must be one of", StringComparison.Ordinal));
    }

    private static async Task<string> WaitForListeningUrlAsync(StringWriter stdout, Task<int> run, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"ztstream run exited with {await run} before listening");
            }

            var match = ListeningUrl().Match(stdout.ToString());
            if (match.Success)
            {
                return match.Groups[1].Value;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningUrl();
}
