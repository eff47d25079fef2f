using System.Text.Json.Nodes;

namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// The ids of audit records, in each shape Ingest reads: derived from what every stage of one request shares, together
/// with the id the record gave (<c>auditID</c>, which the caller may choose; a GKE entry's <c>operation.id</c> or
/// <c>insertId</c>) or without it (exports and hand-made records), so a request's stages are still one id, a record
/// delivered twice still one event, and two requests two, whatever id they were given.
/// </summary>
public sealed class K8sAuditDerivedIdTests
{
    private const string Received = "2026-12-01T09:00:00.100000Z";
    private const string AksResourceId = "/subscriptions/0000/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-weu-1";

    /// <summary>A create of a pod, refused, at <paramref name="stage"/>: the API server completes the object's name after the first stage.</summary>
    private static JsonObject Event(string stage, string received = Received)
    {
        var e = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "Metadata",
            ["stage"] = stage,
            ["requestURI"] = "/api/v1/namespaces/shop/pods",
            ["verb"] = "create",
            ["user"] = new JsonObject { ["username"] = "dev@example.com", ["groups"] = new JsonArray("system:authenticated") },
            ["sourceIPs"] = new JsonArray("203.0.113.7"),
            ["userAgent"] = "kubectl/v1.31.0",
            ["objectRef"] = new JsonObject { ["resource"] = "pods", ["namespace"] = "shop", ["apiVersion"] = "v1" },
            ["requestReceivedTimestamp"] = received,
            ["stageTimestamp"] = received,
        };
        if (stage == "ResponseComplete")
        {
            e["objectRef"]!["name"] = "debug";
            e["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = 403 };
            e["stageTimestamp"] = "2026-12-01T09:00:00.180000Z";
            e["annotations"] = new JsonObject { ["authorization.k8s.io/decision"] = "forbid" };
        }

        return e;
    }

    /// <summary>The events in a shape that carries native events: the webhook's EventList, an audit log file, AKS's diagnostic records.</summary>
    private static string Carried(string shape, params JsonObject[] events) => shape switch
    {
        "webhook" => new JsonObject
        {
            ["kind"] = "EventList",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. events]),
        }.ToJsonString(),
        "lines" => string.Join('\n', events.Select(e => e.ToJsonString())),
        "aks-diagnostic" => new JsonObject
        {
            ["records"] = new JsonArray([.. events.Select(e => (JsonNode)new JsonObject
            {
                ["time"] = "2026-12-01T09:00:01.0000000Z",
                ["resourceId"] = AksResourceId,
                ["category"] = "kube-audit",
                ["operationName"] = "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                ["properties"] = new JsonObject { ["log"] = e.ToJsonString(), ["stream"] = "stdout", ["pod"] = "kube-apiserver-5f9b7c8d6-x2x8q" },
            })]),
        }.ToJsonString(),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    /// <summary>One request arriving at <paramref name="received"/> without its id, in <paramref name="shape"/>.</summary>
    private static string Record(string shape, string received) => shape switch
    {
        "aks-row" => $$"""{"Type":"AKSAudit","TimeGenerated":"2026-12-01T09:00:01Z","_ResourceId":"{{AksResourceId}}","Level":"Metadata","Stage":"ResponseComplete","RequestUri":"/api/v1/namespaces/shop/secrets/db","Verb":"get","User":"{\"username\":\"kim@contoso.com\"}","SourceIps":"[\"20.61.3.9\"]","ObjectRef":"{\"resource\":\"secrets\",\"namespace\":\"shop\",\"name\":\"db\",\"apiVersion\":\"v1\"}","ResponseStatus":"{\"code\":200}","RequestReceivedTime":"{{received}}","StageReceivedTime":"{{received}}"}""",
        "gke" => GkeEntry(received),
        "pubsub" => $$"""{"message":{"data":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(GkeEntry(received)))}}","messageId":"13097465289171415","publishTime":"2026-12-01T09:00:02.077Z"},"subscription":"projects/shop-prod-4711/subscriptions/ztstream-k8s-audit"}""",
        _ => Carried(shape, Event("ResponseComplete", received)),
    };

    /// <summary>
    /// One request arriving at <paramref name="received"/> under <paramref name="auditId"/> (the native <c>auditID</c>, AKS's
    /// <c>AuditId</c>, GKE's <c>operation.id</c>), which its caller may have chosen (the <c>Audit-ID</c> header).
    /// </summary>
    private static string RecordWithId(string shape, string auditId, string received) => shape switch
    {
        "aks-row" => Record(shape, received).Replace("""{"Type":"AKSAudit",""", $$"""{"Type":"AKSAudit","AuditId":"{{auditId}}",""", StringComparison.Ordinal),
        "gke" => GkeEntry(received, auditId),
        "pubsub" => $$"""{"message":{"data":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(GkeEntry(received, auditId)))}}","messageId":"13097465289171416","publishTime":"2026-12-01T09:00:02.077Z"},"subscription":"projects/shop-prod-4711/subscriptions/ztstream-k8s-audit"}""",
        _ => Carried(shape, WithId(Event("ResponseComplete", received), auditId)),
    };

    private static JsonObject WithId(JsonObject e, string auditId)
    {
        e["auditID"] = auditId;
        return e;
    }

    /// <summary>A GKE Cloud Audit Logs entry written without insertId, and without operation unless <paramref name="operationId"/> is given.</summary>
    private static string GkeEntry(string timestamp, string? operationId = null)
    {
        var operation = operationId is null ? "" : $$"""
            "operation":{"id":"{{operationId}}","producer":"k8s.io","first":true,"last":true},
            """;
        return "{" + operation + $$$"""
            "protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"dev@shop.example"},"requestMetadata":{"callerIp":"203.0.113.45","callerSuppliedUserAgent":"kubectl/v1.30.5"},"serviceName":"k8s.io","methodName":"io.k8s.core.v1.secrets.get","resourceName":"core/v1/namespaces/shop/secrets/db"},"resource":{"type":"k8s_cluster","labels":{"project_id":"shop-prod-4711","location":"europe-west1","cluster_name":"gke-shop"}},"timestamp":"{{{timestamp}}}","logName":"projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Fdata_access"}
            """;
    }

    /// <summary>Every shape an audit record comes in here: native events, AKS's rows, GKE's entries as exported and pushed.</summary>
    public static TheoryData<string> EveryShape => ["webhook", "lines", "aks-diagnostic", "aks-row", "gke", "pubsub"];

    private static AccessEvent MapOne(string body) =>
        MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [MemberData(nameof(EveryShape))]
    public void Map_RecordWithoutItsId_IsJudgedUnderAnIdKeptOnRedeliveryAndNotSharedWithAnotherRequest(string shape)
    {
        var first = MapOne(Record(shape, Received));
        var again = MapOne(Record(shape, Received));
        var later = MapOne(Record(shape, "2026-12-01T09:00:00.100001Z"));

        Assert.StartsWith(K8sAuditMapper.DerivedIdPrefix, first.Id, StringComparison.Ordinal);
        Assert.Equal(K8sAuditMapper.DerivedIdPrefix.Length + 32, first.Id.Length);
        Assert.Null(first.Attr("k8s.audit_id"));
        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, later.Id);
        Assert.Equal(EventKinds.K8sAudit, first.Kind);
    }

    [Theory]
    [InlineData("webhook")]
    [InlineData("lines")]
    [InlineData("aks-diagnostic")]
    public void Map_StagesOfOneRequestWithoutAuditId_ShareOneIdAndTheLatestStageIsKept(string shape)
    {
        var body = Carried(shape, Event("RequestReceived"), Event("ResponseComplete"));

        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), 2);

        Assert.Equal(events[0].Id, events[1].Id);
        Assert.All(events, e => Assert.Equal(("ResponseComplete", 403, Outcomes.Denied, "shop/debug"), (e.Attr("k8s.stage"), e.Status, e.Outcome, e.Resource?.Id)));
    }

    [Fact]
    public void Map_TheSameRecordTwiceInOneFile_IsOneId()
    {
        var line = Event("ResponseComplete").ToJsonString();

        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(line + "\n" + line)), 2);

        Assert.Equal(events[0].Id, events[1].Id);
    }

    [Fact]
    public void Map_StagesWithoutAuditIdOrArrivalTime_AreEventsOfTheirOwnEachKeptOnRedelivery()
    {
        // Nothing but the stage's own time is left to tell the request by: the whole record is what is digested.
        var started = Event("RequestReceived");
        var ended = Event("ResponseComplete");
        started.Remove("requestReceivedTimestamp");
        ended.Remove("requestReceivedTimestamp");
        var body = Encoding.UTF8.GetBytes(Carried("webhook", started, ended));

        var first = MapperAssert.MapsAll(K8sAuditMapper.Map(body), 2);
        var again = MapperAssert.MapsAll(K8sAuditMapper.Map(body), 2);

        Assert.NotEqual(first[0].Id, first[1].Id);
        Assert.Equal(first.Select(e => e.Id), again.Select(e => e.Id));
        Assert.Equal(["RequestReceived", "ResponseComplete"], first.Select(e => e.Attr("k8s.stage")));
    }

    [Fact]
    public void Map_UndatedRecordWithoutAuditId_IsDatedOnArrivalAndKeepsItsIdOnRedelivery()
    {
        var e = Event("ResponseComplete");
        e.Remove("requestReceivedTimestamp");
        e.Remove("stageTimestamp");
        var options = SourceMapOptions.Default with { ReceivedAt = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero) };

        var first = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(e.ToJsonString()), options).Events);
        var again = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(e.ToJsonString()), options with { ReceivedAt = options.ReceivedAt!.Value.AddMinutes(1) }).Events);

        Assert.Equal(first.Id, again.Id);
        Assert.Equal((options.ReceivedAt, TimeSources.Received), (first.Time, first.Attr(TimeSources.Attribute)));
    }

    [Fact]
    public void Map_KindlessEventWithoutAuditId_IsAnAuditEventWhenItHasAStageVerbAndUri()
    {
        var e = Event("ResponseComplete");
        e.Remove("kind");
        e.Remove("apiVersion");

        var mapped = MapOne(new JsonObject { ["metadata"] = new JsonObject(), ["items"] = new JsonArray(e) }.ToJsonString());

        Assert.StartsWith(K8sAuditMapper.DerivedIdPrefix, mapped.Id, StringComparison.Ordinal);
        Assert.Equal("create", mapped.Action);
    }

    [Theory]
    // Another source's record: a stage name Kubernetes does not define, or no verb or URI.
    [InlineData("""{"stage":"deploy","verb":"create","requestURI":"/builds/1","user":{"username":"ci"},"stageTimestamp":"2026-12-01T09:00:00Z"}""")]
    [InlineData("""{"stage":"ResponseComplete","user":{"username":"ci"},"stageTimestamp":"2026-12-01T09:00:00Z"}""")]
    public void Map_KindlessRecordWithoutAuditIdOrWhatEveryEventHas_IsNotTakenForOne(string record) =>
        Assert.Contains("not recognized as a Kubernetes audit event", MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(record)), "kind").Reason, StringComparison.Ordinal);

    [Fact]
    public void Map_AuditIdNotAString_IsAnErrorNamingIt()
    {
        var e = Event("ResponseComplete");
        e["auditID"] = 17;

        var error = MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(e.ToJsonString())), "auditID");

        Assert.Contains("expected a string", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryShape))]
    public void Map_TwoRequestsUnderOneCallerChosenAuditId_AreTwoEventsEachKeptOnRedeliveryAndKeepingTheIdGiven(string shape)
    {
        // kube-apiserver takes auditID from the caller's Audit-ID header: the second request must not pass for a redelivery of the first.
        var first = MapOne(RecordWithId(shape, "7f3e0c4a-0000-4000-8000-00000000a11d", Received));
        var again = MapOne(RecordWithId(shape, "7f3e0c4a-0000-4000-8000-00000000a11d", Received));
        var later = MapOne(RecordWithId(shape, "7f3e0c4a-0000-4000-8000-00000000a11d", "2026-12-01T09:00:00.100001Z"));

        Assert.NotEqual(first.Id, later.Id);
        Assert.Equal(first.Id, again.Id);
        Assert.StartsWith(K8sAuditMapper.DerivedIdPrefix, first.Id, StringComparison.Ordinal);
        Assert.All(new[] { first, later }, e => Assert.Equal("7f3e0c4a-0000-4000-8000-00000000a11d", e.Attr("k8s.audit_id")));
    }

    [Theory]
    [InlineData("webhook")]
    [InlineData("lines")]
    [InlineData("aks-diagnostic")]
    public void Map_AnotherUsersRequestUnderAnEarlierRequestsAuditId_IsAnEventOfItsOwnWithItsOwnOutcome(string shape)
    {
        var benign = WithId(Event("ResponseComplete"), "0b1d0000-0000-4000-8000-000000000001");
        var reuse = WithId(Event("ResponseComplete"), "0b1d0000-0000-4000-8000-000000000001");
        reuse["user"] = new JsonObject { ["username"] = "mallory@example.com", ["groups"] = new JsonArray("system:authenticated") };
        reuse["verb"] = "create";
        reuse["requestURI"] = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
        reuse["objectRef"] = new JsonObject { ["resource"] = "clusterrolebindings", ["name"] = "own", ["apiGroup"] = "rbac.authorization.k8s.io", ["apiVersion"] = "v1" };
        reuse["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = 201 };

        var apart = MapOne(Carried(shape, (JsonObject)reuse.DeepClone()));
        var together = MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(Carried(shape, benign, reuse))), 2);

        Assert.NotEqual(together[0].Id, together[1].Id);
        Assert.Equal(together[1].Id, apart.Id);
        Assert.Equal(("mallory@example.com", "create", "clusterrolebindings", 201), (together[1].Subject?.Id, together[1].Action, together[1].Resource?.Type, together[1].Status));
    }

    [Theory]
    [InlineData("webhook")]
    [InlineData("lines")]
    [InlineData("aks-diagnostic")]
    public void Map_StagesOfOneRequestWithAuditId_ShareOneIdAndTheLatestStageIsKept(string shape)
    {
        var body = Carried(shape, WithId(Event("RequestReceived"), "5a9e0000-0000-4000-8000-000000000001"), WithId(Event("ResponseComplete"), "5a9e0000-0000-4000-8000-000000000001"));

        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), 2);

        Assert.Equal(events[0].Id, events[1].Id);
        Assert.All(events, e => Assert.Equal(("ResponseComplete", 403, Outcomes.Denied, "5a9e0000-0000-4000-8000-000000000001"), (e.Attr("k8s.stage"), e.Status, e.Outcome, e.Attr("k8s.audit_id"))));
    }

    [Fact]
    public void Map_HandMadeStagesWithAuditIdButNoArrivalTime_ShareOneIdWhileAnotherVerbUnderTheIdIsItsOwn()
    {
        // Only a hand-made record lacks requestReceivedTimestamp: its stages still tie by the id and what they share.
        var started = WithId(Event("RequestReceived"), "ha0d0000-1");
        var ended = WithId(Event("ResponseComplete"), "ha0d0000-1");
        var other = WithId(Event("ResponseComplete"), "ha0d0000-1");
        other["verb"] = "delete";
        foreach (var e in new[] { started, ended, other })
        {
            e.Remove("requestReceivedTimestamp");
        }

        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(Carried("webhook", started, ended, other))), 3);

        Assert.Equal(events[0].Id, events[1].Id);
        Assert.NotEqual(events[0].Id, events[2].Id);
        Assert.Equal("delete", events[2].Action);
    }

    [Theory]
    [InlineData("webhook")]
    [InlineData("aks-diagnostic")]
    [InlineData("gke")]
    public async Task PostRequestsUnderOneAuditIdApart_EachIsLoggedUnderItsOwnIdAndABodyPostedAgainUnderTheSame(string shape)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("kube-apiserver", new SourceScope(Kinds: [EventKinds.K8sAudit]));
        var first = RecordWithId(shape, "7f3e0c4a-0000-4000-8000-00000000a11d", Received);
        string[] bodies = [first, RecordWithId(shape, "7f3e0c4a-0000-4000-8000-00000000a11d", "2026-12-01T09:04:00.100000Z"), first];

        foreach (var body in bodies)
        {
            using var response = await server.PostAsync("/v1/sources/k8s-audit", body, key);
            await IngestAnswer.AcceptedAsync(response, 1);
        }

        var ids = (await server.ReadLoggedAsync(3)).OrderBy(r => r.Event.Time).ThenBy(r => r.Record.Offset).Select(r => r.Event.Id).ToArray();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(ids[0], ids[1]);
    }

    [Theory]
    [InlineData("7f3e0c4a-0000-4000-8000-00000000a11d")]
    [InlineData(null)]
    public void Map_ArrivalTimeSpelledInAnotherOffsetOrPrecision_IsTheSameRequest(string? auditId)
    {
        // A shipper may rewrite the offset or the fraction digits of one request's stages: the instant is what ties them.
        var utc = Event("ResponseComplete");
        var offset = Event("ResponseComplete", "2026-12-01T10:00:00.1+01:00");
        if (auditId is not null)
        {
            WithId(utc, auditId);
            WithId(offset, auditId);
        }

        Assert.Equal(MapOne(Carried("webhook", utc)).Id, MapOne(Carried("webhook", offset)).Id);
    }
}
