using System.Diagnostics.Metrics;
using ZtStream.Responder.Telemetry;

namespace ZtStream.Responder.Tests.Telemetry;

/// <summary>The Responder's series as one host reports them: actions per kind, mode and state with their time to done, feed subscribers.</summary>
public sealed class ResponderTelemetryTests
{
    [Fact]
    public async Task ActedOnAlert_CountsEachStateAndTheTimeToDone()
    {
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical).StartAsync();
        using var recorded = new Recorded(host);

        await host.PublishAlertAsync(TestAlerts.Critical("al-metrics", jti: "jti-metrics"));
        await Eventually.HoldsAsync(() => Task.FromResult(recorded.Count("ztstream.responder.actions", "state", "done") == 1), "the action is counted as done");

        Assert.Equal(1, recorded.Count("ztstream.responder.actions", "state", "queued"));
        // "dispatched" is counted only when the send's update wins the race with the consumer finishing the action.
        Assert.InRange(recorded.Count("ztstream.responder.actions", "state", "dispatched"), 0, 1);
        Assert.Contains(recorded.Measurements, m => m.Instrument == "ztstream.responder.actions" && m.Tags["kind"] == "revoke_token" && m.Tags["mode"] == "automatic");
        Assert.Single(recorded.Measurements, m => m.Instrument == "ztstream.responder.action.duration" && m.Tags["state"] == "done" && m.Value >= 0);
        Assert.Single(recorded.Measurements, m => m.Instrument == "ztstream.responder.alerts.received" && m.Tags["outcome"] == "created" && m.Tags["severity"] == "critical");
    }

    [Fact]
    public async Task FeedSubscribers_CountsOpenStreams()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        using var recorded = new Recorded(host);

        using var feed = host.ClientFor(ResponderTestHost.FeedToken);
        var first = await SseReader.OpenAsync(feed, RevocationFeed.StreamPath, null, Ct);
        await using (var second = await SseReader.OpenAsync(feed, RevocationFeed.StreamPath, null, Ct))
        {
            await Eventually.HoldsAsync(() => Task.FromResult(recorded.Observe("ztstream.responder.feed.subscribers") == 2), "two subscribers");
            await first.DisposeAsync();
            await Eventually.HoldsAsync(() => Task.FromResult(recorded.Observe("ztstream.responder.feed.subscribers") == 1), "one left");
        }

        await Eventually.HoldsAsync(() => Task.FromResult(recorded.Observe("ztstream.responder.feed.subscribers") == 0), "none left");
    }

    /// <summary>Every measurement of this host's <c>ZtStream.Responder</c> meter (other hosts in parallel tests have their own).</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string> Tags)> measurements = new();
        private long observed = -1;
        private string? observing;

        public Recorded(ResponderTestHost host)
        {
            var factory = host.Get<IMeterFactory>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ResponderTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            listener.Start();
        }

        public IEnumerable<(string Instrument, double Value, Dictionary<string, string> Tags)> Measurements => measurements;

        public long Count(string instrument, string tag, string value) =>
            measurements.Where(m => m.Instrument == instrument && m.Tags.GetValueOrDefault(tag) == value).Sum(m => (long)m.Value);

        /// <summary>The current value of an observable instrument.</summary>
        public long Observe(string instrument)
        {
            lock (listener)
            {
                (observing, observed) = (instrument, -1);
                listener.RecordObservableInstruments();
                return observed;
            }
        }

        public void Dispose() => listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (instrument.IsObservable)
            {
                if (instrument.Name == observing)
                {
                    observed = (long)value;
                }

                return;
            }

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value?.ToString() ?? "";
            }

            measurements.Enqueue((instrument.Name, value, map));
        }
    }
}
