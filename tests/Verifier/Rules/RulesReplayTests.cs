using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary><c>ztstream replay --format k8s-audit</c> scores with the rules <c>run</c> would load: the built-in library by default.</summary>
public sealed class RulesReplayTests : IDisposable
{
    private readonly TempFolder temp = new("zt-rules-replay-");

    public void Dispose() => temp.Dispose();

    private const string PrivilegedCronJob = """
        {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
          {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"aa5d2c5e-6b4f-4a87-9d6e-3f2b1c0d9e81","stage":"ResponseComplete",
           "requestURI":"/apis/batch/v1/namespaces/ops/cronjobs","verb":"create","user":{"username":"dev@example.com","groups":["system:authenticated"]},
           "sourceIPs":["203.0.113.80"],"objectRef":{"resource":"cronjobs","namespace":"ops","name":"backup","apiGroup":"batch","apiVersion":"v1"},
           "responseStatus":{"metadata":{},"code":201},
           "requestObject":{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"backup"},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"backup","image":"alpine","securityContext":{"privileged":true}}]}}}}}},
           "stageTimestamp":"2026-02-10T08:00:00.512345Z"}]}
        """;

    private static Task<(int Code, string Out, string Err)> Replay(Dictionary<string, string?> config, params string[] args)
    {
        config["Verifier:ModelEnabled"] = "false";
        return CommandRun.RunAsync(new ReplayCommand(Tests.Replay.FalcoSuite.Readers), config, args);
    }

    [Fact]
    public async Task Replay_DefaultConfiguration_BuiltinRuleAlertsWithItsReason()
    {
        var file = Path.Combine(temp.Path, "audit.json");
        File.WriteAllText(file, PrivilegedCronJob);
        var (code, output, err) = await Replay([], file, "--format", "k8s-audit");
        Assert.Equal(0, code);
        var alert = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal("rule", alert.GetProperty("detector").GetString());
        var reason = alert.GetProperty("reasons").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "k8s-privileged-container");
        Assert.Equal("Privileged container created: create cronjob ops/backup, containers[backup].securityContext.privileged=true, containers[backup].image=alpine (rule k8s-privileged-container)",
            reason.GetProperty("text").GetString());
        // The rule's ATT&CK techniques travel on its reason and into the alert's union.
        Assert.Equal(["T1611", "T1610"], reason.GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("T1611", alert.GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));
        Assert.StartsWith($"ztstream replay: {file}: 1 input items: 1 events scored, 0 skipped\n", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BuiltinOff_SameEventRaisesNothing()
    {
        var file = Path.Combine(temp.Path, "audit.json");
        File.WriteAllText(file, PrivilegedCronJob);
        var (code, output, _) = await Replay(new() { ["Verifier:Rules:Builtin"] = "false" }, file, "--format", "k8s-audit");
        Assert.Equal(0, code);
        Assert.Empty(output);
    }

    /// <summary>A bad rule file in <c>Verifier:Rules:Paths</c> is refused as <c>ztstream run</c> refuses it (docs/rules.md): a configuration error.</summary>
    [Fact]
    public async Task Replay_BadRuleFile_ExitsTwoNamingItAsAConfigurationError()
    {
        var events = Path.Combine(temp.Path, "audit.json");
        File.WriteAllText(events, PrivilegedCronJob);
        var bad = Path.Combine(temp.Path, "bad.yaml");
        File.WriteAllText(bad, "id: b\ntitle: B\nseverity: low\ndetection:\n  s:\n    action|nope: x\n  condition: s\n");
        var (code, _, err) = await Replay(new() { ["Verifier:Rules:Paths:0"] = bad }, events, "--format", "k8s-audit");
        Assert.Equal(2, code);
        Assert.Equal([$"configuration error: Verifier:Rules: {bad}:6: rule 'b': 'action|nope': unknown modifier 'nope'"], err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
