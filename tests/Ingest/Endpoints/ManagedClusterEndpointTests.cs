using System.Text.Json.Nodes;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// Managed clusters' audit logs posted as their clouds' pipelines post them: to <c>/v1/sources/k8s-audit</c> (Azure
/// Monitor records, CloudWatch Logs deliveries, Pub/Sub pushes of GKE entries) and, for Amazon Data Firehose, to
/// <c>/v1/sources/k8s-audit/firehose</c> with its access-key header and its answer.
/// </summary>
public sealed class ManagedClusterEndpointTests
{
    private const string FirehosePath = "/v1/sources/k8s-audit/firehose";

    // The fixtures are dated when they were written; the age limit is not what these tests are about.

    [Fact]
    public async Task PostAksRecords_AuditRecordsAreLoggedAndTheOthersListedByIndexAndField()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("aks-prod");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Sources.TestData.Managed("aks-diagnostic-records.json"), key);

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal([(2, "records[2].category"), (3, "records[3].properties.log")], errors.Select(e => (e.Index, e.Field)));
        var read = await server.ReadLoggedAsync(2);
        Assert.Equal(["0a8d6c1e-aks1-4f0e-9a51-7c2d1b3e4f01", "5d1b2c3a-aks2-4c8e-b0f1-2e3d4c5b6a02"], read.Select(r => r.Event.GivenId()).Order(StringComparer.Ordinal));
        Assert.All(read, r => Assert.Equal("aks-prod", r.Event.Source));
    }

    [Fact]
    public async Task PostAksRecords_ARecordWithALoneSurrogate_IsListedAndTheRecordsAfterItAreStillRead()
    {
        // A string that is not valid UTF-8 in one record's envelope costs that record, not the records after it.
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("aks-prod");
        var records = Encoding.UTF8.GetString(Sources.TestData.Managed("aks-diagnostic-records.json"));
        var first = records.IndexOf("\"kube-audit\"", StringComparison.Ordinal) + "\"kube-audit".Length;
        var body = records.Insert(first, "\\ud800");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", body, key);

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal([(0, "records[0]"), (2, "records[2].category"), (3, "records[3].properties.log")], errors.Select(e => (e.Index, e.Field)));
        Assert.Equal(JsonPayload.InvalidText, errors[0].Reason);
        var read = Assert.Single(await server.ReadLoggedAsync(1));
        Assert.Equal("5d1b2c3a-aks2-4c8e-b0f1-2e3d4c5b6a02", read.Event.GivenId());
    }

    [Fact]
    public async Task PostAksTableExport_AuditRowsAreLoggedAndARowOfAnotherTableIsListed()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("aks-shop-prod");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Sources.TestData.Managed("aks-audit-export-records.json"), key);

        var error = Assert.Single(await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus));
        Assert.Equal((1, "records[1].Type"), (error.Index, error.Field));
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal(("e8a0c2d4-aks5-4f6b-8a1c-3e5d7f9b1a05", "aks-shop-prod", "AKS-SHOP-PROD"), (e.GivenId(), e.Source, e.Attr(K8sAuditMapper.ClusterAttribute)));
    }

    [Fact]
    public async Task PostAksQueryAnswerWithNoRows_IsAcknowledgedWithNothingAccepted()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("aks-shop-prod");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", """{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"AuditId","type":"string"}],"rows":[]}]}""", key);

        await IngestAnswer.AcceptedAsync(response, 0);
    }

    [Fact]
    public async Task PostPubSubPushOfAGkeEntry_IsAcceptedAsAnAuditEvent()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("gke-shop");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Sources.TestData.Managed("gke-pubsub-push.json"), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal(EventKinds.K8sAudit, e.Kind);
        Assert.Equal("dev@shop.example", e.Subject?.Id);
    }

    [Fact]
    public async Task PostCloudWatchControlMessage_IsAcknowledgedWithNothingAccepted()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("eks-prod");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", """{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[]}""", key);

        await IngestAnswer.AcceptedAsync(response, 0);
    }

    [Fact]
    public async Task PostFirehoseDelivery_Gzipped_IsAnswered200WithTheRequestIdAndLogged()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("eks-firehose");
        // Without the record that is not base64, every record is good.
        var delivery = JsonNode.Parse(Sources.TestData.Managed("eks-firehose-delivery.json"))!.AsObject();
        var records = delivery["records"]!.AsArray();
        records.RemoveAt(records.Count - 1);
        var body = delivery.ToJsonString();

        using var response = await PostFirehoseAsync(server, body, key, "ed4acda5-034f-9f42-bba1-f29aea6d7d8f");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("ed4acda5-034f-9f42-bba1-f29aea6d7d8f", answer.GetProperty("requestId").GetString());
        Assert.True(answer.GetProperty("timestamp").GetInt64() > 0);
        var read = await server.ReadLoggedAsync(3);
        Assert.All(read, r => Assert.Equal("eks-firehose", r.Event.Source));
        Assert.Contains(read, r => r.Event.Subject?.Id == "arn:aws:iam::111122223333:role/ops-admin");
    }

    [Fact]
    public async Task PostFirehoseDelivery_WithABadRecord_IsNot200AndSaysWhichRecordInErrorMessage()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("eks-firehose");

        using var response = await PostFirehoseAsync(server, Encoding.UTF8.GetString(Sources.TestData.Managed("eks-firehose-delivery.json")), key, "req-2");

        // Anything but 200 makes Firehose retry, then keep the records in its S3 backup: the bad record is not lost.
        var answer = await HttpProblem.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal("req-2", answer.GetProperty("requestId").GetString());
        Assert.True(answer.GetProperty("timestamp").GetInt64() > 0);
        Assert.Contains("[3] records[3].data: a Firehose record's data is not base64", answer.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal((3, "records[3].data"), ProblemErrors.Of(answer).Select(e => (e.Index, e.Field)).Single());
        Assert.Equal(3, (await server.ReadLoggedAsync(3)).Count);
    }

    /// <summary>
    /// A Firehose record whose <c>data</c> is missing or not text was told that an AKS diagnostic record names its
    /// category: the two carriers share <c>records</c>, and the answer now says what each holds.
    /// </summary>
    [Theory]
    [InlineData("""{"recordId":"r-1"}""", "records[0].category", "a Firehose record holds its base64 data instead")]
    [InlineData("""{"data":42}""", "records[0].data", "a Firehose record's data is its base64 text, got number 42")]
    [InlineData("""{"data":{"log":"x"}}""", "records[0].data", "a Firehose record's data is its base64 text, got an object")]
    [InlineData("""{"data":null}""", "records[0].category", "a Firehose record holds its base64 data instead")]
    public async Task PostFirehoseDelivery_ARecordWithoutItsData_SaysWhatARecordHolds(string record, string field, string reason)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("eks-firehose");

        using var response = await PostFirehoseAsync(server, $$"""{"requestId":"req-3","timestamp":1700000000000,"records":[{{record}}]}""", key, "req-3");

        var error = ProblemErrors.Of(await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest)).Single();
        Assert.Equal((0, field), (error.Index, error.Field));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostFirehoseDelivery_WithAnUnknownAccessKey_Is401WithTheRequestId()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        await server.AddSourceAsync("eks-firehose");

        using var response = await PostFirehoseAsync(server, """{"requestId":"r","timestamp":1,"records":[]}""", "zts_not-a-key", "req-3");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("req-3", answer.GetProperty("requestId").GetString());
        Assert.Contains("access key", answer.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(401, answer.GetProperty("status").GetInt32());
    }

    /// <summary>
    /// Firehose's access key is one source key in its one header: missing, empty, or sent twice (a valid key beside
    /// another), the delivery is 401 with the request id echoed, and nothing is appended.
    /// </summary>
    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("twice, the valid key first")]
    [InlineData("twice, the valid key last")]
    public async Task PostFirehoseDelivery_WithoutExactlyOneValidAccessKey_Is401WithTheRequestId(string shape)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("eks-firehose");
        var body = Encoding.UTF8.GetString(Sources.TestData.Managed("eks-firehose-delivery.json"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(FirehosePath, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Amz-Firehose-Request-Id", "req-5");
        string[] keys = shape switch
        {
            "missing" => [],
            "empty" => [""],
            "twice, the valid key first" => [key, SourceKeys.NewKey()],
            _ => [SourceKeys.NewKey(), key],
        };
        if (keys.Length > 0)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("X-Amz-Firehose-Access-Key", keys));
        }

        using var response = await server.Client.SendAsync(request, Ct);

        var answer = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("req-5", answer.GetProperty("requestId").GetString());
        Assert.DoesNotContain(key, answer.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task PostFirehoseDelivery_OfOnlyAControlMessage_Is200()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("eks-firehose");
        var control = Convert.ToBase64String(Sources.TestData.Gzip("""{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"""));

        using var response = await PostFirehoseAsync(server, $$"""{"requestId":"req-4","timestamp":1796072700000,"records":[{"data":"{{control}}"}]}""", key, "req-4");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("req-4", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("requestId").GetString());
    }

    /// <summary>As Firehose sends it: the key in its own header, the request id in another, the body gzipped.</summary>
    private static Task<HttpResponseMessage> PostFirehoseAsync(IngestServer server, string body, string key, string requestId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(FirehosePath, UriKind.Relative)) { Content = new ByteArrayContent(Sources.TestData.Gzip(body)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add("X-Amz-Firehose-Access-Key", key);
        request.Headers.Add("X-Amz-Firehose-Request-Id", requestId);
        request.Headers.Add("X-Amz-Firehose-Protocol-Version", "1.0");
        request.Headers.Add("X-Amz-Firehose-Source-Arn", "arn:aws:firehose:eu-west-1:111122223333:deliverystream/eks-audit");
        return server.Client.SendAsync(request, Ct);
    }
}
