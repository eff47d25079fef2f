namespace ZtStream.Platform.Tests.EventLog.Local;

/// <summary>EventLog:MaxConsumerLag on the logs whose consumers live in the process: appenders wait for a lagging group.</summary>
public sealed class AppendAdmissionTests : IDisposable
{
    private const string Topic = "zt.admission.v1";
    private readonly List<IDisposable> _owned = [];
    private readonly CancellationTokenSource _stop = new();

    public static TheoryData<string> Logs => ["memory", "file"];

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task WaitForRoom_GroupBehindByMoreThanTheLimit_WaitsUntilItCatchesUp_ElseRefuses(string kind)
    {
        var log = NewLog(kind, maxLag: 10, appendTimeout: TimeSpan.FromMilliseconds(300));
        var release = new TaskCompletionSource();
        var handler = RecordingHandler.Holding(null, _ => release.Task, out var consuming);
        _ = log.ConsumeAsync(new ConsumerSpec("g-admission", [Topic]), handler, _stop.Token);
        await log.AppendAsync(Topic, Records(10), Ct);
        var admission = (IAppendAdmission)log;

        // The group counts only once it consumes: until then an appender has no one to wait for.
        await consuming.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // Ten behind is within the limit; fifteen is not, and the stuck group never catches up within the timeout.
        await admission.WaitForRoomAsync(Topic, Ct);
        await log.AppendAsync(Topic, Records(5), Ct);
        var refused = await Assert.ThrowsAsync<EventLogUnavailableException>(async () => await admission.WaitForRoomAsync(Topic, Ct));
        Assert.Contains("EventLog:MaxConsumerLag", refused.Message, StringComparison.Ordinal);

        // Once the group moves on, a waiting appender is let through.
        var waiting = admission.WaitForRoomAsync(Topic, Ct).AsTask();
        release.SetResult();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await Eventually.HoldsAsync(() => handler.Handled.Count == 15, "every record was handled");
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task WaitForRoom_NoLimitOrNoConsumer_ReturnsAtOnce(string kind)
    {
        // A generous timeout: a file append under a loaded machine can take longer than a tight one, and a wait that
        // did not return at once would still fail the test, by refusing once the timeout passes.
        var unlimited = NewLog(kind, maxLag: 0, appendTimeout: TimeSpan.FromSeconds(30));
        await unlimited.AppendAsync(Topic, Records(50), Ct);
        _ = unlimited.ConsumeAsync(new ConsumerSpec("g-stuck", [Topic]), new RecordingHandler { OnRecord = (_, _, ct) => Task.Delay(Timeout.Infinite, ct) }, _stop.Token);
        await ((IAppendAdmission)unlimited).WaitForRoomAsync(Topic, Ct);

        var unread = NewLog(kind, maxLag: 10, appendTimeout: TimeSpan.FromSeconds(30));
        await unread.AppendAsync(Topic, Records(50), Ct);
        await ((IAppendAdmission)unread).WaitForRoomAsync(Topic, Ct);
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _stop.Dispose();
    }

    private static List<LogRecord> Records(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new LogRecord("one-key", Encoding.UTF8.GetBytes($"value-{i}")))];

    private IEventLog NewLog(string kind, int maxLag, TimeSpan appendTimeout)
    {
        var options = new EventLogOptions
        {
            Kind = kind,
            Partitions = 3,
            MaxConsumerLag = maxLag,
            AppendTimeout = appendTimeout,
            ShutdownDrainTimeout = TimeSpan.FromMilliseconds(200),
            Path = kind == "file" ? Directory.CreateTempSubdirectory("ztstream-admission-").FullName : null,
        };
        IEventLog log = kind == "file"
            ? new FileEventLog(options, TimeProvider.System, NullLogger.Instance)
            : new InProcessEventLog(options, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        _owned.Add((IDisposable)log);
        return log;
    }
}
