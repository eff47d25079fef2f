namespace ZtStream.Ingest.Sources;

/// <summary>
/// An id for records their vendor sends without one (Falco's own output; an identity provider's record without its id,
/// <see cref="Identity.IdentityEvent"/>): a digest of what identifies the record, so the same record delivered twice (a
/// retried post) keeps its id and downstream de-duplication works.
/// </summary>
internal static class DerivedIds
{
    /// <summary><paramref name="prefix"/> and 32 hex digits of the SHA-256 of the parts (a missing part counts as empty).</summary>
    public static string Of(string prefix, params string?[] parts)
    {
        var text = string.Join('\u001f', parts.Select(p => p ?? string.Empty));
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        return prefix + Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>
    /// An id within <paramref name="maxLength"/> characters: past it, its head, "…" and a digest of the whole, so two long
    /// ids that share their head stay two.
    /// </summary>
    public static string Bounded(string id, int maxLength) =>
        id.Length <= maxLength ? id : Of(ItemError.Clip(id, maxLength - DigestLength - 1), id);

    /// <summary>The hex digits <see cref="Of"/> appends.</summary>
    private const int DigestLength = 32;
}
