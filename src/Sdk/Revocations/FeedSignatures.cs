using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ZtStream.Sdk.Revocations;

/// <summary>A feed message that must not be applied: unsigned, badly signed, by an unknown key, for someone else, replayed or stale.</summary>
internal sealed class FeedMessageRefusedException(string message) : Exception(message);

/// <summary>
/// What a verified feed message says: when it was issued, the version it speaks for, and its object's JSON, read from
/// the payload without a copy (empty for a keep-alive).
/// </summary>
internal readonly record struct FeedClaims(DateTimeOffset IssuedAt, long Version, ReadOnlyMemory<byte> Body);

/// <summary>
/// The public keys the feed is pinned to (a JWKS, RFC 7517) and the check of one signed message against them: a JWS in
/// compact serialisation (RFC 7515 §7.1) with <c>alg</c> ES256 only (never <c>none</c>, never an algorithm named by the
/// message alone), a <c>kid</c> among the pinned keys, <c>typ</c> <see cref="RevocationFeed.TokenType"/>, no
/// <c>crit</c>, and a signature over the first two parts; then its claims: issuer, audience, kind, issue time within
/// <c>StaleAfter</c> of now either way.
/// </summary>
internal sealed class FeedSignatures : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;

    private FeedSignatures(Dictionary<string, ECDsa> keys) => _keys = keys;

    /// <summary>The key ids held.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>
    /// Reads a JWKS: every EC P-256 key with a <c>kid</c> (and, when it says, <c>use</c> <c>sig</c> and <c>alg</c> ES256)
    /// is taken, others are skipped. Throws <see cref="FormatException"/> naming what is wrong when none is usable.
    /// </summary>
    public static FeedSignatures Parse(string jwks)
    {
        using var document = JsonDocument.Parse(jwks);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("it is not a JWKS (an object with a \"keys\" array)");
        }

        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var jwk in list.EnumerateArray())
        {
            if (jwk.ValueKind == JsonValueKind.Object
                && Text(jwk, "kty") == "EC" && Text(jwk, "crv") == "P-256" && Text(jwk, "kid") is { Length: > 0 } kid
                && Text(jwk, "use") is null or "sig" && Text(jwk, "alg") is null or "ES256"
                && Decode(Text(jwk, "x")) is { Length: 32 } x && Decode(Text(jwk, "y")) is { Length: 32 } y
                && !keys.ContainsKey(kid))
            {
                try
                {
                    keys[kid] = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
                }
                catch (CryptographicException)
                {
                    // Not a point on the curve: skipped like any key that cannot verify ES256.
                }
            }
        }

        return keys.Count > 0
            ? new FeedSignatures(keys)
            : throw new FormatException("it holds no usable key (EC P-256 with a kid, for ES256 signatures)");
    }

    /// <summary>
    /// Verifies one message of kind <paramref name="evt"/> and returns its claims; throws
    /// <see cref="FeedMessageRefusedException"/> saying why it is refused.
    /// </summary>
    public FeedClaims Verify(string jws, string evt, ZtStreamRevocationOptions options, DateTimeOffset now) =>
        Verify(Encoding.UTF8.GetBytes(jws), evt, options, now);

    /// <summary>
    /// As <see cref="Verify(string, string, ZtStreamRevocationOptions, DateTimeOffset)"/>, on the message's bytes, which it
    /// overwrites: once the signature over them is verified, the payload is decoded over its own base64url text, so a
    /// snapshot is held once as its bytes — not beside a decoded copy of three quarters of its size — and the claims'
    /// <see cref="FeedClaims.Body"/> lies in <paramref name="jws"/>. Nothing is decoded or read before the signature verifies.
    /// </summary>
    public FeedClaims Verify(Memory<byte> jws, string evt, ZtStreamRevocationOptions options, DateTimeOffset now)
    {
        var encoded = jws[VerifySignature(jws.Span)];
        var payload = !IsBase64Url(encoded.Span) ? throw Refused("its JWS payload is not base64url") : encoded[..Base64Url.DecodeFromUtf8InPlace(encoded.Span)];
        var claims = ReadClaims(payload, evt);
        if (claims.Issuer != options.Issuer)
        {
            throw Refused($"issuer '{claims.Issuer}' is not {ZtStreamOptions.SectionName}:Revocations:Issuer '{options.Issuer}'");
        }

        if (!claims.Audiences.Contains(options.Audience))
        {
            throw Refused($"audience does not include {ZtStreamOptions.SectionName}:Revocations:Audience '{options.Audience}'");
        }

        if (claims.Event != evt)
        {
            throw Refused($"it is a signed '{claims.Event}' sent as '{evt}'");
        }

        if (claims.IssuedAt is not { } iatSeconds || claims.Version is not { } version)
        {
            throw Refused("iat or ver is missing or not a whole number");
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(iatSeconds, -62135596800, 253402300799));
        var age = now - issuedAt;
        if (age.Duration() > options.StaleAfter)
        {
            throw Refused(age > TimeSpan.Zero
                ? $"issued {age.TotalSeconds:0} s ago, longer than {ZtStreamOptions.SectionName}:Revocations:StaleAfter ({options.StaleAfter}): replayed or held back"
                : $"issued {-age.TotalSeconds:0} s in the future: the clocks differ by more than {ZtStreamOptions.SectionName}:Revocations:StaleAfter");
        }

        return new FeedClaims(issuedAt, version, claims.Body);
    }

    /// <summary>The claims of a payload, read member by member; the member named <paramref name="evt"/> is kept as its JSON.</summary>
    private static (string? Issuer, List<string> Audiences, string? Event, long? IssuedAt, long? Version, ReadOnlyMemory<byte> Body) ReadClaims(ReadOnlyMemory<byte> payload, string evt)
    {
        string? issuer = null, kind = null;
        long? issuedAt = null, version = null;
        var audiences = new List<string>();
        var body = ReadOnlyMemory<byte>.Empty;
        try
        {
            var reader = new Utf8JsonReader(payload.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Refused("its payload is not a JSON object");
            }

            // As in a JSON document, a member given twice counts by its last value.
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "iss":
                        issuer = String(ref reader);
                        break;
                    case "aud":
                        audiences.Clear();
                        if (reader.TokenType == JsonTokenType.StartArray)
                        {
                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            {
                                if (String(ref reader) is { } one)
                                {
                                    audiences.Add(one);
                                }
                            }
                        }
                        else if (String(ref reader) is { } only)
                        {
                            audiences.Add(only);
                        }

                        break;
                    case RevocationFeed.EventClaim:
                        kind = String(ref reader);
                        break;
                    case "iat":
                        issuedAt = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var iat) ? iat : null;
                        break;
                    case RevocationFeed.VersionClaim:
                        version = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var ver) ? ver : null;
                        break;
                    case var _ when name == evt:
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        body = payload.Slice(start, (int)reader.BytesConsumed - start);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            throw Refused("its payload is not a JSON object");
        }

        return (issuer, audiences, kind, issuedAt, version, body);
    }

    private static string? String(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>RFC 7515 §5.2: the checks of the protected header and the signature; returns where the encoded payload is.</summary>
    private Range VerifySignature(ReadOnlySpan<byte> jws)
    {
        var first = jws.IndexOf((byte)'.');
        var second = first < 0 ? -1 : jws[(first + 1)..].IndexOf((byte)'.') is var at and >= 0 ? first + 1 + at : -1;
        if (first <= 0 || second < 0 || jws[(second + 1)..].IndexOf((byte)'.') >= 0)
        {
            throw Refused("it is not signed (not a JWS in compact serialisation)");
        }

        if (second == jws.Length - 1)
        {
            throw Refused("it is not signed (the JWS has no signature)");
        }

        var headerBytes = Decode(jws[..first]) ?? throw Refused("its JWS header is not base64url");
        using (var header = Parse(headerBytes, "JWS header"))
        {
            var h = header.RootElement;
            if (Text(h, "alg") != "ES256")
            {
                throw Refused($"alg '{Text(h, "alg")}' is not ES256");
            }

            if (h.TryGetProperty("crit", out _))
            {
                throw Refused("its JWS header has crit: no extension is understood");
            }

            if (!string.Equals(Text(h, "typ"), RevocationFeed.TokenType, StringComparison.OrdinalIgnoreCase))
            {
                throw Refused($"typ '{Text(h, "typ")}' is not {RevocationFeed.TokenType}");
            }

            if (Text(h, "kid") is not { } kid || !_keys.TryGetValue(kid, out var key))
            {
                throw Refused($"kid '{Text(h, "kid")}' is not among {ZtStreamOptions.SectionName}:Revocations:SigningKeys");
            }

            if (!Es256Verifies(key, jws))
            {
                throw Refused("its signature does not verify");
            }
        }

        return (first + 1)..second;
    }

    /// <summary>
    /// RFC 7518 §3.4: the signature (the last part) is R and S, 32 bytes each, over the ASCII of the first two parts —
    /// not the DER encoding .NET and others produce by default, which is refused.
    /// </summary>
    internal static bool Es256Verifies(ECDsa key, string jws) => Es256Verifies(key, Encoding.UTF8.GetBytes(jws));

    private static bool Es256Verifies(ECDsa key, ReadOnlySpan<byte> jws)
    {
        var last = jws.LastIndexOf((byte)'.');
        return last > 0
            && Decode(jws[(last + 1)..]) is { Length: 64 } signature
            && key.VerifyData(jws[..last], signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static JsonDocument Parse(byte[] json, string what)
    {
        try
        {
            var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }

        throw Refused($"its {what} is not a JSON object");
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Base64url without padding (RFC 7515 §2); null when it is not.</summary>
    private static byte[]? Decode(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Contains('=') || !Base64Url.IsValid(text))
        {
            return null;
        }

        return Base64Url.DecodeFromChars(text);
    }

    private static byte[]? Decode(ReadOnlySpan<byte> utf8) => IsBase64Url(utf8) ? Base64Url.DecodeFromUtf8(utf8) : null;

    /// <summary>Base64url without padding (RFC 7515 §2), not empty.</summary>
    private static bool IsBase64Url(ReadOnlySpan<byte> utf8) => !utf8.IsEmpty && !utf8.Contains((byte)'=') && Base64Url.IsValid(utf8);

    private static byte[]? Decode(string? text) => text is null ? null : Decode(text.AsSpan());

    private static FeedMessageRefusedException Refused(string why) => new(why);

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}
