namespace ZtStream.Platform.Http;

/// <summary>
/// Why one input item was not accepted. <paramref name="Index"/> is the item's position in the request (0 for a
/// request of one item); <paramref name="Field"/> is a dotted path in that item ("$" for the item itself).
/// Problem documents list these under <c>errors</c>, and the SDK reads them to drop exactly the refused items.
/// </summary>
internal sealed record ItemError(int Index, string Field, string Reason)
{
    /// <summary><c>current_version</c> of an item refused as stale, as <see cref="Problem.CurrentVersion"/> is for a request of one.</summary>
    public long? CurrentVersion { get; init; }

    /// <summary>
    /// At most <paramref name="max"/> characters of a value the sender gave, to quote in a reason: enough to recognise
    /// it, without echoing a whole oversized field back.
    /// </summary>
    public static string Clip(string s, int max = 64)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.Length <= max ? s : string.Concat(s.AsSpan(0, max), "…");
    }

    /// <summary>
    /// Why <paramref name="value"/> may not be kept as it is: its first control character (U+0000–U+001F, U+007F–U+009F;
    /// with <paramref name="lines"/>, a tab or a line break is free text's and allowed), as a reason naming it and where it
    /// is; null when it holds none. What is kept is shown again in the console, notifications, logs and terminals (an escape
    /// sequence redraws a terminal, a line break forges a log line), and PostgreSQL refuses a NUL in text, so an id or a
    /// name with one is refused alike on every store and at every way in.
    /// </summary>
    public static string? ControlCharacter(string value, bool lines = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]) && !(lines && value[i] is '\t' or '\n' or '\r'))
            {
                return $"must not hold a control character{(lines ? " other than a tab or a line break" : "")}: U+{(int)value[i]:X4} at position {i}";
            }
        }

        return null;
    }
}
