using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Verifier;
using ZtStream.Verifier.Baselines;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// The baselines' first step on every scored event, <see cref="BaselineDetector.Observe"/> (the event's facts: the
/// hashes of its resource, data class, workload, address, agent, token and peer group, and what is new to the
/// principal), alone: 20,000 events of a simulated day of 1,000 principals, read from their bytes by one
/// <see cref="EventReader"/> as the Verifier reads them (so repeated values are shared instances), each with its
/// principal's state and identity made beforehand. One operation per event.
/// </summary>
[MemoryDiagnoser]
public class BaselineObserveBenchmarks
{
    private const int SimulatedEvents = 20_000;

    private readonly BaselineDetector detector = new(new VerifierOptions());
    private AccessEvent[] events = [];
    private Identity[] identities = [];
    private PrincipalState[] states = [];

    [GlobalSetup]
    public void Setup()
    {
        var reader = new EventReader();
        var names = new ServiceAccountNames();
        var byPrincipal = new Dictionary<string, PrincipalState>(StringComparer.Ordinal);
        events = [.. new TrafficSimulator(new SimulationOptions { Principals = 1_000, Days = 1, Seed = 11, Scenarios = [] })
            .Generate().Take(SimulatedEvents).Select(s => reader.Read(ContractJson.Serialize(s.Event)))];
        identities = [.. events.Select(e => new Identity(e, names))];
        states = [.. identities.Select(who => byPrincipal.TryGetValue(who.Principal, out var s) ? s : byPrincipal[who.Principal] = new PrincipalState())];
    }

    [Benchmark(OperationsPerInvoke = SimulatedEvents)]
    public ulong Observe()
    {
        var mixed = 0UL;
        for (var i = 0; i < events.Length; i++)
        {
            var facts = default(EventFacts);
            detector.Observe(events[i], identities[i], states[i], ref facts);
            mixed ^= facts.Resource ^ facts.Agent ^ facts.PeerGroup;
        }

        return mixed;
    }
}
