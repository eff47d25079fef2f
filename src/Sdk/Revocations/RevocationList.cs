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
/// matching at once and are dropped from memory within a minute; a lifted entry is dropped when its lift arrives. At
/// most <c>MaxEntries</c> are held: one more in force than that is refused, and the list stops being current (it knows
/// of a revocation it does not enforce) until a snapshot that fits is loaded.
/// </summary>
internal sealed class RevocationList
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private int _full;
    private volatile Index _index = new();
    private long _version;
    private int _loaded;
    private int _connected;
    private long _lostAtTicks;
    private long _prunedAt;
    private int _signedOnly;
    private long _signedAtTicks = long.MinValue;

    public RevocationList(TimeProvider time, int maxEntries = int.MaxValue)
    {
        _time = time;
        _maxEntries = maxEntries;
        _prunedAt = time.GetTimestamp();
    }

    /// <summary>DI's constructor: the limit from <c>ZtStream:Revocations:MaxEntries</c>.</summary>
    public RevocationList(TimeProvider time, IOptions<ZtStreamOptions> options)
        : this(time, options.Value.Revocations.MaxEntries)
    {
    }

    /// <summary>Highest feed version applied; the <c>Last-Event-ID</c> to resume from.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool Loaded => Volatile.Read(ref _loaded) != 0;

    /// <summary>Entries held (expired ones until the next prune).</summary>
    public int Count => _index.Count;

    /// <summary>Whether more entries are in force than <c>MaxEntries</c> lets the list hold; if so it is not current.</summary>
    public bool Full => Volatile.Read(ref _full) != 0;

    /// <summary>Replaces everything with a snapshot (a fresh index, swapped in whole so readers never see half of it).</summary>
    public void Load(RevocationSnapshot snapshot)
    {
        var loading = StartLoad();
        foreach (var entry in snapshot.Revocations)
        {
            loading.Add(entry);
        }

        loading.Commit(snapshot.Version);
    }

    /// <summary>
    /// A snapshot read entry by entry into a fresh index, so no copy of the whole is ever held; the list changes only at
    /// <see cref="Loading.Commit"/>.
    /// </summary>
    public Loading StartLoad() => new(this, new Index(), _time.GetUtcNow());

    /// <summary>Adds one entry from the stream; throws <see cref="FeedLimitExceededException"/> when the list is full.</summary>
    public void Apply(Revocation entry)
    {
        var now = _time.GetUtcNow();
        var index = _index;
        if (!index.Holds(entry) && index.Count >= _maxEntries)
        {
            // Expired entries make room first, whatever the minute's prune would have done.
            Interlocked.Exchange(ref _prunedAt, _time.GetTimestamp());
            index.Prune(now);
            if (index.Count >= _maxEntries)
            {
                Volatile.Write(ref _full, 1);
                throw TooMany();
            }
        }

        index.Add(entry, now);
        Advance(entry.Version);
        PruneIfDue(now);
    }

    private FeedLimitExceededException TooMany() =>
        new($"more than {ZtStreamOptions.SectionName}:Revocations:MaxEntries ({_maxEntries}) revocations are in force; the list held is kept and is not current until a snapshot fits", listFull: true);

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
            // Latest cut-off first: the first entry in force decides, as every later one has an earlier cut-off.
            foreach (var entry in bySubject)
            {
                if (Live(entry, now))
                {
                    return issuedAt is null || issuedAt < Index.NotBefore(entry) ? RevocationMatch.Subject : RevocationMatch.None;
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
        if (!Loaded || Full)
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

    /// <summary>A snapshot being read: entries go into an index of their own, bounded by <c>MaxEntries</c>.</summary>
    internal sealed class Loading
    {
        private readonly RevocationList _list;
        private readonly Index _index;
        private readonly DateTimeOffset _now;

        internal Loading(RevocationList list, Index index, DateTimeOffset now) => (_list, _index, _now) = (list, index, now);

        /// <summary>Adds one entry; past <c>MaxEntries</c> in force the snapshot is refused and the list held marked full.</summary>
        public void Add(Revocation entry)
        {
            _index.Add(entry, _now);
            if (_index.Count > _list._maxEntries)
            {
                Volatile.Write(ref _list._full, 1);
                throw _list.TooMany();
            }
        }

        /// <summary>Swaps the snapshot in at <paramref name="version"/>.</summary>
        public void Commit(long version)
        {
            _list._index = _index;
            Interlocked.Exchange(ref _list._version, version);
            Volatile.Write(ref _list._loaded, 1);
            Volatile.Write(ref _list._full, 0);
            _list.MarkContact();
        }
    }

    internal sealed class Index
    {
        public ConcurrentDictionary<string, Revocation> Tokens { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, Revocation> Sessions { get; } = new(StringComparer.Ordinal);

        /// <summary>
        /// Every subject-wide entry of a subject (one may be lifted or expire while an earlier one still applies), latest
        /// cut-off first. A sorted set, not an array: adding to an array copies it, so a feed sending many entries for
        /// one subject made each add, and each request's check, cost as much as all before it.
        /// </summary>
        public ConcurrentDictionary<string, ImmutableSortedSet<Revocation>> Subjects { get; } = new(StringComparer.Ordinal);

        private static readonly IComparer<Revocation> LatestCutOffFirst = Comparer<Revocation>.Create(
            static (a, b) => NotBefore(b).CompareTo(NotBefore(a)) is var byCutOff and not 0 ? byCutOff : b.Version.CompareTo(a.Version));

        // Entries held. Adds come from one writer; removals from it (lifts) and from any reader (prunes), so every change
        // is counted where it takes effect.
        private int _count;

        public bool IsEmpty => Tokens.IsEmpty && Sessions.IsEmpty && Subjects.IsEmpty;

        public int Count => Volatile.Read(ref _count);

        /// <summary>Whether <paramref name="r"/> would replace an entry held rather than add one.</summary>
        public bool Holds(Revocation r) =>
            !string.IsNullOrEmpty(r.Jti) ? Tokens.ContainsKey(r.Jti)
            : !string.IsNullOrEmpty(r.SessionId) ? Sessions.ContainsKey(r.SessionId)
            : !string.IsNullOrEmpty(r.SubjectId) && Subjects.TryGetValue(r.SubjectId, out var entries) && entries.Contains(r);

        public static DateTimeOffset NotBefore(Revocation r) => r.NotBefore ?? r.RevokedAt;

        public void Add(Revocation r, DateTimeOffset now)
        {
            if (!Live(r, now))
            {
                return;
            }

            // Why and by which action are the Responder's to keep: held, they would let a feed fill memory with text
            // (up to MaxEventBytes an entry) that no check reads.
            if (r.Reason is not null || r.ActionId is not null)
            {
                r = r with { Reason = null, ActionId = null };
            }

            if (!string.IsNullOrEmpty(r.Jti))
            {
                Set(Tokens, r.Jti, r);
            }
            else if (!string.IsNullOrEmpty(r.SessionId))
            {
                Set(Sessions, r.SessionId, r);
            }
            else if (!string.IsNullOrEmpty(r.SubjectId))
            {
                AddToSubject(r.SubjectId, r);
            }
        }

        private void Set(ConcurrentDictionary<string, Revocation> map, string key, Revocation r)
        {
            // Retried like a subject's entries: a prune may remove the one replaced meanwhile.
            while (true)
            {
                if (map.TryGetValue(key, out var old))
                {
                    if (map.TryUpdate(key, r, old))
                    {
                        return;
                    }
                }
                else if (map.TryAdd(key, r))
                {
                    Interlocked.Increment(ref _count);
                    return;
                }
            }
        }

        private void AddToSubject(string subject, Revocation r)
        {
            // A prune on a request thread may change the subject's entries meanwhile: retried until one change holds.
            while (true)
            {
                if (!Subjects.TryGetValue(subject, out var old))
                {
                    if (Subjects.TryAdd(subject, ImmutableSortedSet.Create(LatestCutOffFirst, r)))
                    {
                        Interlocked.Increment(ref _count);
                        return;
                    }
                }
                else if (old.Contains(r))
                {
                    return;
                }
                else if (Subjects.TryUpdate(subject, old.Add(r), old))
                {
                    Interlocked.Increment(ref _count);
                    return;
                }
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
                Replace(lift.SubjectId, entries, entries.Except(entries.Where(e => e.Version == lift.Lifts)));
            }
        }

        public void Prune(DateTimeOffset now)
        {
            Prune(Tokens, now);
            Prune(Sessions, now);
            foreach (var (subject, entries) in Subjects)
            {
                Replace(subject, entries, entries.Except(entries.Where(e => !Live(e, now))));
            }
        }

        /// <summary>A subject's entries become <paramref name="kept"/>, unless they changed since <paramref name="entries"/> was read.</summary>
        private void Replace(string subject, ImmutableSortedSet<Revocation> entries, ImmutableSortedSet<Revocation> kept)
        {
            var changed = kept.Count != entries.Count
                && (kept.IsEmpty
                    ? Subjects.TryRemove(new KeyValuePair<string, ImmutableSortedSet<Revocation>>(subject, entries))
                    : Subjects.TryUpdate(subject, kept, entries));
            if (changed)
            {
                Interlocked.Add(ref _count, kept.Count - entries.Count);
            }
        }

        private void RemoveVersion(ConcurrentDictionary<string, Revocation> map, string key, long version)
        {
            if (map.TryGetValue(key, out var entry) && entry.Version == version)
            {
                Remove(map, key, entry);
            }
        }

        private void Prune(ConcurrentDictionary<string, Revocation> map, DateTimeOffset now)
        {
            foreach (var (key, value) in map)
            {
                if (!Live(value, now))
                {
                    Remove(map, key, value);
                }
            }
        }

        private void Remove(ConcurrentDictionary<string, Revocation> map, string key, Revocation entry)
        {
            if (map.TryRemove(new KeyValuePair<string, Revocation>(key, entry)))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }
}
