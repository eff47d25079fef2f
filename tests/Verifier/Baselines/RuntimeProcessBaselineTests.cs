using ZtStream.Ingest.Sources.Tetragon;
using System.Globalization;
using ZtStream.Verifier.Rules;

namespace ZtStream.Verifier.Tests.Baselines;

/// <summary>
/// A workload's process starts (Tetragon's <c>process_exec</c>, <c>runtime.process</c>) share the workload's principal
/// (<c>namespace/pod</c>) with its own accesses when those name no subject. They are not accesses: rules read them, and
/// neither the baselines nor the model count, learn or score them.
/// </summary>
public sealed class RuntimeProcessBaselineTests
{
    private const string Pod = "shop/web-1";
    private static int next;

    private static readonly Lazy<RuleSet> Library = new(() => new RuleSet(RuleLoader.LoadConfigured(new VerifierOptions().Rules).Rules));

    /// <summary>The workload's own read, made with its workload identity and no subject (an SDK event).</summary>
    private static AccessEvent Access(DateTimeOffset time, string resource = "shop/orders-0") =>
        Events.Read(time, resource: resource, workload: Pod) with { Subject = null };

    /// <summary>A process started in the pod, as Ingest maps Tetragon's export.</summary>
    private static AccessEvent Exec(DateTimeOffset time, string binary = "/usr/bin/python3", string? arguments = "/app/job.py", bool inInitTree = true, string pod = "web-1")
    {
        var args = arguments is null ? string.Empty : $",\"arguments\":\"{arguments}\"";
        var id = Interlocked.Increment(ref next);
        var tree = inInitTree ? "true" : "false";
        var at = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var json = "{\"process_exec\":{\"process\":{\"exec_id\":\"ZXhlYy0" + id + "\",\"pid\":" + (1000 + id) + ",\"uid\":1000,\"binary\":\"" + binary + "\"" + args
            + ",\"pod\":{\"namespace\":\"shop\",\"name\":\"" + pod + "\",\"container\":{\"id\":\"containerd://4f1c9a2b7e3d5c6a8b9f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3\",\"name\":\"web\",\"image\":{\"name\":\"registry.example.com/shop/web:1.0\"}}},\"in_init_tree\":" + tree
            + "}},\"node_name\":\"node-a\",\"time\":\"" + at + "\"}";
        var e = Assert.Single(TetragonMapper.Map(Encoding.UTF8.GetBytes(json)).Events);
        Assert.Equal(EventKinds.RuntimeProcess, e.Kind);
        return e;
    }

    private static ScoringEngine Engine(bool rules = false) =>
        new(new VerifierOptions { ModelEnabled = false }, rules: rules ? new RuleSetHolder(Library.Value) : null);

    private static void WarmAccesses(ScoringEngine engine, int hours = 48)
    {
        for (var h = 0; h < hours; h++)
        {
            Assert.Null(engine.Score(Access(Events.T0.AddHours(h), $"shop/orders-{h % 4}")).Alert);
        }
    }

    [Fact]
    public void Score_ExecBurstOnAWarmWorkload_RaisesNothingAndLeavesItsBaselineAsItWas()
    {
        var engine = Engine();
        WarmAccesses(engine);
        var before = engine.StateOf(Pod)!;
        var (events, rateMax, hour3) = (before.Events, before.RateMax, before.HourCounts[3]);

        // A busy pod: 1,000 processes in one five-minute window, at 03:00 on the third day.
        var start = Events.T0.AddHours(51);
        for (var i = 0; i < 1_000; i++)
        {
            var r = engine.Score(Exec(start.AddMilliseconds(i * 250)));
            Assert.Null(r.Alert);
            Assert.Equal(0, r.Score);
        }

        var after = engine.StateOf(Pod)!;
        Assert.Equal(events, after.Events);
        Assert.Equal(rateMax, after.RateMax);
        Assert.Equal(hour3, after.HourCounts[3]);
    }

    [Fact]
    public void Score_AccessBurstOfAWorkloadWhoseExecsAreBusy_IsStillARateSpike()
    {
        var engine = Engine();

        // Two days of hourly reads, each hour's window also holding 400 process starts (a shell script's loop).
        for (var h = 0; h < 48; h++)
        {
            var hour = Events.T0.AddHours(h);
            engine.Score(Access(hour, $"shop/orders-{h % 4}"));
            for (var i = 0; i < 400; i++)
            {
                engine.Score(Exec(hour.AddMilliseconds(100 + (i * 500))));
            }
        }

        // Then the workload's own requests: 200 in one window, which its reads never came near.
        var burst = Events.T0.AddHours(48.5);
        Alert? alert = null;
        for (var i = 0; i < 200; i++)
        {
            alert ??= engine.Score(Access(burst.AddSeconds(i), "shop/orders-0")).Alert;
        }

        Assert.NotNull(alert);
        Assert.Contains(alert!.Reasons, r => r.Rule == RuleNames.RateSpike);
    }

    [Fact]
    public void Score_ExecsOfAPodWithNothingElse_KeepNoStateAndScoreNoHourOrRate()
    {
        var engine = Engine();

        // Another pod of the deployment: only its execs are seen, for two days and then at an hour it never ran anything.
        for (var h = 0; h < 48; h++)
        {
            if (h % 24 is >= 9 and < 17)
            {
                Assert.Equal(0, engine.Score(Exec(Events.T0.AddHours(h), pod: "web-2")).Score);
            }
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(0, engine.Score(Exec(Events.T0.AddHours(50).AddSeconds(i / 2.0), pod: "web-2")).Score);
        }

        Assert.False(engine.Knows("shop/web-2"));
    }

    [Fact]
    public void Score_AShellEnteredFromOutside_IsStillTheRulesAlertOnThePod()
    {
        var engine = Engine(rules: true);
        WarmAccesses(engine);

        var r = engine.Score(Exec(Events.T0.AddHours(48.2), "/bin/bash", arguments: null, inInitTree: false));

        Assert.NotNull(r.Alert);
        Assert.Equal(Pod, r.Alert!.Principal);
        Assert.Equal(["runtime-shell-in-container"], r.Alert.Reasons.Select(x => x.Rule));
    }
}
