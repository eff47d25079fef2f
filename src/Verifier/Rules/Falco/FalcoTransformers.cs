namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// Falco's field transformers (libsinsp <c>sinsp_filter_transformers/</c>): <c>tolower</c>, <c>toupper</c>, <c>b64</c>,
/// <c>basename</c> rewrite each value (each element of a list field); <c>len</c> turns a string into its length in
/// bytes and a list into its number of elements. Applied innermost first.
/// </summary>
internal static class FalcoTransformers
{
    public static IReadOnlyList<string> Names { get; } = ["tolower", "toupper", "b64", "basename", "len"];

    /// <summary>
    /// Binds <paramref name="transformers"/> (outermost first) around <paramref name="field"/>, refusing what libsinsp
    /// refuses: any transformer on the number <c>len</c> gives, and the string transformers on a number field.
    /// </summary>
    public static FalcoField Wrap(FalcoField field, IReadOnlyList<string>? transformers)
    {
        if (transformers is null || transformers.Count == 0)
        {
            // No wrapper at all: a rule without transformers evaluates exactly as before.
            return field;
        }

        var numeric = false;
        var isList = field.IsList;
        var steps = new List<string>(transformers.Count);
        for (var i = transformers.Count - 1; i >= 0; i--)
        {
            var t = transformers[i];
            if (numeric)
            {
                throw new FalcoCompileException($"transformer '{t}' cannot take the number that len() gives: Falco applies it to strings only");
            }

            if (t == "len")
            {
                numeric = true;
                isList = false;
            }

            steps.Add(t);
        }

        return new FalcoTransformedField(FalcoFieldOperand.Render(field.Text, null, transformers), field, [.. steps], isList, numeric);
    }

    /// <summary>
    /// One transformer over one value, into <paramref name="output"/>; false when the value has no result (invalid
    /// base64, which libsinsp treats as the field being unavailable).
    /// </summary>
    public static bool Apply(string transformer, ReadOnlySpan<byte> value, ArrayBufferWriter<byte> output)
    {
        switch (transformer)
        {
            case "tolower":
            case "toupper":
                // libsinsp maps each byte through C tolower/toupper in the "C" locale: ASCII letters only, so 'É'
                // (two UTF-8 bytes) is left as it is.
                var upper = transformer == "toupper";
                var span = output.GetSpan(value.Length);
                for (var i = 0; i < value.Length; i++)
                {
                    var b = value[i];
                    span[i] = upper
                        ? b is >= (byte)'a' and <= (byte)'z' ? (byte)(b & ~0x20) : b
                        : b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
                }

                output.Advance(value.Length);
                return true;
            case "basename":
                var slash = value.LastIndexOf((byte)'/');
                output.Write(value[(slash + 1)..]);
                return true;
            case "b64":
                return DecodeBase64(value, output);
            default:
                throw new InvalidOperationException($"unknown transformer '{transformer}'");
        }
    }

    /// <summary>
    /// Standard base64 as libsinsp decodes it (<c>Base64::decodeWithoutPadding</c>): the padding is optional, any
    /// character outside the alphabet (a blank, '-', '_') fails, one lone trailing character fails, and so do
    /// non-zero bits left over in the last character.
    /// </summary>
    internal static bool DecodeBase64(ReadOnlySpan<byte> input, ArrayBufferWriter<byte> output)
    {
        if (input.IsEmpty)
        {
            return true;
        }

        var n = input.Length;
        if (input[n - 1] == (byte)'=')
        {
            n--;
            if (n > 0 && input[n - 1] == (byte)'=')
            {
                n--;
            }
        }

        if (n == 0 || n % 4 == 1)
        {
            return false;
        }

        var span = output.GetSpan((n * 3 / 4) + 1);
        int written = 0, bits = 0, acc = 0;
        for (var i = 0; i < n; i++)
        {
            var v = Sextet(input[i]);
            if (v < 0)
            {
                return false;
            }

            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                span[written++] = (byte)(acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }

        if (acc != 0)
        {
            return false;
        }

        output.Advance(written);
        return true;
    }

    private static int Sextet(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        _ => -1,
    };
}

/// <summary>
/// A field seen through transformers: reads the inner field's values, transforms each (innermost transformer first)
/// and hands the results to the test. A value that a transformer cannot take (invalid base64) makes the whole field
/// unavailable, as in libsinsp, so both <c>=</c> and <c>!=</c> compare false.
/// </summary>
internal sealed class FalcoTransformedField(string text, FalcoField inner, string[] steps, bool isList, bool numeric) : FalcoField(text, isList)
{
    /// <summary>True when the last transformer is <c>len</c>: the value is a number, which takes only numeric comparisons.</summary>
    public bool IsNumeric { get; } = numeric;

    public override bool Visit(in FalcoEvent e, FalcoValueTest test, bool all, out bool present)
    {
        var values = FalcoValueCollector.Collect(inner, e, out present);
        if (!present)
        {
            return false;
        }

        var buffer = new ArrayBufferWriter<byte>();
        for (var s = 0; s < steps.Length; s++)
        {
            var step = steps[s];
            if (step == "len")
            {
                // A list becomes its count; a string its length in bytes up to the first NUL (strnlen).
                var lengths = new List<byte[]>(inner.IsList && s == 0 ? 1 : values.Count);
                if (inner.IsList && s == 0)
                {
                    lengths.Add(Number(values.Count));
                }
                else
                {
                    foreach (var v in values)
                    {
                        var nul = Array.IndexOf(v, (byte)0);
                        lengths.Add(Number(nul < 0 ? v.Length : nul));
                    }
                }

                values = lengths;
                continue;
            }

            for (var i = 0; i < values.Count; i++)
            {
                buffer.ResetWrittenCount();
                if (!FalcoTransformers.Apply(step, values[i], buffer))
                {
                    present = false;
                    return false;
                }

                values[i] = buffer.WrittenSpan.ToArray();
            }
        }

        var visit = new FalcoVisit(test, all);
        foreach (var v in values)
        {
            if (visit.Offer(v))
            {
                break;
            }
        }

        return visit.Finish(out present);
    }

    private static byte[] Number(int n) => Encoding.ASCII.GetBytes(n.ToString(CultureInfo.InvariantCulture));
}

/// <summary>Every value a field extracts for an event, copied out (transformers and field-to-field comparisons need them whole).</summary>
internal sealed class FalcoValueCollector : FalcoValueTest
{
    private readonly List<byte[]> values = [];

    public static List<byte[]> Collect(FalcoField field, in FalcoEvent e, out bool present)
    {
        var collector = new FalcoValueCollector();

        // Accepting every value with all: true visits them all; present says whether there was one.
        field.Visit(e, collector, all: true, out present);
        return collector.values;
    }

    public override bool Test(ReadOnlySpan<byte> value)
    {
        values.Add(value.ToArray());
        return true;
    }
}
