using System.Collections.Concurrent;
using System.Collections.Immutable;

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
/// lookups. One writer (the feed worker), any number of readers (requests). Entries past their <c>expires_at</c> stop
/// matching at once and are dropped from memory within a minute; a lifted entry is dropped when its lift arrives.
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
    private long _prunedAt;
    private int _signedOnly;
    private long _signedAtTicks = long.MinValue;

    public RevocationList(TimeProvider time)
    {
        _time = time;
        _prunedAt = time.GetTimestamp();
    }

    /// <summary>Highest feed version applied; the <c>Last-Event-ID</c> to resume from.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool Loaded => Volatile.Read(ref _loaded) != 0;

    /// <summary>Entries held (expired ones until the next prune).</summary>
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
        Advance(entry.Version);
        PruneIfDue(now);
    }

    /// <summary>Drops the entry a responder lifted.</summary>
    public void Apply(RevocationLift lift)
    {
        _index.Remove(lift);
        Advance(lift.Version);
        PruneIfDue(_time.GetUtcNow());
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
        PruneIfDue(now);
        if (jti is not null && index.Tokens.TryGetValue(jti, out var byToken) && Live(byToken, now))
        {
            return RevocationMatch.Token;
        }

        if (sessionId is not null && index.Sessions.TryGetValue(sessionId, out var bySession) && Live(bySession, now))
        {
            return RevocationMatch.Session;
        }

        if (subject is not null && index.Subjects.TryGetValue(subject, out var bySubject))
        {
            foreach (var entry in bySubject)
            {
                if (Live(entry, now) && (issuedAt is null || issuedAt < Index.NotBefore(entry)))
                {
                    return RevocationMatch.Subject;
                }
            }
        }

        return RevocationMatch.None;
    }

    /// <summary>
    /// True while the stream is connected, or was lost less than <paramref name="staleAfter"/> ago, after a snapshot. On
    /// a signed feed (<see cref="RequireSigned"/>) only signed messages count: true while the newest one verified was
    /// issued less than <paramref name="staleAfter"/> ago, so a connection that stays open but carries nothing the
    /// Responder signed (held back, or filled by something on the path) goes stale like a lost one.
    /// </summary>
    public bool IsCurrent(TimeSpan staleAfter)
    {
        if (!Loaded)
        {
            return false;
        }

        if (Volatile.Read(ref _signedOnly) != 0)
        {
            return _time.GetUtcNow().UtcTicks - Interlocked.Read(ref _signedAtTicks) < staleAfter.Ticks;
        }

        return Volatile.Read(ref _connected) != 0
            || _time.GetElapsedTime(Interlocked.Read(ref _lostAtTicks)) < staleAfter;
    }

    /// <summary>The feed is signed: currency comes from the issue times of verified messages alone (<see cref="MarkSigned"/>).</summary>
    public void RequireSigned() => Volatile.Write(ref _signedOnly, 1);

    /// <summary>A signed message issued at <paramref name="issuedAt"/> was verified and applied.</summary>
    public void MarkSigned(DateTimeOffset issuedAt)
    {
        var ticks = issuedAt.UtcTicks;
        var seen = Interlocked.Read(ref _signedAtTicks);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref _signedAtTicks, ticks, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    public void MarkConnected()
    {
        Volatile.Write(ref _connected, 1);
        MarkContact();
    }

    /// <summary>
    /// The stream broke, or an attempt failed. The list was current until now only if the stream was connected: a
    /// failed attempt must not restart the <c>StaleAfter</c> clock, or a feed that keeps failing would never go stale.
    /// </summary>
    public void MarkDisconnected()
    {
        if (Interlocked.Exchange(ref _connected, 0) != 0)
        {
            MarkContact();
        }
    }

    private void Advance(long version)
    {
        if (version > Interlocked.Read(ref _version))
        {
            Interlocked.Exchange(ref _version, version);
        }
    }

    /// <summary>
    /// Drops expired entries at most once a minute, on whichever thread comes first (the others go on). The minute is
    /// measured on the monotonic clock, so a step back of the wall clock does not hold expired entries for the step;
    /// which entries have expired is still decided by the wall clock (<paramref name="now"/>).
    /// </summary>
    private void PruneIfDue(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _prunedAt);
        var stamp = _time.GetTimestamp();
        if (_time.GetElapsedTime(last, stamp) >= PruneEvery && Interlocked.CompareExchange(ref _prunedAt, stamp, last) == last)
        {
            _index.Prune(now);
        }
    }

    private void MarkContact() => Interlocked.Exchange(ref _lostAtTicks, _time.GetTimestamp());

    private static bool Live(Revocation r, DateTimeOffset now) => r.ExpiresAt is null || r.ExpiresAt > now;

    private sealed class Index
    {
        public ConcurrentDictionary<string, Revocation> Tokens { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, Revocation> Sessions { get; } = new(StringComparer.Ordinal);

        /// <summary>Every subject-wide entry of a subject: one may be lifted or expire while an earlier one still applies.</summary>
        public ConcurrentDictionary<string, ImmutableArray<Revocation>> Subjects { get; } = new(StringComparer.Ordinal);

        public bool IsEmpty => Tokens.IsEmpty && Sessions.IsEmpty && Subjects.IsEmpty;

        public int Count => Tokens.Count + Sessions.Count + Subjects.Sum(s => s.Value.Length);

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
                Subjects.AddOrUpdate(
                    r.SubjectId,
                    static (_, add) => [add],
                    static (_, old, add) => old.Any(e => e.Version == add.Version) ? old : old.Add(add),
                    r);
            }
        }

        public void Remove(RevocationLift lift)
        {
            // Only the lifted version goes: a later entry for the same token or subject stays in force.
            if (!string.IsNullOrEmpty(lift.Jti))
            {
                RemoveVersion(Tokens, lift.Jti, lift.Lifts);
            }
            else if (!string.IsNullOrEmpty(lift.SessionId))
            {
                RemoveVersion(Sessions, lift.SessionId, lift.Lifts);
            }
            else if (!string.IsNullOrEmpty(lift.SubjectId) && Subjects.TryGetValue(lift.SubjectId, out var entries))
            {
                var kept = entries.RemoveAll(e => e.Version == lift.Lifts);
                if (kept.IsEmpty)
                {
                    Subjects.TryRemove(new KeyValuePair<string, ImmutableArray<Revocation>>(lift.SubjectId, entries));
                }
                else
                {
                    Subjects.TryUpdate(lift.SubjectId, kept, entries);
                }
            }
        }

        public void Prune(DateTimeOffset now)
        {
            Prune(Tokens, now);
            Prune(Sessions, now);
            foreach (var (subject, entries) in Subjects)
            {
                var kept = entries.RemoveAll(e => !Live(e, now));
                if (kept.Length != entries.Length)
                {
                    if (kept.IsEmpty)
                    {
                        Subjects.TryRemove(new KeyValuePair<string, ImmutableArray<Revocation>>(subject, entries));
                    }
                    else
                    {
                        Subjects.TryUpdate(subject, kept, entries);
                    }
                }
            }
        }

        private static void RemoveVersion(ConcurrentDictionary<string, Revocation> map, string key, long version)
        {
            if (map.TryGetValue(key, out var entry) && entry.Version == version)
            {
                map.TryRemove(new KeyValuePair<string, Revocation>(key, entry));
            }
        }

        private static void Prune(ConcurrentDictionary<string, Revocation> map, DateTimeOffset now)
        {
            foreach (var (key, value) in map)
            {
                if (!Live(value, now))
                {
                    map.TryRemove(new KeyValuePair<string, Revocation>(key, value));
                }
            }
        }
    }
}
