using System.Numerics;

namespace ZtStream.Verifier.Rules;

/// <summary>Reading rule YAML with line numbers: scalars, nulls, lists, and YAML → JSON for embedded test events.</summary>
internal static partial class RuleYaml
{
    /// <summary>Parses every document of a file; a syntax error becomes a <see cref="RuleFormatException"/> with its line.</summary>
    public static IReadOnlyList<YamlDocument> Documents(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new RuleFormatException($"not valid YAML: {Message(ex)}", (int)ex.Start.Line);
        }
        catch (InvalidOperationException ex)
        {
            // The YAML scanner fails this way on some malformed input (an unclosed flow sequence): still the file's error, never a crash.
            throw new RuleFormatException($"not valid YAML: {ex.Message}");
        }

        return [.. stream.Documents];
    }

    private static string Message(YamlException ex) => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;

    public static int Line(YamlNode node) => (int)node.Start.Line;

    public static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>
    /// What YAML 1.1 makes of a plain scalar that is text here (YAML 1.2's core schema), when that is something else:
    /// PyYAML, with which pySigma and most Sigma tools load rules, reads <c>yes</c>, <c>no</c>, <c>on</c>, <c>off</c> as
    /// booleans and <c>0x1F</c>, <c>017</c> (octal), <c>0b101</c>, <c>1_000</c>, <c>+12</c>, <c>1:30</c> (base 60),
    /// <c>.5</c> as numbers (its resolver's bool, int and float patterns). Null when both read the scalar alike: quoted,
    /// <c>true</c>, or a number as JSON writes it (which a rule value already equals as a number).
    /// </summary>
    public static Yaml11Value? Yaml11Reading(YamlScalarNode s)
    {
        if (s.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || s.Value is not { Length: > 0 } text || JsonNumber.Grammar().IsMatch(text))
        {
            return null;
        }

        if (Yaml11Bool().IsMatch(text))
        {
            var value = text[0] is 'y' or 'Y' or 't' or 'T' || text.Equals("on", StringComparison.OrdinalIgnoreCase) ? "true" : "false";
            return text.Equals(value, StringComparison.OrdinalIgnoreCase) ? null : new Yaml11Value($"the boolean {value}", value, null);
        }

        var plain = text.Replace("_", "", StringComparison.Ordinal);
        var negative = plain.StartsWith('-');
        var digits = plain.TrimStart('+', '-');
        if (Yaml11Int().IsMatch(text))
        {
            var n = digits.Contains(':') ? Sexagesimal(digits)
                : digits.StartsWith("0b", StringComparison.Ordinal) ? Based(digits[2..], 2)
                : digits.StartsWith("0x", StringComparison.Ordinal) ? Based(digits[2..], 16)
                : digits.Length > 1 && digits[0] == '0' ? Based(digits[1..], 8)
                : BigInteger.Parse(digits, CultureInfo.InvariantCulture);
            var number = (negative ? -n : n).ToString(CultureInfo.InvariantCulture);
            return new Yaml11Value($"the number {number}", number, (double)(negative ? -n : n));
        }

        if (Yaml11Float().IsMatch(text))
        {
            var lower = digits.ToLowerInvariant();
            var d = lower switch
            {
                ".inf" => double.PositiveInfinity,
                ".nan" => double.NaN,
                _ when lower.Contains(':') => (double)Sexagesimal(lower[..lower.IndexOf('.')]) + double.Parse("0" + lower[lower.IndexOf('.')..], CultureInfo.InvariantCulture),
                _ => double.Parse(lower, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            d = negative ? -d : d;
            return double.IsFinite(d)
                ? new Yaml11Value($"the number {d.ToString("R", CultureInfo.InvariantCulture)}", d.ToString("R", CultureInfo.InvariantCulture), d)
                : new Yaml11Value($"the float {d.ToString(CultureInfo.InvariantCulture)}", null, d);
        }

        return null;
    }

    private static BigInteger Based(string digits, int radix)
    {
        var n = BigInteger.Zero;
        foreach (var c in digits)
        {
            n = (n * radix) + Convert.ToInt32(c.ToString(), 16);
        }

        return n;
    }

    private static BigInteger Sexagesimal(string digits)
    {
        var n = BigInteger.Zero;
        foreach (var part in digits.Split(':'))
        {
            n = (n * 60) + BigInteger.Parse(part, CultureInfo.InvariantCulture);
        }

        return n;
    }

    // PyYAML's implicit resolvers (yaml/resolver.py) for tag:yaml.org,2002:bool, int and float.
    [GeneratedRegex(@"\A(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Yaml11Bool();

    [GeneratedRegex(@"\A(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Yaml11Int();

    [GeneratedRegex(@"\A(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\z", RegexOptions.CultureInvariant)]
    private static partial Regex Yaml11Float();

    public static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>
    /// The name of a map's key, which must be one of <paramref name="known"/>; else an error on its line, naming the
    /// <paramref name="what"/> and listing what <paramref name="holder"/> has. Every reader of a rule format checks its
    /// maps' keys this way, so a typo is never read as "not set".
    /// </summary>
    public static string KnownKey(YamlNode key, IReadOnlyCollection<string> known, string what, string holder = "it")
    {
        var name = (key as YamlScalarNode)?.Value ?? "";
        return known.Contains(name)
            ? name
            : throw new RuleFormatException($"unknown {what} '{name}' ({holder} has {string.Join(", ", known)})", Line(key));
    }

    /// <summary>A scalar's text; null for a missing or null value; an error for a list or map.</summary>
    public static string? Text(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (IsNull(node))
        {
            return null;
        }

        return node is YamlScalarNode s ? s.Value : throw new RuleFormatException($"'{key}' must be a single value", Line(node!));
    }

    /// <summary>A scalar or a list of scalars as a list; empty when missing.</summary>
    public static List<string> Strings(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        if (IsNull(node))
        {
            return [];
        }

        if (node is YamlScalarNode s)
        {
            return [s.Value ?? ""];
        }

        if (node is YamlSequenceNode seq)
        {
            var list = new List<string>();
            foreach (var item in seq.Children)
            {
                list.Add(item is YamlScalarNode x ? x.Value ?? "" : throw new RuleFormatException($"'{key}' must be a list of values", Line(item)));
            }

            return list;
        }

        throw new RuleFormatException($"'{key}' must be a value or a list of values", Line(node!));
    }

    public static bool? Bool(YamlMappingNode map, string key)
    {
        var text = Text(map, key);
        if (text is null)
        {
            return null;
        }

        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new RuleFormatException($"'{key}' must be true or false (is '{text}')", Line(Get(map, key)!)),
        };
    }

    /// <summary>Durations as <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c> or <c>hh:mm:ss</c>, positive, of at most ten years.</summary>
    public static TimeSpan? Duration(YamlMappingNode map, string key)
    {
        var text = Text(map, key);
        if (text is null)
        {
            return null;
        }

        if (!Durations.TryParse(text, out var value, out var problem))
        {
            throw new RuleFormatException($"'{key}' must be a duration such as 30s, 5m, 2h or 1d: '{text}' {problem}", Line(Get(map, key)!));
        }

        // 1e-9s reads, and rounds to no time at all: a window nothing fits in.
        return value > TimeSpan.Zero
            ? value
            : throw new RuleFormatException($"'{key}' must be a positive duration such as 30s, 5m, 2h or 1d (is '{text}')", Line(Get(map, key)!));
    }

    /// <summary>Writes a YAML node as JSON: plain scalars that read as numbers, booleans or null become those; everything else strings.</summary>
    public static byte[] ToJson(YamlNode node)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            var budget = MaxJsonValues;
            Write(w, node, 0, ref budget);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Values one test event may hold once aliases are followed: an alias is one node in the file but written out in
    /// full each time, so aliases of lists of aliases (a "billion laughs") would fill memory from a few lines.
    /// </summary>
    private const int MaxJsonValues = 100_000;

    private static void Write(Utf8JsonWriter w, YamlNode node, int depth, ref int budget)
    {
        if (--budget < 0)
        {
            throw new RuleFormatException($"a test event holds more than {MaxJsonValues} values (aliases repeating aliases multiply)", Line(node));
        }

        // What System.Text.Json reads by default (JsonReaderOptions.MaxDepth), so every reader of the event takes it;
        // the writer would fail at 1,000 with an exception that is not the file's error.
        const int MaxDepth = 64;
        if (depth >= MaxDepth && node is YamlMappingNode or YamlSequenceNode)
        {
            throw new RuleFormatException($"a test event nests deeper than {MaxDepth} levels", Line(node));
        }

        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    w.WritePropertyName(k is YamlScalarNode ks ? ks.Value ?? "" : throw new RuleFormatException("a map key must be a value", Line(k)));
                    Write(w, v, depth + 1, ref budget);
                }

                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children)
                {
                    Write(w, item, depth + 1, ref budget);
                }

                w.WriteEndArray();
                break;
            case YamlScalarNode s:
                var value = s.Value ?? "";
                if (s.Style is ScalarStyle.Plain or ScalarStyle.Any)
                {
                    if (IsNull(s))
                    {
                        w.WriteNullValue();
                        break;
                    }

                    if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                    {
                        w.WriteBooleanValue(value[0] is 't' or 'T');
                        break;
                    }

                    if (JsonNumber.Grammar().IsMatch(value))
                    {
                        // As written: a test's event is what the source would send (12.0 stays 12.0, and
                        // 12345678901234567890 must not come back as 1.2345678901234567E+19).
                        w.WriteRawValue(value);
                        break;
                    }

                    if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                    {
                        w.WriteNumberValue(l);
                        break;
                    }

                    if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] == '-') && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                    {
                        w.WriteNumberValue(d);
                        break;
                    }
                }

                w.WriteStringValue(value);
                break;
            default:
                throw new RuleFormatException("YAML aliases are not supported in rule files", Line(node));
        }
    }
}

/// <summary>A plain scalar as YAML 1.1 reads it: what it is, how JSON or a rule writes that (none for .inf and .nan), and its number.</summary>
internal sealed record Yaml11Value(string Description, string? Spelling, double? Number);
