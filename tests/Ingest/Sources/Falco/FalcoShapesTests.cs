namespace ZtStream.Ingest.Tests.Sources.Falco;

/// <summary>
/// Falco output in the shapes other clusters and versions send (TestData/falco, ORIGIN.md): Falco 0.37 lines from a
/// container-only host, older versions writing <c>&lt;NA&gt;</c> and no <c>hostname</c>, gRPC output where every field is a
/// string, the k8smeta plugin's pod fields, plugin sources (Kubernetes audit, CloudTrail, Okta, GitHub), Falco's internal
/// alerts, and what falcosidekick forwards.
/// </summary>
public sealed class FalcoShapesTests
{
    [Fact]
    public void Map_Falco037Lines_EveryLineMapsToItsContainerOrPod()
    {
        var events = MapperAssert.MapsAll(FalcoMapper.Map(TestData.Falco("event-generator-0.37.jsonl")), 5);

        Assert.Equal(["container:4a1e0c7d2b9f", "container:4a1e0c7d2b9f", "container:4a1e0c7d2b9f", "container:7d3b9e1f5a2c", "ledger/ledger-api-5d9c7"],
            events.Select(e => e.Workload?.Id));
        Assert.Equal("lab-generator-1", events[0].Workload?.Name);
        Assert.Null(events[0].Workload?.Namespace);
        Assert.Equal("b71c04e2a9d3", events[0].Workload?.Node);
        Assert.Equal("example.org/lab/event-generator:0.10.0", events[2].Workload?.Image);
        Assert.Equal(new DateTimeOffset(2024, 5, 13, 13, 23, 31, TimeSpan.Zero).AddTicks(898908), events[4].Time);
        Assert.Equal(["Warning", "Informational", "Warning", "Notice", "Warning"], events.Select(e => e.Attr("falco.priority")));
        Assert.Equal("ledger-api-5d9c7", events[4].Workload?.Name);
        Assert.True(events[4].Attributes!["falco.output_fields"].GetProperty("evt.failed").GetBoolean());
        Assert.All(events, e => Assert.Null(e.Subject));
    }

    [Fact]
    public void Map_OlderFalcoWritingNA_IsTheUnnamedHostNotAPodNamedNA()
    {
        var e = Line("older-falco.jsonl", 0);

        Assert.Equal("host", e.Workload?.Id);
        Assert.Null(e.Workload?.Name);
        Assert.Null(e.Workload?.Namespace);
        Assert.Null(e.Workload?.Image);
        Assert.Equal("host", e.Attr("container.id"));
        Assert.Equal("root", e.Attr("user.name"));
    }

    [Theory]
    [InlineData("<NA>")]
    [InlineData("")]
    [InlineData(null)]
    public void Map_PodFieldsWithoutValue_FallBackToTheContainer(string? none)
    {
        var value = none is null ? "null" : $"\"{none}\"";
        var body = """{"rule":"r","time":"2026-01-02T03:04:05Z","hostname":"n1","output_fields":{"k8s.pod.name":V,"k8s.ns.name":V,"container.id":"ab12cd34ef56","container.name":"job","container.image.repository":V}}"""
            .Replace("V", value, StringComparison.Ordinal);

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal("container:ab12cd34ef56", e.Workload?.Id);
        Assert.Equal("job", e.Workload?.Name);
        Assert.Null(e.Workload?.Image);
    }

    [Fact]
    public void Map_NamespaceWithoutPod_StaysOnTheContainerWorkload()
    {
        // A source limited to namespaces needs it to accept the alert.
        var e = Assert.Single(FalcoMapper.Map("""{"rule":"r","time":"2026-01-02T03:04:05Z","output_fields":{"k8s.ns.name":"shop","k8s.pod.name":null,"container.id":"ab12cd34ef56"}}"""u8).Events);

        Assert.Equal("container:ab12cd34ef56", e.Workload?.Id);
        Assert.Equal("shop", e.Workload?.Namespace);
    }

    [Fact]
    public void Map_K8smetaPluginFields_NameThePodWhenK8sFieldsAreNull()
    {
        var e = Line("older-falco.jsonl", 3);

        Assert.Equal("edge/proxy-2", e.Workload?.Id);
        Assert.Equal("edge", e.Workload?.Namespace);
        Assert.Equal("proxy-2", e.Workload?.Name);
    }

    [Theory]
    [InlineData("\"1663142462345678901\"")]
    [InlineData("1663142462345678901")]
    public void Map_GrpcShapeWithoutTime_DatesByEvtTimeEvenAsDigits(string evtTime)
    {
        var body = $$"""{"priority":4,"source":"syscall","rule":"Terminal shell in container","output_fields":{"container.id":"5c4b3a291807","evt.time":{{evtTime}},"k8s.ns.name":"ops","k8s.pod.name":"toolbox-0","fd.sport":"443"},"hostname":"node-c"}""";

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal(new DateTimeOffset(2022, 9, 14, 8, 1, 2, TimeSpan.Zero).AddTicks(3456789), e.Time);
        Assert.Equal("Warning", e.Attr("falco.priority"));
        Assert.Equal(443, e.Network?.DstPort);
    }

    [Theory]
    [InlineData("\"evt.time\":\"23:39:44.834631763\"", null)]
    [InlineData("\"evt.time\":\"<NA>\"", null)]
    [InlineData("\"evt.time.iso8601\":\"2022-02-15T14:03:12.123639040+0000\"", "2022-02-15T14:03:12.1236390+00:00")]
    [InlineData("\"evt.time.iso8601\":\"2022-02-15T16:03:12.123639040+02:00\"", "2022-02-15T14:03:12.1236390+00:00")]
    [InlineData("\"evt.rawtime\":1644933792123639040", "2022-02-15T14:03:12.1236390+00:00")]
    public void Map_WithoutTime_OnlyAFullEventTimeDatesTheAlert(string field, string? expected)
    {
        var body = "{\"rule\":\"r\",\"output_fields\":{\"container.id\":\"ab12cd34ef56\"," + field + "}}";

        var result = FalcoMapper.Map(Encoding.UTF8.GetBytes(body));

        if (expected is null)
        {
            Assert.Equal("time", Assert.Single(result.Errors).Field);
        }
        else
        {
            Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), Assert.Single(result.Events).Time);
        }
    }

    [Fact]
    public void Map_UpperCasePriorityFromGrpc_KeptAsSent()
    {
        var e = Line("older-falco.jsonl", 2);

        Assert.Equal("WARNING", e.Attr("falco.priority"));
        Assert.Equal("ops/toolbox-0", e.Workload?.Id);
    }

    [Theory]
    [InlineData("k8saudit-plugin.jsonl", 0, "system:serviceaccount:storefront:checkout", "service_account", "k8s_audit")]
    [InlineData("k8saudit-plugin.jsonl", 1, "jdoe", "user", "k8s_audit")]
    [InlineData("k8saudit-plugin.jsonl", 2, "system:anonymous", "anonymous", "k8s_audit")]
    [InlineData("plugin-sources.jsonl", 0, "arn:aws:iam::111122223333:user/ops-admin", "user", "aws_cloudtrail")]
    [InlineData("plugin-sources.jsonl", 1, "alice@corp.example", "user", "okta")]
    [InlineData("plugin-sources.jsonl", 2, "mallory-dev", "user", "github")]
    public void Map_PluginSourceAlert_IsOnTheActorNotOnTheHostFalcoRunsOn(string file, int line, string subject, string type, string source)
    {
        var e = Line(file, line);

        Assert.Equal(subject, e.Subject?.Id);
        Assert.Equal(type, e.Subject?.Type);
        Assert.Null(e.Workload);
        Assert.Equal(subject, e.PrincipalKey);
        Assert.Equal(source, e.Attr("falco.source"));
    }

    [Fact]
    public void Map_PluginSourceAlert_TakesTheActorsAddress()
    {
        Assert.Equal("203.0.113.50", Line("plugin-sources.jsonl", 0).Network?.SrcIp);
        Assert.Equal("198.51.100.9", Line("plugin-sources.jsonl", 1).Network?.SrcIp);
    }

    /// <summary>
    /// A k8saudit alert on a request without a credential (falcosecurity/plugins k8saudit: <c>ka.user.name</c>, and
    /// <c>ka.sourceips</c>, a list field, written as a JSON list or, with one element, as a string) is on the principal its
    /// audit event is on: the last source address, the one the API server's connection came from.
    /// </summary>
    [Theory]
    [InlineData("\"ka.user.name\":\"system:anonymous\",\"ka.sourceips\":[\"192.0.2.201\",\"203.0.113.50\"]", "ip:203.0.113.50", "203.0.113.50", "system:anonymous")]
    [InlineData("\"ka.user.name\":\"system:anonymous\",\"ka.sourceips\":\"2001:db8:99::7\"", "ip:2001:db8:99::7", "2001:db8:99::7", "system:anonymous")]
    [InlineData("\"ka.user.name\":\"system:anonymous\",\"ka.sourceips\":null", "system:anonymous", null, null)]
    [InlineData("\"ka.user.name\":\"system:anonymous\"", "system:anonymous", null, null)]
    [InlineData("\"ka.impuser.name\":\"system:anonymous\",\"ka.user.name\":\"ana.ruiz@example.com\",\"ka.sourceips\":[\"198.51.100.14\"]", "system:anonymous", "198.51.100.14", null)]
    public void Map_AnonymousK8sAuditAlert_IsOnTheAddressItsAuditEventIsOn(string actorFields, string subject, string? address, string? username)
    {
        var body = "{\"rule\":\"Anonymous Request Allowed\",\"source\":\"k8s_audit\",\"time\":\"2026-11-30T22:01:00.100000000Z\",\"hostname\":\"falco-0\",\"output_fields\":{" + actorFields + "}}";

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal((subject, "anonymous", address, username), (e.Subject?.Id, e.Subject?.Type, e.Network?.SrcIp, e.Attr("k8s.username")));
    }

    [Theory]
    [InlineData("\"gcp.user\":\"ops@corp.example\",\"gcp.callerIP\":\"203.0.113.77\"", "ops@corp.example", "203.0.113.77")]
    [InlineData("\"gcp.user\":\"ci@proj.iam.gserviceaccount.com\",\"gcp.callerIP\":\"private\"", "ci@proj.iam.gserviceaccount.com", null)]
    [InlineData("\"ka.user.name\":\"jdoe\",\"ka.sourceips\":[\"2001:db8::7\",\"192.0.2.1\"]", "jdoe", "192.0.2.1")]
    // A stolen token used from a public address with X-Forwarded-For naming a private one: the public one is the client.
    [InlineData("\"ka.user.name\":\"system:serviceaccount:payments:api\",\"ka.sourceips\":[\"10.0.0.5\",\"203.0.113.9\"]", "system:serviceaccount:payments:api", "203.0.113.9")]
    [InlineData("\"ka.user.name\":\"jdoe\",\"ka.sourceips\":[\"203.0.113.9\",\"10.0.0.5\",\"10.0.0.1\"]", "jdoe", "203.0.113.9")]
    [InlineData("\"ka.user.name\":\"jdoe\",\"ka.sourceips\":[\"10.0.0.5\",\"private\"]", "jdoe", null)]
    [InlineData("\"ka.user.name\":\"jdoe\",\"ka.sourceips\":null", "jdoe", null)]
    [InlineData("\"ct.user\":\"deployer\",\"ct.srcip\":\"ec2.amazonaws.com\"", "deployer", null)]
    public void Map_PluginSourceAlert_TakesOnlyAnAddressAsTheActorsSource(string actorFields, string subject, string? address)
    {
        var body = "{\"rule\":\"r\",\"time\":\"2026-01-02T03:04:05Z\",\"hostname\":\"falco-0\",\"output_fields\":{" + actorFields + "}}";

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal(subject, e.Subject?.Id);
        Assert.Equal(address, e.Network?.SrcIp);
    }

    [Fact]
    public void Map_InternalAlertsWithoutHostname_AcceptedOnTheUnnamedHost()
    {
        var events = MapperAssert.MapsAll(FalcoMapper.Map(TestData.Falco("internal-alerts.jsonl")), 3);

        Assert.Equal(["host", "host", "host:node-7"], events.Select(e => e.Workload?.Id));
        Assert.Equal(["Debug", "Critical", "Informational"], events.Select(e => e.Attr("falco.priority")));
        Assert.Equal("815508", events[0].Attributes!["falco.output_fields"].GetProperty("n_drops").GetString());
    }

    [Fact]
    public void Map_SidekickTestEvent_IsOnItsHost()
    {
        var e = Line("sidekick-shapes.jsonl", 0);

        Assert.Equal("0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", e.Id);
        Assert.Equal("host:falcosidekick", e.Workload?.Id);
        Assert.Equal("internal", e.Attr("falco.source"));
    }

    [Fact]
    public void Map_SidekickWithCustomFieldsAndReplacedBrackets_MapsThePod()
    {
        var e = Line("sidekick-shapes.jsonl", 1);

        Assert.Equal("shop/web-6b9f", e.Workload?.Id);
        Assert.Equal("registry.example/shop/web", e.Workload?.Image);
        Assert.Equal("production", e.Attributes!["falco.output_fields"].GetProperty("environment").GetString());
    }

    [Fact]
    public void Map_SidekickZeroTimeAndEmptyPriority_AreNoTimeAndNoPriority()
    {
        var arrival = new DateTimeOffset(2026, 11, 30, 10, 30, 0, TimeSpan.Zero);
        var line = Lines("sidekick-shapes.jsonl")[2];

        var live = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(line), SourceMapOptions.Default with { ReceivedAt = arrival }).Events);
        var offline = FalcoMapper.Map(Encoding.UTF8.GetBytes(line));

        Assert.Equal(arrival, live.Time);
        Assert.Equal("received", live.Attr(TimeSources.Attribute));
        Assert.Null(live.Attr("falco.priority"));
        Assert.Null(live.Attr("falco.output"));
        Assert.Equal("host:node-b", live.Workload?.Id);
        Assert.Equal("time", Assert.Single(offline.Errors).Field);
    }

    [Fact]
    public void Map_AlertWithEmptyOutputFields_IsOnItsHost()
    {
        var e = Assert.Single(FalcoMapper.Map("""{"rule":"r","time":"2021-01-14T23:39:44Z","output_fields":{},"hostname":"n2"}"""u8).Events);

        Assert.Equal("host:n2", e.Workload?.Id);
    }

    [Fact]
    public void Map_EksAuditAlertsOfAMappedUserName_AreOnTheIamRoleTheRuleOutputsFromUserExtra()
    {
        var e = MapperAssert.MapsAll(FalcoMapper.Map(TestData.Falco("k8saudit-eks.jsonl")), 6);

        Assert.Equal(
            [
                // json.value[/user/extra/arn/0]: the session's role; jevt.value with falcosidekick's replaced brackets; a whole list.
                ("arn:aws:iam::111122223333:role/OpsAdmin", "111122223333", "kubernetes-admin"),
                ("arn:aws:iam::111122223333:role/OpsAdmin", "111122223333", "kubernetes-admin"),
                ("arn:aws:iam::444455556666:role/PlatformAdmin", "444455556666", "platform-admin"),
                // The cluster's own component keeps its Kubernetes user name; an impersonation is on the user it acted as,
                // as their audit events are.
                ("eks:certificate-controller", null, null),
                ("jenkins-deployer", null, null),
                // Without the extra fields the alert can only name the user name.
                ("kubernetes-admin", null, null),
            ],
            e.Select(x => (x.Subject?.Id, x.Subject?.Tenant, x.Attr(CloudIdentity.UsernameAttribute))));
        Assert.Equal(("arn:aws:sts::111122223333:assumed-role/OpsAdmin/casey", "casey"), (e[0].Attr("aws.arn"), e[0].Attr("aws.session_name")));
        Assert.Equal("casey", e[1].Attr("aws.session_name"));
        Assert.Equal("kubernetes-admin", e[4].Attr("k8s.impersonated_by"));
        Assert.All(e, x => Assert.Equal("user", x.Subject?.Type));
    }

    [Fact]
    public void Map_EksAuditAlert_IsOnThePrincipalOfTheAuditEventItFiredOn()
    {
        // The audit event of the exec (shape of TestData/k8s-audit/clusters/varied-clusters.ndjson) and the alert a
        // k8saudit-eks rule raised on it must land on one principal, or the exec and what follows are two stories.
        const string audit = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0c1d2e3f-0000-4000-8000-0000000000b7","stage":"ResponseStarted",
             "requestURI":"/api/v1/namespaces/payments/pods/ledger-0/exec?command=sh","verb":"create","user":{"username":"kubernetes-admin",
             "groups":["system:masters","system:authenticated"],"extra":{"arn":["arn:aws:sts::111122223333:assumed-role/OpsAdmin/casey"],
             "canonicalArn":["arn:aws:iam::111122223333:role/OpsAdmin"],"sessionName":["casey"]}},"sourceIPs":["203.0.113.15"],
             "objectRef":{"resource":"pods","namespace":"payments","name":"ledger-0","subresource":"exec"},"responseStatus":{"code":101},
             "requestReceivedTimestamp":"2026-11-30T10:00:06Z"}
            """;

        var k8s = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(audit)).Events);
        var alert = Line("k8saudit-eks.jsonl", 0);

        Assert.Equal(k8s.PrincipalKey, alert.PrincipalKey);
        Assert.Equal(k8s.Subject?.Tenant, alert.Subject?.Tenant);
    }

    private static AccessEvent Line(string file, int line) => MapperAssert.MapsOne(FalcoMapper.Map(Encoding.UTF8.GetBytes(Lines(file)[line])));

    private static string[] Lines(string file) =>
        Encoding.UTF8.GetString(TestData.Falco(file)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public void Map_CloudTrailAlertOnAnAssumedRoleSession_IsOnTheRoleAsTheClustersAuditEventsName_WithTheSessionKept()
    {
        // ORIGIN: the CloudTrail plugin's fields (falcosecurity/plugins, plugins/cloudtrail: ct.user.arn, ct.srcip), values invented.
        const string alert = """
            {"hostname":"falco-cloud-0","rule":"Console Login Without MFA","priority":"Critical","source":"aws_cloudtrail","time":"2026-11-30T12:00:01Z",
             "output":"12:00:01.000000000: Critical Console login without MFA (user=EKS-Admin/dana ip=203.0.113.50)",
             "output_fields":{"ct.user.arn":"arn:aws:sts::111122223333:assumed-role/EKS-Admin/dana","ct.user":"EKS-Admin/dana","ct.srcip":"203.0.113.50"}}
            """;
        const string audit = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0c1d2e3f-0000-4000-8000-0000000000a1","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/payments/secrets","verb":"list","user":{"username":"kubernetes-admin",
             "extra":{"arn":["arn:aws:sts::111122223333:assumed-role/EKS-Admin/dana"],"canonicalArn":["arn:aws:iam::111122223333:role/EKS-Admin"]}},
             "sourceIPs":["203.0.113.50"],"objectRef":{"resource":"secrets","namespace":"payments"},"responseStatus":{"code":200},
             "requestReceivedTimestamp":"2026-11-30T12:01:00Z"}
            """;

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert)).Events);
        var k8s = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(audit)).Events);

        Assert.Equal(("arn:aws:iam::111122223333:role/EKS-Admin", "user", "111122223333"), (e.Subject?.Id, e.Subject?.Type, e.Subject?.Tenant));
        Assert.Equal(k8s.PrincipalKey, e.PrincipalKey);
        Assert.Equal(("arn:aws:sts::111122223333:assumed-role/EKS-Admin/dana", "dana"), (e.Attr("aws.arn"), e.Attr("aws.session_name")));
        Assert.Null(e.Workload);
    }

    /// <summary>
    /// A dual-stack server's socket holds an IPv4 client as an IPv4-mapped IPv6 address, and Falco writes it so
    /// (<c>::ffff:198.51.100.44</c>), a link-local peer with its interface: each is the address the other sources name.
    /// </summary>
    [Theory]
    [InlineData("::ffff:198.51.100.44", "::ffff:10.0.5.9", "198.51.100.44", "10.0.5.9")]
    [InlineData("fe80::1%eth0", "fe80::2%eth0", "fe80::1", "fe80::2")]
    [InlineData("2001:DB8::44", "2001:db8:0:0::9", "2001:db8::44", "2001:db8::9")]
    public void Map_AddressesInAnotherForm_AreTheirShortestForm(string client, string server, string src, string dst)
    {
        var alert = $$$"""
            {"output":"x","priority":"Notice","rule":"Unexpected admin port connection","time":"2026-11-30T21:25:00Z","hostname":"node-7",
             "output_fields":{"container.id":"5b4a39281706","fd.cip":"{{{client}}}","fd.cport":40112,"fd.sip":"{{{server}}}","fd.sport":8443,"user.name":null}}
            """;

        var e = MapperAssert.MapsOne(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert)));

        Assert.Equal((src, dst, 8443), (e.Network?.SrcIp, e.Network?.DstIp, e.Network?.DstPort));
    }
}
