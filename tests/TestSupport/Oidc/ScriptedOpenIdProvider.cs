namespace ZtStream.TestSupport.Oidc;

/// <summary>
/// An OpenID provider on loopback whose token endpoint answers with whatever ID token the test scripted: discovery,
/// a JWKS with one RS256 key, the token endpoint (checking the PKCE verifier against the challenge of the last
/// authorization request) and user-info. A real provider never issues a forged token, so the attacks on the
/// console's sign-in are played through this one; so are a key rotation, a key withdrawn after a compromise and an
/// outage of its metadata, which the test decides the moment of.
/// </summary>
public sealed class ScriptedOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "ztstream-console";

    private readonly LoopbackApp app;
    private int jwksFetches;
    private int discoveryFetches;

    private ScriptedOpenIdProvider(LoopbackApp app, ScriptState state)
    {
        this.app = app;
        State = state;
    }

    private sealed class ScriptState
    {
        // The keys the JWKS publishes, by kid; the last added signs.
        public List<(string Kid, RSA Key)> Published { get; } = [("idp-key-1", RSA.Create(2048))];

        public List<RSA> Withdrawn { get; } = [];

        public volatile bool Down;

        public string? IdToken { get; set; }

        public string? CodeChallenge { get; set; }

        public string? TokenRequestError { get; set; }

        public string[] Roles { get; set; } = ["soc-analyst"];

        public string UserName { get; set; } = "ana";
    }

    private ScriptState State { get; }

    /// <summary>The issuer, which is also the authority the Responder is configured with.</summary>
    public string Issuer => app.BaseAddress.ToString().TrimEnd('/');

    /// <summary>The key <see cref="Sign"/> signs with: the one added last.</summary>
    public RSA Key => State.Published[^1].Key;

    public string KeyId => State.Published[^1].Kid;

    public int JwksFetches => Volatile.Read(ref jwksFetches);

    public int DiscoveryFetches => Volatile.Read(ref discoveryFetches);

    /// <summary>While set, discovery and the JWKS answer 503 (the provider down or unreachable); sign-in pages are not served either way.</summary>
    public bool Down { get => State.Down; set => State.Down = value; }

    /// <summary>Publishes a new key beside the others and signs with it from now on (a rotation); returns its kid.</summary>
    public string RotateKey()
    {
        var kid = $"idp-key-{State.Published.Count + State.Withdrawn.Count + 1}";
        State.Published.Add((kid, RSA.Create(2048)));
        return kid;
    }

    /// <summary>Takes a key out of the JWKS (it was compromised); the test may still sign with it as an attacker would.</summary>
    public RSA Withdraw(string kid)
    {
        var index = State.Published.FindIndex(k => k.Kid == kid);
        var key = State.Published[index].Key;
        State.Published.RemoveAt(index);
        State.Withdrawn.Add(key);
        return key;
    }

    /// <summary>What the token endpoint answers next as <c>id_token</c>.</summary>
    public string? IdToken { get => State.IdToken; set => State.IdToken = value; }

    /// <summary>Set when a token request did not carry the verifier of the last authorization request's challenge.</summary>
    public string? TokenRequestError => State.TokenRequestError;

    /// <summary>The <c>roles</c> the user-info endpoint answers for ana from now on (a role granted or taken away at the provider).</summary>
    public string[] Roles { get => State.Roles; set => State.Roles = value; }

    /// <summary>The <c>preferred_username</c> the user-info endpoint answers from now on (a name the user changed at the provider).</summary>
    public string UserName { get => State.UserName; set => State.UserName = value; }

    /// <summary>Remembers the PKCE challenge of an authorization request the test read from the Responder's redirect.</summary>
    public void Authorized(string codeChallenge) => State.CodeChallenge = codeChallenge;

    /// <summary>The JWKS the provider publishes.</summary>
    public string Jwks()
    {
        var keys = new JsonArray();
        foreach (var (kid, key) in State.Published)
        {
            var jwk = TestJws.PublicJwk(key, kid);
            jwk["use"] = "sig";
            jwk["alg"] = "RS256";
            keys.Add(jwk);
        }

        return new JsonObject { ["keys"] = keys }.ToJsonString();
    }

    /// <summary>The claims of a valid ID token for <paramref name="nonce"/>: ana, for this client, issued now.</summary>
    public JsonObject Claims(string nonce) => new()
    {
        ["iss"] = Issuer,
        ["sub"] = "ana",
        ["aud"] = ClientId,
        ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds(),
        ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["nonce"] = nonce,
    };

    /// <summary>An RS256 ID token signed with the provider's key, with <paramref name="header"/>'s parameters added.</summary>
    public string Sign(JsonObject claims, JsonObject? header = null)
    {
        header ??= [];
        header["alg"] ??= "RS256";
        header["typ"] ??= "JWT";
        header["kid"] ??= KeyId;
        return TestJws.Sign(header, claims, Key);
    }

    public static async Task<ScriptedOpenIdProvider> StartAsync()
    {
        var state = new ScriptState();
        ScriptedOpenIdProvider? provider = null;
        var app = await LoopbackApp.StartAsync(web =>
        {
            web.MapGet("/.well-known/openid-configuration", (HttpContext http) =>
            {
                Interlocked.Increment(ref provider!.discoveryFetches);
                if (state.Down)
                {
                    return Results.StatusCode(503);
                }

                var issuer = $"http://{http.Request.Host}";
                return Results.Text(new JsonObject
                {
                    ["issuer"] = issuer,
                    ["authorization_endpoint"] = issuer + "/authorize",
                    ["token_endpoint"] = issuer + "/token",
                    ["userinfo_endpoint"] = issuer + "/userinfo",
                    ["jwks_uri"] = issuer + "/jwks",
                    ["response_types_supported"] = new JsonArray("code"),
                    ["subject_types_supported"] = new JsonArray("public"),
                    ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
                    ["code_challenge_methods_supported"] = new JsonArray("S256"),
                }.ToJsonString(), "application/json");
            });
            web.MapGet("/jwks", () =>
            {
                Interlocked.Increment(ref provider!.jwksFetches);
                return state.Down ? Results.StatusCode(503) : Results.Text(provider.Jwks(), "application/json");
            });
            web.MapPost("/token", async (HttpContext http) =>
            {
                var form = await http.Request.ReadFormAsync();
                var verifier = form["code_verifier"].ToString();
                var challenge = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
                if (challenge != state.CodeChallenge)
                {
                    state.TokenRequestError = $"code_verifier does not match the challenge '{state.CodeChallenge}'";
                    return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
                }

                return Results.Json(new { access_token = "scripted-access-token", token_type = "Bearer", expires_in = 300, id_token = state.IdToken });
            });
            web.MapGet("/userinfo", () => Results.Json(new { sub = "ana", preferred_username = state.UserName, roles = state.Roles }));
        });
        provider = new ScriptedOpenIdProvider(app, state);
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        foreach (var key in State.Published.Select(k => k.Key).Concat(State.Withdrawn))
        {
            key.Dispose();
        }
    }
}
