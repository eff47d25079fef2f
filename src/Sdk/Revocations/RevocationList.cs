using System.Collections.Concurrent;
using ZtStream.Contracts.Revocations;

namespace ZtStream.Sdk.Revocations;

/// <summary>What a revocation check found.</summary>
internal enum RevocationMatch
{
    None,
    Token,
    Session,
    Subject,
}

/// <summary>
/// The revocations in force, indexed by token id, session id and subject so a request is checked with three O(1)
/// lookups. One writer (the feed worker), any number of readers (requests).
/// </summary>
internal sealed class RevocationList
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private volatile Index _index = new();
    private long _version;
    private int _loaded;
    private int _connected;
    private long _lostAtTicks;
    private DateTimeOffset _lastPrune;

    public RevocationList(TimeProvider time)
    {
        _time = time;
        _lastPrune = time.GetUtcNow();
    }

    /// <summary>Highest feed version applied; the <c>Last-Event-ID</c> to resume from.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool Loaded => Volatile.Read(ref _loaded) != 0;

    public int Count => _index.Count;

    /// <summary>Replaces everything with a snapshot (a fresh index, swapped in whole so readers never see half of it).</summary>
    public void Load(RevocationSnapshot snapshot)
    {
        var now = _time.GetUtcNow();
        var index = new Index();
        foreach (var entry in snapshot.Revocations)
        {
            index.Add(entry, now);
        }

        _index = index;
        Interlocked.Exchange(ref _version, snapshot.Version);
        Volatile.Write(ref _loaded, 1);
        MarkContact();
    }

    /// <summary>Adds one entry from the stream.</summary>
    public void Apply(Revocation entry)
    {
        var now = _time.GetUtcNow();
        _index.Add(entry, now);
        if (entry.Version > Interlocked.Read(ref _version))
        {
            Interlocked.Exchange(ref _version, entry.Version);
        }

        if (now - _lastPrune >= PruneEvery)
        {
            _lastPrune = now;
            _index.Prune(now);
        }
    }

    /// <summary>
    /// Whether a token is revoked: by its id, its session, or a subject-wide entry whose <c>NotBefore</c> is after the
    /// token's issue time (a token without an issue time cannot prove it is newer, so it counts as revoked).
    /// </summary>
    public RevocationMatch Match(string? jti, string? sessionId, string? subject, DateTimeOffset? issuedAt)
    {
        var index = _index;
        if (index.IsEmpty)
        {
            return RevocationMatch.None;
        }

        var now = _time.GetUtcNow();
        if (jti is not null && index.Tokens.TryGetValue(jti, out var byToken) && Live(byToken, now))
        {
            return RevocationMatch.Token;
        }

        if (sessionId is not null && index.Sessions.TryGetValue(sessionId, out var bySession) && Live(bySession, now))
        {
            return RevocationMatch.Session;
        }

        if (subject is not null && index.Subjects.TryGetValue(subject, out var bySubject) && Live(bySubject, now)
            && (issuedAt is null || issuedAt < Index.NotBefore(bySubject)))
        {
            return RevocationMatch.Subject;
        }

        return RevocationMatch.None;
    }

    /// <summary>True while the stream is connected, or was lost less than <paramref name="staleAfter"/> ago, after a snapshot.</summary>
    public bool IsCurrent(TimeSpan staleAfter)
    {
        if (!Loaded)
        {
            return false;
        }

        return Volatile.Read(ref _connected) != 0
            || _time.GetElapsedTime(Interlocked.Read(ref _lostAtTicks)) < staleAfter;
    }

    public void MarkConnected()
    {
        Volatile.Write(ref _connected, 1);
        MarkContact();
    }

    public void MarkDisconnected()
    {
        MarkContact();
        Volatile.Write(ref _connected, 0);
    }

    private void MarkContact() => Interlocked.Exchange(ref _lostAtTicks, _time.GetTimestamp());

    private static bool Live(Revocation r, DateTimeOffset now) => r.ExpiresAt is null || r.ExpiresAt > now;

    private sealed class Index
    {
        public ConcurrentDictionary<string, Revocation> Tokens { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, Revocation> Sessions { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, Revocation> Subjects { get; } = new(StringComparer.Ordinal);

        public bool IsEmpty => Tokens.IsEmpty && Sessions.IsEmpty && Subjects.IsEmpty;

        public int Count => Tokens.Count + Sessions.Count + Subjects.Count;

        public static DateTimeOffset NotBefore(Revocation r) => r.NotBefore ?? r.RevokedAt;

        public void Add(Revocation r, DateTimeOffset now)
        {
            if (!Live(r, now))
            {
                return;
            }

            if (!string.IsNullOrEmpty(r.Jti))
            {
                Tokens[r.Jti] = r;
            }
            else if (!string.IsNullOrEmpty(r.SessionId))
            {
                Sessions[r.SessionId] = r;
            }
            else if (!string.IsNullOrEmpty(r.SubjectId))
            {
                // Several subject-wide entries: the latest cut-off covers the earlier ones.
                Subjects.AddOrUpdate(r.SubjectId, static (_, add) => add, static (_, old, add) => NotBefore(add) >= NotBefore(old) ? add : old, r);
            }
        }

        public void Prune(DateTimeOffset now)
        {
            Prune(Tokens, now);
            Prune(Sessions, now);
            Prune(Subjects, now);
        }

        private static void Prune(ConcurrentDictionary<string, Revocation> map, DateTimeOffset now)
        {
            foreach (var (key, value) in map)
            {
                if (!Live(value, now))
                {
                    map.TryRemove(key, out _);
                }
            }
        }
    }
}
