using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace ZtStream.Sdk.Tests.Revocations;

/// <summary>
/// The SDK's check of one signed feed message, against RFC 7515 (JWS), RFC 7518 §3.4 (ES256) and RFC 8725 (explicit
/// typing, no algorithm chosen by the message). Messages are built here byte by byte, not by the Responder's signer, so a
/// mistake shared by both sides cannot pass.
/// </summary>
public sealed class FeedSignaturesTests
{
    // RFC 7515 Appendix A.3: the ES256 example key and its compact JWS.
    private const string RfcX = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    private const string RfcY = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    private const string RfcD = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
    private const string RfcJws = "eyJhbGciOiJFUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static readonly ZtStreamRevocationOptions Options = new() { StaleAfter = TimeSpan.FromSeconds(30) };

    private static string Jwks(params (string Kid, string X, string Y)[] keys) =>
        new JsonObject { ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = k.Kid, ["x"] = k.X, ["y"] = k.Y })]) }.ToJsonString();

    private static ECDsa RfcKey() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = Base64Url.DecodeFromChars(RfcX), Y = Base64Url.DecodeFromChars(RfcY) },
        D = Base64Url.DecodeFromChars(RfcD),
    });

    private static string B64(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    private static JsonObject Claims(string evt = RevocationFeed.KeepAliveEventName, long ver = 7, DateTimeOffset? iat = null) => new()
    {
        ["iss"] = RevocationFeed.DefaultIssuer,
        ["aud"] = RevocationFeed.DefaultAudience,
        ["iat"] = (iat ?? Now).ToUnixTimeSeconds(),
        ["ver"] = ver,
        ["evt"] = evt,
    };

    /// <summary>A compact JWS of <paramref name="claims"/> under <paramref name="header"/>, signed as RFC 7518 §3.4 says (or DER-encoded).</summary>
    private static string Sign(JsonObject claims, JsonObject? header = null, ECDsa? key = null, bool der = false)
    {
        header ??= new JsonObject { ["alg"] = "ES256", ["typ"] = RevocationFeed.TokenType, ["kid"] = "rfc" };
        var input = B64(header.ToJsonString()) + "." + B64(claims.ToJsonString());
        using var own = key is null ? RfcKey() : null;
        var signature = (key ?? own!).SignData(
            Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, der ? DSASignatureFormat.Rfc3279DerSequence : DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    private static FeedSignatures RfcKeys() => FeedSignatures.Parse(Jwks(("rfc", RfcX, RfcY)));

    private static string Refusal(string jws, string evt = RevocationFeed.KeepAliveEventName, DateTimeOffset? now = null)
    {
        using var keys = RfcKeys();
        return Assert.Throws<FeedMessageRefusedException>(() => keys.Verify(jws, evt, Options, now ?? Now)).Message;
    }

    [Fact]
    public void Es256_Rfc7515AppendixA3_Verifies_AndOneChangedPayloadByteDoesNot()
    {
        using var key = RfcKey();
        Assert.True(FeedSignatures.Es256Verifies(key, RfcJws));

        var tampered = RfcJws.Replace(".eyJpc3MiOiJqb2Ui", ".eyJpc3MiOiJqb2Ul", StringComparison.Ordinal);
        Assert.NotEqual(RfcJws, tampered);
        Assert.False(FeedSignatures.Es256Verifies(key, tampered));
    }

    [Fact]
    public void Rfc7515AppendixA3_ValidlySignedButUntyped_IsRefused_NotTakenForAFeedMessage()
    {
        // Its signature is good, but nothing says it is a feed message (RFC 8725 §3.11): a token of another kind signed
        // by the same key must not become a revocation.
        Assert.Contains("typ", Refusal(RfcJws), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ASignedKeepAlive_GivesItsIssueTimeAndVersion()
    {
        using var keys = RfcKeys();
        var claims = keys.Verify(Sign(Claims(ver: 42, iat: Now.AddSeconds(-5))), RevocationFeed.KeepAliveEventName, Options, Now);
        Assert.Equal((Now.AddSeconds(-5), 42L), (claims.IssuedAt, claims.Version));
    }

    [Fact]
    public void Verify_TypCaseInsensitive_AndAudienceInAnArray_Accepted()
    {
        using var keys = RfcKeys();
        var claims = Claims();
        claims["aud"] = new JsonArray("someone-else", RevocationFeed.DefaultAudience);
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = "ZtStream-Feed+JWT", ["kid"] = "rfc" };
        Assert.Equal(7, keys.Verify(Sign(claims, header), RevocationFeed.KeepAliveEventName, Options, Now).Version);
    }

    public static TheoryData<string, string> Forgeries()
    {
        var good = Sign(Claims());
        var parts = good.Split('.');
        var unsecured = B64("""{"alg":"none","typ":"ztstream-feed+jwt","kid":"rfc"}""") + "." + parts[1] + ".";
        using var hmacKey = new HMACSHA256(Encoding.ASCII.GetBytes(Jwks(("rfc", RfcX, RfcY))));
        var hsInput = B64("""{"alg":"HS256","typ":"ztstream-feed+jwt","kid":"rfc"}""") + "." + parts[1];
        var hs256 = hsInput + "." + Base64Url.EncodeToString(hmacKey.ComputeHash(Encoding.ASCII.GetBytes(hsInput)));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new TheoryData<string, string>
        {
            { "plain JSON, the signature dropped", """{"version":7,"jti":"x","revoked_at":"2026-12-02T10:00:00Z"}""" },
            { "header and payload only", parts[0] + "." + parts[1] },
            { "RFC 7515 A.5 unsecured JWS (alg none)", unsecured },
            { "HS256 keyed with the public JWKS (algorithm confusion)", hs256 },
            { "a DER signature instead of R||S", Sign(Claims(), der: true) },
            { "signed by a key not pinned, claiming a pinned kid", Sign(Claims(), key: stranger) },
            { "payload changed after signing", parts[0] + "." + B64(Claims(ver: 8).ToJsonString()) + "." + parts[2] },
            { "header with crit", Sign(Claims(), new JsonObject { ["alg"] = "ES256", ["typ"] = RevocationFeed.TokenType, ["kid"] = "rfc", ["crit"] = new JsonArray("exp"), ["exp"] = 1 }) },
            { "unknown kid", Sign(Claims(), new JsonObject { ["alg"] = "ES256", ["typ"] = RevocationFeed.TokenType, ["kid"] = "retired" }) },
            { "base64 with padding", parts[0] + "=." + parts[1] + "." + parts[2] },
            { "four parts", good + ".x" },
        };
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public void Verify_AForgedOrMalformedMessage_IsRefused(string what, string jws)
    {
        Assert.False(string.IsNullOrEmpty(Refusal(jws)), what);
    }

    [Fact]
    public void Verify_WrongIssuerOrAudience_Refused_NamingTheSetting()
    {
        var otherIssuer = Claims();
        otherIssuer["iss"] = "urn:ztstream:staging";
        Assert.Contains("Revocations:Issuer", Refusal(Sign(otherIssuer)), StringComparison.Ordinal);

        var otherAudience = Claims();
        otherAudience["aud"] = "urn:ztstream:staging-feed";
        Assert.Contains("Revocations:Audience", Refusal(Sign(otherAudience)), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_IssuedLongerThanStaleAfterAgo_OrAsFarAhead_Refused()
    {
        Assert.Contains("StaleAfter", Refusal(Sign(Claims(iat: Now.AddSeconds(-31)))), StringComparison.Ordinal);
        Assert.Contains("future", Refusal(Sign(Claims(iat: Now.AddSeconds(31)))), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ASignedEntrySentUnderAnotherEventName_Refused()
    {
        Assert.Contains("sent as", Refusal(Sign(Claims(evt: RevocationFeed.EventName)), RevocationFeed.LiftEventName), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RotationJwks_VerifiesWithEitherKey_AndSkipsKeysItCannotUse()
    {
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = next.ExportParameters(false).Q;
        var jwks = JsonNode.Parse(Jwks(("rfc", RfcX, RfcY), ("next", Base64Url.EncodeToString(q.X), Base64Url.EncodeToString(q.Y))))!.AsObject();
        jwks["keys"]!.AsArray().Add(new JsonObject { ["kty"] = "RSA", ["kid"] = "rsa", ["n"] = "AQAB", ["e"] = "AQAB" });
        using var keys = FeedSignatures.Parse(jwks.ToJsonString());

        Assert.Equal(["next", "rfc"], keys.KeyIds.Order());
        var byNext = Sign(Claims(), new JsonObject { ["alg"] = "ES256", ["typ"] = RevocationFeed.TokenType, ["kid"] = "next" }, next);
        Assert.Equal(7, keys.Verify(byNext, RevocationFeed.KeepAliveEventName, Options, Now).Version);
        Assert.Equal(7, keys.Verify(Sign(Claims()), RevocationFeed.KeepAliveEventName, Options, Now).Version);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"keys":[]}""")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-384","kid":"a","x":"AA","y":"AA"}]}""")]
    [InlineData("""{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}""")]
    public void Parse_NoUsableKey_SaysSo(string jwks)
    {
        Assert.Throws<FormatException>(() => FeedSignatures.Parse(jwks));
    }

    /// <summary>
    /// A signed snapshot is held once: its content is decoded over its own base64url text once the signature verified, so
    /// verifying allocates next to nothing beside the bytes that came (a decoded copy was three quarters of them: a 60 MB
    /// snapshot was 105 MB held at once), and the snapshot object read lies in those bytes.
    /// </summary>
    [Fact]
    public void Verify_ALargeSnapshotsBytes_DecodesItsContentOverThem_WithoutACopy()
    {
        using var keys = RfcKeys();
        var snapshot = new StringBuilder("{\"version\":7,\"revocations\":[");
        for (var i = 1; snapshot.Length < 8 * 1024 * 1024; i++)
        {
            snapshot.Append(i == 1 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"version\":{i},\"jti\":\"jti-{i:D12}\",\"revoked_at\":\"2026-12-01T09:00:00Z\",\"reason\":\"token replayed from another workload\"}}");
        }

        var claims = Claims(RevocationFeed.SnapshotEventName);
        claims[RevocationFeed.SnapshotEventName] = JsonNode.Parse(snapshot.Append("]}").ToString());
        var jws = Encoding.ASCII.GetBytes(Sign(claims));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var verified = keys.Verify(jws, RevocationFeed.SnapshotEventName, Options, Now);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < jws.Length / 100, $"verifying {jws.Length} bytes allocated {allocated}");
        Assert.True(MemoryMarshal.TryGetArray(verified.Body, out var segment) && ReferenceEquals(segment.Array, jws), "the content is not in the message's bytes");
        Assert.Equal(JsonNode.Parse(snapshot.ToString())!.ToJsonString(), Encoding.UTF8.GetString(verified.Body.Span));
    }
}
