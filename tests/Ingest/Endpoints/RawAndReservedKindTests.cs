namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// <c>raw</c> on canonical events (an object, bounded), kinds reserved for the Verifier's own records, and the source
/// adapters putting the original object on the events they produce — over HTTP, through the in-process log.
/// </summary>
public sealed class RawAndReservedKindTests
{
    [Fact]
    public async Task PostEvents_RawObject_KeptOnTheEventInTheLog()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("idp-bridge");
        var body = Payloads.Array(Payloads.Event("raw-ok", extra: ""","raw":{"eventType":"user.session.start","actor":{"id":"00u1","type":"User"},"outcome":{"result":"SUCCESS"}}"""));

        using var response = await server.PostAsync("/v1/events", body, key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal("user.session.start", e.Raw!.Value.GetProperty("eventType").GetString());
        Assert.True(e.Attributes is null || !e.Attributes.ContainsKey("raw"));
    }

    [Fact]
    public async Task PostEvents_RawNotAnObjectOrTooBig_OrDerivedKind_EachRejectedWithIndexAndField()
    {
        await using var server = await IngestServer.StartInProcessAsync(new() { ["Ingest:MaxRawBytes"] = "1024" });
        var key = await server.AddSourceAsync("mixed-raw");
        var big = new string('x', 2_000);
        var body = Payloads.Array(
            Payloads.Event("r-0"),
            Payloads.Event("r-1", extra: ",\"raw\":\"a string\""),
            Payloads.Event("r-2", extra: $$""","raw":{"blob":"{{big}}"}"""),
            Payloads.Event("r-3", extra: ""","raw":[1,2]"""),
            Payloads.Event("r-4").Replace("\"kind\":\"access.request\"", "\"kind\":\"zt.runtime_taint\"", StringComparison.Ordinal),
            Payloads.Event("r-5", extra: ""","raw":null"""));

        using var response = await server.PostAsync("/v1/events", body, key);

        var errors = await IngestAnswer.PartlyAcceptedAsync(response, "r-0", "r-5");
        Assert.Equal([(1, "raw"), (2, "raw"), (3, "raw"), (4, "kind")], errors.Select(e => (e.Index, e.Field)));
        Assert.Contains("limit is 1024", errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("reserved", errors[3].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostFalco_AMemberTheBoundKeepsLargerThanTheBound_AcceptedWithThatMemberClipped()
    {
        // "priority" is kept whole while it fits; at 70,000 characters it alone is over the 64 KB bound. This request
        // used to spin one of Ingest's threads for ever, then left only a summary; now the alert is trimmed largest first.
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("falco");
        var alert = JsonNode.Parse(Sources.TestData.Falco("terminal-shell.json"))!;
        alert["priority"] = new string('p', 70_000);
        alert["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        using var response = await server.PostAsync("/v1/sources/falco", Encoding.UTF8.GetBytes(alert.ToJsonString()), key)
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal("[\"priority\"]", e.Attributes![RawObject.TrimmedAttribute].GetRawText());
        Assert.Equal("Terminal shell in container", e.Raw!.Value.GetProperty("rule").GetString());
        Assert.Equal("alpine", e.Raw.Value.GetProperty("output_fields").GetProperty("k8s.pod.name").GetString());
        Assert.Equal("Terminal shell in container", e.Action);
    }

    [Fact]
    public async Task PostK8sAudit_WithoutTimestamps_AcceptedDatedOnArrivalWithTheOriginalObject()
    {
        var arrival = new FixedTime(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var server = await IngestServer.StartInProcessAsync(time: arrival);
        var key = await server.AddSourceAsync("kube-apiserver");
        var body = """
            {"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[
             {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"no-time-1","stage":"ResponseComplete",
              "requestURI":"/api/v1/secrets","verb":"list","user":{"username":"dev@example.com","groups":["system:authenticated"]},
              "sourceIPs":["203.0.113.7"],"objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}]}
            """;

        using var response = await server.PostAsync("/v1/sources/k8s-audit", body, key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal(arrival.GetUtcNow(), e.Time);
        Assert.Equal("received", e.Attributes!["ingest.time_source"].GetString());
        Assert.Equal("no-time-1", e.Raw!.Value.GetProperty("auditID").GetString());
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
