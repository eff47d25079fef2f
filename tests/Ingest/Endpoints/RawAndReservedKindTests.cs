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

    /// <summary>
    /// Text that is not valid UTF-8 anywhere in a canonical event — <c>raw</c> and <c>attributes</c>, which keep any character,
    /// included — refuses that event, as it refuses an adapter's record. Before, the two fields took an escaped lone
    /// surrogate or a Latin-1 byte into the log, while the same text in an adapter's <c>raw</c> was refused.
    /// </summary>
    [Theory]
    [InlineData(""","raw":{"note":"\ud800"}""")]
    [InlineData(""","raw":{"deep":[{"x":"ok \udc00"}]}""")]
    [InlineData(""","attributes":{"app.note":"café"}""", true)]
    [InlineData(""","raw":{"note":"café"}""", true)]
    [InlineData(""","attributes":{"app.note":"aÿb"}""", true)]
    public async Task PostEvents_TextThatIsNotUtf8InRawOrAttributes_RefusesThatEventAndAcceptsTheOthers(string extra, bool latin1 = false)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("bridge");
        var text = Payloads.Array(Payloads.Event("u-0"), Payloads.Event("u-1", extra: extra), Payloads.Event("u-2"));
        // Latin-1: "é" as the one byte 0xE9 a pipeline that re-encoded the text leaves, no UTF-8 text's.
        var body = latin1 ? Encoding.Latin1.GetBytes(text) : Encoding.UTF8.GetBytes(text);

        using var response = await server.PostAsync("/v1/events", body, key);

        var error = Assert.Single(await IngestAnswer.PartlyAcceptedAsync(response, "u-0", "u-2"));
        Assert.Equal((1, "$", "the item holds text that is not valid UTF-8"), (error.Index, error.Field, error.Reason));
        Assert.Equal(["u-0", "u-2"], (await server.ReadLoggedAsync(2)).Select(r => r.Event.Id).Order());
    }

    /// <summary>What is text stays accepted: an escaped surrogate pair (an emoji), an escaped backslash before <c>u</c>, UTF-8 as sent.</summary>
    [Fact]
    public async Task PostEvents_TextInRawAndAttributes_EscapedPairsAndUtf8_Accepted()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("bridge");
        var body = Payloads.Array(
            Payloads.Event("t-0", extra: ""","raw":{"emoji":"\ud83d\ude00","path":"C:\\ud800"}"""),
            Payloads.Event("t-1", extra: ""","attributes":{"app.note":"café ☕ 👍"}"""));

        using var response = await server.PostAsync("/v1/events", body, key);

        await IngestAnswer.AcceptedAsync(response, 2);
        var logged = (await server.ReadLoggedAsync(2)).ToDictionary(r => r.Event.Id);
        Assert.Equal("😀", logged["t-0"].Event.Raw!.Value.GetProperty("emoji").GetString());
        Assert.Equal("C:\\ud800", logged["t-0"].Event.Raw!.Value.GetProperty("path").GetString());
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
