
namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// Entra ID compares user principal names without regard to case, and its logs write a name as it was typed: a sign-in
/// as <c>Kim.Lee@Contoso.example</c>, an audit record's target as <c>kim.lee@contoso.example</c>, a risk detection as
/// <c>KIM.LEE@CONTOSO.EXAMPLE</c>. A deleted user's name carries its object id without dashes in front
/// (Microsoft Graph, "Restore deleted item": <c>{id}{userPrincipalName}</c>). Each is one principal.
/// </summary>
public sealed class EntraUserNameTests
{
    private const string Kim = "3f2a9c1e-5b7d-4e80-9a1c-2d4e6f8a0b1c";

    // One user as four record shapes write it (diagnostic-settings sign-in and audit, Identity Protection, a Graph signIn).
    internal static readonly string Records = $$$"""
        {"records":[
         {"time":"2026-11-30T08:00:00Z","category":"SignInLogs","tenantId":"11111111-2222-4333-8444-555555555555","resultType":"0",
          "properties":{"id":"a0000000-0000-4000-8000-000000000401","createdDateTime":"2026-11-30T08:00:00Z","userPrincipalName":"Kim.Lee@Contoso.example",
           "userId":"{{{Kim}}}","ipAddress":"198.51.100.41","status":{"errorCode":0},"isInteractive":true}},
         {"time":"2026-11-30T08:05:00Z","category":"AuditLogs","tenantId":"11111111-2222-4333-8444-555555555555",
          "properties":{"id":"Directory_0000_KL1","activityDisplayName":"Reset user password","activityDateTime":"2026-11-30T08:05:00Z","result":"success",
           "category":"UserManagement","initiatedBy":{"user":{"id":"e1e1e1e1-0000-4000-8000-000000000009","userPrincipalName":"Helpdesk.Ops@contoso.example"}},
           "targetResources":[{"id":"{{{Kim}}}","type":"User","userPrincipalName":"kim.lee@contoso.example"}]}},
         {"time":"2026-11-30T08:10:00Z","category":"UserRiskEvents","tenantId":"11111111-2222-4333-8444-555555555555",
          "properties":{"id":"d2000000000000000000000000000000000000000000000000000000000000b2","riskEventType":"unfamiliarFeatures","riskLevel":"medium",
           "riskState":"atRisk","riskDetail":"none","activity":"signin","detectedDateTime":"2026-11-30T08:10:00Z","activityDateTime":"2026-11-30T08:10:00Z",
           "userId":"{{{Kim}}}","userPrincipalName":"KIM.LEE@CONTOSO.EXAMPLE","ipAddress":"2001:db8:77::10"}}
        ]}
        {"value":[{"id":"66ea54eb-0000-4000-8000-000000000402","createdDateTime":"2026-11-30T08:15:00Z","userPrincipalName":"kim.Lee@contoso.EXAMPLE",
          "userId":"{{{Kim}}}","ipAddress":"198.51.100.41","status":{"errorCode":0},"isInteractive":true}]}
        """;

    [Fact]
    public void Map_OneUsersNameInFourCases_OnePrincipalInLowerCase()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(Records)), 4);

        Assert.Equal(["kim.lee@contoso.example"], e.Select(x => x.Subject?.Id).Distinct());
        Assert.Equal("helpdesk.ops@contoso.example", e[1].Attr(IdentityAttributes.Actor));
        // The directory's own spelling stays in raw.
        Assert.Equal("Kim.Lee@Contoso.example", e[0].Raw!.Value.GetProperty("properties").GetProperty("userPrincipalName").GetString());
    }

    [Fact]
    public void Map_UserIdOption_KeysTheObjectIdAndKeepsTheLowerCaseLogin()
    {
        var options = SourceMapOptions.Default with { SubjectIsUserId = true };

        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(Records), options), 4);

        Assert.Equal([Kim], e.Select(x => x.Subject?.Id).Distinct());
        Assert.Equal(["kim.lee@contoso.example"], e.Select(x => x.Attr(IdentityAttributes.IdpLogin)).Distinct());
    }

    [Theory]
    // The deleted user's name, the object id's hex in either case.
    [InlineData("3f2a9c1e5b7d4e809a1c2d4e6f8a0b1cKim.Lee@contoso.example", Kim, "kim.lee@contoso.example")]
    [InlineData("3F2A9C1E5B7D4E809A1C2D4E6F8A0B1Ckim.lee@contoso.example", Kim, "kim.lee@contoso.example")]
    // Another object id's hex, or no object id to check it against: the name as it is (lower case).
    [InlineData("3f2a9c1e5b7d4e809a1c2d4e6f8a0b1ckim.lee@contoso.example", "0b6e2d41-0000-4000-8000-000000000001", "3f2a9c1e5b7d4e809a1c2d4e6f8a0b1ckim.lee@contoso.example")]
    [InlineData("3f2a9c1e5b7d4e809a1c2d4e6f8a0b1ckim.lee@contoso.example", null, "3f2a9c1e5b7d4e809a1c2d4e6f8a0b1ckim.lee@contoso.example")]
    // A deleted guest: the prefix, then the inviting directory's #EXT# name.
    [InlineData("3f2a9c1e5b7d4e809a1c2d4e6f8a0b1cAmara_Partner.example#EXT#@initech.onmicrosoft.com", Kim, "amara@partner.example")]
    // A name that is only the object id's hex before the @ is not a prefixed one.
    [InlineData("3f2a9c1e5b7d4e809a1c2d4e6f8a0b1c@contoso.example", Kim, "3f2a9c1e5b7d4e809a1c2d4e6f8a0b1c@contoso.example")]
    public void UserName_DeletedUsersPrefixedName_IsTheNameItHadWhenTheObjectIdIsThePrefix(string name, string? objectId, string expected)
    {
        Assert.Equal(expected, EntraMapper.UserName(name, objectId));
    }

    [Fact]
    public void Map_DeleteUserAuditAndTheDeletedUsersSignInAttempt_OnePrincipal()
    {
        // "Delete user" names the user as it was; a later attempt with the deleted account (and the hard delete) is
        // written with the prefixed name the directory gave it.
        var body = $$$"""
            {"records":[
             {"time":"2026-11-30T09:00:00Z","category":"AuditLogs","tenantId":"11111111-2222-4333-8444-555555555555",
              "properties":{"id":"Directory_0000_KL2","activityDisplayName":"Delete user","activityDateTime":"2026-11-30T09:00:00Z","result":"success",
               "category":"UserManagement","initiatedBy":{"user":{"id":"e1e1e1e1-0000-4000-8000-000000000009","userPrincipalName":"helpdesk.ops@contoso.example"}},
               "targetResources":[{"id":"{{{Kim}}}","type":"User","userPrincipalName":"Kim.Lee@contoso.example"}]}},
             {"time":"2026-11-30T09:30:00Z","category":"SignInLogs","tenantId":"11111111-2222-4333-8444-555555555555","resultType":"50057",
              "properties":{"id":"a0000000-0000-4000-8000-000000000403","createdDateTime":"2026-11-30T09:30:00Z",
               "userPrincipalName":"3f2a9c1e5b7d4e809a1c2d4e6f8a0b1cKim.Lee@contoso.example","userId":"{{{Kim}}}","ipAddress":"203.0.113.77",
               "status":{"errorCode":50057,"failureReason":"User account is disabled."} }},
             {"time":"2026-11-30T10:00:00Z","category":"AuditLogs","tenantId":"11111111-2222-4333-8444-555555555555",
              "properties":{"id":"Directory_0000_KL3","activityDisplayName":"Hard Delete user","activityDateTime":"2026-11-30T10:00:00Z","result":"success",
               "category":"UserManagement","initiatedBy":{"app":{"displayName":"Microsoft Online Services","servicePrincipalId":"f0f0f0f0-0000-4000-8000-000000000001"}},
               "targetResources":[{"id":"{{{Kim}}}","type":"User","userPrincipalName":"3f2a9c1e5b7d4e809a1c2d4e6f8a0b1ckim.lee@contoso.example"}]}}
            ]}
            """;

        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(body)), 3);

        Assert.Equal(["kim.lee@contoso.example"], e.Select(x => x.Subject?.Id).Distinct());
    }

    [Fact]
    public void Map_AksUserSignedInWithEntra_ThePrincipalOfTheUsersSignIns()
    {
        // AKS with Entra ID names the user by the UPN its token carries and adds the object id (user.extra.oid).
        var audit = $$$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"7a1b2c3d-0000-4000-8000-00000000aa11","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/payments/secrets","verb":"list","user":{"username":"Kim.Lee@Contoso.example","groups":["system:authenticated"],
             "extra":{"oid":["{{{Kim}}}"]}},"sourceIPs":["2001:db8:12::7"],"objectRef":{"resource":"secrets","namespace":"payments","apiVersion":"v1"},
             "responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-30T08:20:00.000000Z"}
            """;

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(audit)).Events);
        var byObjectId = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(audit), SourceMapOptions.Default with { EntraSubjectIsUserId = true }).Events);

        Assert.Equal(("kim.lee@contoso.example", "Kim.Lee@Contoso.example"), (e.Subject?.Id, e.Attr(CloudIdentity.UsernameAttribute)));
        Assert.Equal(Kim, byObjectId.Subject?.Id);
    }

    [Fact]
    public void Map_AuditTargetResourcesAsOneObject_TheTargetUserIsTheSubject()
    {
        // A pipeline that flattens one-item arrays writes targetResources as the object.
        var body = """
            {"records":[{"time":"2026-11-30T08:02:00Z","category":"AuditLogs","tenantId":"11111111-2222-4333-8444-555555555555",
              "properties":{"id":"Directory_0000_KL4","activityDisplayName":"Reset user password","activityDateTime":"2026-11-30T08:02:00Z","result":"success",
               "category":"UserManagement","initiatedBy":{"user":{"id":"e1e1e1e1-0000-4000-8000-000000000009","userPrincipalName":"helpdesk.ops@contoso.example","ipAddress":null},"app":null},
               "targetResources":{"id":"22222222-0000-4000-8000-000000000009","type":"User","userPrincipalName":"Kai.Moreno@contoso.example"}}}]}
            """;

        var e = MapperAssert.MapsTo(EntraMapper.Map(Encoding.UTF8.GetBytes(body)), EventKinds.AuthCredentialChange, Outcomes.Success);

        Assert.Equal(("kai.moreno@contoso.example", "helpdesk.ops@contoso.example"), (e.Subject?.Id, e.Attr(IdentityAttributes.Actor)));
    }

    /// <summary>
    /// A guest invited ("Invite external user", the shape Stratus Red Team's guest-user technique documents) and then made
    /// an administrator: both records name it by its directory name (<c>…#EXT#@…</c>), both mark it a guest
    /// (<c>auth.target_guest</c>), and both are the guest's own address as one principal. A member given the same role is
    /// no guest.
    /// </summary>
    [Fact]
    public void Map_AGuestInvitedThenGivenARole_IsMarkedAGuest_AndAMemberIsNot()
    {
        const string Guest = """{"id":"a7e50000-0000-4000-8000-0000000000g1","type":"User","userPrincipalName":"mallory_partner.example#EXT#@contoso.onmicrosoft.com","displayName":"Mallory","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}]}""";
        const string Member = """{"id":"a7e50000-0000-4000-8000-0000000000u1","type":"User","userPrincipalName":"tperkins@contoso.example","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}]}""";
        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(string.Join('\n',
            Audit("01", "Invite external user", "UserManagement", Guest),
            Audit("02", "Add member to role", "RoleManagement", Guest),
            Audit("03", "Add member to role", "RoleManagement", Member)))),
            3);

        Assert.Equal(("created", "mallory@partner.example"), (e[0].Attr(IdentityAttributes.Change), e[0].Subject?.Id));
        MapperAssert.IsRoleGrant(e[1], "it-admin@contoso.example", "mallory@partner.example", "Global Administrator");
        Assert.Equal(["true", "true", null], e.Select(x => x.Attr(IdentityAttributes.TargetGuest)));
    }

    private static string Audit(string n, string activity, string category, string target) =>
        $$$"""{"time":"2026-12-01T10:00:{{{n}}}Z","operationName":"{{{activity}}}","category":"AuditLogs","properties":{"id":"Directory_a7e5_00{{{n}}}","category":"{{{category}}}","result":"success","activityDisplayName":"{{{activity}}}","activityDateTime":"2026-12-01T10:00:{{{n}}}Z","initiatedBy":{"user":{"id":"a7e50000-0000-4000-8000-0000000000a1","userPrincipalName":"it-admin@contoso.example","ipAddress":"203.0.113.82"}},"targetResources":[{{{target}}}]}}""";
}
