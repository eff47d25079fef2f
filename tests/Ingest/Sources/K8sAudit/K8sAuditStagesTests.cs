namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// A policy that records every stage sends a request's <c>RequestReceived</c> stage before the stage that says how it
/// ended, under the same <c>auditID</c> (the event id, whose first copy is the one the pipeline keeps): the copy that comes
/// first must still carry the response.
/// </summary>
public sealed class K8sAuditStagesTests
{
    private const string Refused = "5e0c8a51-7d2e-4f10-9a61-000000000001";
    private const string Exec = "5e0c8a51-7d2e-4f10-9a61-000000000002";

    [Fact]
    public void Map_StagesOfOneRequestInOneBatch_EachIsMappedAsTheRequestsLatestStageAnExecsAsItsStart()
    {
        var e = MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.Cluster("request-stages.ndjson")), 7);

        Assert.Equal(
            [
                // The refused create: its RequestReceived stage (no response yet) comes first, and says it was refused.
                (Refused, "ResponseComplete", 403, Outcomes.Denied),
                // The exec: a stream answered 101, counted at its start (Falco's kevt_started); its end, the same 101, is
                // mapped as that start.
                (Exec, "ResponseStarted", 101, Outcomes.Success),
                (Refused, "ResponseComplete", 403, Outcomes.Denied),
                (Exec, "ResponseStarted", 101, Outcomes.Success),
                (Exec, "ResponseStarted", 101, Outcomes.Success),
                // A watch still open, and a list whose response is in a later batch, are what they are.
                ("5e0c8a51-7d2e-4f10-9a61-000000000003", "ResponseStarted", 200, Outcomes.Success),
                ("5e0c8a51-7d2e-4f10-9a61-000000000004", "RequestReceived", (int?)null, (string?)null),
            ],
            e.Select(x => (x.GivenId(), x.Attr("k8s.stage"), x.Status, x.Outcome)));
        Assert.Equal(("mallory@example.com", "2001:db8:7::12", "pods", "payments/"), (e[0].Subject?.Id, e[0].Network?.SrcIp, e[0].Resource?.Type, e[0].Resource?.Id));
        Assert.Equal("2026-11-30T10:00:02.020000Z", e[1].Attr("k8s.stage_timestamp"));
        Assert.Equal(
            ("2026-11-30T10:00:40.500000Z", "ResponseComplete", "ResponseStarted"),
            (e[4].Attr("k8s.stage_timestamp"), e[4].Attr(K8sAuditMapper.RecordedStageAttribute), e[4].Raw!.Value.GetProperty("stage").GetString()));
        Assert.Null(e[3].Attr(K8sAuditMapper.RecordedStageAttribute));
        Assert.Equal("system:serviceaccount:ci:runner", e[1].Subject?.Id);
    }

    [Fact]
    public async Task PostBatchOfEveryStage_TheFirstLoggedCopyOfEachRequestSaysHowItEnded()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("kube-apiserver", new SourceScope(Kinds: [EventKinds.K8sAudit]));

        var read = await server.PostAcceptedAsync("/v1/sources/k8s-audit", TestData.Cluster("request-stages.ndjson"), key, 7, "application/x-ndjson");

        var first = read.Select(r => r.Event).DistinctBy(x => x.GivenId()).ToDictionary(x => x.GivenId());
        Assert.Equal((403, Outcomes.Denied), (first[Refused].Status, first[Refused].Outcome));
        Assert.Equal(403, first[Refused].Raw!.Value.GetProperty("responseStatus").GetProperty("code").GetInt32());
        Assert.Equal((101, "ResponseStarted"), (first[Exec].Status, first[Exec].Attr("k8s.stage")));
    }
}
