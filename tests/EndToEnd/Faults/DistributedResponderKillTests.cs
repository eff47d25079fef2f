namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// The distributed topology as separate processes — Ingest and Verifier in one, the Responder in another — over Kafka,
/// PostgreSQL and a RabbitMQ broker of this test's own: the broker stops, an attack's revocation is decided and waits in
/// the store for it, the Responder is killed with SIGKILL meanwhile (after the action's record, before its execution),
/// and once the broker and a new Responder are back the revocation is carried out exactly once and the SDK refuses the token.
/// </summary>
public sealed class DistributedResponderKillTests(KafkaFixture kafka, PostgresFixture postgres) : IAsyncDisposable
{
    private const string ApiToken = "dist-kill-responder-token-0123456789abcdef0";
    private const string FeedToken = "dist-kill-feed-token-0123456789abcdef012345";
    private readonly ZtStreamProcesses _processes = new("zt-dist-kill-");

    [Fact]
    public async Task BrokerDown_ResponderKilledWithTheCommandQueued_AfterBothReturn_TheRevocationRunsOnce()
    {
        await using var rabbit = new RabbitMqFixture();
        var amqp = await rabbit.CreateVirtualHostAsync(Ct);
        var bootstrap = await kafka.RequireAsync(Ct);
        var database = await postgres.CreateDatabaseAsync(Ct);
        var policy = await ResponsePolicies.RevokeTokensAsync(_processes.Folder, "low");
        string[] seams =
        [
            // Its own names on the shared cluster, so another test's deployment never joins its groups or reads its events.
            "--event-log", "kafka", "--kafka", bootstrap, "--kafka-prefix", $"zt-dist-{Guid.NewGuid():N}.", "--store", "postgres", "--postgres", database,
            "--urls", "http://127.0.0.1:0",
            "--set", "EventLog:KafkaConsumerSettings:session.timeout.ms=6000", "--set", "EventLog:KafkaConsumerSettings:heartbeat.interval.ms=500",
            "--set", "EventLog:TopicCreationTimeout=00:00:02",
        ];
        string[] responderArgs =
        [
            "run", "--roles", "responder", .. seams, "--bus", "rabbitmq", "--rabbitmq", amqp.ToString(),
            "--set", $"Responder:PolicyPath={policy}",
            "--set", "Responder:ApiTokens:0:Name=e2e", "--set", "Responder:ApiTokens:0:Role=responder",
            "--set", $"Responder:ApiTokens:0:Token={ApiToken}", "--set", $"Responder:Feed:Token={FeedToken}",
            "--set", "Responder:SchedulerInterval=00:00:01", "--set", "Responder:RedispatchAfter=00:00:02",
        ];

        // Trusted for any subject, so its evidence may revoke automatically.
        var key = await _processes.AddSourceAsync("dist-app", ["--subjects", "*", .. seams], Ct);
        var responder = await _processes.StartAsync("responder-1", responderArgs, waitForListening: true, Ct);
        var pipeline = await _processes.StartAsync("ingest-verifier", ["run", "--roles", "ingest,verifier", .. seams], waitForListening: true, Ct);

        await rabbit.StopBrokerAsync();
        const string victim = "dist-victim";
        var jti = $"jti-{Guid.NewGuid():N}";
        using (var ingest = ZtStreamApi.Client(pipeline.Url, key))
        {
            await IngestEvents.PostAcceptedAsync(ingest, IngestEvents.StolenToken(victim, jti));
        }

        // Decided and recorded, its command waiting in the store for the broker.
        using (var api = ZtStreamApi.Client(responder.Url, ApiToken))
        {
            var queued = await Eventually.WithinAsync(
                async () => (await ZtStreamApi.ActionsAsync(api, "revoke_token", Ct)).Any(a => a.GetProperty("jti").GetString() == jti && a.GetProperty("state").GetString() == "queued"),
                ZtStreamApi.Timeout,
                Ct);
            Assert.True(queued, $"the revocation was not left queued while the broker was down:\n{responder.Output}");
        }

        responder.Kill();
        await responder.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        await rabbit.StartBrokerAsync();

        var restarted = await _processes.StartAsync("responder-2", responderArgs, waitForListening: true, Ct);
        using (var api = ZtStreamApi.Client(restarted.Url, ApiToken))
        {
            await ZtStreamApi.WaitRevokedOnceAsync(api, jti, restarted, Ct);
        }

        await using var sdk = await SdkProbe.StartAsync(pipeline.Url, key, restarted.Url, FeedToken);
        await sdk.AssertRefusesAsync(victim, jti);
    }

    public ValueTask DisposeAsync() => _processes.DisposeAsync();
}
