namespace ZtStream.Verifier.Rules.Falco;

/// <summary>The MFA events the okta plugin remembers, each under its own key.</summary>
internal enum FalcoOktaMfaKind
{
    /// <summary><c>user.authentication.auth_via_mfa</c> with outcome <c>FAILURE</c>.</summary>
    Failure,

    /// <summary><c>user.mfa.okta_verify.deny_push</c>.</summary>
    Deny,
}

/// <summary>
/// The okta plugin's MFA memory behind <c>okta.mfa.failure.countlast[s]</c> and <c>okta.mfa.deny.countlast[s]</c>:
/// per event type and actor (the plugin's key <c>eventType:actor.id</c>), the times (<c>published</c>) of that actor's
/// failed MFA challenges and denied pushes, as the plugin keeps them — distinct times only, the newest
/// <see cref="DefaultMaxPerActor"/> per actor, an actor forgotten <see cref="DefaultExpiry"/> after its last such
/// event. On an event of either type, both fields are the number of that type's events of its actor in the <c>s</c>
/// seconds up to it (strictly after its time minus <c>s</c>, the current event included): the plugin looks the count
/// up by the current event's key whichever of the two fields is asked. Bounded: each type remembers at most
/// <see cref="DefaultMaxActors"/> actors and evicts the least recently seen. Detection state like the aggregations':
/// one per scoring engine (its <see cref="RuleDetector"/>), kept across rule reloads and written to and read from the
/// engine's checkpoint, so an MFA-fatigue run that straddles a deploy or a rule edit is counted whole. Every Okta
/// event is recorded once per rule set, whichever rules read it. Thread-safe.
/// </summary>
internal sealed class FalcoOktaMfaCounts
{
    /// <summary>The plugin's <c>cache_usermaxsize</c> default.</summary>
    public const int DefaultMaxPerActor = 200;

    /// <summary>The size of the plugin's cache of actors.</summary>
    public const int DefaultMaxActors = 10_000;

    /// <summary>The plugin's <c>cache_expiration</c> default (84600 s), counted here in event time.</summary>
    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromSeconds(84_600);

    /// <summary>Actor ids up to this many characters are decoded on the stack.</summary>
    private const int MaxStackId = 256;

    private readonly Lock gate = new();
    private readonly Store[] stores;

    public FalcoOktaMfaCounts(int maxActors = DefaultMaxActors, int maxPerActor = DefaultMaxPerActor, TimeSpan? expiry = null)
    {
        var ticks = (expiry ?? DefaultExpiry).Ticks;
        stores = [new Store(maxActors, maxPerActor, ticks), new Store(maxActors, maxPerActor, ticks)];
    }

    /// <summary>How many actors <paramref name="kind"/> remembers now.</summary>
    public int Actors(FalcoOktaMfaKind kind)
    {
        lock (gate)
        {
            return stores[(int)kind].Count;
        }
    }

    /// <summary>Which kind of MFA event the LogEvent is, if either (the plugin's test).</summary>
    public static FalcoOktaMfaKind? KindOf(JsonElement log)
    {
        if (!log.TryGetProperty("eventType"u8, out var type) || type.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        if (type.ValueEquals("user.mfa.okta_verify.deny_push"u8))
        {
            return FalcoOktaMfaKind.Deny;
        }

        return type.ValueEquals("user.authentication.auth_via_mfa"u8)
            && log.TryGetProperty("outcome"u8, out var outcome) && outcome.ValueKind == JsonValueKind.Object
            && outcome.TryGetProperty("result"u8, out var result) && result.ValueKind == JsonValueKind.String && result.ValueEquals("FAILURE"u8)
            ? FalcoOktaMfaKind.Failure
            : null;
    }

    /// <summary>
    /// Records the event if it is an MFA failure or denied push; once per event and rule set (the event cache's
    /// <paramref name="recordedSlot"/> remembers).
    /// </summary>
    public void Observe(in FalcoEvent e, int recordedSlot)
    {
        if (e.Cache is { } cache)
        {
            if (cache.States[recordedSlot] != FalcoEventCache.Unknown)
            {
                return;
            }

            cache.States[recordedSlot] = FalcoEventCache.Yes;
        }

        // Recording the same event again changes nothing: times are kept once, as the plugin keeps them.
        if (KindOf(e.Root) is { } kind)
        {
            Span<char> buffer = stackalloc char[MaxStackId];
            var id = ActorId(e.Root, buffer);
            lock (gate)
            {
                stores[(int)kind].Record(id, e.Time.UtcTicks);
            }
        }
    }

    /// <summary>
    /// The number of events of the current event's type and actor in the <paramref name="seconds"/> up to it; no value
    /// unless the current event is a failed MFA challenge or a denied push (the plugin sets the fields only then).
    /// </summary>
    public bool TryCount(in FalcoEvent e, long seconds, out long count)
    {
        count = 0;
        if (KindOf(e.Root) is not { } kind)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[MaxStackId];
        var id = ActorId(e.Root, buffer);
        lock (gate)
        {
            count = stores[(int)kind].CountSince(id, e.Time.UtcTicks, seconds);
        }

        return true;
    }

    /// <summary>
    /// The plugin keys by <c>actor.id</c>; an event without one shares the empty id, as there. Decoded into
    /// <paramref name="buffer"/> when it fits (Okta ids are 20 characters), so a known actor costs no allocation.
    /// </summary>
    private static ReadOnlySpan<char> ActorId(JsonElement log, Span<char> buffer)
    {
        if (!(log.TryGetProperty("actor"u8, out var actor) && actor.ValueKind == JsonValueKind.Object
            && actor.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String))
        {
            return [];
        }

        var utf8 = FalcoJson.Utf8(id);
        return Encoding.UTF8.GetMaxCharCount(utf8.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetChars(utf8, buffer)]
            : Encoding.UTF8.GetString(utf8);
    }

    public void Clear()
    {
        lock (gate)
        {
            foreach (var store in stores)
            {
                store.Clear();
            }
        }
    }

    /// <summary>Per kind: the actors, least recently seen first, each with its last recorded time and its times in order.</summary>
    public void Write(BinaryWriter w)
    {
        lock (gate)
        {
            w.Write(stores.Length);
            foreach (var store in stores)
            {
                store.Write(w);
            }
        }
    }

    /// <summary>
    /// Restores what <see cref="Write"/> wrote, within this instance's bounds (a checkpoint written under larger ones
    /// keeps the most recently seen actors and the newest times). Malformed content is an <see cref="InvalidDataException"/>.
    /// </summary>
    public void Read(BinaryReader r)
    {
        lock (gate)
        {
            foreach (var store in stores)
            {
                store.Clear();
            }

            var kinds = r.ReadInt32();
            if (kinds < 0 || kinds > stores.Length)
            {
                throw new InvalidDataException($"okta MFA counts: {kinds} kinds, expected at most {stores.Length}");
            }

            for (var k = 0; k < kinds; k++)
            {
                stores[k].Read(r);
            }
        }
    }

    private sealed class Actor(string id)
    {
        public string Id { get; } = id;

        /// <summary>Distinct event times (ticks) in the order recorded; the first is dropped past the cap.</summary>
        public List<long> Times { get; } = [];

        public long LastRecorded { get; set; } = long.MinValue;
    }

    /// <summary>Actors by id, most recently seen first; the least recently seen goes when a new one comes past the cap.</summary>
    private sealed class Store(int maxActors, int maxPerActor, long expiryTicks)
    {
        private readonly Dictionary<string, LinkedListNode<Actor>> actors = new(StringComparer.Ordinal);
        private readonly LinkedList<Actor> recency = new();

        public int Count => actors.Count;

        public void Clear()
        {
            actors.Clear();
            recency.Clear();
        }

        public void Write(BinaryWriter w)
        {
            w.Write(actors.Count);
            for (var node = recency.Last; node is not null; node = node.Previous)
            {
                var actor = node.Value;
                w.Write(actor.Id);
                w.Write(actor.LastRecorded);
                w.Write(actor.Times.Count);
                foreach (var t in actor.Times)
                {
                    w.Write(t);
                }
            }
        }

        /// <summary>Actors come least recently seen first, so each read one is the most recent so far, as when recorded.</summary>
        public void Read(BinaryReader r)
        {
            var n = r.ReadInt32();
            if (n < 0)
            {
                throw new InvalidDataException($"okta MFA counts: {n} actors");
            }

            for (var i = 0; i < n; i++)
            {
                var actor = new Actor(r.ReadString()) { LastRecorded = r.ReadInt64() };
                var times = r.ReadInt32();
                if (times < 0)
                {
                    throw new InvalidDataException($"okta MFA counts: {times} times for actor {i}");
                }

                for (var t = 0; t < times; t++)
                {
                    actor.Times.Add(r.ReadInt64());
                }

                if (actor.Times.Count > maxPerActor)
                {
                    actor.Times.RemoveRange(0, actor.Times.Count - maxPerActor);
                }

                if (actors.Remove(actor.Id, out var duplicate))
                {
                    recency.Remove(duplicate);
                }
                else if (actors.Count >= maxActors)
                {
                    actors.Remove(recency.Last!.Value.Id);
                    recency.RemoveLast();
                }

                actors[actor.Id] = recency.AddFirst(actor);
            }
        }

        private Dictionary<string, LinkedListNode<Actor>>.AlternateLookup<ReadOnlySpan<char>> ById => actors.GetAlternateLookup<ReadOnlySpan<char>>();

        public void Record(ReadOnlySpan<char> id, long ticks)
        {
            if (ById.TryGetValue(id, out var node))
            {
                recency.Remove(node);
                recency.AddFirst(node);
            }
            else
            {
                if (actors.Count >= maxActors)
                {
                    actors.Remove(recency.Last!.Value.Id);
                    recency.RemoveLast();
                }

                node = recency.AddFirst(new Actor(id.ToString()));
                actors[node.Value.Id] = node;
            }

            var actor = node.Value;
            Expire(actor, ticks);
            if (!actor.Times.Contains(ticks))
            {
                actor.Times.Add(ticks);
                if (actor.Times.Count > maxPerActor)
                {
                    actor.Times.RemoveAt(0);
                }
            }

            actor.LastRecorded = Math.Max(actor.LastRecorded, ticks);
        }

        public long CountSince(ReadOnlySpan<char> id, long now, long seconds)
        {
            if (!ById.TryGetValue(id, out var node))
            {
                return 0;
            }

            var actor = node.Value;
            Expire(actor, now);

            // A window reaching before year 1 counts everything.
            var after = seconds >= now / TimeSpan.TicksPerSecond ? long.MinValue : now - (seconds * TimeSpan.TicksPerSecond);
            long count = 0;
            foreach (var t in actor.Times)
            {
                if (t > after)
                {
                    count++;
                }
            }

            return count;
        }

        /// <summary>The plugin's cache entry expires a fixed time after it was last set.</summary>
        private void Expire(Actor actor, long now)
        {
            if (actor.LastRecorded != long.MinValue && now - actor.LastRecorded > expiryTicks)
            {
                actor.Times.Clear();
                actor.LastRecorded = long.MinValue;
            }
        }
    }
}

/// <summary>
/// <c>okta.mfa.failure.countlast[seconds]</c> and <c>okta.mfa.deny.countlast[seconds]</c>: a count from the rule set's
/// <see cref="FalcoOktaMfaCounts"/> the event is evaluated with, of the current event's type (the plugin extracts both names alike).
/// </summary>
internal sealed class FalcoOktaMfaField(string text, long seconds) : FalcoField(text, isList: false)
{
    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        long count = 0;
        present = e.OktaMfa is { } counts && counts.TryCount(e, seconds, out count);
        if (!present)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[20];
        return count.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture) && test.Test(buffer[..written]);
    }
}
