namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// <c>system:anonymous</c> is the one name the API server gives every caller without a credential: keyed by that name,
/// one scanner's history would be every anonymous caller's. Each is the address its connection came from.
/// </summary>
public sealed class K8sAuditAnonymousTests
{
    [Fact]
    public void Map_AnonymousCallers_EachIsTheAddressItsConnectionCameFrom()
    {
        var e = MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.Cluster("anonymous-callers.ndjson")), 6);

        Assert.Equal(
            [
                ("ip:203.0.113.50", "anonymous", "203.0.113.50", "system:anonymous"),
                ("ip:203.0.113.50", "anonymous", "203.0.113.50", "system:anonymous"),
                ("ip:2001:db8:99::7", "anonymous", "2001:db8:99::7", "system:anonymous"),
                // The caller wrote X-Forwarded-For itself: the key and the client are the connection's address, the claim is
                // only in k8s.source_ips.
                ("ip:203.0.113.50", "anonymous", "203.0.113.50", "system:anonymous"),
                // No address to tell callers apart: the one anonymous principal.
                ("system:anonymous", "anonymous", (string?)null, (string?)null),
                // Impersonating anonymous is an authenticated user's request, which names who sent it.
                ("system:anonymous", "anonymous", "198.51.100.14", null),
            ],
            e.Select(x => (x.Subject?.Id, x.Subject?.Type, x.Network?.SrcIp, x.Attr("k8s.username"))));
        Assert.Equal("ana.ruiz@example.com", e[5].Attr("k8s.impersonated_by"));
        Assert.Equal((403, Outcomes.Denied, "secrets"), (e[1].Status, e[1].Outcome, e[1].Resource?.Type));
        Assert.Equal(("non_resource_url", "/version"), (e[0].Resource?.Type, e[0].Resource?.Id));
    }

    [Fact]
    public async Task PostAnonymousCallers_EachAddressIsLoggedUnderItsOwnKey()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("kube-apiserver", new SourceScope(Kinds: [EventKinds.K8sAudit]));

        var read = await server.PostAcceptedAsync("/v1/sources/k8s-audit", TestData.Cluster("anonymous-callers.ndjson"), key, 6, "application/x-ndjson");

        var keys = read.OrderBy(r => r.Event.GivenId(), StringComparer.Ordinal).Select(r => r.Record.Key).ToArray();
        Assert.Equal(["ip:203.0.113.50", "ip:203.0.113.50", "ip:2001:db8:99::7", "ip:203.0.113.50", "system:anonymous", "system:anonymous"], keys);
    }
}
