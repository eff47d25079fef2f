namespace ZtStream.Responder.Console;

/// <summary>
/// <c>/console/visible-text.js</c>: the tables console.js's <c>visible</c> writes hidden characters out by, made from
/// <see cref="HiddenCharacters"/> itself when first asked for, so the console and the notifications
/// (<see cref="Notifications.Targets.VisibleText"/>) decide every character alike and there is no second copy to drift.
/// </summary>
internal static class VisibleTextScript
{
    public const string Path = "visible-text.js";

    private static readonly Lazy<string> Script = new(Write);

    public static string Text => Script.Value;

    private static string Write()
    {
        // Every code point is asked once; the variation selectors are asked by run, each run's bases with its first
        // selector, since HiddenCharacters.Varies decides a whole range of selectors alike.
        var hidden = Runs(c => HiddenCharacters.IsHidden(c) && !HiddenCharacters.IsVariationSelector(c));
        var selectors = Runs(HiddenCharacters.IsVariationSelector);
        var script = new StringBuilder("""
            // Made by the Responder from src/Platform/HiddenCharacters.cs (Responder/Console/VisibleTextScript.cs); not a copy.
            // HIDDEN_CHARACTERS: first and last of each run of characters hidden wherever they are. VARIATION_SELECTORS: each
            // run of selectors, first and last, and the first and last of each run of characters it varies.

            """);
        script.Append("const HIDDEN_CHARACTERS = [").AppendJoin(',', hidden).Append("];\nconst VARIATION_SELECTORS = [");
        for (var i = 0; i < selectors.Count; i += 2)
        {
            var first = selectors[i];
            script.Append(i == 0 ? "\n" : ",\n").Append(CultureInfo.InvariantCulture, $"  [{first},{selectors[i + 1]},[")
                .AppendJoin(',', Runs(c => HiddenCharacters.Varies(c, first))).Append("]]");
        }

        return script.Append("\n];\n").ToString();
    }

    /// <summary>The code points <paramref name="holds"/> holds (surrogates aside) as first and last of each run.</summary>
    public static List<int> Runs(Func<int, bool> holds)
    {
        var runs = new List<int>();
        for (var c = 0; c <= 0x10FFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF || !holds(c))
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1] == c - 1)
            {
                runs[^1] = c;
            }
            else
            {
                runs.Add(c);
                runs.Add(c);
            }
        }

        return runs;
    }
}
