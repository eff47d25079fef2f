using System.Diagnostics;
using ZtStream.Platform.Telemetry;

namespace ZtStream.Platform.Tests.EventLog;

/// <summary>
/// What every <see cref="IEventLog"/> reports on the consumer path they share: the lag of each partition a group
/// reads, and the trace a record carries in its headers continued around its handling.
/// </summary>
public abstract partial class EventLogContractTests
{
    [Fact]
    public async Task Consume_ReportsEachPartitionsLag_DownToZero()
    {
        await OpenAsync();
        await AppendOneKeyAsync(6);
        using var release = new SemaphoreSlim(0);
        var handler = new RecordingHandler
        {
            OnRecord = async (record, _, ct) =>
            {
                if (record.Offset == 2)
                {
                    await release.WaitAsync(ct);
                }
            },
        };
        var group = Group("lag");
        Start(group, handler);

        await Eventually.HoldsAsync(() => handler.Handled.Count >= 2, "two records handled, the third held");
        var partition = handler.Handled[0].Partition;
        await Eventually.HoldsAsync(() => Lag(group, partition) == 4, "four records wait behind the second");
        release.Release();
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 6, "every record handled");
        await Eventually.HoldsAsync(() => Lag(group, partition) == 0, "no lag once all are handled");
    }

    [Fact]
    public async Task Consume_ContinuesTheTraceTheRecordCarries()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EventLogTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await OpenAsync();
        var (traceId, parentId) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        await Log.AppendAsync(
            Topic,
            [new LogRecord("principal-1", "traced"u8.ToArray(), new Dictionary<string, string> { [TraceHeaders.TraceParent] = $"00-{traceId}-{parentId}-01" })],
            Ct);
        Activity? seen = null;
        var handler = new RecordingHandler { OnRecord = (_, _, _) => { seen = Activity.Current; return Task.CompletedTask; } };

        Start(Group("trace"), handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 1, "the record was handled");

        Assert.NotNull(seen);
        Assert.Equal(traceId, seen.TraceId);
        Assert.Equal(parentId, seen.ParentSpanId);
        Assert.Equal($"process {Topic}", seen.DisplayName);
        Assert.Equal(ActivityKind.Consumer, seen.Kind);
    }

    /// <summary>The consumer-lag gauge's value for this test's topic, <paramref name="group"/> and partition (-1 when not reported).</summary>
    private long Lag(string group, int partition)
    {
        long lag = -1;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EventLogMetrics.MeterName && instrument.Name == "ztstream.eventlog.consumer.lag")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? g = null, t = null;
            var p = -1;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "messaging.consumer.group.name": g = tag.Value as string; break;
                    case "messaging.destination.name": t = tag.Value as string; break;
                    case "messaging.destination.partition.id": p = (int)tag.Value!; break;
                }
            }

            if (g == group && t == Topic && p == partition)
            {
                lag = value;
            }
        });
        meters.Start();
        meters.RecordObservableInstruments();
        return lag;
    }
}
