namespace ZtStream.Ingest.Tests.Sources.Identity;

/// <summary>
/// Subjects as user ids (<c>Ingest:IdentitySubjects</c>): each provider's internal id becomes the subject, so its events
/// land on the principal the applications' tokens name (their <c>sub</c> or <c>oid</c>); the login name is kept.
/// </summary>
public sealed class IdentitySubjectTests
{
    private static readonly SourceMapOptions UserIds = new(SubjectIsUserId: true);

    [Fact]
    public void Okta_ActorAndAffectedUser_BecomeTheirUserIds()
    {
        var events = OktaMapper.Map(TestData.Idp("okta", "system-log-mfa-push.json"), UserIds).Events;
        Assert.All(events, e => Assert.Equal("00u8ab2cdEFGH3ij40h7", e.Subject?.Id));
        Assert.All(events, e => Assert.Equal("sam.lee@acme.example", e.Attr(IdentityAttributes.IdpLogin)));

        // The administrator's session clear belongs to the user it cleared, by id.
        var cleared = OktaMapper.Map(TestData.Idp("okta", "system-log-admin.ndjson"), UserIds);
        Assert.Contains(cleared.Events, e => e.Kind == Contracts.Events.EventKinds.AuthSessionRevoked && e.Subject?.Id == "00u8ab2cdEFGH3ij40h7");
    }

    [Fact]
    public void Entra_SignInsAndAuditRecords_UseObjectIds()
    {
        var signIn = EntraMapper.Map(TestData.Idp("entra", "signin-records.json"), UserIds).Events[0];
        Assert.Equal("5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d", signIn.Subject?.Id);
        Assert.Equal("tperkins@contoso.example", signIn.Attr(IdentityAttributes.IdpLogin));

        var roleGrant = EntraMapper.Map(TestData.Idp("entra", "audit-records.json"), UserIds).Events.First(e => e.Action == "Add member to role");
        Assert.Equal("e1e1e1e1-0000-4000-8000-000000000001", roleGrant.Subject?.Id);
        Assert.Equal("tperkins@contoso.example", roleGrant.Attr(IdentityAttributes.TargetUser));
    }

    [Fact]
    public void Entra_GraphRequests_MeetTheirSignInsOnOnePrincipal()
    {
        // A Graph request names its user and its service principal by object id only; with user ids the sign-ins do too.
        var user = EntraMapper.Map(TestData.Idp("entra", "signin-records.json"), UserIds).Events[0];
        var machine = EntraMapper.Map(TestData.Idp("entra", "noninteractive-and-service-principal.json"), UserIds).Events[1];
        var requests = EntraMapper.Map(
            """
            {"Type":"MicrosoftGraphActivityLogs","TimeGenerated":"2025-02-03T14:05:10Z","RequestId":"g-1","RequestMethod":"GET","RequestUri":"https://graph.microsoft.com/v1.0/me","ResponseStatusCode":200,"UserId":"5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d"}
            {"Type":"MicrosoftGraphActivityLogs","TimeGenerated":"2025-02-03T14:05:11Z","RequestId":"g-2","RequestMethod":"GET","RequestUri":"https://graph.microsoft.com/v1.0/users","ResponseStatusCode":200,"ServicePrincipalId":"11111111-2222-3333-4444-555555555555","AppId":"a-1"}
            """u8,
            UserIds).Events;

        Assert.Equal(user.PrincipalKey, requests[0].PrincipalKey);
        Assert.Equal(machine.PrincipalKey, requests[1].PrincipalKey);
        Assert.Equal("billing-batch", machine.Attr(IdentityAttributes.IdpLogin));
    }

    [Fact]
    public void Auth0AndKeycloak_UseTheirUserIds_AndRecordsWithoutOneKeepTheName()
    {
        var auth0 = Auth0Mapper.Map(TestData.Idp("auth0", "log-stream.json"), UserIds).Events;
        Assert.Equal("auth0|66339f8c5a1b2c3d4e5f6a7b", auth0[0].Subject?.Id);

        var keycloak = KeycloakMapper.Map(TestData.Idp("keycloak", "user-events.json"), UserIds).Events;
        Assert.Equal("3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b", keycloak[0].Subject?.Id);

        // An attempt on an account that does not exist has no id: it stays under the name tried.
        Assert.Contains(keycloak, e => e.Subject?.Id == "admin" && e.Attr(IdentityAttributes.IdpLogin) is null);
    }

    [Fact]
    public void Default_IsTheLoginName()
    {
        var e = OktaMapper.Map(TestData.Idp("okta", "system-log-mfa-push.json")).Events[0];
        Assert.Equal("sam.lee@acme.example", e.Subject?.Id);
        Assert.Equal("00u8ab2cdEFGH3ij40h7", e.Attr(IdentityAttributes.IdpUserId));
        Assert.Null(e.Attr(IdentityAttributes.IdpLogin));
    }
}
