namespace ZtStream.Verifier.Scoring;

/// <summary>
/// What the first stage of a Kubernetes request without its outcome contributed (<see cref="RequestStages"/>), kept until
/// a later stage brings the outcome, so the request is scored as a whole then (<see cref="ScoringEngine"/>). Bounded:
/// past <see cref="Capacity"/> requests awaiting their outcome, the oldest is forgotten (a stage that never comes, a
/// policy that records only <c>RequestReceived</c>), and its outcome is scored alone. Not in the checkpoint: across a
/// restart, too, the outcome is scored alone.
/// </summary>
internal sealed class FirstStages
{
    public const int Capacity = 4096;

    private readonly Dictionary<ulong, Contribution[]> found = [];
    private readonly Queue<ulong> order = new();

    /// <summary>Keeps what the first stage of the request <paramref name="idHash"/> found, when it found anything.</summary>
    public void Remember(ulong idHash, List<Contribution> contributions)
    {
        if (contributions.Count == 0 || !found.TryAdd(idHash, [.. contributions]))
        {
            return;
        }

        order.Enqueue(idHash);
        while (order.Count > Capacity)
        {
            found.Remove(order.Dequeue());
        }
    }

    /// <summary>What the request's first stage found, once; null when it found nothing or was forgotten.</summary>
    public Contribution[]? Take(ulong idHash) => found.Remove(idHash, out var contributions) ? contributions : null;
}
