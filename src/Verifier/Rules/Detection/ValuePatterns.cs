using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// A Sigma string value with its wildcards (<c>*</c> any run, <c>?</c> one character, <c>\</c> escaping them), matched
/// case-insensitively unless <c>cased</c>. Compiled to equality, prefix, suffix or substring where the wildcards allow.
/// A lone <c>*</c> matches any present, non-null value (objects and lists included).
/// </summary>
internal sealed class TextPattern : ILeafTest
{
    private readonly Kind kind;
    private readonly string literal;
    private readonly Part[] parts;
    private readonly StringComparison comparison;
    private readonly byte[]? asciiLiteral;
    private readonly bool cased;

    private TextPattern(Kind kind, string literal, Part[] parts, bool cased, string shown)
    {
        this.kind = kind;
        this.literal = literal;
        this.parts = parts;
        this.cased = cased;
        comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        Shown = shown;
        asciiLiteral = kind is Kind.Exact or Kind.StartsWith or Kind.EndsWith && System.Text.Ascii.IsValid(literal) ? System.Text.Encoding.ASCII.GetBytes(literal) : null;
    }

    private enum Kind
    {
        Exact,
        StartsWith,
        EndsWith,
        Contains,
        AnyValue,
        Glob,
    }

    /// <summary>The value as written (for messages).</summary>
    public string Shown { get; }

    /// <summary>The literal text of an exact match (no wildcards), else null. Used to index rules by event kind.</summary>
    public string? ExactLiteral => kind == Kind.Exact ? literal : null;

    /// <summary>Compiles a Sigma value; <paramref name="anchor"/> adds the wildcards of contains/startswith/endswith.</summary>
    public static TextPattern Compile(string value, bool cased, bool wildStart = false, bool wildEnd = false)
    {
        var list = new List<Part>();
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '*' or '?' or '\\')
            {
                sb.Append(value[++i]);
                continue;
            }

            if (c is '*' or '?')
            {
                if (sb.Length > 0)
                {
                    list.Add(new Part(PartKind.Literal, sb.ToString()));
                    sb.Clear();
                }

                list.Add(new Part(c == '*' ? PartKind.Star : PartKind.One, ""));
                continue;
            }

            sb.Append(c);
        }

        if (sb.Length > 0)
        {
            list.Add(new Part(PartKind.Literal, sb.ToString()));
        }

        if (wildStart && (list.Count == 0 || list[0].Kind != PartKind.Star))
        {
            list.Insert(0, new Part(PartKind.Star, ""));
        }

        if (wildEnd && (list.Count == 0 || list[^1].Kind != PartKind.Star))
        {
            list.Add(new Part(PartKind.Star, ""));
        }

        // Collapse runs of stars.
        for (var i = list.Count - 1; i > 0; i--)
        {
            if (list[i].Kind == PartKind.Star && list[i - 1].Kind == PartKind.Star)
            {
                list.RemoveAt(i);
            }
        }

        var parts = list.ToArray();
        return parts switch
        {
            [] => new TextPattern(Kind.Exact, "", parts, cased, value),
            [{ Kind: PartKind.Literal } only] => new TextPattern(Kind.Exact, only.Text, parts, cased, value),
            [{ Kind: PartKind.Star }] => new TextPattern(Kind.AnyValue, "", parts, cased, value),
            [{ Kind: PartKind.Literal } head, { Kind: PartKind.Star }] => new TextPattern(Kind.StartsWith, head.Text, parts, cased, value),
            [{ Kind: PartKind.Star }, { Kind: PartKind.Literal } tail] => new TextPattern(Kind.EndsWith, tail.Text, parts, cased, value),
            [{ Kind: PartKind.Star }, { Kind: PartKind.Literal } mid, { Kind: PartKind.Star }] => new TextPattern(Kind.Contains, mid.Text, parts, cased, value),
            _ => new TextPattern(Kind.Glob, "", parts, cased, value),
        };
    }

    public bool TryTestUtf8(ReadOnlySpan<byte> utf8, out bool result)
    {
        if (kind == Kind.AnyValue)
        {
            result = true;
            return true;
        }

        if (asciiLiteral is not { } lit)
        {
            result = false;
            return false;
        }

        // An ASCII literal equals, starts or ends a UTF-8 text only where those bytes are the same ASCII bytes.
        var slice = kind switch
        {
            Kind.Exact => utf8,
            Kind.StartsWith => utf8.Length >= lit.Length ? utf8[..lit.Length] : default,
            _ => utf8.Length >= lit.Length ? utf8[^lit.Length..] : default,
        };
        if (kind != Kind.Exact && utf8.Length < lit.Length)
        {
            result = false;
            return true;
        }

        result = slice.Length == lit.Length && (cased ? slice.SequenceEqual(lit) : System.Text.Ascii.EqualsIgnoreCase(slice, lit));
        return true;
    }

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        if (kind == Kind.AnyValue)
        {
            return leaf.Kind != LeafKind.Null;
        }

        if (!leaf.IsScalar)
        {
            return false;
        }

        var t = leaf.Text;
        return kind switch
        {
            Kind.Exact => t.Equals(literal, comparison),
            Kind.StartsWith => t.StartsWith(literal, comparison),
            Kind.EndsWith => t.EndsWith(literal, comparison),
            Kind.Contains => t.Contains(literal, comparison),
            _ => Glob(t, 0),
        };
    }

    private bool Glob(ReadOnlySpan<char> t, int p)
    {
        while (p < parts.Length)
        {
            var part = parts[p];
            switch (part.Kind)
            {
                case PartKind.Literal:
                    if (!t.StartsWith(part.Text, comparison))
                    {
                        return false;
                    }

                    t = t[part.Text.Length..];
                    p++;
                    break;
                case PartKind.One:
                    if (t.IsEmpty)
                    {
                        return false;
                    }

                    t = t[1..];
                    p++;
                    break;
                default:
                    if (p == parts.Length - 1)
                    {
                        return true;
                    }

                    for (var skip = 0; skip <= t.Length; skip++)
                    {
                        if (Glob(t[skip..], p + 1))
                        {
                            return true;
                        }
                    }

                    return false;
            }
        }

        return t.IsEmpty;
    }

    private enum PartKind
    {
        Literal,
        Star,
        One,
    }

    private readonly record struct Part(PartKind Kind, string Text);
}

/// <summary>Any of several tests (a Sigma list of values: OR).</summary>
internal sealed class AnyOfTests(ILeafTest[] tests) : ILeafTest
{
    public bool TryTestUtf8(ReadOnlySpan<byte> utf8, out bool result)
    {
        foreach (var t in tests)
        {
            if (!t.TryTestUtf8(utf8, out var one))
            {
                result = false;
                return false;
            }

            if (one)
            {
                result = true;
                return true;
            }
        }

        result = false;
        return true;
    }

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        foreach (var t in tests)
        {
            if (t.Test(leaf, e))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A null value: matches JSON null (a missing field is handled by the field item).</summary>
internal sealed class NullTest : ILeafTest
{
    public static readonly NullTest Instance = new();

    public bool Test(scoped in Leaf leaf, RuleEvent e) => leaf.Kind == LeafKind.Null;
}

/// <summary>The <c>re</c> modifier: a regular expression, case-sensitive unless <c>re|i</c>.</summary>
internal sealed class RegexTest(Regex regex) : ILeafTest
{
    public static RegexTest Compile(string pattern, bool ignoreCase, bool multiline, bool singleline)
    {
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : 0) | (multiline ? RegexOptions.Multiline : 0) | (singleline ? RegexOptions.Singleline : 0);
        try
        {
            // Linear-time matching: a rule file can never make scoring an event slow.
            return new RegexTest(new Regex(pattern, options | RegexOptions.NonBacktracking));
        }
        catch (NotSupportedException)
        {
            try
            {
                return new RegexTest(new Regex(pattern, options, TimeSpan.FromMilliseconds(50)));
            }
            catch (ArgumentException ex)
            {
                throw new RuleFormatException($"regular expression '{pattern}' is not valid: {ex.Message}");
            }
        }
        catch (ArgumentException ex)
        {
            throw new RuleFormatException($"regular expression '{pattern}' is not valid: {ex.Message}");
        }
    }

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        if (!leaf.IsScalar)
        {
            return false;
        }

        try
        {
            return regex.IsMatch(leaf.Text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

/// <summary>The <c>cidr</c> modifier: the value is an IP address inside the network (IPv4 or IPv6; IPv4-mapped addresses count as IPv4).</summary>
internal sealed class CidrTest(IPNetwork network) : ILeafTest
{
    public static CidrTest Compile(string value) =>
        IPNetwork.TryParse(value, out var n) ? new CidrTest(n) : throw new RuleFormatException($"'{value}' is not a CIDR network (e.g. 10.0.0.0/8, fd00::/8)");

    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        if (leaf.Kind != LeafKind.String || !IPAddress.TryParse(leaf.Text, out var ip))
        {
            return false;
        }

        if (ip.IsIPv4MappedToIPv6 && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            ip = ip.MapToIPv4();
        }

        return network.Contains(ip);
    }
}

/// <summary>Numeric comparison: <c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c> (and equality after a time part).</summary>
internal sealed class NumberTest(string op, double value, string? timePart = null) : ILeafTest
{
    public bool Test(scoped in Leaf leaf, RuleEvent e)
    {
        double x;
        if (timePart is not null)
        {
            if (leaf.Kind != LeafKind.String || !DateTimeOffset.TryParse(leaf.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            {
                return false;
            }

            x = timePart switch
            {
                "minute" => t.Minute,
                "hour" => t.Hour,
                "day" => t.Day,
                "week" => ISOWeek.GetWeekOfYear(t.UtcDateTime),
                "month" => t.Month,
                _ => t.Year,
            };
        }
        else if (leaf.Kind is not (LeafKind.Number or LeafKind.String) || !double.TryParse(leaf.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out x))
        {
            return false;
        }

        return op switch
        {
            "gt" => x > value,
            "gte" => x >= value,
            "lt" => x < value,
            "lte" => x <= value,
            _ => x == value,
        };
    }
}

/// <summary>The <c>fieldref</c> modifier: the value equals a value of another field of the same event.</summary>
internal sealed class FieldRefTest(FieldPath other, bool cased) : ILeafTest
{
    public bool Test(scoped in Leaf leaf, RuleEvent e) =>
        leaf.IsScalar && other.Any(e, TextPattern.Compile(Escape(leaf.Text), cased), null);

    private static string Escape(ReadOnlySpan<char> s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c is '*' or '?' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
