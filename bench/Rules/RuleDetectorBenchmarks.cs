using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Events;
using ZtStream.Verifier.Rules;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Rules;

/// <summary>
/// The rules' share of scoring alone: a simulated day's events (the kinds <c>ztstream bench</c> sends: applications'
/// requests and data reads, sign-ins, Kubernetes audit) through the rule detector holding the built-in library and
/// SigmaHQ's Kubernetes audit rules. One operation = one event.
/// </summary>
[MemoryDiagnoser]
public class RuleDetectorBenchmarks
{
    private readonly List<Contribution> output = [];
    private AccessEvent[] events = [];
    private RuleDetector detector = null!;

    [GlobalSetup]
    public void Setup()
    {
        detector = new RuleDetector(new RuleSetHolder(new RuleSet(Scoring.ScoringBenchmarks.Library())));
        var sim = new TrafficSimulator(new SimulationOptions { Principals = 500, Days = 1, Seed = 11, Scenarios = [] });
        events = [.. sim.Generate().Select(s => s.Event).Take(20_000)];
    }

    [Benchmark(OperationsPerInvoke = 20_000)]
    public int Evaluate()
    {
        var matched = 0;
        foreach (var e in events)
        {
            output.Clear();
            detector.Evaluate(e, output);
            matched += output.Count;
        }

        return matched;
    }
}
