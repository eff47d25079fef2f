namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>The acceptance behaviour of issue 3, against each event-log implementation.</summary>
public sealed class IngestEndpointTests(KafkaFixture kafka)
{
    public static TheoryData<string> Logs => [TestLogs.File, TestLogs.InProcess, TestLogs.Kafka];

    /// <summary>Ingest over a fresh event log of <paramref name="logKind"/>; what it appends is read back through the server.</summary>
    private Task<IngestServer> StartAsync(string logKind, Dictionary<string, string?>? settings = null) =>
        IngestServer.StartAsync(TestLogs.Create(logKind, kafka), settings);

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostEvents_ValidBatch_Returns202AndEveryEventIsInTheLogWithTheStampedSource(string logKind)
    {
        await using var server = await StartAsync(logKind);
        var key = await server.AddSourceAsync("orders-api");
        var ids = Payloads.Ids("valid", 5);
        // A source named in the body is ignored: Ingest stamps it from the credential.
        var body = Payloads.Array([.. ids.Select((id, i) => Payloads.Event(id, subject: $"user-{i % 2}", extra: ",\"source\":\"forged\""))]);

        using var response = await server.PostAsync("/v1/events", body, key);

        var accepted = await IngestAnswer.AcceptedAsync(response, 5);
        Assert.Equal(ids, accepted.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        var read = await server.ReadLoggedAsync(ids.Length);
        Assert.Equal(ids.Order(), read.Select(r => r.Event.Id).Order());
        Assert.All(read, r =>
        {
            Assert.Equal("orders-api", r.Event.Source);
            Assert.Equal(r.Event.Subject!.Id, r.Record.Key);
            Assert.Equal("orders-api", r.Record.Headers[IngestHandler.SourceHeader]);
        });
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostEvents_ForwardedAsSentOrReserialised_ReadBackAsTheSameEventsWithTheStampedSource(string logKind)
    {
        // Canonical events are forwarded as their own bytes with the source spliced in; events with a source of their
        // own or unknown fields are serialised again. Every shape must read back as what was sent, stamped.
        await using var server = await StartAsync(logKind);
        var key = await server.AddSourceAsync("shapes \"quoted\" ünicode");
        var time = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var body = $$$"""
            [
              { "kind" : "access.data" , "time":"{{{time}}}", "id":"shape-pretty",
                "resource": {"type":"table","id":"t\u00e9st","data_class":"confidential/customers"},
                "subject":{"id":"bob","type":"user","tenant":"acme"}, "bytes": 42, "schema": 1 },
              {"id":"shape-workload","time":"{{{time}}}","kind":"runtime.alert","workload":{"id":"ns/pod-1","namespace":"ns"},"network":{"src_ip":"10.0.0.1","dst_port":443}},
              {"id":"shape-source","time":"{{{time}}}","kind":"auth.login","subject":{"id":"carol"},"source":"forged"},
              {"id":"shape-extra","time":"{{{time}}}","kind":"auth.login","subject":{"id":"dave"},"ticket":"INC-1"}
            ]
            """;

        using var response = await server.PostAsync("/v1/events", body, key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var read = (await server.ReadLoggedAsync(4)).ToDictionary(r => r.Event.Id);
        Assert.All(read.Values, r => Assert.Equal("shapes \"quoted\" ünicode", r.Event.Source));
        var pretty = read["shape-pretty"].Event;
        Assert.Equal(("access.data", "bob", "acme", "tést", "confidential/customers", 42L), (pretty.Kind, pretty.Subject!.Id, pretty.Subject.Tenant, pretty.Resource!.Id, pretty.Resource.DataClass, pretty.Bytes!.Value));
        var workload = read["shape-workload"];
        Assert.Equal(("ns/pod-1", "10.0.0.1", 443), (workload.Record.Key, workload.Event.Network!.SrcIp, workload.Event.Network.DstPort!.Value));
        Assert.Equal("carol", read["shape-source"].Event.Subject!.Id);
        Assert.Equal("INC-1", read["shape-extra"].Event.Attributes!["ticket"].GetString());
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostEvents_TwoBadOfFive_ProducesTheThreeGoodAndNamesIndexAndFieldOfTheBad(string logKind)
    {
        await using var server = await StartAsync(logKind);
        var key = await server.AddSourceAsync("mixed");
        var body = Payloads.Array(
            Payloads.Event("m-0"),
            """{"time":"2026-11-28T10:00:00Z","kind":"access.request","subject":{"id":"bob"}}""",
            Payloads.Event("m-2"),
            """{"id":"m-3","time":"2026-11-28T10:00:00Z","kind":"access.request"}""",
            Payloads.Event("m-4"));

        using var response = await server.PostAsync("/v1/events", body, key);

        var errors = await IngestAnswer.PartlyAcceptedAsync(response, "m-0", "m-2", "m-4");
        Assert.Equal([(1, "id"), (3, "subject.id")], errors.Select(e => (e.Index, e.Field)));
        var read = await server.ReadLoggedAsync(3);
        Assert.Equal(["m-0", "m-2", "m-4"], read.Select(r => r.Event.Id).Order());
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostEvents_NoOrBadOrRevokedCredential_Returns401AndProducesNothing(string logKind)
    {
        await using var server = await StartAsync(logKind);
        var key = await server.AddSourceAsync("revoked-later");
        Assert.True(await server.RevokeSourceAsync("revoked-later"));
        var body = Payloads.Array(Payloads.Event("u-1"));

        foreach (var credential in new[] { null, "zts_not-a-key", key })
        {
            using var response = await server.PostAsync("/v1/events", body, credential);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(Problem.MediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // A control event from a valid source shows the topic is readable; nothing from the refused requests is on it.
        var good = await server.AddSourceAsync("control");
        using (var ok = await server.PostAsync("/v1/events", Payloads.Array(Payloads.Event("control-1")), good))
        {
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }

        var read = await server.ReadLoggedAsync(1);
        Assert.Equal(["control-1"], read.Select(r => r.Event.Id));
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostEvents_LogUnavailable_Returns503WithRetryAfterAndTheRetryArrivesOncePerId(string logKind)
    {
        var inner = TestLogs.Create(logKind, kafka);
        var log = new SwitchableEventLog(inner) { Available = false };
        await using var server = await IngestServer.StartAsync(log);
        var key = await server.AddSourceAsync("flaky");
        var ids = Payloads.Ids("retry", 4);
        var body = Payloads.Array([.. ids.Select(id => Payloads.Event(id))]);

        using (var refused = await server.PostAsync("/v1/events", body, key))
        {
            await HttpProblem.ReadAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(1, log.RefusedAppends);
        log.Available = true;
        using (var retried = await server.PostAsync("/v1/events", body, key))
        {
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }

        var read = await server.ReadLoggedAsync(ids.Length, quiet: TimeSpan.FromMilliseconds(500));
        Assert.Equal(ids.Order(), read.Select(r => r.Event.Id).Order());
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostK8sAudit_RegressionTraces_AreProducedWithTheStampedSource(string logKind)
    {
        // The traces are from 2018 and 2020.
        await using var server = await StartAsync(logKind, IngestServer.AnyAge);
        var key = await server.AddSourceAsync("kube-apiserver");
        var items = string.Join(",", new[] { "exec_pod.json", "create_nginx_pod_privileged.json", "create_kube_system_secret.json" }
            .Select(n => System.Text.Encoding.UTF8.GetString(Sources.TestData.K8sTrace(n)).Trim()));
        var body = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{items}}]}""";

        using var response = await server.PostAsync("/v1/sources/k8s-audit", body, key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var read = await server.ReadLoggedAsync(3);
        Assert.Equal(3, read.Count);
        Assert.All(read, r => Assert.Equal("kube-apiserver", r.Event.Source));
        var exec = Assert.Single(read, r => r.Event.Resource?.Type == "pods/exec").Event;
        Assert.Equal("minikube-user", exec.Subject?.Id);
        Assert.Equal(EventKinds.K8sAudit, exec.Kind);
    }

    [Theory]
    [MemberData(nameof(Logs))]
    public async Task PostFalco_RealAlertLine_IsProducedKeyedByWorkload(string logKind)
    {
        await using var server = await StartAsync(logKind, IngestServer.AnyAge);
        var key = await server.AddSourceAsync("falco");

        using var response = await server.PostAsync("/v1/sources/falco", Sources.TestData.Falco("terminal-shell.json"), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var read = Assert.Single(await server.ReadLoggedAsync(1));
        Assert.Equal("default/alpine", read.Record.Key);
        Assert.Equal(EventKinds.RuntimeAlert, read.Event.Kind);
        Assert.Equal("falco", read.Event.Source);
    }
}
