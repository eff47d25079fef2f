namespace ZtStream.Ingest.RateLimiting;

/// <summary>
/// Caps how many new principals each source may bring per minute (<see cref="IngestOptions.MaxNewPrincipalsPerMinute"/>):
/// a key that makes up identities by the thousand is answered 429 after the first ones, while other sources and the
/// principals it already brought go on. "New" is relative to the last <see cref="IngestOptions.KnownPrincipals"/>
/// principals seen from any source (64-bit hashes in a ring, so memory is fixed). Windows are fixed minutes of this
/// process's monotonic clock, begun on the wall clock's minute when the limiter was made, so a step of the wall clock
/// neither refills a source's minute nor holds it back; each Ingest instance keeps its own.
/// </summary>
internal sealed class NewPrincipalLimiter
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly IOptions<IngestOptions> options;
    private readonly TimeProvider time;
    private readonly long origin;
    private readonly TimeSpan phase;
    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<string, SourceWindow> windows = new(StringComparer.Ordinal);
    private HashSet<ulong>? known;
    private ulong[] ring = [];
    private int next;

    public NewPrincipalLimiter(IOptions<IngestOptions> options, TimeProvider time)
    {
        this.options = options;
        this.time = time;
        origin = time.GetTimestamp();
        phase = TimeSpan.FromTicks(time.GetUtcNow().UtcTicks % Window.Ticks);
    }

    /// <summary>
    /// Admits the events of <paramref name="principalKeys"/> from <paramref name="source"/> and remembers their principals, or refuses them
    /// all (false) when they would bring the source past its cap this minute; <paramref name="retryAfter"/> is the time
    /// to the next minute and <paramref name="fresh"/> how many new principals the request held.
    /// </summary>
    public bool TryAdmit(string source, IEnumerable<string> principalKeys, out TimeSpan retryAfter, out int fresh)
    {
        retryAfter = TimeSpan.Zero;
        fresh = 0;
        var o = options.Value;
        if (o.MaxNewPrincipalsPerMinute == 0)
        {
            return true;
        }

        var elapsed = time.GetElapsedTime(origin) + phase;
        var minute = elapsed.Ticks / Window.Ticks;
        var window = windows.GetOrAdd(source, _ => new SourceWindow());
        lock (gate)
        {
            known ??= new HashSet<ulong>(Math.Min(o.KnownPrincipals, 1 << 16));
            if (ring.Length != o.KnownPrincipals)
            {
                ring = new ulong[o.KnownPrincipals];
            }

            var hashes = new HashSet<ulong>();
            foreach (var key in principalKeys)
            {
                var h = Hash(key);
                if (!known.Contains(h) && hashes.Add(h))
                {
                    fresh++;
                }
            }

            if (window.Minute != minute)
            {
                window.Minute = minute;
                window.Count = 0;
            }

            if (fresh > 0 && window.Count + fresh > o.MaxNewPrincipalsPerMinute)
            {
                retryAfter = TimeSpan.FromTicks((minute + 1) * Window.Ticks) - elapsed;
                return false;
            }

            window.Count += fresh;
            foreach (var h in hashes)
            {
                Remember(h);
            }

            return true;
        }
    }

    private void Remember(ulong hash)
    {
        var old = ring[next];
        if (old != 0)
        {
            known!.Remove(old);
        }

        ring[next] = hash;
        known!.Add(hash);
        next = (next + 1) % ring.Length;
    }

    /// <summary>64-bit FNV-1a of the principal's characters; 0 is kept for "empty slot".</summary>
    private static ulong Hash(string principal)
    {
        var h = 14695981039346656037UL;
        foreach (var c in principal)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h == 0 ? 1 : h;
    }

    private sealed class SourceWindow
    {
        public long Minute = -1;
        public int Count;
    }
}
