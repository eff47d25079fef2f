namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// The distributed topology as separate processes — Ingest and Verifier in one, the Responder in another — over Kafka,
/// PostgreSQL and RabbitMQ, the Responder killed with SIGKILL mid-command and a new one started: the revocation is
/// carried out exactly once (one action, one completion, one entry on the revocation list), the SDK refuses the token,
/// and the audit chain verifies. Killed while its command waits for a stopped broker (after the action's record, before
/// the command is sent), or with the broker up, its command taken by the consumer: while the IdP holds the call (its
/// effect may be done, the answer never arrives), or while the command waits for its retry after the IdP refused it.
/// </summary>
public sealed class DistributedResponderKillTests(KafkaFixture kafka, PostgresFixture postgres, RabbitMqFixture sharedRabbit) : ProcessTests("zt-dist-kill-")
{
    private const string ApiToken = "dist-kill-responder-token-0123456789abcdef0";
    private const string FeedToken = "dist-kill-feed-token-0123456789abcdef012345";

    [Fact]
    public async Task BrokerDown_ResponderKilledWithTheCommandQueued_AfterBothReturn_TheRevocationRunsOnce()
    {
        // A broker of this test's own, since it is stopped.
        await using var rabbit = new RabbitMqFixture();
        var topology = await TopologyAsync(await rabbit.CreateVirtualHostAsync(Ct), []);
        var responder = await topology.StartResponderAsync("responder-1");
        var pipeline = await topology.StartPipelineAsync();

        await rabbit.StopBrokerAsync();
        const string victim = "dist-victim";
        var jti = $"jti-{Guid.NewGuid():N}";
        await topology.AttackAsync(pipeline, victim, jti);

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

        var restarted = await topology.StartResponderAsync("responder-2");
        await topology.AssertRevokedOnceAsync(pipeline, restarted, victim, jti);
    }

    /// <summary>
    /// The broker stopped (<c>rabbitmqctl stop_app</c>) under a running Responder that an SDK-protected app follows, and
    /// three attacks come in meanwhile: each is alerted and its revocation decided and left queued in the store; once the
    /// broker is back, the same Responder — not restarted — sends them, each revocation runs once, and the app, which kept
    /// following the feed, refuses every token.
    /// </summary>
    [Fact]
    public async Task BrokerDown_ResponderKeepsRunning_AfterItReturns_EachQueuedRevocationRunsOnce()
    {
        await using var rabbit = new RabbitMqFixture();
        var topology = await TopologyAsync(await rabbit.CreateVirtualHostAsync(Ct), ["--set", "Responder:SchedulerInterval=00:00:01"]);
        var responder = await topology.StartResponderAsync("responder");
        var pipeline = await topology.StartPipelineAsync();
        await using var sdk = await SdkProbe.StartAsync(pipeline.Url, topology.SourceKey, responder.Url, FeedToken);

        await rabbit.StopBrokerAsync();
        var victims = Enumerable.Range(1, 3).Select(i => ($"dist-down-victim-{i}", $"jti-{Guid.NewGuid():N}")).ToList();
        foreach (var (victim, jti) in victims)
        {
            await topology.AttackAsync(pipeline, victim, jti);
        }

        using var api = ZtStreamApi.Client(responder.Url, ApiToken);
        var queued = await Eventually.WithinAsync(
            async () =>
            {
                var actions = await ZtStreamApi.ActionsAsync(api, "revoke_token", Ct);
                return victims.All(v => actions.Any(a => a.GetProperty("jti").GetString() == v.Item2 && a.GetProperty("state").GetString() == "queued"));
            },
            ZtStreamApi.Timeout,
            Ct);
        Assert.True(queued, $"not every revocation was left queued while the broker was down:\n{responder.Output}");
        foreach (var (victim, jti) in victims)
        {
            using var taken = await sdk.GetAsync(victim, jti);
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode); // nothing was revoked without the bus
        }

        await rabbit.StartBrokerAsync();
        foreach (var (victim, jti) in victims)
        {
            // One action per token (RevocationOfAsync fails on a second), done, completed once, listed once.
            var done = await Eventually.WithinAsync(async () => (await ZtStreamApi.RevocationOfAsync(api, jti, Ct)).State == "done", ZtStreamApi.Timeout, Ct);
            Assert.True(done, $"the revocation of {jti} did not complete after the broker came back:\n{responder.Output}");
            var (id, _) = await ZtStreamApi.RevocationOfAsync(api, jti, Ct);
            Assert.Single(await ZtStreamApi.AuditKindsAsync(api, id, Ct), k => k == "action.completed");
            Assert.Single(await ZtStreamApi.ListedTokenIdsAsync(api, Ct), j => j == jti);
            await sdk.AssertRefusesAsync(victim, jti);
        }

        Assert.Equal(victims.Count, (await ZtStreamApi.ActionsAsync(api, "revoke_token", Ct)).Count);
    }

    /// <param name="idpRefusesFirst">
    /// False: the kill comes while the IdP holds the first call — after the consumer took the command and the revocation
    /// list has the entry, before "done" is recorded. True: the IdP answers the first call 503, the attempt is recorded as
    /// failed, and the kill comes while the command waits in the consumer for its retry (unacknowledged on the broker).
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BrokerUp_ResponderKilledWhileItRevokes_ANewResponderCompletesItOnce(bool idpRefusesFirst)
    {
        await using var idp = await RevocationEndpoint.StartAsync(idpRefusesFirst ? RevocationEndpoint.First.Refuse : RevocationEndpoint.First.Hold);
        var topology = await TopologyAsync(
            await sharedRabbit.CreateVirtualHostAsync(Ct),
            [.. idp.DriverSettings, "--set", "Responder:RetryMinBackoff=00:01:00", "--set", "Responder:RetryMaxBackoff=00:01:00"]);
        var responder = await topology.StartResponderAsync("responder-1");
        var pipeline = await topology.StartPipelineAsync();
        const string victim = "dist-held-victim";
        var jti = $"jti-{Guid.NewGuid():N}";
        await topology.AttackAsync(pipeline, victim, jti);

        await idp.WaitForTheFaultAsync(responder, ApiToken, jti);

        responder.Kill();
        await responder.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);

        var restarted = await topology.StartResponderAsync("responder-2");
        await topology.AssertRevokedOnceAsync(pipeline, restarted, victim, jti);

        // Asked again after the restart (the broker's redelivery of the unacknowledged command, or the Responder's
        // re-send of the action left dispatched; RFC 7009 answers a repeat with 200), and only ever for this token.
        Assert.True(idp.Calls.Count >= 2, $"the IdP was not called again after the restart: {idp.Calls.Count} call(s)");
        Assert.All(idp.Calls, token => Assert.Equal(jti, token));
    }

    /// <summary>
    /// What every process of one test's distributed topology is started with: the Kafka cluster at
    /// <paramref name="bootstrap"/> under names of its own (so another test's deployment on the shared cluster never joins
    /// its groups or reads its events: committed offsets live in the cluster, not in the test's database), the PostgreSQL
    /// <paramref name="database"/>, a free port, and consumer groups that notice a dead member in seconds. Called once per test.
    /// </summary>
    internal static string[] Seams(string bootstrap, string database) =>
    [
        "--event-log", "kafka", "--kafka", bootstrap, "--kafka-prefix", $"zt-dist-{Guid.NewGuid():N}.", "--store", "postgres", "--postgres", database,
        "--urls", "http://127.0.0.1:0",
        "--set", "EventLog:KafkaConsumerSettings:session.timeout.ms=6000", "--set", "EventLog:KafkaConsumerSettings:heartbeat.interval.ms=500",
        "--set", "EventLog:TopicCreationTimeout=00:00:02",
    ];

    private async Task<Topology> TopologyAsync(Uri amqp, string[] responderSettings)
    {
        var bootstrap = await kafka.RequireAsync(Ct);
        var database = await postgres.CreateDatabaseAsync(Ct);
        var policy = await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low");
        var seams = Seams(bootstrap, database);

        // Trusted for any subject, so its evidence may revoke automatically.
        var key = await Processes.AddSourceAsync("dist-app", ["--subjects", "*", .. seams], Ct);
        return new Topology(Processes, seams, database, key,
        [
            "run", "--roles", "responder", .. seams, "--bus", "rabbitmq", "--rabbitmq", amqp.ToString(),
            .. ResponsePolicies.ResponderSettings(policy, ApiToken), "--set", $"Responder:Feed:Token={FeedToken}",
            // A command left unfinished by the dead process is sent again within seconds of the restart.
            "--set", "Responder:RedispatchAfter=00:00:02",
            .. responderSettings,
        ]);
    }

    /// <summary>One test's processes: the seams they share, the source's key, and how the Responder is started.</summary>
    private sealed record Topology(ZtStreamProcesses Processes, string[] Seams, string Database, string SourceKey, string[] ResponderArgs)
    {
        public Task<ZtStreamProcess> StartResponderAsync(string name) => Processes.StartAsync(name, ResponderArgs, waitForListening: true, Ct);

        public Task<ZtStreamProcess> StartPipelineAsync() =>
            Processes.StartAsync("ingest-verifier", ["run", "--roles", "ingest,verifier", .. Seams], waitForListening: true, Ct);

        public async Task AttackAsync(ZtStreamProcess pipeline, string victim, string jti)
        {
            using var ingest = ZtStreamApi.Client(pipeline.Url, SourceKey);
            await IngestEvents.PostAcceptedAsync(ingest, IngestEvents.StolenToken(victim, jti));
        }

        /// <summary>
        /// The revocation of <paramref name="jti"/> done once on <paramref name="responder"/>, the SDK refusing the token, and
        /// the audit chain verifying.
        /// </summary>
        public async Task AssertRevokedOnceAsync(ZtStreamProcess pipeline, ZtStreamProcess responder, string victim, string jti)
        {
            using (var api = ZtStreamApi.Client(responder.Url, ApiToken))
            {
                await ZtStreamApi.WaitRevokedOnceAsync(api, jti, responder, Ct);
            }

            await using (var sdk = await SdkProbe.StartAsync(pipeline.Url, SourceKey, responder.Url, FeedToken))
            {
                await sdk.AssertRefusesAsync(victim, jti);
            }

            var verify = await Processes.RunToExitAsync("audit-verify", ["audit", "verify", "--store", "postgres", "--postgres", Database], 0, TimeSpan.FromSeconds(60), Ct);
            Assert.StartsWith("head ", verify.LastStandardOutputLine, StringComparison.Ordinal);
        }
    }
}
