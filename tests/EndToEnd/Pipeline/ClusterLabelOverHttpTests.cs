using ZtStream.EndToEnd.Embedded;

namespace ZtStream.EndToEnd.Pipeline;

/// <summary>
/// A self-managed API server's audit webhook names no cluster: registered with <c>ztstream sources add --cluster</c>, its
/// source's records reach the event log of a real <c>ztstream run</c> labelled with that cluster, and a record naming
/// another is refused by index and field, as a user would see over HTTP and in the log the Verifier reads.
/// </summary>
public sealed class ClusterLabelOverHttpTests() : ProcessTests("zt-e2e-clusterlabel-")
{
    [Fact]
    public async Task AuditWebhook_FromASourceAddedWithCluster_EveryStoredEventNamesTheCluster_AnotherClusterRefused()
    {
        var ct = Ct;
        string[] seams = ["--sqlite", Processes.SqlitePath];
        var key = await Processes.AddSourceAsync("kube-prod-eu", ["--kinds", "k8s.audit", "--cluster", "prod-eu", .. seams], ct);
        var run = await Processes.RunAsync("run", seams, ct);
        using var kube = ZtStreamApi.Client(run.Url, key);
        var now = DateTimeOffset.UtcNow;

        // The webhook's EventList, then one Event alone, as the API server batches them or not.
        await ZtStreamApi.PostAcceptedAsync(kube, "/v1/sources/k8s-audit", $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{AuditEvent("a-1", now)}},{{AuditEvent("a-2", now)}}]}""", ct);
        await ZtStreamApi.PostAcceptedAsync(kube, "/v1/sources/k8s-audit", AuditEvent("a-3", now), ct);

        // A canonical event the same key posts naming another cluster: refused by index and field, the other accepted.
        var t = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        var (errors, _) = await ZtStreamApi.PostPartlyAcceptedAsync(kube, "/v1/events",
            $$$"""[{"id":"c-1","time":"{{{t}}}","kind":"k8s.audit","subject":{"id":"ops"},"attributes":{"k8s.cluster":"staging"}},{"id":"c-2","time":"{{{t}}}","kind":"k8s.audit","subject":{"id":"ops"},"attributes":{"team":"ops"}}]""",
            ct);
        var error = Assert.Single(errors);
        Assert.Equal((0, "attributes.k8s.cluster"), (error.Index, error.Field));

        await run.StopCleanlyAsync(ct);

        // The Verifier's own records (zt.*) share the topic; the source's are the ones stamped with it.
        var (records, _) = await EventLogRecords.ReadRecordsAsync(Path.Combine(Processes.Folder.FullName, "eventlog"), ct);
        var stored = records.Select(r => r.Event).Where(e => e.GetProperty("source").GetString() != null && !e.GetProperty("kind").GetString()!.StartsWith("zt.", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, stored.Count);
        Assert.All(stored, e => Assert.Equal(("prod-eu", "kube-prod-eu"), (e.GetProperty("attributes").GetProperty("k8s.cluster").GetString(), e.GetProperty("source").GetString())));
        Assert.Equal(["a-1", "a-2", "a-3"], stored.Where(e => e.GetProperty("kind").GetString() == "k8s.audit" && e.TryGetProperty("raw", out _))
            .Select(e => e.GetProperty("raw").GetProperty("auditID").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("ops", Assert.Single(stored, e => e.GetProperty("id").GetString() == "c-2").GetProperty("attributes").GetProperty("team").GetString());
    }

    private static string AuditEvent(string id, DateTimeOffset at)
    {
        var time = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        return $$$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{{id}}}","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/shop/secrets/db","verb":"get",
             "user":{"username":"dana@example.com","groups":["system:authenticated"]},
             "sourceIPs":["10.4.2.17"],"userAgent":"kubectl/v1.31.0",
             "objectRef":{"resource":"secrets","namespace":"shop","name":"db","apiVersion":"v1"},
             "responseStatus":{"metadata":{},"code":200},
             "requestReceivedTimestamp":"{{{time}}}","stageTimestamp":"{{{time}}}",
             "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}
            """;
    }
}
