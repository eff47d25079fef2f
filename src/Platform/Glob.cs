namespace ZtStream.Platform;

/// <summary><c>*</c> matches any run of characters; everything else is literal.</summary>
/// <remarks>
/// Patterns come from configuration, values from events anyone may send: matching takes at most pattern × value steps
/// (one pass that moves back only to the last <c>*</c>), never the exponential time of trying every split.
/// </remarks>
internal static class Glob
{
    public static bool IsMatch(string pattern, string value) => IsMatch(pattern.AsSpan(), value.AsSpan());

    private static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> value)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                // Let the star match nothing for now; on a mismatch later it takes one more character.
                star = p++;
                resume = v;
            }
            else if (p < pattern.Length && pattern[p] == value[v])
            {
                p++;
                v++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
