namespace ZtStream.Ingest.Tests.Sources.Okta;

/// <summary>
/// Okta logs a user's consent to a custom authorization server (<c>app.oauth2.as.consent.grant</c>) or to the org's
/// (<c>app.oauth2.consent.grant</c>), and an administrator's grant of the org's API scopes to an application
/// (<c>app.oauth2.admin.consent.grant</c>), each scope granted a <c>ConsentGrant</c> target named by the scope (the
/// System Log's records as a System Log API answer returns them).
/// </summary>
public sealed class OktaConsentTests
{
    [Fact]
    public void Map_ConsentGrants_AppConsentWithTheScopesTargetsName()
    {
        var body = """
            [{"uuid":"c0a5e000-0000-4000-8000-000000000901","published":"2024-08-02T10:05:00.000Z","eventType":"app.oauth2.as.consent.grant","displayMessage":"Consent granted",
              "actor":{"id":"00uc0a5user0001","type":"User","alternateId":"kim.ito@acme.example"},"client":{"ipAddress":"198.51.100.74"},"outcome":{"result":"SUCCESS"},
              "target":[{"id":"oagc0a50001","type":"ConsentGrant","alternateId":null,"displayName":"launch/patient","detailEntry":{"publicclientapp":"0oac0a5app0001","authorizationserver":"ausc0a5srv0001","user":"00uc0a5user0001"}},
                        {"id":"oagc0a50002","type":"ConsentGrant","alternateId":null,"displayName":"service_history.read","detailEntry":{"publicclientapp":"0oac0a5app0001","authorizationserver":"ausc0a5srv0001","user":"00uc0a5user0001"}}]},
             {"uuid":"c0a5e000-0000-4000-8000-000000000902","published":"2024-08-02T10:06:00.000Z","eventType":"app.oauth2.admin.consent.grant",
              "actor":{"id":"00uc0a5admin001","type":"User","alternateId":"it-admin@acme.example"},"client":{"ipAddress":"198.51.100.74"},"outcome":{"result":"SUCCESS"},
              "target":[{"id":"oagc0a50003","type":"ConsentGrant","displayName":"okta.users.read"}]},
             {"uuid":"c0a5e000-0000-4000-8000-000000000903","published":"2024-08-02T10:07:00.000Z","eventType":"app.oauth2.consent.grant",
              "actor":{"id":"00uc0a5user0001","type":"User","alternateId":"kim.ito@acme.example"},"client":{"ipAddress":"198.51.100.74"},"outcome":{"result":"FAILURE"},
              "target":{"id":"oagc0a50004","type":"ConsentGrant","displayName":"openid"}}]
            """;

        var e = MapperAssert.MapsAll(OktaMapper.Map(Encoding.UTF8.GetBytes(body)), EventKinds.AuthAdminChange, EventKinds.AuthAdminChange, EventKinds.AuthAdminChange);

        MapperAssert.IsChange(e[0], EventKinds.AuthAdminChange, "app_consent", "kim.ito@acme.example", null);
        Assert.Equal(["launch/patient", "service_history.read"], e[0].List(IdentityAttributes.Scopes));
        Assert.Equal("user", e[0].Attr(IdentityAttributes.Consent));
        MapperAssert.IsChange(e[1], EventKinds.AuthAdminChange, "app_consent", "it-admin@acme.example", null);
        Assert.Equal(["okta.users.read"], e[1].List(IdentityAttributes.Scopes));
        Assert.Equal("all_users", e[1].Attr(IdentityAttributes.Consent));
        // One target rather than a list, as ListOrOne reads it; the consent failed.
        Assert.Equal(["openid"], e[2].List(IdentityAttributes.Scopes));
        Assert.Equal(Outcomes.Denied, e[2].Outcome);
    }
}
