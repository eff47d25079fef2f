namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// Kubernetes 1.30+ names the credential of every request in <c>user.extra</c> (TestData/k8s-audit/clusters/ORIGIN.md,
/// <c>credential-ids.ndjson</c>): a service-account token's <c>JTI=…</c> is the event's <c>token.jti</c>, so one token's
/// requests — from its pod and from wherever it was taken — are one token, and they meet the TokenRequest that minted it.
/// </summary>
public sealed class K8sAuditCredentialIdTests
{
    private const string Jti = "4e2b0c6d-9a1f-4c3e-8d7b-5f6a7b8c9d01";

    [Fact]
    public void Map_RequestsNamingTheirCredential_TokenJtiIsTheServiceAccountTokens()
    {
        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.Cluster("credential-ids.ndjson")), 6);

        Assert.Equal([null, Jti, Jti, null, null, null], events.Select(e => e.Token?.Jti));
        Assert.Equal(
            ["X509SHA256=0f9a3c2b1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8", "JTI=" + Jti, "JTI=" + Jti, "JTI=", null, null],
            events.Select(e => e.Attr("k8s.credential_id")));
        // The TokenRequest that minted the token names it the same way, in its annotations.
        Assert.Equal("JTI=" + Jti, events[0].Attributes!["k8s.annotations"].GetProperty("authentication.kubernetes.io/issued-credential-id").GetString());
        // The stolen copy is the same token and the same pod, from another address.
        Assert.Equal(("shop/cart-7c9d5-x2x8q", "203.0.113.45", "denied"), (events[2].Workload?.Id, events[2].Network?.SrcIp, events[2].Outcome));
        // An impersonated service account's extra is the caller's headers, and the caller's own token is not the subject's.
        Assert.Equal(("system:serviceaccount:shop:cart", "ops-admin"), (events[4].Subject?.Id, events[4].Attr("k8s.impersonated_by")));
    }

    [Theory]
    [InlineData("[\"JTI=abc\"]", "abc")]
    [InlineData("[\"JTI=abc\",\"JTI=def\"]", "abc")]
    [InlineData("[\"jti=abc\"]", null)]
    [InlineData("[\"JTI\"]", null)]
    [InlineData("[]", null)]
    [InlineData("[null]", null)]
    [InlineData("\"JTI=abc\"", null)]
    [InlineData("[\"JTI=ü-日本-\\u00e9\"]", "ü-日本-é")]
    public void Map_CredentialIdShapes_OnlyAJtiIsTheToken(string credential, string? jti)
    {
        var body = $$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"cid-1","stage":"ResponseComplete","verb":"get","requestReceivedTimestamp":"2026-11-30T22:00:00Z",
             "user":{"username":"system:serviceaccount:shop:cart","extra":{"authentication.kubernetes.io/credential-id":{{credential}}} },
             "objectRef":{"resource":"pods","namespace":"shop"},"responseStatus":{"code":200} }
            """;

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(jti, e.Token?.Jti);
    }

    [Fact]
    public void Map_CredentialIdLongerThanTheFieldLimit_KeptClippedAndNamesNoToken()
    {
        var body = $$"""
            {"kind":"Event","auditID":"cid-2","verb":"get","requestReceivedTimestamp":"2026-11-30T22:00:00Z",
             "user":{"username":"system:serviceaccount:shop:cart","extra":{"authentication.kubernetes.io/credential-id":["JTI={{new string('a', 5_000)}}"]} } }
            """;

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body), new SourceMapOptions { MaxFieldLength = 256 }));

        Assert.Null(e.Token);
        Assert.InRange(e.Attr("k8s.credential_id")!.Length, 200, 256);
    }
}
