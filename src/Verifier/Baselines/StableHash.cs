namespace ZtStream.Verifier.Baselines;

/// <summary>Stable 64-bit FNV-1a over UTF-16 code units: the same on every process, so it survives checkpoints.</summary>
internal static class StableHash
{
    public static ulong Of(string? value) => Of(value.AsSpan());

    public static ulong Of(ReadOnlySpan<char> value)
    {
        var h = 14695981039346656037UL;
        foreach (var c in value)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h == 0 ? 1 : h;
    }

    public static ulong Combine(ulong a, ulong b) => (a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2))) | 1;
}
