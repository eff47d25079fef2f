namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// Directory edits read by the property they change, not their activity's name: a user's SourceAnchor (ImmutableId), and
/// the authorization policy's consent to risky applications switched on.
/// </summary>
public sealed class EntraDirectoryChangeTests
{
    [Fact]
    public void Map_UpdateUser_ChangingSourceAnchor_IsAnImmutableIdChange_InEveryShape_OtherPropertiesAreNot()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"time":"2026-11-03T08:10:00Z","category":"AuditLogs","operationName":"Update user","properties":{"id":"Directory_5b1a_0101","activityDateTime":"2026-11-03T08:10:00Z",
              "activityDisplayName":"Update user","category":"UserManagement","result":"success","initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"id":"5b1a0000-0000-4000-8000-0000000000b1","type":"User","userPrincipalName":"cfo@contoso.example","modifiedProperties":[{"displayName":"SourceAnchor","oldValue":"[]","newValue":"[\"ZmFrZQ==\"]"}]}]}},
             {"TimeGenerated":"2026-11-03T08:11:00Z","Type":"AuditLogs","Id":"Directory_5b1a_0102","OperationName":"Update user","ActivityDisplayName":"Update user",
              "ActivityDateTime":"2026-11-03T08:11:00Z","Category":"UserManagement","Result":"success",
              "InitiatedBy":"{\"user\":{\"userPrincipalName\":\"it-admin@contoso.example\"}}",
              "TargetResources":"[{\"type\":\"User\",\"userPrincipalName\":\"cfo@contoso.example\",\"modifiedProperties\":[{\"displayName\":\"SourceAnchor\",\"oldValue\":null,\"newValue\":\"[\\\"ZmFrZQ==\\\"]\"}]}]"},
             {"id":"Directory_5b1a_0103","activityDateTime":"2026-11-03T08:12:00Z","activityDisplayName":"Update user","category":"UserManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"},"app":null},
              "targetResources":[{"type":"User","userPrincipalName":"cfo@contoso.example","displayName":null,"modifiedProperties":[{"displayName":"SourceAnchor","oldValue":null,"newValue":null}]}]},
             {"id":"Directory_5b1a_0104","activityDateTime":"2026-11-03T08:13:00Z","activityDisplayName":"Update user","category":"UserManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"type":"User","userPrincipalName":"cfo@contoso.example","modifiedProperties":[{"displayName":"JobTitle","oldValue":"[\"CFO\"]","newValue":"[\"Finance\"]"}]}]},
             {"id":"Directory_5b1a_0105","activityDateTime":"2026-11-03T08:14:00Z","activityDisplayName":"Update user","category":"UserManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},"targetResources":[{"type":"User","userPrincipalName":"cfo@contoso.example","modifiedProperties":null}]}]
            """u8), 5);

        Assert.Equal(["immutable_id_change", "immutable_id_change", "immutable_id_change"], e.Take(3).Select(x => x.Attr(IdentityAttributes.Change)));
        Assert.All(e.Take(3), x => Assert.Equal(EventKinds.AuthAdminChange, x.Kind));
        Assert.All(e.Skip(3), x => Assert.NotEqual("immutable_id_change", x.Attr(IdentityAttributes.Change)));
        Assert.Equal("it-admin@contoso.example", e[0].Subject!.Id);
    }

    [Fact]
    public void Map_AddMemberToGroup_NamesTheGroup_FromTheMembersGroupDisplayName_ElseTheGroupsTarget_NeverANestedMember()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"time":"2026-12-02T10:01:00Z","category":"AuditLogs","operationName":"Add member to group","tenantId":"a7e60000-0000-4000-8000-00000000ffff","properties":{"id":"Directory_a7e6_0201","activityDateTime":"2026-12-02T10:01:00Z",
              "activityDisplayName":"Add member to group","category":"GroupManagement","result":"success","initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"id":"a7e60000-0000-4000-8000-0000000000g1","type":"User","userPrincipalName":"mallory_partner.example#EXT#@contoso.onmicrosoft.com",
                "modifiedProperties":[{"displayName":"Group.ObjectID","oldValue":null,"newValue":"\"a7e60000-0000-4000-8000-0000000000b1\""},{"displayName":"Group.DisplayName","oldValue":null,"newValue":"\"Tier0 - Global Administrator\""}]},
                {"id":"a7e60000-0000-4000-8000-0000000000b1","type":"Group","displayName":null}]}},
             {"id":"Directory_a7e6_0202","activityDateTime":"2026-12-02T10:02:00Z","activityDisplayName":"Add member to group","category":"GroupManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"id":"a7e60000-0000-4000-8000-0000000000g2","type":"User","userPrincipalName":"sam.lee@contoso.example",
                "modifiedProperties":[{"displayName":"Group.ObjectID","oldValue":null,"newValue":"\"a7e60000-0000-4000-8000-0000000000b2\""}]},
                {"id":"a7e60000-0000-4000-8000-0000000000b2","type":"Group","displayName":"User Administrators"}]},
             {"id":"Directory_a7e6_0203","activityDateTime":"2026-12-02T10:03:00Z","activityDisplayName":"Add member to group","category":"GroupManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"id":"a7e60000-0000-4000-8000-0000000000b3","type":"Group","displayName":"Partner Admins","modifiedProperties":[]},
                {"id":"a7e60000-0000-4000-8000-0000000000b1","type":"Group","displayName":null}]},
             {"id":"Directory_a7e6_0204","activityDateTime":"2026-12-02T10:04:00Z","activityDisplayName":"Remove member from group","category":"GroupManagement","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"id":"a7e60000-0000-4000-8000-0000000000g1","type":"User","userPrincipalName":"mallory_partner.example#EXT#@contoso.onmicrosoft.com",
                "modifiedProperties":[{"displayName":"Group.DisplayName","oldValue":"\"Tier0 - Global Administrator\"","newValue":null}]}]}]
            """u8), 4);

        Assert.Equal(["group_add", "group_add", "group_add", null], e.Select(x => x.Attr(IdentityAttributes.Change)));
        Assert.Equal(["Tier0 - Global Administrator", "User Administrators", null, null], e.Select(x => x.Attr(IdentityAttributes.TargetRole)));
        Assert.Equal(["true", null, null, "true"], e.Select(x => x.Attr(IdentityAttributes.TargetGuest)));
        Assert.Equal(("mallory@partner.example", "a7e60000-0000-4000-8000-00000000ffff"), (e[0].Attr(IdentityAttributes.TargetUser), e[0].Subject?.Tenant));
    }

    [Fact]
    public void Map_UpdateAuthorizationPolicy_AllowingConsentForRiskyApps_IsItsOwnChange_FalseOrAbsentIsAPolicyChange()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"time":"2026-11-03T09:00:00Z","category":"AuditLogs","operationName":"Update authorization policy","properties":{"id":"Directory_5b1a_0111","activityDateTime":"2026-11-03T09:00:00Z",
              "activityDisplayName":"Update authorization policy","category":"Policy","result":"success","initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"type":"Policy","modifiedProperties":[{"displayName":"AllowUserConsentForRiskyApps","oldValue":"[]","newValue":"[true]"}]}]}},
             {"TimeGenerated":"2026-11-03T09:01:00Z","Type":"AuditLogs","Id":"Directory_5b1a_0112","OperationName":"Update authorization policy","ActivityDisplayName":"Update authorization policy",
              "Category":"Policy","Result":"success","InitiatedBy":"{\"user\":{\"userPrincipalName\":\"it-admin@contoso.example\"}}",
              "TargetResources":"[{\"type\":\"Policy\",\"modifiedProperties\":[{\"displayName\":\"AllowUserConsentForRiskyApps\",\"oldValue\":\"[false]\",\"newValue\":\"[true]\"}]}]"},
             {"id":"Directory_5b1a_0113","activityDateTime":"2026-11-03T09:02:00Z","activityDisplayName":"Update authorization policy","category":"Policy","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"},"app":null},
              "targetResources":[{"type":"Policy","modifiedProperties":[{"displayName":"AllowUserConsentForRiskyApps","oldValue":null,"newValue":"true"}]}]},
             {"id":"Directory_5b1a_0114","activityDateTime":"2026-11-03T09:03:00Z","activityDisplayName":"Update authorization policy","category":"Policy","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"type":"Policy","modifiedProperties":[{"displayName":"AllowUserConsentForRiskyApps","oldValue":"[true]","newValue":"[false]"}]}]},
             {"id":"Directory_5b1a_0115","activityDateTime":"2026-11-03T09:04:00Z","activityDisplayName":"Update authorization policy","category":"Policy","result":"success",
              "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example"}},
              "targetResources":[{"type":"Policy","modifiedProperties":[{"displayName":"AllowUserConsentForRiskyApps","oldValue":null,"newValue":null}]}]}]
            """u8), 5);

        Assert.Equal(["risky_app_consent_allow", "risky_app_consent_allow", "risky_app_consent_allow", "policy_change", "policy_change"],
            e.Select(x => x.Attr(IdentityAttributes.Change)));
    }
}
