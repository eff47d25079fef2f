using System.Buffers;
using System.Text.Unicode;

namespace ZtStream.Verifier.Scoring;

/// <summary>
/// The reader's first try: the form nearly every record has — Ingest forwards a sender's contract-serialised event as
/// its bytes with <c>"source"</c> (and <c>"source_scope"</c>) spliced in first, and the contract serializer writes
/// compact JSON with its members in one order. For that form a cursor that expects each member's name at the next
/// byte replaces the general tokenizer: no token state, no name matching against every member, one search for each
/// string's end. Anything else — whitespace, another order, an escape, a number that is not a plain integer,
/// <c>attributes</c> or <c>raw</c>, an unknown or repeated member — returns null at the first byte that differs and
/// the event is read by <see cref="ReadEvent"/> as before, so every value read here is the one the general pass (and
/// the contract) gives for the same bytes.
/// </summary>
internal sealed partial class EventReader
{
    /// <summary>Where an unescaped string's search stops: its closing quote, an escape, or a control character (not JSON raw).</summary>
    private static readonly SearchValues<byte> StringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    /// <summary>The event in the compact contract form, or null when <paramref name="utf8"/> is in any other.</summary>
    internal AccessEvent? TryReadCompact(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return ReadCompact(utf8);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private AccessEvent? ReadCompact(ReadOnlySpan<byte> utf8)
    {
        var c = new Compact(utf8);
        if (!c.Open())
        {
            return null;
        }

        string? source = null, id, kind, action = null, outcome = null, userAgent = null;
        IReadOnlyList<string>? sourceScope = null;
        int? schema = null, status = null;
        long? bytes = null;
        Subject? subject = null;
        TokenInfo? token = null;
        Workload? workload = null;
        NetworkInfo? network = null;
        ResourceRef? resource = null;

        // Ingest's stamp comes first; an event the contract serializer wrote with its source has it after "time".
        var stamped = c.Member(",\"source\":"u8);
        if (stamped && !NullableText(ref c, true, out source))
        {
            return null;
        }

        var scoped = c.Member(",\"source_scope\":"u8);
        if (scoped && !ReadSourceScope(ref c, out sourceScope))
        {
            return null;
        }

        // A null schema is not the contract's shape (see ReadEvent): Int refuses null.
        if (c.Member(",\"schema\":"u8) && !c.Int(out schema))
        {
            return null;
        }

        if (!c.Member(",\"id\":"u8) || (id = Text(ref c, false)) is null
            || !c.Member(",\"time\":"u8) || !c.Time(out var time))
        {
            return null;
        }

        if (!stamped && c.Member(",\"source\":"u8) && !NullableText(ref c, true, out source))
        {
            return null;
        }

        if (!scoped && c.Member(",\"source_scope\":"u8) && !ReadSourceScope(ref c, out sourceScope))
        {
            return null;
        }

        if (!c.Member(",\"kind\":"u8) || (kind = Text(ref c, true)) is null)
        {
            return null;
        }

        if ((c.Member(",\"subject\":"u8) && !ReadSubject(ref c, out subject))
            || (c.Member(",\"token\":"u8) && !ReadToken(ref c, out token))
            || (c.Member(",\"workload\":"u8) && !ReadWorkload(ref c, out workload))
            || (c.Member(",\"network\":"u8) && !ReadNetwork(ref c, out network))
            || (c.Member(",\"resource\":"u8) && !ReadResource(ref c, out resource))
            || (c.Member(",\"action\":"u8) && !NullableText(ref c, true, out action))
            || (c.Member(",\"outcome\":"u8) && !NullableText(ref c, true, out outcome))
            || (c.Member(",\"bytes\":"u8) && !c.NullableLong(out bytes))
            || (c.Member(",\"status\":"u8) && !c.NullableInt(out status))
            || (c.Member(",\"user_agent\":"u8) && !NullableText(ref c, true, out userAgent))
            || !c.CloseLast())
        {
            return null;
        }

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
        };
    }

    private bool ReadSubject(ref Compact c, out Subject? value)
    {
        value = null;
        if (c.Null())
        {
            return true;
        }

        string? id = null, type = null, tenant = null;
        if (!c.Open()
            || (c.Member(",\"id\":"u8) && (id = Text(ref c, true)) is null)
            || (c.Member(",\"type\":"u8) && !NullableText(ref c, true, out type))
            || (c.Member(",\"tenant\":"u8) && !NullableText(ref c, true, out tenant))
            || !c.Close())
        {
            return false;
        }

        if (id is null)
        {
            return false;
        }

        value = new Subject { Id = id, Type = type, Tenant = tenant };
        return true;
    }

    private bool ReadToken(ref Compact c, out TokenInfo? value)
    {
        value = null;
        if (c.Null())
        {
            return true;
        }

        string? jti = null, clientId = null, sessionId = null, bound = null;
        DateTimeOffset? issued = null, expires = null;
        if (!c.Open()
            || (c.Member(",\"jti\":"u8) && !NullableText(ref c, false, out jti))
            || (c.Member(",\"client_id\":"u8) && !NullableText(ref c, true, out clientId))
            || (c.Member(",\"session_id\":"u8) && !NullableText(ref c, false, out sessionId))
            || (c.Member(",\"issued_at\":"u8) && !c.NullableTime(out issued))
            || (c.Member(",\"expires_at\":"u8) && !c.NullableTime(out expires))
            || (c.Member(",\"bound_workload\":"u8) && !NullableText(ref c, true, out bound))
            || !c.Close())
        {
            return false;
        }

        value = new TokenInfo { Jti = jti, ClientId = clientId, SessionId = sessionId, IssuedAt = issued, ExpiresAt = expires, BoundWorkload = bound };
        return true;
    }

    private bool ReadWorkload(ref Compact c, out Workload? value)
    {
        value = null;
        if (c.Null())
        {
            return true;
        }

        string? id = null, name = null, ns = null, image = null, node = null, serviceAccount = null;
        if (!c.Open()
            || (c.Member(",\"id\":"u8) && (id = Text(ref c, true)) is null)
            || (c.Member(",\"name\":"u8) && !NullableText(ref c, true, out name))
            || (c.Member(",\"namespace\":"u8) && !NullableText(ref c, true, out ns))
            || (c.Member(",\"image\":"u8) && !NullableText(ref c, true, out image))
            || (c.Member(",\"node\":"u8) && !NullableText(ref c, true, out node))
            || (c.Member(",\"service_account\":"u8) && !NullableText(ref c, true, out serviceAccount))
            || !c.Close())
        {
            return false;
        }

        if (id is null)
        {
            return false;
        }

        value = new Workload { Id = id, Name = name, Namespace = ns, Image = image, Node = node, ServiceAccount = serviceAccount };
        return true;
    }

    private bool ReadNetwork(ref Compact c, out NetworkInfo? value)
    {
        value = null;
        if (c.Null())
        {
            return true;
        }

        string? src = null, dst = null;
        int? port = null;
        if (!c.Open()
            || (c.Member(",\"src_ip\":"u8) && !NullableText(ref c, true, out src))
            || (c.Member(",\"dst_ip\":"u8) && !NullableText(ref c, true, out dst))
            || (c.Member(",\"dst_port\":"u8) && !c.NullableInt(out port))
            || !c.Close())
        {
            return false;
        }

        value = new NetworkInfo { SrcIp = src, DstIp = dst, DstPort = port };
        return true;
    }

    private bool ReadResource(ref Compact c, out ResourceRef? value)
    {
        value = null;
        if (c.Null())
        {
            return true;
        }

        string? type = null, id = null, dataClass = null;
        if (!c.Open()
            || (c.Member(",\"type\":"u8) && !NullableText(ref c, true, out type))
            || (c.Member(",\"id\":"u8) && !NullableText(ref c, true, out id))
            || (c.Member(",\"data_class\":"u8) && !NullableText(ref c, true, out dataClass))
            || !c.Close())
        {
            return false;
        }

        value = new ResourceRef { Type = type, Id = id, DataClass = dataClass };
        return true;
    }

    /// <summary>Ingest's <c>source_scope</c> exactly as it writes it, as the shared arrays <see cref="TryReadSourceScope"/> gives.</summary>
    private static bool ReadSourceScope(ref Compact c, out IReadOnlyList<string>? value)
    {
        value = null;
        if (c.Null())
        {
            return true;
        }

        value = c.Literal("[\"subject\",\"workload\"]"u8) ? ScopeBoth
            : c.Literal("[\"subject\"]"u8) ? ScopeSubject
            : c.Literal("[\"workload\"]"u8) ? ScopeWorkload
            : c.Literal("[]"u8) ? []
            : null;
        return value is not null;
    }

    private bool NullableText(ref Compact c, bool intern, out string? value)
    {
        value = null;
        return c.Null() || (value = Text(ref c, intern)) is not null;
    }

    /// <summary>
    /// A string without escapes, as <see cref="ReadString"/> gives it (interned up to <see cref="MaxInternedBytes"/>); null
    /// when the value is not one (or not valid UTF-8, which the general pass refuses too).
    /// </summary>
    private string? Text(ref Compact c, bool intern)
    {
        if (!c.Text(out var utf8))
        {
            return null;
        }

        if (intern && utf8.Length <= MaxInternedBytes)
        {
            return Intern(utf8);
        }

        return Utf8.IsValid(utf8) ? Encoding.UTF8.GetString(utf8) : null;
    }

    /// <summary>A cursor over one event's bytes that takes only the compact contract form; every method consumes nothing when it answers false.</summary>
    private ref struct Compact(ReadOnlySpan<byte> json)
    {
        private readonly ReadOnlySpan<byte> json = json;
        private int at;

        // True right after an object's '{': its first member has no comma before it.
        private bool first;

        public bool Open()
        {
            if (at < json.Length && json[at] == (byte)'{')
            {
                at++;
                first = true;
                return true;
            }

            return false;
        }

        /// <summary>The object's '}'; the members read before it belonged to it.</summary>
        public bool Close()
        {
            if (at < json.Length && json[at] == (byte)'}')
            {
                at++;
                first = false;
                return true;
            }

            return false;
        }

        /// <summary>The event's own '}', and nothing after it.</summary>
        public bool CloseLast() => Close() && at == json.Length;

        /// <summary>
        /// The member whose <c>,"name":</c> is <paramref name="commaName"/> when it is the next thing in the bytes (without
        /// the comma as an object's first member); the cursor is then on its value.
        /// </summary>
        public bool Member(ReadOnlySpan<byte> commaName)
        {
            var expected = first ? commaName[1..] : commaName;
            if (!json[at..].StartsWith(expected))
            {
                return false;
            }

            at += expected.Length;
            first = false;
            return true;
        }

        public bool Literal(ReadOnlySpan<byte> literal)
        {
            if (!json[at..].StartsWith(literal))
            {
                return false;
            }

            at += literal.Length;
            return true;
        }

        public bool Null() => Literal("null"u8);

        /// <summary>An unescaped string's bytes, without its quotes.</summary>
        public bool Text(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (at >= json.Length || json[at] != (byte)'"')
            {
                return false;
            }

            var rest = json[(at + 1)..];
            var end = rest.IndexOfAny(StringStops);
            if (end < 0 || rest[end] != (byte)'"')
            {
                return false;
            }

            value = rest[..end];
            at += end + 2;
            return true;
        }

        /// <summary>A time string, parsed as <see cref="Utf8JsonReader.TryGetDateTimeOffset"/> parses it.</summary>
        public bool Time(out DateTimeOffset value)
        {
            value = default;
            var start = at;
            if (!Text(out _))
            {
                return false;
            }

            var r = new Utf8JsonReader(json[start..at]);
            if (r.Read() && r.TryGetDateTimeOffset(out value))
            {
                return true;
            }

            at = start;
            return false;
        }

        public bool NullableTime(out DateTimeOffset? value)
        {
            value = null;
            if (Null())
            {
                return true;
            }

            if (!Time(out var time))
            {
                return false;
            }

            value = time;
            return true;
        }

        public bool NullableLong(out long? value)
        {
            value = null;
            if (Null())
            {
                return true;
            }

            if (!Long(out var v))
            {
                return false;
            }

            value = v;
            return true;
        }

        /// <summary>An int; null is not one (a schema), the other members take <see cref="NullableInt"/>.</summary>
        public bool Int(out int? value)
        {
            value = null;
            var start = at;
            if (!Long(out var v))
            {
                return false;
            }

            if (v is < int.MinValue or > int.MaxValue)
            {
                at = start;
                return false;
            }

            value = (int)v;
            return true;
        }

        public bool NullableInt(out int? value)
        {
            value = null;
            return Null() || Int(out value);
        }

        /// <summary>
        /// A JSON integer (<c>-?(0|[1-9][0-9]*)</c>) of at most 18 digits followed by the member's end; a fraction, an
        /// exponent or a longer number is left to the general pass.
        /// </summary>
        private bool Long(out long value)
        {
            value = 0;
            var i = at;
            var negative = i < json.Length && json[i] == (byte)'-';
            if (negative)
            {
                i++;
            }

            var digits = i;
            ulong v = 0;
            while (i < json.Length && (uint)(json[i] - '0') <= 9)
            {
                if (i - digits == 18)
                {
                    return false;
                }

                v = (v * 10) + (uint)(json[i] - '0');
                i++;
            }

            if (i == digits || (json[digits] == (byte)'0' && i - digits > 1)
                || i == json.Length || (json[i] != (byte)',' && json[i] != (byte)'}'))
            {
                return false;
            }

            value = negative ? -(long)v : (long)v;
            at = i;
            return true;
        }
    }
}
