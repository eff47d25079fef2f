using System.Text.Unicode;

namespace ZtStream.Ingest.Validation;

/// <summary>What Ingest needs of an event it forwards as its bytes.</summary>
/// <param name="FailedSignIn">
/// Whether the event is a failed sign-in (<c>kind</c> <see cref="EventKinds.AuthLogin"/>, <c>outcome</c>
/// <see cref="Outcomes.Denied"/>) or a change to an account or its credentials (<see cref="EventKinds.AuthAccountChange"/>,
/// <see cref="EventKinds.AuthCredentialChange"/>, which an administrator's actor twin is made of), the only events that can
/// have a twin; every other is forwarded without reading it into an <see cref="AccessEvent"/>.
/// </param>
/// <param name="Scope">Where the fields a source's scope is checked on sit in the event's bytes, so a scoped source's gate reads only them.</param>
internal readonly record struct ScannedEvent(string Id, string PrincipalKey, bool FailedSignIn, ScannedScope Scope = default);

/// <summary>
/// Where the fields a source's scope matches (<see cref="Sources.Scopes.SourceScope"/>) sit in a scanned event's bytes.
/// Recording positions costs the scan nothing an unscoped source would notice; the strings are made only for a scoped one.
/// Every accepted item carries one, so it is kept as small as it was before the cluster label's place was added to it:
/// the three flags share a byte, and the place of <c>attributes</c> fits the padding beside it.
/// </summary>
internal readonly struct ScannedScope
{
    private const byte WorkloadFlag = 1;
    private const byte UnsureFlag = 2;
    private const byte OtherFlag = 4;

    // The attributes value's offset plus one; 0: none; Far: too far into the event to record in 16 bits.
    private const ushort Far = ushort.MaxValue;

    private readonly byte flags;
    private readonly ushort attributes;

    /// <param name="attributesAt">Where the <c>attributes</c> value starts, from the event's first byte; -1 when the event has none.</param>
    public ScannedScope(
        TextAt kind, TextAt subjectId, bool hasWorkload, TextAt workloadId, TextAt workloadName, TextAt workloadNamespace, TextAt cluster, bool clusterUnsure,
        TextAt subjectTenant = default, bool clusterOther = false, int attributesAt = -1)
    {
        Kind = kind;
        SubjectId = subjectId;
        WorkloadId = workloadId;
        WorkloadName = workloadName;
        WorkloadNamespace = workloadNamespace;
        Cluster = cluster;
        SubjectTenant = subjectTenant;
        flags = (byte)((hasWorkload ? WorkloadFlag : 0) | (clusterUnsure ? UnsureFlag : 0) | (clusterOther ? OtherFlag : 0));
        attributes = attributesAt < 0 ? (ushort)0 : attributesAt + 1 >= Far ? Far : (ushort)(attributesAt + 1);
    }

    public TextAt Kind { get; }

    public TextAt SubjectId { get; }

    /// <summary>True when the event has a <c>workload</c> object (not absent, not null).</summary>
    public bool HasWorkload => (flags & WorkloadFlag) != 0;

    public TextAt WorkloadId { get; }

    public TextAt WorkloadName { get; }

    public TextAt WorkloadNamespace { get; }

    /// <summary>
    /// <c>attributes["k8s.cluster"]</c> when it is a string; absent when <c>attributes</c> is absent or null, has no such member
    /// at its own level, or has one that is not a string (the full read names no cluster for any of these).
    /// </summary>
    public TextAt Cluster { get; }

    /// <summary>
    /// True when the bytes do not show the cluster the full read finds: the member is named twice (which one the contract's
    /// dictionary keeps is its reader's business), or its string is escaped or not valid UTF-8. A cluster limit then reads the
    /// event whole.
    /// </summary>
    public bool ClusterUnsure => (flags & UnsureFlag) != 0;

    /// <summary>True when the member is there with a value that is not a string (null too): a cluster label reads the event whole.</summary>
    public bool ClusterOther => (flags & OtherFlag) != 0;

    /// <summary>
    /// <c>subject.tenant</c> when it is a string. The scan accepts the subject's members only unescaped and each once, so the
    /// bytes always show the tenant the full read finds.
    /// </summary>
    public TextAt SubjectTenant { get; }

    /// <summary>Where the <c>attributes</c> value (its <c>{</c> or <c>null</c>) starts, from the event's first byte; -1 when the event has none.</summary>
    public int AttributesAt => attributes - 1;

    /// <summary>True when the event has <c>attributes</c> beyond where the scan records their place (64 KiB in): a label reads the event whole.</summary>
    public bool AttributesFar => attributes == Far;
}

/// <summary>
/// A string value in an event's bytes, by its offset from the event's first byte; the default is an absent (or null)
/// value. Only unescaped strings of valid UTF-8 are recorded, so the bytes are the text.
/// </summary>
internal readonly struct TextAt
{
    // The offset plus one, so that the default (0) means absent.
    private readonly int start;
    private readonly int length;

    public TextAt(int offset, int length)
    {
        start = offset + 1;
        this.length = length;
    }

    /// <summary>The string, or null when the value was absent or null; <paramref name="json"/> is the event's bytes.</summary>
    public string? Read(ReadOnlySpan<byte> json) => start == 0 ? null : Encoding.UTF8.GetString(json.Slice(start - 1, length));

    /// <summary>True when the value is a string (not absent, not null).</summary>
    public bool IsPresent => start != 0;

    /// <summary>The string's length in bytes.</summary>
    public int Length => length;

    /// <summary>True when the value is present and is <paramref name="utf8"/> byte for byte, without making a string.</summary>
    public bool Is(ReadOnlySpan<byte> json, ReadOnlySpan<byte> utf8) => start != 0 && json.Slice(start - 1, length).SequenceEqual(utf8);
}

/// <summary>
/// The fast path of <see cref="EventValidator"/>: one forward <see cref="Utf8JsonReader"/> pass over a canonical event's
/// bytes that checks every type and limit without building the event, and answers only the two things Ingest needs to
/// forward those bytes (the id and the principal key). It says yes only to an event the full path accepts unchanged
/// and forwards as it came: the contract's property names, unescaped, each once, no <c>source</c> and no unknown field at
/// any level, strings that are valid UTF-8 and within the limits counted in bytes (a string never has more characters
/// than UTF-8 bytes), an RFC 3339 <c>time</c> inside the accepted window. Anything else — an error to report, a field
/// to move into <c>attributes</c>, an escaped string — is left to the full path, so what is accepted or rejected, and
/// every error's wording, stays the full path's.
/// </summary>
internal static class VerbatimEventScanner
{
    // Each object's properties in the order the contract serializer writes them, so a match is usually the first try.
    private static readonly byte[][] EventFields =
    [
        "schema"u8.ToArray(), "id"u8.ToArray(), "time"u8.ToArray(), "kind"u8.ToArray(), "subject"u8.ToArray(), "token"u8.ToArray(),
        "workload"u8.ToArray(), "network"u8.ToArray(), "resource"u8.ToArray(), "action"u8.ToArray(), "outcome"u8.ToArray(),
        "bytes"u8.ToArray(), "status"u8.ToArray(), "user_agent"u8.ToArray(), "attributes"u8.ToArray(), "raw"u8.ToArray(),
    ];

    private static readonly byte[][] SubjectFields = ["id"u8.ToArray(), "type"u8.ToArray(), "tenant"u8.ToArray(), "claim"u8.ToArray()];

    private static readonly byte[][] LoginClaims = [.. SubjectClaims.Logins.Select(claim => Encoding.UTF8.GetBytes(claim))];

    private static readonly byte[][] TokenFields =
    [
        "jti"u8.ToArray(), "client_id"u8.ToArray(), "session_id"u8.ToArray(), "issued_at"u8.ToArray(), "expires_at"u8.ToArray(),
        "bound_workload"u8.ToArray(),
    ];

    private static readonly byte[][] WorkloadFields =
    [
        "id"u8.ToArray(), "name"u8.ToArray(), "namespace"u8.ToArray(), "image"u8.ToArray(), "node"u8.ToArray(), "service_account"u8.ToArray(),
    ];

    private static readonly byte[][] NetworkFields = ["src_ip"u8.ToArray(), "dst_ip"u8.ToArray(), "dst_port"u8.ToArray()];

    private static readonly byte[][] ResourceFields = ["type"u8.ToArray(), "id"u8.ToArray(), "data_class"u8.ToArray()];

    private static readonly byte[] DerivedPrefix = Encoding.UTF8.GetBytes(EventKinds.DerivedPrefix);

    private static readonly byte[] SignIn = Encoding.UTF8.GetBytes(EventKinds.AuthLogin);
    private static readonly byte[] AccountChange = Encoding.UTF8.GetBytes(EventKinds.AuthAccountChange);
    private static readonly byte[] CredentialChange = Encoding.UTF8.GetBytes(EventKinds.AuthCredentialChange);

    private static readonly byte[] Denied = Encoding.UTF8.GetBytes(Outcomes.Denied);

    private static readonly byte[] ClusterAttribute = Encoding.UTF8.GetBytes(K8sAuditMapper.ClusterAttribute);

    /// <summary>
    /// True when <paramref name="json"/> (one event object) is accepted as it is, with what Ingest needs of it; false
    /// when the full path has to read it (to accept it differently, or to say what is wrong).
    /// </summary>
    public static bool TryScan(ReadOnlySpan<byte> json, IngestOptions limits, DateTimeOffset now, out ScannedEvent scanned)
    {
        var r = new Utf8JsonReader(json);
        scanned = default;
        try
        {
            if (!r.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return TryScan(ref r, limits, now, out scanned) && r.BytesConsumed == json.Length;
    }

    /// <summary>
    /// As <see cref="TryScan(ReadOnlySpan{byte}, IngestOptions, DateTimeOffset, out ScannedEvent)"/> for the value
    /// <paramref name="r"/> is on; when true, <paramref name="r"/> is left on the event's closing brace, otherwise anywhere
    /// inside it (scan a copy to read the value again).
    /// </summary>
    public static bool TryScan(ref Utf8JsonReader r, IngestOptions limits, DateTimeOffset now, out ScannedEvent scanned)
    {
        scanned = default;
        try
        {
            return ScanEvent(ref r, limits, now, ref scanned);
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString of a string that is not valid UTF-8.
            return false;
        }
    }

    private static bool ScanEvent(ref Utf8JsonReader r, IngestOptions limits, DateTimeOffset now, ref ScannedEvent scanned)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var depth = r.CurrentDepth;
        var eventStart = r.TokenStartIndex;
        var kind = default(TextAt);
        // The subject's id, type and tenant, in SubjectFields' order (the type is not read).
        Span<TextAt> subject = stackalloc TextAt[3];
        Span<TextAt> workload = stackalloc TextAt[3];
        var hasWorkload = false;
        var cluster = default(TextAt);
        var clusterUnsure = false;
        var clusterOther = false;
        var attributes = -1;
        var seen = 0;
        var last = -1;
        var hasTime = false;
        var signIn = false;
        var denied = false;
        var accountChange = false;
        string? id = null;

        // The subject's and the workload's ids as their bytes (unescaped, valid UTF-8, never empty when present): only
        // the one that is the principal key becomes a string.
        var subjectId = ReadOnlySpan<byte>.Empty;
        var workloadId = ReadOnlySpan<byte>.Empty;
        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndObject && r.CurrentDepth == depth)
            {
                var principalKey = !subjectId.IsEmpty ? subjectId : workloadId;
                if (id is null || !hasTime || (seen & (1 << 3)) == 0 || principalKey.IsEmpty)
                {
                    return false;
                }

                var scope = new ScannedScope(kind, subject[0], hasWorkload, workload[0], workload[1], workload[2], cluster, clusterUnsure, subject[2], clusterOther, attributes);
                scanned = new ScannedEvent(id, Encoding.UTF8.GetString(principalKey), (signIn && denied) || accountChange, scope);
                return true;
            }

            var field = Field(ref r, EventFields, ref last, ref seen);
            if (field < 0 || !r.Read())
            {
                return false;
            }

            hasWorkload |= field == 6 && r.TokenType == JsonTokenType.StartObject;
            var ok = field switch
            {
                // A null schema is left to the full path: the contract's reader refuses null for the integer.
                0 => r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var schema) && schema == SchemaVersions.Current,
                1 => Visible(ref r, limits.MaxIdLength) && (id = r.GetString()) is not null,
                2 => hasTime = Time(ref r, limits, now),
                3 => Visible(ref r, limits.MaxFieldLength) && !r.ValueSpan.StartsWith(DerivedPrefix),
                4 => Object(ref r, SubjectFields, limits.MaxFieldLength, out subjectId, eventStart, subject),
                5 => Object(ref r, TokenFields, limits.MaxFieldLength, out _, eventStart, []),
                6 => Object(ref r, WorkloadFields, limits.MaxFieldLength, out workloadId, eventStart, workload),
                7 => Object(ref r, NetworkFields, limits.MaxFieldLength, out _, eventStart, []),
                8 => Object(ref r, ResourceFields, limits.MaxFieldLength, out _, eventStart, []),
                9 or 10 or 13 => OptionalText(ref r, limits.MaxFieldLength),
                11 => r.TokenType == JsonTokenType.Null || (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var bytes) && bytes >= 0),
                12 => r.TokenType == JsonTokenType.Null || (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var status) && status is >= 0 and <= 999),
                14 => Attributes(ref r, limits.MaxAttributesBytes, eventStart, out cluster, out clusterUnsure, out clusterOther, out attributes),
                _ => Raw(ref r, limits.MaxRawBytes),
            };
            if (!ok)
            {
                return false;
            }

            // Unescaped (checked above), so the bytes are the text.
            if (field == 3)
            {
                kind = At(ref r, eventStart);
                signIn = r.ValueSpan.SequenceEqual(SignIn);
                accountChange = r.ValueSpan.SequenceEqual(AccountChange) || r.ValueSpan.SequenceEqual(CredentialChange);
            }
            else if (field == 10)
            {
                denied = r.TokenType == JsonTokenType.String && r.ValueSpan.SequenceEqual(Denied);
            }
        }

        return false;
    }

    /// <summary>
    /// Which of <paramref name="names"/> the current property name is (trying the one after <paramref name="last"/>
    /// first), marked in <paramref name="seen"/>; -1 for an unknown, escaped or repeated name.
    /// </summary>
    private static int Field(ref Utf8JsonReader r, byte[][] names, ref int last, ref int seen)
    {
        if (r.TokenType != JsonTokenType.PropertyName || r.ValueIsEscaped)
        {
            return -1;
        }

        var name = r.ValueSpan;
        var candidate = last;
        for (var i = 0; i < names.Length; i++)
        {
            // The names in turn from the one after the last matched, wrapping round without a division.
            if (++candidate == names.Length)
            {
                candidate = 0;
            }

            if (name.SequenceEqual(names[candidate]))
            {
                if ((seen & (1 << candidate)) != 0)
                {
                    return -1;
                }

                seen |= 1 << candidate;
                last = candidate;
                return candidate;
            }
        }

        return -1;
    }

    /// <summary>
    /// A nested object of the contract (subject, token, workload, network, resource) or null. Every member is an optional
    /// string but these: <c>id</c> of subject and workload is required and its bytes returned in <paramref name="id"/>
    /// (empty when the object is null), the token's times are dates, the network's port a number. The position of each
    /// string member whose number is below <paramref name="at"/>'s length is recorded there (offsets from
    /// <paramref name="eventStart"/>).
    /// </summary>
    private static bool Object(scoped ref Utf8JsonReader r, byte[][] names, int maxLength, out ReadOnlySpan<byte> id, long eventStart, scoped Span<TextAt> at)
    {
        id = default;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var requiresId = ReferenceEquals(names, SubjectFields) || ReferenceEquals(names, WorkloadFields);
        var login = false;
        var seen = 0;
        var last = -1;
        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndObject)
            {
                // A login claim's id not yet in the one form of login names is the full path's to fold.
                return (!requiresId || !id.IsEmpty) && (!login || IsFolded(id));
            }

            var field = Field(ref r, names, ref last, ref seen);
            if (field < 0 || !r.Read())
            {
                return false;
            }

            bool ok;
            if (requiresId && field == 0)
            {
                ok = Visible(ref r, maxLength);
                id = r.ValueSpan;
            }
            else if (ReferenceEquals(names, TokenFields) && field is 3 or 4)
            {
                ok = r.TokenType == JsonTokenType.Null || (r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out _));
            }
            else if (ReferenceEquals(names, SubjectFields) && field == 3)
            {
                ok = OptionalText(ref r, maxLength);
                login = r.TokenType == JsonTokenType.String && IsLoginClaim(r.ValueSpan);
            }
            else if (ReferenceEquals(names, NetworkFields) && field == 2)
            {
                ok = r.TokenType == JsonTokenType.Null || (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var port) && port is >= 0 and <= 65535);
            }
            else
            {
                ok = OptionalText(ref r, maxLength);
            }

            if (!ok)
            {
                return false;
            }

            if (field < at.Length && r.TokenType == JsonTokenType.String)
            {
                at[field] = At(ref r, eventStart);
            }
        }

        return false;
    }

    /// <summary>Whether a login claim's id (unescaped valid UTF-8) is already in the one form of login names.</summary>
    private static bool IsFolded(ReadOnlySpan<byte> id)
    {
        var text = Encoding.UTF8.GetString(id);
        return string.Equals(LoginNames.Fold(text), text, StringComparison.Ordinal);
    }

    private static bool IsLoginClaim(ReadOnlySpan<byte> claim)
    {
        foreach (var login in LoginClaims)
        {
            if (claim.SequenceEqual(login))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where the (unescaped) string the reader is on sits, from the event's first byte at <paramref name="eventStart"/>.</summary>
    private static TextAt At(ref Utf8JsonReader r, long eventStart) =>
        new((int)(r.TokenStartIndex - eventStart) + 1, r.ValueSpan.Length);

    /// <summary>Null, or an unescaped string of valid UTF-8 no longer than <paramref name="maxLength"/> bytes.</summary>
    private static bool OptionalText(ref Utf8JsonReader r, int maxLength) =>
        r.TokenType == JsonTokenType.Null
        || (r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && r.ValueSpan.Length <= maxLength && Utf8.IsValid(r.ValueSpan) && !ItemError.HoldsHiddenInName(r.ValueSpan));

    /// <summary>An unescaped string of at most <paramref name="maxLength"/> bytes with a visible ASCII character (so it is not blank).</summary>
    private static bool Visible(ref Utf8JsonReader r, int maxLength)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || r.ValueSpan.Length > maxLength || !Utf8.IsValid(r.ValueSpan) || ItemError.HoldsHiddenInName(r.ValueSpan))
        {
            return false;
        }

        foreach (var b in r.ValueSpan)
        {
            if (b is > 0x20 and < 0x7F)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>time</c>: an RFC 3339 date-time with <c>Z</c> or a numeric offset (which the full path's RFC 3339 check and the
    /// contract's reader both take), inside the window of accepted event times.
    /// </summary>
    private static bool Time(ref Utf8JsonReader r, IngestOptions limits, DateTimeOffset now)
    {
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || !IsRfc3339(r.ValueSpan) || !r.TryGetDateTimeOffset(out var time))
        {
            return false;
        }

        return time <= now + limits.MaxClockSkew && time >= now - limits.MaxEventAge;
    }

    /// <summary><c>YYYY-MM-DDThh:mm:ss</c>, an optional fraction of 1–9 digits, then <c>Z</c> or <c>±hh:mm</c>.</summary>
    internal static bool IsRfc3339(ReadOnlySpan<byte> s)
    {
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':'
            || !Digits(s[..4]) || !Digits(s.Slice(5, 2)) || !Digits(s.Slice(8, 2)) || !Digits(s.Slice(11, 2)) || !Digits(s.Slice(14, 2)) || !Digits(s.Slice(17, 2)))
        {
            return false;
        }

        var at = 19;
        if (s[at] == '.')
        {
            var start = ++at;
            while (at < s.Length && char.IsAsciiDigit((char)s[at]))
            {
                at++;
            }

            if (at - start is < 1 or > 9)
            {
                return false;
            }
        }

        var zone = s[at..];
        return zone.Length == 1 ? zone[0] == 'Z'
            : zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && Digits(zone.Slice(1, 2)) && zone[3] == ':' && Digits(zone.Slice(4, 2));

        static bool Digits(ReadOnlySpan<byte> digits)
        {
            foreach (var d in digits)
            {
                if (!char.IsAsciiDigit((char)d))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// <c>attributes</c>: null, or an object whose size as the full path counts it (2, plus per member its name's characters
    /// + 4 + its value's JSON bytes) is within <paramref name="maxBytes"/>. A repeated name is counted each time, which can
    /// only overcount (the contract keeps one of them). Where its <c>k8s.cluster</c> member's string is goes in
    /// <paramref name="cluster"/>, or <paramref name="clusterUnsure"/> says the bytes cannot tell, and
    /// <paramref name="clusterOther"/> that the member holds no string; <paramref name="at"/> is where the value starts
    /// (see <see cref="ScannedScope"/>).
    /// </summary>
    private static bool Attributes(ref Utf8JsonReader r, int maxBytes, long eventStart, out TextAt cluster, out bool clusterUnsure, out bool clusterOther, out int at)
    {
        cluster = default;
        clusterUnsure = false;
        clusterOther = false;
        // Where a cluster label splices its member in (ClusterLabel).
        at = (int)(r.TokenStartIndex - eventStart);
        var clusterSeen = false;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var size = 2L;
        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndObject)
            {
                return size <= maxBytes;
            }

            if (r.TokenType != JsonTokenType.PropertyName || r.ValueIsEscaped || !Utf8.IsValid(r.ValueSpan))
            {
                return false;
            }

            size += Encoding.UTF8.GetCharCount(r.ValueSpan) + 4;
            var isCluster = r.ValueSpan.SequenceEqual(ClusterAttribute);
            if (!r.Read())
            {
                return false;
            }

            if (isCluster)
            {
                // Only a position: the string is made when a cluster limit asks for it.
                var text = r.TokenType == JsonTokenType.String;
                var plain = text && !r.ValueIsEscaped && Utf8.IsValid(r.ValueSpan);
                if (text && (plain ? ItemError.HoldsHiddenInName(r.ValueSpan) : r.ValueIsEscaped && ItemError.HiddenCharacter(r.GetString()!) is not null))
                {
                    // A control or invisible character in a cluster's name is the full path's to refuse (an escape is read to find one).
                    return false;
                }

                clusterUnsure |= clusterSeen || (text && !plain);
                clusterOther |= !text;
                clusterSeen = true;
                cluster = plain ? At(ref r, eventStart) : default;
            }

            var start = r.TokenStartIndex;
            if (!SkipText(ref r))
            {
                return false;
            }

            size += r.BytesConsumed - start;
        }

        return false;
    }

    /// <summary><c>raw</c>: null, or an object of at most <paramref name="maxBytes"/> bytes of JSON.</summary>
    private static bool Raw(ref Utf8JsonReader r, int maxBytes)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var start = r.TokenStartIndex;
        return SkipText(ref r) && r.BytesConsumed - start <= maxBytes;
    }

    /// <summary>
    /// Skips the value <paramref name="r"/> is on, as <see cref="Utf8JsonReader.Skip"/> does; false when a name or string in
    /// it may not be text: bytes that are not UTF-8 (the reader does not check them), or an escaped surrogate, which may be a
    /// lone one. The full path decides those (<see cref="Sources.JsonFields.Writable"/>), as everywhere else in the event.
    /// </summary>
    private static bool SkipText(ref Utf8JsonReader r)
    {
        if (r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return IsText(ref r);
        }

        var depth = r.CurrentDepth;
        while (r.Read())
        {
            if (r.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && r.CurrentDepth == depth)
            {
                return true;
            }

            if (!IsText(ref r))
            {
                return false;
            }
        }

        return false;

        static bool IsText(ref Utf8JsonReader r) =>
            r.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)
            || (Utf8.IsValid(r.ValueSpan) && !(r.ValueIsEscaped && Sources.JsonFields.MayEscapeASurrogate(r.ValueSpan)));
    }
}
