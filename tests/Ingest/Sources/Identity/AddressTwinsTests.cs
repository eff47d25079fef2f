namespace ZtStream.Ingest.Tests.Sources.Identity;

/// <summary>
/// A failed sign-in is written three times: for the account, keyed by the address it came from (an IPv6 address's /64),
/// and keyed by its tenant; an administrator's reset or suspension of another user twice: for the user, and keyed by the administrator.
/// </summary>
public sealed class AddressTwinsTests
{
    [Fact]
    public void FailedKeycloakLogin_HasATwinKeyedByItsAddress_NamingTheAccount()
    {
        var failed = KeycloakMapper.Map(TestData.Idp("keycloak", "user-events.json")).Events.First(e => e.Action == "LOGIN_ERROR");

        var twin = AddressTwins.Of(failed);

        Assert.NotNull(twin);
        Assert.Equal("ip:203.0.113.66", twin.PrincipalKey);
        Assert.Equal("anonymous", twin.Subject?.Type);
        Assert.Equal(failed.Subject?.Id, twin.Attr(AddressTwins.Account));
        Assert.Equal(failed.Id, twin.Attr(AddressTwins.TwinOf));
        Assert.Equal(failed.Id + "@address", twin.Id);
        Assert.Equal((failed.Kind, failed.Outcome, failed.Time, failed.Network?.SrcIp), (twin.Kind, twin.Outcome, twin.Time, twin.Network?.SrcIp));
        Assert.Null(twin.Raw);
        Assert.Null(AddressTwins.Of(twin));
    }

    [Fact]
    public void Successes_Interruptions_AddresslessAndAddressPrincipals_HaveNoTwin()
    {
        var okta = OktaMapper.Map(TestData.Idp("okta", "event-hook-delivery.json")).Events;
        Assert.Contains(okta, e => e.Outcome == Outcomes.Success);
        Assert.All(okta.Where(e => e.Outcome == Outcomes.Success), e => Assert.Null(AddressTwins.Of(e)));

        var entra = EntraMapper.Map(TestData.Idp("entra", "signin-records.json")).Events;
        Assert.Contains(entra, e => e.Flag(IdentityAttributes.Interrupted) == true);
        Assert.All(entra.Where(e => e.Flag(IdentityAttributes.Interrupted) == true), e => Assert.Null(AddressTwins.Of(e)));

        var noAddress = new AccessEvent { Id = "x", Time = DateTimeOffset.UnixEpoch, Kind = EventKinds.AuthLogin, Outcome = Outcomes.Denied, Subject = new() { Id = "bob" } };
        Assert.Null(AddressTwins.Of(noAddress));
        Assert.Null(AddressTwins.Of(noAddress with { Subject = new() { Id = "ip:192.0.2.1" }, Network = new() { SrcIp = "192.0.2.1" } }));
        Assert.NotNull(AddressTwins.Of(noAddress with { Network = new() { SrcIp = "192.0.2.1" } }));
    }

    [Fact]
    public void RefusedOpenShiftLogin_HasATwinKeyedByTheAddressTheOAuthServerSaw_NotAForgeableForwardedOne()
    {
        // ORIGIN: the OAuth server's audit lines of TestData/k8s-audit/clusters (openshift-oauth-server.ndjson, see its ORIGIN.md).
        var logins = K8sAuditMapper.Map(TestData.Cluster("openshift-oauth-server.ndjson")).Events;
        var refused = logins.First(e => e.Subject?.Id == "rosa.ng" && e.Outcome == Outcomes.Denied);
        var forwarded = refused with
        {
            Id = "fwd",
            Attributes = new Dictionary<string, JsonElement>(refused.Attributes!)
            {
                ["k8s.source_ips"] = JsonSerializer.SerializeToElement(new[] { "192.0.2.99", "203.0.113.45", "10.128.0.2" }),
            },
        };

        var twin = AddressTwins.Of(refused);
        var forwardedTwin = AddressTwins.Of(forwarded);

        Assert.NotNull(twin);
        Assert.Equal(("ip:10.128.0.2", EventKinds.K8sAudit, "rosa.ng", refused.Id), (twin.PrincipalKey, twin.Kind, twin.Attr(AddressTwins.Account), twin.Attr(AddressTwins.TwinOf)));
        Assert.Null(twin.Attr(AddressTwins.ForwardedFor));
        Assert.Null(twin.Status);
        Assert.NotNull(forwardedTwin);
        Assert.Equal(("ip:10.128.0.2", "203.0.113.45", "10.128.0.2"), (forwardedTwin.PrincipalKey, forwardedTwin.Attr(AddressTwins.ForwardedFor), forwardedTwin.Network?.SrcIp));
        // Allowed logins, a refusal naming no account and the API server's own refusals have none.
        Assert.All(logins.Where(e => e.Outcome != Outcomes.Denied || e.Subject?.Type == "anonymous"), e => Assert.Null(AddressTwins.Of(e)));
        var forbidden = K8sAuditMapper.Map(TestData.K8sTrace("exec_pod.json")).Events.Single() with { Outcome = Outcomes.Denied, Status = 403 };
        Assert.Null(AddressTwins.Of(forbidden));
    }

    [Theory]
    [InlineData("2001:db8:77:1:a:b:c:d", "ip:2001:db8:77:1::/64")]
    [InlineData("2001:db8:77:1::9", "ip:2001:db8:77:1::/64")]
    [InlineData("2a02:1c00:9:ffff::1", "ip:2a02:1c00:9:ffff::/64")]
    [InlineData("198.51.100.7", "ip:198.51.100.7")]
    [InlineData("::ffff:198.51.100.7", "ip:::ffff:198.51.100.7")]
    [InlineData("not-an-address", "ip:not-an-address")]
    public void FailedSignIn_FromIpv6_HasItsAddressTwinKeyedByTheSlash64_KeepingTheAddressItCameFrom(string address, string key)
    {
        var failed = Failed("f1", address);

        var twin = AddressTwins.Of(failed);

        Assert.NotNull(twin);
        Assert.Equal((key, key), (twin.Subject?.Id, twin.PrincipalKey));
        Assert.Equal(address, twin.Network?.SrcIp);
    }

    [Fact]
    public void FailedSignIn_HasATenantTwin_KeyedByTheTenantItNames_NamingTheAccountAndTheNetwork()
    {
        var failed = AuthO();

        var twin = AddressTwins.TenantOf(failed, "auth0-prod");

        Assert.NotNull(twin);
        Assert.Equal(("tenant:acme", "tenant:acme", "anonymous", "acme"), (twin.Subject?.Id, twin.PrincipalKey, twin.Subject?.Type, twin.Subject?.Tenant));
        Assert.Equal(failed.Id + "@tenant", twin.Id);
        Assert.Equal((failed.Subject?.Id, failed.Id, "203.0.113.0/24"), (twin.Attr(AddressTwins.Account), twin.Attr(AddressTwins.TwinOf), twin.Attr(AddressTwins.Network)));
        Assert.Equal((failed.Kind, failed.Outcome, failed.Time, failed.Network?.SrcIp), (twin.Kind, twin.Outcome, twin.Time, twin.Network?.SrcIp));
        Assert.Null(twin.Raw);
        Assert.Null(twin.Token);
        // A twin has no twins of its own.
        Assert.Null(AddressTwins.TenantOf(twin, "auth0-prod"));
        Assert.Null(AddressTwins.Of(twin));
    }

    [Fact]
    public void TenantTwin_OfARecordNamingNoTenant_IsKeyedByTheSource_ElseByTheProvider()
    {
        var failed = Failed("f2", "203.0.113.9");

        Assert.Equal("source:okta-prod", AddressTwins.TenantOf(failed, "okta-prod")?.Subject?.Id);
        Assert.Equal("idp:okta", AddressTwins.TenantOf(failed, null)?.Subject?.Id);
        Assert.Null(AddressTwins.TenantOf(failed with { Attributes = null }, null));
    }

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.0/24")]
    [InlineData("2001:db8:77:1:a:b:c:d", "2001:db8:77::/48")]
    [InlineData("2a02:1c00:9:ffff::1", "2a02:1c00:9::/48")]
    [InlineData("192.0.2.80", "192.0.2.0/24")]
    [InlineData("10.20.30.40", null)]
    [InlineData("100.64.7.9", null)]
    [InlineData("fd00::5", null)]
    [InlineData("127.0.0.1", null)]
    public void TenantTwin_NamesThePublicNetworkItsAddressIsIn_AndNoneForAPrivateOrCarrierNatAddress(string address, string? network)
    {
        var twin = AddressTwins.TenantOf(Failed("f3", address), "okta-prod");

        Assert.NotNull(twin);
        Assert.Equal(network, twin.Attr(AddressTwins.Network));
    }

    [Fact]
    public void Successes_Interruptions_AddresslessRecords_AndRefusedOpenShiftLogins_HaveNoTenantTwin()
    {
        var okta = OktaMapper.Map(TestData.Idp("okta", "event-hook-delivery.json")).Events;
        Assert.All(okta.Where(e => e.Outcome == Outcomes.Success), e => Assert.Null(AddressTwins.TenantOf(e, "okta-prod")));
        var entra = EntraMapper.Map(TestData.Idp("entra", "signin-records.json")).Events;
        Assert.All(entra.Where(e => e.Flag(IdentityAttributes.Interrupted) == true), e => Assert.Null(AddressTwins.TenantOf(e, "entra-prod")));
        Assert.Null(AddressTwins.TenantOf(Failed("f4", "203.0.113.9") with { Network = null }, "okta-prod"));
        var refused = K8sAuditMapper.Map(TestData.Cluster("openshift-oauth-server.ndjson")).Events.First(e => e.Subject?.Id == "rosa.ng" && e.Outcome == Outcomes.Denied);
        Assert.NotNull(AddressTwins.Of(refused));
        Assert.Null(AddressTwins.TenantOf(refused, "openshift"));
    }

    [Fact]
    public void With_WritesTheAddressTwinThenTheTenantTwin_RightAfterTheFailedSignIn()
    {
        var failed = AuthO();
        var success = failed with { Id = "ok", Outcome = Outcomes.Success };

        var events = AddressTwins.With([failed, success]).ToList();

        Assert.Equal([failed.Id, failed.Id + "@address", failed.Id + "@tenant", "ok"], events.Select(e => e.Id));
        Assert.Equal(["ip:203.0.113.9", "tenant:acme"], events.Skip(1).Take(2).Select(e => e.PrincipalKey));
    }

    [Fact]
    public void AdministratorsResetOrSuspensionOfAnotherUser_HasATwinKeyedByTheAdministrator_NamingTheUser()
    {
        var okta = OktaMapper.Map(Encoding.UTF8.GetBytes("""
            [{"uuid":"1d1e0100-0000-4000-8000-000000000001","published":"2024-08-06T09:00:00.000Z","eventType":"user.account.reset_password",
              "actor":{"id":"00u1d1eadmin0001","type":"User","alternateId":"it-admin@acme.example"},"client":{"ipAddress":"203.0.113.81"},
              "outcome":{"result":"SUCCESS"},"target":[{"id":"00u1d1e0001","type":"User","alternateId":"ana@acme.example"}]},
             {"uuid":"1d1e0100-0000-4000-8000-000000000002","published":"2024-08-06T09:01:00.000Z","eventType":"user.lifecycle.suspend",
              "actor":{"id":"00u1d1eadmin0001","type":"User","alternateId":"it-admin@acme.example"},"client":{"ipAddress":"203.0.113.81"},
              "outcome":{"result":"SUCCESS"},"target":[{"id":"00u1d1e0002","type":"User","alternateId":"ben@acme.example"}]},
             {"uuid":"1d1e0100-0000-4000-8000-000000000003","published":"2024-08-06T09:02:00.000Z","eventType":"user.account.reset_password",
              "actor":{"id":"00u1d1e0003","type":"User","alternateId":"cho@acme.example"},"client":{"ipAddress":"203.0.113.82"},
              "outcome":{"result":"SUCCESS"},"target":[{"id":"00u1d1e0003","type":"User","alternateId":"cho@acme.example"}]},
             {"uuid":"1d1e0100-0000-4000-8000-000000000004","published":"2024-08-06T09:03:00.000Z","eventType":"user.account.reset_password",
              "actor":{"id":"00u1d1eadmin0001","type":"User","alternateId":"it-admin@acme.example"},"client":{"ipAddress":"203.0.113.81"},
              "outcome":{"result":"FAILURE","reason":"Insufficient permissions"},"target":[{"id":"00u1d1e0004","type":"User","alternateId":"dev@acme.example"}]},
             {"uuid":"1d1e0100-0000-4000-8000-000000000005","published":"2024-08-06T09:04:00.000Z","eventType":"user.mfa.factor.activate",
              "actor":{"id":"00u1d1eadmin0001","type":"User","alternateId":"it-admin@acme.example"},"client":{"ipAddress":"203.0.113.81"},
              "outcome":{"result":"SUCCESS"},"target":[{"id":"00u1d1e0005","type":"User","alternateId":"eli@acme.example"}]}]
            """)).Events;
        var entra = EntraMapper.Map(Encoding.UTF8.GetBytes("""
            {"records":[
             {"time":"2026-11-04T10:00:00Z","category":"AuditLogs","tenantId":"1d1e0000-aaaa-4000-8000-000000000001","properties":{"id":"Directory_1d1e_0101",
              "activityDisplayName":"Disable account","activityDateTime":"2026-11-04T10:00:00Z","result":"success","category":"UserManagement",
              "initiatedBy":{"user":{"id":"1d1e0000-cccc-4000-8000-000000000001","userPrincipalName":"It-Admin@contoso.example"}},
              "targetResources":[{"id":"1d1e0000-dddd-4000-8000-000000000001","type":"User","userPrincipalName":"ana@contoso.example"}]}},
             {"time":"2026-11-04T10:01:00Z","category":"AuditLogs","tenantId":"1d1e0000-aaaa-4000-8000-000000000001","properties":{"id":"Directory_1d1e_0102",
              "activityDisplayName":"Delete user","activityDateTime":"2026-11-04T10:01:00Z","result":"success","category":"UserManagement","initiatedBy":{},
              "loggedByService":"Core Directory",
              "targetResources":[{"id":"1d1e0000-dddd-4000-8000-000000000002","type":"User","userPrincipalName":"ben@contoso.example"}]}}]}
            """)).Events;

        var reset = AddressTwins.ActorOf(okta[0]);
        var suspended = AddressTwins.ActorOf(okta[1]);
        var disabled = AddressTwins.ActorOf(entra[0]);

        Assert.NotNull(reset);
        Assert.Equal(("it-admin@acme.example", "user", "ana@acme.example", okta[0].Id, okta[0].Id + "@actor"),
            (reset.PrincipalKey, reset.Subject?.Type, reset.Attr(AddressTwins.Account), reset.Attr(AddressTwins.TwinOf), reset.Id));
        Assert.Equal((okta[0].Kind, okta[0].Outcome, okta[0].Time, "reset"), (reset.Kind, reset.Outcome, reset.Time, reset.Attr(IdentityAttributes.Change)));
        Assert.Null(reset.Raw);
        Assert.Null(reset.Token);
        Assert.Null(AddressTwins.ActorOf(reset));
        Assert.Equal(("it-admin@acme.example", "ben@acme.example"), (suspended?.PrincipalKey, suspended?.Attr(AddressTwins.Account)));
        Assert.Equal(("it-admin@contoso.example", "ana@contoso.example"), (disabled?.PrincipalKey, disabled?.Attr(AddressTwins.Account)));
        // A user's own reset, a refused one, a factor enrolled for a user, the directory's own deletion: none.
        Assert.Null(AddressTwins.ActorOf(okta[2]));
        Assert.Null(AddressTwins.ActorOf(okta[3]));
        Assert.Null(AddressTwins.ActorOf(okta[4]));
        Assert.Null(AddressTwins.ActorOf(entra[1]));
        // Nor is any of them a failed sign-in's address or tenant twin.
        Assert.All(okta.Concat(entra), e => Assert.Null(AddressTwins.Of(e)));
        Assert.Equal([okta[0].Id, okta[0].Id + "@actor"], AddressTwins.With([okta[0]]).Select(e => e.Id));
    }

    [Fact]
    public void OktaSessionStartNamingADeviceToken_HasATwinKeyedByTheToken_NamingTheAccount_AndNothingElseDoes()
    {
        // Okta's log stream to EventBridge: the delivery names the org, which the twin keeps as its tenant.
        static string Delivered(int n, string eventType, string user, string outcome, string debugData, string ip = "198.51.100.20") => $$$"""
            {"version":"0","id":"d7f00000-0000-4000-8000-10000000000{{{n}}}","detail-type":"SystemLog","source":"aws.partner/okta.com/acme/ztstream-stream","account":"111122223333","time":"2024-07-09T09:0{{{n}}}:00Z","region":"eu-west-1","resources":[],
             "detail":{"uuid":"d7f00000-0000-4000-8000-00000000000{{{n}}}","published":"2024-07-09T09:0{{{n}}}:00.000Z","eventType":"{{{eventType}}}",
             "actor":{"id":"00ud7f0000000000000{{{n}}}","type":"User","alternateId":"{{{user}}}"},"client":{"ipAddress":"{{{ip}}}"},
             "outcome":{{{outcome}}},"debugContext":{"debugData":{{{debugData}}} } } }
            """;
        const string Token = """{"dtHash":"4f7a2c9e1b3d5f70"}""";
        var okta = OktaMapper.Map(Encoding.UTF8.GetBytes("[" + string.Join(",",
            Delivered(1, "user.session.start", "Ana@acme.example", """{"result":"SUCCESS"}""", Token),
            Delivered(2, "user.session.start", "ben@acme.example", """{"result":"FAILURE","reason":"INVALID_CREDENTIALS"}""", Token),
            Delivered(3, "user.authentication.sso", "ana@acme.example", """{"result":"SUCCESS"}""", Token),
            Delivered(4, "user.session.start", "cho@acme.example", """{"result":"SUCCESS"}""", """{"requestUri":"/api/v1/authn"}""", ip: "198.51.100.21")) + "]")).Events;

        var twin = AddressTwins.DeviceOf(okta[0]);

        Assert.NotNull(twin);
        Assert.Equal(("device:4f7a2c9e1b3d5f70", "anonymous", "acme", "ana@acme.example", okta[0].Id, okta[0].Id + "@device"),
            (twin.PrincipalKey, twin.Subject?.Type, twin.Subject?.Tenant, twin.Attr(AddressTwins.Account), twin.Attr(AddressTwins.TwinOf), twin.Id));
        Assert.Equal((okta[0].Kind, okta[0].Outcome, okta[0].Time, okta[0].Network?.SrcIp), (twin.Kind, twin.Outcome, twin.Time, twin.Network?.SrcIp));
        Assert.Null(twin.Raw);
        Assert.Null(twin.Token);
        Assert.Null(AddressTwins.DeviceOf(twin));
        // A refused sign-in (its address and tenant twins count it), single sign-on inside a session, a record naming no token.
        Assert.Null(AddressTwins.DeviceOf(okta[1]));
        Assert.Null(AddressTwins.DeviceOf(okta[2]));
        Assert.Null(AddressTwins.DeviceOf(okta[3]));
        Assert.Equal([okta[0].Id, okta[0].Id + "@device"], AddressTwins.With([okta[0]]).Select(e => e.Id));
        Assert.Equal([okta[1].Id, okta[1].Id + "@address", okta[1].Id + "@tenant"], AddressTwins.With([okta[1]]).Select(e => e.Id));
    }

    private static AccessEvent Failed(string id, string address) => new()
    {
        Id = id,
        Time = DateTimeOffset.UnixEpoch,
        Kind = EventKinds.AuthLogin,
        Outcome = Outcomes.Denied,
        Subject = new() { Id = "ana@acme.example" },
        Network = new() { SrcIp = address },
        Attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [IdentityAttributes.IdpName] = JsonSerializer.SerializeToElement("okta") },
    };

    private static AccessEvent AuthO() => Assert.Single(Auth0Mapper.Map(Encoding.UTF8.GetBytes(
        """[{"log_id":"90020240507","data":{"date":"2024-05-07T06:00:00.000Z","type":"fp","ip":"203.0.113.9","user_name":"ana@acme.example","user_id":"auth0|d15b00000000000000000001","log_id":"90020240507","tenant_name":"acme"}}]""")).Events);
}
