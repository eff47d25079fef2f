namespace ZtStream.Ingest.Tests.Sources.Auth0;

public sealed class Auth0MapperTests
{
    [Fact]
    public void Map_LogStreamArray_MapsLoginsMfaTokensAdminAndAnomalies()
    {
        var e = MapperAssert.MapsAll(
            Auth0Mapper.Map(TestData.Idp("auth0", "log-stream.json")),
            EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthMfa, EventKinds.AuthMfa, EventKinds.AuthMfa, EventKinds.AuthTokenIssued, EventKinds.AuthAdminChange, EventKinds.AuthRisk, EventKinds.AuthRisk);

        var login = e[0];
        MapperAssert.IsSignIn(
            login, "ana@acme.example", "uhE1mG5T7oTQ0n7LuW1XYvb8", srcIp: "198.51.100.61", tenant: "acme", clientId: "AaiyAPdpYdesoKnqjj8HJqRn4T5titww", country: "ES", city: "Madrid");
        Assert.Equal("auth0-90020240502101500000000000000000000000000000000000000001", login.Id);
        Assert.Equal(new DateTimeOffset(2024, 5, 2, 10, 15, 0, 412, TimeSpan.Zero), login.Time);
        Assert.Equal("auth0|66339f8c5a1b2c3d4e5f6a7b", login.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("low", login.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("mfa", login.Attr(IdentityAttributes.Factor));
        Assert.Equal("s", login.Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("90020240502101500000000000000000000000000000000000000001", login.Raw!.Value.GetProperty("log_id").GetString());

        MapperAssert.IsRefusedSignIn(e[1], "ana@acme.example", resultCode: "wrong_password", failureReason: "Wrong email or password.");
        MapperAssert.IsRefusedSignIn(e[2], "root@acme.example", resultCode: "unknown_user");

        Assert.Equal(["challenge", "denied", "success"], e.Skip(3).Take(3).Select(x => x.Attr(IdentityAttributes.MfaResult)));
        Assert.All(e.Skip(3).Take(3), x => Assert.Equal("push", x.Attr(IdentityAttributes.Factor)));
        Assert.All(e.Skip(3).Take(3), x => Assert.Equal("zzSess-attacker-01", x.Token?.SessionId));
        Assert.Equal("dev_Q8bfC2x3", e[4].Attr(IdentityAttributes.DeviceId));

        var admin = e[7];
        Assert.Equal("Assign roles to a user", admin.Attr(IdentityAttributes.Change));
        Assert.Equal("root-admin@acme.example", admin.Subject?.Id);
        Assert.Equal("/api/v2/users/auth0%7C66339f8c5a1b2c3d4e5f6a7b/roles", admin.Resource?.Id);

        Assert.Equal(["breached_password"], e[8].List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("high", e[8].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("ben@acme.example", e[8].Subject?.Id);

        // A blocked address names no user: its principal is the address.
        Assert.Equal("ip:203.0.113.201", e[9].Subject?.Id);
        Assert.Equal("anonymous", e[9].Subject?.Type);
        Assert.Equal(["password_spraying"], e[9].List(IdentityAttributes.IdpRiskEvents));
    }

    [Fact]
    public void Map_ThirdPartyStream_KeepsRecordsWithoutUserOrAddressAndFindsTheApplication()
    {
        var e = MapperAssert.MapsAll(Auth0Mapper.Map(TestData.Idp("auth0", "third-party-stream.json")), 10);

        // A failed authorization request with no user: the address is the principal, the application comes from the query.
        MapperAssert.IsRefusedSignIn(e[0], "ip:203.0.113.30");
        Assert.Equal("cLiEnT0000000000000000000000001", e[0].Token?.ClientId);
        Assert.Equal("sEsS0000000000000000000000000002", e[1].Token?.SessionId);
        MapperAssert.IsRefusedSignIn(e[2], "nobody@acme.example", resultCode: "unknown_user");

        // An email Auth0 could not send names neither a user nor an address: its addressee is the subject.
        Assert.Equal("pia@acme.example", e[3].Subject?.Id);
        Assert.Equal("fn", e[3].Attr(IdentityAttributes.IdpEventType));

        // Management API calls by a machine client (empty auth.user) and by a dashboard administrator.
        Assert.Equal(EventKinds.AuthAdminChange, e[4].Kind);
        Assert.Equal("mGmTcLiEnT00000000000000000000001", e[4].Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[4].Subject?.Type);
        Assert.Equal("google-oauth2|100000000000000000001", e[5].Subject?.Id);

        Assert.Equal("denied", e[6].Attr(IdentityAttributes.MfaResult));
        Assert.Equal(EventKinds.AuthTokenIssued, e[7].Kind);
        Assert.Equal(["brute_force"], e[8].List(IdentityAttributes.IdpRiskEvents));
        MapperAssert.IsSignIn(e[9], "omar@gmail.example", "sEsS0000000000000000000000000001", srcIp: "2001:db8::77", country: "NO", city: "Oslo");
        Assert.Equal("federated", e[9].Attr(IdentityAttributes.Factor));
    }

    [Fact]
    public void Map_ALogNamingOnlyItsApplication_BelongsToTheApplication()
    {
        var body = """{"log_id":"900x","data":{"date":"2024-03-01T00:00:00Z","type":"fn","description":"Email provider not configured","client_id":"cLiEnTonly","details":{"email_type":"reset_email"}}}"""u8;

        var e = Assert.Single(Auth0Mapper.Map(body).Events);

        Assert.Equal("cLiEnTonly", e.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e.Subject?.Type);
    }

    [Fact]
    public void Map_BareManagementApiLogs_MapClientCredentialsAndLogout()
    {
        var e = MapperAssert.MapsAll(Auth0Mapper.Map(TestData.Idp("auth0", "management-api.ndjson")), EventKinds.AuthTokenIssued, EventKinds.AuthLogout);

        Assert.Equal("svcBatch0000000000000000000000001", e[0].Subject?.Id);
        Assert.Equal("service_account", e[0].Subject?.Type);
        Assert.Equal("s-globex-9", e[1].Token?.SessionId);
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 0, 5, 0, TimeSpan.Zero), e[1].Time);
    }

    [Fact]
    public void Map_AdaptiveMfaLowConfidence_IsHighRiskNamingTheAssessors()
    {
        var body = """{"log_id":"l1","data":{"log_id":"l1","date":"2025-01-01T00:00:00Z","type":"mfar","user_name":"x@y.example","ip":"192.0.2.1","details":{"riskAssessment":{"confidence":"low","version":"1","assessments":{"UntrustedIP":{"confidence":"low","code":"found_on_deny_list"},"NewDevice":{"confidence":"high","code":"match"},"ImpossibleTravel":{"confidence":"low","code":"impossible_travel_from_last_login"}}}}}}"""u8;

        var e = Assert.Single(Auth0Mapper.Map(body).Events);

        Assert.Equal(EventKinds.AuthMfa, e.Kind);
        Assert.Equal("challenge", e.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("high", e.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["UntrustedIP", "ImpossibleTravel"], e.List(IdentityAttributes.IdpRiskEvents));
    }

    [Theory]
    [InlineData("f", EventKinds.AuthLogin, Outcomes.Denied)]
    [InlineData("fsa", EventKinds.AuthLogin, Outcomes.Denied)]
    [InlineData("ssa", EventKinds.AuthLogin, Outcomes.Success)]
    [InlineData("gd_otp_rate_limit_exceed", EventKinds.AuthMfa, Outcomes.Denied)]
    [InlineData("gd_unenroll", EventKinds.AuthCredentialChange, Outcomes.Success)]
    [InlineData("sertft", EventKinds.AuthTokenRefreshed, Outcomes.Success)]
    [InlineData("feacft", EventKinds.AuthTokenIssued, Outcomes.Denied)]
    [InlineData("srrt", EventKinds.AuthTokenRevoked, Outcomes.Success)]
    [InlineData("scp", EventKinds.AuthCredentialChange, Outcomes.Success)]
    [InlineData("limit_wc", EventKinds.AuthRisk, Outcomes.Denied)]
    [InlineData("sdu", EventKinds.AuthAccountChange, Outcomes.Success)]
    [InlineData("fapi", EventKinds.AuthAdminChange, Outcomes.Denied)]
    [InlineData("depnote", EventKinds.IdpEvent, null)]
    public void Map_TypeCodes_GetTheirKindAndOutcome(string type, string kind, string? outcome)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"date":"2025-01-01T00:00:00Z","type":"{{type}}","log_id":"id-{{type}}","user_name":"kim@initech.example","ip":"192.0.2.3"}""");

        MapperAssert.MapsTo(Auth0Mapper.Map(body), kind, outcome);
    }

    [Fact]
    public void Map_BadLogs_AreReportedWithIndexAndField()
    {
        var body = """
            [{"log_id":"a","data":{"date":"2025-01-01T00:00:00Z","user_name":"u"}},
             {"log_id":"b","data":{"type":"s","user_name":"u"}},
             {"data":{"type":"s","date":"2025-01-01T00:00:00Z","user_name":"u"}},
             {"log_id":"d","data":{"type":"s","date":"2025-01-01T00:00:00Z"}},
             "s",
             {"log_id":"f","data":{"type":"s","date":"2025-01-01T00:00:00Z","user_name":"u"}}]
            """u8;

        MapperAssert.Rejects(Auth0Mapper.Map(body), mapped: [2, 5], (0, "data.type"), (1, "data.date"), (3, "$"), (4, "$"));
    }

    [Fact]
    public void Map_EventBridgeLogStream_MapsTheLogInDetailWithItsScopesAndRefusesADetailThatIsNoObject()
    {
        var result = Auth0Mapper.Map(TestData.Idp("auth0", "eventbridge.ndjson"));

        MapperAssert.Rejects(result, mapped: [0, 1], (2, "detail"));
        var login = result.Events[0];
        MapperAssert.IsSignIn(login, "zoe.nandu@initech.example", "sessExampleEventBridge0001", srcIp: "2001:db8:9c::4", clientId: "Qexampleclientid0000000000000001");
        Assert.Equal("auth0-90020261130090201147000000000000000000000000000000000001", login.Id);
        Assert.Equal("auth0|6a0example0000000000001", login.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("s", login.Raw!.Value.GetProperty("data").GetProperty("type").GetString());

        // A machine-to-machine token: the client is the subject, and what it was granted is kept.
        var m2m = result.Events[1];
        Assert.Equal(EventKinds.AuthTokenIssued, m2m.Kind);
        Assert.Equal("auth0-90020261130090459310000000000000000000000000000000000002", m2m.Id);
        Assert.Equal("Mexamplem2mclient000000000000002", m2m.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, m2m.Subject?.Type);
        Assert.Equal(["read:invoices", "write:invoices"], m2m.List(IdentityAttributes.Scopes));
    }

    [Fact]
    public void Map_ScopeAsTheManagementApiWritesIt_IsTheTokensScopes()
    {
        var body = """{"date":"2026-11-30T09:00:00Z","type":"seccft","log_id":"s-1","client_id":"m2m","ip":"192.0.2.8","scope":"read:invoices write:invoices"}"""u8;

        var e = MapperAssert.MapsTo(Auth0Mapper.Map(body), EventKinds.AuthTokenIssued, Outcomes.Success);

        Assert.Equal(["read:invoices", "write:invoices"], e.List(IdentityAttributes.Scopes));
    }
}
