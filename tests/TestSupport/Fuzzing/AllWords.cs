namespace ZtStream.TestSupport.Fuzzing;

/// <summary>Every word over a small alphabet up to a length: the whole input space of a matcher's small cases, for an oracle to check.</summary>
public static class AllWords
{
    /// <summary>The empty word, then every word of length 1 to <paramref name="maxLength"/> over <paramref name="alphabet"/>.</summary>
    public static List<string> Over(string alphabet, int maxLength)
    {
        var words = new List<string> { "" };
        var last = new List<string> { "" };
        for (var length = 1; length <= maxLength; length++)
        {
            last = [.. last.SelectMany(w => alphabet.Select(c => w + c))];
            words.AddRange(last);
        }

        return words;
    }
}
