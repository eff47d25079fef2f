namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// Audit records of applications (category <c>ApplicationManagement</c>) and of the tenant's domains, in the shapes Entra
/// writes them: a diagnostic-settings export (<c>{"records":[…]}</c>, details under <c>properties</c>) and a bare Graph
/// <c>directoryAudit</c>; each modified property's value JSON text (<c>"\"Mail.Read\""</c>). An app role assigned to a
/// service principal is an application permission (Graph's <c>appRoleAssignedTo</c>): its first target the resource API,
/// <c>AppRole.Value</c> the permission, <c>ServicePrincipal.DisplayName</c>/<c>.AppId</c>/<c>.ObjectID</c> the client.
/// </summary>
public sealed class EntraApplicationTests
{
    private const string Admin = """{"user":{"id":"a9900000-0000-4000-8000-0000000000a1","userPrincipalName":"it-admin@contoso.example","ipAddress":"203.0.113.81"}}""";

    private static string P(string name, string value) =>
        $$"""{"displayName":"{{name}}","oldValue":null,"newValue":{{JsonSerializer.Serialize('"' + value + '"')}}}""";

    private static string List(string name, string before, string after) =>
        $$"""{"displayName":"{{name}}","oldValue":{{JsonSerializer.Serialize(before)}},"newValue":{{JsonSerializer.Serialize(after)}}}""";

    private static string Target(string type, string displayName, params string[] properties) =>
        $$"""{"id":"a9900000-0000-4000-8000-0000000000b0","displayName":"{{displayName}}","type":"{{type}}","modifiedProperties":[{{string.Join(',', properties)}}]}""";

    /// <summary>A diagnostic-settings export of one audit record.</summary>
    private static string Exported(string id, string activity, string initiatedBy, params string[] targets) => $$$"""
        {"records":[{"time":"2026-11-02T10:00:00Z","operationName":"{{{activity}}}","category":"AuditLogs","tenantId":"a9900000-0000-4000-8000-00000000ffff","properties":{"id":"Directory_a990_{{{id}}}","category":"ApplicationManagement","result":"success","activityDisplayName":"{{{activity}}}","activityDateTime":"2026-11-02T10:00:00Z","loggedByService":"Core Directory","initiatedBy":{{{initiatedBy}}},"targetResources":[{{{string.Join(',', targets)}}}]}}]}
        """;

    /// <summary>The same record as Microsoft Graph returns it (flat).</summary>
    private static string Bare(string id, string activity, string initiatedBy, params string[] targets) => $$"""
        {"id":"Directory_a990_{{id}}","category":"ApplicationManagement","result":"success","activityDisplayName":"{{activity}}","activityDateTime":"2026-11-02T10:00:00Z","loggedByService":"Core Directory","initiatedBy":{{initiatedBy}},"targetResources":[{{string.Join(',', targets)}}]}
        """;

    private static AccessEvent One(string json) => MapperAssert.MapsOne(EntraMapper.Map(Encoding.UTF8.GetBytes(json)));

    private static string Grant(string value, string client = "Mail Archiver") => Target("ServicePrincipal", "Microsoft Graph",
        P("AppRole.Id", "810c84a8-4a9e-49e6-bf7d-12d183f40d01"), P("AppRole.Value", value), P("AppRole.DisplayName", "Read mail in all mailboxes"),
        P("ServicePrincipal.ObjectID", "a9900000-0000-4000-8000-0000000000c1"), P("ServicePrincipal.DisplayName", client),
        P("ServicePrincipal.AppId", "a9900000-0000-4000-8000-0000000000c2"), P("TargetId.ServicePrincipalNames", "00000003-0000-0000-c000-000000000000"));

    [Fact]
    public void Map_AppRoleAssignmentToServicePrincipal_IsAnApplicationPermissionGrantedLikeAConsent()
    {
        var exported = One(Exported("0001", "Add app role assignment to service principal", Admin, Grant("Mail.Read")));
        MapperAssert.IsChange(exported, EventKinds.AuthAdminChange, "app_consent", "it-admin@contoso.example", null);
        Assert.Equal(["Mail.Read"], exported.List(IdentityAttributes.Scopes));
        Assert.Equal("application", exported.Attr(IdentityAttributes.Consent));
        Assert.Equal("Mail Archiver", exported.Resource?.Id);
        Assert.Null(exported.Attr(IdentityAttributes.TargetRole));

        // Graph's own record, the grant made by an application (an attacker's, holding AppRoleAssignment.ReadWrite.All).
        var bare = One(Bare("0002", "Add app role assignment to service principal", """{"app":{"appId":"a9900000-0000-4000-8000-0000000000d2","displayName":"Deploy Bot","servicePrincipalId":"a9900000-0000-4000-8000-0000000000d1"}}""",
            Grant("RoleManagement.ReadWrite.Directory", "Deploy Bot")));
        MapperAssert.IsChange(bare, EventKinds.AuthAdminChange, "app_consent", "Deploy Bot", null);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, bare.Subject?.Type);
        Assert.Equal(["RoleManagement.ReadWrite.Directory"], bare.List(IdentityAttributes.Scopes));
    }

    [Fact]
    public void Map_AppRoleAssignmentOfAnAdminRole_IsNoDirectoryRoleGrant()
    {
        // An application's own role whose value says "Admin": access to that application, not to the directory.
        var e = One(Exported("0003", "Add app role assignment to service principal", Admin, Grant("Admin", "Ticket Sync")));
        Assert.Equal("app_consent", e.Attr(IdentityAttributes.Change));
        Assert.Equal(["Admin"], e.List(IdentityAttributes.Scopes));
        Assert.Null(e.Attr(IdentityAttributes.TargetRole));
    }

    [Fact]
    public void Map_AppRoleAssignmentMissingItsProperties_IsStillTheGrantOfTheResourceNamed()
    {
        var e = One(Bare("0004", "Add app role assignment to service principal", Admin, """{"id":"a9900000-0000-4000-8000-0000000000e1","displayName":"Microsoft Graph","type":"ServicePrincipal"}"""));
        Assert.Equal("app_consent", e.Attr(IdentityAttributes.Change));
        Assert.Empty(e.List(IdentityAttributes.Scopes));
        Assert.Equal("application", e.Attr(IdentityAttributes.Consent));
        Assert.Equal("Microsoft Graph", e.Resource?.Id);

        // A pipeline that decoded each value into a one-item list.
        var decoded = One(Bare("0005", "Add app role assignment to service principal", Admin, """
            {"id":"a9900000-0000-4000-8000-0000000000e1","displayName":"Microsoft Graph","type":"ServicePrincipal","modifiedProperties":[{"displayName":"AppRole.Value","oldValue":[],"newValue":["Mail.Read"]},{"displayName":"ServicePrincipal.DisplayName","oldValue":[],"newValue":["Mail Archiver"]}]}
            """));
        Assert.Equal(["Mail.Read"], decoded.List(IdentityAttributes.Scopes));
        Assert.Equal("Mail Archiver", decoded.Resource?.Id);
    }

    [Fact]
    public void Map_AppRoleAssignedToAUserAndRemovals_AreTheirOwnChanges()
    {
        var user = """{"id":"a9900000-0000-4000-8000-0000000000f1","displayName":"Sam Lee","type":"User","userPrincipalName":"sam.lee@contoso.example","modifiedProperties":[""" +
            P("AppRole.Value", "Admin") + "," + P("AppRole.DisplayName", "Administrator") + "]}";
        var assigned = One(Exported("0006", "Add app role assignment grant to user", Admin, user));
        MapperAssert.IsChange(assigned, EventKinds.AuthAdminChange, "app_role_assign", "it-admin@contoso.example", null);
        Assert.Equal("sam.lee@contoso.example", assigned.Attr(IdentityAttributes.TargetUser));
        Assert.Equal("Admin", assigned.Attr(IdentityAttributes.TargetRole));

        Assert.Equal("app_role_revoke", One(Exported("0007", "Remove app role assignment from user", Admin, user)).Attr(IdentityAttributes.Change));
        var revoked = One(Bare("0008", "Remove app role assignment from service principal", Admin, Grant("Mail.Read")));
        Assert.Equal("app_role_revoke", revoked.Attr(IdentityAttributes.Change));
        Assert.Empty(revoked.List(IdentityAttributes.Scopes));
    }

    [Fact]
    public void Map_OwnerAdded_NamesTheNewOwnerAndTheApplication()
    {
        var owner = """{"id":"a9900000-0000-4000-8000-0000000000f2","type":"User","userPrincipalName":"dev@contoso.example","modifiedProperties":[""" +
            P("Application.ObjectID", "a9900000-0000-4000-8000-0000000000c3") + "," + P("Application.DisplayName", "payroll-sync") + "]}";
        var application = One(Exported("0009", "Add owner to application", Admin, owner));
        MapperAssert.IsChange(application, EventKinds.AuthAdminChange, "app_owner_add", "it-admin@contoso.example", null);
        Assert.Equal("dev@contoso.example", application.Attr(IdentityAttributes.TargetUser));
        Assert.Equal("payroll-sync", application.Resource?.Id);
        Assert.Equal("application", application.Resource?.Type);

        // Without the owned object's properties, the later target names it.
        var servicePrincipal = One(Bare("0010", "Add owner to service principal", Admin,
            """{"id":"a9900000-0000-4000-8000-0000000000f2","type":"User","userPrincipalName":"dev@contoso.example"}""",
            """{"id":"a9900000-0000-4000-8000-0000000000c4","type":"ServicePrincipal","displayName":"payroll-sync"}"""));
        Assert.Equal("app_owner_add", servicePrincipal.Attr(IdentityAttributes.Change));
        Assert.Equal("payroll-sync", servicePrincipal.Resource?.Id);
        Assert.Equal("serviceprincipal", servicePrincipal.Resource?.Type);
    }

    [Fact]
    public void Map_Credentials_AddedOrRemovedAsTheKeyListSays()
    {
        const string Key1 = "[KeyIdentifier=a9900000-0000-4000-8000-0000000000b1,KeyType=Password,KeyUsage=Verify,DisplayName=ci]";
        const string Key2 = "[KeyIdentifier=a9900000-0000-4000-8000-0000000000b2,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=deploy]";
        string Keys(params string[] keys) => JsonSerializer.Serialize(keys);
        string App(string before, string after) => Target("Application", "payroll-sync", List("KeyDescription", before, after));
        const string Secrets = "Update application – Certificates and secrets management ";

        Assert.Equal("app_credential_change", One(Exported("0011", "Add service principal credentials", Admin, Target("ServicePrincipal", "payroll-sync", List("KeyDescription", "[]", Keys(Key1))))).Attr(IdentityAttributes.Change));
        Assert.Equal("app_credential_change", One(Exported("0012", Secrets, Admin, App(Keys(Key1), Keys(Key1, Key2)))).Attr(IdentityAttributes.Change));
        Assert.Equal("app_credential_remove", One(Bare("0013", Secrets, Admin, App(Keys(Key1, Key2), Keys(Key1)))).Attr(IdentityAttributes.Change));
        Assert.Equal("app_credential_remove", One(Bare("0014", "Remove service principal credentials", Admin, Target("ServicePrincipal", "payroll-sync", List("KeyDescription", Keys(Key1), "[]")))).Attr(IdentityAttributes.Change));
        // A record that does not list the keys cannot say: a change, as before.
        Assert.Equal("app_credential_change", One(Bare("0015", Secrets, Admin, Target("Application", "payroll-sync"))).Attr(IdentityAttributes.Change));
    }

    [Fact]
    public void Map_FederatedIdentityCredentialAdded_IsACredentialOfTheApplication()
    {
        const string Credential = """[{"Name":"deploy","Issuer":"https://token.actions.example.com","Subject":"repo:acme/payroll:ref:refs/heads/main","Audiences":["api://AzureADTokenExchange"]}]""";
        string Update(string activity, string before, string after) =>
            Exported("0016", activity, Admin, Target("Application", "payroll-sync", List("FederatedIdentityCredentials", before, after), P("Included Updated Properties", "FederatedIdentityCredentials")));

        var added = One(Update("Update application", "[]", Credential));
        MapperAssert.IsChange(added, EventKinds.AuthAdminChange, "app_credential_change", "it-admin@contoso.example", null);
        Assert.Equal("payroll-sync", added.Resource?.Id);
        Assert.Equal("app_credential_change", One(Update("Update service principal", "[]", Credential)).Attr(IdentityAttributes.Change));
        Assert.Equal("app_credential_remove", One(Update("Update application", Credential, "[]")).Attr(IdentityAttributes.Change));
        // Any other update of an application is no credential.
        Assert.Equal(EventKinds.IdpEvent, One(Bare("0017", "Update application", Admin, Target("Application", "payroll-sync", P("AppAddress", "https://payroll.example.com/callback")))).Kind);
    }

    [Fact]
    public void Map_DomainFederationAndDomains_TrustChangesAndTheirFirstSteps()
    {
        var domain = """{"id":"a9900000-0000-4000-8000-0000000000d9","displayName":"payroll.example.com","type":"Domain"}""";
        Assert.Equal("idp_change", One(Exported("0018", "Set federation settings on domain", Admin, domain)).Attr(IdentityAttributes.Change));
        Assert.Equal("idp_change", One(Bare("0019", "Set domain authentication", Admin, domain)).Attr(IdentityAttributes.Change));
        Assert.Equal("domain_add", One(Exported("0020", "Add unverified domain", Admin, domain)).Attr(IdentityAttributes.Change));
        Assert.Equal("domain_verify", One(Bare("0021", "Verify domain", Admin, domain)).Attr(IdentityAttributes.Change));
    }
}
