namespace ZtStream.Verifier.Rules.Backtest;

/// <summary>
/// A count of events with the ids of the first few: what a reviewer reads to see whom a rule would have hit, bounded
/// by the number of samples asked for however long the recording.
/// </summary>
internal sealed class SampledCount(int samples)
{
    private readonly List<string> ids = [];

    public long Count { get; private set; }

    /// <summary>The first event ids counted, at most the number of samples asked for, each once.</summary>
    public IReadOnlyList<string> Samples => ids;

    public void Add(string eventId)
    {
        Count++;
        // An event counted twice (a request's later stage, scored for its outcome) is one sample.
        if (ids.Count < samples && !ids.Contains(eventId, StringComparer.Ordinal))
        {
            ids.Add(eventId);
        }
    }
}
