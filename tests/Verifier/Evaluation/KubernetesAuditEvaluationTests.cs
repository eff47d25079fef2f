using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Evaluation;

/// <summary>
/// The labelled Kubernetes audit evaluation set (TestData/k8s-audit-eval, its README says how it was made): native
/// audit.k8s.io/v1 Events, one malicious case each (threshold cases as repeated events) among benign traffic of
/// controllers, kubelets, people, CI, Helm and managed clusters' own identities, many without timestamps. Replayed as
/// <c>ztstream replay FILE --format k8s-audit --labels LABELS --json</c> replays it, with the default configuration.
/// </summary>
public sealed class KubernetesAuditEvaluationTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "k8s-audit-eval");

    [Fact]
    public async Task Replay_DefaultConfiguration_AlertsOnEveryCase_AndOnNoBenignEvent()
    {
        var events = Path.Combine(Folder, "events.jsonl");
        var labels = Path.Combine(Folder, "labels.jsonl");

        var (code, output, error) = await CommandRun.RunAsync(new ReplayCommand(FalcoSuite.Readers), [], [events, "--format", "k8s-audit", "--labels", labels, "--json"]);

        Assert.True(code == 0, error);
        using var report = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        var root = report.RootElement;
        var cases = root.GetProperty("scenarios").EnumerateObject().ToList();
        var missed = cases.Where(c => !c.Value.GetProperty("alerted").GetBoolean()).Select(c => c.Name).ToList();
        var alerted = cases.Count - missed.Count;
        var benign = root.GetProperty("benign_events").GetInt64();
        var benignAlerted = root.GetProperty("benign_events_alerted").GetInt64();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cases alerted {alerted} of {cases.Count}; benign events alerted {benignAlerted} of {benign}; missed: {string.Join(", ", missed)}"));

        // Every line of the file is one event, and none may be lost on the way (undated events included).
        Assert.Equal(File.ReadLines(events).Count(l => l.Length > 0), root.GetProperty("events").GetInt64());
        Assert.True(cases.Count >= 60, $"{cases.Count} cases");
        Assert.True(benign >= 120, $"{benign} benign events");
        // docs/detection.md states these numbers: every case on its principal, no benign event.
        Assert.True(missed.Count == 0, $"alerted {alerted} of {cases.Count}; missed: {string.Join(", ", missed)}");
        Assert.True(benignAlerted == 0, $"benign events alerted {benignAlerted} of {benign}");
    }

    [Fact]
    public void Labels_NameEventsOfTheSet_EachOnce()
    {
        var ids = File.ReadLines(Path.Combine(Folder, "events.jsonl")).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("auditID").GetString()!).ToList();
        var labelled = File.ReadLines(Path.Combine(Folder, "labels.jsonl")).Where(l => l.Length > 0)
            .SelectMany(l => JsonDocument.Parse(l).RootElement.GetProperty("event_ids").EnumerateArray().Select(x => x.GetString()!)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(labelled.Count, labelled.Distinct().Count());
        Assert.All(labelled, id => Assert.Contains(id, ids));
    }
}
