using Microsoft.AspNetCore.TestHost;

namespace ZtStream.Responder.Tests;

/// <summary>
/// One Responder in a test server: the real role behind the platform's own pipeline (<c>MapPlatform</c>), a SQLite
/// file store, an in-memory event log, a fake clock, and MassTransit's test harness (or another bus given by <see cref="ConfigureBus"/>).
/// </summary>
internal sealed class ResponderTestHost : IAsyncDisposable
{
    public const string AnalystToken = "analyst-token-0123456789abcdef0123456789";
    public const string ResponderToken = "responder-token-0123456789abcdef012345678";
    public const string FeedToken = "feed-token-0123456789abcdef0123456789abcdef";
    public const string ViewerToken = "viewer-token-0123456789abcdef0123456789ab";

    private WebApplication? _app;

    // Null when the test passed a folder: that test starts several hosts on it (a restart) and removes it itself.
    private readonly TempFolder? _ownFolder;

    /// <param name="policyYaml">The response policy, written to <c>response.yaml</c> in the folder; null: none.</param>
    /// <param name="time">The fake clock; null: 2026-03-02 09:00 UTC.</param>
    /// <param name="folder">The folder for the store and the policy, for a test that restarts on it; null: a fresh one the host removes when disposed.</param>
    public ResponderTestHost(string? policyYaml = null, FakeTimeProvider? time = null, string? folder = null)
    {
        if (folder is null)
        {
            _ownFolder = new TempFolder("zt-responder-");
            folder = _ownFolder.Path;
        }

        Folder = folder;
        DatabasePath = Path.Combine(folder, "responder.db");
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        if (policyYaml is not null)
        {
            PolicyPath = Path.Combine(folder, "response.yaml");
            File.WriteAllText(PolicyPath, policyYaml);
        }
    }

    public string Folder { get; }
    public string DatabasePath { get; }
    public string? PolicyPath { get; }
    public FakeTimeProvider Time { get; }
    public MemoryEventLog EventLog { get; init; } = new();

    /// <summary>A real event log to use instead of <see cref="EventLog"/> (its retries and dead letters are under test).</summary>
    public IEventLog? Log { get; init; }
    public Dictionary<string, string?> Settings { get; } = [];
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>False: MassTransit's test harness (in memory). True: AddCommandBus as the host does, from section <c>Bus</c>.</summary>
    public bool UseRealBus { get; init; }

    public IServiceProvider Services => _app!.Services;

    /// <summary>The wall clock instead of <see cref="Time"/>: for background loops that must really wait (retries, outages).</summary>
    public bool UseWallClock { get; init; }

    /// <summary>Listen on loopback for real (for clients that cannot use the test server, such as the SDK or a browser).</summary>
    public bool UseKestrel { get; init; }

    /// <summary>With <see cref="UseKestrel"/>: the port to listen on (0: any), for a redirect URI registered before the start.</summary>
    public int Port { get; init; }

    public Uri? BaseAddress { get; private set; }
    public HttpClient Client { get; private set; } = null!;
    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    public async Task<ResponderTestHost> StartAsync()
    {
        var builder = UseKestrel ? LoopbackApp.CreateBuilder(Port) : WebApplication.CreateSlimBuilder();
        if (!UseKestrel)
        {
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
        }

        var settings = new Dictionary<string, string?>
        {
            ["Store:Kind"] = "sqlite",
            ["Store:ConnectionString"] = DatabasePath,
            ["Responder:PolicyPath"] = PolicyPath,
            ["Responder:CommandRetries"] = "2",
            ["Responder:RetryMinBackoff"] = "00:00:00.010",
            ["Responder:RetryMaxBackoff"] = "00:00:00.050",
            ["Responder:ApiTokens:0:Name"] = "ana",
            ["Responder:ApiTokens:0:Role"] = "analyst",
            ["Responder:ApiTokens:0:Token"] = AnalystToken,
            ["Responder:ApiTokens:1:Name"] = "rex",
            ["Responder:ApiTokens:1:Role"] = "responder",
            ["Responder:ApiTokens:1:TokenSha256"] = ZtStream.Responder.Api.ApiTokenAuthenticator.HashHex(ResponderToken),
            ["Responder:Feed:Token"] = FeedToken,
            ["Responder:ApiTokens:2:Name"] = "vic",
            ["Responder:ApiTokens:2:Role"] = "viewer",
            ["Responder:ApiTokens:2:Token"] = ViewerToken,
        };
        foreach (var (k, v) in Settings)
        {
            settings[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(UseWallClock ? TimeProvider.System : Time);
        builder.Services.AddStore(builder.Configuration);
        builder.Services.AddPlatformHttp(builder.Configuration);
        builder.Services.AddSingleton<IEventLog>(Log ?? EventLog);
        builder.Services.AddResponder(builder.Configuration);
        if (UseRealBus)
        {
            builder.Services.AddCommandBus(builder.Configuration);
        }
        else
        {
            // The harness replaces AddCommandBus's AddMassTransit; ICommandBus is the real one, sending to the consumers' queues.
            var consumers = new List<Type>();
            builder.Services.AddMassTransitTestHarness(x =>
            {
                x.SetKebabCaseEndpointNameFormatter();
                ResponderRole.AddResponderConsumers(x);
                consumers.AddRange(CommandRoutes.FindConsumers(x));
            });
            builder.Services.AddSingleton(_ => new CommandRoutes(consumers));
            builder.Services.AddSingleton<ICommandBus, MassTransitCommandBus>();
        }

        ConfigureServices?.Invoke(builder.Services);
        _app = builder.Build();

        // The pipeline ztstream run has (problem documents for every error, an unhandled exception's 500 included), so a
        // test of an error path sees what a client would.
        _app.MapPlatform();
        _app.MapResponder();
        if (UseKestrel)
        {
            BaseAddress = await LoopbackApp.StartAsync(_app, Ct);
            Client = new HttpClient { BaseAddress = BaseAddress };
        }
        else
        {
            await _app.StartAsync(Ct);
            Client = _app.GetTestClient();
        }

        // The timekeeper's pass at start must not race a test's own pass, its stored actions or its count of sends.
        await Get<ActionTimekeeper>().FirstPass.WaitAsync(Ct);
        return this;
    }

    /// <summary>
    /// An in-process event log on the wall clock that retries a record quickly (50 ms, backing off to 500 ms) and reports
    /// pauses to <paramref name="health"/>: for the outage tests, whose dependency really goes away.
    /// </summary>
    public static InProcessEventLog RetryingLog(ConsumerHealth health) => new(
        new EventLogOptions { RetryBackoff = TimeSpan.FromMilliseconds(50), MaxRetryBackoff = TimeSpan.FromMilliseconds(500) },
        TimeProvider.System,
        NullLogger<InProcessEventLog>.Instance,
        health);

    /// <summary>The ids of the alerts one page of <c>GET /v1/alerts</c> lists (its <c>items</c>' <c>alert</c>s), in its order.</summary>
    public static IEnumerable<string> AlertIds(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("alert").GetProperty("id").GetString()!);

    /// <summary>The <c>version</c> of alert <paramref name="id"/> as <c>GET /v1/alerts/{id}</c> gives it to <paramref name="client"/>: what a change is decided on.</summary>
    public static async Task<long> AlertVersionAsync(HttpClient client, string id) =>
        (await client.GetFromJsonAsync<JsonElement>($"/v1/alerts/{id}", Ct)).GetProperty("alert").GetProperty("version").GetInt64();

    public HttpClient ClientFor(string token)
    {
        var client = UseKestrel ? new HttpClient { BaseAddress = BaseAddress } : _app!.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Sets one configuration value (over the defaults above) before the start.</summary>
    public ResponderTestHost WithSetting(string key, string? value)
    {
        Settings[key] = value;
        return this;
    }

    /// <summary>
    /// The Shared Signals driver on, with one receiver, <c>siem</c>, that manages its streams with <paramref name="token"/>:
    /// its stream-management API and <c>POST /v1/ssf/signals</c> are then mapped.
    /// </summary>
    public ResponderTestHost WithSharedSignalsReceiver(string token) =>
        WithSetting("Responder:Drivers:TokenRevokers:0", "ssf")
            .WithSetting("Responder:Drivers:SharedSignals:Issuer", "https://ztstream.test/responder")
            .WithSetting("Responder:Drivers:SharedSignals:SubjectIssuer", "https://idp.example.com/")
            .WithSetting("Responder:Drivers:SharedSignals:Clients:siem:Token", token)
            .WithSetting("Responder:Drivers:SharedSignals:Clients:siem:Audience", "https://siem.example/caep");

    /// <summary>The store on PostgreSQL (a database of the shared throwaway cluster) instead of the SQLite file.</summary>
    public ResponderTestHost OnPostgres(string connectionString) =>
        WithSetting("Store:Kind", "postgres").WithSetting("Store:ConnectionString", connectionString);

    /// <summary>Commands over RabbitMQ (a virtual host of the private node); needs <see cref="UseRealBus"/>.</summary>
    public ResponderTestHost OnRabbitMq(Uri virtualHost) =>
        WithSetting("Bus:Kind", "rabbitmq").WithSetting("Bus:RabbitMqUri", virtualHost.ToString());

    /// <summary>Registers <paramref name="instance"/> as the <typeparamref name="TService"/> (a fake driver) before the start.</summary>
    public ResponderTestHost With<TService>(TService instance) where TService : class
    {
        var earlier = ConfigureServices;
        ConfigureServices = s =>
        {
            earlier?.Invoke(s);
            s.AddSingleton(instance);
        };
        return this;
    }

    /// <summary>
    /// The host <paramref name="starting"/> gives, once the alert processor has handled each of <paramref name="alerts"/>
    /// as the alert consumer does: a test that starts from stored alerts. The host is disposed if that fails.
    /// </summary>
    public static async Task<ResponderTestHost> WithAlertsAsync(Task<ResponderTestHost> starting, params Alert[] alerts)
    {
        var host = await starting;
        try
        {
            foreach (var alert in alerts)
            {
                await host.Get<AlertProcessor>().HandleAsync(alert, Ct);
            }

            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Hands <paramref name="alert"/> to the alert processor, as the alert consumer does, and answers the one action decided for it.</summary>
    public async Task<ZtStream.Responder.Actions.ActionRecord> RaiseAsync(Alert alert)
    {
        await Get<AlertProcessor>().HandleAsync(alert, default);
        return (await Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: alert.Id), default)).Single();
    }

    /// <summary>Stores <paramref name="action"/> as it stands, past the policy and the bus (the state a test starts from), and answers it.</summary>
    public async Task<ZtStream.Responder.Actions.ActionRecord> StoreAsync(ZtStream.Responder.Actions.ActionRecord action)
    {
        Assert.True(await Get<ActionStore>().TryInsertAsync(action, Ct), $"action {action.Id} was stored before");
        return action;
    }

    public async Task<string?> StateOfAsync(Guid actionId) => (await Get<ActionStore>().GetAsync(actionId, default))?.State;

    /// <summary>Waits until the action reaches <paramref name="state"/>: commands run on the bus, after the call that asked for them.</summary>
    public Task UntilStateAsync(Guid actionId, string state) =>
        Eventually.HoldsAsync(async () => await StateOfAsync(actionId) == state, $"action {actionId} {state}");

    /// <summary>
    /// What the revocation feed lists now, as an SDK reads it: <c>GET /v1/revocations</c> with the feed's token,
    /// <paramref name="query"/> (such as <c>?action_id=…</c>) appended.
    /// </summary>
    public async Task<RevocationSnapshot> RevocationSnapshotAsync(string query = "")
    {
        using var feed = ClientFor(FeedToken);
        return (await feed.GetFromJsonAsync(RevocationFeed.SnapshotPath + query, ContractsJsonContext.Default.RevocationSnapshot, Ct))!;
    }

    /// <summary>The audit holds exactly one refused request: <paramref name="actor"/>'s, naming <paramref name="request"/>.</summary>
    public async Task AssertOneForbiddenAsync(string actor, string request)
    {
        var refused = Assert.Single(await Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.Forbidden), Ct));
        Assert.Equal(actor, refused.Actor);
        Assert.Contains(request, refused.Summary, StringComparison.Ordinal);
    }

    /// <summary>The audit trail's hash chain verifies from its first entry to its head; a break fails the test naming where.</summary>
    public async Task AssertAuditIntactAsync()
    {
        var chain = await Get<AuditLog>().VerifyAsync(null, Ct);
        Assert.True(chain.Intact, $"the audit chain breaks at seq {chain.BrokenSeq}: {chain.Problem}");
    }

    /// <summary>Moves the fake clock on and makes a timekeeper pass now (its background loop also wakes on the fake clock, but not at once).</summary>
    public Task PassAsync(TimeSpan time)
    {
        Time.Advance(time);
        return Get<ActionTimekeeper>().RunOnceAsync(default);
    }

    /// <summary>
    /// Makes the store refuse every audit entry of <paramref name="kind"/>, or only those whose summary holds
    /// <paramref name="naming"/> (a SQLite trigger aborting its insert, as a full disk or a lost connection would fail that
    /// write) until <see cref="AcceptAuditEntriesAsync"/>.
    /// </summary>
    public Task RefuseAuditEntriesAsync(string kind, string? naming = null) => ExecuteSqlAsync(RefuseAuditEntriesSql(kind, naming));

    /// <summary>The trigger <see cref="RefuseAuditEntriesAsync"/> creates, for a suite that runs each store's own statements.</summary>
    public static string RefuseAuditEntriesSql(string kind, string? naming = null) => $"""
        CREATE TRIGGER refuse_entries BEFORE INSERT ON responder_audit
        WHEN NEW.kind = '{kind}'{(naming is null ? "" : $" AND NEW.summary LIKE '%{naming}%'")}
        BEGIN SELECT RAISE(ABORT, 'audit write refused'); END
        """;

    /// <summary>Undoes <see cref="RefuseAuditEntriesAsync"/>.</summary>
    public Task AcceptAuditEntriesAsync() => ExecuteSqlAsync("DROP TRIGGER refuse_entries");

    /// <summary>Runs <paramref name="sql"/> on the host's store, outside the Responder.</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = await Get<IStore>().OpenAsync(Ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: Ct));
    }

    /// <summary>Puts the alert on <c>zt.alerts.v1</c>, as the Verifier does.</summary>
    public Task PublishAlertAsync(Alert alert) => PublishAlertsAsync([alert]);

    /// <summary>Puts the alerts on <c>zt.alerts.v1</c> of the log the host consumes, in one append, as the Verifier does.</summary>
    public Task PublishAlertsAsync(IEnumerable<Alert> alerts) =>
        (Log ?? EventLog).AppendAsync(Topics.Alerts, [.. alerts.Select(a => new LogRecord(a.Principal, ContractJson.Serialize(a)))], Ct);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _ownFolder?.Dispose();
    }
}

/// <summary>Response policies several test classes run under.</summary>
internal static class TestPolicies
{
    /// <summary>Every high alert proposes a token revocation that waits for a responder's approval.</summary>
    public const string ApproveRevoke = """
        rules:
          - name: ask-revoke
            severity: high
            action: revoke_token
            mode: approval
        """;
}

internal static class TestAlerts
{
    /// <summary>A critical alert whose one reason (and so the alert) carries <paramref name="techniques"/>.</summary>
    public static Alert WithTechniques(string id, string principal, params string[] techniques)
    {
        var alert = Critical(id, principal);
        return alert with
        {
            Reasons = [alert.Reasons[0] with { Techniques = techniques, Tactics = ["credential-access"] }],
            Techniques = [.. techniques.Order(StringComparer.Ordinal)],
            Tactics = ["credential-access"],
        };
    }

    public static Alert Critical(string id, string principal = "alice", string? jti = null, AlertWorkload? workload = null, int count = 1) => new()
    {
        Id = id,
        DedupKey = $"{principal}|policy|customers|0",
        Principal = principal,
        Detector = Detectors.Policy,
        Score = 95,
        Severity = Severities.Critical,
        Reasons = [new AlertReason(Detectors.Policy, "token_workload_mismatch", 95, "token issued to billing-api used from batch-runner")],
        EvidenceEventIds = [$"evt-{id}-1", $"evt-{id}-2"],
        // From a source whose scope vouches for the subject and the workload: automatic actions may go ahead.
        EvidenceSources = ["orders-api"],
        EvidenceScope = [SourceScopes.Subject, SourceScopes.Workload],
        SubjectId = principal,
        Token = new AlertToken(jti ?? $"jti-{id}", null, "web"),
        Workload = workload,
        ResourceClass = "confidential/customers",
        FirstSeen = new DateTimeOffset(2026, 3, 2, 8, 59, 0, TimeSpan.Zero),
        LastSeen = new DateTimeOffset(2026, 3, 2, 8, 59, 30, TimeSpan.Zero),
        Count = count,
    };
}

internal static class TestActions
{
    /// <summary>A manual action on alice, decided and last touched <paramref name="minutesAgo"/> minutes before the host's clock.</summary>
    public static ZtStream.Responder.Actions.ActionRecord Manual(ResponderTestHost host, string kind, string state, int minutesAgo)
    {
        var at = host.Time.GetUtcNow().AddMinutes(-minutesAgo);
        return new ZtStream.Responder.Actions.ActionRecord
        {
            Id = Guid.NewGuid(),
            Kind = kind,
            Mode = "manual",
            State = state,
            Principal = "alice",
            SubjectId = "alice",
            Reason = "test",
            Decision = "test",
            RequestedBy = "rex",
            CreatedAt = at,
            UpdatedAt = at,
            DecidedAt = at,
            DecidedBy = "rex",
        };
    }
}
