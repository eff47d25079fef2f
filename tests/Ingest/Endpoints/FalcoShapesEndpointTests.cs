using ZtStream.Ingest.Sources.Scopes;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// Falco output of other versions and sources (Sources/TestData/falco) posted the way Falco's http_output and
/// falcosidekick's webhook post it — one alert per request — by a source limited to runtime alerts: every alert is
/// accepted, keyed by the principal it is about.
/// </summary>
public sealed class FalcoShapesEndpointTests
{
    [Theory]
    [InlineData("event-generator-0.37.jsonl", "container:4a1e0c7d2b9f,container:4a1e0c7d2b9f,container:4a1e0c7d2b9f,container:7d3b9e1f5a2c,ledger/ledger-api-5d9c7")]
    [InlineData("k8saudit-plugin.jsonl", "system:serviceaccount:storefront:checkout,jdoe,system:anonymous")]
    [InlineData("internal-alerts.jsonl", "host,host,host:node-7")]
    [InlineData("sidekick-shapes.jsonl", "host:falcosidekick,shop/web-6b9f,host:node-b")]
    [InlineData("older-falco.jsonl", "host,billing/invoice-7c6d8,ops/toolbox-0,edge/proxy-2")]
    [InlineData("plugin-sources.jsonl", "arn:aws:iam::111122223333:user/ops-admin,alice@corp.example,mallory-dev")]
    public async Task PostFalco_EachAlertOfAShape_AcceptedAndKeyedByItsPrincipal(string file, string principals)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("falco", new SourceScope(Kinds: [EventKinds.RuntimeAlert]));
        var lines = Encoding.UTF8.GetString(Sources.TestData.Falco(file)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        foreach (var line in lines)
        {
            using var response = await server.PostAsync("/v1/sources/falco", Encoding.UTF8.GetBytes(line), key);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        }

        var read = await server.ReadLoggedAsync(lines.Length);
        Assert.Equal(principals.Split(',').Order(StringComparer.Ordinal), read.Select(r => r.Record.Key).Order(StringComparer.Ordinal));
        Assert.All(read, r => Assert.Equal(EventKinds.RuntimeAlert, r.Event.Kind));
    }

    /// <summary>
    /// An alert of the k8saudit plugins names no workload, only the request's user and target: a source limited to
    /// namespaces reports it only when the target (<c>ka.target.namespace</c>) is in one of them, as it would the audit event.
    /// </summary>
    [Fact]
    public async Task PostFalco_AuditPluginAlerts_BySourceLimitedToNamespaces_OnlyThoseOnItsNamespacesAccepted()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("falco-eks", new SourceScope(Kinds: [EventKinds.RuntimeAlert], Namespaces: ["payments", "web"]));
        var lines = Encoding.UTF8.GetString(Sources.TestData.Falco("k8saudit-eks.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        using var response = await server.PostAsync("/v1/sources/falco", Encoding.UTF8.GetBytes(string.Join('\n', lines)), key, "application/x-ndjson");

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal([(3, SourceScope.AlertObjectNamespaceField), (4, SourceScope.AlertObjectNamespaceField)], errors.Select(e => (e.Index, e.Field)));
        Assert.All(errors, e => Assert.StartsWith("outside the scope of source falco-eks", e.Reason, StringComparison.Ordinal));
        var read = await server.ReadLoggedAsync(4);
        Assert.Equal(["payments", "payments", "payments", "web"], read.Select(r => r.Event.Raw!.Value.GetProperty("output_fields").GetProperty("ka.target.namespace").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PostFalco_ContainerNamePaddedOnADockerHost_AcceptedWithTheNameClipped()
    {
        // Docker takes a long --name; the alert about what that container did must still get in.
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("falco", new SourceScope(Kinds: [EventKinds.RuntimeAlert]));
        var alert = JsonNode.Parse(Encoding.UTF8.GetString(Sources.TestData.Falco("event-generator-0.37.jsonl")).Split('\n')[0])!;
        alert["output_fields"]!["container.name"] = "x" + new string('a', 5_000);
        alert["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        using var response = await server.PostAsync("/v1/sources/falco", Encoding.UTF8.GetBytes(alert.ToJsonString()), key);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal("container:4a1e0c7d2b9f", e.Workload?.Id);
        Assert.StartsWith("xaaa", e.Workload?.Name, StringComparison.Ordinal);
        Assert.EndsWith("…", e.Workload?.Name, StringComparison.Ordinal);
        Assert.True(e.Workload!.Name!.Length <= 513);
    }

    [Fact]
    public async Task PostFalco_NamesPaddedPastASmallFieldLimit_AcceptedWithEveryNameWithinTheLimit()
    {
        // A deployment may lower Ingest:MaxFieldLength below the 512 characters names are clipped at; the names must then
        // fit that limit, or the alert is refused for what the container was called.
        await using var server = await IngestServer.StartInProcessAsync(new() { ["Ingest:MaxFieldLength"] = "100" });
        var key = await server.AddSourceAsync("falco", new SourceScope(Kinds: [EventKinds.RuntimeAlert]));
        var alert = JsonNode.Parse(Encoding.UTF8.GetString(Sources.TestData.Falco("event-generator-0.37.jsonl")).Split('\n')[0])!;
        alert["output_fields"]!["container.name"] = "x" + new string('a', 5_000);
        alert["output_fields"]!["container.id"] = "c" + new string('1', 5_000);
        alert["output_fields"]!["container.image.repository"] = "registry.example.com/" + new string('r', 5_000);
        alert["hostname"] = "node-" + new string('h', 5_000);
        alert["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var pod = alert.DeepClone();
        pod["output_fields"]!["k8s.pod.name"] = "p" + new string('p', 5_000);
        pod["output_fields"]!["k8s.ns.name"] = "n" + new string('n', 5_000);

        foreach (var body in new[] { alert, pod })
        {
            using var response = await server.PostAsync("/v1/sources/falco", Encoding.UTF8.GetBytes(body.ToJsonString()), key);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        }

        var read = await server.ReadLoggedAsync(2);
        Assert.All(read, r =>
        {
            var w = r.Event.Workload!;
            Assert.All(new[] { w.Id, w.Name, w.Namespace, w.Image, w.Node }.OfType<string>(), name => Assert.InRange(name.Length, 1, 100));
        });
        var container = read.Single(r => r.Event.Workload!.Namespace is null).Event.Workload!;
        Assert.StartsWith("xaaa", container.Name, StringComparison.Ordinal);
        Assert.StartsWith("container:c111", container.Id, StringComparison.Ordinal);
        Assert.StartsWith("node-hhh", container.Node, StringComparison.Ordinal);
    }

    /// <summary>
    /// The rule name and the connection's addresses padded past the field limit got the whole alert refused (400 naming
    /// <c>action</c> and <c>network.dst_ip</c>): the rule is now a bounded name like the others (head, "…", digest, so two
    /// padded rules stay two), and an output field that is no address names no address.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("100")]
    public async Task PostFalco_RuleAndServerAddressPadded_AcceptedWithTheRuleBoundedAndOnlyAnAddressKept(string? maxFieldLength)
    {
        await using var server = await IngestServer.StartInProcessAsync(maxFieldLength is null ? null : new() { ["Ingest:MaxFieldLength"] = maxFieldLength });
        var limit = maxFieldLength is null ? 2_048 : int.Parse(maxFieldLength, CultureInfo.InvariantCulture);
        var key = await server.AddSourceAsync("falco", new SourceScope(Kinds: [EventKinds.RuntimeAlert]));
        var alerts = new[] { "a", "b" }.Select(last =>
        {
            var alert = JsonNode.Parse(Encoding.UTF8.GetString(Sources.TestData.Falco("event-generator-0.37.jsonl")).Split('\n')[0])!;
            alert["rule"] = "Outbound connection to C2 server " + new string('r', 5_000) + last;
            alert["output_fields"]!["fd.sip"] = "203.0.113." + new string('7', 3_000);
            alert["output_fields"]!["fd.rip"] = "198.51.100.23";
            alert["output_fields"]!["fd.sport"] = 443;
            alert["time"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            return alert;
        }).ToList();

        foreach (var alert in alerts)
        {
            using var response = await server.PostAsync("/v1/sources/falco", Encoding.UTF8.GetBytes(alert.ToJsonString()), key);
            await IngestAnswer.AcceptedAsync(response, 1);
        }

        var read = (await server.ReadLoggedAsync(2)).Select(r => r.Event).ToList();
        Assert.All(read, e =>
        {
            Assert.InRange(e.Action!.Length, 1, limit);
            Assert.StartsWith("Outbound connection to C2 server rrr", e.Action, StringComparison.Ordinal);
            Assert.Equal(e.Action, e.Attributes!["falco.rule"].GetString());
            Assert.Equal("198.51.100.23", e.Network?.DstIp);
            Assert.Equal(443, e.Network?.DstPort);
        });
        Assert.NotEqual(read[0].Action, read[1].Action);
    }
}
