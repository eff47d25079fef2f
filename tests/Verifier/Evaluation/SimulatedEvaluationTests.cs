using ZtStream.Verifier.Evaluation;

namespace ZtStream.Verifier.Tests.Evaluation;

/// <summary>
/// The detection bar on a small simulation, scored as the default configuration scores it: the default policy and the
/// built-in rule library (the 2,000 × 7 measurement is in docs/detection.md).
/// </summary>
public sealed class SimulatedEvaluationTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void EveryScenario_DetectedHighOnRightPrincipal_FewFalsePositives(int seed, bool model)
    {
        var options = new VerifierOptions { ModelEnabled = model };
        var sim = new TrafficSimulator(new SimulationOptions { Principals = 200, Days = 2, Seed = seed });
        var rules = RuleLoader.Load(RuleLoader.Builtin());
        Assert.Empty(rules.Errors);
        var engine = new ScoringEngine(options, DefaultPolicy.Load(), model ? new ModelHost(options) : null, new RuleSetHolder(new RuleSet(rules.Rules)));
        var events = sim.Generate().ToList();
        var evaluator = new Evaluator(sim.Labels);
        foreach (var se in events)
        {
            evaluator.Observe(se.Event, engine.Score(se.Event));
        }

        var report = evaluator.Report();
        Assert.Equal(Scenarios.All.Count, report.Scenarios.Count);
        foreach (var (name, result) in report.Scenarios)
        {
            Assert.True(result.Detected, $"{name} not detected");
            Assert.True(Severities.Rank(result.Severity) >= Severities.Rank(Severities.High), $"{name}: {result.Severity}");
            Assert.Equal(sim.Targets[name], result.Principal);
        }

        Assert.True(report.FalsePositivesPer1000PrincipalDays <= 1.0, $"{report.FalsePositiveAlerts} false positives");
        if (model)
        {
            Assert.True(engine.Model!.Version >= 1);
        }
    }

    [Fact]
    public void Evaluator_AlertWithoutAttackEvidence_CountsAsFalsePositive()
    {
        var label = new ScenarioLabel("pod-exec", "user:x", Events.T0, ["attack-1"]);
        var evaluator = new Evaluator([label]);
        var benign = Events.Read(Events.T0, "user:y");
        var alert = new Alert
        {
            Id = "a1", DedupKey = "k", Principal = "user:y", Detector = "baseline", Score = 80, Severity = "high",
            Reasons = [], EvidenceEventIds = [benign.Id], FirstSeen = Events.T0, LastSeen = Events.T0,
        };
        evaluator.Observe(benign, new ScoreResult(80, alert, false));
        var report = evaluator.Report();
        Assert.Equal(1, report.FalsePositiveAlerts);
        Assert.False(report.Scenarios["pod-exec"].Detected);
        Assert.Null(report.Scenarios["pod-exec"].EventsToDetection);
    }
}
