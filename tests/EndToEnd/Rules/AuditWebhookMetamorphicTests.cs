using ZtStream.TestSupport.Fuzzing;
using ZtStream.TestSupport.Rules.Metamorphic;
using ZtStream.TestSupport.SharedSignals;

namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// "Same behaviour, same verdict" (docs/rules.md) along the path a user's cluster takes: one real <c>ztstream run</c>
/// with the built-in library (<see cref="AuditClustersRun"/>), each cluster a source of its own (<c>sources add --kinds
/// k8s.audit --cluster</c>), Falco's regression traces and the k8s-audit evaluation set posted as its API server's audit
/// webhook or its cloud's log pipeline posts them, the alerts read back from the Responder's API. Every variant is
/// another cluster with every name no rule reads renamed (users, groups, namespaces, objects, service accounts, UIDs,
/// addresses, IPv6 too, user agents): its alerts are the original cluster's, principal for principal, rule for rule, on
/// the same events, renamed. Seeded (<c>ZTSTREAM_METAMORPHIC_SEED</c>; the seed is in every failure).
/// </summary>
public sealed class AuditWebhookMetamorphicTests(AuditClustersRun run) : IClassFixture<AuditClustersRun>
{
    /// <summary>
    /// The webhook's shapes: <c>v1beta1</c>; a time only in <c>timestamp</c> or <c>stageTimestamp</c>, in other offsets
    /// and fraction digits; members in another order; <c>EventList</c> batches of the webhook's sizes, one Event per
    /// request, NDJSON, and each request's <c>RequestReceived</c> and later stage in different POSTs.
    /// </summary>
    [Fact]
    public void WebhookShapes_RenamedClusters_SameAlerts() => run.AssertSameVerdicts(AuditClustersRun.WebhookShapes);

    /// <summary>
    /// The managed clusters' envelopes, written from the vendors' documentation (<see cref="ManagedClusterDeliveries"/>):
    /// AKS diagnostic settings through an event hub, AKS's <c>AKSAudit</c> rows from the Log Analytics query API, EKS's
    /// log group through Amazon Data Firehose and through a Lambda subscription, GKE's Cloud Audit Logs entries read back
    /// from a sink's export and pushed by an authenticated Pub/Sub subscription. Each cluster is named by its envelope and
    /// registered as docs/sources.md says (<c>--cluster</c> as the envelope names it, the push's service account for its
    /// source in <c>Ingest:PubSubPush</c>).
    /// GKE's entry does not carry all the webhook's event does, and two of the fields it leaves out change a verdict,
    /// so on both sides the GKE clusters' comparison leaves out what depends on them (<see cref="GkeUnlogged"/>): the
    /// request URI's query (<c>resourceName</c> is the object's path: an exec's <c>command</c> and <c>container</c> are
    /// not in it), so every loaded rule that reads the request URI or the exec command Ingest decodes from it, and an alert
    /// those rules' reasons lifted over the threshold; and <c>impersonatedUser</c> (the entry names only
    /// the caller), so the events of an impersonated request, which are the caller's on GKE and the impersonated user's on
    /// the webhook. The user's groups, uid and <c>extra</c>, which GKE does not log either, change no verdict of this corpus.
    /// </summary>
    [Fact]
    public void ManagedClusterEnvelopes_RenamedClusters_SameAlertsAsTheWebhook() => run.AssertSameVerdicts(AuditClustersRun.Envelopes);
}

/// <summary>
/// The one <c>ztstream run</c> of <see cref="AuditWebhookMetamorphicTests"/>: every variant's source registered, every
/// variant posted (the original first), every event scored, and the alerts read once.
/// </summary>
public sealed class AuditClustersRun : IAsyncLifetime
{
    public static readonly string[] WebhookShapes =
    [
        "v1beta1/request-received-split", "offsets/split", "only-timestamp/eventlist", "reordered/event-per-request", "only-stageTimestamp/ndjson",
    ];

    public static readonly string[] Envelopes = ["aks-diagnostic-records", "aks-log-analytics-query", "eks-firehose", "eks-lambda", "gke-logging-export", "gke-pubsub-push"];

    /// <summary>The default configuration alerts at a score of 60 and above.</summary>
    private const double AlertThreshold = 60;
    private const string ApiToken = "e2e-metamorphic-token-0123456789abcdef0123456";
    private const string AuditPath = "/v1/sources/k8s-audit";
    private const string PushAccount = "ztstream-push@" + ManagedClusterDeliveries.GkeProject + ".iam.gserviceaccount.com";
    private const string PushAudience = "https://ingest.example.com/v1/sources/k8s-audit";
    private static readonly int Seed = JsonReshaper.Setting("ZTSTREAM_METAMORPHIC_SEED", 20261204);
    private readonly ZtStreamProcesses processes = new("zt-e2e-auditwire-");
    private List<Variant> variants = [];
    private TestTransmitter google = null!;
    private List<JsonElement> alerts = [];
    private int events;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var corpus = AuditCorpusFiles.Events();
        events = corpus.Count;
        variants = Variants(corpus, RuleLiterals.Of(AuditCorpusFiles.BuiltinRules()));
        string[] seams = ["--sqlite", processes.SqlitePath];
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in variants)
        {
            keys[v.Source] = await processes.AddSourceAsync(v.Source, ["--kinds", "k8s.audit", "--cluster", v.Cluster, .. seams], ct);
        }

        // Google's signing keys for the Pub/Sub push tokens, on loopback; each pushed cluster's source speaks through them.
        google = await TestTransmitter.StartAsync("https://accounts.google.com");
        var pushes = variants.Where(v => v.Posts.Any(p => p.PubSubPush)).SelectMany(v => new[]
        {
            "--set", $"Ingest:PubSubPush:Sources:{v.Source}:ServiceAccounts:0={PushAccount}",
            "--set", $"Ingest:PubSubPush:Sources:{v.Source}:Audiences:0={PushAudience}",
            "--set", $"Ingest:PubSubPush:Sources:{v.Source}:JwksUri={google.JwksUri}",
        });
        var run = await processes.RunAsync("run", [.. seams, .. pushes,
            "--set", "Ingest:MaxEventAge=3650.00:00:00",
            // What the rules and the policy decide, alone: the learned detectors (baselines, the model) learn from every
            // cluster's stream, so they would not give the same answer twice; alerts are never swept while the recordings
            // of 2018 and 2026 interleave, and no principal is capped.
            "--set", "Verifier:ModelEnabled=false", "--set", "Verifier:WarmUp=3650.00:00:00", "--set", "Verifier:DedupWindow=3650.00:00:00",
            "--set", "Verifier:MaxOpenAlertsPerPrincipal=100000",
            .. ZtStreamApi.ApiToken("responder", ApiToken, "soc")], ct);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        var posted = 0;
        foreach (var v in variants)
        {
            using var kube = ZtStreamApi.Client(run.Url, keys[v.Source]);
            using var push = ZtStreamApi.Client(run.Url, PushToken());
            foreach (var post in v.Posts)
            {
                if (post.FirehoseRequestId is { } requestId)
                {
                    await PostFirehoseAsync(kube, keys[v.Source], requestId, post.Body, v.Name, ct);
                }
                else
                {
                    await ZtStreamApi.PostAcceptedAsync(post.PubSubPush ? push : kube, AuditPath, post.Body, ct);
                }
            }

            posted += v.Items;
        }

        await WaitScoredAsync(api, posted, run, ct);
        alerts = await ZtStreamApi.AllAlertsAsync(api, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await processes.DisposeAsync();
        if (google is not null)
        {
            await google.DisposeAsync();
        }
    }

    /// <summary>Fails, naming the seed, each variant of <paramref name="names"/> and what its alerts say otherwise, unless each says what the original's do.</summary>
    public void AssertSameVerdicts(IReadOnlyList<string> names)
    {
        var bySource = variants.ToDictionary(v => v.Source, _ => new List<JsonElement>(), StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            var sources = alert.TryGetProperty("evidence_sources", out var s) ? s.EnumerateArray().Select(x => x.GetString()!).Distinct().ToList() : [];
            if (sources.Count == 1)
            {
                bySource[sources[0]].Add(alert);
            }
        }

        // A principal that is one in every cluster (a person, an address) and that a variant leaves as it is (a name or an
        // address a rule reads) is the same principal in every variant: its alerts gather every variant's events, so it is
        // compared nowhere. Every other principal is its cluster's own.
        var original = variants[0];
        var shared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in variants.Skip(1))
        {
            foreach (var (alert, left) in bySource[original.Source].Select(a => (a, v.Renaming!.Map(a.GetProperty("principal").GetString()!) == a.GetProperty("principal").GetString()))
                .Concat(bySource[v.Source].Select(a => (a, !v.Renaming!.Wrote(a.GetProperty("principal").GetString()!)))))
            {
                if (left && !alert.TryGetProperty("principal_cluster", out _))
                {
                    shared.Add(alert.GetProperty("principal").GetString()!);
                }
            }
        }

        var baseline = Verdict(bySource[original.Source], shared, null, null, null, GivenIds(original));
        Assert.True(baseline.Count >= 30, $"seed {Seed}: only {baseline.Count} principals' alerts to compare:\n{string.Join("\n", baseline)}");
        var failures = new List<string>();
        foreach (var v in variants.Where(v => names.Contains(v.Name)))
        {
            var expected = Verdict(bySource[original.Source], shared, v.Renaming, v.Unlogged, v.Unlogged?.OriginalEvents, GivenIds(original));
            var actual = Verdict(bySource[v.Source], shared, null, v.Unlogged, v.Unlogged?.Events, GivenIds(v));
            var missing = expected.Except(actual).ToList();
            var extra = actual.Except(expected).ToList();
            if (missing.Count + extra.Count > 0)
            {
                failures.Add($"{v.Name} (cluster {v.Cluster}): missing {missing.Count}:\n  {string.Join("\n  ", missing.Take(10))}\nextra {extra.Count}:\n  {string.Join("\n  ", extra.Take(10))}");
            }
        }

        Assert.True(failures.Count == 0, $"seed {Seed}, {events} events, {baseline.Count} lines of the original's alerts compared, {shared.Count} principals shared:\n{string.Join("\n", failures)}");
    }

    /// <summary>
    /// What the alerts of one cluster say, one line per principal, workload and resource class: the reasons' rules, and
    /// the events they were raised on (each once, however many stages or scorings an event had), with every name as
    /// <paramref name="renaming"/> writes it; without the reasons of <paramref name="unlogged"/>'s rules and the alerts
    /// raised on <paramref name="unloggedEvents"/> alone; events by the <c>auditID</c> they were given (<paramref name="givenIds"/>).
    /// </summary>
    private static List<string> Verdict(List<JsonElement> alerts, HashSet<string> shared, AuditRenaming? renaming, Unlogged? unlogged, HashSet<string>? unloggedEvents, Dictionary<string, string> givenIds)
    {
        string Map(string text) => renaming is null ? text : renaming.Map(text);
        IEnumerable<string> Evidence(JsonElement a) => a.GetProperty("evidence_event_ids").EnumerateArray().Select(e => givenIds[e.GetString()!]);
        IEnumerable<string> Rules(JsonElement a) =>
            a.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("rule").GetString()!).Where(r => unlogged?.Rules.Contains(r) != true);
        // Without the unlogged rules' reasons the alert must still reach the threshold: an exec an allowed operator ran is
        // k8s-pod-exec's 50 alone once its command is gone, which GKE's entry raises no alert on.
        double Remaining(JsonElement a) => 100 * (1 - a.GetProperty("reasons").EnumerateArray()
            .Where(r => unlogged?.Rules.Contains(r.GetProperty("rule").GetString()!) != true)
            .Aggregate(1.0, (left, r) => left * (1 - (r.GetProperty("score").GetDouble() / 100))));
        bool Logged(JsonElement a) => (unlogged is null || (Rules(a).Any() && Remaining(a) >= AlertThreshold))
            && (unloggedEvents is null || Evidence(a).Any(e => !unloggedEvents.Contains(e)));
        return [.. alerts.Where(a => !shared.Contains(a.GetProperty("principal").GetString()!) && Logged(a))
            .GroupBy(a => (
                Principal: Map(a.GetProperty("principal").GetString()!),
                Workload: a.TryGetProperty("workload", out var w) && w.ValueKind == JsonValueKind.Object ? Map(w.GetProperty("id").GetString()!) : "",
                Class: a.GetProperty("resource_class").GetString()))
            .Select(g => $"{g.Key.Principal} | {g.Key.Workload} | {g.Key.Class} | "
                + string.Join(",", g.SelectMany(Rules).Distinct().Order(StringComparer.Ordinal))
                + " | " + string.Join(",", g.SelectMany(Evidence).Select(Map).Distinct().Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Each event id of a variant's posts, as the <c>auditID</c> its request was given: the event id digests it with the
    /// request's names and time, which a variant renames and reshapes.
    /// </summary>
    private static Dictionary<string, string> GivenIds(Variant v)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        // An event written without a time is dated on arrival; its id does not depend on when.
        var undated = ZtStream.Ingest.Sources.SourceMapOptions.Default with { ReceivedAt = DateTimeOffset.UnixEpoch };
        foreach (var post in v.Posts)
        {
            foreach (var e in ZtStream.Ingest.Sources.K8sAudit.K8sAuditMapper.Map(Encoding.UTF8.GetBytes(post.Body), undated).Events)
            {
                ids[e.Id] = e.Attributes is { } a && a.TryGetValue("k8s.audit_id", out var id) ? id.GetString()! : e.Id;
            }
        }

        return ids;
    }

    private sealed record Post(string Body, string? FirehoseRequestId = null, bool PubSubPush = false);

    /// <summary>What a delivery never carries and its alerts are compared without: rules, and events by their original and their renamed ids.</summary>
    private sealed record Unlogged(HashSet<string> Rules, HashSet<string> OriginalEvents, HashSet<string> Events);

    private sealed record Variant(string Name, string Cluster, AuditRenaming? Renaming, List<Post> Posts, int Items, Unlogged? Unlogged = null)
    {
        public string Source => "kube-" + Cluster.ToLowerInvariant();
    }

    private static List<Variant> Variants(List<JsonObject> corpus, RuleLiterals literals)
    {
        var random = new Random(Seed);
        string Name() => $"{(char)('a' + random.Next(26))}{random.Next():x}";
        static List<Post> Bodies(IEnumerable<string> bodies) => [.. bodies.Select(b => new Post(b))];
        var result = new List<Variant>
        {
            new("original", Name(), null, Bodies(AuditShapes.Deliver(corpus, "split", random).Select(Encoding.UTF8.GetString)), corpus.Count),
        };
        var seed = Seed;
        foreach (var name in WebhookShapes)
        {
            var (shape, delivery) = (name.Split('/')[0], name.Split('/')[1]);
            var renaming = new AuditRenaming(literals, corpus, ++seed);
            var shaped = corpus.Select(e => AuditShapes.Shape(renaming.Rename(e), shape, random)).ToList();
            var items = delivery.StartsWith("request-received", StringComparison.Ordinal) ? 2 * corpus.Count : corpus.Count;
            result.Add(new Variant(name, Name(), renaming, Bodies(AuditShapes.Deliver(shaped, delivery, random).Select(Encoding.UTF8.GetString)), items));
        }

        foreach (var name in Envelopes)
        {
            var renaming = new AuditRenaming(literals, corpus, ++seed);
            var renamed = corpus.Select(renaming.Rename).ToList();
            // AKS names a cluster as Azure writes its resource id, upper case; EKS as its log group, GKE as its resource label.
            var cluster = name.StartsWith("aks", StringComparison.Ordinal) ? Name().ToUpperInvariant() : Name();
            var posts = name switch
            {
                "aks-diagnostic-records" => Bodies(ManagedClusterDeliveries.AksDiagnosticRecords(renamed, cluster, random)),
                "aks-log-analytics-query" => Bodies(ManagedClusterDeliveries.AksQueryAnswers(renamed, cluster, random)),
                "eks-firehose" => [.. ManagedClusterDeliveries.EksFirehose(renamed, cluster, random).Select(d => new Post(d.Body, d.RequestId))],
                "gke-logging-export" => Bodies(ManagedClusterDeliveries.GkeLoggingExport(ManagedClusterDeliveries.GkeEntries(renamed, cluster, random), random)),
                "gke-pubsub-push" => [.. ManagedClusterDeliveries.GkePubSubPushes(ManagedClusterDeliveries.GkeEntries(renamed, cluster, random), random).Select(b => new Post(b, PubSubPush: true))],
                _ => Bodies(ManagedClusterDeliveries.EksLambda(renamed, cluster, random)),
            };
            result.Add(new Variant(name, cluster, renaming, posts, corpus.Count, name.StartsWith("gke", StringComparison.Ordinal) ? GkeUnlogged(corpus, renaming) : null));
        }

        return result;
    }

    /// <summary>
    /// What GKE's entry leaves out that decides a verdict of this corpus: the loaded rules that read the request URI (its
    /// query is not in <c>resourceName</c>), directly or as the exec command Ingest decodes from it
    /// (<c>k8s.exec_command</c>), and the impersonated requests (no <c>impersonatedUser</c>: GKE's event is the caller's).
    /// </summary>
    private static Unlogged GkeUnlogged(List<JsonObject> corpus, AuditRenaming renaming)
    {
        var reads = new RuleFieldReads(AuditCorpusFiles.BuiltinRules());
        string[] requestUri = ["requestURI", "ka.uri", "request_uri", "exec_command"];
        var impersonated = corpus.Where(e => e["impersonatedUser"] is not null).Select(e => e["auditID"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        return new Unlogged(
            reads.Rules.Where(r => reads.Reads(r, requestUri)).ToHashSet(StringComparer.Ordinal),
            impersonated,
            impersonated.Select(renaming.Map).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The OIDC token Pub/Sub sends with a push (Google's claims for an authenticated push subscription).</summary>
    private string PushToken() => google.Sign(TestTransmitter.PubSubPushClaims(PushAudience, PushAccount), typ: "JWT");

    /// <summary>
    /// As Amazon Data Firehose delivers to an HTTP endpoint: the source key in its access-key header, its request id; done
    /// only on 200 with that request id.
    /// </summary>
    private static async Task PostFirehoseAsync(HttpClient http, string key, string requestId, string body, string variant, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(AuditPath + "/firehose", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = null;
        request.Headers.Add("X-Amz-Firehose-Access-Key", key);
        request.Headers.Add("X-Amz-Firehose-Request-Id", requestId);
        using var response = await http.SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"seed {Seed}, {variant}: {(int)response.StatusCode} {answer}");
        Assert.Equal(requestId, JsonDocument.Parse(answer).RootElement.GetProperty("requestId").GetString());
    }

    private static async Task WaitScoredAsync(HttpClient api, int posted, ZtStreamProcess run, CancellationToken ct)
    {
        double seen = 0;
        var done = await Eventually.WithinAsync(async () =>
        {
            var text = await api.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
            seen = Metric(text, "ztstream_verifier_events_scored_total") + Metric(text, "ztstream_verifier_events_duplicate_total");
            return seen >= posted;
        }, TimeSpan.FromMinutes(2), ct);
        Assert.True(done, $"seed {Seed}: the Verifier scored {seen} of {posted} events:\n{run.Output}");

        // The Responder stores what the Verifier raised after it scored: until the queue stands still.
        var last = "";
        for (var i = 0; i < 40; i++)
        {
            var now = string.Join(",", (await ZtStreamApi.AllAlertsAsync(api, ct)).Select(a => a.GetProperty("count").GetInt32()));
            if (now == last)
            {
                return;
            }

            last = now;
            await Task.Delay(1000, ct);
        }
    }

    private static double Metric(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)).Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).Sum();
}
