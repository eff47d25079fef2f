namespace ZtStream.Ingest.Tests.Sources.Scopes;

/// <summary>
/// The source gate decides an item accepted from its bytes from the fields the scan recorded, without reading the event.
/// Every decision must be the one the event object gives: the same items admitted with the same bytes and the same
/// vouches, the same items refused with the same error (index, field, reason), for events of every shape and scopes of
/// every kind.
/// </summary>
public sealed class SourceGateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private const string T = "\"time\":\"2026-11-28T11:59:00Z\"";

    /// <summary>Events in the shapes scopes have to judge; those without a backslash are taken from their bytes.</summary>
    private static readonly string[] Events =
    [
        // Subject only, workload only, both, neither kind of principal detail beyond the key.
        $$$"""{"id":"e1",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"}}""",
        $$$"""{"id":"e2",{{{T}}},"kind":"access.data","workload":{"id":"shop/cart-1","name":"cart-1","namespace":"shop"}}""",
        $$$"""{"id":"e3",{{{T}}},"kind":"access.data","workload":{"id":"shop/cart-1"}}""",
        $$$"""{"id":"e4",{{{T}}},"kind":"access.request","subject":{"id":"bob","tenant":"t1"},"workload":{"id":"x-17","name":"cart-2","namespace":"shop"}}""",
        $$$"""{"id":"e5",{{{T}}},"kind":"access.request","subject":null,"workload":{"id":"payments/api","namespace":"payments","name":null}}""",
        $$$"""{"id":"e6",{{{T}}},"kind":"access.request","workload":{"id":"w","namespace":""}}""",
        $$$"""{"id":"e7",{{{T}}},"kind":"access.request","subject":{"id":"user:eve"},"workload":null}""",
        $$$"""{"id":"e8",{{{T}}},"kind":"access.request","subject":{"id":"user:eve"},"workload":{"id":"w","namespace":null,"name":"cart-1"}}""",
        // Members in another order, and whitespace.
        $$$"""{ "workload" : { "namespace" : "shop" , "name" : "cart-9" , "id" : "z" } , "kind" : "k8s.exec" , {{{T}}} , "id" : "e9" }""",
        // Other kinds.
        $$$"""{"id":"e10",{{{T}}},"kind":"auth.login","subject":{"id":"user:alice"},"outcome":"success"}""",
        $$$"""{"id":"e11",{{{T}}},"kind":"k8s.exec","subject":{"id":"system:serviceaccount:shop:cart"},"workload":{"id":"shop/cart-1","namespace":"shop"}}""",
        $$$"""{"id":"e12",{{{T}}},"kind":"runtime.alert","workload":{"id":"kube-system/coredns","name":"coredns","namespace":"kube-system"}}""",
        // A failed sign-in (its address twin needs the event, so the gate reads it).
        $$$"""{"id":"e13",{{{T}}},"kind":"auth.login","subject":{"id":"user:alice"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied"}""",
        // Unicode as it stands, and the same text escaped (read by the full path).
        $$$"""{"id":"e14",{{{T}}},"kind":"access.request","subject":{"id":"user:björn"},"workload":{"id":"ünï/π-1","name":"π-1","namespace":"ünï"}}""",
        $$$"""{"id":"e15",{{{T}}},"kind":"access.request","subject":{"id":"user:bj\u00f6rn"},"workload":{"id":"\u00fcn\u00ef/\u03c0-1","name":"\u03c0-1","namespace":"\u00fcn\u00ef"}}""",
        $$$"""{"id":"e16",{{{T}}},"kind":"access.\u0072equest","subject":{"id":"user:\"quoted\""},"workload":{"id":"shop/cart-1","namespace":"sh\u006fp"}}""",
        $$$"""{"id":"e17",{{{T}}},"kind":"access.request","subject":{"id":"user:alice","type":"user"},"workload":{"id":"shop\/cart-1","name":"cart-1","namespace":"shop"}}""",
        // Text that only looks like a match in bytes: a prefix, a longer value, a different case.
        $$$"""{"id":"e18",{{{T}}},"kind":"access.requests","subject":{"id":"User:alice"},"workload":{"id":"shop2/cart-1","name":"cart-1","namespace":"shop2"}}""",
        // Audit events: the object's namespace is in raw, which the scan does not record (spaced: a raw string ends at "}}}").
        $$$"""{"id":"e19",{{{T}}},"kind":"k8s.audit","subject":{"id":"user:alice"},"raw":{"objectRef":{"resource":"secrets","namespace":"shop"} } }""",
        $$$"""{"id":"e20",{{{T}}},"kind":"k8s.audit","subject":{"id":"bob"},"raw":{"objectRef":{"resource":"clusterrolebindings","name":"x"} } }""",
        $$$"""{"id":"e21",{{{T}}},"kind":"k8s.audit","subject":{"id":"system:serviceaccount:shop:cart"},"workload":{"id":"shop/cart-1","namespace":"shop"},"raw":{"objectRef":{"namespace":"payments"} } }""",
        $$$"""{"id":"e22",{{{T}}},"kind":"k8s.audit","subject":{"id":"user:alice"}}""",
        $$$"""{"id":"e23",{{{T}}},"kind":"runtime.alert","subject":{"id":"jdoe"},"raw":{"output_fields":{"ka.target.namespace":"shop"} } }""",
        $$$"""{"id":"e24",{{{T}}},"kind":"runtime.alert","subject":{"id":"jdoe"},"raw":{"output_fields":{"ka.target.namespace":null} } }""",
        // Events labelled with a cluster (attributes["k8s.cluster"], whose place the scan records), one with a cluster that is no string.
        $$$"""{"id":"e25",{{{T}}},"kind":"k8s.audit","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"prod-eu"},"raw":{"objectRef":{"namespace":"shop"} } }""",
        $$$"""{"id":"e26",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"prod-us-2"}}""",
        $$$"""{"id":"e27",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":7}}""",
        // Subjects of identity-provider tenants: plain, after the id or before it, null, empty, Unicode, escaped (read whole).
        $$$"""{"id":"e28",{{{T}}},"kind":"auth.login","subject":{"id":"alice@acme.example","type":"user","tenant":"acme"},"outcome":"success"}""",
        $$$"""{"id":"e29",{{{T}}},"kind":"auth.login","subject":{"tenant":"globex","id":"alice@acme.example"},"outcome":"success"}""",
        $$$"""{"id":"e30",{{{T}}},"kind":"auth.mfa","subject":{"id":"user:alice","tenant":null}}""",
        $$$"""{"id":"e31",{{{T}}},"kind":"auth.mfa","subject":{"id":"user:alice","tenant":""}}""",
        $$$"""{"id":"e32",{{{T}}},"kind":"auth.logout","subject":{"id":"user:alice","tenant":"acme-ü"},"workload":{"id":"shop/cart-1","namespace":"shop"}}""",
        $$$"""{"id":"e33",{{{T}}},"kind":"auth.logout","subject":{"id":"user:alice","tenant":"\u0061cme"}}""",
        $$$"""{"id":"e34",{{{T}}},"kind":"access.request","workload":{"id":"shop/cart-1","namespace":"shop","name":"acme"},"attributes":{"tenant":"acme"}}""",
    ];

    private static readonly SourceScope[] Scopes =
    [
        SourceScope.None,
        SourceScope.Attested,
        new(Kinds: ["access.request"]),
        new(Kinds: ["access.*", "k8s.*"]),
        new(Kinds: []),
        new(Subjects: ["user:*"]),
        new(Subjects: ["bob", "user:bj*"]),
        new(Subjects: []),
        new(Namespaces: ["shop"]),
        new(Namespaces: ["*"]),
        new(Namespaces: ["ünï", "payments"]),
        new(Workloads: ["shop/cart-*"]),
        new(Workloads: ["w", "x-*"]),
        new(Workloads: ["ünï/π-1"]),
        new(Subjects: ["*"], Namespaces: ["*"]),
        new(Kinds: ["access.request"], Subjects: ["*"], Workloads: ["demo/sample-service", "shop/*"]),
        new(Kinds: ["*"], Subjects: ["user:alice"], Namespaces: ["shop"], Workloads: ["shop/cart-1"]),
        new(Clusters: ["prod-eu"]),
        new(Clusters: ["prod-us-*", "prod-eu"], Subjects: ["user:*"]),
        new(Clusters: ["*"]),
        new(Clusters: []),
        new(Kinds: ["*"], Namespaces: ["shop"], Clusters: ["prod-*"]),
        new(Workloads: ["shop/*"], Clusters: ["prod-ü", "staging"]),
        new(Tenants: ["acme"]),
        new(Tenants: ["acme-*", "t1"], Subjects: ["user:*"]),
        new(Tenants: ["*"]),
        new(Tenants: []),
        new(Kinds: ["auth.*"], Tenants: ["globex", "acme"], Clusters: ["prod-*"]),
        // Sources whose key speaks for one cluster (--cluster): records naming none are labelled, naming another refused.
        new(Cluster: "prod-eu"),
        new(Cluster: "prod-ü", Subjects: ["user:*"]),
        new(Cluster: "prod-eu", Clusters: ["prod-*"], Kinds: ["access.*", "k8s.*"]),
        new(Cluster: "staging", Namespaces: ["shop"]),
        new(Cluster: "prod-us-2", Tenants: ["acme", "t1"]),
    ];

    /// <summary>
    /// The cluster attribute in forms the scan cannot read plainly (escaped, named twice: the gate reads the event) and in
    /// forms it can (not a string, empty, nested elsewhere, beside look-alikes). All are taken from their bytes but the one
    /// whose name is escaped.
    /// </summary>
    private static readonly string[] ClusterForms =
    [
        $$$"""{"id":"c1",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"\u0070rod-eu"}}""",
        $$$"""{"id":"c2",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"prod-\u0065u","team":"a"}}""",
        $$$"""{"id":"c3",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"sta\/ging"}}""",
        $$$"""{"id":"c4",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"staging","k8s.cluster":"prod-eu"}}""",
        $$$"""{"id":"c5",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"prod-eu","k8s.cluster":"staging"}}""",
        $$$"""{"id":"c6",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":7,"k8s.cluster":"prod-eu"}}""",
        $$$"""{"id":"c7",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":"prod-eu","k8s.cluster":null}}""",
        $$$"""{"id":"c8",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":null}}""",
        $$$"""{"id":"c9",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":true}}""",
        $$$"""{"id":"c10",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":["prod-eu"]}}""",
        $$$"""{"id":"c11",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":{"name":"prod-eu"} } }""",
        $$$"""{"id":"c12",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s.cluster":""}}""",
        $$$"""{"id":"c13",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":null}""",
        $$$"""{"id":"c14",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{}}""",
        $$$"""{"id":"c15",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s":{"cluster":"prod-eu"} } }""",
        $$$"""{"id":"c16",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"labels":{"k8s.cluster":"prod-eu"},"cluster":"prod-eu"}}""",
        $$$"""{"id":"c17",{{{T}}},"kind":"k8s.audit","subject":{"id":"user:alice"},"raw":{"k8s.cluster":"prod-eu","attributes":{"k8s.cluster":"prod-eu"},"objectRef":{"namespace":"shop"} } }""",
        $$$"""{"id":"c18",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"K8s.Cluster":"prod-eu","k8s.cluster ":"prod-eu","k8s.clusters":"prod-eu"}}""",
        $$$"""{ "attributes" : { "a" : [ 1 , { "k8s.cluster" : "staging" } ] , "k8s.cluster" : "prod-eu" , "z" : "k" } , "id" : "c19" , {{{T}}} , "kind" : "access.request" , "subject" : { "id" : "user:alice" } }""",
        $$$"""{"id":"c20",{{{T}}},"kind":"access.request","workload":{"id":"shop/cart-1","namespace":"shop"},"attributes":{"k8s.cluster":"prod-ü"}}""",
        $$$"""{"id":"c21",{{{T}}},"kind":"access.request","workload":{"id":"shop/cart-1","namespace":"shop"},"attributes":{"k8s.cluster":"prod-\u00fc"}}""",
        $$$"""{"id":"c22",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"k8s\u002ecluster":"prod-eu"}}""",
    ];

    [Fact]
    public void Admit_ItemsReadFromTheirBytes_DecideAsTheEventObjectDoes_ForEveryScope()
    {
        // Every shape as it stands, and labelled with a cluster (one of three, so that a cluster limit both admits and refuses).
        string[] labels = ["prod-eu", "prod-us-2", "staging"];
        var unlabelled = Events.Where(e => !e.Contains("\"attributes\"", StringComparison.Ordinal)).ToList();
        string[] events = [.. Events, .. unlabelled.Select((e, i) => $$"""{"attributes":{"k8s.cluster":"{{labels[i % labels.Length]}}"},""" + e.TrimStart()[1..])];

        var refused = AssertBothPathsDecideAlike(events, fromBytes: e => !e.Contains('\\', StringComparison.Ordinal));

        // Both outcomes were compared, on many items.
        Assert.InRange(refused, 50, Scopes.Length * 2 * events.Length - 50);
    }

    [Fact]
    public void Admit_ClusterInOddForms_DecidesAsTheEventObjectDoes_ForEveryScope()
    {
        var refused = AssertBothPathsDecideAlike(ClusterForms, fromBytes: e => !e.Contains("k8s\\u002ecluster", StringComparison.Ordinal));

        Assert.InRange(refused, 20, Scopes.Length * 2 * ClusterForms.Length - 20);
    }

    [Fact]
    public void Admit_ClusterLimit_DecidesFromTheScannedBytes_ReadingOnlyEventsWhoseClusterIsNotPlain()
    {
        var scope = new SourceScope(Clusters: ["prod-eu"]);
        var items = Parse(ClusterForms.SkipLast(1));

        // Null: the gate reads the event (an escaped cluster, or one named twice); otherwise it decides from the bytes.
        var read = items.Select(i => ScopeFields.Read(i.Json!.Value.Span, i.Scanned!.Value, scope) is null).ToArray();

        string[] readWhole = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c21"];
        Assert.Equal(items.Select(i => readWhole.Contains(i.Id)), read);
        var spaced = items.Single(i => i.Id == "c19");
        Assert.Equal("prod-eu", ScopeFields.Read(spaced.Json!.Value.Span, spaced.Scanned!.Value, scope)?.Cluster);
        // Without a cluster limit the cluster is not made into a string.
        Assert.Null(ScopeFields.Read(spaced.Json!.Value.Span, spaced.Scanned!.Value, new SourceScope(Subjects: ["*"]))?.Cluster);
    }

    /// <summary>
    /// Each of <paramref name="events"/>, parsed as Ingest does, through the gate for every scope, with and without an
    /// adapter, against the event object through the same gate; <paramref name="fromBytes"/> says which the scan takes.
    /// Returns how many decisions were refusals.
    /// </summary>
    private static int AssertBothPathsDecideAlike(string[] events, Func<string, bool> fromBytes)
    {
        var items = Parse(events);
        Assert.Equal(events.Length, items.Count);
        foreach (var item in items)
        {
            // The fast path ran on every item it can take: the comparison below is between the two paths, not one path twice.
            Assert.True(fromBytes(events[item.Index]) == (item.Scanned is not null), events[item.Index]);
        }

        var gate = new SourceGate();
        var refused = 0;
        var labelled = 0;
        foreach (var scope in Scopes)
        {
            foreach (var adapter in new[] { false, true })
            {
                foreach (var item in items)
                {
                    var e = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(events[item.Index]));
                    var expectedErrors = new List<ItemError>();
                    var expected = gate.Admit(e, item.Index, "src", scope, adapter, expectedErrors);
                    var errors = new List<ItemError>();

                    var actual = gate.Admit(item, "src", scope, adapter, errors);

                    var what = $"{events[item.Index]} scope {scope.Describe()} adapter {adapter}";
                    Assert.True(expectedErrors.SequenceEqual(errors), $"{what}: {string.Join("; ", expectedErrors)} against {string.Join("; ", errors)}");
                    Assert.Equal(expected is null, actual is null);
                    if (expected is null || actual is null)
                    {
                        refused++;
                        continue;
                    }

                    Assert.Equal(expected.SourceScope, actual.SourceScope);
                    // A labelled event goes to the log as the gate made it (its bytes no longer say it), others as their bytes.
                    var expectedRecord = ReferenceEquals(expected.Attributes, e.Attributes) ? Record(item.Admitted(expected)) : Record(new MappedEvent(item.Index, expected));
                    Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expectedRecord), JsonNode.Parse(Record(actual, scope))), $"{what}: {expectedRecord} against {Record(actual, scope)}");
                    if (scope.Cluster is { } label)
                    {
                        Assert.Equal(label, ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(Record(actual, scope))).Attr("k8s.cluster"));
                        labelled++;
                    }
                    Assert.Equal((item.Index, e.Id, e.PrincipalKey), (actual.Index, actual.Id, actual.PrincipalKey));
                }
            }
        }

        // The labelling sources admitted items too, not only refused them.
        Assert.InRange(labelled, 10, int.MaxValue);
        return refused;
    }

    [Fact]
    public void Admit_FromBytes_ErrorNamesTheScopeTheFieldAndTheValue()
    {
        var items = Parse([Events[1], Events[4], Events[13]]);
        var errors = new List<ItemError>();
        var gate = new SourceGate();

        Assert.Null(gate.Admit(items[0], "shop-app", new SourceScope(Namespaces: ["payments"]), adapter: false, errors));
        Assert.Null(gate.Admit(items[1], "shop-app", new SourceScope(Workloads: ["shop/*"]), adapter: false, errors));
        Assert.Null(gate.Admit(items[2], "shop-app", new SourceScope(Subjects: ["user:alice"]), adapter: false, errors));

        Assert.Equal(
            [
                new ItemError(0, "workload.namespace", "outside the scope of source shop-app: 'shop' is not one of payments"),
                new ItemError(1, "workload.id", "outside the scope of source shop-app: 'payments/api' is not one of shop/*"),
                new ItemError(2, "subject.id", "outside the scope of source shop-app: 'user:björn' is not one of user:alice"),
            ],
            errors);
        Assert.All(items, i => Assert.NotNull(i.Scanned));
    }

    [Fact]
    public void Admit_FromBytes_KeepsTheBytesAndVouchesAsTheScopeSays()
    {
        var item = Assert.Single(Parse([Events[3]]));

        var admitted = new SourceGate().Admit(item, "shop-app", new SourceScope(Subjects: ["bob"], Namespaces: ["shop"]), adapter: false, []);

        Assert.NotNull(admitted);
        Assert.Equal(item.Json!.Value.ToArray(), admitted.Json!.Value.ToArray());
        Assert.Equal([SourceScopes.Subject, SourceScopes.Workload], admitted.SourceScope);
        var logged = ContractJson.DeserializeEvent(EventAppender.Stamped(admitted.Json.Value, "\"source\":\"shop-app\",\"source_scope\":[\"subject\",\"workload\"],"u8));
        Assert.Equal(("e4", "bob", "shop"), (logged.Id, logged.Subject?.Id, logged.Workload?.Namespace));
    }

    [Theory]
    [InlineData("user:*", null, "workload")]
    [InlineData("user:*,ip:203.0.113.*", "subject", "workload")]
    [InlineData("*", "subject", "workload")]
    public void TwinOf_FailedSignInFromASubjectLimitedSource_VouchesForTheAddressOnlyWhenASubjectPatternMatchesIt(string subjects, string? first, string second)
    {
        var signIn = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(
            $$$"""{"id":"t1",{{{T}}},"kind":"auth.login","subject":{"id":"user:alice"},"workload":{"id":"shop/web-1","namespace":"shop"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied"}"""));
        var scope = new SourceScope(Subjects: subjects.Split(','), Namespaces: ["shop"]);
        var admitted = new SourceGate().Admit(signIn, 0, "idp", scope, adapter: false, []);
        Assert.NotNull(admitted);

        var twin = SourceGate.TwinOf(admitted, TwinKind.Address, "idp", scope);

        Assert.NotNull(twin);
        Assert.Equal(("ip:203.0.113.9", "idp"), (twin.Subject?.Id, twin.Source));
        Assert.Equal(first is null ? [second] : [first, second], twin.SourceScope);
        Assert.Equal([SourceScopes.Subject, SourceScopes.Workload], admitted.SourceScope);
    }

    [Fact]
    public void TwinOf_UnscopedSource_VouchesForNothing_EvenWhenTheEventClaimedIt()
    {
        var signIn = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(
            $$$"""{"id":"t2",{{{T}}},"kind":"auth.login","subject":{"id":"user:alice"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied","source_scope":["subject"]}"""));

        Assert.Equal([SourceScopes.Subject], signIn.SourceScope);

        var twin = SourceGate.TwinOf(signIn, TwinKind.Address, "legacy", SourceScope.None);

        Assert.NotNull(twin);
        Assert.Null(twin.SourceScope);
    }

    [Fact]
    public void Check_ClusterLimit_RefusesAnotherClusterAndAnEventNamingNone_NamingTheField()
    {
        var scope = new SourceScope(Clusters: ["prod-eu", "prod-us-*"]);
        var gate = new SourceGate();
        var errors = new List<ItemError>();
        var items = Parse([Events[24], Events[25], Events[0], Events[26]]);

        var admitted = items.Select(i => gate.Admit(i, "eks-prod", scope, adapter: false, errors)).ToArray();

        Assert.Equal([true, true, false, false], admitted.Select(a => a is not null));
        Assert.Equal(
            [
                new ItemError(2, SourceScope.ClusterField, "outside the scope of source eks-prod: it may speak only for clusters prod-eu, prod-us-*, and this event names no cluster"),
                new ItemError(3, SourceScope.ClusterField, "outside the scope of source eks-prod: it may speak only for clusters prod-eu, prod-us-*, and this event names no cluster"),
            ],
            errors);
        Assert.Null(gate.Admit(Parse([Events[24].Replace("prod-eu", "staging", StringComparison.Ordinal)])[0], "eks-prod", scope, adapter: false, errors));
        Assert.Equal(new ItemError(0, SourceScope.ClusterField, "outside the scope of source eks-prod: 'staging' is not one of prod-eu, prod-us-*"), errors[^1]);
    }

    [Fact]
    public void Check_TenantLimit_RefusesAnotherTenantAndAnEventNamingNone_NamingTheField()
    {
        var scope = new SourceScope(Tenants: ["acme", "acme-*"]);
        var gate = new SourceGate();
        var errors = new List<ItemError>();
        var items = Parse([Events[27], Events[28], Events[29], Events[31], Events[33]]);

        var admitted = items.Select(i => gate.Admit(i, "okta-acme", scope, adapter: false, errors)).ToArray();

        Assert.Equal([true, false, false, true, false], admitted.Select(a => a is not null));
        Assert.Equal(
            [
                new ItemError(1, SourceScope.TenantField, "outside the scope of source okta-acme: 'globex' is not one of acme, acme-*"),
                new ItemError(2, SourceScope.TenantField, "outside the scope of source okta-acme: it may speak only for tenants acme, acme-*, and this event names no tenant"),
                new ItemError(4, SourceScope.TenantField, "outside the scope of source okta-acme: it may speak only for tenants acme, acme-*, and this event names no tenant"),
            ],
            errors);
    }

    [Fact]
    public void Admit_TenantLimit_DecidesFromTheScannedBytes_ReadingOnlyAnEscapedTenant()
    {
        var scope = new SourceScope(Tenants: ["acme"]);
        var items = Parse(Events[27..34]);

        var read = items.Select(i => i.Scanned is null ? "whole" : ScopeFields.Read(i.Json!.Value.Span, i.Scanned.Value, scope)?.Tenant).ToArray();

        Assert.Equal(["acme", "globex", null, "", "acme-ü", "whole", null], read);
        // Without a tenant limit the tenant is not made into a string.
        Assert.Null(ScopeFields.Read(items[0].Json!.Value.Span, items[0].Scanned!.Value, new SourceScope(Subjects: ["*"]))?.Tenant);
    }

    /// <summary>
    /// A source whose key speaks for one cluster labels an event naming none in the event's own bytes, wherever its
    /// attributes stand: absent (a new member), null (replaced), empty or holding other members (the label first), nested
    /// look-alikes left alone; an event naming the cluster already goes as it came.
    /// </summary>
    [Theory]
    [InlineData("", """{"k8s.cluster":"prod-eu"}""", true)]
    [InlineData(""","attributes":null""", """{"k8s.cluster":"prod-eu"}""", true)]
    [InlineData(""","attributes":{}""", """{"k8s.cluster":"prod-eu"}""", true)]
    [InlineData(""" , "attributes" : {  } """, """{"k8s.cluster":"prod-eu"}""", true)]
    [InlineData(""","attributes":{"team":"a","n":[1,{"k8s.cluster":"x"}]}""", """{"k8s.cluster":"prod-eu","team":"a","n":[1,{"k8s.cluster":"x"}]}""", true)]
    [InlineData(""","attributes":{"k8s":{"cluster":"x"},"cluster":"y"}""", """{"k8s.cluster":"prod-eu","k8s":{"cluster":"x"},"cluster":"y"}""", true)]
    [InlineData(""","attributes":{"team":"a","k8s.cluster":"prod-eu"}""", """{"team":"a","k8s.cluster":"prod-eu"}""", false)]
    public void Admit_LabelledSource_EventNamingNoCluster_LabelledInItsBytes_OtherAttributesKept(string attributes, string expected, bool spliced)
    {
        var item = Assert.Single(Parse([$$$"""{"id":"l1",{{{T}}},"kind":"k8s.audit","subject":{"id":"user:alice"}{{{attributes}}}}"""]));
        Assert.NotNull(item.Scanned);

        var scope = new SourceScope(Kinds: [EventKinds.K8sAudit], Cluster: "prod-eu");

        var admitted = new SourceGate().Admit(item, "kube-prod", scope, adapter: true, []);

        Assert.NotNull(admitted);
        Assert.NotNull(admitted.Json);
        var splice = scope.Label!.SpliceFor(admitted);
        Assert.Equal(spliced, splice != default);
        var logged = ContractJson.DeserializeEvent(EventAppender.Stamped(admitted.Json.Value, "\"source\":\"kube-prod\","u8, splice));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonSerializer.SerializeToNode(logged.Attributes)), JsonSerializer.Serialize(logged.Attributes));
        Assert.Equal(("l1", "kube-prod", "user:alice"), (logged.Id, logged.Source, logged.Subject?.Id));
    }

    /// <summary>A label beyond ASCII goes into the record as its UTF-8, unescaped, as a cluster's own records write it.</summary>
    [Fact]
    public void Admit_LabelledSource_NameBeyondAscii_SplicedAsItsUtf8()
    {
        var item = Assert.Single(Parse([$$$"""{"id":"u1",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"}}"""]));
        var scope = new SourceScope(Cluster: "prod-ü");

        var admitted = new SourceGate().Admit(item, "orders-api", scope, adapter: false, []);

        var record = EventAppender.Stamped(admitted!.Json!.Value, "\"source\":\"orders-api\","u8, scope.Label!.SpliceFor(admitted));
        Assert.Contains("\"attributes\":{\"k8s.cluster\":\"prod-ü\"}", Encoding.UTF8.GetString(record), StringComparison.Ordinal);
        Assert.Equal("prod-ü", ContractJson.DeserializeEvent(record).Attr("k8s.cluster"));
    }

    /// <summary>
    /// The scan records where <c>attributes</c> starts only within the first 64 KiB of an event (so that an item carries
    /// no more than before): one further in, behind a large <c>raw</c>, is read whole and labelled all the same.
    /// </summary>
    [Theory]
    [InlineData(""","attributes":{"team":"a"}""")]
    [InlineData("")]
    public void Admit_LabelledSource_AttributesBeyondWhereTheScanRecordsThem_ReadWholeAndLabelled(string attributes)
    {
        var pad = new string('x', 65_450);
        var item = Assert.Single(Parse([$$$"""{"id":"far",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"raw":{"pad":"{{{pad}}}"}{{{attributes}}}}"""]));
        Assert.NotNull(item.Scanned);
        var scope = new SourceScope(Cluster: "prod-eu");

        var admitted = new SourceGate().Admit(item, "orders-api", scope, adapter: false, []);

        Assert.NotNull(admitted);
        // Read whole when the attributes are there to be found, spliced when the event has none.
        Assert.Equal(attributes.Length == 0, admitted.Json is not null);
        var logged = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(Record(admitted, scope)));
        Assert.Equal(("prod-eu", attributes.Length > 0 ? "a" : null, 65_450), (logged.Attr("k8s.cluster"), logged.Attr("team"), logged.Raw!.Value.GetProperty("pad").GetString()!.Length));
    }

    /// <summary>
    /// A labelled source's event naming another cluster is refused, from its bytes when they show it plainly; one whose
    /// <c>k8s.cluster</c> is not a string is refused after reading it; null and "" name no cluster and are labelled; an
    /// escaped name is read and compared as text.
    /// </summary>
    [Fact]
    public void Admit_LabelledSource_AnotherClusterOrNoString_RefusedByIndexAndField_NullAndEmptyLabelled()
    {
        string[] values = ["\"staging\"", "7", "[\"prod-eu\"]", "\"st\\u0061ging\"", "\"pr\\u006fd-eu\"", "null", "\"\"", "{\"name\":\"prod-eu\"}"];
        var items = Parse(values.Select((v, i) => $$$"""{"id":"v{{{i}}}",{{{T}}},"kind":"access.request","subject":{"id":"user:alice"},"attributes":{"team":"a","k8s.cluster":{{{v}}}}}"""));
        var gate = new SourceGate();
        var errors = new List<ItemError>();

        var admitted = items.Select(i => gate.Admit(i, "orders-api", new SourceScope(Cluster: "prod-eu"), adapter: false, errors)).ToArray();

        Assert.Equal([false, false, false, false, true, true, true, false], admitted.Select(a => a is not null));
        const string Other = "outside the scope of source orders-api: its key speaks for cluster prod-eu only, and this event names ";
        const string NotText = "outside the scope of source orders-api: its key speaks for cluster prod-eu, and this event's cluster is not a string";
        Assert.Equal(
            [
                new ItemError(0, SourceScope.ClusterField, Other + "'staging'"),
                new ItemError(1, SourceScope.ClusterField, NotText),
                new ItemError(2, SourceScope.ClusterField, NotText),
                new ItemError(3, SourceScope.ClusterField, Other + "'staging'"),
                new ItemError(7, SourceScope.ClusterField, NotText),
            ],
            errors);
        Assert.All(admitted.OfType<MappedEvent>(), a => Assert.Equal(("prod-eu", "a"), (a.Event.Attr("k8s.cluster"), a.Event.Attr("team"))));
        // Null and "" were read and labelled whole: their bytes do not say the label, so they are not forwarded.
        Assert.Equal([true, false, false], admitted.OfType<MappedEvent>().Select(a => a.Json is not null));
    }

    /// <summary>The items as Ingest's parser makes them from one request body.</summary>
    private static List<MappedEvent> Parse(IEnumerable<string> events)
    {
        var validator = new EventValidator(Microsoft.Extensions.Options.Options.Create(new IngestOptions()), new FakeTimeProvider(Now));
        var result = new EventBatchParser(validator).Parse(Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]"), EventsFormat.Json);
        Assert.True(result.Errors.Count == 0, string.Join("; ", result.Errors));
        return [.. result.Items];
    }

    /// <summary>The record the appender writes for <paramref name="item"/>, as the Verifier reads it back.</summary>
    private static string Record(MappedEvent item, SourceScope? scope = null)
    {
        var value = item.Json is { } json
            ? EventAppender.Stamped(json, Encoding.UTF8.GetBytes("\"source\":\"src\"," + (item.SourceScope is { } s ? "\"source_scope\":[" + string.Join(",", s.Select(v => $"\"{v}\"")) + "]," : "")), scope?.Label?.SpliceFor(item) ?? default)
            : ContractJson.Serialize(item.Event with { Source = "src" });
        return Encoding.UTF8.GetString(ContractJson.Serialize(ContractJson.DeserializeEvent(value)));
    }
}
