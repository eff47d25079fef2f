namespace ZtStream.Responder.Tests.Revocation.SharedSignals;

/// <summary>A push receiver on loopback (RFC 8935) that records what it gets and answers as told.</summary>
internal sealed class FakeReceiver : IAsyncDisposable
{
    private readonly LoopbackApp app;

    private FakeReceiver(LoopbackApp app, ConcurrentQueue<Push> pushed)
    {
        this.app = app;
        Pushed = pushed;
    }

    internal sealed record Push(string? ContentType, string? Authorization, string Body);

    public ConcurrentQueue<Push> Pushed { get; }

    public int Port => app.Port;

    /// <summary>Waits for <paramref name="what"/> to be pushed; it must be the only push so far.</summary>
    public async Task<Push> OnlyPushAsync(string what)
    {
        await Eventually.HoldsAsync(() => !Pushed.IsEmpty, what);
        return Assert.Single(Pushed);
    }

    /// <summary>Waits for <paramref name="what"/> to be pushed and takes it, the oldest push, off the queue.</summary>
    public async Task<Push> TakeAsync(string what)
    {
        await Eventually.HoldsAsync(() => !Pushed.IsEmpty, what);
        Assert.True(Pushed.TryDequeue(out var push));
        return push;
    }

    public static async Task<FakeReceiver> StartAsync(int port = 0, int status = 202, string? errorBody = null, ConcurrentQueue<Push>? pushed = null, string? location = null)
    {
        pushed ??= new ConcurrentQueue<Push>();
        var app = await LoopbackApp.StartAsync(
            web => web.MapPost("/events", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                pushed.Enqueue(new Push(context.Request.ContentType, context.Request.Headers.Authorization.ToString(), body));
                context.Response.StatusCode = status;
                if (location is not null)
                {
                    context.Response.Headers.Location = location;
                }

                if (errorBody is not null)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(errorBody);
                }
            }),
            port: port);
        return new FakeReceiver(app, pushed);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}

/// <summary>
/// The Responder's transmitter side on loopback: the store (SQLite file), the drivers from configuration and the
/// discovery endpoints. Two hosts made one after the other on the same file stand for a restart.
/// </summary>
internal sealed class TransmitterHost : IAsyncDisposable
{
    public const string Issuer = "https://ztstream.test/responder";
    public const string Audience = "https://siem.example/caep";

    private readonly LoopbackApp app;

    private TransmitterHost(LoopbackApp app) => this.app = app;

    public Uri BaseAddress => app.BaseAddress;

    public IServiceProvider Services => app.Services;

    public ITokenRevoker Transmitter => app.Services.GetServices<ITokenRevoker>().Single(r => r.Name == "ssf");

    public SsfOutbox Outbox => app.Services.GetRequiredService<SsfOutbox>();

    public SharedSignalsTransmitter SharedSignals => app.Services.GetRequiredService<SharedSignalsTransmitter>();

    public static Dictionary<string, string?> Settings(string databaseFile, int receiverPort) => new()
    {
        ["Store:Kind"] = "sqlite",
        ["Store:ConnectionString"] = databaseFile,
        ["Responder:Drivers:TokenRevokers:0"] = "ssf",
        ["Responder:Drivers:SharedSignals:Issuer"] = Issuer,
        ["Responder:Drivers:SharedSignals:SubjectIssuer"] = "https://idp.example.com/",
        ["Responder:Drivers:SharedSignals:Receivers:siem:Endpoint"] = $"http://127.0.0.1:{receiverPort}/events",
        ["Responder:Drivers:SharedSignals:Receivers:siem:Audience"] = Audience,
        ["Responder:Drivers:SharedSignals:Receivers:siem:Authorization"] = "Bearer receiver-secret",
        ["Responder:Drivers:SharedSignals:InitialBackoff"] = "00:00:00.100",
        ["Responder:Drivers:SharedSignals:MaxBackoff"] = "00:00:00.300",
        ["Responder:Drivers:SharedSignals:PollInterval"] = "00:00:00.050",
    };

    public static async Task<TransmitterHost> StartAsync(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var app = await LoopbackApp.StartAsync(
            web => web.MapSharedSignals(),
            services =>
            {
                services.AddStore(configuration).AddResponderDrivers(configuration);
                // The responder API's tokens guard the hand-sent signals endpoint.
                services.AddOptions<ResponderOptions>().Bind(configuration.GetSection(ResponderOptions.Section));
                services.AddSingleton<ZtStream.Responder.Api.ApiTokenAuthenticator>();
            });
        return new TransmitterHost(app);
    }

    /// <summary>The JWKS the transmitter publishes, fetched as a receiver fetches it.</summary>
    public async Task<string> JwksAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(BaseAddress, ".well-known/jwks.json"), Ct);
    }

    /// <summary>
    /// Validates a SET as a receiver does, with a standard JWT library: keys from the published JWKS, explicit type,
    /// issuer and <paramref name="audience"/>. The token and its payload.
    /// </summary>
    public async Task<(JsonWebToken Token, JsonObject Payload)> ValidateSetAsync(string set, string audience = Audience)
    {
        var jwks = new JsonWebKeySet(await JwksAsync());
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(set, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = [SecurityEventTokens.TokenType],
            // SETs carry no exp (SSF 1.0 forbids it).
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });
        Assert.True(result.IsValid, result.Exception?.ToString());
        var token = (JsonWebToken)result.SecurityToken;
        return (token, JsonNode.Parse(Base64UrlEncoder.Decode(token.EncodedPayload))!.AsObject());
    }

    /// <summary>Polls the outbox until <paramref name="done"/> holds for the action's rows (10 s at most).</summary>
    public async Task<IReadOnlyList<OutboxItem>> WaitForOutboxAsync(Guid actionId, Func<IReadOnlyList<OutboxItem>, bool> done, CancellationToken ct)
    {
        IReadOnlyList<OutboxItem> rows = [];
        return await Eventually.WithinAsync(async () => done(rows = await Outbox.ForActionAsync(actionId, ct)), TimeSpan.FromSeconds(10), ct)
            ? rows
            : throw new TimeoutException("outbox never reached the expected state: " + string.Join("; ", rows));
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
