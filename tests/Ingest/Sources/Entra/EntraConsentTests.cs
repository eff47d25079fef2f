namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// "Consent to application" audit records say what was granted in the target service principal's modified properties,
/// each value JSON-encoded: <c>ConsentContext.IsAdminConsent</c>, <c>.IsAppOnly</c>, <c>.OnBehalfOfAll</c>, and
/// <c>ConsentAction.Permissions</c>, the delegated grants before and after (<c>[old] => [new]</c>, each grant
/// <c>[Id: …, ConsentType: Principal|AllPrincipals, Scope: …, …]</c>) — the shape Entra's audit log writes (Microsoft's
/// app consent investigation playbook; Splunk's and SigmaHQ's consent detections read the same properties).
/// </summary>
public sealed class EntraConsentTests
{
    [Fact]
    public void Map_ConsentToApplication_ScopesItAddedAndWhomItCovers()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(string.Join('\n',
            Consent("c0a5-01", "False", "False", "[] => [" + Grant("g1", "Principal", " Mail.Read Mail.Send offline_access User.Read") + "]; "),
            Consent("c0a5-02", "True", "True", "[] => [" + Grant("g2", "AllPrincipals", "openid profile") + "]; "),
            Consent("c0a5-03", "False", "False", "[" + Grant("g3", "Principal", "Mail.Read User.Read") + "] => [" + Grant("g3", "Principal", "Mail.Read User.Read profile") + "]; "),
            Consent("c0a5-04", "True", "False", "[" + Grant("g4", "AllPrincipals", "User.Read") + "] => [" + Grant("g4", "AllPrincipals", "User.Read") + ", " + Grant("g5", "Principal", "Files.Read.All") + "]; ")))),
            4);

        Assert.All(e, x => MapperAssert.IsChange(x, EventKinds.AuthAdminChange, "app_consent", "sam.lee@contoso.example", null));
        Assert.Equal(["Mail.Read", "Mail.Send", "offline_access", "User.Read"], e[0].List(IdentityAttributes.Scopes));
        Assert.Equal("user", e[0].Attr(IdentityAttributes.Consent));
        Assert.Equal(["openid", "profile"], e[1].List(IdentityAttributes.Scopes));
        Assert.Equal("all_users", e[1].Attr(IdentityAttributes.Consent));
        // Re-consenting to scopes already held grants only what the new side adds.
        Assert.Equal(["profile"], e[2].List(IdentityAttributes.Scopes));
        // An administrator consenting for themselves beside a tenant-wide grant they did not change: their own.
        Assert.Equal(["Files.Read.All"], e[3].List(IdentityAttributes.Scopes));
        Assert.Equal("user", e[3].Attr(IdentityAttributes.Consent));
    }

    private static string Grant(string id, string type, string scope) =>
        $"[Id: {id}, ClientId: 7f3a0000-0000-4000-8000-00000000c0a5, PrincipalId: , ResourceId: 2d4c0000-0000-4000-8000-00000000c0a5, ConsentType: {type}, Scope: {scope}, CreatedDateTime: , LastModifiedDateTime ]";

    private static string Consent(string id, string admin, string all, string permissions)
    {
        // Entra writes each value as JSON text ("\"True\""), as it is, not escaped a second time.
        static string Property(string name, string value) =>
            $$"""{"displayName":"{{name}}","oldValue":null,"newValue":{{JsonSerializer.Serialize('"' + value + '"')}}}""";
        return $$$"""
            {"time":"2024-08-01T09:00:00Z","operationName":"Consent to application","category":"AuditLogs","properties":{"id":"Directory_{{{id}}}","category":"ApplicationManagement","result":"success","activityDisplayName":"Consent to application","activityDateTime":"2024-08-01T09:00:00Z","initiatedBy":{"user":{"id":"c6d00000-0000-4000-8000-0000000000a1","userPrincipalName":"sam.lee@contoso.example","ipAddress":"203.0.113.71"}},"targetResources":[{"id":"7f3a0000-0000-4000-8000-00000000c0a5","displayName":"MailSafe Archiver","type":"ServicePrincipal","modifiedProperties":[{{{Property("ConsentContext.IsAdminConsent", admin)}}},{{{Property("ConsentContext.IsAppOnly", "False")}}},{{{Property("ConsentContext.OnBehalfOfAll", all)}}},{{{Property("ConsentAction.Permissions", permissions)}}}]}]}}
            """.Replace("\n", "", StringComparison.Ordinal);
    }
}
