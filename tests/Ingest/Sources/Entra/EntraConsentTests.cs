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

    /// <summary>
    /// "Add delegated permission grant": what a consent writes beside its own record and all Graph's
    /// <c>POST /oauth2PermissionGrants</c> writes. The first target is the API (Microsoft Graph); the client is
    /// <c>ServicePrincipal.ObjectID</c>; <c>DelegatedPermissionGrant.Scope</c> before and after, JSON text, decoded to text
    /// or a one-item list by some pipelines.
    /// </summary>
    [Fact]
    public void Map_AddDelegatedPermissionGrant_IsAConsentToTheScopesItAdded_ForTheClient()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(string.Join('\n',
            DelegatedGrant("d1a7-01", "null", "\"\\\" openid Mail.Read User.Read\\\"\"", "\"\\\"Principal\\\"\""),
            DelegatedGrant("d1a7-02", "\"\\\" openid Mail.Read\\\"\"", "\"\\\" openid Mail.Read offline_access\\\"\"", "\"\\\"Principal\\\"\""),
            DelegatedGrant("d1a7-03", "null", "\" User.Read Files.ReadWrite.All\"", "\"AllPrincipals\""),
            DelegatedGrant("d1a7-04", "null", "[\" Directory.Read.All\"]", "[\"Principal\"]")))),
            4);

        Assert.All(e, x => MapperAssert.IsChange(x, EventKinds.AuthAdminChange, "app_consent", "it-admin@contoso.example", null));
        Assert.All(e, x => Assert.Equal("serviceprincipal", x.Resource?.Type));
        Assert.All(e, x => Assert.Equal("d1a70000-0000-4000-8000-0000000000c1", x.Resource?.Id));
        Assert.Equal(["openid", "Mail.Read", "User.Read"], e[0].List(IdentityAttributes.Scopes));
        Assert.Equal("user", e[0].Attr(IdentityAttributes.Consent));
        // A grant widened: only the scope the new value adds was granted.
        Assert.Equal(["offline_access"], e[1].List(IdentityAttributes.Scopes));
        Assert.Equal(["User.Read", "Files.ReadWrite.All"], e[2].List(IdentityAttributes.Scopes));
        Assert.Equal("all_users", e[2].Attr(IdentityAttributes.Consent));
        Assert.Equal(["Directory.Read.All"], e[3].List(IdentityAttributes.Scopes));
    }

    /// <summary>
    /// A consent in the portal: "Consent to application" and "Add delegated permission grant" under one correlation id, by
    /// one user, for one client (the consent's target, the grant's <c>ServicePrincipal.ObjectID</c>): one id, so the
    /// Verifier reads the pair as one consent; each record's own id stays in <c>entra.record_id</c>. Another correlation,
    /// another client or another user is another consent.
    /// </summary>
    [Theory]
    [InlineData("a7e5c0de-0000-4000-8000-00000000c0f1", "7f3a0000-0000-4000-8000-00000000c0a5", "sam.lee@contoso.example", true)]
    [InlineData("A7E5C0DE-0000-4000-8000-00000000C0F1", "7F3A0000-0000-4000-8000-00000000C0A5", "Sam.Lee@Contoso.example", true)]
    [InlineData("a7e5c0de-0000-4000-8000-00000000c0f2", "7f3a0000-0000-4000-8000-00000000c0a5", "sam.lee@contoso.example", false)]
    [InlineData("a7e5c0de-0000-4000-8000-00000000c0f1", "7f3a0000-0000-4000-8000-00000000c0b6", "sam.lee@contoso.example", false)]
    [InlineData("a7e5c0de-0000-4000-8000-00000000c0f1", "7f3a0000-0000-4000-8000-00000000c0a5", "ana.ruiz@contoso.example", false)]
    public void Map_ConsentAndItsGrant_OneIdWhenTheySayTheSameConsent(string grantCorrelation, string grantClient, string grantActor, bool same)
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(string.Join('\n',
            PortalConsent("a7e5c0de-0000-4000-8000-00000000c0f1"),
            PortalGrant(grantCorrelation, grantClient, grantActor)))), 2);

        Assert.Equal(same, e[0].Id == e[1].Id);
        Assert.Equal(("Directory_c0f1_consent", "Directory_c0f1_grant"), (e[0].Attr(EntraMapper.RecordIdAttribute), e[1].Attr(EntraMapper.RecordIdAttribute)));
        Assert.All(e, x => Assert.Matches("^entra-[0-9a-f]{32}$", x.Id));
    }

    [Fact]
    public void Map_ConsentRecordsWithoutACorrelationId_KeepTheirOwnIds()
    {
        var consent = JsonNode.Parse(PortalConsent("a7e5c0de-0000-4000-8000-00000000c0f1"))!;
        consent["properties"]!.AsObject().Remove("correlationId");

        var e = MapperAssert.MapsOne(EntraMapper.Map(Encoding.UTF8.GetBytes(consent.ToJsonString())));

        Assert.Equal(("Directory_c0f1_consent", null), (e.Id, e.Attr(EntraMapper.RecordIdAttribute)));
    }

    /// <summary>TestData/entra/portal-consent.ndjson: a consent in the portal (its two records), and a grant straight through Graph.</summary>
    private static string[] PortalLines() => File.ReadAllLines(TestData.Path("entra", "portal-consent.ndjson"));

    private static string PortalConsent(string correlation)
    {
        var consent = JsonNode.Parse(PortalLines()[0])!;
        consent["properties"]!["correlationId"] = correlation;
        return consent.ToJsonString();
    }

    private static string PortalGrant(string correlation, string client, string actor)
    {
        var grant = JsonNode.Parse(PortalLines()[1])!;
        grant["properties"]!["correlationId"] = correlation;
        grant["properties"]!["initiatedBy"]!["user"]!["userPrincipalName"] = actor;
        grant["properties"]!["targetResources"]![0]!["modifiedProperties"]![2]!["newValue"] = $"\"{client}\"";
        return grant.ToJsonString();
    }

    private static string DelegatedGrant(string id, string oldScope, string newScope, string consentType) => $$$"""
        {"time":"2026-12-01T10:10:00Z","operationName":"Add delegated permission grant","category":"AuditLogs","properties":{"id":"Directory_{{{id}}}","category":"ApplicationManagement","result":"success","activityDisplayName":"Add delegated permission grant","activityDateTime":"2026-12-01T10:10:00Z","loggedByService":"Core Directory","initiatedBy":{"user":{"id":"d1a70000-0000-4000-8000-0000000000a1","userPrincipalName":"it-admin@contoso.example","ipAddress":"203.0.113.82"}},"targetResources":[{"id":"d1a70000-0000-4000-8000-0000000000e1","displayName":"Microsoft Graph","type":"ServicePrincipal","modifiedProperties":[{"displayName":"DelegatedPermissionGrant.Scope","oldValue":{{{oldScope}}},"newValue":{{{newScope}}}},{"displayName":"DelegatedPermissionGrant.ConsentType","oldValue":null,"newValue":{{{consentType}}}},{"displayName":"ServicePrincipal.ObjectID","oldValue":null,"newValue":"\"d1a70000-0000-4000-8000-0000000000c1\""},{"displayName":"ServicePrincipal.DisplayName","oldValue":null,"newValue":null}]}]}}
        """.Replace("\n", "", StringComparison.Ordinal);

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
