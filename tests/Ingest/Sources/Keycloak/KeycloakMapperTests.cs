namespace ZtStream.Ingest.Tests.Sources.Keycloak;

public sealed class KeycloakMapperTests
{
    [Fact]
    public void Map_UserEvents_MapLoginFailureTokensLogoutAndPasswordChange()
    {
        var e = MapperAssert.MapsAll(
            KeycloakMapper.Map(TestData.Idp("keycloak", "user-events.json")),
            EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthTokenIssued, EventKinds.AuthTokenRefreshed, EventKinds.AuthLogout, EventKinds.AuthCredentialChange);

        var login = e[0];
        MapperAssert.IsSignIn(login, "alice", "6e1c0f5a-2b3d-4e8f-9a7b-c6d5e4f3a2b1", srcIp: "198.51.100.12", tenant: "acme", clientId: "billing-web");
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1714644000000), login.Time);
        Assert.Equal("3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b", login.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("LOGIN", login.Attr(IdentityAttributes.IdpEventType));
        Assert.StartsWith("kc-", login.Id, StringComparison.Ordinal);

        MapperAssert.IsRefusedSignIn(e[1], "alice", resultCode: "invalid_user_credentials");

        // An unknown user is still a principal: the name that was tried.
        MapperAssert.IsRefusedSignIn(e[2], "admin", resultCode: "user_not_found");

        Assert.Equal("6e1c0f5a-2b3d-4e8f-9a7b-c6d5e4f3a2b1", e[4].Token?.SessionId);
        Assert.Equal("update", e[6].Attr(IdentityAttributes.Change));
        Assert.Equal("password", e[6].Attr(IdentityAttributes.Factor));
        Assert.Equal("kc-c0ffee00-1234-4abc-8def-0123456789ab", e[6].Id);
    }

    /// <summary>
    /// The account console's consents (its REST API: GRANT_CONSENT when the consent is new, UPDATE_CONSENT when changed)
    /// are the user's consent to an application, as Entra's and Okta's are; a refused one is GRANT_CONSENT_ERROR.
    /// </summary>
    [Fact]
    public void Map_AccountConsoleConsents_AppConsentOfTheUser()
    {
        var body = """
            [{"time":1722762100000,"type":"GRANT_CONSENT","realmId":"acme","clientId":"account-console","userId":"c0a5c0a5-1111-4222-8333-444455556666","ipAddress":"198.51.100.75","details":{"username":"alice"}},
             {"time":1722762150000,"type":"UPDATE_CONSENT","realmId":"acme","clientId":"account-console","userId":"c0a5c0a5-1111-4222-8333-444455556666","ipAddress":"198.51.100.75","details":{"username":"alice"}},
             {"time":1722762300000,"type":"GRANT_CONSENT_ERROR","realmId":"acme","clientId":"account-console","userId":"c0a5c0a5-1111-4222-8333-444455556666","ipAddress":"198.51.100.75","details":{"username":"alice"},"error":"consent_denied"}]
            """;

        var e = MapperAssert.MapsAll(KeycloakMapper.Map(Encoding.UTF8.GetBytes(body)), EventKinds.AuthAdminChange, EventKinds.AuthAdminChange, EventKinds.AuthAdminChange);

        Assert.All(e, x => MapperAssert.IsChange(x, EventKinds.AuthAdminChange, "app_consent", "alice", null));
        Assert.Equal([Outcomes.Success, Outcomes.Success, Outcomes.Denied], e.Select(x => x.Outcome));
    }

    [Fact]
    public void Map_EventsWithoutId_KeepTheSameDerivedIdWhenDeliveredAgain()
    {
        MapperAssert.SameIdsWhenDeliveredAgain(() => KeycloakMapper.Map(TestData.Idp("keycloak", "user-events.json")));
    }

    [Fact]
    public void Map_AdminEvents_MapRoleGrantDisableAndPasswordReset()
    {
        var e = MapperAssert.MapsAll(KeycloakMapper.Map(TestData.Idp("keycloak", "admin-events.json")), 3);

        MapperAssert.IsRoleGrant(
            e[0], actor: "a0a0a0a0-1111-4222-8333-444455556666", targetUser: "3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b", role: "realm-admin", srcIp: "192.0.2.5", eventType: "REALM_ROLE_MAPPING:CREATE");
        // The user's own events name them "bob": the disable lands on the same principal, the id kept beside it.
        MapperAssert.IsChange(e[1], EventKinds.AuthAccountChange, "disabled", subject: "bob", actor: "a0a0a0a0-1111-4222-8333-444455556666");
        Assert.Equal("5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716", e[1].Attr(IdentityAttributes.IdpUserId));

        Assert.Equal(EventKinds.AuthCredentialChange, e[2].Kind);
        Assert.Equal("reset", e[2].Attr(IdentityAttributes.Change));
    }

    [Fact]
    public void Map_ThirdPartyEvents_MapRecentVersionsAndTheWebhookBody()
    {
        var e = MapperAssert.MapsAll(KeycloakMapper.Map(TestData.Idp("keycloak", "third-party-events.ndjson")), 8);

        // An event of a version without ids keeps a derived one; its details carry the newer auth-session members.
        MapperAssert.IsSignIn(e[0], "dana", "5a000000-0000-4000-8000-000000000001", srcIp: "198.51.100.120", clientId: "account-console");
        Assert.StartsWith("kc-", e[0].Id, StringComparison.Ordinal);
        Assert.Equal("7a000000-0000-4000-8000-000000000001", e[0].Attr(IdentityAttributes.IdpUserId));

        MapperAssert.IsRefusedSignIn(e[1], "admin", resultCode: "user_not_found");
        MapperAssert.IsRefusedSignIn(e[2], "dana", resultCode: "invalid_user_credentials", failureReason: "Invalid password");
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[3].Subject?.Type);
        Assert.Equal("service-account-billing-batch", e[3].Subject?.Id);

        // The webhook's access.-typed body with an ISO time; an OTP credential makes the login an MFA step.
        Assert.Equal(EventKinds.AuthMfa, e[4].Kind);
        Assert.Equal(new DateTimeOffset(2024, 5, 2, 9, 0, 4, TimeSpan.Zero), e[4].Time);

        // An administrator disabling dana: dana's principal, not her id, so her sessions are the ones it ends.
        MapperAssert.IsChange(e[5], EventKinds.AuthAccountChange, "disabled", subject: "dana", actor: "admin");
        Assert.Equal("7a000000-0000-4000-8000-000000000001", e[5].Attr(IdentityAttributes.IdpUserId));

        // authDetails as Keycloak writes it (no username): the administrator is named by id.
        MapperAssert.IsRoleGrant(e[6], actor: "8b000000-0000-4000-8000-000000000001", targetUser: "7a000000-0000-4000-8000-000000000001", role: "admin", srcIp: "192.0.2.51");
        MapperAssert.IsChange(e[7], EventKinds.AuthCredentialChange, "update", "dana", actor: null);
    }

    [Fact]
    public void Map_ARoutineUserUpdate_IsAnUpdateNotADisable()
    {
        var body = """{"time":1714652100000,"realmId":"acme","authDetails":{"userId":"adm"},"operationType":"UPDATE","resourceType":"USER","resourcePath":"users/u-7","representation":"{\"id\":\"u-7\",\"firstName\":\"Bo\",\"enabled\":true}"}"""u8;

        var e = Assert.Single(KeycloakMapper.Map(body).Events);

        Assert.Equal(EventKinds.AuthAccountChange, e.Kind);
        Assert.Equal("update", e.Attr(IdentityAttributes.Change));
        Assert.Equal("u-7", e.Subject?.Id);
    }

    /// <summary>
    /// Keycloak's <c>DELETE /admin/realms/R/sessions/ID</c> event names the session in its path and the administrator in
    /// <c>authDetails</c>, never the session's user: it is the administrator's action, not a revocation of the
    /// administrator's sessions.
    /// </summary>
    [Theory]
    [InlineData("""{"time":1714652100000,"realmId":"acme","authDetails":{"realmId":"master","clientId":"security-admin-console","userId":"adm-1","ipAddress":"192.0.2.5"},"operationType":"DELETE","resourceType":"USER_SESSION","resourcePath":"sessions/5a000000-0000-4000-8000-00000000000a"}""")]
    [InlineData("""{"time":1714652100000,"realmId":"acme","authDetails":{"userId":"adm-1"},"operationType":"DELETE","resourceType":"USER_SESSION","resourcePath":"sessions/5a000000-0000-4000-8000-00000000000a","representation":"{\"offline\":false}"}""")]
    [InlineData("""{"time":"2024-05-02T12:15:00Z","type":"admin.USER_SESSION-DELETE","realmId":"acme","authDetails":{"userId":"adm-1","username":"adm-1"},"resourcePath":"sessions/5a000000-0000-4000-8000-00000000000a"}""")]
    public void Map_AnAdministratorDeletingOneSession_IsTheAdministratorsChangeNotARevocationOfTheirSessions(string record)
    {
        var e = Assert.Single(KeycloakMapper.Map(Encoding.UTF8.GetBytes(record)).Events);

        Assert.Equal(EventKinds.AuthAdminChange, e.Kind);
        Assert.Equal("session_revoke", e.Attr(IdentityAttributes.Change));
        Assert.Equal("adm-1", e.Subject?.Id);
        Assert.Equal("sessions/5a000000-0000-4000-8000-00000000000a", e.Resource?.Id);
    }

    [Fact]
    public void Map_WebhookExtensionLines_ReadPrefixedTypesUidAndAuthDetails()
    {
        var e = MapperAssert.MapsAll(KeycloakMapper.Map(TestData.Idp("keycloak", "webhook.ndjson")), EventKinds.AuthLogin, EventKinds.AuthAdminChange);

        Assert.Equal("kc-4a3b2c1d-0e9f-4a8b-9c7d-6e5f4a3b2c1d", e[0].Id);
        Assert.Equal("8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d", e[0].Token?.SessionId);
        Assert.Equal("kc-admin", e[1].Subject?.Id);
        Assert.Equal("manage-users", e[1].Attr(IdentityAttributes.TargetRole));
    }

    [Fact]
    public void Map_OtpFailure_IsAnMfaFailureNotAWrongPassword()
    {
        var body = """{"time":1714644000000,"type":"LOGIN_ERROR","realmId":"r","userId":"u1","error":"invalid_user_credentials","details":{"username":"zoe","credential_type":"otp"}}"""u8;

        var e = Assert.Single(KeycloakMapper.Map(body).Events);

        Assert.Equal(EventKinds.AuthMfa, e.Kind);
        Assert.Equal("failure", e.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("otp", e.Attr(IdentityAttributes.Factor));
    }

    [Fact]
    public void Map_BruteForceLockout_IsAnAccountLockWithTheFinding()
    {
        var body = """{"time":"2025-03-01T12:00:00Z","type":"USER_DISABLED_BY_TEMPORARY_LOCKOUT","realmId":"r","userId":"u1"}"""u8;

        var e = Assert.Single(KeycloakMapper.Map(body).Events);

        Assert.Equal(EventKinds.AuthAccountChange, e.Kind);
        Assert.Equal("locked", e.Attr(IdentityAttributes.Change));
        Assert.Equal(["brute_force"], e.List(IdentityAttributes.IdpRiskEvents));
    }

    [Fact]
    public void Map_TokenResponses_TheIssuedAccessTokenIsTheEventsJti()
    {
        var e = MapperAssert.MapsAll(
            KeycloakMapper.Map(TestData.Idp("keycloak", "token-responses.ndjson")),
            EventKinds.AuthTokenIssued, EventKinds.AuthTokenRefreshed, EventKinds.AuthLogin, EventKinds.AuthTokenRefreshed, EventKinds.AuthTokenIssued);

        // details.token_id is the access token's id (Keycloak's AccessTokenResponseBuilder), the jti the token carries;
        // a refresh names the new one, not the refresh token it spent.
        Assert.Equal(
            [
                ("3c4d5e6f-9999-4aaa-8bbb-cccc00000001", "9d8c7b6a-5555-4666-8777-8888bbbb0001", "ledger-web"),
                ("7e8f9a0b-9999-4aaa-8bbb-cccc00000002", "9d8c7b6a-5555-4666-8777-8888bbbb0001", "ledger-web"),
                ("2d3e4f50-9999-4aaa-8bbb-cccc00000003", null, "report-job"),
                // A refused refresh issued nothing: no jti, and the refresh token it presented is not taken for one.
                (null, null, "ledger-web"),
                ("4a5b6c7d-9999-4aaa-8bbb-cccc00000005", "9d8c7b6a-5555-4666-8777-8888bbbb0001", "gateway"),
            ],
            e.Select(x => (x.Token?.Jti, x.Token?.SessionId, x.Token?.ClientId)));
        Assert.Equal(("service-account-report-job", "service_account"), (e[2].Subject?.Id, e[2].Subject?.Type));
        Assert.Equal(Outcomes.Denied, e[3].Outcome);
    }

    [Fact]
    public void Map_EventsWithoutTokenId_HaveNoJti()
    {
        var e = MapperAssert.MapsAll(KeycloakMapper.Map(TestData.Idp("keycloak", "user-events.json")), 7);

        Assert.Equal(
            [null, null, null, "f0e1d2c3-b4a5-4697-8877-665544332211", "aa00bb11-cc22-4d33-8e44-ff5566778899", null, null],
            e.Select(x => x.Token?.Jti));
    }

    [Fact]
    public void Map_BadEvents_AreReportedWithIndexAndField()
    {
        var body = Encoding.UTF8.GetBytes("""
            [{"type":"LOGIN","realmId":"r","userId":"u"},
             {"time":1714644000000,"realmId":"r","userId":"u"},
             {"time":true,"type":"LOGIN","userId":"u"},
             {"time":1714644000000,"type":"LOGIN","realmId":"r"},
             {"time":1714644000000,"type":"LOGIN","realmId":"r","userId":"u"}]
            """);

        MapperAssert.Rejects(KeycloakMapper.Map(body), mapped: [4], (0, "time"), (1, "type"), (2, "time"), (3, "$"));
    }

    [Fact]
    public void Map_AnAddressFieldHoldingAForwardedForChain_TakesTheClientAndKeepsTheChain()
    {
        var events = MapperAssert.MapsAll(KeycloakMapper.Map(TestData.Idp("keycloak", "forwarded-for.ndjson")), 3);

        // The rightmost public address: what the client wrote at the left of the chain (192.0.2.250) is not believed.
        Assert.Equal(["203.0.113.88", "203.0.113.88", "192.168.1.106"], events.Select(e => e.Network?.SrcIp));
        Assert.Equal("203.0.113.88, 10.42.0.15", events[0].Attr(IdentityAttributes.NetForwardedFor));
        Assert.Equal("192.0.2.250, 203.0.113.88, 10.42.0.15", events[1].Attr(IdentityAttributes.NetForwardedFor));
        // Unix milliseconds written as text.
        Assert.Equal(new DateTimeOffset(2025, 11, 30, 10, 0, 1, TimeSpan.Zero), events[1].Time);

        // The two failures meet on the address's principal, as failures from one address must for the spraying rules.
        var twins = AddressTwins.With(events).Where(e => e.Attr(AddressTwins.TwinOf) is not null && e.Id.EndsWith("@address", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ip:203.0.113.88", "ip:203.0.113.88"], twins.Select(t => t.Subject?.Id));
        Assert.Equal(["chen.wei", "dana.kowalski"], twins.Select(t => t.Attr(AddressTwins.Account)));
    }

    /// <summary>
    /// Keycloak stores a username in lower case and finds the user whatever the case it is typed in, but its events carry the
    /// name as typed (<c>details.username</c> of a login, <c>authDetails</c> of an admin event): each is one principal.
    /// </summary>
    [Fact]
    public void Map_UsernamesTypedInAnyCase_AreOnePrincipal()
    {
        var body = """
            {"id":"e1","time":1796026800000,"type":"LOGIN_ERROR","realmId":"corp","clientId":"ledger-web","userId":"7a01","ipAddress":"198.51.100.130","error":"invalid_user_credentials","details":{"username":"Dana.Kowalski"}}
            {"id":"e2","time":1796026810000,"type":"LOGIN","realmId":"corp","clientId":"ledger-web","userId":"7a01","sessionId":"s2","ipAddress":"198.51.100.130","details":{"username":"DANA.KOWALSKI"}}
            {"id":"e3","time":1796026820000,"type":"UPDATE_CREDENTIAL","realmId":"corp","userId":"7a01","sessionId":"s2","details":{"credential_type":"otp","username":"dana.kowalski"}}
            {"id":"a4","time":1796026830000,"realmId":"corp","authDetails":{"realmId":"corp","userId":"ad01","username":"Helpdesk.Øyvind","ipAddress":"2001:db8:9::3"},"operationType":"UPDATE","resourceType":"USER","resourcePath":"users/7a01","representation":"{\"username\":\"Dana.Kowalski\",\"enabled\":false}"}
            """u8;

        var e = MapperAssert.MapsAll(KeycloakMapper.Map(body), EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthCredentialChange, EventKinds.AuthAccountChange);

        Assert.All(e, x => Assert.Equal("dana.kowalski", x.Subject?.Id));
        Assert.Equal("helpdesk.øyvind", e[3].Attr(IdentityAttributes.Actor));
        Assert.Equal("disabled", e[3].Attr(IdentityAttributes.Change));
    }

    /// <summary>Java writes an IPv6 client in full and a link-local one with its interface: the address in its shortest form.</summary>
    [Fact]
    public void Map_AddressesAsJavaWritesThem_AreTheShortestForm()
    {
        var body = """
            [{"id":"e5","time":1796026840000,"type":"LOGIN","realmId":"corp","userId":"7a02","ipAddress":"0:0:0:0:0:0:0:1","details":{"username":"ren"}},
             {"id":"e6","time":1796026850000,"type":"LOGIN","realmId":"corp","userId":"7a02","ipAddress":"fe80:0:0:0:0:0:0:1%1","details":{"username":"ren"}}]
            """u8;

        var e = MapperAssert.MapsAll(KeycloakMapper.Map(body), 2);

        Assert.Equal(["::1", "fe80::1"], e.Select(x => x.Network?.SrcIp));
    }

    /// <summary>
    /// A new e-mail address is where the next password-reset link goes: UPDATE_EMAIL, and an older Keycloak's UPDATE_PROFILE
    /// that names the new address, are an account change; a profile update that left the address alone stays a provider event.
    /// </summary>
    [Fact]
    public void Map_EmailChanged_IsAnEmailUpdate()
    {
        var body = """
            {"id":"pe1","time":1796026800000,"type":"UPDATE_EMAIL","realmId":"corp","clientId":"account-console","userId":"7a01","sessionId":"s9","ipAddress":"198.51.100.7","details":{"username":"dana","previous_email":"dana@example.com","updated_email":"dana@example.net"}}
            {"id":"pe2","time":1796026810000,"type":"UPDATE_PROFILE","realmId":"corp","clientId":"account-console","userId":"7a01","sessionId":"s9","ipAddress":"198.51.100.7","details":{"username":"dana","previous_email":"dana@example.net","updated_email":"dana@example.org"}}
            {"id":"pe3","time":1796026820000,"type":"UPDATE_PROFILE","realmId":"corp","clientId":"account-console","userId":"7a01","sessionId":"s9","ipAddress":"198.51.100.7","details":{"username":"dana","previous_first_name":"Dana","updated_first_name":"Dane"}}
            {"id":"pe4","time":1796026830000,"type":"UPDATE_EMAIL_ERROR","realmId":"corp","clientId":"account-console","userId":"7a01","sessionId":"s9","ipAddress":"198.51.100.7","error":"email_in_use","details":{"username":"dana"}}
            """u8;

        var e = MapperAssert.MapsAll(KeycloakMapper.Map(body), EventKinds.AuthAccountChange, EventKinds.AuthAccountChange, EventKinds.IdpEvent, EventKinds.AuthAccountChange);

        MapperAssert.IsChange(e[0], EventKinds.AuthAccountChange, "email_update", "dana", actor: null);
        MapperAssert.IsChange(e[1], EventKinds.AuthAccountChange, "email_update", "dana", actor: null);
        Assert.Equal("s9", e[0].Token?.SessionId);
        Assert.Equal(Outcomes.Success, e[0].Outcome);
        Assert.Equal(Outcomes.Denied, e[3].Outcome);
    }
}
