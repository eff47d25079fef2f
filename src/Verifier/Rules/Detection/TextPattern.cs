using System.Buffers;

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

    // An exact value in JSON's number grammar: a record's JSON number of the same value equals it, whatever its spelling.
    private readonly decimal? number;
    private readonly bool integer;

    // The runs of parts between stars, in order (the first before any star, the last after every star; one run when
    // there is no star), each with the characters it takes: worked out once, not per text.
    private readonly Run[] runs;

    private TextPattern(Kind kind, string literal, Part[] parts, bool cased)
    {
        this.kind = kind;
        this.literal = literal;
        this.parts = parts;
        runs = RunsOf(parts);
        this.cased = cased;
        comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        number = kind == Kind.Exact && JsonNumber.Grammar().IsMatch(literal) && decimal.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;
        integer = number is not null && !literal.AsSpan().ContainsAny(FractionOrExponent);
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
            [] => new TextPattern(Kind.Exact, "", parts, cased),
            [{ Kind: PartKind.Literal } only] => new TextPattern(Kind.Exact, only.Text, parts, cased),
            [{ Kind: PartKind.Star }] => new TextPattern(Kind.AnyValue, "", parts, cased),
            [{ Kind: PartKind.Literal } head, { Kind: PartKind.Star }] => new TextPattern(Kind.StartsWith, head.Text, parts, cased),
            [{ Kind: PartKind.Star }, { Kind: PartKind.Literal } tail] => new TextPattern(Kind.EndsWith, tail.Text, parts, cased),
            [{ Kind: PartKind.Star }, { Kind: PartKind.Literal } mid, { Kind: PartKind.Star }] => new TextPattern(Kind.Contains, mid.Text, parts, cased),
            _ => new TextPattern(Kind.Glob, "", parts, cased),
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

        if (!leaf.TryMatchText(out var t))
        {
            return false;
        }

        return kind switch
        {
            Kind.Exact => t.Equals(literal, comparison) || (leaf.Kind == LeafKind.Number && SameNumber(t)),
            Kind.StartsWith => t.StartsWith(literal, comparison),
            Kind.EndsWith => t.EndsWith(literal, comparison),
            Kind.Contains => t.Contains(literal, comparison),
            _ => Glob(t),
        };
    }

    /// <summary>
    /// Sigma's numbers are numbers: a rule's <c>12</c> is the record's <c>12.0</c> or <c>1.2e1</c>, its <c>1.50</c> the
    /// record's <c>1.5</c>. Compared as decimals (28 digits), so two long integers that one double holds stay apart.
    /// </summary>
    private bool SameNumber(ReadOnlySpan<char> t)
    {
        if (number is not { } n)
        {
            return false;
        }

        // JSON spells an integer one way (no leading zero, no plus): two that differ as text differ as numbers, but for
        // 0 and -0. Only a fraction or an exponent on either side needs the parse, which a rule pays per event.
        if (integer && !t.ContainsAny(FractionOrExponent))
        {
            return n == 0 && t is "0" or "-0";
        }

        return decimal.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x == n;
    }

    private static readonly SearchValues<char> FractionOrExponent = SearchValues.Create(".eE");

    /// <summary>
    /// The general case, in at most text × pattern steps: the run before the first <c>*</c> must start the text, the run
    /// after the last must end it, and each run between two stars is placed at its leftmost fit after the previous one
    /// (leftmost is never worse, as every run takes a fixed number of characters). Trying every split of the text between
    /// the stars instead took exponential time on a text that nearly matches, and rules meet texts anyone may send.
    /// A character is a code point: <c>?</c> takes a surrogate pair (an emoji, a rare CJK ideograph) whole, and a run
    /// starts only where a character does.
    /// </summary>
    private bool Glob(ReadOnlySpan<char> t)
    {
        if (runs.Length == 1)
        {
            return EndOf(t, 0, runs[0]) == t.Length;
        }

        var (head, tail) = (runs[0], runs[^1]);
        var at = EndOf(t, 0, head);
        if (at < 0)
        {
            return false;
        }

        // Where the last run starts, so that it ends the text: its ?s make its length in chars one of a few.
        var end = -1;
        for (var from = t.Length - tail.Length; from >= Math.Max(at, t.Length - tail.Length - tail.Ones) && end < 0; from--)
        {
            if (StartsCharacter(t, from) && EndOf(t, from, tail) == t.Length)
            {
                end = from;
            }
        }

        if (end < 0)
        {
            return false;
        }

        t = t[..end];
        for (var i = 1; i < runs.Length - 1; i++)
        {
            var next = EndOf(t, at, runs[i]);
            while (next < 0 && at + runs[i].Length < t.Length)
            {
                at += char.IsSurrogatePair(t[at], t[at + 1]) ? 2 : 1;
                next = EndOf(t, at, runs[i]);
            }

            if (next < 0)
            {
                return false;
            }

            at = next;
        }

        return true;
    }

    private static bool StartsCharacter(ReadOnlySpan<char> t, int at) =>
        at == 0 || at == t.Length || !char.IsSurrogatePair(t[at - 1], t[at]);

    private static Run[] RunsOf(Part[] parts)
    {
        var runs = new List<Run>();
        var from = 0;
        var length = 0;
        var ones = 0;
        for (var i = 0; i <= parts.Length; i++)
        {
            if (i == parts.Length || parts[i].Kind == PartKind.Star)
            {
                runs.Add(new Run(from, i, length, ones));
                (from, length, ones) = (i + 1, 0, 0);
            }
            else if (parts[i].Kind == PartKind.One)
            {
                length++;
                ones++;
            }
            else
            {
                length += parts[i].Text.Length;
            }
        }

        return [.. runs];
    }

    /// <summary>Where <paramref name="run"/> ends when it matches <paramref name="t"/> from <paramref name="at"/>; -1 when it does not.</summary>
    private int EndOf(ReadOnlySpan<char> t, int at, Run run)
    {
        for (var i = run.From; i < run.To; i++)
        {
            if (parts[i].Kind == PartKind.Literal)
            {
                var text = parts[i].Text;
                if (at + text.Length > t.Length || !t.Slice(at, text.Length).Equals(text, comparison))
                {
                    return -1;
                }

                at += text.Length;
            }
            else if (at < t.Length)
            {
                at += at + 1 < t.Length && char.IsSurrogatePair(t[at], t[at + 1]) ? 2 : 1;
            }
            else
            {
                return -1;
            }
        }

        return at;
    }

    private enum PartKind
    {
        Literal,
        Star,
        One,
    }

    private readonly record struct Part(PartKind Kind, string Text);

    /// <summary>
    /// Parts [<see cref="From"/>, <see cref="To"/>), none a star, taking at least <see cref="Length"/> chars: one more
    /// for each of its <see cref="Ones"/> <c>?</c>s that meets a surrogate pair.
    /// </summary>
    private readonly record struct Run(int From, int To, int Length, int Ones);
}
