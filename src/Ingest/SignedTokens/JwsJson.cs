namespace ZtStream.Ingest.SignedTokens;

/// <summary>
/// The JSON of a signed token's header and payload read strictly: a member named twice in one object is refused
/// (RFC 7515 §5.2, RFC 7519 §4 let a recipient reject it). Parsers disagree on which copy counts — the JWT library and
/// <see cref="JsonDocument"/> take the last, others the first — so a token that says <c>aud</c> twice says two things
/// and is trusted for neither.
/// </summary>
internal static class JwsJson
{
    /// <summary>Duplicated members refused at any depth; depth bounded as the JWT library bounds it.</summary>
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>Why the header or the payload of <paramref name="jwt"/> (a <paramref name="what"/>) is not strict JSON (a member named twice), or null.</summary>
    public static string? Problem(JsonWebToken jwt, string what)
    {
        foreach (var (part, encoded) in new[] { ("header", jwt.EncodedHeader), ("claims", jwt.EncodedPayload) })
        {
            try
            {
                using var document = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encoded), Strict);
            }
            catch (JsonException exception)
            {
                return $"the {what}'s {part} is not strict JSON (RFC 7515 §5.2: a member named twice is refused): {exception.Message}";
            }
        }

        return null;
    }

    // The registered members a JWT library reads as it parses a token, and the JSON each must be (RFC 7515 §4.1, RFC 7519 §4.1).
    private static readonly (string Name, string Shape)[] HeaderMembers = [("alg", "a string"), ("kid", "a string"), ("typ", "a string"), ("cty", "a string")];

    private static readonly (string Name, string Shape)[] ClaimMembers =
        [("iss", "a string"), ("sub", "a string"), ("jti", "a string"), ("aud", "a string or an array of strings"), ("iat", "a number"), ("nbf", "a number"), ("exp", "a number")];

    /// <summary>
    /// Why the compact JWS <paramref name="token"/> (a <paramref name="what"/>) cannot be read, naming the part or the
    /// registered member at fault — the JWT library's own message hides the token and names neither — or null when
    /// neither is (the token is then refused for what the library says).
    /// </summary>
    public static string? ReadProblem(string token, string what)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        foreach (var (part, encoded, members) in new[] { ("header", parts[0], HeaderMembers), ("payload", parts[1], ClaimMembers) })
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encoded), Strict);
            }
            catch (Exception exception) when (exception is JsonException or FormatException or ArgumentException)
            {
                return $"the {what}'s {part} is not base64url-encoded JSON: {exception.Message}";
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return $"the {what}'s {part} must be a JSON object, not {KindOf(root)}";
                }

                foreach (var (name, shape) in members)
                {
                    if (root.TryGetProperty(name, out var value) && !Fits(name, value))
                    {
                        return $"the {what}'s {name} {(part == "header" ? "header" : "claim")} must be {shape}, not {KindOf(value)}";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>What <paramref name="value"/> is, said as its problem needs it: an array by the first item that is no string.</summary>
    private static string KindOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array when value.EnumerateArray().FirstOrDefault(a => a.ValueKind != JsonValueKind.String) is { ValueKind: not JsonValueKind.Undefined } item
            => $"an array holding {KindOf(item)}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static bool Fits(string name, JsonElement value) => name switch
    {
        "aud" => value.ValueKind == JsonValueKind.String
            || (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String)),
        "iat" or "nbf" or "exp" => value.ValueKind == JsonValueKind.Number,
        _ => value.ValueKind == JsonValueKind.String,
    };
}
