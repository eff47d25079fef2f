namespace ZtStream.Ingest.Tests.Sources.Keycloak;

/// <summary>
/// One Keycloak serving several realms, whose usernames name a user within a realm only (docs/sources.md, "Keycloak
/// realms"): keyed by login two realms' <c>admin</c> are one principal; keyed by user id each is its own, and an admin event
/// naming the administrator by id alone lands on the administrator's sign-ins.
/// </summary>
public sealed class KeycloakRealmsTests
{
    private const string Realms = """
        {"id":"r-1","time":1764583203000,"type":"LOGIN","realmId":"master","clientId":"security-admin-console","userId":"5b0e0000-0000-4000-8000-0000000000a1","sessionId":"s-9","ipAddress":"203.0.113.10","details":{"username":"admin"}}
        {"id":"r-2","time":1764583204000,"type":"LOGIN","realmId":"customers","clientId":"shop","userId":"5b0e0000-0000-4000-8000-0000000000c1","sessionId":"s-10","ipAddress":"198.51.100.77","details":{"username":"Admin"}}
        {"id":"r-3","time":1764583205000,"realmId":"customers","authDetails":{"realmId":"master","clientId":"security-admin-console","userId":"5b0e0000-0000-4000-8000-0000000000a1","ipAddress":"203.0.113.10"},"resourceType":"REALM_ROLE_MAPPING","operationType":"CREATE","resourcePath":"users/5b0e0000-0000-4000-8000-0000000000c2/role-mappings/realm","representation":"[{\"name\":\"admin\"}]"}
        """;

    private static IReadOnlyList<AccessEvent> Map(bool byUserId) =>
        MapperAssert.MapsAll(
            KeycloakMapper.Map(Encoding.UTF8.GetBytes(Realms), SourceMapOptions.Default with { SubjectIsUserId = byUserId }),
            EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthAdminChange);

    [Fact]
    public void Map_SameUsernameInTwoRealms_ByLogin_IsOnePrincipal_TheRealmOnlyInTenant()
    {
        var e = Map(byUserId: false);

        Assert.Equal(e[0].PrincipalKey, e[1].PrincipalKey);
        Assert.Equal(("master", "customers"), (e[0].Subject?.Tenant, e[1].Subject?.Tenant));

        // The administrator's admin event names them by id alone: another principal than their sign-ins.
        Assert.NotEqual(e[0].PrincipalKey, e[2].PrincipalKey);
    }

    [Fact]
    public void Map_SameUsernameInTwoRealms_ByUserId_IsTwoPrincipals_AndTheAdminEventIsTheAdministrators()
    {
        var e = Map(byUserId: true);

        Assert.NotEqual(e[0].PrincipalKey, e[1].PrincipalKey);
        Assert.Equal("admin", e[1].Attr(IdentityAttributes.IdpLogin));
        Assert.Equal(e[0].PrincipalKey, e[2].PrincipalKey);
        Assert.Equal("5b0e0000-0000-4000-8000-0000000000c2", e[2].Attr(IdentityAttributes.TargetUser));
    }
}
