namespace ZtStream.Responder.Api;

/// <summary>
/// The <c>Idempotency-Key</c> request header (draft-ietf-httpapi-idempotency-key-header): an Item Structured Field
/// (RFC 8941) whose value is a String, <c>Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"</c>. Parsed as RFC 8941
/// section 4.2 parses an Item, except that parameters are refused, since the draft defines none and a key that means
/// something else with them must not be taken for the same key without.
/// </summary>
internal static class IdempotencyKeyHeader
{
    public const string Name = "Idempotency-Key";

    /// <summary>The most characters a key may have: a UUID has 36; the bound keeps what the store holds per key small.</summary>
    public const int MaxLength = 255;

    /// <summary>The key the header's field lines hold, or why they hold none (the reason of a 400 naming the header).</summary>
    public static (string? Key, string? Problem) Parse(StringValues lines)
    {
        // Field lines are combined with ", " before parsing (RFC 8941 4.2): two lines are a List, never one Item.
        var input = lines.Count == 1 ? lines[0] ?? "" : string.Join(", ", lines.ToArray());
        var at = 0;
        while (at < input.Length && input[at] == ' ')
        {
            at++;
        }

        if (at == input.Length || input[at] != '"')
        {
            return (null, "must be one Structured Field String: the key in double quotes, such as \"8e03978e-40d5-43e8-bc93-6894a57f9324\"");
        }

        var key = new StringBuilder();
        for (at++; ; at++)
        {
            if (at == input.Length)
            {
                return (null, "the String has no closing double quote");
            }

            var c = input[at];
            if (c == '"')
            {
                at++;
                break;
            }

            if (c == '\\')
            {
                if (++at == input.Length || input[at] is not ('"' or '\\'))
                {
                    return (null, "a backslash in a String may only escape a double quote or a backslash");
                }

                c = input[at];
            }
            else if (c is < ' ' or > '~')
            {
                return (null, "a String holds printable ASCII only (no control or non-ASCII characters)");
            }

            key.Append(c);
        }

        if (at < input.Length && input[at] == ';')
        {
            return (null, "takes no parameters: send the key alone");
        }

        while (at < input.Length && input[at] == ' ')
        {
            at++;
        }

        if (at < input.Length)
        {
            return (null, "must be one String and nothing after it (the header sent once)");
        }

        return key.Length switch
        {
            0 => (null, "the key is empty"),
            > MaxLength => (null, $"the key has {key.Length} characters; at most {MaxLength} are taken"),
            _ => (key.ToString(), null),
        };
    }
}
