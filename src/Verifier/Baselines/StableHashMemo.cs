namespace ZtStream.Verifier.Baselines;

/// <summary>
/// <see cref="StableHash.Of(string?)"/> remembered per string instance, for the values an engine hashes on every event
/// (resource, data class, workload, source address, user agent, namespace). The event reader hands out one instance per
/// repeated value, so nearly every such value is an instance hashed before; FNV-1a costs a multiply a character, one
/// after the other, while a hit here is one header read and one slot. A direct-mapped table: the slot from the
/// instance's identity hash, a hit only on the same instance (strings are immutable, so its hash is the same). Values
/// are exactly <see cref="StableHash.Of(string?)"/>'s; only the work is saved. Not thread-safe: one per engine.
/// </summary>
internal sealed class StableHashMemo
{
    private const int Slots = 4096;

    /// <summary>Below this many characters hashing is as cheap as the look-up, so it is not remembered.</summary>
    private const int MinRemembered = 8;

    private readonly Entry[] entries = new Entry[Slots];

    public ulong Of(string value)
    {
        if (value.Length < MinRemembered)
        {
            return StableHash.Of(value);
        }

        ref var entry = ref entries[RuntimeHelpers.GetHashCode(value) & (Slots - 1)];
        if (ReferenceEquals(entry.Value, value))
        {
            return entry.Hash;
        }

        var hash = StableHash.Of(value);
        entry = new Entry(value, hash);
        return hash;
    }

    private readonly record struct Entry(string? Value, ulong Hash);
}
