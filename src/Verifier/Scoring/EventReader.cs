using System.Buffers.Binary;
using System.Numerics;
using System.Text.Unicode;
using ZtStream.Contracts.Serialization;

namespace ZtStream.Verifier.Scoring;

/// <summary>
/// Reads an <see cref="AccessEvent"/> from UTF-8 JSON in one forward <see cref="Utf8JsonReader"/> pass, reusing the
/// strings of repeated low-cardinality values (kinds, principals, resources, agents …) instead of allocating them per
/// event, and stepping over a nested object whose exact bytes it read before (the same object, without tokenizing it
/// again). It handles exactly the shape the contract serializer writes; on anything else (unknown or duplicate
/// properties, unexpected tokens, missing required fields) it falls back to the full
/// <see cref="ContractJson.DeserializeEvent"/>, so the result (or the error) is always the same as the contract's.
/// <c>attributes</c> and <c>raw</c> are each parsed as one <see cref="JsonElement"/> (one document each; attribute values
/// are elements of the attributes' document), as the contract's converters would give them.
/// Not thread-safe: one per scoring engine.
/// </summary>
internal sealed class EventReader
{
    private const int MaxInternedBytes = 96;

    private static readonly string[] ScopeSubject = [SourceScopes.Subject];
    private static readonly string[] ScopeWorkload = [SourceScopes.Workload];
    private static readonly string[] ScopeBoth = [SourceScopes.Subject, SourceScopes.Workload];
    private const int InternSets = 4096;
    private const int SharedSlots = 2048;

    /// <summary>How much of a nested object picks its slot among the objects kept by their bytes.</summary>
    private const int RepeatedPrefixBytes = 64;

    /// <summary>The step an object's kept bytes are allocated in.</summary>
    private const int KeptBytesStep = 64;

    /// <summary>The string cache: <see cref="InternSets"/> sets of two entries, the newer first.</summary>
    private readonly InternEntry[] intern = new InternEntry[2 * InternSets];

    // The nested objects a principal's events repeat member for member (its subject, workload, address pair, resource),
    // each kind in a direct-mapped cache of the last one built per slot; see TryReadObject. The token is not among them:
    // its jti and session are new strings every time.
    private readonly Subject?[] subjects = new Subject?[SharedSlots];
    private readonly Workload?[] workloads = new Workload?[SharedSlots];
    private readonly NetworkInfo?[] networks = new NetworkInfo?[SharedSlots];
    private readonly ResourceRef?[] resources = new ResourceRef?[SharedSlots];

    // The same four kinds by their exact bytes, so a repeated object is neither tokenized nor its members looked up; see
    // TryReadRepeated.
    private readonly RepeatedObjects<Subject> repeatedSubjects = new();
    private readonly RepeatedObjects<Workload> repeatedWorkloads = new();
    private readonly RepeatedObjects<NetworkInfo> repeatedNetworks = new();
    private readonly RepeatedObjects<ResourceRef> repeatedResources = new();

    /// <summary>
    /// The reader's state right after a nested object that is a member of the event (depth 1, inside the event's object,
    /// the last token that object's end): the same after every such object, so a reader resumed with it just past a
    /// repeated object's bytes reads on as if it had read them. Default until the first object has been read in full.
    /// </summary>
    private JsonReaderState afterObject;

    private bool afterObjectKnown;

    /// <summary>The string cache's hashes of the nested object's members read so far, mixed in order.</summary>
    private ulong memberHash;

    /// <summary>Whether every string member of the nested object so far came from the string cache.</summary>
    private bool membersCached;

    public AccessEvent Read(ReadOnlySpan<byte> utf8) => TryRead(utf8) ?? ContractJson.DeserializeEvent(utf8);

    /// <summary>The event, or null when the input is outside what the fast pass handles.</summary>
    internal AccessEvent? TryRead(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ReadEvent(utf8);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private AccessEvent? ReadEvent(ReadOnlySpan<byte> utf8)
    {
        var r = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        // Where r's input starts in utf8: a repeated object resumes reading in a new reader past its bytes.
        var offset = 0;
        var seen = 0;
        int? schema = null;
        string? id = null, source = null, kind = null, action = null, outcome = null, userAgent = null;
        IReadOnlyList<string>? sourceScope = null;
        DateTimeOffset time = default;
        Subject? subject = null;
        TokenInfo? token = null;
        Workload? workload = null;
        NetworkInfo? network = null;
        ResourceRef? resource = null;
        long? bytes = null;
        int? status = null;
        Dictionary<string, JsonElement>? attributes = null;
        JsonElement? raw = null;

        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndObject)
            {
                if (id is null || kind is null || (seen & Bit.Time) == 0 || r.Read())
                {
                    return null;
                }

                // Schema = 0 leaves the event exactly as a missing "schema" does (the getter reports Current).
                return new AccessEvent
                {
                    Schema = schema ?? 0,
                    Id = id,
                    Time = time,
                    Source = source,
                    SourceScope = sourceScope,
                    Kind = kind,
                    Subject = subject,
                    Token = token,
                    Workload = workload,
                    Network = network,
                    Resource = resource,
                    Action = action,
                    Outcome = outcome,
                    Bytes = bytes,
                    Status = status,
                    UserAgent = userAgent,
                    Attributes = attributes,
                    Raw = raw,
                };
            }

            if (r.TokenType != JsonTokenType.PropertyName || r.ValueIsEscaped)
            {
                return null;
            }

            var name = r.ValueSpan;
            if (!r.Read())
            {
                return null;
            }

            int bit;
            bool ok;
            if (name.SequenceEqual("id"u8))
            {
                (bit, ok) = (Bit.Id, (id = ReadString(ref r, intern: false)) is not null);
            }
            else if (name.SequenceEqual("time"u8))
            {
                (bit, ok) = (Bit.Time, Rfc3339TimeConverter.TryRead(ref r, out time));
            }
            else if (name.SequenceEqual("kind"u8))
            {
                (bit, ok) = (Bit.Kind, (kind = ReadString(ref r, intern: true)) is not null);
            }
            else if (name.SequenceEqual("source"u8))
            {
                (bit, ok) = (Bit.Source, TryReadNullableString(ref r, true, out source));
            }
            else if (name.SequenceEqual("source_scope"u8))
            {
                (bit, ok) = (Bit.SourceScope, TryReadSourceScope(ref r, out sourceScope));
            }
            else if (name.SequenceEqual("subject"u8))
            {
                (bit, ok) = (Bit.Subject, TryReadRepeated<SubjectFields, Subject>(utf8, ref r, ref offset, repeatedSubjects, out subject));
            }
            else if (name.SequenceEqual("token"u8))
            {
                (bit, ok) = (Bit.Token, TryReadObject<TokenFields, TokenInfo>(ref r, out token));
            }
            else if (name.SequenceEqual("workload"u8))
            {
                (bit, ok) = (Bit.Workload, TryReadRepeated<WorkloadFields, Workload>(utf8, ref r, ref offset, repeatedWorkloads, out workload));
            }
            else if (name.SequenceEqual("network"u8))
            {
                (bit, ok) = (Bit.Network, TryReadRepeated<NetworkFields, NetworkInfo>(utf8, ref r, ref offset, repeatedNetworks, out network));
            }
            else if (name.SequenceEqual("resource"u8))
            {
                (bit, ok) = (Bit.Resource, TryReadRepeated<ResourceFields, ResourceRef>(utf8, ref r, ref offset, repeatedResources, out resource));
            }
            else if (name.SequenceEqual("action"u8))
            {
                (bit, ok) = (Bit.Action, TryReadNullableString(ref r, true, out action));
            }
            else if (name.SequenceEqual("outcome"u8))
            {
                (bit, ok) = (Bit.Outcome, TryReadNullableString(ref r, true, out outcome));
            }
            else if (name.SequenceEqual("user_agent"u8))
            {
                (bit, ok) = (Bit.UserAgent, TryReadNullableString(ref r, true, out userAgent));
            }
            else if (name.SequenceEqual("bytes"u8))
            {
                (bit, ok) = (Bit.Bytes, TryReadNullableLong(ref r, out bytes));
            }
            else if (name.SequenceEqual("status"u8))
            {
                (bit, ok) = (Bit.Status, TryReadNullableInt(ref r, out status));
            }
            else if (name.SequenceEqual("schema"u8))
            {
                // Unlike the other members, a null schema is not the contract's shape: leave it to the contract.
                (bit, ok) = (Bit.Schema, TryReadNullableInt(ref r, out schema) && schema is not null);
            }
            else if (name.SequenceEqual("attributes"u8))
            {
                (bit, ok) = (Bit.Attributes, TryReadAttributes(ref r, out attributes));
            }
            else if (name.SequenceEqual("raw"u8))
            {
                (bit, ok) = (Bit.Raw, true);
                raw = r.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref r);
            }
            else
            {
                // Unknown properties: the contract serializer decides.
                return null;
            }

            if (!ok || (seen & bit) != 0)
            {
                return null;
            }

            seen |= bit;
        }

        return null;
    }

    /// <summary>
    /// The attributes object as one document whose members become the values, keys in document order; a repeated key
    /// defers to the contract (which keeps the last).
    /// </summary>
    private static bool TryReadAttributes(ref Utf8JsonReader r, out Dictionary<string, JsonElement>? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var element = JsonElement.ParseValue(ref r);
        var attributes = new Dictionary<string, JsonElement>();
        foreach (var property in element.EnumerateObject())
        {
            if (!attributes.TryAdd(property.Name, property.Value))
            {
                return false;
            }
        }

        value = attributes;
        return true;
    }

    /// <summary>
    /// A nested object whose exact bytes were read before is that object: its bytes, from its opening to its closing brace,
    /// are the whole of it, so equal bytes at a member's value read to an equal value whatever follows. A direct-mapped
    /// cache per kind, its slot from the hash of the object's first <see cref="RepeatedPrefixBytes"/> bytes (a principal's
    /// id is among them), holds the bytes and the object last read there; a hit compares the bytes (one vectorised
    /// comparison) and resumes in a new reader past them, so the object is neither tokenized nor are its members looked
    /// up in the string cache. Anything else is read by <see cref="TryReadObject{TFields, T}"/> and kept for next time.
    /// </summary>
    private bool TryReadRepeated<TFields, T>(
        ReadOnlySpan<byte> utf8, ref Utf8JsonReader r, ref int offset, RepeatedObjects<T> repeated, out T? value)
        where TFields : struct, IObjectFields<T>
        where T : class
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            return TryReadObject<TFields, T>(ref r, out value);
        }

        var start = offset + (int)r.TokenStartIndex;
        var rest = utf8[start..];
        var slot = RepeatedObjects<T>.Slot(rest);
        if (afterObjectKnown && repeated.Find(rest, slot, out var length) is { } known)
        {
            offset = start + length;
            r = new Utf8JsonReader(utf8[offset..], isFinalBlock: true, afterObject);
            value = known;
            return true;
        }

        if (!TryReadObject<TFields, T>(ref r, out value))
        {
            return false;
        }

        afterObject = r.CurrentState;
        afterObjectKnown = true;
        repeated.Keep(slot, utf8[start..(offset + (int)r.BytesConsumed)], value!);
        return true;
    }

    /// <summary>Objects of one kind by their bytes, for <see cref="TryReadRepeated{TFields, T}"/>.</summary>
    private sealed class RepeatedObjects<T>
        where T : class
    {
        private readonly byte[]?[] bytes = new byte[]?[SharedSlots];
        private readonly int[] lengths = new int[SharedSlots];
        private readonly T?[] values = new T?[SharedSlots];

        public static int Slot(ReadOnlySpan<byte> from) =>
            (int)(InternHash(from[..Math.Min(from.Length, RepeatedPrefixBytes)]) & (SharedSlots - 1));

        /// <summary>The object kept at <paramref name="slot"/> when <paramref name="from"/> starts with its bytes, else null.</summary>
        public T? Find(ReadOnlySpan<byte> from, int slot, out int length)
        {
            if (bytes[slot] is { } known && from.StartsWith(known.AsSpan(0, lengths[slot])))
            {
                length = lengths[slot];
                return values[slot];
            }

            length = 0;
            return null;
        }

        public void Keep(int slot, ReadOnlySpan<byte> objectBytes, T value)
        {
            // Rounded up, so the next object kept here (of one kind, its length varies by a few bytes) reuses the array.
            ref var kept = ref bytes[slot];
            if (kept is null || kept.Length < objectBytes.Length)
            {
                kept = new byte[(objectBytes.Length + KeptBytesStep - 1) & -KeptBytesStep];
            }

            objectBytes.CopyTo(kept);
            lengths[slot] = objectBytes.Length;
            values[slot] = value;
        }
    }

    /// <summary>
    /// The skeleton every nested object shares: null is an absent object, anything but an object or an unknown, repeated
    /// or ill-typed member defers to the contract, and the object is built once its end is reached. The members are read
    /// by <typeparamref name="TFields"/>, a struct, so each object gets its own specialised copy of this loop (no delegate,
    /// no boxing).
    /// </summary>
    private bool TryReadObject<TFields, T>(ref Utf8JsonReader r, out T? value)
        where TFields : struct, IObjectFields<T>
        where T : class
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var fields = default(TFields);
        var seen = 0;
        memberHash = 0;
        membersCached = true;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName && !r.ValueIsEscaped)
        {
            var name = r.ValueSpan;
            r.Read();
            var bit = fields.Read(this, name, ref r);
            if (bit == 0 || (seen & bit) != 0)
            {
                return false;
            }

            seen |= bit;
        }

        if (r.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        // Members that are the string cache's own strings, the same instances as an object built before, make an object
        // equal to it; the records are immutable, so the event takes that one instead of allocating its own. A member
        // not from the cache (escaped, over MaxInternedBytes) is a new string every time, so such an object is not kept.
        var shared = membersCached ? fields.SharedIn(this) : null;
        if (shared is null)
        {
            value = fields.Build();
            return value is not null;
        }

        ref var slot = ref shared[(int)(memberHash & (SharedSlots - 1))];
        if (slot is { } before && fields.Is(before))
        {
            value = before;
            return true;
        }

        value = fields.Build();
        if (value is null)
        {
            return false;
        }

        slot = value;
        return true;
    }

    /// <summary>The members of one nested object, read one at a time by <see cref="TryReadObject{TFields, T}"/>.</summary>
    private interface IObjectFields<T>
        where T : class
    {
        /// <summary>
        /// Reads the member <paramref name="name"/> (the reader on its value): its own bit when it is one of the object's
        /// members with a value of its type, else 0.
        /// </summary>
        int Read(EventReader reader, ReadOnlySpan<byte> name, ref Utf8JsonReader r);

        /// <summary>The object, or null when a member it requires is missing.</summary>
        T? Build();

        /// <summary>The reader's cache of objects of this kind built before, or null when the kind is not shared.</summary>
        T?[]? SharedIn(EventReader reader);

        /// <summary>Whether <paramref name="built"/> has exactly the members read, the same string instances.</summary>
        bool Is(T built);
    }

    private struct SubjectFields : IObjectFields<Subject>
    {
        private string? id, type, tenant;

        public int Read(EventReader reader, ReadOnlySpan<byte> name, ref Utf8JsonReader r) =>
            name.SequenceEqual("id"u8) ? BitIf(1, (id = reader.ReadString(ref r, true)) is not null)
            : name.SequenceEqual("type"u8) ? BitIf(2, reader.TryReadNullableString(ref r, true, out type))
            : name.SequenceEqual("tenant"u8) ? BitIf(4, reader.TryReadNullableString(ref r, true, out tenant))
            : 0;

        public readonly Subject? Build() => id is null ? null : new Subject { Id = id, Type = type, Tenant = tenant };

        public readonly Subject?[] SharedIn(EventReader reader) => reader.subjects;

        // Claim is not one of the members read here, so an object this reader built has none.
        public readonly bool Is(Subject built) =>
            ReferenceEquals(built.Id, id) && ReferenceEquals(built.Type, type) && ReferenceEquals(built.Tenant, tenant);
    }

    private struct TokenFields : IObjectFields<TokenInfo>
    {
        private string? jti, clientId, sessionId, bound;
        private DateTimeOffset? issued, expires;

        public int Read(EventReader reader, ReadOnlySpan<byte> name, ref Utf8JsonReader r) =>
            name.SequenceEqual("jti"u8) ? BitIf(1, reader.TryReadNullableString(ref r, false, out jti))
            : name.SequenceEqual("client_id"u8) ? BitIf(2, reader.TryReadNullableString(ref r, true, out clientId))
            : name.SequenceEqual("session_id"u8) ? BitIf(4, reader.TryReadNullableString(ref r, false, out sessionId))
            : name.SequenceEqual("issued_at"u8) ? BitIf(8, TryReadNullableTime(ref r, out issued))
            : name.SequenceEqual("expires_at"u8) ? BitIf(16, TryReadNullableTime(ref r, out expires))
            : name.SequenceEqual("bound_workload"u8) ? BitIf(32, reader.TryReadNullableString(ref r, true, out bound))
            : 0;

        public readonly TokenInfo Build() =>
            new() { Jti = jti, ClientId = clientId, SessionId = sessionId, IssuedAt = issued, ExpiresAt = expires, BoundWorkload = bound };

        public readonly TokenInfo?[]? SharedIn(EventReader reader) => null;

        public readonly bool Is(TokenInfo built) => false;
    }

    private struct WorkloadFields : IObjectFields<Workload>
    {
        private string? id, name, ns, image, node, serviceAccount;

        public int Read(EventReader reader, ReadOnlySpan<byte> member, ref Utf8JsonReader r) =>
            member.SequenceEqual("id"u8) ? BitIf(1, (id = reader.ReadString(ref r, true)) is not null)
            : member.SequenceEqual("name"u8) ? BitIf(2, reader.TryReadNullableString(ref r, true, out name))
            : member.SequenceEqual("namespace"u8) ? BitIf(4, reader.TryReadNullableString(ref r, true, out ns))
            : member.SequenceEqual("image"u8) ? BitIf(8, reader.TryReadNullableString(ref r, true, out image))
            : member.SequenceEqual("node"u8) ? BitIf(16, reader.TryReadNullableString(ref r, true, out node))
            : member.SequenceEqual("service_account"u8) ? BitIf(32, reader.TryReadNullableString(ref r, true, out serviceAccount))
            : 0;

        public readonly Workload? Build() => id is null ? null
            : new Workload { Id = id, Name = name, Namespace = ns, Image = image, Node = node, ServiceAccount = serviceAccount };

        public readonly Workload?[] SharedIn(EventReader reader) => reader.workloads;

        public readonly bool Is(Workload built) =>
            ReferenceEquals(built.Id, id) && ReferenceEquals(built.Name, name) && ReferenceEquals(built.Namespace, ns)
            && ReferenceEquals(built.Image, image) && ReferenceEquals(built.Node, node) && ReferenceEquals(built.ServiceAccount, serviceAccount);
    }

    private struct NetworkFields : IObjectFields<NetworkInfo>
    {
        private string? src, dst;
        private int? port;

        public int Read(EventReader reader, ReadOnlySpan<byte> name, ref Utf8JsonReader r) =>
            name.SequenceEqual("src_ip"u8) ? BitIf(1, reader.TryReadNullableString(ref r, true, out src))
            : name.SequenceEqual("dst_ip"u8) ? BitIf(2, reader.TryReadNullableString(ref r, true, out dst))
            : name.SequenceEqual("dst_port"u8) ? BitIf(4, TryReadNullableInt(ref r, out port))
            : 0;

        public readonly NetworkInfo Build() => new() { SrcIp = src, DstIp = dst, DstPort = port };

        public readonly NetworkInfo?[] SharedIn(EventReader reader) => reader.networks;

        public readonly bool Is(NetworkInfo built) =>
            ReferenceEquals(built.SrcIp, src) && ReferenceEquals(built.DstIp, dst) && built.DstPort == port;
    }

    private struct ResourceFields : IObjectFields<ResourceRef>
    {
        private string? type, id, dataClass;

        public int Read(EventReader reader, ReadOnlySpan<byte> name, ref Utf8JsonReader r) =>
            name.SequenceEqual("type"u8) ? BitIf(1, reader.TryReadNullableString(ref r, true, out type))
            : name.SequenceEqual("id"u8) ? BitIf(2, reader.TryReadNullableString(ref r, true, out id))
            : name.SequenceEqual("data_class"u8) ? BitIf(4, reader.TryReadNullableString(ref r, true, out dataClass))
            : 0;

        public readonly ResourceRef Build() => new() { Type = type, Id = id, DataClass = dataClass };

        public readonly ResourceRef?[] SharedIn(EventReader reader) => reader.resources;

        public readonly bool Is(ResourceRef built) =>
            ReferenceEquals(built.Type, type) && ReferenceEquals(built.Id, id) && ReferenceEquals(built.DataClass, dataClass);
    }

    /// <summary>A member's bit when its value was read well, else 0 (which sends the event to the contract).</summary>
    private static int BitIf(int bit, bool ok) => ok ? bit : 0;

    private static bool TryReadNullableInt(ref Utf8JsonReader r, out int? value)
    {
        value = null;
        if (!TryReadNullableLong(ref r, out var wide) || wide is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        value = (int?)wide;
        return true;
    }

    private static bool TryReadNullableLong(ref Utf8JsonReader r, out long? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var v))
        {
            value = v;
            return true;
        }

        return false;
    }

    private static bool TryReadNullableTime(ref Utf8JsonReader r, out DateTimeOffset? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (Rfc3339TimeConverter.TryRead(ref r, out var v))
        {
            value = v;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Ingest's <c>source_scope</c> as Ingest writes it (<c>["subject"]</c>, <c>["workload"]</c>, <c>["subject","workload"]</c>),
    /// as shared arrays so no event allocates one; anything else goes to the contract serializer.
    /// </summary>
    private static bool TryReadSourceScope(ref Utf8JsonReader r, out IReadOnlyList<string>? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var seen = 0;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped)
            {
                return false;
            }

            var next = r.ValueSpan.SequenceEqual("subject"u8) ? 1 : r.ValueSpan.SequenceEqual("workload"u8) ? 2 : 0;
            if (next == 0 || next <= seen)
            {
                return false;
            }

            seen |= next;
        }

        value = seen switch
        {
            1 => ScopeSubject,
            2 => ScopeWorkload,
            3 => ScopeBoth,
            _ => [],
        };
        return true;
    }

    private bool TryReadNullableString(ref Utf8JsonReader r, bool intern, out string? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        value = ReadString(ref r, intern);
        return value is not null;
    }

    /// <summary>A string token's value (null when the token is not a string).</summary>
    private string? ReadString(ref Utf8JsonReader r, bool intern)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (!intern || r.ValueIsEscaped || r.HasValueSequence || r.ValueSpan.Length > MaxInternedBytes)
        {
            membersCached = false;
            return r.GetString();
        }

        return Intern(r.ValueSpan);
    }

    /// <summary>
    /// A cache of recent values in fixed memory: the value's hash picks a set of two entries; a hit is an entry with the
    /// same 64-bit hash whose string is the same text, a miss decodes the bytes and makes them the set's newer entry (the
    /// older one goes). Only the string is kept: comparing the bytes with it touches one object where a copy of the
    /// bytes beside it was a second, and a hash that differs is a miss without touching either. Two entries a set keep
    /// the values of twice as many principals as one slot did in about the same memory (a partition of the bench's
    /// 1,000 principals meets ≈ 4,000 distinct values a day: misses went from 1.7 to 0.5 an event). The strings are
    /// equal in value to what a fresh decode gives; only the allocation is saved.
    /// </summary>
    private string Intern(ReadOnlySpan<byte> utf8)
    {
        var hash = InternHash(utf8);
        memberHash = BitOperations.RotateLeft(memberHash, 23) ^ hash;
        ref var newer = ref intern[(int)(hash & (InternSets - 1)) * 2];
        ref var older = ref Unsafe.Add(ref newer, 1);
        if (newer.Hash == hash && newer.Value is { } first && SameText(utf8, first))
        {
            return first;
        }

        if (older.Hash == hash && older.Value is { } second && SameText(utf8, second))
        {
            return second;
        }

        if (!Utf8.IsValid(utf8))
        {
            throw new JsonException("invalid UTF-8");
        }

        var s = Encoding.UTF8.GetString(utf8);
        older = newer;
        newer = new InternEntry(hash, s);
        return s;
    }

    /// <summary>
    /// Whether <paramref name="utf8"/> is the UTF-8 of <paramref name="value"/>: a vectorised comparison when both are
    /// ASCII (nearly every cached value), else the bytes decoded and compared (invalid bytes are never equal).
    /// </summary>
    private static bool SameText(ReadOnlySpan<byte> utf8, string value)
    {
        if (Ascii.Equals(utf8, value))
        {
            return true;
        }

        if (value.Length > utf8.Length || Ascii.IsValid(utf8))
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxInternedBytes];
        return Utf8.ToUtf16(utf8, chars, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done
            && chars[..written].SequenceEqual(value);
    }

    private readonly record struct InternEntry(ulong Hash, string? Value);

    /// <summary>
    /// The cache's slot hash: eight bytes a step (multiply-rotate, then a final mix so the low bits the slot uses depend on
    /// every byte). Byte at a time it was 3.8 % of the bench's CPU. Only the slot depends on it: a hit still needs equal bytes.
    /// </summary>
    internal static ulong InternHash(ReadOnlySpan<byte> utf8)
    {
        const ulong Multiplier = 0x9E3779B97F4A7C15UL;
        var length = utf8.Length;
        var h = (ulong)length * Multiplier;
        var at = 0;
        for (; at + sizeof(ulong) <= length; at += sizeof(ulong))
        {
            h = BitOperations.RotateLeft((h ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[at..])) * Multiplier, 31);
        }

        if (at < length)
        {
            // The last bytes in one word without copying them: overlapping the word before when there is one, else from
            // two overlapping halves (or three single bytes); the length, mixed in first, tells the overlaps apart.
            var tail = length >= sizeof(ulong) ? BinaryPrimitives.ReadUInt64LittleEndian(utf8[(length - sizeof(ulong))..])
                : length >= sizeof(uint) ? BinaryPrimitives.ReadUInt32LittleEndian(utf8) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(utf8[(length - sizeof(uint))..]) << 32)
                : utf8[0] | ((ulong)utf8[length >> 1] << 8) | ((ulong)utf8[length - 1] << 16);
            h = BitOperations.RotateLeft((h ^ tail) * Multiplier, 31);
        }

        h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 32);
    }

    private static class Bit
    {
        public const int Id = 1, Time = 2, Kind = 4, Source = 8, Subject = 16, Token = 32, Workload = 64, Network = 128,
            Resource = 256, Action = 512, Outcome = 1024, UserAgent = 2048, Bytes = 4096, Status = 8192, Schema = 16384,
            Attributes = 32768, Raw = 65536, SourceScope = 131072;
    }
}
