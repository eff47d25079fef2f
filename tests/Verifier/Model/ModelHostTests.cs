namespace ZtStream.Verifier.Tests.Model;

public sealed class ModelHostTests
{
    private static ModelHost Trained(out ModelSnapshot? saved)
    {
        var host = new ModelHost(new VerifierOptions { ModelWarmUp = TimeSpan.FromHours(1) });
        ModelSnapshot? snapshot = null;
        host.Trained += s => snapshot = s;
        var random = new Random(4);
        for (var i = 0; i < 2_000; i++)
        {
            // Benign: ~1 MB reads, a handful of requests per window, no denials, known resources.
            float[] v = [13.8f + (float)(random.NextDouble() * 0.5), 1.5f + (float)random.NextDouble(), 1f + (float)random.NextDouble(), 0, 0, i % 7 == 0 ? 1 : 0, 0, 0, 0, 0.1f * (i % 3)];
            host.Observe(v, Events.T0.AddSeconds(i * 3), alerted: false);
        }

        saved = snapshot;
        return host;
    }

    [Fact]
    public void Train_AfterWarmUp_SavesVersionedModel()
    {
        var host = Trained(out var saved);
        Assert.Equal(1, host.Version);
        Assert.NotNull(saved);
        Assert.NotEmpty(saved.Bytes);
        Assert.True(float.IsFinite(saved.Threshold));
    }

    [Fact]
    public void Evaluate_Outlier_NamesMostDeviantFeatures()
    {
        var host = Trained(out _);
        var found = new List<Contribution>();
        host.Evaluate([21.4f, 5.5f, 4.6f, 4.1f, 1, 0, 1, 1, 1, 1], Events.T0.AddDays(1), found);
        var c = Assert.Single(found);
        Assert.Equal("model", c.Detector);
        Assert.Equal(RuleNames.Reconstruction, c.Rule);
        Assert.InRange(c.Score, 20, 45);
        Assert.Matches(@"^PCA reconstruction error [0-9.]+× the benign 99\.9th percentile \(model v1\); most deviant: .+ [0-9.]+ \(benign mean [0-9.]+\), .+ [0-9.]+ \(benign mean [0-9.]+\)$", c.Text);
    }

    [Fact]
    public void Load_StoredModel_ScoresLikeTheOriginal()
    {
        var host = Trained(out var saved);
        var restored = new ModelHost(new VerifierOptions());
        restored.Load(saved!);
        float[] outlier = [21.4f, 5.5f, 4.6f, 4.1f, 1, 0, 1, 1, 1, 1];
        var a = new List<Contribution>();
        var b = new List<Contribution>();
        host.Evaluate(outlier, Events.T0, a);
        restored.Evaluate(outlier, Events.T0, b);
        Assert.Equal(a, b);
        Assert.Equal(1, restored.Version);
    }

    [Fact]
    public void Evaluate_BenignVector_ContributesNothing()
    {
        var host = Trained(out _);
        var found = new List<Contribution>();
        host.Evaluate([14f, 2f, 1.5f, 0, 0, 0, 0, 0, 0, 0.1f], Events.T0.AddDays(1), found);
        Assert.Empty(found);
    }

    /// <summary>
    /// Benign traffic whose every event is alike (one administrator's password resets, one service polling one endpoint,
    /// a replayed file of near-identical records) has no rank-4 projection: ML.NET's trainer refuses it (NaN
    /// eigenvectors). The Verifier keeps scoring without the model, tries again a retraining interval later, and trains
    /// once the traffic varies — instead of failing the event that made training due (which stopped `replay` and a
    /// partition's worker).
    /// </summary>
    [Fact]
    public void Observe_BenignTrafficAllAlike_DoesNotFail_AndTrainsOnceItVaries()
    {
        var options = new VerifierOptions { ModelWarmUp = TimeSpan.FromHours(1), ModelRetrainInterval = TimeSpan.FromHours(1) };
        var host = new ModelHost(options);
        var refusals = 0;
        host.NotTrained += (reason, samples) => refusals++;
        var random = new Random(7);
        var t = Events.T0;
        for (var i = 0; i < 2_000; i++, t = t.AddSeconds(3))
        {
            // One administrator's password resets, the same each time (the features of a replayed Okta day).
            host.Observe([0, MathF.Log(2), 0, 0, 0, 0, 0, 0, 1, 1], t, alerted: false);
        }

        Assert.Equal(0, host.Version);
        Assert.Equal(1, refusals); // tried once at the warm-up's end, not again on every later event
        var found = new List<Contribution>();
        host.Evaluate([21.4f, 5.5f, 4.6f, 4.1f, 1, 0, 1, 1, 1, 1], t, found);
        Assert.Empty(found);

        for (var i = 0; i < 25_000; i++, t = t.AddSeconds(1))
        {
            float[] v = [13.8f + (float)(random.NextDouble() * 0.5), 1.5f + (float)random.NextDouble(), 1f + (float)random.NextDouble(), 0, 0, i % 7 == 0 ? 1 : 0, 0, 0, 0, 0.1f * (i % 3)];
            host.Observe(v, t, alerted: false);
        }

        Assert.True(host.Version >= 1, "the model was never trained once the traffic varied");
        host.Evaluate([21.4f, 5.5f, 4.6f, 4.1f, 1, 0, 1, 1, 1, 1], t, found);
        Assert.Single(found);
    }
}
