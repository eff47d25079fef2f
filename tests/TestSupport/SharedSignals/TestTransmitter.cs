using Microsoft.IdentityModel.JsonWebTokens;

namespace ZtStream.TestSupport.SharedSignals;

/// <summary>
/// A Shared Signals transmitter for tests, on loopback: it signs SETs with its own RSA key, publishes the key at
/// <see cref="JwksUri"/>, and serves an RFC 8936 poll endpoint at <see cref="PollUri"/> (bearer <see cref="PollSecret"/>)
/// that hands out queued SETs until they are acknowledged, recording every ack and error it is sent.
/// </summary>
public sealed class TestTransmitter : IAsyncDisposable
{
    public const string PollSecret = "poll-secret-0123456789";
    public const string SessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
    public const string CredentialCompromise = "https://schemas.openid.net/secevent/risc/event-type/credential-compromise";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, string> pollQueue = new(StringComparer.Ordinal);
    private readonly object keyLock = new();
    private RSA key = RSA.Create(2048);
    private string keyId = "test-key-1";
    private int fetches;
    private int polls;

    private TestTransmitter(WebApplication app, string issuer)
    {
        this.app = app;
        Issuer = issuer;
    }

    public string Issuer { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public Uri JwksUri => new(BaseAddress, "/jwks.json");

    public Uri PollUri => new(BaseAddress, "/poll");

    public string KeyId => keyId;

    /// <summary>The <c>use</c> the JWKS gives the key (RFC 7517 §4.2).</summary>
    public string KeyUse { get; set; } = "sig";

    /// <summary>The <c>alg</c> the JWKS gives the key (RFC 7517 §4.4).</summary>
    public string KeyAlgorithm { get; set; } = SecurityAlgorithms.RsaSha256;

    /// <summary>The <c>Cache-Control</c> the JWKS is served with (none when null), as Google serves its keys with a max-age.</summary>
    public string? JwksCacheControl { get; set; }

    /// <summary>How many times the JWKS was fetched.</summary>
    public int JwksFetches => Volatile.Read(ref fetches);

    /// <summary>Every jti the receiver acknowledged in a poll.</summary>
    public ConcurrentQueue<string> Acknowledged { get; } = new();

    /// <summary>Every SET the receiver reported as refused in a poll: jti → err.</summary>
    public ConcurrentDictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>SETs queued for polling and not acknowledged yet.</summary>
    public int Pending => pollQueue.Count;

    /// <summary>How many polls it answered (or began to).</summary>
    public int Polls => Volatile.Read(ref polls);

    /// <summary>Answers every queued SET, whatever <c>maxEvents</c> the receiver asked for (a transmitter that ignores it).</summary>
    public bool IgnoreMaxEvents { get; set; }

    /// <summary>Says <c>moreAvailable: true</c> in every answer, whatever is queued.</summary>
    public bool AlwaysMoreAvailable { get; set; }

    /// <summary>How many of the next polls are answered a few bytes at a time, a tenth of a second apart (a trickle).</summary>
    public int TricklePolls { get; set; }

    public static async Task<TestTransmitter> StartAsync(string issuer = "https://idp.test/tenant-1/")
    {
        var builder = LoopbackApp.CreateBuilder();
        var app = builder.Build();
        var transmitter = new TestTransmitter(app, issuer);
        app.MapGet("/jwks.json", (HttpContext context) =>
        {
            Interlocked.Increment(ref transmitter.fetches);
            if (transmitter.JwksCacheControl is { } cacheControl)
            {
                context.Response.Headers.CacheControl = cacheControl;
            }

            return Results.Text(transmitter.Jwks(), "application/json");
        });
        app.MapPost("/poll", (Func<HttpContext, Task<IResult>>)transmitter.PollAsync);
        transmitter.BaseAddress = await LoopbackApp.StartAsync(app);
        return transmitter;
    }

    /// <summary>The claims of a SET: one event of <paramref name="eventType"/> about <paramref name="subject"/>.</summary>
    public JsonObject Claims(string audience, string eventType, JsonObject subject, JsonObject? payload = null, string? jti = null, DateTimeOffset? issuedAt = null) => new()
    {
        ["iss"] = Issuer,
        ["jti"] = jti ?? Guid.NewGuid().ToString("N"),
        ["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        ["aud"] = audience,
        ["sub_id"] = subject,
        ["events"] = new JsonObject { [eventType] = payload ?? new JsonObject { ["event_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() } },
    };

    /// <summary>
    /// The claims of the OIDC token Pub/Sub sends with an authenticated push (Google's documentation: <c>aud</c> the
    /// subscription's audience, <c>email</c> its push service account, verified), issued at <paramref name="now"/>.
    /// </summary>
    public static JsonObject PubSubPushClaims(string audience, string email, DateTimeOffset? now = null, string issuer = "https://accounts.google.com")
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return new JsonObject
        {
            ["aud"] = audience,
            ["azp"] = "112233445566778899000",
            ["email"] = email,
            ["email_verified"] = true,
            ["exp"] = at.AddHours(1).ToUnixTimeSeconds(),
            ["iat"] = at.ToUnixTimeSeconds(),
            ["iss"] = issuer,
            ["sub"] = "112233445566778899000",
        };
    }

    /// <summary>Signs <paramref name="claims"/> as a SET (RS256, typ secevent+jwt) with the current key, or another.</summary>
    public string Sign(JsonObject claims, string typ = "secevent+jwt", RSA? with = null, string? kid = null)
    {
        SecurityKey securityKey;
        lock (keyLock)
        {
            securityKey = new RsaSecurityKey(with ?? key) { KeyId = kid ?? keyId };
        }

        return new JsonWebTokenHandler().CreateToken(
            claims.ToJsonString(),
            new SigningCredentials(securityKey, SecurityAlgorithms.RsaSha256),
            new Dictionary<string, object> { ["typ"] = typ });
    }

    /// <summary>
    /// A compact JWS of <paramref name="claims"/> with exactly <paramref name="header"/> (its <c>alg</c> RS256 unless
    /// given, <c>typ</c> and <c>kid</c> the current key's unless given), signed with the current key or another.
    /// </summary>
    public string SignWithHeader(JsonObject header, JsonObject claims, RSA? with = null)
    {
        header["alg"] ??= SecurityAlgorithms.RsaSha256;
        header["typ"] ??= "secevent+jwt";
        lock (keyLock)
        {
            header["kid"] ??= keyId;
            return TestJws.Sign(header, claims, with ?? key);
        }
    }

    /// <summary>
    /// A SET signed RS256 with the current key over exactly <paramref name="headerJson"/> and <paramref name="claimsJson"/>,
    /// where <c>{kid}</c> in the header is the current key's id: JSON no serializer writes (a member named twice).
    /// </summary>
    public string SignRaw(string headerJson, string claimsJson)
    {
        lock (keyLock)
        {
            return TestJws.SignRs256(headerJson.Replace("{kid}", keyId, StringComparison.Ordinal), claimsJson, key);
        }
    }

    /// <summary>Replaces the signing key; the JWKS publishes only the new one.</summary>
    public void RotateKey(string newKeyId)
    {
        lock (keyLock)
        {
            key = RSA.Create(2048);
            keyId = newKeyId;
        }
    }

    /// <summary>Queues a SET for the next poll.</summary>
    public void Queue(string jti, string set) => pollQueue[jti] = set;

    public string Jwks()
    {
        JsonObject jwk;
        lock (keyLock)
        {
            jwk = TestJws.PublicJwk(key, keyId);
        }

        jwk["use"] = KeyUse;
        jwk["alg"] = KeyAlgorithm;
        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString();
    }

    private async Task<IResult> PollAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.ToString() != "Bearer " + PollSecret)
        {
            return Results.Unauthorized();
        }

        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        if (root.TryGetProperty("ack", out var acks))
        {
            foreach (var ack in acks.EnumerateArray())
            {
                var jti = ack.GetString()!;
                Acknowledged.Enqueue(jti);
                pollQueue.TryRemove(jti, out _);
            }
        }

        if (root.TryGetProperty("setErrs", out var errs) && errs.ValueKind == JsonValueKind.Object)
        {
            foreach (var err in errs.EnumerateObject())
            {
                Errors[err.Name] = err.Value.GetProperty("err").GetString()!;
                pollQueue.TryRemove(err.Name, out _);
            }
        }

        Interlocked.Increment(ref polls);
        var max = IgnoreMaxEvents ? int.MaxValue : root.TryGetProperty("maxEvents", out var m) && m.TryGetInt32(out var n) ? n : 100;
        var sets = new JsonObject();
        foreach (var (jti, set) in pollQueue.Take(max))
        {
            sets[jti] = set;
        }

        var answer = new JsonObject { ["sets"] = sets, ["moreAvailable"] = AlwaysMoreAvailable || pollQueue.Count > max }.ToJsonString();
        if (TricklePolls <= 0)
        {
            return Results.Text(answer, "application/json");
        }

        TricklePolls--;
        await TrickleAsync(context, Encoding.UTF8.GetBytes(answer));
        return Results.Empty;
    }

    private static async Task TrickleAsync(HttpContext context, byte[] answer)
    {
        context.Response.ContentType = "application/json";
        try
        {
            for (var i = 0; i < answer.Length; i += 8)
            {
                await context.Response.Body.WriteAsync(answer.AsMemory(i, Math.Min(8, answer.Length - i)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(100, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The receiver gave up on the answer: what a trickle is for.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        key.Dispose();
    }
}
