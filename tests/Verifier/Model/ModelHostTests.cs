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
}
