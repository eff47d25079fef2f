namespace ZtStream.Contracts.Identity;

/// <summary>
/// Unicode Normalization Form C (UAX #15) and the width mapping of RFC 8264, from tables of this assembly's own
/// (<c>UnicodeTables.g.cs</c>, written by <c>tools/unicode-tables.py</c>): ZtStream runs with
/// <c>InvariantGlobalization</c>, where <see cref="string.Normalize()"/> returns its input unchanged. Code points the
/// tables' Unicode version does not assign are kept as they are.
/// </summary>
internal static partial class UnicodeTables
{
    private const int HangulBase = 0xAC00, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int LeadCount = 19, VowelCount = 21, TrailCount = 28, SyllableCount = LeadCount * VowelCount * TrailCount;

    /// <summary>The code point's <c>&lt;wide&gt;</c> or <c>&lt;narrow&gt;</c> decomposition, else itself.</summary>
    public static int Width(int codePoint)
    {
        if (codePoint < 0x3000)
        {
            return codePoint;
        }

        var at = WidthVariants.BinarySearch(codePoint);
        return at >= 0 ? WidthMapped[at] : codePoint;
    }

    /// <summary><paramref name="codePoints"/> in Normalization Form C: fully decomposed, canonically ordered, composed.</summary>
    public static List<int> Nfc(List<int> codePoints)
    {
        var decomposed = new List<int>(codePoints.Count + 4);
        foreach (var codePoint in codePoints)
        {
            Decompose(codePoint, decomposed);
        }

        Reorder(decomposed);
        return Compose(decomposed);
    }

    private static void Decompose(int codePoint, List<int> into)
    {
        var s = codePoint - HangulBase;
        if (s is >= 0 and < SyllableCount)
        {
            into.Add(LeadBase + (s / (VowelCount * TrailCount)));
            into.Add(VowelBase + (s % (VowelCount * TrailCount) / TrailCount));
            if (s % TrailCount != 0)
            {
                into.Add(TrailBase + (s % TrailCount));
            }

            return;
        }

        var at = codePoint < 0xC0 ? -1 : DecompositionKeys.BinarySearch(codePoint);
        if (at < 0)
        {
            into.Add(codePoint);
            return;
        }

        foreach (var part in Decompositions[DecompositionStarts[at]..DecompositionStarts[at + 1]])
        {
            into.Add(part);
        }
    }

    /// <summary>The canonical ordering algorithm: a stable sort of each run of non-starters by combining class.</summary>
    private static void Reorder(List<int> codePoints)
    {
        for (var i = 1; i < codePoints.Count; i++)
        {
            var ccc = CombiningClass(codePoints[i]);
            if (ccc == 0)
            {
                continue;
            }

            for (var j = i; j > 0 && CombiningClass(codePoints[j - 1]) > ccc; j--)
            {
                (codePoints[j - 1], codePoints[j]) = (codePoints[j], codePoints[j - 1]);
            }
        }
    }

    /// <summary>The canonical composition algorithm: each character joins the last starter unless blocked from it.</summary>
    private static List<int> Compose(List<int> decomposed)
    {
        var result = new List<int>(decomposed.Count);
        var starter = -1;
        var lastClass = 0;
        foreach (var codePoint in decomposed)
        {
            var ccc = CombiningClass(codePoint);
            if (starter >= 0 && (result.Count - 1 == starter || (lastClass != 0 && lastClass < ccc))
                && Composite(result[starter], codePoint) is { } composite)
            {
                result[starter] = composite;
                continue;
            }

            if (ccc == 0)
            {
                starter = result.Count;
            }

            lastClass = ccc;
            result.Add(codePoint);
        }

        return result;
    }

    private static int? Composite(int first, int second)
    {
        // Hangul: a leading consonant and a vowel make an LV syllable, an LV syllable and a trailing consonant an LVT one.
        if (first is >= LeadBase and < LeadBase + LeadCount && second is >= VowelBase and < VowelBase + VowelCount)
        {
            return HangulBase + ((((first - LeadBase) * VowelCount) + (second - VowelBase)) * TrailCount);
        }

        var s = first - HangulBase;
        if (s is >= 0 and < SyllableCount && s % TrailCount == 0 && second is > TrailBase and < TrailBase + TrailCount)
        {
            return first + (second - TrailBase);
        }

        var at = CompositionPairs.BinarySearch(((long)first << 21) | (uint)second);
        return at >= 0 ? Composites[at] : null;
    }

    private static int CombiningClass(int codePoint)
    {
        if (codePoint < 0x300)
        {
            return 0;
        }

        var ranges = CombiningClasses;
        int low = 0, high = (ranges.Length / 3) - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (codePoint < ranges[mid * 3])
            {
                high = mid - 1;
            }
            else if (codePoint > ranges[(mid * 3) + 1])
            {
                low = mid + 1;
            }
            else
            {
                return ranges[(mid * 3) + 2];
            }
        }

        return 0;
    }
}
