namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// Audit events in the shapes clusters other than the webhook's reference write them (TestData/k8s-audit/clusters:
/// failed authentication, OpenShift's OAuth server, EKS, AKS, k3s, audit.k8s.io/v1beta1, extension API servers),
/// posted to <c>/v1/sources/k8s-audit</c> as a delivery would post them: none refused, each mapped to who did what,
/// to which object, from where and with what outcome.
/// </summary>
public sealed class ClusterAuditShapesTests
{
    // The fixtures are dated when they were written; the age limit is not what these tests are about.

    [Fact]
    public async Task PostFailedAuthentications_EachIsLoggedAsADeniedRequestOfItsAddress()
    {
        var events = await PostAllAsync("failed-authentication.ndjson", 3);

        Assert.Equal(
            [
                ("ip:203.0.113.41", "anonymous", 401, Outcomes.Denied, "203.0.113.41", "selfsubjectaccessreviews"),
                ("ip:2001:db8:40::1d", "anonymous", 401, Outcomes.Denied, "2001:db8:40::1d", "widgets"),
                // Written without a code: the status reason Unauthorized stands for it. Keyed by the address the
                // server's connection came from; the address before it is X-Forwarded-For, which the caller writes.
                ("ip:10.0.0.4", "anonymous", 401, Outcomes.Denied, "198.51.100.23", "secrets"),
            ],
            events.Select(e => (e.Subject?.Id, e.Subject?.Type, e.Status, e.Outcome, e.Network?.SrcIp, e.Resource?.Type)));
        Assert.All(events, e => Assert.Null(e.Workload));
        Assert.Equal(["198.51.100.23", "10.0.0.4"], events[2].List("k8s.source_ips"));
    }

    [Fact]
    public async Task PostOpenShiftOAuthServerLogins_SubjectIsTheAccountTriedAndOutcomeTheLoginsDecision()
    {
        var logged = await PostAllAsync("openshift-oauth-server.ndjson", 7);
        var events = logged.Where(e => e.Attr(AddressTwins.TwinOf) is null).ToArray();

        // Each refused login of an account also goes, as its address twin, to the address the OAuth server saw (the
        // router's), where the spraying rules count accounts (docs/events.md).
        Assert.Equal(
            [("ip:10.128.0.2", "ops-bot"), ("ip:10.128.0.2", "rosa.ng")],
            logged.Where(e => e.Attr(AddressTwins.TwinOf) is not null).Select(e => (e.Subject?.Id, e.Attr(AddressTwins.Account))).Order());

        Assert.Equal(
            [
                ("rosa.ng", "user", 302, Outcomes.Success),
                // A refused password is answered with a redirect back to the login page: 302, yet denied.
                ("rosa.ng", "user", 302, Outcomes.Denied),
                ("ops-bot", "user", 401, Outcomes.Denied),
                ("corp-oidc:kai.marsh", "user", 302, Outcomes.Error),
                // A refusal naming no account, the token exchange and a login's first stage stay anonymous requests,
                // of the address the OAuth server's connection came from (the router's).
                ("ip:10.128.0.2", "anonymous", 302, Outcomes.Denied),
                ("ip:10.128.0.2", "anonymous", 200, Outcomes.Success),
                ("ip:10.128.0.2", "anonymous", (int?)null, (string?)null),
            ],
            events.Select(e => (e.Subject?.Id, e.Subject?.Type, e.Status, e.Outcome)));
        Assert.Equal(("non_resource_url", "/login/corp-ldap"), (events[1].Resource?.Type, events[1].Resource?.Id));
        Assert.Equal("10.128.0.2", events[1].Network?.SrcIp);
    }

    [Fact]
    public async Task PostEventsOfVariedClusters_EveryOneIsMappedToWhoWhatWhereAndHow()
    {
        var events = await PostAllAsync("varied-clusters.ndjson", 8);

        Assert.Equal(
            [
                ("arn:aws:iam::111122223333:role/PlatformAdmin", "user", "create", "pods/exec", "payments/ledger-6d9f7-kq2x8", Outcomes.Success, "198.51.100.77"),
                ("system:node:ip-10-20-3-44.eu-west-1.compute.internal", "node", "patch", "pods/status", "payments/ledger-6d9f7-kq2x8", Outcomes.Success, "10.20.3.44"),
                ("lee.park@contoso.example", "user", "get", "secrets", "web/tls-frontdoor", Outcomes.Denied, "2001:db8:1234::2a"),
                ("system:kube-controller-manager", "user", "watch", "configmaps", "kube-system/", Outcomes.Success, "192.0.2.10"),
                ("system:serviceaccount:payments:deployer", "service_account", "patch", "deployments", "payments/ledger", Outcomes.Success, "192.0.2.55"),
                ("system:serviceaccount:monitoring:prometheus-k8s", "service_account", "get", "non_resource_url", "/metrics", Outcomes.Success, "10.42.0.17"),
                ("system:serviceaccount:kube-system:horizontal-pod-autoscaler", "service_account", "list", "pods", "payments/", Outcomes.Success, "10.42.0.3"),
                ("system:admin", "user", "delete", "configmaps", "edge/sensor-map", Outcomes.Success, "127.0.0.1"),
            ],
            events.Select(e => (e.Subject?.Id, e.Subject?.Type, e.Action, e.Resource?.Type, e.Resource?.Id, e.Outcome, e.Network?.SrcIp)));

        // audit.k8s.io/v1beta1 dated only by "timestamp".
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 4, TimeSpan.Zero), events[3].Time);
        Assert.Equal("timestamp", events[3].Attr(TimeSources.Attribute));
        // Impersonation: the workload is the impersonated service account, never the pod its extra names (the caller's
        // Impersonate-Extra-* headers); the real caller stays visible.
        Assert.Equal(("payments/serviceaccount:deployer", null), (events[4].Workload?.Id, events[4].Workload?.Node));
        Assert.Equal("ci-runner@example.org", events[4].Attr("k8s.impersonated_by"));
        Assert.Equal("kube-system/serviceaccount:horizontal-pod-autoscaler", events[6].Workload?.Id);
        Assert.Null(events[7].Status);
        Assert.Contains("0f3c6a1e-7d2b-4c55-9e11-2a9b7c4d5e60", events[2].List("k8s.groups"));
        // The IAM role behind the access entry's session name is the principal; the session stays in the attributes.
        Assert.Equal(("arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jo.ortiz", "jo.ortiz", "111122223333"),
            (events[0].Attr("k8s.username"), events[0].Attr("aws.session_name"), events[0].Subject?.Tenant));
        Assert.Equal("6a1f0c2d-3e4b-4f5a-9b8c-7d6e5f4a3b2c", events[2].Attr("idp.user_id"));
    }

    [Fact]
    public async Task PostEventsOfVariedClusters_EntraSubjectsByObjectId_TheAksUserIsNamedByItsOid()
    {
        await using var server = await IngestServer.StartInProcessAsync(new(IngestServer.AnyAge) { ["Ingest:IdentitySubjects:entra"] = "user_id" });
        var key = await server.AddSourceAsync("cluster-audit");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Sources.TestData.Cluster("varied-clusters.ndjson"), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var aks = Assert.Single(await server.ReadLoggedAsync(8), r => r.Event.GivenId().Contains("-aks-", StringComparison.Ordinal)).Event;
        Assert.Equal(("6a1f0c2d-3e4b-4f5a-9b8c-7d6e5f4a3b2c", "lee.park@contoso.example"), (aks.Subject?.Id, aks.Attr("k8s.username")));
    }

    [Fact]
    public async Task PostEventListWithoutKind_OfAnExtensionApiServer_EveryItemIsMapped()
    {
        var events = await PostAllAsync("extension-apiserver-webhook.json", 2);

        Assert.Equal(
            [
                ("system:serviceaccount:kube-system:horizontal-pod-autoscaler", "get", "pods", "shop/cart-5f6d7", (int?)200, Outcomes.Success),
                // A create names its object only in the body.
                ("dev@shop.example", "create", "restores", "shop/nightly", 403, Outcomes.Denied),
            ],
            events.Select(e => (e.Subject?.Id, e.Action, e.Resource?.Type, e.Resource?.Id, e.Status, e.Outcome)));
    }

    [Fact]
    public async Task PostLogShippersRecords_TheLineIsTheEventAndACutLineIsListedByItsField()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("rke2-audit");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Sources.TestData.Cluster("log-shippers.ndjson"), key);

        var error = Assert.Single(await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus));
        Assert.Equal((2, "log"), (error.Index, error.Field));
        var events = (await server.ReadLoggedAsync(2)).Select(r => r.Event).OrderBy(e => e.GivenId(), StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                ("kubernetes-admin", "pods/portforward", "default/web-0", "172.18.0.1"),
                ("system:serviceaccount:cattle-system:rancher", "secrets", "cattle-system/tls-rancher", "10.42.1.9"),
            ],
            events.Select(e => (e.Subject?.Id, e.Resource?.Type, e.Resource?.Id, e.Network?.SrcIp)));
    }

    /// <summary>Posts a fixture and returns what was logged, in the fixture's order (their ids sort as their lines).</summary>
    /// <summary>
    /// What a caller writes can be of any length, and the API server audits it as written (audit.k8s.io/v1: the request's
    /// URI, the object's name from the path, the User-Agent header): a scanner probing a name of 3,000 characters, a path
    /// of 5,000 (answered 404) and a 3,000-character user agent. Each request is accepted, its values bounded within
    /// Ingest:MaxFieldLength, never refused and so unseen.
    /// </summary>
    [Fact]
    public async Task PostRequestsWithOverLongValues_EachIsAcceptedWithItsValuesBounded()
    {
        var name = new string('a', 3_000);
        var path = "/apis/" + string.Concat(Enumerable.Repeat("..%2f", 1_000));
        var agent = "Mozilla/5.0 " + new string('x', 3_000);
        string Event(int n, string uri, string objectRef) => $$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0c7d1e2f-long-4a5b-9c01-00000000000{{n}}","stage":"ResponseComplete","requestURI":"{{uri}}","verb":"get","user":{"username":"system:anonymous","groups":["system:unauthenticated"]},"sourceIPs":["203.0.113.66"],"userAgent":"{{agent}}",{{objectRef}}"responseStatus":{"metadata":{},"status":"Failure","reason":"NotFound","code":404},"requestReceivedTimestamp":"2026-11-30T22:10:0{{n}}.000000Z","stageTimestamp":"2026-11-30T22:10:0{{n}}.000500Z"}
            """;
        var body = Event(1, "/api/v1/namespaces/default/pods/" + name, $$"""
            "objectRef":{"resource":"pods","namespace":"default","name":"{{name}}","apiVersion":"v1"},
            """.Trim()) + "\n" + Event(2, path, "") + "\n" + Event(3, "/api/v1/namespaces/default/pods/" + name + "b", $$"""
            "objectRef":{"resource":"pods","namespace":"default","name":"{{name}}b","apiVersion":"v1"},
            """.Trim());
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("cluster-audit");

        var read = await server.PostAcceptedAsync("/v1/sources/k8s-audit", Encoding.UTF8.GetBytes(body), key, 3, "application/x-ndjson");

        var events = read.Select(r => r.Event).OrderBy(e => e.GivenId(), StringComparer.Ordinal).ToArray();
        Assert.All(events, e => Assert.InRange(e.Resource!.Id!.Length, 1_000, 2_048));
        Assert.All(events, e => Assert.InRange(e.UserAgent!.Length, 1_000, 2_048));
        Assert.StartsWith("default/aaaa", events[0].Resource!.Id, StringComparison.Ordinal);
        Assert.Equal(("pods", "non_resource_url", "pods"), (events[0].Resource!.Type, events[1].Resource!.Type, events[2].Resource!.Type));
        // Two names that share their head stay two resources.
        Assert.NotEqual(events[0].Resource!.Id, events[2].Resource!.Id);
    }

    private static async Task<AccessEvent[]> PostAllAsync(string fixture, int count)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("cluster-audit");

        var read = await server.PostAcceptedAsync("/v1/sources/k8s-audit", Sources.TestData.Cluster(fixture), key, count);
        Assert.All(read, r => Assert.Equal(EventKinds.K8sAudit, r.Event.Kind));
        return [.. read.Select(r => r.Event).OrderBy(e => e.GivenId()[^2..], StringComparer.Ordinal)];
    }
}
