using System.Buffers.Text;

namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// What a compiled Falco condition reads: the audit event's JSON, the event time (for <c>jevt.rawtime</c>), and
/// the per-event cache of values already looked up and macros already evaluated (none when rendering output).
/// </summary>
internal readonly struct FalcoEvent(
    JsonElement root,
    DateTimeOffset time,
    FalcoEventCache? cache = null,
    FalcoOktaMfaCounts? oktaMfa = null,
    Dictionary<string, JsonElement>? attributes = null,
    NetworkInfo? network = null)
{
    public JsonElement Root { get; } = root;

    /// <summary>
    /// The canonical event's attributes, where Ingest wrote what it decoded from the record once for every rule format
    /// (an exec's process and parent: <see cref="ExecProcesses"/>).
    /// </summary>
    public Dictionary<string, JsonElement>? Attributes { get; } = attributes;

    public DateTimeOffset Time { get; } = time;

    /// <summary>The canonical event's network: a policy call's connection, its addresses in the one form every adapter writes.</summary>
    public NetworkInfo? Network { get; } = network;

    public FalcoEventCache? Cache { get; } = cache;

    /// <summary>The MFA counts the <c>countlast</c> fields read, when a rule of the set uses them.</summary>
    public FalcoOktaMfaCounts? OktaMfa { get; } = oktaMfa;
}

/// <summary>
/// The cache slots of one loaded rule set: one per distinct JSON path the fields read from the event's root (each
/// path sharing its prefix's slot) and one per macro. Built while compiling, on one thread; read-only afterwards.
/// </summary>
internal sealed class FalcoSlots
{
    private readonly Dictionary<string, FalcoRootPath> paths = new(StringComparer.Ordinal);
    private FalcoOktaMfaCounts? ownOktaMfa;

    public int Count { get; private set; }

    /// <summary>
    /// The slot that says the current event has been recorded in the MFA counts, once a rule uses a <c>countlast</c>
    /// field (<see cref="UseOktaMfa"/>); -1 before: only then is each Okta event recorded.
    /// </summary>
    public int OktaMfaSlot { get; private set; } = -1;

    public void UseOktaMfa()
    {
        if (OktaMfaSlot < 0)
        {
            OktaMfaSlot = Next();
        }
    }

    /// <summary>
    /// The MFA counts an event is evaluated with if a rule of the set uses them: the scoring engine's (detection state
    /// that outlives the rule set), else — an event evaluated outside an engine, as a rule's own tests are — the rule set's.
    /// </summary>
    public FalcoOktaMfaCounts? OktaMfaFor(RuleEvent e) =>
        OktaMfaSlot < 0 ? null : e.OktaMfa ?? LazyInitializer.EnsureInitialized(ref ownOktaMfa, () => new FalcoOktaMfaCounts());

    public int Next() => Count++;

    /// <summary>The slot of <c>evt.num</c>'s number for the current event, once a rule uses the field; -1 before.</summary>
    public int EventNumberSlot { get; private set; } = -1;

    private long numbered;

    public void UseEventNumber()
    {
        if (EventNumberSlot < 0)
        {
            EventNumberSlot = Next();
        }
    }

    /// <summary>
    /// <c>evt.num</c>: the event's number, from 1, in the order the rule set first read the field on it; kept in the
    /// event's cache so every rule (and the output) of the set gives one event one number.
    /// </summary>
    public long EventNumber(in FalcoEvent e)
    {
        var cache = e.Cache;
        if (cache is not null && cache.States[EventNumberSlot] == FalcoEventCache.Yes)
        {
            return cache.Values[EventNumberSlot].GetInt64();
        }

        var n = Interlocked.Increment(ref numbered);
        if (cache is not null)
        {
            cache.States[EventNumberSlot] = FalcoEventCache.Yes;
            cache.Values[EventNumberSlot] = JsonSerializer.SerializeToElement(n);
        }

        return n;
    }

    /// <summary>The path from the event's root through <paramref name="keys"/>, interned so equal paths share a slot.</summary>
    public FalcoRootPath Path(params IReadOnlyList<string> keys)
    {
        FalcoRootPath? path = null;
        for (var i = 0; i < keys.Count; i++)
        {
            var key = string.Join('\u0000', keys.Take(i + 1));
            if (!paths.TryGetValue(key, out var next))
            {
                next = new FalcoRootPath(path, keys[i], Next());
                paths[key] = next;
            }

            path = next;
        }

        return path ?? throw new ArgumentException("a path needs at least one key", nameof(keys));
    }

    /// <summary>An RFC 6901 JSON pointer, as the json plugin reads it (a leading '/' is optional, ~1 is '/', ~0 is '~').</summary>
    public FalcoRootPath Pointer(string pointer, FalcoSource source)
    {
        var p = pointer.StartsWith('/') ? pointer[1..] : pointer;
        return Path(source.Locate([.. p.Split('/').Select(k => k.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))]));
    }
}

/// <summary>
/// Per-thread memory of the event being evaluated: the 48 rules of a typical file share a dozen macros (kevt, pod,
/// kcreate …) and paths (objectRef/resource, verb …), so each is evaluated or looked up once per event instead of
/// once per rule. Keyed by the <see cref="RuleEvent"/> instance (immutable) and the rule set's slots; a different
/// event or rule set starts afresh. Holds the last event of the thread until the next one.
/// </summary>
internal sealed class FalcoEventCache
{
    public const byte Unknown = 0;
    public const byte Yes = 1;
    public const byte No = 2;

    [ThreadStatic]
    private static FalcoEventCache? current;

    private object? owner;
    private FalcoSlots? slots;

    private FalcoEventCache(int size)
    {
        States = new byte[size];
        Values = new JsonElement[size];
    }

    /// <summary>Per slot: <see cref="Unknown"/>, or for a path found/missing, for a macro true/false.</summary>
    public byte[] States { get; private set; }

    public JsonElement[] Values { get; private set; }

    public static FalcoEventCache For(object owner, FalcoSlots slots)
    {
        var cache = current ??= new FalcoEventCache(Math.Max(64, slots.Count));
        if (ReferenceEquals(cache.owner, owner) && ReferenceEquals(cache.slots, slots))
        {
            return cache;
        }

        if (cache.States.Length < slots.Count)
        {
            cache.States = new byte[slots.Count];
            cache.Values = new JsonElement[slots.Count];
        }
        else
        {
            // Values too, so the thread holds no element of an earlier event's document.
            Array.Clear(cache.States, 0, slots.Count);
            Array.Clear(cache.Values, 0, slots.Count);
        }

        cache.owner = owner;
        cache.slots = slots;
        return cache;
    }
}

/// <summary>A path from the event's root, one key (or array index) past its parent, with its cache slot.</summary>
internal sealed class FalcoRootPath
{
    private readonly FalcoRootPath? parent;
    private readonly byte[] name;
    private readonly int index;
    private readonly int slot;

    /// <summary>The key stands for a Tetragon record's event member, whichever it is (<see cref="FalcoSource.TetragonEventMember"/>).</summary>
    private readonly bool anyEvent;

    public FalcoRootPath(FalcoRootPath? parent, string key, int slot)
    {
        this.parent = parent;
        name = Encoding.UTF8.GetBytes(key);
        index = key.Length > 0 && key.All(char.IsAsciiDigit) && int.TryParse(key, out var i) ? i : -1;
        anyEvent = key == FalcoSource.TetragonEventMember;
        this.slot = slot;
    }

    public bool TryGet(in FalcoEvent e, out JsonElement value)
    {
        var cache = e.Cache;
        if (cache is not null)
        {
            switch (cache.States[slot])
            {
                case FalcoEventCache.Yes:
                    value = cache.Values[slot];
                    return true;
                case FalcoEventCache.No:
                    value = default;
                    return false;
            }
        }

        var found = parent is null ? Step(e.Root, out value) : parent.TryGet(e, out var from) & Step(from, out value);
        if (cache is not null)
        {
            cache.States[slot] = found ? FalcoEventCache.Yes : FalcoEventCache.No;
            cache.Values[slot] = value;
        }

        return found;
    }

    /// <summary>
    /// The array at this path, for a list field to read: every element, or with <paramref name="index"/> 0 or more
    /// (the field's <c>[i]</c> argument) only that one. False when the path is missing or holds no array.
    /// </summary>
    public bool TryGetElements(in FalcoEvent e, out FalcoElements elements, int index = -1)
    {
        if (TryGet(e, out var value) && value.ValueKind == JsonValueKind.Array)
        {
            elements = new FalcoElements(value, index);
            return true;
        }

        elements = default;
        return false;
    }

    private bool Step(JsonElement from, out JsonElement value)
    {
        if (anyEvent && from.ValueKind == JsonValueKind.Object)
        {
            // The export's envelope holds strings beside the event, and two objects of its own.
            foreach (var member in from.EnumerateObject())
            {
                if (member.Value.ValueKind == JsonValueKind.Object && !member.NameEquals("node_labels"u8) && !member.NameEquals("aggregation_info"u8))
                {
                    value = member.Value;
                    return true;
                }
            }

            value = default;
            return false;
        }

        if (from.ValueKind == JsonValueKind.Object)
        {
            return from.TryGetProperty(name, out value);
        }

        if (from.ValueKind == JsonValueKind.Array && index >= 0 && index < from.GetArrayLength())
        {
            value = from[index];
            return true;
        }

        value = default;
        return false;
    }
}

/// <summary>
/// The elements of a JSON array a list field reads: all of them, or with an index (0 or more) only the one at it, none
/// when the array is shorter. Enumerated without allocating, as <see cref="JsonElement.ArrayEnumerator"/> is.
/// </summary>
internal readonly struct FalcoElements(JsonElement array, int index)
{
    public Enumerator GetEnumerator() => new(array.EnumerateArray(), index);

    internal struct Enumerator(JsonElement.ArrayEnumerator items, int index)
    {
        private JsonElement.ArrayEnumerator items = items;
        private int position = -1;

        public JsonElement Current => items.Current;

        public bool MoveNext()
        {
            while (items.MoveNext())
            {
                position++;
                if (index < 0 || position == index)
                {
                    return true;
                }

                if (position > index)
                {
                    return false;
                }
            }

            return false;
        }
    }
}

/// <summary>
/// A test of one extracted value, given as UTF-8 (the string a Falco plugin hands the engine: a JSON string's text,
/// any other JSON value's raw text). Immutable; built once when the rule is compiled.
/// </summary>
internal abstract class FalcoValueTest
{
    public abstract bool Test(ReadOnlySpan<byte> value);
}

internal static class FalcoJson
{
    /// <summary>
    /// The value as the k8saudit plugin extracts it: a string's unescaped text, any other value's JSON text.
    /// Points into the document when the string has no escapes (the usual case), so nothing is allocated.
    /// </summary>
    public static ReadOnlySpan<byte> Utf8(JsonElement e)
    {
        var raw = JsonMarshal.GetRawUtf8Value(e);
        if (e.ValueKind != JsonValueKind.String)
        {
            return raw;
        }

        var inner = raw[1..^1];
        return inner.IndexOf((byte)'\\') < 0 ? inner : Encoding.UTF8.GetBytes(e.GetString()!);
    }

    public static string Text(JsonElement e) => Encoding.UTF8.GetString(Utf8(e));
}

/// <summary>A path of object keys (and array indexes) below some element (a container, a volume), in UTF-8 names.</summary>
internal sealed class FalcoJsonPath
{
    private readonly byte[][] names;
    private readonly int[] indexes;

    public FalcoJsonPath(IReadOnlyList<string> keys)
    {
        names = [.. keys.Select(Encoding.UTF8.GetBytes)];
        indexes = [.. keys.Select(k => k.Length > 0 && k.All(char.IsAsciiDigit) && int.TryParse(k, out var i) ? i : -1)];
    }

    public static FalcoJsonPath Of(params string[] keys) => new(keys);

    public bool TryGet(JsonElement from, out JsonElement value)
    {
        value = from;
        for (var i = 0; i < names.Length; i++)
        {
            if (value.ValueKind == JsonValueKind.Object)
            {
                if (!value.TryGetProperty(names[i], out value))
                {
                    return false;
                }
            }
            else if (value.ValueKind == JsonValueKind.Array && indexes[i] >= 0 && indexes[i] < value.GetArrayLength())
            {
                value = value[indexes[i]];
            }
            else
            {
                value = default;
                return false;
            }
        }

        return true;
    }
}

/// <summary>The value tests behind Falco's operators.</summary>
internal static class FalcoTests
{
    public static FalcoValueTest Always { get; } = new AlwaysTest();

    public static FalcoValueTest Equal(string literal) => Equal(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest Equal(byte[] literal) => new EqualTest(literal);

    public static FalcoValueTest Contains(string literal) => Contains(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest Contains(byte[] literal) => new ContainsTest(literal);

    public static FalcoValueTest IContains(string literal) => IContains(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest IContains(byte[] literal) => new IContainsTest(literal);

    public static FalcoValueTest StartsWith(string literal) => StartsWith(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest StartsWith(byte[] literal) => new StartsWithTest(literal);

    public static FalcoValueTest EndsWith(string literal) => EndsWith(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest EndsWith(byte[] literal) => new EndsWithTest(literal);

    public static FalcoValueTest BContains(byte[] bytes) => new ContainsTest(bytes);

    public static FalcoValueTest BStartsWith(byte[] bytes) => new StartsWithTest(bytes);

    public static FalcoValueTest Set(IEnumerable<string> values) => new SetTest(values);

    public static FalcoValueTest PathPrefix(IEnumerable<string> paths) => new PathPrefixTest(paths);

    public static FalcoValueTest Glob(string pattern, bool ignoreCase) => new GlobTest(pattern, ignoreCase);

    public static FalcoValueTest FullMatch(Regex regex) => new RegexTest(regex);

    public static FalcoValueTest Compare(string op, string literal) => Compare(op, Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest Compare(string op, byte[] literal) => new CompareTest(op, literal);

    /// <summary>Decodes a value to UTF-16 in <paramref name="buffer"/> (rented when <paramref name="stack"/> is too small).</summary>
    private static ReadOnlySpan<char> Chars(ReadOnlySpan<byte> utf8, Span<char> stack, ref char[]? rented)
    {
        var max = Encoding.UTF8.GetMaxCharCount(utf8.Length);
        var buffer = stack;
        if (max > stack.Length)
        {
            rented = ArrayPool<char>.Shared.Rent(max);
            buffer = rented;
        }

        var n = Encoding.UTF8.GetChars(utf8, buffer);
        return buffer[..n];
    }

    /// <summary>An address inside one of <paramref name="networks"/>; a value that is no address is in none.</summary>
    public static FalcoValueTest InNetworks(IReadOnlyList<IPNetwork> networks) => new NetworkTest(networks);

    private sealed class NetworkTest(IReadOnlyList<IPNetwork> networks) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value)
        {
            Span<char> text = stackalloc char[64];
            if (value.Length > text.Length || !IPAddress.TryParse(text[..Encoding.UTF8.GetChars(value, text)], out var address))
            {
                return false;
            }

            foreach (var network in networks)
            {
                if (network.Contains(address))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private sealed class AlwaysTest : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value) => true;
    }

    private sealed class EqualTest(byte[] literal) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value) => value.SequenceEqual(literal);
    }

    private sealed class ContainsTest(byte[] literal) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value) => value.IndexOf(literal) >= 0;
    }

    private sealed class StartsWithTest(byte[] literal) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value) => value.StartsWith(literal);
    }

    private sealed class EndsWithTest(byte[] literal) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value) => value.EndsWith(literal);
    }

    /// <summary>ASCII case-insensitive substring, as libsinsp's <c>icontains</c> (strcasestr).</summary>
    private sealed class IContainsTest(byte[] literal) : FalcoValueTest
    {
        private readonly byte[] lower = [.. literal.Select(FalcoGlob.Lower)];

        public override bool Test(ReadOnlySpan<byte> value)
        {
            for (var i = 0; i + lower.Length <= value.Length; i++)
            {
                var j = 0;
                while (j < lower.Length && FalcoGlob.Lower(value[i + j]) == lower[j])
                {
                    j++;
                }

                if (j == lower.Length)
                {
                    return true;
                }
            }

            return false;
        }

    }

    /// <summary>Membership (<c>in</c>, <c>intersects</c>): a short list, so a length-checked scan beats hashing a span.</summary>
    private sealed class SetTest(IEnumerable<string> values) : FalcoValueTest
    {
        private readonly byte[][] items = [.. values.Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes)];

        public override bool Test(ReadOnlySpan<byte> value)
        {
            foreach (var item in items)
            {
                if (item.Length == value.Length && value.SequenceEqual(item))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// <c>pmatch</c>: the value is one of the paths or lies under one of them. A path may hold glob wildcards
    /// (<c>/var/*/*.txt</c>), which, as falco.org documents, match within one path component and never across a <c>/</c>.
    /// </summary>
    private sealed class PathPrefixTest : FalcoValueTest
    {
        private readonly byte[][] prefixes;
        private readonly byte[][][] globs;

        public PathPrefixTest(IEnumerable<string> paths)
        {
            var trimmed = paths.Select(p => p.Length > 1 ? p.TrimEnd('/') : p).ToList();
            prefixes = [.. trimmed.Where(p => p.IndexOfAny(GlobCharacters) < 0).Select(Encoding.UTF8.GetBytes)];
            globs = [.. trimmed.Where(p => p.IndexOfAny(GlobCharacters) >= 0).Select(p => p.Split('/').Select(Encoding.UTF8.GetBytes).ToArray())];
        }

        private static char[] GlobCharacters { get; } = ['*', '?', '['];

        public override bool Test(ReadOnlySpan<byte> value)
        {
            foreach (var p in prefixes)
            {
                if (value.StartsWith(p) && (value.Length == p.Length || p[^1] == (byte)'/' || value[p.Length] == (byte)'/'))
                {
                    return true;
                }
            }

            return globs.Length > 0 && TestGlobs(value);
        }

        private bool TestGlobs(ReadOnlySpan<byte> value)
        {
            foreach (var glob in globs)
            {
                // Component by component: each glob part against the value's part between the same slashes.
                var all = true;
                var at = 0;
                for (var i = 0; i < glob.Length && all; i++)
                {
                    if (at > value.Length)
                    {
                        all = false;
                        break;
                    }

                    var end = value[at..].IndexOf((byte)'/');
                    all = FalcoGlob.Match(glob[i], end < 0 ? value[at..] : value.Slice(at, end), ignoreCase: false);
                    at = end < 0 ? value.Length + 1 : at + end + 1;
                }

                if (all)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private sealed class GlobTest(string pattern, bool ignoreCase) : FalcoValueTest
    {
        private readonly byte[] pattern = Encoding.UTF8.GetBytes(pattern);

        public override bool Test(ReadOnlySpan<byte> value) => FalcoGlob.Match(pattern, value, ignoreCase);
    }

    /// <summary><c>regex</c>: the whole value must match (RE2 anchored at both ends in libsinsp).</summary>
    private sealed class RegexTest(Regex regex) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value)
        {
            char[]? rented = null;
            try
            {
                return regex.IsMatch(Chars(value, stackalloc char[256], ref rented));
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<char>.Shared.Return(rented);
                }
            }
        }
    }

    /// <summary>
    /// <c>&lt; &lt;= &gt; &gt;=</c>. Every k8saudit field is a string; when the value reads as a number the comparison
    /// is numeric (so a response code of 1000 is above 500), otherwise ordinal.
    /// </summary>
    private sealed class CompareTest : FalcoValueTest
    {
        private readonly string op;
        private readonly byte[] literal;
        private readonly double number;
        private readonly bool numeric;

        public CompareTest(string op, byte[] literal)
        {
            this.op = op;
            this.literal = literal;
            numeric = TryNumber(this.literal, out number);
        }

        public override bool Test(ReadOnlySpan<byte> value)
        {
            var c = numeric && TryNumber(value, out var v) ? v.CompareTo(number) : value.SequenceCompareTo(literal);
            return op switch
            {
                "<" => c < 0,
                "<=" => c <= 0,
                ">" => c > 0,
                _ => c >= 0,
            };
        }

        private static bool TryNumber(ReadOnlySpan<byte> s, out double value)
        {
            if (s.Length > 2 && s[0] == (byte)'0' && (s[1] | 0x20) == (byte)'x')
            {
                var ok = Utf8Parser.TryParse(s[2..], out ulong hex, out var used, 'x') && used == s.Length - 2;
                value = hex;
                return ok;
            }

            return Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length;
        }
    }
}

/// <summary>
/// Shell-style wildcard matching: <c>*</c>, <c>?</c>, <c>[set]</c> with ranges and <c>!</c>/<c>^</c> negation, <c>\</c>
/// escapes. On the value's bytes, as libsinsp's <c>glob</c> and <c>iglob</c> are C's <c>fnmatch</c> (with
/// <c>FNM_CASEFOLD</c> for <c>iglob</c>) in Falco's "C" locale: <c>?</c> takes one byte, and only ASCII letters fold, as
/// for <c>icontains</c> and <c>tolower</c> — <c>iglob "CAFÉ"</c> does not match <c>café</c>.
/// </summary>
internal static class FalcoGlob
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                starP = p++;
                starT = t;
                continue;
            }

            if (p < pattern.Length && Single(pattern, ref p, text[t], ignoreCase))
            {
                t++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>; advances p past it on success.</summary>
    private static bool Single(ReadOnlySpan<byte> pattern, ref int p, byte c, bool ignoreCase)
    {
        var pc = pattern[p];
        if (pc == '?')
        {
            p++;
            return true;
        }

        if (pc == '\\' && p + 1 < pattern.Length)
        {
            if (Same(pattern[p + 1], c, ignoreCase))
            {
                p += 2;
                return true;
            }

            return false;
        }

        if (pc == '[')
        {
            var i = p + 1;
            var negate = i < pattern.Length && pattern[i] is (byte)'!' or (byte)'^';
            if (negate)
            {
                i++;
            }

            var matched = false;
            var first = true;
            while (i < pattern.Length && (first || pattern[i] != ']'))
            {
                first = false;
                var lo = pattern[i];
                if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
                {
                    var hi = pattern[i + 2];
                    var cc = ignoreCase ? Lower(c) : c;
                    matched |= (cc >= (ignoreCase ? Lower(lo) : lo) && cc <= (ignoreCase ? Lower(hi) : hi)) || (c >= lo && c <= hi);
                    i += 3;
                }
                else
                {
                    matched |= Same(lo, c, ignoreCase);
                    i++;
                }
            }

            if (i >= pattern.Length)
            {
                // No closing bracket: '[' is an ordinary character.
                if (c == '[')
                {
                    p++;
                    return true;
                }

                return false;
            }

            if (matched != negate)
            {
                p = i + 1;
                return true;
            }

            return false;
        }

        if (Same(pc, c, ignoreCase))
        {
            p++;
            return true;
        }

        return false;
    }

    private static bool Same(byte a, byte b, bool ignoreCase) =>
        a == b || (ignoreCase && Lower(a) == Lower(b));

    /// <summary>C's <c>tolower</c> in the "C" locale: ASCII letters only.</summary>
    internal static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
}
