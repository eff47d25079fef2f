namespace ZtStream.Responder.Notifications.Targets;

/// <summary>
/// The generic webhook's signature: header <c>ZtStream-Signature: t=UNIX_SECONDS,v1=HEX</c> where HEX is
/// HMAC-SHA256(secret, "UNIX_SECONDS." + body) in lowercase hex. The timestamp inside the signed text lets a receiver
/// refuse old replays; the body is signed byte for byte as sent.
/// </summary>
internal static class WebhookSignature
{
    public const string Header = "ZtStream-Signature";
    public const string DeliveryHeader = "ZtStream-Delivery";
    public const string EventHeader = "ZtStream-Event";

    public static string Sign(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var seconds = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={seconds},v1={Compute(secret, seconds, body)}";
    }

    /// <summary>
    /// What a receiver does (docs/operations.md shows it in other languages): parse t and v1, recompute, compare in
    /// constant time, and refuse a timestamp further than <paramref name="tolerance"/> from now.
    /// </summary>
    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        string? t = null, v1 = null;
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var (name, value) = (part[..eq].Trim(), part[(eq + 1)..].Trim());
            if (name == "t")
            {
                t = value;
            }
            else if (name == "v1")
            {
                v1 = value;
            }
        }

        if (t is null || v1 is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, t, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(v1));
    }

    private static string Compute(string secret, string seconds, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(seconds + "."));
        hmac.AppendData(body);
        return Convert.ToHexString(hmac.GetHashAndReset()).ToLowerInvariant();
    }
}
