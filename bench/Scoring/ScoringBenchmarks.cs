using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Serialization;
using ZtStream.Verifier;
using ZtStream.Verifier.Policy;
using ZtStream.Verifier.Rules;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// The Verifier's scoring path, bytes in and alert-or-not out, no I/O: UTF-8 JSON events of a simulated day are
/// scored by an engine whose baselines were warmed on the two days before (restored from a checkpoint before
/// every iteration so no event is a duplicate). Reported per event: events/s per core = 1 / mean.
/// <c>Rules</c>: <c>none</c>, or <c>library</c> — the built-in rule library plus SigmaHQ's Kubernetes audit rules
/// (tests/Verifier/TestData/sigma-k8s-audit), as a deployment that loads community rules would run.
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private readonly VerifierOptions options = new() { ModelEnabled = false };
    private byte[][] events = [];
    private byte[] warm = [];
    private ZeroTrustPolicy policy = null!;
    private ScoringEngine engine = null!;

    [Params(500)]
    public int Principals { get; set; }

    [Params("none", "library")]
    public string Rules { get; set; } = "none";

    private RuleSetHolder rules = new(RuleSet.Empty);

    [GlobalSetup]
    public void Setup()
    {
        policy = DefaultPolicy.Load();
        if (Rules == "library")
        {
            rules = new RuleSetHolder(new RuleSet(Library()));
        }

        var sim = new TrafficSimulator(new SimulationOptions { Principals = Principals, Days = 3, Seed = 11, Scenarios = [] });
        var all = sim.Generate().Select(s => s.Event).ToList();
        var cut = all.FindIndex(e => e.Time >= all[0].Time.AddDays(2));
        var warmEngine = new ScoringEngine(options, policy, rules: rules);
        foreach (var e in all.Take(cut))
        {
            warmEngine.Score(e);
        }

        warm = warmEngine.Checkpoint();
        events = [.. all.Skip(cut).Take(20_000).Select(ContractJson.Serialize)];
    }

    [IterationSetup]
    public void Restore()
    {
        engine = new ScoringEngine(options, policy, rules: rules);
        engine.Restore(warm);
    }

    [Benchmark(OperationsPerInvoke = 20_000)]
    public int ScoreBytes()
    {
        var alerts = 0;
        foreach (var e in events)
        {
            if (engine.Score(e).Alert is not null)
            {
                alerts++;
            }
        }

        return alerts;
    }

    /// <summary>The built-in library and SigmaHQ's Kubernetes audit rules; with <paramref name="correlations"/> the Sigma correlations of the tests too.</summary>
    internal static IReadOnlyList<Rule> Library(bool correlations = false)
    {
        var errors = new List<RuleLoadError>();
        string[] folders = correlations ? [TestData("sigma-k8s-audit"), TestData("sigma-correlation")] : [TestData("sigma-k8s-audit")];
        var loaded = RuleLoader.Load([.. RuleLoader.Builtin(), .. RuleLoader.Read(folders, errors)]);
        return errors.Count + loaded.Errors.Count == 0
            ? loaded.Rules
            : throw new InvalidOperationException(string.Join("; ", errors.Concat(loaded.Errors)));
    }

    private static string TestData(string name)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Verifier", "TestData", name);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"tests/Verifier/TestData/{name} not found above " + AppContext.BaseDirectory + " or the working folder");
    }
}
