namespace ZtStream.Host.Tests.Run;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_EmbeddedDefaults_AnswersHealthzAndReadyz()
    {
        var ct = Ct;
        using var folder = new TempFolder("zt-run-");
        await using var run = await ServingRun.StartAsync(["run", "--urls", "http://127.0.0.1:0", "--sqlite", CliRun.Database(folder)], ct);
        using var http = new HttpClient { BaseAddress = run.Url };

        var healthz = await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
        var readyz = await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        Assert.True(File.Exists(CliRun.Database(folder)), "the SQLite store was created and migrated");
    }

    [Fact]
    public async Task Run_BadRuleFile_RefusesToStart_ExitTwo_OneLinePerProblem()
    {
        using var folder = new TempFolder("zt-run-rules-");
        var (bad, lines) = await RunRefusedAsync(folder, "Verifier:Rules:Paths:0", "id: a\ntitle: A\nseverity: high\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n---\nid: b\ntitle: B\nseverity: loud\ndetection:\n  s:\n    action: x\n  condition: s\n");
        Assert.Contains(lines, l => l.Contains($"{bad}:6: rule 'a': unknown field 'nosuch'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"{bad}:11: rule 'b': 'severity' must be one of", StringComparison.Ordinal));
    }

    /// <summary>A bad policy file, as an operator writes one: `run` (with <paramref name="key"/> naming it) refuses to start with exit 2 naming the file and the key in it, before listening.</summary>
    [Theory]
    [InlineData("Verifier:PolicyPath", "tokens:\n  expiry_grace_seconds: soon\n", "tokens.expiry_grace_seconds")]
    [InlineData("Verifier:PolicyPath", "protected_resources:\n  - [unclosed\n", "policy")]
    [InlineData("Verifier:PolicyPath", "extends: missing-base.yaml\n", "missing-base.yaml")]
    [InlineData("Responder:PolicyPath", "rules:\n  - name: r\n    action: explode\n    mode: automatic\n", "rules[0]")]
    [InlineData("Responder:PolicyPath", "rules: [~]\n", "rules[0]")]
    [InlineData("Responder:PolicyPath", "isolation:\n  default_ttl: 99999999d\n", "default_ttl")]
    public async Task Run_BadPolicyFile_RefusesToStart_ExitTwo_NamingFileAndKey(string key, string yaml, string named)
    {
        using var folder = new TempFolder("zt-run-policy-");
        var (bad, lines) = await RunRefusedAsync(folder, key, yaml);
        Assert.Contains(lines, l => l.Contains(bad, StringComparison.Ordinal) && l.Contains(named, StringComparison.Ordinal));
    }

    /// <summary>
    /// A response policy naming a detection rule that is not loaded is said beside every other mistake of the
    /// configuration, one line each, by <c>run</c> and <c>check</c> alike. Before, it was said only once the rest was
    /// right: an operator with two mistakes fixed one, started again and met the second.
    /// </summary>
    [Theory]
    [InlineData("run", "policy rule", "rules[0]: mode must be one of")]
    [InlineData("check", "policy rule", "rules[0]: mode must be one of")]
    [InlineData("run", "responder option", "Responder:CommandRetries")]
    [InlineData("check", "verifier option", "Verifier:AlertThreshold")]
    [InlineData("run", "listen address", "Urls: 'notaurl' is not an address to listen on")]
    [InlineData("check", "roles", "Roles: 'bogus' is not one of")]
    public async Task RunOrCheck_UnknownDetectionRuleBesideAnotherMistake_SaysBoth_ExitTwo(string command, string other, string named)
    {
        using var folder = new TempFolder("zt-run-policy-rule-");
        var policy = Path.Combine(folder.Path, "response.yaml");
        var badRule = other == "policy rule" ? "  - name: first\n    action: notify\n    mode: sometimes\n" : string.Empty;
        await File.WriteAllTextAsync(policy, "rules:\n" + badRule
            + "  - name: typo\n    rule: rule/k8s-privileged-containers\n    action: notify\n    mode: automatic\n", Ct);
        string[] mistake = other switch
        {
            "responder option" => ["--set", "Responder:CommandRetries=99"],
            "verifier option" => ["--set", "Verifier:AlertThreshold=500"],
            "listen address" => ["--urls", "notaurl"],
            "roles" => ["--roles", "verifier,responder,bogus"],
            _ => [],
        };
        string[] listen = command == "run" && other != "listen address" ? ["--urls", "http://127.0.0.1:0"] : [];

        var (code, output, err) = await CliRun.RunAsync([
            command, .. listen, .. CliRun.DataIn(folder),
            "--set", $"Responder:PolicyPath={policy}", .. mistake]);

        Assert.True(code == ZtStream.Platform.Hosting.CliCommandLine.UsageError, $"exit {code}:\n{err}");
        Assert.DoesNotContain("listening on", output, StringComparison.Ordinal);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.StartsWith("configuration error: ", StringComparison.Ordinal) && l.Contains(named, StringComparison.Ordinal));
        var index = other == "policy rule" ? 1 : 0;
        Assert.Single(lines, l => l.StartsWith("configuration error: ", StringComparison.Ordinal)
            && l.Contains($"rules[{index}]: detection rule 'k8s-privileged-containers' is not in the built-in library", StringComparison.Ordinal));
    }

    /// <summary>
    /// Beside a rule file the Verifier refuses, a policy naming a rule that is not loaded is not said to name an unknown
    /// one: the rule may be in the refused file, and the operator would be sent to fix what is not wrong.
    /// </summary>
    [Fact]
    public async Task Run_UnknownDetectionRuleBesideARefusedRuleFile_SaysOnlyTheRuleFile()
    {
        using var folder = new TempFolder("zt-run-policy-rule-");
        var policy = Path.Combine(folder.Path, "response.yaml");
        var rules = Path.Combine(folder.Path, "mine.yaml");
        await File.WriteAllTextAsync(policy, "rules:\n  - name: mine\n    detector: rule\n    rule: my-rule\n    action: notify\n    mode: automatic\n", Ct);
        await File.WriteAllTextAsync(rules, "id: my-rule\ntitle: Mine\nseverity: loud\ndetection:\n  s:\n    action: x\n  condition: s\n", Ct);

        var (code, _, err) = await CliRun.RunAsync(
            "run", "--urls", "http://127.0.0.1:0", "--sqlite", CliRun.Database(folder),
            "--set", $"Responder:PolicyPath={policy}", "--set", $"Verifier:Rules:Paths:0={rules}");

        Assert.True(code == ZtStream.Platform.Hosting.CliCommandLine.UsageError, $"exit {code}:\n{err}");
        Assert.Contains("'severity' must be one of", err, StringComparison.Ordinal);
        Assert.DoesNotContain("my-rule' is not in the built-in library", err, StringComparison.Ordinal);
    }

    /// <summary>
    /// A place for its data that `run` cannot use, as an operator mistypes one or a disk or server leaves it: one line on
    /// stderr naming the place, exit 1, nothing listening — not an unhandled exception (exit 134 and a stack trace).
    /// </summary>
    [Theory]
    [InlineData("event log path is a file")]
    [InlineData("sqlite path is a folder")]
    [InlineData("sqlite file is not a database")]
    [InlineData("postgres does not answer")]
    [InlineData("event log holds a damaged file")]
    public async Task Run_DataPlaceItCannotUse_OneLineNamingIt_ExitOne(string what)
    {
        using var folder = new TempFolder("zt-run-data-");
        var file = Path.Combine(folder.Path, "plain");
        File.WriteAllText(file, "these bytes are no SQLite database and no folder; " + new string('x', 200));
        var port = LocalProcess.FreePort();
        var log = Path.Combine(folder.Path, "log");
        var (args, named) = what switch
        {
            "event log path is a file" => (new[] { "--event-log-path", file, "--sqlite", CliRun.Database(folder) }, file),
            "sqlite path is a folder" => (["--event-log-path", log, "--sqlite", folder.Path], folder.Path),
            "sqlite file is not a database" => (["--event-log-path", log, "--sqlite", file], file),
            "event log holds a damaged file" => (["--event-log-path", Damaged(log), "--sqlite", CliRun.Database(folder)], Path.Combine(log, "topics", "zt.events.v1", "partitions")),
            _ => (["--event-log-path", log, "--store", "postgres", "--postgres", $"Host=127.0.0.1;Port={port};Username=zt;Password=zt;Database=zt;Timeout=5"], $"127.0.0.1:{port}"),
        };
        var run = await CliRun.RunAsync(["run", "--urls", "http://127.0.0.1:0", .. args]);

        var line = CliRun.OneErrorLine(run, 1);
        Assert.StartsWith("ztstream run: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Out, StringComparison.Ordinal);
    }

    /// <summary>An event log folder whose topic's partition count is no number, as a damaged disk or a hand edit leaves it.</summary>
    private static string Damaged(string log)
    {
        var topic = Directory.CreateDirectory(Path.Combine(log, "topics", "zt.events.v1"));
        File.WriteAllText(Path.Combine(topic.FullName, "partitions"), "abc");
        return log;
    }

    /// <summary>A second `run` on the data folder one is serving from is refused with one line naming the owner, exit 1; the first serves on.</summary>
    [Fact]
    public async Task Run_SecondOnTheSameEventLog_RefusedWithOneLine_FirstServesOn()
    {
        var ct = Ct;
        using var folder = new TempFolder("zt-run-twice-");
        var data = CliRun.DataIn(folder);
        await using var first = await ServingRun.StartAsync(["run", "--urls", "http://127.0.0.1:0", .. data], ct);

        var run = await CliRun.RunAsync(["run", "--urls", "http://127.0.0.1:0", .. data]);

        Assert.Contains("in use by another process", CliRun.OneErrorLine(run, 1), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = first.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct)).StatusCode);
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a file that configuration <paramref name="key"/> names and runs `ztstream
    /// run`: it must exit 2 without listening. Returns the file and the lines written to stderr.
    /// </summary>
    private static async Task<(string File, string[] Lines)> RunRefusedAsync(TempFolder folder, string key, string content)
    {
        var (bad, (code, output, err)) = await CliRun.RunWithFileAsync(folder, key, content);
        Assert.Equal(ZtStream.Platform.Hosting.CliCommandLine.UsageError, code);
        Assert.DoesNotContain("listening on", output, StringComparison.Ordinal);
        return (bad, err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
