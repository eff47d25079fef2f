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
}
