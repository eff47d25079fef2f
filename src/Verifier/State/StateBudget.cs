namespace ZtStream.Verifier.State;

/// <summary>
/// The caps one Verifier instance keeps over all its partitions' engines: principals tracked and open alerts. Engines
/// report what they hold; when a new principal needs room, the least recently seen twentieth of the instance's
/// principals (by event time, whichever partition holds them) are evicted (<see cref="ScoringEngine.EvictSeenUpTo"/>),
/// and what they gave up waits here, to be parked in the store before any checkpoint forgets it. Used under the
/// worker's lock (one engine at a time), so plain fields suffice.
/// </summary>
internal sealed class StateBudget(int maxPrincipals, int maxOpenAlerts, int parkMinEvents)
{
    private readonly List<ScoringEngine> engines = [];
    private readonly List<(string Principal, PrincipalState State)> toPark = [];

    public StateBudget(VerifierOptions options)
        : this(options.MaxPrincipals, options.MaxOpenAlerts, options.ParkMinEvents)
    {
    }

    public int MaxPrincipals { get; } = maxPrincipals;

    public int MaxOpenAlerts { get; } = maxOpenAlerts;

    /// <summary>Principals tracked by every engine together.</summary>
    public int Principals { get; internal set; }

    /// <summary>Open alerts (not counting the flood alerts they were merged into) of every engine together.</summary>
    public int OpenAlerts { get; internal set; }

    /// <summary>Principals evicted since start.</summary>
    public long Evicted { get; private set; }

    /// <summary>Evicted principals whose state was parked (or waits to be).</summary>
    public long Parked { get; private set; }

    /// <summary>New alerts merged into a flood alert since start.</summary>
    public long AlertsMerged { get; internal set; }

    /// <summary>The instance-wide alert-flood alert (one key), shared by every engine's alert book.</summary>
    public Dictionary<string, ZtStream.Contracts.Alerts.Alert> InstanceFloods { get; } = new(StringComparer.Ordinal);

    /// <summary>Evicted principals' states waiting to be written to the store.</summary>
    public int WaitingToPark => toPark.Count;

    public void Register(ScoringEngine engine) => engines.Add(engine);

    /// <summary>The engine's partition left this instance: its principals and alerts no longer count here.</summary>
    public void Unregister(ScoringEngine engine)
    {
        if (engines.Remove(engine))
        {
            Principals -= engine.PrincipalCount;
            OpenAlerts -= engine.OpenAlertCount;
        }
    }

    /// <summary>Makes room for one more principal: past the cap, evicts the instance's least recently seen twentieth in one pass (rare).</summary>
    public void MakeRoom()
    {
        if (Principals < MaxPrincipals)
        {
            return;
        }

        var seen = new List<long>(Principals);
        foreach (var engine in engines)
        {
            engine.CollectLastSeen(seen);
        }

        if (seen.Count == 0)
        {
            return;
        }

        seen.Sort();
        // At least enough to get below the cap (a restored partition may have brought more than it allows).
        var evict = Math.Max(Math.Max(1, seen.Count / 20), seen.Count - MaxPrincipals + 1);
        var cutoff = seen[Math.Min(seen.Count, evict) - 1];
        foreach (var engine in engines)
        {
            foreach (var (principal, state) in engine.EvictSeenUpTo(cutoff))
            {
                Evicted++;
                if (state.Events >= parkMinEvents)
                {
                    Parked++;
                    toPark.Add((principal, state));
                }
            }
        }
    }

    /// <summary>The evicted states to park, oldest first; <see cref="Parked"/> once the store has them.</summary>
    public IReadOnlyList<(string Principal, PrincipalState State)> ToPark => toPark;

    public void MarkParked() => toPark.Clear();
}
