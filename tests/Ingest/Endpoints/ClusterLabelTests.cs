using ZtStream.Ingest.Sources.Scopes;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// A source whose key speaks for one cluster (<c>sources add NAME --cluster CLUSTER</c>), over HTTP: every record it
/// delivers that names no cluster reaches the log labelled <c>attributes["k8s.cluster"]</c> = CLUSTER, whichever endpoint
/// and shape it came in; a record naming another cluster is refused by index and field; an identity provider's records
/// are refused whole.
/// </summary>
public sealed class ClusterLabelTests
{
    private const string Cluster = "prod-eu";

    private static SourceScope Labelled(string kind) => new(Kinds: [kind], Cluster: Cluster);

    private static string Trace(string name) => Encoding.UTF8.GetString(Sources.TestData.K8sTrace(name)).Trim();

    public static TheoryData<string, string, int> WebhookShapes => new()
    {
        // The API server's webhook batches an EventList; one Event, an array and one event per line are read too.
        { "EventList", $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{Trace("create_configmap.json")}},{{Trace("create_clusterrole.json")}}]}""", 2 },
        { "Event", Trace("create_kube_system_secret.json"), 1 },
        { "NDJSON", Trace("create_configmap.json") + "\n" + Trace("attach_pod.json") + "\n", 2 },
    };

    [Theory]
    [MemberData(nameof(WebhookShapes))]
    public async Task PostAuditWebhook_ByLabelledSource_EveryEventOfEachShapeLabelledWithItsCluster(string shape, string body, int count)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("kube-prod-eu", Labelled(EventKinds.K8sAudit));

        var logged = await server.PostAcceptedAsync("/v1/sources/k8s-audit", Encoding.UTF8.GetBytes(body), key, count);

        Assert.All(logged, r => Assert.Equal((Cluster, "kube-prod-eu"), (r.Event.Attr(K8sAuditMapper.ClusterAttribute), r.Event.Source)));
        Assert.True(logged.All(r => r.Event.Kind == EventKinds.K8sAudit), shape);
    }

    [Fact]
    public async Task PostAuditWebhook_SameEventsFromAnUnlabelledSource_NameNoCluster()
    {
        // The other side of the test above: without --cluster nothing is added.
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("kube", new SourceScope(Kinds: [EventKinds.K8sAudit]));

        var logged = await server.PostAcceptedAsync("/v1/sources/k8s-audit", Sources.TestData.K8sTrace("create_configmap.json"), key, 1);

        Assert.Null(Assert.Single(logged).Event.Attr(K8sAuditMapper.ClusterAttribute));
    }

    /// <summary>An EKS envelope names its cluster (the log group's): the labelled source of another cluster is refused for each event, its own accepted.</summary>
    [Theory]
    [InlineData("prod-eks", true)]
    [InlineData("prod-eu", false)]
    public async Task PostManagedEnvelope_NamingItsCluster_AcceptedOnlyByTheSourceOfThatCluster(string label, bool accepted)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("eks", new SourceScope(Kinds: [EventKinds.K8sAudit], Cluster: label));

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Sources.TestData.Managed("eks-cloudwatch-subscription.json"), key);

        if (accepted)
        {
            await IngestAnswer.AcceptedAsync(response, 2);
            Assert.All(await server.ReadLoggedAsync(2), r => Assert.Equal("prod-eks", r.Event.Attr(K8sAuditMapper.ClusterAttribute)));
            return;
        }

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal([(0, SourceScope.ClusterField), (1, SourceScope.ClusterField)], errors.Select(e => (e.Index, e.Field)));
        Assert.All(errors, e => Assert.Equal("outside the scope of source eks: its key speaks for cluster prod-eu only, and this event names 'prod-eks'", e.Reason));
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>
    /// Falco's alert becomes an event whose attributes hold Falco's own (rule, priority …): the label joins them, as
    /// http_output and falcosidekick post it.
    /// </summary>
    [Theory]
    [InlineData("terminal-shell.json")]
    [InlineData("sidekick-webhook.json")]
    public async Task PostFalco_ByLabelledSource_AlertLabelledBesideFalcosAttributes(string file)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("falco-prod-eu", Labelled(EventKinds.RuntimeAlert));

        var e = Assert.Single(await server.PostAcceptedAsync("/v1/sources/falco", Sources.TestData.Falco(file), key, 1)).Event;

        Assert.Equal(Cluster, e.Attr(K8sAuditMapper.ClusterAttribute));
        Assert.Equal("Terminal shell in container", e.Attr("falco.rule"));
    }

    /// <summary>
    /// Canonical events (an SDK app) as NDJSON: without attributes, with others, naming the cluster plainly or escaped,
    /// null or "" — all labelled, their own attributes kept; naming another cluster (also as the last of two), or a cluster
    /// that is no string, refused by index and field (207), the rest accepted.
    /// </summary>
    [Fact]
    public async Task PostEvents_NdjsonFromLabelledSource_LabelledWhereNamingNone_RefusedWhereNamingAnother()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("orders-api", new SourceScope(Kinds: ["access.*"], Cluster: Cluster));
        string[] attributes =
        [
            "",
            ""","attributes":null""",
            ""","attributes":{"team":"orders"}""",
            ""","attributes":{"k8s.cluster":"prod-eu","team":"orders"}""",
            ""","attributes":{"k8s.cluster":"staging"}""",
            ""","attributes":{"team":"orders","k8s.cluster":"pr\u006fd-eu"}""",
            ""","attributes":{"k8s.cluster":null,"team":"orders"}""",
            ""","attributes":{"k8s.cluster":""}""",
            ""","attributes":{"k8s.cluster":42}""",
            ""","attributes":{"k8s.cluster":"prod-eu","k8s.cluster":"staging"}""",
        ];
        var body = string.Join('\n', attributes.Select((a, i) => Payloads.Event($"o-{i}", extra: a)));

        using var response = await server.PostAsync("/v1/events", body, key, "application/x-ndjson");

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal([4, 8, 9], errors.Select(e => e.Index));
        Assert.All(errors, e => Assert.Equal(SourceScope.ClusterField, e.Field));
        Assert.Contains("names 'staging'", errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("is not a string", errors[1].Reason, StringComparison.Ordinal);
        // Named twice, the contract keeps the last: another cluster.
        Assert.Contains("names 'staging'", errors[2].Reason, StringComparison.Ordinal);
        var logged = await server.ReadLoggedAsync(10 - errors.Count, TimeSpan.FromMilliseconds(300));
        Assert.Equal(["o-0", "o-1", "o-2", "o-3", "o-5", "o-6", "o-7"], logged.Select(r => r.Event.Id).Order(StringComparer.Ordinal));
        Assert.All(logged, r => Assert.Equal(Cluster, r.Event.Attr(K8sAuditMapper.ClusterAttribute)));
        Assert.All(logged.Where(r => r.Event.Id is "o-2" or "o-3" or "o-5" or "o-6"), r => Assert.Equal("orders", r.Event.Attr("team")));
    }

    [Fact]
    public async Task PostIdentityProvider_ByLabelledSource_Refused403_NothingLogged()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta-in-a-cluster", new SourceScope(Cluster: Cluster));

        using var response = await server.PostAsync("/v1/sources/okta", Sources.TestData.Idp("okta", "event-hook-delivery.json"), key);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.Forbidden, "outside-scope");
        Assert.Contains("speaks for cluster prod-eu (--cluster), and the records of okta are of an identity provider", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>
    /// Okta's verification of its hook is answered only to a key its deliveries would be taken from: one labelled with a
    /// cluster is refused as its deliveries are, or Okta would call the hook verified and every delivery would fail.
    /// </summary>
    [Fact]
    public async Task GetOktaVerification_ByLabelledSource_Refused403_ChallengeNotEchoed()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("okta-in-a-cluster", new SourceScope(Cluster: Cluster));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sources/okta");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-okta-verification-challenge", "X8rW9t7b0lZc3nYf2kPq");

        using var response = await server.Client.SendAsync(request, Ct);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.Forbidden, "outside-scope");
        Assert.Contains("speaks for cluster prod-eu (--cluster), and the records of okta are of an identity provider", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("X8rW9t7b0lZc3nYf2kPq", problem.GetRawText(), StringComparison.Ordinal);
    }
}
