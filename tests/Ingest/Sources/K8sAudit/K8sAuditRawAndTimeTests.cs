using ZtStream.TestSupport.Rules;

namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// The original audit event kept on <c>raw</c> (bounded by the documented trimming rule), and events dated when the
/// API server's timestamps are missing. Events are written from the audit.k8s.io/v1 reference, in several shapes.
/// </summary>
public sealed class K8sAuditRawAndTimeTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Event(string id, string? received = "2026-02-27T09:15:02.123456Z", string? stage = "2026-02-27T09:15:02.200000Z")
    {
        var e = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "RequestResponse",
            ["auditID"] = id,
            ["stage"] = "ResponseComplete",
            ["requestURI"] = "/api/v1/namespaces/payments/secrets?limit=500",
            ["verb"] = "list",
            ["user"] = new JsonObject
            {
                ["username"] = "system:serviceaccount:payments:ledger",
                ["uid"] = "4b1c6d2e-9a0f-4e55-bb1e-0c6f4f9b8a11",
                ["groups"] = new JsonArray("system:serviceaccounts", "system:serviceaccounts:payments", "system:authenticated"),
                ["extra"] = new JsonObject
                {
                    ["authentication.kubernetes.io/pod-name"] = new JsonArray("ledger-6d9f7c-x2x8q"),
                    ["authentication.kubernetes.io/node-name"] = new JsonArray("gke-pool-1-abc"),
                },
            },
            ["sourceIPs"] = new JsonArray("10.12.0.33"),
            ["userAgent"] = "ledger/2.4 (linux/amd64) kubernetes/client-go",
            ["objectRef"] = new JsonObject { ["resource"] = "secrets", ["namespace"] = "payments", ["apiVersion"] = "v1" },
            ["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = 200 },
            ["annotations"] = new JsonObject { ["authorization.k8s.io/decision"] = "allow", ["authorization.k8s.io/reason"] = "RBAC: allowed by RoleBinding \"ledger\"" },
        };
        if (received is not null)
        {
            e["requestReceivedTimestamp"] = received;
        }

        if (stage is not null)
        {
            e["stageTimestamp"] = stage;
        }

        return e;
    }

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    [Fact]
    public void Map_SmallEvent_RawIsTheAuditEventAsReceived()
    {
        var original = Event("raw-1");
        var e = Assert.Single(K8sAuditMapper.Map(Bytes(original)).Events);

        Assert.NotNull(e.Raw);
        Assert.True(JsonElement.DeepEquals(JsonSerializer.SerializeToElement(original), e.Raw.Value));
        Assert.False(e.Attributes!.ContainsKey(RawObject.TrimmedAttribute));
        Assert.Equal("ledger-6d9f7c-x2x8q", e.Raw.Value.GetProperty("user").GetProperty("extra").GetProperty("authentication.kubernetes.io/pod-name")[0].GetString());
    }

    [Fact]
    public void Map_EventListItems_EachRawIsItsOwnItemNotTheList()
    {
        var list = AuditEvents.EventList([Event("list-1"), Event("list-2")]);

        var events = K8sAuditMapper.Map(Bytes(list)).Events;

        Assert.Equal(["list-1", "list-2"], events.Select(e => e.Raw!.Value.GetProperty("auditID").GetString()));
        Assert.All(events, e => Assert.Equal("Event", e.Raw!.Value.GetProperty("kind").GetString()));
    }

    [Fact]
    public void Map_LargePodCreate_DropsManagedFieldsFirstAndKeepsTheSpec()
    {
        var e = Event("big-1");
        e["verb"] = "create";
        e["objectRef"] = new JsonObject { ["resource"] = "pods", ["namespace"] = "payments", ["name"] = "ledger-0", ["apiVersion"] = "v1" };
        var managed = new JsonArray();
        for (var i = 0; i < 400; i++)
        {
            managed.Add(new JsonObject { ["manager"] = $"kubectl-client-side-apply-{i}", ["operation"] = "Update", ["fieldsV1"] = new JsonObject { ["f:metadata"] = new JsonObject { ["f:labels"] = new JsonObject { [$"f:app-{i}"] = new JsonObject() } } } });
        }

        e["requestObject"] = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = "ledger-0", ["namespace"] = "payments", ["managedFields"] = managed },
            ["spec"] = new JsonObject { ["serviceAccountName"] = "ledger", ["hostPID"] = true, ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "ledger:2.4" }) },
        };

        var mapped = Assert.Single(K8sAuditMapper.Map(Bytes(e), new SourceMapOptions(MaxRawBytes: 16 * 1024)).Events);

        var raw = mapped.Raw!.Value;
        Assert.True(raw.GetRawText().Length <= 16 * 1024);
        Assert.True(raw.GetProperty("requestObject").GetProperty("spec").GetProperty("hostPID").GetBoolean());
        Assert.False(raw.GetProperty("requestObject").GetProperty("metadata").TryGetProperty("managedFields", out _));
        Assert.Equal(["requestObject.metadata.managedFields"], mapped.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void Map_HugeBodies_TheBigValuesAreClippedLargestFirstUntilItFits_SmallFieldsAndTheIdentityKept()
    {
        var e = Event("big-2");
        var blob = new string('x', 40_000);
        e["requestObject"] = new JsonObject { ["kind"] = "ConfigMap", ["data"] = new JsonObject { ["a"] = blob, ["mode"] = "0600" } };
        e["responseObject"] = new JsonObject { ["kind"] = "ConfigMap", ["data"] = new JsonObject { ["a"] = blob, ["b"] = blob } };

        var mapped = Assert.Single(K8sAuditMapper.Map(Bytes(e), new SourceMapOptions(MaxRawBytes: 64 * 1024)).Events);

        var raw = mapped.Raw!.Value;
        Assert.True(raw.GetRawText().Length <= 64 * 1024);
        Assert.Equal("ConfigMap", raw.GetProperty("responseObject").GetProperty("kind").GetString());
        Assert.Equal("0600", raw.GetProperty("requestObject").GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal(new string('x', 256) + "…", raw.GetProperty("requestObject").GetProperty("data").GetProperty("a").GetString());
        Assert.Equal(blob, raw.GetProperty("responseObject").GetProperty("data").GetProperty("b").GetString());
        Assert.Equal(["requestObject.data.a", "responseObject.data.a"], mapped.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()));

        var smaller = Assert.Single(K8sAuditMapper.Map(Bytes(e), new SourceMapOptions(MaxRawBytes: 4 * 1024)).Events);
        Assert.True(smaller.Raw!.Value.GetRawText().Length <= 4 * 1024);
        Assert.Equal("0600", smaller.Raw.Value.GetProperty("requestObject").GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal("system:serviceaccount:payments:ledger", smaller.Raw.Value.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal("secrets", smaller.Raw.Value.GetProperty("objectRef").GetProperty("resource").GetString());
    }

    [Fact]
    public void Map_OversizedIdentity_RawIsASummaryNamingItsSize()
    {
        var e = Event("big-3");
        e["requestURI"] = "/api/v1/namespaces/payments/secrets?labelSelector=" + new string('a', 20_000);

        var mapped = Assert.Single(K8sAuditMapper.Map(Bytes(e), new SourceMapOptions(MaxRawBytes: 4 * 1024)).Events);

        Assert.True(mapped.Raw!.Value.GetProperty("truncated").GetBoolean());
        Assert.Equal("Event", mapped.Raw.Value.GetProperty("kind").GetString());
        Assert.Equal(["$"], mapped.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("big-3", mapped.GivenId());
    }

    [Fact]
    public void Map_NoRequestReceivedTimestamp_UsesStageTimestampAndSaysSo()
    {
        var e = Assert.Single(K8sAuditMapper.Map(Bytes(Event("t-1", received: null))).Events);

        Assert.Equal(new DateTimeOffset(2026, 2, 27, 9, 15, 2, 200, TimeSpan.Zero), e.Time);
        Assert.Equal("stageTimestamp", e.Attributes![TimeSources.Attribute].GetString());
    }

    [Fact]
    public void Map_BothTimestampsPresent_RequestReceivedWinsAndNoTimeSourceAttribute()
    {
        var e = Assert.Single(K8sAuditMapper.Map(Bytes(Event("t-2"))).Events);

        Assert.Equal(new DateTimeOffset(2026, 2, 27, 9, 15, 2, 123, TimeSpan.Zero).AddTicks(4560), e.Time);
        Assert.False(e.Attributes!.ContainsKey(TimeSources.Attribute));
    }

    [Fact]
    public void Map_NoTimestampLive_DatedWithArrivalTime()
    {
        var options = SourceMapOptions.Default with { ReceivedAt = Arrival };

        var e = Assert.Single(K8sAuditMapper.Map(Bytes(Event("t-3", received: null, stage: null)), options).Events);

        Assert.Equal(Arrival, e.Time);
        Assert.Equal("received", e.Attributes![TimeSources.Attribute].GetString());
    }

    [Fact]
    public void Map_NoTimestampReplay_TakesThePreviousEventsTime_ReadTimeBeforeTheFirst()
    {
        var list = new JsonArray(
            Event("r-0", received: null, stage: null),
            Event("r-1", received: "2026-02-27T09:00:00Z"),
            Event("r-2", received: null, stage: null),
            Event("r-3", received: null, stage: "2026-02-27T09:05:00Z"),
            Event("r-4", received: null, stage: null));
        var options = SourceMapOptions.Default with { Clock = new SourceClock(Arrival) };

        var events = K8sAuditMapper.Map(Bytes(list), options).Events;

        Assert.Equal(5, events.Count);
        var at = new DateTimeOffset(2026, 2, 27, 9, 0, 0, TimeSpan.Zero);
        Assert.Equal([Arrival, at, at, at.AddMinutes(5), at.AddMinutes(5)], events.Select(e => e.Time));
        Assert.Equal(["read", null, "previous_event", "stageTimestamp", "previous_event"],
            events.Select(e => e.Attributes!.TryGetValue(TimeSources.Attribute, out var s) ? s.GetString() : null));
    }

    [Fact]
    public void Map_NoTimestampAndNoFallback_IsAnErrorNamingTheField()
    {
        var result = K8sAuditMapper.Map(Bytes(Event("t-5", received: null, stage: null)));

        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal((0, "requestReceivedTimestamp"), (error.Index, error.Field));
    }

    [Fact]
    public void Map_BadStageTimestamp_ErrorNamesThatField()
    {
        var error = Assert.Single(K8sAuditMapper.Map(Bytes(Event("t-6", received: null, stage: "yesterday"))).Errors);

        Assert.Equal("stageTimestamp", error.Field);
        Assert.Contains("yesterday", error.Reason, StringComparison.Ordinal);
    }
}
