namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Replay's file readers: every input item becomes an event or a reported skip, never nothing; <c>ztstream replay
/// --format okta|entra|keycloak|auth0</c> reads both the delivery envelope and NDJSON of bare records.
/// </summary>
public sealed class SourceFileReadersTests
{
    private static readonly DateTimeOffset ReadAt = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static (List<AccessEvent> Events, List<SkippedItem> Skipped) Read(string format, string text) => Read(format, Encoding.UTF8.GetBytes(text));

    private static (List<AccessEvent> Events, List<SkippedItem> Skipped) Read(string format, byte[] bytes)
    {
        var skipped = new List<SkippedItem>();
        using var stream = new MemoryStream(bytes);
        var events = SourceFileReaders.All[format](stream, ReadAt, skipped.Add).ToList();
        return (events, skipped);
    }

    /// <summary>Managed clusters' exports (file, events, what is skipped: where and the field).</summary>
    public static TheoryData<string, int, string> ManagedClusterExports => new()
    {
        { "gke-audit-entries.ndjson", 3, "item 3 protoPayload.serviceName" },
        { "aks-diagnostic-records.json", 2, "item 2 records[2].category, item 3 records[3].properties.log" },
        { "aks-storage-archive.ndjson", 2, string.Empty },
        { "eks-firehose-delivery.json", 3, "item 3 records[3].data" },
        { "eks-cloudwatch-subscription.json", 2, string.Empty },
        { "eks-cloudwatch-authenticator.json", 0, "item 0 logStream" },
    };

    /// <summary>Managed clusters' exports replay through the same reader: what is skipped is said, with where and why.</summary>
    [Theory]
    [MemberData(nameof(ManagedClusterExports))]
    public void K8sAudit_ManagedClusterExports_AreReplayedAsTheyAreIngested(string file, int events, string skips)
    {
        var (mapped, skipped) = Read("k8s-audit", TestData.Managed(file));

        Assert.Equal(events, mapped.Count);
        Assert.All(mapped, e => Assert.Equal(EventKinds.K8sAudit, e.Kind));
        Assert.Equal(skips, string.Join(", ", skipped.Select(s => $"{s.Where} {s.Field}")));
    }

    [Fact]
    public void K8sAudit_MixedLines_EveryBadItemReportedWithIndexFieldAndReason()
    {
        var text = string.Join('\n',
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","verb":"get","user":{"username":"alice"},"stageTimestamp":"2026-02-01T10:00:00Z"}""",
            """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}""",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-2","verb":"list","user":{}}""",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-3","verb":"list","user":{"username":"bob"}}""",
            "");

        var (events, skipped) = Read("k8s-audit", text);

        Assert.Equal(["a-1", "a-3"], events.Select(e => e.Id));
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero), events[1].Time);
        Assert.Equal(
            [("item 1", "kind"), ("item 2", "user.username")],
            skipped.Select(s => (s.Where, s.Field)));
        Assert.All(skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
    }

    [Fact]
    public void K8sAudit_FirstLineBroken_ReadLineByLineAndTheBrokenLineIsReported()
    {
        var text = "{\"kind\":\"Event\",\"auditID\":\n"
            + """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b-1","verb":"get","user":{"username":"alice"}}""" + "\n";

        var (events, skipped) = Read("k8s-audit", text);

        var e = Assert.Single(events);
        Assert.Equal(ReadAt, e.Time);
        var skip = Assert.Single(skipped);
        Assert.Equal("item 0 (line 1)", skip.Where);
        Assert.StartsWith("malformed JSON", skip.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Falco_NotAnAlert_Reported()
    {
        var (events, skipped) = Read("falco", """[{"rule":"Terminal shell in container","time":"2026-02-01T10:00:00Z","output_fields":{"k8s.pod.name":"p","k8s.ns.name":"n"}},{"message":"hello"}]""");

        Assert.Single(events);
        Assert.Equal(("item 1", "rule"), (skipped.Single().Where, skipped.Single().Field));
    }

    public static TheoryData<string, string, int> Envelopes => new()
    {
        { "okta", "event-hook-delivery.json", 2 },
        { "okta", "system-log-mfa-push.json", 3 },
        { "entra", "signin-records.json", 4 },
        { "keycloak", "user-events.json", 7 },
        { "auth0", "log-stream.json", 10 },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Read_DeliveryEnvelopeAndTheSameRecordsOnePerLine_GiveTheSameEvents(string format, string file, int count)
    {
        var bytes = TestData.Idp(format, file);
        var (fromEnvelope, skippedInEnvelope) = Read(format, bytes);
        var lines = string.Join('\n', BareRecords(format, bytes));
        var (fromLines, skippedInLines) = Read(format, lines);

        Assert.Equal(count, fromEnvelope.Count(e => !IsTwin(e)));
        Assert.Equal(fromEnvelope.Select(Summary), fromLines.Select(Summary));
        Assert.Empty(skippedInEnvelope);
        Assert.Empty(skippedInLines);
    }

    [Theory]
    [InlineData("okta", "system-log-admin.ndjson", 6)]
    [InlineData("entra", "log-analytics.ndjson", 2)]
    [InlineData("keycloak", "webhook.ndjson", 2)]
    [InlineData("auth0", "management-api.ndjson", 2)]
    public void Read_NdjsonFiles_ReadEveryLine(string format, string file, int count)
    {
        var (events, skipped) = Read(format, TestData.Idp(format, file));

        Assert.Equal(count, events.Count(e => !IsTwin(e)));
        Assert.Empty(skipped);
    }

    [Fact]
    public void Read_EachFailedSignInFromAnAddress_IsFollowedByItsAddressTwin_AsIngestAppendsIt()
    {
        var (events, _) = Read("auth0", TestData.Idp("auth0", "log-stream.json"));

        var twins = events.Select((e, i) => (e, i)).Where(x => IsTwin(x.e)).ToList();
        Assert.NotEmpty(twins);
        Assert.All(twins, x =>
        {
            var original = events[x.i - 1];
            Assert.Equal(EventKinds.AuthLogin, original.Kind);
            Assert.Equal(Outcomes.Denied, original.Outcome);
            Assert.Equal("ip:" + original.Network!.SrcIp, x.e.Subject?.Id);
            Assert.Equal(original.Subject?.Id, x.e.Attr(AddressTwins.Account));
            Assert.Equal(original.Id, x.e.Attr(AddressTwins.TwinOf));
        });
    }

    private static bool IsTwin(AccessEvent e) => e.Attributes?.ContainsKey(AddressTwins.TwinOf) == true;

    private static string Summary(AccessEvent e) => $"{e.Id}|{e.Kind}|{e.Subject?.Id}|{e.Time:O}|{e.Outcome}|{e.Token?.SessionId}";

    /// <summary>What a log pipeline writes: the records without their delivery envelope, one per line.</summary>
    private static IEnumerable<string> BareRecords(string format, byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var records = format switch
        {
            "okta" when root.ValueKind == JsonValueKind.Object => root.GetProperty("data").GetProperty("events"),
            "entra" => root.GetProperty("records"),
            _ => root,
        };
        foreach (var record in records.EnumerateArray())
        {
            // Auth0: the bare {data} object of each {log_id, data} envelope.
            var bare = format == "auth0" ? record.GetProperty("data") : record;
            yield return bare.GetRawText().Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        }
    }
}
