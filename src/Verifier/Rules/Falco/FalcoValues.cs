using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ZtStream.Verifier.Rules.Falco;

/// <summary>What a compiled Falco condition reads: the audit event's JSON and the event time (for <c>jevt.rawtime</c>).</summary>
internal readonly struct FalcoEvent(JsonElement root, DateTimeOffset time)
{
    public JsonElement Root { get; } = root;

    public DateTimeOffset Time { get; } = time;
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

/// <summary>A path of object keys (and array indexes) resolved once at compile time into UTF-8 names.</summary>
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

    /// <summary>An RFC 6901 JSON pointer, as the json plugin reads it (a leading '/' is optional, ~1 is '/', ~0 is '~').</summary>
    public static FalcoJsonPath FromPointer(string pointer)
    {
        var p = pointer.StartsWith('/') ? pointer[1..] : pointer;
        return new FalcoJsonPath([.. p.Split('/').Select(k => k.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))]);
    }

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

    public static FalcoValueTest Equal(string literal) => new EqualTest(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest Contains(string literal) => new ContainsTest(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest IContains(string literal) => new IContainsTest(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest StartsWith(string literal) => new StartsWithTest(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest EndsWith(string literal) => new EndsWithTest(Encoding.UTF8.GetBytes(literal));

    public static FalcoValueTest BContains(byte[] bytes) => new ContainsTest(bytes);

    public static FalcoValueTest BStartsWith(byte[] bytes) => new StartsWithTest(bytes);

    public static FalcoValueTest Set(IEnumerable<string> values) => new SetTest(values);

    public static FalcoValueTest PathPrefix(IEnumerable<string> paths) => new PathPrefixTest(paths);

    public static FalcoValueTest Glob(string pattern, bool ignoreCase) => new GlobTest(pattern, ignoreCase);

    public static FalcoValueTest FullMatch(Regex regex) => new RegexTest(regex);

    public static FalcoValueTest Compare(string op, string literal) => new CompareTest(op, literal);

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
        private readonly byte[] lower = [.. literal.Select(Lower)];

        public override bool Test(ReadOnlySpan<byte> value)
        {
            for (var i = 0; i + lower.Length <= value.Length; i++)
            {
                var j = 0;
                while (j < lower.Length && Lower(value[i + j]) == lower[j])
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

        private static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
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

    /// <summary><c>pmatch</c>: the value is one of the paths or lies under one of them.</summary>
    private sealed class PathPrefixTest(IEnumerable<string> paths) : FalcoValueTest
    {
        private readonly byte[][] prefixes = [.. paths.Select(p => Encoding.UTF8.GetBytes(p.Length > 1 ? p.TrimEnd('/') : p))];

        public override bool Test(ReadOnlySpan<byte> value)
        {
            foreach (var p in prefixes)
            {
                if (value.StartsWith(p) && (value.Length == p.Length || p[^1] == (byte)'/' || value[p.Length] == (byte)'/'))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary><c>glob</c>/<c>iglob</c>: fnmatch without flags (<c>*</c> also crosses '/').</summary>
    private sealed class GlobTest(string pattern, bool ignoreCase) : FalcoValueTest
    {
        public override bool Test(ReadOnlySpan<byte> value)
        {
            char[]? rented = null;
            try
            {
                return FalcoGlob.Match(pattern, Chars(value, stackalloc char[256], ref rented), ignoreCase);
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

        public CompareTest(string op, string literal)
        {
            this.op = op;
            this.literal = Encoding.UTF8.GetBytes(literal);
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

/// <summary>Shell-style wildcard matching: <c>*</c>, <c>?</c>, <c>[set]</c> with ranges and <c>!</c>/<c>^</c> negation, <c>\</c> escapes.</summary>
internal static class FalcoGlob
{
    public static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
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

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>; advances p past it on success.</summary>
    private static bool Single(ReadOnlySpan<char> pattern, ref int p, char c, bool ignoreCase)
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
            var negate = i < pattern.Length && pattern[i] is '!' or '^';
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
                    var cc = ignoreCase ? char.ToLowerInvariant(c) : c;
                    matched |= (cc >= (ignoreCase ? char.ToLowerInvariant(lo) : lo) && cc <= (ignoreCase ? char.ToLowerInvariant(hi) : hi)) || (c >= lo && c <= hi);
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

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
