namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// The directory's own operations: Entra ID writes an audit record whose <c>initiatedBy</c> names neither a user nor an
/// application (<c>null</c>, <c>{}</c>, <c>{"user":null,"app":null}</c>, as Microsoft Learn's Azure Monitor audit log
/// schema shows for a PIM policy update). Microsoft Graph's <c>directoryAudit</c> says <c>loggedByService</c> names the
/// service that initiated the activity, and Azure Monitor's record-level <c>identity</c> the token's identity: such a
/// record is that system's, never refused.
/// </summary>
public sealed class EntraAuditInitiatorTests
{
    private static string Audit(string initiatedBy, string extra = "", string activity = "Update policy", string target = """{"id":"5e7a0000-0000-4000-8000-000000000001","displayName":"Default Policy","type":"Policy"}""") => $$"""
        {"id":"Directory_SYS_{{Guid.NewGuid():N}}","category":"Policy","activityDisplayName":"{{activity}}","activityDateTime":"2026-11-30T08:03:46Z",
         "result":"success","operationType":"Update","initiatedBy":{{initiatedBy}},"targetResources":[{{target}}]{{extra}}}
        """;

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("""{"user":null,"app":null}""")]
    [InlineData("""{"user":{"id":null,"displayName":null,"userPrincipalName":null,"ipAddress":null},"app":{"appId":null,"displayName":null,"servicePrincipalId":null}}""")]
    [InlineData("\"{}\"")]
    public void Map_AuditInitiatedByNoUserOrApp_IsTheLoggingServices(string initiatedBy)
    {
        var e = MapperAssert.MapsTo(EntraMapper.Map(Encoding.UTF8.GetBytes(Audit(initiatedBy, ""","loggedByService":"Privileged Identity Management" """))), EventKinds.AuthAdminChange, Outcomes.Success);

        Assert.Equal("Privileged Identity Management", e.Subject?.Id);
        Assert.Equal("system", e.Subject?.Type);
        Assert.Equal("policy_change", e.Attr(IdentityAttributes.Change));
    }

    [Fact]
    public void Map_AuditOfAnAzureMonitorExport_IsTheIdentityTheRecordNames()
    {
        // Microsoft Learn's example: initiatedBy {}, identity "MS-PIM", callerIpAddress "<null>", result 0.
        var body = $$"""
            {"records":[{"time":"2026-11-30T08:03:46.6161822Z","operationName":"Update policy","category":"AuditLogs","tenantId":"7a1c0000-0000-4000-8000-00000000d001",
              "callerIpAddress":"<null>","identity":"MS-PIM","properties":{{Audit("{}", ""","loggedByService":"Core Directory" """)}}},
             {"time":"2026-11-30T08:04:00Z","operationName":"Update user","category":"AuditLogs","identity":"Svc.Sync@Contoso.example",
              "properties":{{Audit("{}", "", "Update user", """{"id":"3c000000-0000-4000-8000-000000000009","type":"User","userPrincipalName":"Noor.Haddad@Contoso.example"}""")}}},
             {"time":"2026-11-30T08:05:00Z","operationName":"Update group","category":"AuditLogs","identity":"NA","properties":{{Audit("null", "", "Update group", """{"id":"9a","type":"Group","displayName":"Ops"}""")}}}]}
            """;

        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(body)), 3);

        Assert.Equal(("MS-PIM", "system"), (e[0].Subject?.Id, e[0].Subject?.Type));
        Assert.Null(e[0].Network);
        // A name with an @ is a user, named as its sign-ins name it; the user it changed is the target.
        Assert.Equal(("svc.sync@contoso.example", "user"), (e[1].Subject?.Id, e[1].Subject?.Type));
        Assert.Equal("noor.haddad@contoso.example", e[1].Attr(IdentityAttributes.TargetUser));
        // "NA" names nobody, and no service is named either: the directory's own.
        Assert.Equal(("Core Directory", "system"), (e[2].Subject?.Id, e[2].Subject?.Type));
    }

    [Fact]
    public void Map_SystemInitiatedChangeToAUser_IsThatUsersWithTheServiceAsActor()
    {
        var record = Audit(
            "null",
            ""","loggedByService":"Core Directory" """,
            "Hard delete user",
            """{"id":"0b6e0000-0000-4000-8000-0000000000a1","type":"User","userPrincipalName":"0b6e00000000400080000000000000a1Amara.Okafor@Contoso.example"}""");

        var e = MapperAssert.MapsTo(EntraMapper.Map(Encoding.UTF8.GetBytes(record)), EventKinds.AuthAccountChange, Outcomes.Success);

        Assert.Equal("amara.okafor@contoso.example", e.Subject?.Id);
        Assert.Equal("deleted", e.Attr(IdentityAttributes.Change));
        Assert.Equal("Core Directory", e.Attr(IdentityAttributes.Actor));
    }

    [Fact]
    public void Map_LogAnalyticsAuditRowWithEmptyInitiator_IsTheLoggingServices()
    {
        var row = """
            {"TimeGenerated":"2026-11-30T08:05:12.1234567Z","Type":"AuditLogs","AADTenantId":"7a1c0000-0000-4000-8000-00000000d001","OperationName":"Update group",
             "Category":"GroupManagement","Result":"success","Identity":"","InitiatedBy":"{\"user\":null,\"app\":null}","LoggedByService":"Core Directory",
             "Id":"Directory_GBL_0003","ActivityDateTime":"2026-11-30T08:05:12.1234567Z","ActivityDisplayName":"Update group",
             "TargetResources":"[{\"id\":\"9a000000-0000-4000-8000-000000000003\",\"displayName\":\"Ingénierie plateforme\",\"type\":\"Group\"}]"}
            """u8;

        var e = MapperAssert.MapsTo(EntraMapper.Map(row), EventKinds.IdpEvent, Outcomes.Success);

        Assert.Equal(("Core Directory", "system"), (e.Subject?.Id, e.Subject?.Type));
        Assert.Equal("7a1c0000-0000-4000-8000-00000000d001", e.Subject?.Tenant);
        Assert.Equal("Ingénierie plateforme", e.Resource?.Id);
    }
}
