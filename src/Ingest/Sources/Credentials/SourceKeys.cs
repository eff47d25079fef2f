namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>
/// Source API keys: 256 random bits, shown once, stored only as their SHA-256. A fast hash is enough here
/// because the key is random and long (nothing to brute-force, unlike a password).
/// </summary>
internal static class SourceKeys
{
    public const string Prefix = "zts_";

    /// <summary>Shortest key accepted from a key file: below this a key is guessable.</summary>
    public const int MinKeyLength = 24;

    /// <summary>Longest bearer value worth hashing; anything longer cannot be a key.</summary>
    public const int MaxKeyLength = 128;

    public static string NewKey()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        return Prefix + System.Buffers.Text.Base64Url.EncodeToString(random);
    }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Compares two hashes in time that does not depend on where they differ.</summary>
    public static bool HashesEqual(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    /// <summary>Source names: 1–64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}
