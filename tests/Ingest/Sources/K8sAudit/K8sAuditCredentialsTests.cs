
namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// A cluster whose audit policy logs bodies where Kubernetes' own policies log metadata (TestData/k8s-audit/clusters/
/// credentials-in-bodies.ndjson) hands Ingest live credentials: the token a TokenRequest minted, the bearer token a
/// TokenReview checked, a Secret's values. None of them reaches the event (raw, attributes, the log); who asked for which
/// token or secret does, and the paths replaced are named.
/// </summary>
public sealed class K8sAuditCredentialsTests
{
    private const string MintedToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6ZGVwbG95ZXIifQ.c2lnbmF0dXJlLW9mLWEtbWludGVkLXRva2Vu";
    private const string ReviewedToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJldmlldyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bGVkZ2VyOmFwaSJ9.cmV2aWV3ZWQtdG9rZW4tc2lnbmF0dXJl";
    private const string Password = "czNjcjN0LWxlZGdlci1kYi1wYXNzd29yZA==";

    private static readonly IReadOnlyList<AccessEvent> Events = K8sAuditMapper.Map(TestData.Cluster("credentials-in-bodies.ndjson")).Events;

    [Fact]
    public void Map_BodiesHoldingCredentials_KeepNoneOfThemAnywhereInTheEvent()
    {
        Assert.Equal(6, Events.Count);
        foreach (var e in Events)
        {
            var json = JsonSerializer.Serialize(e, ContractsJsonContext.Default.AccessEvent);
            Assert.DoesNotContain(MintedToken, json, StringComparison.Ordinal);
            Assert.DoesNotContain(ReviewedToken, json, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, json, StringComparison.Ordinal);
            Assert.DoesNotContain("LS0tLS1QUklWQVRFLUtFWS0tLS0t", json, StringComparison.Ordinal);
            Assert.DoesNotContain("ledger_app", json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Map_BodiesHoldingCredentials_NameEveryPathReplaced_AndKeepWhatRulesRead()
    {
        string[] Redacted(int i) => Events[i].Attributes!.TryGetValue(AuditCredentials.Attribute, out var paths)
            ? [.. paths.EnumerateArray().Select(p => p.GetString()!)]
            : [];

        Assert.Equal(["responseObject.status.token"], Redacted(0));
        Assert.Equal(["requestObject.spec.token", "responseObject.spec.token"], Redacted(1));
        Assert.Equal(
            ["requestObject.data.password", "requestObject.stringData.username", "requestObject.metadata.annotations.kubectl.kubernetes.io/last-applied-configuration"],
            Redacted(2));
        Assert.Equal(["responseObject.items[0].data.password", "responseObject.items[1].data.tls.crt", "responseObject.items[1].data.tls.key"], Redacted(3));
        Assert.Equal(["requestObject[0].value"], Redacted(4));
        Assert.Empty(Redacted(5));

        // The token request is still the request it was: who, for which service account, when it expires.
        var request = Events[0];
        Assert.Equal(("dana@example.com", "serviceaccounts/token", "ci/deployer"), (request.Subject?.Id, request.Resource?.Type, request.Resource?.Id));
        var response = request.Raw!.Value.GetProperty("responseObject");
        Assert.Equal(AuditCredentials.Redacted, response.GetProperty("status").GetProperty("token").GetString());
        Assert.Equal("2026-11-30T12:00:00Z", response.GetProperty("status").GetProperty("expirationTimestamp").GetString());

        // A Secret keeps its keys, type and other annotations; a patch its other operations.
        var secret = Events[2].Raw!.Value.GetProperty("requestObject");
        Assert.Equal(AuditCredentials.Redacted, secret.GetProperty("data").GetProperty("password").GetString());
        Assert.Equal("ledger", secret.GetProperty("metadata").GetProperty("annotations").GetProperty("team").GetString());
        Assert.Equal(AuditCredentials.Redacted, Events[2].Attributes!["k8s.request_object"].GetProperty("data").GetProperty("password").GetString());
        Assert.Equal("2026-11-30", Events[4].Raw!.Value.GetProperty("requestObject")[1].GetProperty("value").GetString());

        // The TokenReview is still the reviewer's: a pod's service account, from its address in the cluster.
        Assert.Equal(("system:serviceaccount:monitoring:kube-rbac-proxy", "10.244.3.17"), (Events[1].Subject?.Id, Events[1].Network?.SrcIp));
    }
}
