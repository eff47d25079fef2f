using System.Collections.Concurrent;

namespace ZtStream.Platform.EventLog;

/// <summary>
/// Which consumers are paused on a transient fault (a store, bus or log that is down): they retry the record in hand
/// with backoff and hand nothing else meanwhile. One per process; <c>/readyz</c> reports "Degraded" while any is paused.
/// </summary>
internal sealed class ConsumerHealth(TimeProvider time)
{
    private readonly ConcurrentDictionary<object, Pause> _paused = new();

    public IReadOnlyCollection<Pause> Paused => [.. _paused.Values];

    /// <summary>Marks a consumer paused on <paramref name="record"/>; dispose the result once it moves on.</summary>
    public IDisposable PauseOn(string group, ConsumedRecord record, string reason)
    {
        var token = new PauseToken(this);
        _paused[token] = new Pause(group, record.Topic, record.Partition, record.Offset, reason, time.GetUtcNow());
        return token;
    }

    /// <summary>Updates the reason shown for a pause (the latest error).</summary>
    public void Update(IDisposable pause, string reason)
    {
        if (_paused.TryGetValue(pause, out var current))
        {
            _paused[pause] = current with { Reason = reason };
        }
    }

    internal sealed record Pause(string Group, string Topic, int Partition, long Offset, string Reason, DateTimeOffset Since)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"group {Group} paused on {Topic}/{Partition}@{Offset} since {Since:O}: {Reason}");
    }

    private sealed class PauseToken(ConsumerHealth owner) : IDisposable
    {
        public void Dispose() => owner._paused.TryRemove(this, out _);
    }
}
