namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Formats, limits and refusals of the endpoints (in-process log).</summary>
public sealed class IngestLimitsTests
{
    [Fact]
    public async Task PostEvents_OverTheSourceRate_Returns429WithRetryAfterUntilTokensRefill()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await IngestServer.StartInProcessAsync(
            new() { ["Ingest:RatePerSecond"] = "2", ["Ingest:RateBurst"] = "4" },
            time);
        var key = await server.AddSourceAsync("chatty");
        var other = await server.AddSourceAsync("quiet");
        string Batch(string prefix) => Payloads.Array([.. Payloads.Ids(prefix, 4).Select(id => Payloads.Event(id, time.GetUtcNow()))]);

        using (var first = await server.PostAsync("/v1/events", Batch("a"), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        using (var limited = await server.PostAsync("/v1/events", Batch("b"), key))
        {
            await HttpProblem.ReadNamingAsync(limited, HttpStatusCode.TooManyRequests, "Ingest:RatePerSecond");
            // The bucket is empty: one token takes half a second at 2/s, rounded up to whole seconds.
            Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        }

        // Limits are per source.
        using (var otherSource = await server.PostAsync("/v1/events", Batch("c"), other))
        {
            Assert.Equal(HttpStatusCode.Accepted, otherSource.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        using var after = await server.PostAsync("/v1/events", Batch("d"), key);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task PostEvents_CloudEventsBatch_IsAcceptedAndABadEnvelopeIsNamed()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("ce");
        var events = Payloads.Ids("ce", 2).Select(id => ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(Payloads.Event(id))))
            .Select(e => Encoding.UTF8.GetString(CloudEventMapping.SerializeStructured(e)));
        var body = "[" + string.Join(",", events) + """,{"specversion":"1.0","id":"x","source":"s","type":"com.example.other","data":{}}]""";

        using var response = await server.PostAsync("/v1/events", body, key, CloudEventMapping.BatchMediaType);

        var error = Assert.Single(await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus));
        Assert.Equal((2, "type"), (error.Index, error.Field));
        var read = await server.ReadLoggedAsync(2);
        Assert.Equal(["ce-0", "ce-1"], read.Select(r => r.Event.Id).Order());
        Assert.All(read, r => Assert.Equal("ce", r.Event.Source));
    }

    /// <summary>One post from a new source to a fresh in-process Ingest with the default limits.</summary>
    private static async Task<HttpResponseMessage> PostOnceAsync(string path, string body, string contentType = "application/json")
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("once");
        return await server.PostAsync(path, body, key, contentType);
    }

    [Fact]
    public async Task PostEvents_CloudEventWithBadData_NamesTheFieldInsideData()
    {
        var body = """{"specversion":"1.0","id":"x","source":"s","type":"io.ztstream.access.v1","data":{"id":"e1","kind":"access.request","subject":{"id":"a"}}}""";

        using var response = await PostOnceAsync("/v1/events", body, CloudEventMapping.StructuredMediaType);

        Assert.Equal("data.time", (await ProblemErrors.ReadAsync(response, HttpStatusCode.BadRequest))[0].Field);
    }

    [Fact]
    public async Task PostEvents_NdjsonWithABadLine_AcceptsTheOtherLinesAndKeepsUnknownFields()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("shipper");
        var body = Payloads.Event("n-0", extra: ",\"trace_id\":\"abc123\",\"attributes\":{\"region\":\"eu\"}") + "\n"
            + "{\"id\":\"n-1\", this is not json\n"
            + Payloads.Event("n-2") + "\n";

        using var response = await server.PostAsync("/v1/events", body, key, "application/x-ndjson");

        var error = (await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus))[0];
        Assert.Equal(1, error.Index);
        Assert.Contains("line 2", error.Reason, StringComparison.Ordinal);
        var read = await server.ReadLoggedAsync(2);
        var first = Assert.Single(read, r => r.Event.Id == "n-0").Event;
        Assert.Equal("abc123", first.Attributes!["trace_id"].GetString());
        Assert.Equal("eu", first.Attributes["region"].GetString());
        Assert.Equal(SchemaVersions.Current, first.Schema);
    }

    [Fact]
    public async Task PostEvents_OverHttp2_IsAccepted()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("h2");

        using var response = await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("h2-1")), key, version: HttpVersion.Version20);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PostEvents_BodyOverTheLimit_Returns413Problem(bool declareLength)
    {
        await using var server = await IngestServer.StartInProcessAsync(new() { ["Ingest:MaxBodyBytes"] = "2048" });
        var key = await server.AddSourceAsync("big");
        var body = Encoding.UTF8.GetBytes(Payloads.Array([.. Payloads.Ids("big", 20).Select(id => Payloads.Event(id))]));
        Assert.True(body.Length > 2048);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = NoLengthStream.Json(body, declareLength) };
        request.Headers.Authorization = new("Bearer", key);

        using var response = await server.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(Problem.MediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PostEvents_MoreItemsThanTheLimit_Returns413NamingTheLimit()
    {
        await using var server = await IngestServer.StartInProcessAsync(new() { ["Ingest:MaxItemsPerBatch"] = "3" });
        var key = await server.AddSourceAsync("many");

        using var response = await server.PostAsync("/v1/events", Payloads.Array([.. Payloads.Ids("many", 4).Select(id => Payloads.Event(id))]), key);

        await HttpProblem.ReadNamingAsync(response, HttpStatusCode.RequestEntityTooLarge, "limit is 3");
    }

    [Fact]
    public async Task PostEvents_TimeOutOfWindowAndFieldTooLong_EachNamedWithItsIndex()
    {
        await using var server = await IngestServer.StartInProcessAsync(new() { ["Ingest:MaxFieldLength"] = "64" });
        var key = await server.AddSourceAsync("skewed");
        var body = Payloads.Array(
            Payloads.Event("t-0", DateTimeOffset.UtcNow.AddHours(2)),
            Payloads.Event("t-1", DateTimeOffset.UtcNow.AddDays(-90)),
            Payloads.Event("t-2", extra: $",\"user_agent\":\"{new string('x', 65)}\""),
            Payloads.Event(new string('i', 300)));

        using var response = await server.PostAsync("/v1/events", body, key);

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([(0, "time"), (1, "time"), (2, "user_agent"), (3, "id")], errors.Select(e => (e.Index, e.Field)));
        Assert.Contains("ahead of the server clock", errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("old", errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("limit is 64", errors[2].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<events/>", "application/xml")]
    [InlineData("{}", "text/plain")]
    [InlineData("{}", "application/cloudevents")]
    public async Task PostEvents_UnsupportedContentType_Returns415NamingEveryTypeRead(string body, string contentType)
    {
        using var response = await PostOnceAsync("/v1/events", body, contentType);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.StartsWith($"'{contentType}' is not accepted", detail, StringComparison.Ordinal);
        foreach (var read in (string[])["application/json", "application/x-ndjson", "application/cloudevents-batch+json", "application/cloudevents+json"])
        {
            Assert.Contains($" {read}", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PostK8sAudit_MalformedTrace_Returns400NamingKind()
    {
        using var response = await PostOnceAsync("/v1/sources/k8s-audit", Encoding.UTF8.GetString(Sources.TestData.K8sTrace("fal_01_003.json")));

        var error = (await ProblemErrors.ReadAsync(response, HttpStatusCode.BadRequest))[0];
        Assert.Equal("kind", error.Field);
        Assert.Contains("not recognized as a Kubernetes audit event", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostFalco_PlainTextOutput_Returns400SayingJsonIsNeeded()
    {
        using var response = await PostOnceAsync("/v1/sources/falco", "23:39:44.834631763: Notice A shell was spawned", "text/plain");

        Assert.Contains("malformed JSON", (await ProblemErrors.ReadAsync(response, HttpStatusCode.BadRequest))[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AcceptedAndRejectedAreCountedPerSourceAndReason()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("metered");
        var measurements = new List<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngestMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();

        using (await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("k-0"), Payloads.Event("k-1"), "{\"id\":\"k-2\"}"), key))
        {
        }

        lock (measurements)
        {
            var accepted = Assert.Single(measurements, m => m.Instrument == "ztstream.ingest.events.accepted" && Equals(m.Tags["source"], "metered"));
            Assert.Equal(2, accepted.Value);
            var rejected = Assert.Single(measurements, m => m.Instrument == "ztstream.ingest.events.rejected" && Equals(m.Tags["source"], "metered"));
            Assert.Equal(1, rejected.Value);
            Assert.Equal("invalid", rejected.Tags["reason"]);
        }
    }
}
