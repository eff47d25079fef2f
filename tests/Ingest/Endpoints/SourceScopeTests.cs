namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// Sources speak only for what they own: over HTTP, an item outside its source's scope is refused with its index,
/// field and "outside the scope of source NAME", counted, and never appended; what is accepted carries the source and
/// what it vouches for, whatever the body claimed.
/// </summary>
public sealed class SourceScopeTests
{
    private static string Event(string id, string subject = "user:alice", string? ns = null, string? workload = null, string kind = "access.request", string extra = "")
    {
        var w = "";
        if (workload is not null || ns is not null)
        {
            var name = (workload ?? $"{ns}/web-1").Split('/')[^1];
            w = ",\"workload\":{\"id\":\"" + (workload ?? $"{ns}/web-1") + "\",\"name\":\"" + name + "\"" + (ns is null ? "" : ",\"namespace\":\"" + ns + "\"") + "}";
        }

        var time = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        return "{\"id\":\"" + id + "\",\"time\":\"" + time + "\",\"kind\":\"" + kind + "\",\"subject\":{\"id\":\"" + subject + "\"}" + w + extra + "}";
    }

    private static async Task<IngestServer> StartAsync() => await IngestServer.StartInProcessAsync();

    /// <summary>Exactly the events <paramref name="ids"/> (in order) reached the log, each stamped with <paramref name="scope"/>.</summary>
    private static async Task AssertLoggedAsync(IngestServer server, string[] ids, params string[] scope)
    {
        var logged = await server.ReadLoggedAsync(ids.Length);
        Assert.Equal(ids, logged.Select(r => r.Event.GivenId()).Order());
        Assert.All(logged, r => Assert.Equal(scope, r.Event.SourceScope));
    }

    /// <summary>Posts one event with the source's <paramref name="key"/>: it is accepted, and this is what the log holds for it.</summary>
    private static async Task<AccessEvent> PostOneAcceptedAsync(IngestServer server, string key, string json)
    {
        using var response = await server.PostAsync("/v1/events", Payloads.Array(json), key);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Assert.Single(await server.ReadLoggedAsync(1)).Event;
    }

    [Fact]
    public async Task NamespaceScope_WorkloadInAnotherNamespace_RefusedNamingTheScope_TheSameForItsOwn_Accepted()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("shop-app", new SourceScope(Namespaces: ["shop"]));

        using var payments = await server.PostAsync("/v1/events", Payloads.Array(Event("p-1", ns: "payments")), key);
        using var shop = await server.PostAsync("/v1/events", Payloads.Array(Event("s-1", ns: "shop")), key);

        var problem = await HttpProblem.ReadTypedAsync(payments, HttpStatusCode.Forbidden, "outside-scope");
        var error = Assert.Single(ProblemErrors.Of(problem));
        Assert.Equal((0, "workload.namespace"), (error.Index, error.Field));
        Assert.StartsWith("outside the scope of source shop-app", error.Reason, StringComparison.Ordinal);
        Assert.Contains("'payments' is not one of shop", error.Reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, shop.StatusCode);

        var logged = Assert.Single(await server.ReadLoggedAsync(1));
        Assert.Equal("s-1", logged.Event.GivenId());
        Assert.Equal("shop-app", logged.Event.Source);
        Assert.Equal([SourceScopes.Workload], logged.Event.SourceScope);
    }

    [Fact]
    public async Task MixedBatch_EachDimension_207WithEveryOutsideItemByIndexAndField_CountedAsOutsideScope()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("orders-api", new SourceScope(
            Kinds: ["access.*", "auth.login"], Subjects: ["user:*@shop.example"], Namespaces: ["shop", "shop-*"], Workloads: ["shop*/orders-*"]));
        var measurements = new List<(long Value, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngestMetrics.MeterName && instrument.Name == "ztstream.ingest.events.rejected")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            // Other tests run alongside with Ingest servers of their own: only this source's measurements count.
            var all = tags.ToArray();
            if (all.Any(t => t.Key == "source" && (t.Value as string) == "orders-api"))
            {
                lock (measurements)
                {
                    measurements.Add((value, all.FirstOrDefault(t => t.Key == "reason").Value as string));
                }
            }
        });
        listener.Start();

        var body = Payloads.Array(
            Event("m-0", "user:bob@shop.example", ns: "shop", workload: "shop/orders-1"),
            Event("m-1", "user:ceo@corp.example", ns: "shop", workload: "shop/orders-1"),
            Event("m-2", "user:bob@shop.example", ns: "shop", workload: "shop/orders-1", kind: "k8s.audit"),
            Event("m-3", "user:bob@shop.example", ns: "shop-eu", workload: "shop-eu/orders-2", kind: "auth.login"),
            Event("m-4", "user:bob@shop.example", ns: "shop", workload: "shop/payments-1"),
            Event("m-5", "user:bob@shop.example", workload: "orders-1"),
            "{\"id\":\"m-6\"}");
        using var response = await server.PostAsync("/v1/events", body, key);

        var errors = await IngestAnswer.PartlyAcceptedAsync(response, "m-0", "m-3");
        Assert.Equal([(1, "subject.id"), (2, "kind"), (4, "workload.id"), (5, "workload.namespace")], errors.Where(e => e.Index < 6).Select(e => (e.Index, e.Field)));
        Assert.All(errors.Where(e => e.Index < 6), e => Assert.StartsWith("outside the scope of source orders-api", e.Reason, StringComparison.Ordinal));
        Assert.Contains("names no namespace", errors.Single(e => e.Index == 5).Reason, StringComparison.Ordinal);
        Assert.Contains(errors, e => e.Index == 6);
        lock (measurements)
        {
            Assert.Equal(4, measurements.Where(m => m.Reason == "outside_scope").Sum(m => m.Value));
            Assert.Equal(1, measurements.Where(m => m.Reason == "invalid").Sum(m => m.Value));
        }

        await AssertLoggedAsync(server, ["m-0", "m-3"], SourceScopes.Subject, SourceScopes.Workload);
    }

    [Fact]
    public async Task UnscopedSource_KeepsTodaysBehaviour_AndTheBodyCannotClaimASourceOrWhatItVouchesFor()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("legacy-app");

        var logged = await PostOneAcceptedAsync(server, key, Event("u-1", "user:ceo", ns: "payments", extra: ",\"source\":\"kube-apiserver\",\"source_scope\":[\"subject\",\"workload\"]"));

        Assert.Equal("legacy-app", logged.Source);
        Assert.Null(logged.SourceScope);
        Assert.True(logged.Attributes is null || !logged.Attributes.ContainsKey("source_scope"));
    }

    [Fact]
    public async Task ScopedSource_BodyClaimingMoreThanItsScope_IsStampedWithWhatTheScopeVouchesFor()
    {
        // A canonical event is forwarded as its own bytes with the stamp spliced in; a body's own source_scope must not
        // ride along (a later duplicate key would win when the log is read).
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("shop-app", new SourceScope(Namespaces: ["shop"]));

        var logged = await PostOneAcceptedAsync(server, key, Event("s-2", "user:ceo", ns: "shop", extra: ",\"source_scope\":[\"subject\",\"workload\"]"));

        Assert.Equal("shop-app", logged.Source);
        Assert.Equal([SourceScopes.Workload], logged.SourceScope);
    }

    [Fact]
    public async Task AuditWebhookSource_LimitedToItsKind_VouchesThroughTheAdapter_AndItsNamespaceLimitApplies()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("kube-apiserver", new SourceScope(Kinds: [EventKinds.K8sAudit], Namespaces: ["shop"]));
        static string Audit(string id, string user) => $$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{id}}","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/shop/secrets","verb":"list","user":{"username":"{{user}}","groups":["system:serviceaccounts"]},
             "sourceIPs":["10.0.0.7"],"objectRef":{"resource":"secrets","namespace":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},
             "requestReceivedTimestamp":"{{DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)}}",
             "stageTimestamp":"{{DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)}}"}
            """;
        var body = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{Audit("a-0", "system:serviceaccount:shop:web")}},{{Audit("a-1", "system:serviceaccount:payments:api")}},{{Audit("a-2", "jane@corp.example")}}]}""";

        using var response = await server.PostAsync("/v1/sources/k8s-audit", body, key);
        using var viaEvents = await server.PostAsync("/v1/events", Payloads.Array(Event("e-0")), key);

        var error = Assert.Single(await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus));
        Assert.Equal((1, "workload.namespace"), (error.Index, error.Field));
        Assert.Equal(HttpStatusCode.Forbidden, viaEvents.StatusCode);
        await AssertLoggedAsync(server, ["a-0", "a-2"], SourceScopes.Subject, SourceScopes.Workload);
    }

    /// <summary>
    /// A person's request names no workload: a source limited to namespaces reports it only when the object it was on is in
    /// one of them (objectRef, as kubernetes.io's audit.k8s.io/v1 reference defines it), whichever envelope carries it.
    /// </summary>
    [Fact]
    public async Task AuditSource_LimitedToNamespaces_ReportsOnlyRequestsOnObjectsInThem()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("tenant-audit", new SourceScope(Kinds: [EventKinds.K8sAudit], Namespaces: ["shop", "shop-*"]));
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        string Audit(string id, string user, string uri, string verb, string objectRef) => $$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{id}}","stage":"ResponseComplete",
             "requestURI":"{{uri}}","verb":"{{verb}}","user":{"username":"{{user}}","groups":["system:authenticated"]},
             "sourceIPs":["2001:db8::44"]{{objectRef}},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"{{now}}"}
            """;
        string[] items =
        [
            Audit("o-0", "jane@corp.example", "/api/v1/namespaces/shop/secrets", "list", ""","objectRef":{"resource":"secrets","namespace":"shop","apiVersion":"v1"}"""),
            Audit("o-1", "Jane@Corp.Example", "/apis/apps/v1/namespaces/shop-eu/deployments/web/scale", "update", ""","objectRef":{"resource":"deployments","namespace":"shop-eu","name":"web","apiGroup":"apps","subresource":"scale"}"""),
            Audit("o-2", "jane@corp.example", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "create", ""","objectRef":{"resource":"clusterrolebindings","name":"pwn","apiGroup":"rbac.authorization.k8s.io"}"""),
            Audit("o-3", "jane@corp.example", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef", "get", ""","objectRef":{"resource":"secrets","namespace":"kube-system","name":"bootstrap-token-abcdef"}"""),
            Audit("o-4", "jane@corp.example", "/version", "get", ""),
            Audit("o-5", "system:serviceaccount:shop:web", "/api/v1/nodes/node-1/proxy/metrics", "get", ""","objectRef":{"resource":"nodes","name":"node-1","subresource":"proxy"}"""),
            Audit("o-6", "jane@corp.example", "/api/v1/namespaces/shopping/pods", "list", ""","objectRef":{"resource":"pods","namespace":"shopping"}"""),
        ];

        using var list = await server.PostAsync("/v1/sources/k8s-audit", $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{string.Join(',', items)}}]}""", key);
        // The same refusal when an EKS control plane log carries the event (CloudWatch Logs subscription).
        var message = System.Text.Json.JsonSerializer.Serialize(Audit("o-7", "arn:aws:iam::111122223333:role/admin", "/api/v1/namespaces/payments/secrets", "list", ""","objectRef":{"resource":"secrets","namespace":"payments"}""").ReplaceLineEndings(""));
        using var eks = await server.PostAsync("/v1/sources/k8s-audit", $$"""{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/aws/eks/prod/cluster","logStream":"kube-apiserver-audit-0a1b","subscriptionFilters":["zt"],"logEvents":[{"id":"1","timestamp":1764751260000,"message":{{message}}}]}""", key);

        var errors = await ProblemErrors.ReadAsync(list, HttpStatusCode.MultiStatus);
        Assert.Equal(
            [(2, SourceScope.ObjectNamespaceField), (3, SourceScope.ObjectNamespaceField), (4, SourceScope.ObjectNamespaceField), (5, SourceScope.ObjectNamespaceField), (6, SourceScope.ObjectNamespaceField)],
            errors.Select(e => (e.Index, e.Field)));
        Assert.All(errors, e => Assert.StartsWith("outside the scope of source tenant-audit", e.Reason, StringComparison.Ordinal));
        Assert.Contains("'kube-system' is not one of shop, shop-*", errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("a cluster-scoped object", errors[0].Reason, StringComparison.Ordinal);
        var eksError = Assert.Single(await ProblemErrors.ReadAsync(eks, HttpStatusCode.Forbidden));
        Assert.Equal((0, SourceScope.ObjectNamespaceField), (eksError.Index, eksError.Field));
        await AssertLoggedAsync(server, ["o-0", "o-1"], SourceScopes.Subject, SourceScopes.Workload);

        // "*" is the whole cluster, its cluster-scoped objects and non-resource URLs too.
        var whole = await server.AddSourceAsync("cluster-audit", new SourceScope(Kinds: [EventKinds.K8sAudit], Namespaces: ["*"]));
        using var all = await server.PostAsync("/v1/sources/k8s-audit", $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{string.Join(',', items).Replace("\"o-", "\"w-", StringComparison.Ordinal)}}]}""", whole);
        Assert.Equal(HttpStatusCode.Accepted, all.StatusCode);
        Assert.Equal(items.Length, (await server.ReadLoggedAsync(2 + items.Length)).Count(r => r.Event.GivenId().StartsWith("w-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AuditEventsPostedAsCanonicalEvents_UnderANamespaceLimit_NeedTheirObjectInRaw()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("audit-bridge", new SourceScope(Kinds: [EventKinds.K8sAudit], Namespaces: ["shop"]));
        var inShop = Event("c-0", "jane@corp.example", kind: EventKinds.K8sAudit, extra: ""","raw":{"objectRef":{"resource":"secrets","namespace":"shop"}}""");
        var elsewhere = Event("c-1", "jane@corp.example", kind: EventKinds.K8sAudit, extra: ""","raw":{"objectRef":{"resource":"secrets","namespace":"payments"}}""");
        var unsaid = Event("c-2", "jane@corp.example", kind: EventKinds.K8sAudit, extra: ""","resource":{"type":"secrets","id":"shop/db"}""");

        using var response = await server.PostAsync("/v1/events", Payloads.Array(inShop, elsewhere, unsaid), key);

        Assert.Equal(
            [(1, SourceScope.ObjectNamespaceField), (2, SourceScope.ObjectNamespaceField)],
            (await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus)).Select(e => (e.Index, e.Field)));
        await AssertLoggedAsync(server, ["c-0"], SourceScopes.Workload);
    }

    /// <summary>
    /// A failed sign-in goes with its address twin (principal ip:ADDRESS) and its tenant twin. A source limited to subjects
    /// speaks for its accounts, not for the address or the tenant: the twins are still written (a spray on its accounts
    /// stays visible) but vouch for no subject unless the scope's subjects name them; an unlimited source's twin is as before.
    /// </summary>
    [Theory]
    [InlineData("user:*@shop.example", false)]
    [InlineData("user:*@shop.example,ip:10.9.*", true)]
    public async Task SubjectLimitedSource_FailedSignIn_ItsAddressTwinVouchesForTheAddressOnlyWhenTheScopeNamesIt(string subjects, bool twinVouched)
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("shop-idp", new SourceScope(Subjects: subjects.Split(',')));

        var signIn = Event("f-1", "user:amy@shop.example", kind: EventKinds.AuthLogin, extra: ",\"outcome\":\"denied\",\"network\":{\"src_ip\":\"10.9.8.7\"}");
        using var response = await server.PostAsync("/v1/events", Payloads.Array(signIn), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var logged = (await server.ReadLoggedAsync(3)).Select(r => r.Event).OrderBy(e => e.GivenId(), StringComparer.Ordinal).ToArray();
        Assert.Equal(("f-1", "user:amy@shop.example"), (logged[0].Id, logged[0].Subject?.Id));
        Assert.Equal([SourceScopes.Subject], logged[0].SourceScope);
        Assert.Equal(("f-1@address", "ip:10.9.8.7", "shop-idp"), (logged[1].Id, logged[1].Subject?.Id, logged[1].Source));
        Assert.Equal(twinVouched ? [SourceScopes.Subject] : null, logged[1].SourceScope);
        // The tenant twin (the record names no tenant: keyed by the source) is no subject the scope names either.
        Assert.Equal(("f-1@tenant", "source:shop-idp", "shop-idp"), (logged[2].Id, logged[2].Subject?.Id, logged[2].Source));
        Assert.Null(logged[2].SourceScope);
    }

    [Fact]
    public async Task UnlimitedSource_FailedSignIn_StillWritesItsAddressTwin()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("idp", new SourceScope(Kinds: ["auth.*"]));

        var signIn = Event("f-2", "user:bob@corp.example", kind: EventKinds.AuthLogin, extra: ",\"outcome\":\"denied\",\"network\":{\"src_ip\":\"10.9.8.7\"}");
        using var response = await server.PostAsync("/v1/events", Payloads.Array(signIn), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var logged = (await server.ReadLoggedAsync(2)).Select(r => r.Event).ToArray();
        Assert.Contains(logged, e => e.Subject?.Id == "ip:10.9.8.7" && e.Source == "idp");
    }

    /// <summary>
    /// A key issued for one cluster's source labels records only as its clusters: another cluster, or none, is refused
    /// with the item's index and field; a source without the limit takes any cluster, as before.
    /// </summary>
    [Fact]
    public async Task ClusterScope_EventOfAnotherClusterOrOfNone_RefusedByIndexAndField_ItsOwnAccepted()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("eks-prod", new SourceScope(Clusters: ["prod-eu"]));
        var open = await server.AddSourceAsync("any-cluster", new SourceScope(Kinds: ["access.*"]));
        static string Labelled(string id, string cluster) => Event(id, extra: ",\"attributes\":{\"k8s.cluster\":\"" + cluster + "\"}");

        using var mixed = await server.PostAsync("/v1/events", Payloads.Array(Labelled("k-0", "prod-eu"), Labelled("k-1", "prod-us"), Event("k-2")), key);
        using var none = await server.PostAsync("/v1/events", Payloads.Array(Labelled("k-3", "staging")), key);
        using var unlimited = await server.PostAsync("/v1/events", Payloads.Array(Labelled("k-4", "staging")), open);

        var errors = await ProblemErrors.ReadAsync(mixed, HttpStatusCode.MultiStatus);
        Assert.Equal([(1, "attributes.k8s.cluster"), (2, "attributes.k8s.cluster")], errors.Select(e => (e.Index, e.Field)));
        Assert.Contains("'prod-us' is not one of prod-eu", errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("names no cluster", errors[1].Reason, StringComparison.Ordinal);
        var problem = await HttpProblem.ReadTypedAsync(none, HttpStatusCode.Forbidden, "outside-scope");
        Assert.Equal(HttpStatusCode.Accepted, unlimited.StatusCode);
        var logged = await server.ReadLoggedAsync(2);
        Assert.Equal(["k-0", "k-4"], logged.Select(r => r.Event.GivenId()).Order());
    }

    /// <summary>
    /// A key issued for one identity-provider tenant (here a Keycloak realm, which the adapter records as subject.tenant)
    /// speaks only for its users: a record of another realm, or of none, is refused with the item's index and field; a
    /// source without the limit takes any realm, as before.
    /// </summary>
    [Fact]
    public async Task TenantScope_IdpRecordOfAnotherTenantOrOfNone_RefusedByIndexAndField_ItsOwnAccepted()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("keycloak-acme", new SourceScope(Kinds: ["auth.*"], Tenants: ["acme"]));
        var open = await server.AddSourceAsync("keycloak-any", new SourceScope(Kinds: ["auth.*"]));
        static string Login(string id, string? realm) =>
            "{\"id\":\"" + id + "\",\"time\":1714644000000,\"type\":\"LOGIN\"," + (realm is null ? "" : "\"realmId\":\"" + realm + "\",")
            + "\"clientId\":\"web\",\"userId\":\"u-1\",\"details\":{\"username\":\"alice\"}}";

        using var mixed = await server.PostAsync("/v1/sources/keycloak", Payloads.Array(Login("r-0", "acme"), Login("r-1", "globex"), Login("r-2", null)), key);
        using var other = await server.PostAsync("/v1/sources/keycloak", Payloads.Array(Login("r-3", "globex")), key);
        using var unlimited = await server.PostAsync("/v1/sources/keycloak", Payloads.Array(Login("r-4", "globex")), open);

        var errors = await ProblemErrors.ReadAsync(mixed, HttpStatusCode.MultiStatus);
        Assert.Equal([(1, SourceScope.TenantField), (2, SourceScope.TenantField)], errors.Select(e => (e.Index, e.Field)));
        Assert.StartsWith("outside the scope of source keycloak-acme", errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("'globex' is not one of acme", errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("names no tenant", errors[1].Reason, StringComparison.Ordinal);
        var problem = await HttpProblem.ReadTypedAsync(other, HttpStatusCode.Forbidden, "outside-scope");
        Assert.Equal(HttpStatusCode.Accepted, unlimited.StatusCode);
        var logged = (await server.ReadLoggedAsync(2)).Select(r => r.Event).ToArray();
        Assert.Equal([("acme", "keycloak-acme"), ("globex", "keycloak-any")], logged.Select(e => (e.Subject?.Tenant, e.Source)).Order());
    }

    [Fact]
    public async Task ScopeChange_AppliesToTheNextRequest_WhenTheCredentialCacheIsOff()
    {
        await using var server = await StartAsync();
        var key = await server.AddSourceAsync("narrowed");
        using var before = await server.PostAsync("/v1/events", Payloads.Array(Event("c-0", "user:ceo")), key);
        Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);

        Assert.True(await new ZtStream.Ingest.Sources.Credentials.SourceCredentialStore(server.Store, TimeProvider.System)
            .UpdateScopeAsync("narrowed", new SourceScope(Subjects: ["svc:*"]), Ct));
        using var after = await server.PostAsync("/v1/events", Payloads.Array(Event("c-1", "user:ceo")), key);

        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
    }

    /// <summary>
    /// Okta's verification of its hook is answered only to a key whose kinds let an identity provider's records in: a key
    /// limited to other kinds would have every delivery refused item by item, so the hook is not called verified.
    /// </summary>
    [Theory]
    [InlineData("runtime.alert,k8s.audit", false)]
    [InlineData("auth.*", true)]
    [InlineData("auth.login,access.request", true)]
    public async Task OktaVerification_ByAKeyLimitedToKinds_IsAnsweredOnlyWhenIdentityKindsAreAmongThem(string kinds, bool answered)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("limited", new SourceScope(Kinds: kinds.Split(',')));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sources/okta");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-okta-verification-challenge", "c-42");

        using var response = await server.Client.SendAsync(request, Ct);

        if (answered)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("c-42", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("verification").GetString());
            return;
        }

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.Forbidden, "outside-scope");
        Assert.Contains("outside the scope of source limited", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("c-42", problem.GetRawText(), StringComparison.Ordinal);
    }
}
