namespace ZtStream.Platform.Tests.EventLog.InProcess;

/// <summary>What only the in-process log has: bounded retention by record count, and its gauge.</summary>
public sealed class InProcessEventLogTests : IDisposable
{
    private readonly ConsumerGroups _groups = new();

    [Fact]
    public async Task Append_PastCapacityWhileAGroupLags_ThrowsUnavailableWithRetryAfter()
    {
        using var log = NewLog(maxQueued: 10);
        var blocked = new TaskCompletionSource();
        var handler = RecordingHandler.Holding(null, _ => blocked.Task, out var reading);
        Consume(log, "lagging", handler);
        await log.AppendAsync("zt.cap.v1", Records(10), Ct);

        // The group must have joined and be stuck on its first record; before it joins, nobody lags.
        await reading.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var refused = await Assert.ThrowsAsync<EventLogUnavailableException>(() => log.AppendAsync("zt.cap.v1", Records(1), Ct));

        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        blocked.SetResult();
    }

    [Fact]
    public async Task Append_AtCapacityAfterEveryGroupCommitted_DropsHandledRecordsAndAccepts()
    {
        using var log = NewLog(maxQueued: 10);
        var handler = new RecordingHandler();
        Consume(log, "quick", handler);
        await log.AppendAsync("zt.cap.v1", Records(10), Ct);
        await Eventually.HoldsAsync(() => handler.Handled.Count == 10, "the group handled the first ten");

        await log.AppendAsync("zt.cap.v1", Records(10, first: 10), Ct);

        await Eventually.HoldsAsync(() => handler.Handled.Count == 20, "the group handled the next ten");
        Assert.Equal(10, log.RetainedRecords());
    }

    [Fact]
    public async Task Append_AtCapacityWithNoGroup_KeepsTheNewestRecords()
    {
        using var log = NewLog(maxQueued: 10);
        await log.AppendAsync("zt.cap.v1", Records(10), Ct);
        await log.AppendAsync("zt.cap.v1", Records(4, first: 10), Ct);

        var handler = new RecordingHandler();
        Consume(log, "late", handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count == 10, "the late group read what was retained");

        Assert.Equal(10, log.RetainedRecords());
        Assert.Contains(handler.Handled, r => Value(r) == "13");
        Assert.DoesNotContain(handler.Handled, r => Value(r) == "0");
    }

    [Fact]
    public async Task QueueDepthGauge_ReportsRetainedRecords()
    {
        using var log = NewLog();
        await log.AppendAsync("zt.gauge.v1", Records(7), Ct);
        long? observed = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EventLogMetrics.MeterName && instrument.Name == "ztstream.eventlog.queue_depth")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "implementation", Value: "memory" } && value == 7)
                {
                    observed = value;
                }
            }
        });
        listener.Start();

        listener.RecordObservableInstruments();

        Assert.Equal(7, observed);
    }

    public void Dispose() => _groups.Dispose();

    private static InProcessEventLog NewLog(int maxQueued = 1000) =>
        new(new EventLogOptions { MaxQueuedRecords = maxQueued, RetryBackoff = TimeSpan.FromMilliseconds(1) }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);

    private CancellationTokenSource Consume(InProcessEventLog log, string group, RecordingHandler handler) => _groups.Start(log, "zt.cap.v1", group, handler).Stop;

    private static LogRecord[] Records(int count, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(i => new LogRecord($"principal-{i % 5}", Encoding.UTF8.GetBytes($"{i}")))];

    private static string Value(ConsumedRecord record) => Encoding.UTF8.GetString(record.Value.Span);
}
