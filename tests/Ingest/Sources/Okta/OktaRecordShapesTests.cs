namespace ZtStream.Ingest.Tests.Sources.Okta;

/// <summary>
/// System Log records in shapes the LogEvent reference allows and pipelines produce (developer.okta.com, "System Log
/// API", LogEvent object): <c>target</c> as the one object a pipeline flattening one-item arrays writes; no
/// <c>client</c>, the address only in <c>request.ipChain</c> (client first, then its proxies); every optional object null;
/// non-ASCII login names and IPv6 addresses. Names, ids and addresses invented.
/// </summary>
public sealed class OktaRecordShapesTests
{
    [Fact]
    public void Map_AdminResetsAPasswordTargetAsOneObject_TheSubjectIsTheTargetUser()
    {
        var body = """
            {"uuid":"0a0000dd-0000-4000-8000-000000000001","published":"2026-11-30T08:00:00.000Z","eventType":"user.account.reset_password",
             "actor":{"id":"00uAdmin1","type":"User","alternateId":"helpdesk@acme.example","displayName":"Help Desk"},
             "client":{"ipAddress":"2001:db8:9::5","userAgent":{"rawUserAgent":"Mozilla/5.0"}},"outcome":{"result":"SUCCESS"},
             "target":{"id":"00uZoe9","type":"User","alternateId":"zoë.núñez@acme.example","displayName":"Zoë Núñez"}}
            """;

        var e = MapperAssert.MapsTo(OktaMapper.Map(Encoding.UTF8.GetBytes(body)), EventKinds.AuthCredentialChange, Outcomes.Success);

        Assert.Equal(("zoë.núñez@acme.example", "00uZoe9", "helpdesk@acme.example"), (e.Subject?.Id, e.Attr(IdentityAttributes.IdpUserId), e.Attr(IdentityAttributes.Actor)));
        Assert.Equal("2001:db8:9::5", e.Network?.SrcIp);
    }

    [Fact]
    public void Map_NoClientObject_TheAddressIsTheFirstOfRequestIpChain()
    {
        var body = """
            {"uuid":"0a0000dd-0000-4000-8000-000000000002","published":"2026-11-30T08:01:00.000+00:00","eventType":"user.session.start",
             "actor":{"id":"00uAna1","type":"User","alternateId":"ana@acme.example"},"client":null,"outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},
             "authenticationContext":null,"securityContext":null,"debugContext":null,"target":null,
             "request":{"ipChain":[{"ip":"203.0.113.9","version":"V4","source":null,"geographicalContext":null},{"ip":"198.51.100.250","version":"V4"}]}}
            """;

        var e = MapperAssert.MapsTo(OktaMapper.Map(Encoding.UTF8.GetBytes(body)), EventKinds.AuthLogin, Outcomes.Denied);

        Assert.Equal(("ana@acme.example", "203.0.113.9"), (e.Subject?.Id, e.Network?.SrcIp));
    }
}
