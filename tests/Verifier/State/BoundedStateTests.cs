using ZtStream.Verifier.Tests.Processing;

namespace ZtStream.Verifier.Tests.State;

/// <summary>
/// Bounded state, degrading safely: principals capped per instance (not per partition) with the least recently seen
/// evicted and their baselines parked, so a returning principal gets them back; open alerts capped per principal and in
/// total, the excess merged into one alert-flood alert.
/// </summary>
public sealed class BoundedStateTests
{
    private const string Account = "system:serviceaccount:shop:api";

    /// <summary>
    /// Runs a worker capped at 20 principals over a log of two partitions: <paramref name="whileRunning"/> feeds it and
    /// reads what it parked, <paramref name="afterStop"/> reads the store once it has stopped.
    /// </summary>
    private static async Task CappedWorkerAsync(
        Func<WorkerHarness, VerifierWorker, CheckpointStore, string, Task> whileRunning, Func<CheckpointStore, string, Task> afterStop)
    {
        using var log = new InProcessEventLog(new ZtStream.Platform.Options.EventLogOptions { Partitions = 2 }, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        var topics = new VerifierTopics($"ev-{Guid.NewGuid():N}", $"al-{Guid.NewGuid():N}", $"fb-{Guid.NewGuid():N}", $"g-{Guid.NewGuid():N}");
        await using var harness = await WorkerHarness.CreateAsync(log, topics);
        var options = new VerifierOptions { ModelEnabled = false, MaxPrincipals = 20, CheckpointEveryRecords = 10 };
        var worker = new VerifierWorker(log, new CheckpointStore(harness.Store, TimeProvider.System), Options.Create(options), TimeProvider.System, NullLogger<VerifierWorker>.Instance, topics);
        using var stop = new CancellationTokenSource();
        var running = worker.StartAsync(stop.Token);
        var store = new CheckpointStore(harness.Store, TimeProvider.System);
        await whileRunning(harness, worker, store, topics.Group);
        await stop.CancelAsync();
        await worker.StopAsync(CancellationToken.None);
        await running;
        await afterStop(store, topics.Group);
    }

    private static AccessEvent Expired(DateTimeOffset t, string principal) =>
        Events.Read(t, principal: principal, token: new TokenInfo { Jti = $"jti-{principal}", ExpiresAt = t.AddHours(-1) });

    [Fact]
    public void PrincipalCap_IsPerInstance_AcrossEngines_AndOnlyPrincipalsWithABaselineAreParked()
    {
        var options = new VerifierOptions { ModelEnabled = false, MaxPrincipals = 100 };
        var budget = new StateBudget(options);
        var a = new ScoringEngine(options, budget: budget);
        var b = new ScoringEngine(options, budget: budget);
        for (var i = 0; i < 60; i++)
        {
            // Two events each: a baseline worth keeping.
            a.Score(Events.Read(Events.T0.AddSeconds(i), principal: $"user:a{i}"));
            a.Score(Events.Read(Events.T0.AddSeconds(i).AddMilliseconds(1), principal: $"user:a{i}"));
        }

        for (var i = 0; i < 1_000; i++)
        {
            b.Score(Events.Read(Events.T0.AddMinutes(10).AddSeconds(i), principal: $"user:flood{i}"));
        }

        Assert.InRange(budget.Principals, 1, 100);
        Assert.Equal(a.PrincipalCount + b.PrincipalCount, budget.Principals);
        Assert.True(budget.Evicted >= 960);
        // The old principals of engine a were the least recently seen and had two events each: parked, not lost.
        Assert.Equal(60, budget.ToPark.Count(p => p.Principal.StartsWith("user:a", StringComparison.Ordinal)));
        Assert.DoesNotContain(budget.ToPark, p => p.Principal.StartsWith("user:flood", StringComparison.Ordinal));
    }

    [Fact]
    public Task EvictedPrincipal_WhenItReturns_GetsItsParkedBaselineBack_FromTheStore() => CappedWorkerAsync(async (harness, worker, store, group) =>
    {
        await harness.AppendAsync(Events.WarmHistory("user:veteran", workload: "shop/api-1", hours: 30));
        await Eventually.HoldsAsync(() => worker.EventsScored >= 30, "the veteran's history scored", TimeSpan.FromSeconds(30));
        await harness.AppendAsync(Enumerable.Range(0, 200).Select(i => Events.Read(Events.T0.AddHours(31).AddSeconds(i), principal: $"user:once-{i}")));
        await Eventually.HoldsAsync(() => worker.EventsScored >= 230, "the one-off principals scored", TimeSpan.FromSeconds(30));
        Assert.True(worker.Budget.Principals <= 20);
        Assert.True(worker.Budget.Parked >= 1);

        var parked = await store.ParkedAsync(group, "user:veteran", CancellationToken.None);
        Assert.Equal(30, ZtStream.Verifier.Baselines.PrincipalState.FromBytes(parked!).Events);

        // It returns, then is pushed out again by another crowd: what is parked now is its history plus the return,
        // so the worker took the parked baseline back rather than starting it over.
        await harness.AppendAsync([Events.Read(Events.T0.AddHours(32), principal: "user:veteran")]);
        await Eventually.HoldsAsync(() => worker.EventsScored >= 231, "the veteran's return scored", TimeSpan.FromSeconds(30));
        await harness.AppendAsync(Enumerable.Range(0, 200).Select(i => Events.Read(Events.T0.AddHours(33).AddSeconds(i), principal: $"user:twice-{i}")));
        await Eventually.HoldsAsync(() => worker.EventsScored >= 431, "the second crowd scored", TimeSpan.FromSeconds(30));
    },
    async (store, group) =>
    {
        var parked = await store.ParkedAsync(group, "user:veteran", CancellationToken.None);
        Assert.Equal(31, ZtStream.Verifier.Baselines.PrincipalState.FromBytes(parked!).Events);
    });

    /// <summary>
    /// The same service account of two clusters is parked as two principals, under the key that names each cluster, and
    /// the one that returns gets its own baseline back, not the other cluster's.
    /// </summary>
    [Fact]
    public Task EvictedServiceAccountsOfTwoClusters_AreParkedApart_AndEachReturnsToItsOwn() => CappedWorkerAsync(async (harness, worker, store, group) =>
    {
        await harness.AppendAsync(Events.WarmHistory(Account, hours: 30).Select(e => ManagedClusters.InCluster(e, "prod")));
        await harness.AppendAsync(Events.WarmHistory(Account, hours: 20).Select(e => ManagedClusters.InCluster(e, "staging")));
        await Eventually.HoldsAsync(() => worker.EventsScored >= 50, "both clusters' history scored", TimeSpan.FromSeconds(30));
        await harness.AppendAsync(Enumerable.Range(0, 200).Select(i => Events.Read(Events.T0.AddHours(31).AddSeconds(i), principal: $"user:once-{i}")));
        await Eventually.HoldsAsync(() => worker.EventsScored >= 250, "the one-off principals scored", TimeSpan.FromSeconds(30));

        Assert.Null(await store.ParkedAsync(group, Account, CancellationToken.None));
        var prod = await store.ParkedAsync(group, ClusterKeys.Key(Account, "prod"), CancellationToken.None);
        var staging = await store.ParkedAsync(group, ClusterKeys.Key(Account, "staging"), CancellationToken.None);
        Assert.Equal((30, 20), (ZtStream.Verifier.Baselines.PrincipalState.FromBytes(prod!).Events, ZtStream.Verifier.Baselines.PrincipalState.FromBytes(staging!).Events));

        // Prod's account returns and is pushed out again: prod's parked baseline is its history plus the return.
        await harness.AppendAsync([ManagedClusters.InCluster(Events.Read(Events.T0.AddHours(32), principal: Account), "prod")]);
        await Eventually.HoldsAsync(() => worker.EventsScored >= 251, "prod's return scored", TimeSpan.FromSeconds(30));
        await harness.AppendAsync(Enumerable.Range(0, 200).Select(i => Events.Read(Events.T0.AddHours(33).AddSeconds(i), principal: $"user:twice-{i}")));
        await Eventually.HoldsAsync(() => worker.EventsScored >= 451, "the second crowd scored", TimeSpan.FromSeconds(30));
    },
    async (store, group) =>
    {
        var prod = await store.ParkedAsync(group, ClusterKeys.Key(Account, "prod"), CancellationToken.None);
        var staging = await store.ParkedAsync(group, ClusterKeys.Key(Account, "staging"), CancellationToken.None);
        Assert.Equal((31, 20), (ZtStream.Verifier.Baselines.PrincipalState.FromBytes(prod!).Events, ZtStream.Verifier.Baselines.PrincipalState.FromBytes(staging!).Events));
    });

    [Fact]
    public void EvictedPrincipal_WhenItReturns_GetsItsSignInHistoryBack_KnownCountryAndDevice()
    {
        var options = new VerifierOptions { ModelEnabled = false, MaxPrincipals = 50 };
        var budget = new StateBudget(options);
        var engine = new ScoringEngine(options, budget: budget);
        const string upn = "tperkins@contoso.example";
        var signIns = Enumerable.Range(0, 5).Select(i => IdpRecords.EntraSignIn(upn, "198.51.100.40", IdpRecords.T0.AddDays(i), country: "US", device: "3e5ad2d6")).ToList();
        foreach (var e in signIns)
        {
            engine.Score(e);
        }

        var key = signIns[0].PrincipalKey;
        for (var i = 0; i < 200; i++)
        {
            engine.Score(Events.Read(IdpRecords.T0.AddDays(5).AddSeconds(i), principal: $"user:crowd-{i}"));
        }

        Assert.False(engine.Knows(key));
        var parked = Assert.Single(budget.ToPark, p => p.Principal == key).State.ToBytes();

        // Back through the bytes the store keeps, as the worker adopts it.
        engine.Adopt(key, ZtStream.Verifier.Baselines.PrincipalState.FromBytes(parked));
        var home = engine.Score(IdpRecords.EntraSignIn(upn, "198.51.100.40", IdpRecords.T0.AddDays(6), country: "US", device: "3e5ad2d6"));
        var abroad = engine.Score(IdpRecords.EntraSignIn(upn, "203.0.113.8", IdpRecords.T0.AddDays(7), country: "RU", device: "99ff02"));

        Assert.DoesNotContain(home.Alert?.Reasons ?? [], r => r.Rule is AuthenticationDetector.NewCountry or AuthenticationDetector.NewDevice);
        // Only a principal that remembers its six sign-ins from the US sees RU as new: a fresh state has too few to judge.
        var newCountry = Assert.Single(abroad.Alert!.Reasons, r => r.Rule == AuthenticationDetector.NewCountry);
        Assert.Contains("6 sign-ins before, from US", newCountry.Text, StringComparison.Ordinal);
        Assert.Equal(7, engine.StateOf(key)!.Authentication!.SignIns);
    }

    [Fact]
    public void ParkedState_WrittenBeforeSignInHistoryWasParked_StillLoads()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false });
        for (var i = 0; i < 30; i++)
        {
            engine.Score(Events.Read(Events.T0.AddMinutes(i), principal: "user:old"));
        }

        // The previous version parked the baseline alone: exactly what Write gives, with no section after it.
        var parked = WrittenBytes.Of(engine.StateOf("user:old")!.Write);
        var loaded = ZtStream.Verifier.Baselines.PrincipalState.FromBytes(parked);

        Assert.Equal(30, loaded.Events);
        Assert.Null(loaded.Authentication);
        Assert.Throws<InvalidDataException>(() => ZtStream.Verifier.Baselines.PrincipalState.FromBytes([.. parked, 9]));
    }

    [Fact]
    public void OpenAlerts_PastThePerPrincipalCap_MergeIntoThatPrincipalsOneFloodAlert()
    {
        var options = new VerifierOptions { ModelEnabled = false, MaxOpenAlertsPerPrincipal = 3 };
        var engine = new ScoringEngine(options);
        var published = new List<Alert>();
        for (var i = 0; i < 10; i++)
        {
            // Ten resource classes: ten alerts if nothing capped them.
            var e = Expired(Events.T0.AddMinutes(i), "user:noisy") with { Resource = new ResourceRef { Type = "table", Id = $"t{i}", DataClass = $"class-{i}" } };
            if (engine.Score(e).Alert is { } alert)
            {
                published.Add(alert);
            }
        }

        Assert.Equal(3, engine.OpenAlertCount);
        var flood = published.Where(a => a.Detector == Detectors.Verifier).ToList();
        Assert.Single(flood.Select(a => a.Id).Distinct());
        Assert.Equal([1, 2, 4], flood.Select(a => a.Count));
        Assert.Equal("user:noisy", flood[^1].Principal);
        Assert.Equal(AlertBook.FloodRule, flood[^1].Reasons[0].Rule);
        Assert.Contains("user:noisy already has 3 open alerts", flood[^1].Reasons[0].Text, StringComparison.Ordinal);
        Assert.Null(flood[^1].RaisedBy);
    }

    [Fact]
    public void OpenAlerts_PastTheTotalCap_MergeIntoOneInstanceFloodAlert_ThatSurvivesACheckpoint()
    {
        var options = new VerifierOptions { ModelEnabled = false, MaxOpenAlerts = 50 };
        var budget = new StateBudget(options);
        var engine = new ScoringEngine(options, budget: budget);
        var flood = new List<Alert>();
        for (var i = 0; i < 1_000; i++)
        {
            if (engine.Score(Expired(Events.T0.AddSeconds(i), $"user:fake-{i}")).Alert is { Detector: Detectors.Verifier } alert)
            {
                flood.Add(alert);
            }
        }

        Assert.Equal(50, budget.OpenAlerts);
        Assert.Equal(950, budget.AlertsMerged);
        var last = flood[^1];
        Assert.Single(flood.Select(a => a.Id).Distinct());
        Assert.Equal(512, last.Count);
        Assert.Equal((AlertBook.InstancePrincipal, Detectors.Verifier), (last.Principal, last.RaisedBy));
        Assert.Null(last.SubjectId);
        Assert.True(flood.Count <= 11, "published at powers of two, not per merged alert");

        // Restored, the same flood alert goes on counting (next published at 1024), and no cap was forgotten.
        var restored = new ScoringEngine(options);
        restored.Restore(engine.Checkpoint());
        Assert.Equal(50, restored.OpenAlertCount);
        var published = new List<Alert>();
        for (var i = 1_000; i < 1_074; i++)
        {
            if (restored.Score(Expired(Events.T0.AddSeconds(i), $"user:fake-{i}")).Alert is { } alert)
            {
                published.Add(alert);
            }
        }

        Assert.Equal((last.Id, 1_024), (Assert.Single(published).Id, published[0].Count));
    }

    [Fact]
    public void OpenAlerts_PastTheTotalCap_OnSeveralPartitions_AllMergeIntoTheSameOneFloodAlert()
    {
        var options = new VerifierOptions { ModelEnabled = false, MaxOpenAlerts = 10 };
        var budget = new StateBudget(options);
        var engines = Enumerable.Range(0, 3).Select(_ => new ScoringEngine(options, budget: budget)).ToList();
        var flood = new List<Alert>();
        for (var i = 0; i < 300; i++)
        {
            if (engines[i % 3].Score(Expired(Events.T0.AddSeconds(i), $"user:fake-{i}")).Alert is { Detector: Detectors.Verifier } alert)
            {
                flood.Add(alert);
            }
        }

        Assert.Single(flood.Select(a => a.Id).Distinct());
        Assert.Equal(256, flood[^1].Count);

        // Restored on another instance from any one partition's checkpoint, the flood goes on counting there.
        var elsewhere = new ScoringEngine(options);
        elsewhere.Restore(engines[1].Checkpoint());
        var later = Enumerable.Range(300, 300)
            .Select(i => elsewhere.Score(Expired(Events.T0.AddSeconds(i), $"user:fake-{i}")).Alert)
            .OfType<Alert>()
            .Where(a => a.Detector == Detectors.Verifier)
            .ToList();
        Assert.All(later, a => Assert.Equal(flood[0].Id, a.Id));
        Assert.Contains(later, a => a.Count == 512);
    }

    [Fact]
    public void Checkpoint_FromBeforeFloodAlerts_IsStillRead_WithItsOpenAlertsCounted()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options);
        for (var i = 0; i < 5; i++)
        {
            engine.Score(Expired(Events.T0.AddSeconds(i), $"user:old-{i}"));
        }

        var budget = new StateBudget(options);
        var restored = new ScoringEngine(options, budget: budget);
        restored.Restore(ZtStream.Verifier.Tests.Rules.CheckpointFormats.AsFormat(engine.Checkpoint(), 4));

        Assert.Equal((5, 5), (restored.OpenAlertCount, budget.OpenAlerts));
        Assert.Equal(5, budget.Principals);
    }
}
