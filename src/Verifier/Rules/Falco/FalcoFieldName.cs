namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// Where a Falco field name ends: the one reading of <c>[a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+</c> that both
/// a condition and an output's <c>%field</c> use, so a field an output names is the field a condition would name.
/// </summary>
internal static class FalcoFieldName
{
    /// <summary>The length of the dotted field name at <paramref name="start"/> (two segments at least); 0 when none starts there.</summary>
    public static int Length(string text, int start)
    {
        var i = start;
        var segments = 0;
        while (i < text.Length && char.IsAsciiLetter(text[i]))
        {
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            segments++;
            if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiLetter(text[i + 1]))
            {
                i++;
                continue;
            }

            break;
        }

        return segments < 2 ? 0 : i - start;
    }
}
