namespace ZtStream.Verifier.Tests.Feedback;

public sealed class FeedbackTests
{
    private static ScoringEngine Warm(params string[] principals) =>
        new ScoringEngine(new VerifierOptions { ModelEnabled = false, DedupWindow = TimeSpan.FromMinutes(10) }).Scored(principals.SelectMany(p => Events.WarmHistory(p)));

    private static AlertFeedback FalsePositive(string principal, string rule, string? resourceClass, DateTimeOffset expires) => new()
    {
        Id = "fb-1",
        AlertId = "alt-1",
        Verdict = "false_positive",
        Principal = principal,
        Rules = [rule],
        ResourceClass = resourceClass,
        By = "analyst@acme",
        At = Events.T0.AddHours(48),
        ExpiresAt = expires,
    };

    [Fact]
    public void FalsePositive_SuppressesSameRuleForThatPrincipalAndClassOnly()
    {
        const string a = "system:serviceaccount:shop:api";
        const string b = "system:serviceaccount:shop:worker";
        var engine = Warm(a, b);
        engine.ApplyFeedback(FalsePositive(a, "baseline/bytes_spike", "internal/orders", Events.T0.AddDays(10)));

        // Same principal, rule and class: suppressed.
        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000)).Alert);

        // Same principal, other resource class: still fires.
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49.5), a, dataClass: "internal/billing", bytes: 2_000_000_000)).Alert);

        // Other principal, same class: still fires.
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49.6), b, workload: "shop/worker-1", bytes: 2_000_000_000)).Alert);
    }

    [Fact]
    public void FalsePositive_OtherRule_DoesNotSuppress()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = Warm(a);
        engine.ApplyFeedback(FalsePositive(a, "baseline/first_data_class", "internal/orders", Events.T0.AddDays(10)));
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000)).Alert);
    }

    [Fact]
    public void FalsePositive_Expired_FiresAgain()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = Warm(a);
        engine.ApplyFeedback(FalsePositive(a, "baseline", null, Events.T0.AddHours(50)));
        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000)).Alert);
        Assert.Equal(1, engine.Suppressions.Count);

        // Past the expiry (event time), the same behaviour alerts again.
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(51), a, bytes: 2_000_000_000)).Alert);
        Assert.Equal(0, engine.Suppressions.Count);
    }

    [Fact]
    public void FalsePositive_FirstDataClass_FoldsClassIntoBaseline()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = Warm(a);
        engine.ApplyFeedback(FalsePositive(a, "baseline/first_data_class", "restricted/hr", Events.T0.AddHours(49)));

        // Even after the suppression lapses, the class is known now: no first-access reason.
        var r = engine.Score(Events.Read(Events.T0.AddHours(60), a, dataClass: "restricted/hr"));
        Assert.Null(r.Alert);
    }

    [Fact]
    public void TruePositive_SuppressesNothing()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = Warm(a);
        engine.ApplyFeedback(FalsePositive(a, "baseline", null, Events.T0.AddDays(10)) with { Verdict = "true_positive" });
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000)).Alert);
    }

    [Fact]
    public void Suppression_SameIdReplaces_AndALiftRemovesIt()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = Warm(a);
        var wide = FalsePositive(a, "baseline", null, Events.T0.AddDays(10)) with { SuppressionId = "sup-1" };
        engine.ApplyFeedback(wide);
        engine.ApplyFeedback(wide);
        Assert.Equal(1, engine.Suppressions.Count);
        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000)).Alert);

        // Narrowed to another rule of the detector: the byte spike is no longer covered.
        engine.ApplyFeedback(wide with { Id = "fb-2", Rules = ["baseline/first_data_class"] });
        Assert.Equal(1, engine.Suppressions.Count);
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49.2), a, bytes: 2_000_000_000)).Alert);

        engine.ApplyFeedback(wide with { Id = "fb-3", Lifted = true });
        Assert.Equal(0, engine.Suppressions.Count);
    }

    [Fact]
    public void Suppression_ForEveryoneInANamespace_CoversOnlyThatNamespace()
    {
        const string shop = "system:serviceaccount:shop:worker";
        const string pay = "system:serviceaccount:payments:worker";
        var engine = Warm(shop).Warmed(pay, "payments/worker-1");

        engine.ApplyFeedback(FalsePositive(AlertFeedback.AllPrincipals, "baseline/bytes_spike", null, Events.T0.AddDays(10)) with { Namespace = "shop", SuppressionId = "sup-ns" });

        Assert.Null(engine.Score(Events.Read(Events.T0.AddHours(49), shop, workload: "shop/worker-1", bytes: 2_000_000_000)).Alert);
        Assert.NotNull(engine.Score(Events.Read(Events.T0.AddHours(49), pay, workload: "payments/worker-1", bytes: 2_000_000_000)).Alert);
    }

    [Fact]
    public void Checkpoint_KeepsSuppressionsById_AndReadsTheFormatWithoutIds()
    {
        const string a = "system:serviceaccount:shop:api";
        var list = new ZtStream.Verifier.Feedback.SuppressionList();
        list.Add(FalsePositive(AlertFeedback.AllPrincipals, "baseline/bytes_spike", null, Events.T0.AddDays(10)) with { Namespace = "shop", SuppressionId = "sup-9" });
        var read = new ZtStream.Verifier.Feedback.SuppressionList();
        read.Read(WrittenBytes.Reader(list.Write));
        var s = Assert.Single(read.For(AlertFeedback.AllPrincipals));
        Assert.Equal(("sup-9", "shop"), (s.Id, s.Namespace));
        Assert.True(read.IsSuppressed(a, "baseline", "bytes_spike", "internal/orders", "shop", null, Events.T0.AddDays(1).UtcTicks));

        // Checkpoints written before suppressions had ids: per principal, scope, class, expiry, alert.
        using var old = new MemoryStream();
        using (var w = new BinaryWriter(old, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(1);
            w.Write(a);
            w.Write(1);
            w.Write("baseline/bytes_spike");
            w.Write("internal/orders");
            w.Write(Events.T0.AddDays(10).UtcTicks);
            w.Write("alt-old");
        }

        old.Position = 0;
        var fromOld = new ZtStream.Verifier.Feedback.SuppressionList();
        fromOld.Read(new BinaryReader(old));
        Assert.Equal(1, fromOld.Count);
        Assert.True(fromOld.IsSuppressed(a, "baseline", "bytes_spike", "internal/orders", null, null, Events.T0.AddDays(1).UtcTicks));
        Assert.False(fromOld.IsSuppressed(a, "baseline", "bytes_spike", "internal/billing", null, null, Events.T0.AddDays(1).UtcTicks));
    }

    [Fact]
    public void FalsePositive_AppliedAgainAfterARestore_IsKeptOnce()
    {
        const string a = "system:serviceaccount:shop:api";
        var engine = Warm(a);
        var verdict = FalsePositive(a, "baseline/bytes_spike", "internal/orders", Events.T0.AddDays(10));
        engine.ApplyFeedback(verdict);
        var restored = new ScoringEngine(new VerifierOptions { ModelEnabled = false, DedupWindow = TimeSpan.FromMinutes(10) });
        restored.Restore(engine.Checkpoint());

        // The worker re-applies every verdict it has read to a partition it restores.
        restored.ApplyFeedback(verdict);
        restored.ApplyFeedback(verdict);

        Assert.Equal(1, restored.Suppressions.Count);
        Assert.Single(restored.Suppressions.For(a));
        Assert.Null(restored.Score(Events.Read(Events.T0.AddHours(49), a, bytes: 2_000_000_000)).Alert);
    }

    /// <summary>Staging's and prod's account of one name, warmed in both clusters (each cluster is a principal of its own).</summary>
    private static ScoringEngine WarmInClusters(string principal, params string[] clusters) =>
        new ScoringEngine(new VerifierOptions { ModelEnabled = false, DedupWindow = TimeSpan.FromMinutes(10) })
            .Scored(clusters.SelectMany(cluster => Events.WarmHistory(principal).Select(e => ManagedClusters.InCluster(e with { Id = $"{cluster}-{e.Id}" }, cluster))));

    private static AccessEvent Spike(string principal, string cluster, double hours, string dataClass = "internal/orders") =>
        ManagedClusters.InCluster(Events.Read(Events.T0.AddHours(hours), principal, dataClass: dataClass, bytes: 2_000_000_000) with { Id = $"spike-{cluster}-{hours}-{dataClass}" }, cluster);

    [Fact]
    public void FalsePositive_NamingACluster_HoldsThereOnly_NeverForTheSameNameInAnotherCluster()
    {
        const string deployer = "system:serviceaccount:ci:deployer";
        var engine = WarmInClusters(deployer, "staging", "prod");
        engine.ApplyFeedback(FalsePositive(deployer, "baseline/bytes_spike", null, Events.T0.AddDays(10)) with { Cluster = "staging" });

        Assert.Null(engine.Score(Spike(deployer, "staging", 49)).Alert);
        var prod = engine.Score(Spike(deployer, "prod", 49.1)).Alert;
        Assert.NotNull(prod);
        Assert.Equal("prod", prod.PrincipalCluster);
        Assert.Contains(prod.Reasons, r => r.Rule == "bytes_spike");

        // Kept in the checkpoint with its cluster: a restored partition still tells the two apart.
        var restored = new ScoringEngine(new VerifierOptions { ModelEnabled = false, DedupWindow = TimeSpan.FromMinutes(10) });
        restored.Restore(engine.Checkpoint());
        var s = Assert.Single(restored.Suppressions.For(deployer));
        Assert.Equal("staging", s.Cluster);
        Assert.True(restored.Suppressions.IsSuppressed(deployer, "baseline", "bytes_spike", "internal/orders", null, "staging", Events.T0.AddDays(1).UtcTicks));
        Assert.False(restored.Suppressions.IsSuppressed(deployer, "baseline", "bytes_spike", "internal/orders", null, "prod", Events.T0.AddDays(1).UtcTicks));
        Assert.False(restored.Suppressions.IsSuppressed(deployer, "baseline", "bytes_spike", "internal/orders", null, null, Events.T0.AddDays(1).UtcTicks));
    }

    [Fact]
    public void FalsePositive_WrittenBeforeClustersWereNamed_StillHoldsInEveryCluster()
    {
        const string deployer = "system:serviceaccount:ci:deployer";
        var engine = WarmInClusters(deployer, "staging", "prod");

        // A message as the Responder wrote it before suppressions named a cluster: no "cluster" member at all.
        var old = ContractJson.DeserializeFeedback(System.Text.Encoding.UTF8.GetBytes($$"""
            {"schema":1,"id":"fb-old","alert_id":"alt-old","verdict":"false_positive","principal":"{{deployer}}","rules":["baseline/bytes_spike"],
             "resource_class":null,"by":"analyst@acme","at":"2026-01-07T00:00:00+00:00","expires_at":"2026-01-15T00:00:00+00:00","suppression_id":"sup-old"}
            """));
        Assert.Null(old.Cluster);
        engine.ApplyFeedback(old);

        Assert.Null(engine.Score(Spike(deployer, "staging", 49)).Alert);
        Assert.Null(engine.Score(Spike(deployer, "prod", 49.1)).Alert);
    }

    [Fact]
    public void FirstDataClass_JudgedLegitimateInStaging_IsKnownThereOnly()
    {
        const string deployer = "system:serviceaccount:ci:deployer";
        var engine = WarmInClusters(deployer, "staging", "prod");
        engine.ApplyFeedback(FalsePositive(deployer, "baseline/first_data_class", "restricted/hr", Events.T0.AddHours(48.5)) with { Cluster = "staging" });

        // After the suppression lapses, staging's account knows the class; prod's never learnt it.
        Assert.DoesNotContain(engine.Score(Spike(deployer, "staging", 49, "restricted/hr")).Alert?.Reasons ?? [], r => r.Rule == "first_data_class");
        Assert.Contains(engine.Score(Spike(deployer, "prod", 49, "restricted/hr")).Alert?.Reasons ?? [], r => r.Rule == "first_data_class");
    }
}
