using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Contracts;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.Options;
using ZtStream.Verifier.Processing;

namespace ZtStream.Verifier.Tests.Processing;

public sealed class VerifierWorkerTests
{
    private static VerifierTopics UniqueTopics() =>
        new($"zt.test.events.{Guid.NewGuid():N}.v1", $"zt.test.alerts.{Guid.NewGuid():N}.v1", $"zt.test.feedback.{Guid.NewGuid():N}.v1", $"zt-verifier-{Guid.NewGuid():N}");

    [Fact]
    public async Task Restart_FromCheckpoint_KeepsBaselines_ScoresNothingTwice()
    {
        using var log = new InProcessEventLog(new EventLogOptions { Partitions = 2 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        await using var h = await WorkerHarness.CreateAsync(log, UniqueTopics());
        using var watching = new CancellationTokenSource();
        var watcher = h.WatchAlertsAsync(watching.Token);

        var history = Events.WarmHistory().Concat(Events.WarmHistory("system:serviceaccount:shop:worker", "shop/worker-1")).ToList();
        await h.AppendAsync(history);
        var first = h.NewWorker();
        await first.StartAsync(CancellationToken.None);
        await WorkerHarness.WaitUntilAsync(() => first.EventsScored == history.Count, TimeSpan.FromSeconds(30), "the history to be scored");
        await first.StopAsync(CancellationToken.None);
        first.Dispose();
        Assert.Empty(h.Alerts);

        // After the restart only the new event is scored, against the restored baseline.
        var exfil = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        await h.AppendAsync([exfil]);
        var second = h.NewWorker();
        await second.StartAsync(CancellationToken.None);
        await WorkerHarness.WaitUntilAsync(() => !h.Alerts.IsEmpty, TimeSpan.FromSeconds(30), "the exfiltration alert");
        await second.StopAsync(CancellationToken.None);
        second.Dispose();

        Assert.Equal(1, second.EventsScored);
        var alert = Assert.Single(h.Alerts.Values);
        Assert.Equal(exfil.PrincipalKey, alert.Principal);
        Assert.Equal([exfil.Id], alert.EvidenceEventIds);
        Assert.Contains(alert.Reasons, r => r.Rule == "bytes_spike" && r.Text.Contains("30-day mean 1.1 MB", StringComparison.Ordinal));
        await watching.CancelAsync();
        await watcher;
    }

    [Fact]
    public async Task Feedback_OnTopic_SuppressesThatScope()
    {
        using var log = new InProcessEventLog(new EventLogOptions { Partitions = 1 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        await using var h = await WorkerHarness.CreateAsync(log, UniqueTopics());
        using var watching = new CancellationTokenSource();
        var watcher = h.WatchAlertsAsync(watching.Token);
        await h.AppendAsync(Events.WarmHistory());
        var worker = h.NewWorker();
        await worker.StartAsync(CancellationToken.None);
        await WorkerHarness.WaitUntilAsync(() => worker.EventsScored == 48, TimeSpan.FromSeconds(30), "history");

        var feedback = new AlertFeedback
        {
            Id = "fb", AlertId = "alt", Verdict = "false_positive", Principal = "system:serviceaccount:shop:api", Rules = ["baseline/bytes_spike"],
            ResourceClass = "internal/orders", By = "analyst", At = Events.T0.AddHours(48), ExpiresAt = Events.T0.AddDays(30),
        };
        await log.AppendAsync(h.Topics.Feedback, [new LogRecord(feedback.Principal, ContractJson.Serialize(feedback))], CancellationToken.None);
        await WorkerHarness.WaitUntilAsync(() => worker.FeedbackApplied == 1, TimeSpan.FromSeconds(30), "the feedback");
        await h.AppendAsync([Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000), Events.Read(Events.T0.AddHours(49.1), dataClass: "internal/billing", bytes: 2_000_000_000)]);
        await WorkerHarness.WaitUntilAsync(() => !h.Alerts.IsEmpty, TimeSpan.FromSeconds(30), "the alert outside the suppressed scope");
        await WorkerHarness.WaitUntilAsync(() => worker.EventsScored == 50, TimeSpan.FromSeconds(30), "both events");
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();

        var alert = Assert.Single(h.Alerts.Values);
        Assert.Equal("internal/billing", alert.ResourceClass);
        await watching.CancelAsync();
        await watcher;
    }
}
