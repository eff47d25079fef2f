namespace ZtStream.TestSupport.Oidc;

/// <summary>
/// An OpenID provider on loopback whose token endpoint answers with whatever ID token the test scripted: discovery,
/// a JWKS with one RS256 key, the token endpoint (checking the PKCE verifier against the challenge of the last
/// authorization request) and user-info. A real provider never issues a forged token, so the attacks on the
/// console's sign-in are played through this one.
/// </summary>
public sealed class ScriptedOpenIdProvider : IAsyncDisposable
{
    public const string ClientId = "ztstream-console";

    private readonly LoopbackApp app;
    private int jwksFetches;

    private ScriptedOpenIdProvider(LoopbackApp app, ScriptState state)
    {
        this.app = app;
        State = state;
    }

    private sealed class ScriptState
    {
        public RSA Key { get; } = RSA.Create(2048);

        public string? IdToken { get; set; }

        public string? CodeChallenge { get; set; }

        public string? TokenRequestError { get; set; }

        public string[] Roles { get; set; } = ["soc-analyst"];
    }

    private ScriptState State { get; }

    /// <summary>The issuer, which is also the authority the Responder is configured with.</summary>
    public string Issuer => app.BaseAddress.ToString().TrimEnd('/');

    public RSA Key => State.Key;

    public string KeyId => "idp-key-1";

    public int JwksFetches => Volatile.Read(ref jwksFetches);

    /// <summary>What the token endpoint answers next as <c>id_token</c>.</summary>
    public string? IdToken { get => State.IdToken; set => State.IdToken = value; }

    /// <summary>Set when a token request did not carry the verifier of the last authorization request's challenge.</summary>
    public string? TokenRequestError => State.TokenRequestError;

    /// <summary>The <c>roles</c> the user-info endpoint answers for ana from now on (a role granted or taken away at the provider).</summary>
    public string[] Roles { get => State.Roles; set => State.Roles = value; }

    /// <summary>Remembers the PKCE challenge of an authorization request the test read from the Responder's redirect.</summary>
    public void Authorized(string codeChallenge) => State.CodeChallenge = codeChallenge;

    /// <summary>The JWKS the provider publishes.</summary>
    public string Jwks()
    {
        var jwk = TestJws.PublicJwk(State.Key, KeyId);
        jwk["use"] = "sig";
        jwk["alg"] = "RS256";
        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString();
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
        return TestJws.Sign(header, claims, State.Key);
    }

    public static async Task<ScriptedOpenIdProvider> StartAsync()
    {
        var state = new ScriptState();
        ScriptedOpenIdProvider? provider = null;
        var app = await LoopbackApp.StartAsync(web =>
        {
            web.MapGet("/.well-known/openid-configuration", (HttpContext http) =>
            {
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
                return Results.Text(provider.Jwks(), "application/json");
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
            web.MapGet("/userinfo", () => Results.Json(new { sub = "ana", preferred_username = "ana", roles = state.Roles }));
        });
        provider = new ScriptedOpenIdProvider(app, state);
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        State.Key.Dispose();
    }
}
