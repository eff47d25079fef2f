namespace ZtStream.Ingest.Tests.Sources.Okta;

/// <summary>
/// Okta's authorization servers log each token they grant (<c>app.oauth2.as.token.grant.access_token</c>,
/// <c>.id_token</c>, <c>.refresh_token</c>) and revoke (<c>app.oauth2.as.token.revoke</c>) with the token among the
/// event's targets: <c>{"id": "AT.…", "type": "access_token", "displayName": "Access Token", "detailEntry": {"expires",
/// "subject", "hash"}}</c> (Okta's LogEvent target; shape of okta/okta-sdk-python's system-log test fixtures). Its id is
/// the token's <c>jti</c>, which a revocation names.
/// </summary>
public sealed class OktaTokenGrantTests
{
    [Fact]
    public void Map_TokenGrantsAndRevocation_TokenJtiIsTheTokenTargetsId()
    {
        var body = """
            [{"uuid":"0a0000bb-0000-4000-8000-000000000001","published":"2026-11-30T08:07:00.000Z","eventType":"app.oauth2.as.token.grant.access_token",
              "actor":{"id":"00u2ab3cd4EfGh5ij6k7","type":"User","alternateId":"noor.haddad@acme.example"},"client":{"id":"0oa9ledgerweb","ipAddress":"198.51.100.23"},
              "outcome":{"result":"SUCCESS","reason":null},
              "target":[{"id":"aus7ledger01","type":"AuthorizationServer","displayName":"ledger-api","alternateId":null,"detailEntry":null},
                        {"id":"AT.q8Vb2mR1xKc0Pz4Tn7Yw5Ld3Sg6Hj9Fa","type":"access_token","alternateId":null,"displayName":"Access Token",
                         "detailEntry":{"expires":"2026-11-30T09:07:00.000Z","subject":"00u2ab3cd4EfGh5ij6k7","hash":"kX2mQ9vB7nL4pR1s"}}],
              "debugContext":{"debugData":{"grantType":"authorization_code","grantedScopes":"openid ledger.read"}}},
             {"uuid":"0a0000bb-0000-4000-8000-000000000002","published":"2026-11-30T08:07:00.010Z","eventType":"app.oauth2.as.token.grant.id_token",
              "actor":{"id":"00u2ab3cd4EfGh5ij6k7","type":"User","alternateId":"noor.haddad@acme.example"},"client":{"id":"0oa9ledgerweb","ipAddress":"198.51.100.23"},
              "outcome":{"result":"SUCCESS"},
              "target":[{"id":"ID.r5Tc8nW2yLd1Qa6Vm3Xk9Pf0Hs4Jb7Gz","type":"id_token","displayName":"ID Token","detailEntry":{"expires":"2026-11-30T09:07:00.000Z"}}]},
             {"uuid":"0a0000bb-0000-4000-8000-000000000003","published":"2026-11-30T10:07:00Z","eventType":"app.oauth2.as.token.grant.refresh_token",
              "actor":{"id":"0oa9ledgerweb","type":"PublicClientApp","alternateId":"0oa9ledgerweb","displayName":"Ledger web"},"client":{"id":"0oa9ledgerweb","ipAddress":"2001:db8:5::23"},
              "outcome":{"result":"SUCCESS"},
              "target":[{"id":"oar4ledger7refresh2Tok","type":"refresh_token","displayName":"Refresh Token","detailEntry":null}],
              "debugContext":{"debugData":{"grantType":"refresh_token"}}},
             {"uuid":"0a0000bb-0000-4000-8000-000000000004","published":"2026-11-30T10:30:00Z","eventType":"app.oauth2.as.token.revoke",
              "actor":{"id":"00u2ab3cd4EfGh5ij6k7","type":"User","alternateId":"noor.haddad@acme.example"},"client":{"id":"0oa9ledgerweb","ipAddress":"198.51.100.23"},
              "outcome":{"result":"SUCCESS"},
              "target":[{"id":"AT.q8Vb2mR1xKc0Pz4Tn7Yw5Ld3Sg6Hj9Fa","type":"ACCESS_TOKEN","displayName":"Access Token"}]},
             {"uuid":"0a0000bb-0000-4000-8000-000000000005","published":"2026-11-30T10:31:00Z","eventType":"app.oauth2.as.token.grant",
              "actor":{"id":"00u2ab3cd4EfGh5ij6k7","type":"User","alternateId":"noor.haddad@acme.example"},"client":{"id":"0oa9ledgerweb","ipAddress":"198.51.100.23"},
              "outcome":{"result":"FAILURE","reason":"invalid_grant"},"target":null}]
            """;

        var e = MapperAssert.MapsAll(OktaMapper.Map(Encoding.UTF8.GetBytes(body)),
            EventKinds.AuthTokenIssued, EventKinds.AuthTokenIssued, EventKinds.AuthTokenRefreshed, EventKinds.AuthTokenRevoked, EventKinds.AuthTokenIssued);

        Assert.Equal(
            ["AT.q8Vb2mR1xKc0Pz4Tn7Yw5Ld3Sg6Hj9Fa", "ID.r5Tc8nW2yLd1Qa6Vm3Xk9Pf0Hs4Jb7Gz", "oar4ledger7refresh2Tok", "AT.q8Vb2mR1xKc0Pz4Tn7Yw5Ld3Sg6Hj9Fa", null],
            e.Select(x => x.Token?.Jti));
        // The refused grant issued nothing.
        Assert.Equal(Outcomes.Denied, e[4].Outcome);
    }
}
