namespace ZtStream.Responder.Notifications.Targets;

/// <summary>
/// Text from monitored traffic as a person should read it: characters that show nothing or turn the text after them
/// around (controls, bidi embeddings, overrides, isolates and marks, zero-width and joiner characters, fillers, tag
/// characters) are written as <c>⟨U+202E⟩</c>, so a principal <c>alice\u202Etxt.exe</c> cannot pass for
/// <c>aliceexe.txt</c> and <c>ad\u200Bmin</c> does not read as <c>admin</c> in a chat or an email (the set is
/// <see cref="HiddenCharacters"/>). The console shows the same set the same way (wwwroot/console.js <c>visible</c>, with
/// tables from <see cref="Console.VisibleTextScript"/>); the generic webhook, for machines, gets the text as stored.
/// </summary>
internal static class VisibleText
{
    /// <summary>
    /// <paramref name="text"/> with each hidden character written as <c>⟨U+XXXX⟩</c>; the same string when it has none. A
    /// variation selector is hidden only where it varies nothing (<see cref="HiddenCharacters.IsHiddenAfter"/>): <c>葛</c>
    /// U+845B U+E0100 and <c>❤</c> U+2764 U+FE0F show as text, <c>admin</c> U+FE0F does not.
    /// </summary>
    public static string Of(string text)
    {
        StringBuilder? shown = null;
        Span<char> units = stackalloc char[2];
        var previous = -1;
        var at = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (HiddenCharacters.IsHiddenAfter(previous, rune.Value))
            {
                (shown ??= new StringBuilder(text.Length + 16).Append(text, 0, at)).Append(CultureInfo.InvariantCulture, $"\u27E8U+{rune.Value:X4}\u27E9");
            }
            else
            {
                shown?.Append(units[..rune.EncodeToUtf16(units)]);
            }

            previous = rune.Value;
            at += rune.Utf16SequenceLength;
        }

        return shown?.ToString() ?? text;
    }

    /// <summary>
    /// Every string in <paramref name="node"/> (a chat or paging message being built) through <see cref="Of"/>, except
    /// the values of <paramref name="verbatim"/> properties (links, routing and dedup keys), which must stay as they are.
    /// A string with nothing hidden keeps its node; one with something hidden is replaced by a new one.
    /// </summary>
    public static JsonNode Within(JsonNode node, params string[] verbatim)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is not null && !verbatim.Contains(name, StringComparer.Ordinal) && Within(value, verbatim) is var shownValue && !ReferenceEquals(shownValue, value))
                    {
                        obj[name] = shownValue;
                    }
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item && Within(item, verbatim) is var shownItem && !ReferenceEquals(shownItem, item))
                    {
                        array[i] = shownItem;
                    }
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                var shown = Of(text);
                return ReferenceEquals(shown, text) ? value : JsonValue.Create(shown);
            default:
                return node;
        }
    }
}
