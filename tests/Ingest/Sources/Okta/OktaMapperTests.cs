namespace ZtStream.Ingest.Tests.Sources.Okta;

public sealed class OktaMapperTests
{
    [Fact]
    public void Map_EventHookDelivery_MapsEachLogEventWithSubjectSessionClientGeoAndRaw()
    {
        var result = OktaMapper.Map(TestData.Idp("okta", "event-hook-delivery.json"));

        var events = MapperAssert.MapsAll(result, 2);
        Assert.Equal([0, 1], result.Items.Select(i => i.Index));
        var login = events[0];
        MapperAssert.IsSignIn(login, "jane.doe@acme.example", "102bZDNFfWaQSyEZQuDgWt-uQ", srcIp: "198.51.100.23", country: "Portugal", city: "Lisbon");
        Assert.Equal("f790999f-fe87-467a-9880-6982a583986c", login.Id);
        Assert.Equal(new DateTimeOffset(2024, 5, 2, 10, 12, 7, 777, TimeSpan.Zero), login.Time);
        Assert.Equal("user", login.Subject?.Type);
        Assert.StartsWith("Mozilla/5.0 (Macintosh", login.UserAgent, StringComparison.Ordinal);
        Assert.Equal("user.session.start", login.Action);
        Assert.Equal("okta", login.Attr(IdentityAttributes.IdpName));
        Assert.Equal("user.session.start", login.Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("00u1qw1mqitPHM8AJ0g7", login.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("password", login.Attr(IdentityAttributes.Factor));
        Assert.Equal("low", login.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.False(login.Flag(IdentityAttributes.NetProxy));
        Assert.Null(login.Attr(IdentityAttributes.FailureReason));
        // The vendor's original object travels with the event, so a rule can match any of its fields.
        Assert.Equal("core.user_auth.login_success", login.Raw!.Value.GetProperty("legacyEventType").GetString());

        var mfa = events[1];
        Assert.Equal(EventKinds.AuthMfa, mfa.Kind);
        Assert.Equal("success", mfa.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("push", mfa.Attr(IdentityAttributes.Factor));
        Assert.Equal("102bZDNFfWaQSyEZQuDgWt-uQ", mfa.Token?.SessionId);
    }

    [Fact]
    public void Map_SystemLogArrayOfAnMfaFatigueAttack_NamesPushChallengeDenialAndRisk()
    {
        var events = MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "system-log-mfa-push.json")), EventKinds.AuthMfa, EventKinds.AuthMfa, EventKinds.AuthMfa);

        Assert.Equal(["challenge", "denied", "success"], events.Select(e => e.Attr(IdentityAttributes.MfaResult)));
        Assert.All(events, e => Assert.Equal("sam.lee@acme.example", e.Subject?.Id));
        Assert.All(events, e => Assert.Equal("idxZ8qW1m3v0n", e.Token?.SessionId));
        var challenge = events[0];
        Assert.Equal("high", challenge.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["Anomalous Geo-Distance", "New Device", "threat_suspected"], challenge.List(IdentityAttributes.IdpRiskEvents));
        Assert.True(challenge.Flag(IdentityAttributes.NetProxy));
        Assert.Equal("Netherlands", challenge.Attr(IdentityAttributes.GeoCountry));
        Assert.Equal(Outcomes.Denied, events[1].Outcome);
        Assert.Equal("User rejected Okta push verify", events[1].Attr(IdentityAttributes.FailureReason));
    }

    [Fact]
    public void Map_NdjsonWithPipelineTimestamps_MapsAdminChangesSessionsTokensAndKeepsUnknownTypes()
    {
        var e = MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "system-log-admin.ndjson")), 6);

        var grant = e[0];
        MapperAssert.IsRoleGrant(grant, actor: "it-admin@acme.example", targetUser: "sam.lee@acme.example", role: "Super administrator");
        // YYYY-MM-DD hh:mm:ss.fffffffff, read as UTC and cut to the 100 ns DateTimeOffset holds.
        Assert.Equal(new DateTimeOffset(2024, 5, 3, 8, 0, 1, TimeSpan.Zero).AddTicks(1234567), grant.Time);

        var cleared = e[1];
        Assert.Equal(EventKinds.AuthSessionRevoked, cleared.Kind);
        Assert.Equal("sam.lee@acme.example", cleared.Subject?.Id);
        Assert.Equal("it-admin@acme.example", cleared.Attr(IdentityAttributes.Actor));
        Assert.Equal(new DateTimeOffset(2024, 5, 3, 8, 5, 0, TimeSpan.Zero), cleared.Time);

        Assert.Equal(EventKinds.AuthAdminChange, e[2].Kind);
        Assert.Equal("policy_change", e[2].Attr(IdentityAttributes.Change));
        Assert.Equal(EventKinds.AuthTokenIssued, e[3].Kind);
        Assert.Equal("0oa1billingweb", e[3].Token?.ClientId);
        Assert.Equal(EventKinds.AuthLogout, e[4].Kind);
        Assert.Equal(EventKinds.IdpEvent, e[5].Kind);
        Assert.Equal("group.user_membership.add", e[5].Attr(IdentityAttributes.IdpEventType));
    }

    [Fact]
    public void Map_ThirdPartyShapes_MapsNullsSystemActorsAppsAndUnknownUsers()
    {
        var e = MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "third-party-shapes.ndjson")), 15);

        // Every optional member null, as Okta's own export writes them: nothing invented from "null" or "unknown".
        var logout = e[0];
        Assert.Equal(EventKinds.AuthLogout, logout.Kind);
        Assert.Equal("rosa.kim@corp.example", logout.Subject?.Id);
        Assert.Equal("102sessA1", logout.Token?.SessionId);
        Assert.Null(logout.Token?.ClientId);
        Assert.Null(logout.Attr(IdentityAttributes.FailureReason));
        Assert.Null(logout.Flag(IdentityAttributes.NetProxy));
        Assert.Equal("Portugal", logout.Attr(IdentityAttributes.GeoCountry));

        Assert.Equal(EventKinds.AuthMfa, e[4].Kind);
        Assert.Equal(Outcomes.Denied, e[4].Outcome);
        Assert.Equal("FastPass declined phishing attempt", e[4].Attr(IdentityAttributes.FailureReason));

        // Okta Support resetting a password: the user is the subject, Okta's system account the actor.
        MapperAssert.IsChange(e[6], EventKinds.AuthCredentialChange, "reset", "lena.park@corp.example", actor: "system@okta.com");

        // A service app's client-credentials grant names the app by id only.
        Assert.Equal(EventKinds.AuthTokenIssued, e[7].Kind);
        Assert.Equal("0oaservice12345", e[7].Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[7].Subject?.Type);

        // A sign-in attempt for a name Okta does not know keeps the name tried.
        MapperAssert.IsRefusedSignIn(e[9], "mark@corp.example", failureReason: "VERIFICATION_ERROR");
        Assert.Null(e[9].Token);

        // Okta's own system suspending a user: no client at all.
        MapperAssert.IsChange(e[10], EventKinds.AuthAccountChange, "suspended", "ex.employee@corp.example", actor: "system@okta.com");
        Assert.Null(e[10].Network);

        MapperAssert.IsRoleGrant(e[11], actor: "it-admin@corp.example", targetUser: "new.admin@corp.example", role: "Super administrator, Application administrator (all)");
        Assert.Equal("role_grant", e[12].Attr(IdentityAttributes.Change));
        Assert.Equal("usergroup", e[12].Resource?.Type);
        Assert.Equal("denied", e[13].Attr(IdentityAttributes.MfaResult));
        MapperAssert.IsChange(e[14], EventKinds.AuthAccountChange, "locked", "rosa.kim@corp.example", actor: null);
    }

    [Fact]
    public void Map_TokenGrants_CarryTheirGrantedScopesAndHowTheClientAuthenticated()
    {
        // A service app's client-credentials grant (panther's shape: comma-separated scopes, a private key JWT).
        var service = MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "third-party-shapes.ndjson")), 15)[7];
        Assert.Equal(["okta.users.manage", "okta.factors.manage"], service.List(IdentityAttributes.Scopes));
        Assert.Equal("client_certificate", service.Attr(IdentityAttributes.ClientAuth));

        // A custom authorization server's grant to a user (space-separated scopes, a client secret); a refresh keeps them too.
        var body = """
            {"uuid":"0a0000aa-0000-4000-8000-000000000001","published":"2024-05-03T08:07:00Z","eventType":"app.oauth2.as.token.grant.access_token","actor":{"id":"00u1qw1mqitPHM8AJ0g7","type":"User","alternateId":"jane.doe@acme.example"},"client":{"id":"0oa1billingweb","ipAddress":"198.51.100.23"},"outcome":{"result":"SUCCESS"},"target":[{"id":"ausBilling01","type":"AuthorizationServer","displayName":"billing-api"}],"debugContext":{"debugData":{"grantType":"authorization_code","grantedScopes":"openid profile billing.read offline_access","requestedScopes":"openid profile billing.read billing.admin offline_access","clientAuthType":"client_secret_basic"}}}
            {"uuid":"0a0000aa-0000-4000-8000-000000000002","published":"2024-05-03T09:07:00Z","eventType":"app.oauth2.as.token.grant.refresh_token","actor":{"id":"00u1qw1mqitPHM8AJ0g7","type":"User","alternateId":"jane.doe@acme.example"},"client":{"id":"0oa1spa","ipAddress":"198.51.100.23"},"outcome":{"result":"SUCCESS"},"debugContext":{"debugData":{"grantType":"refresh_token","grantedScopes":["openid","billing.read"],"clientAuthType":"none"}}}
            """u8;
        var e = MapperAssert.MapsAll(OktaMapper.Map(body), EventKinds.AuthTokenIssued, EventKinds.AuthTokenRefreshed);
        Assert.Equal(["openid", "profile", "billing.read", "offline_access"], e[0].List(IdentityAttributes.Scopes));
        Assert.Equal("client_secret", e[0].Attr(IdentityAttributes.ClientAuth));
        Assert.Equal(["openid", "billing.read"], e[1].List(IdentityAttributes.Scopes));
        Assert.Equal("public_client", e[1].Attr(IdentityAttributes.ClientAuth));

        // A sign-in grants no scopes: none invented.
        Assert.Empty(MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "third-party-shapes.ndjson")), 15)[0].List(IdentityAttributes.Scopes));
    }

    [Fact]
    public void Map_BehaviorsInEveryShape_ArePositiveFindingsOnly()
    {
        var e = MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "third-party-shapes.ndjson")), 15);

        // debugData.behaviors as Okta writes it: {New Device=POSITIVE, Velocity=POSITIVE, New City=NEGATIVE, …}.
        Assert.Equal(["Anomalous Device", "New Device", "New IP", "Velocity"], e[1].List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("medium", e[1].Attr(IdentityAttributes.IdpRiskLevel));

        // logOnlySecurityData as JSON text, with its own behaviors.
        Assert.Equal("low", e[2].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["New Device", "New IP"], e[2].List(IdentityAttributes.IdpRiskEvents));

        // The same as an object a log pipeline already parsed: its HIGH level must not be lost.
        Assert.Equal("high", e[3].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["Anomalous Geo-Distance", "New Device", "Velocity"], e[3].List(IdentityAttributes.IdpRiskEvents));
    }

    [Fact]
    public void Map_ThreatInsightDetection_NamesEachThreatAndRatesTheAddressAtTheHighestConfidence()
    {
        var threat = MapperAssert.MapsAll(OktaMapper.Map(TestData.Idp("okta", "third-party-shapes.ndjson")), 15)[8];

        Assert.Equal(EventKinds.AuthRisk, threat.Kind);
        Assert.Equal("ip:203.0.113.201", threat.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.Anonymous, threat.Subject?.Type);
        Assert.Equal(Outcomes.Denied, threat.Outcome);
        Assert.Equal("high", threat.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["Password Spray", "Login failures with high unknown users count", "threat_suspected"], threat.List(IdentityAttributes.IdpRiskEvents));
    }

    [Theory]
    [InlineData("""["New Device=POSITIVE","Velocity=NEGATIVE","New IP = positive"]""", new[] { "New Device", "New IP" })]
    [InlineData("""{"New Device":"NEGATIVE","Velocity":"POSITIVE","New Geo-Location":"UNKNOWN"}""", new[] { "Velocity" })]
    [InlineData("\"{New Geo-Location=UNKNOWN, New Device=NEGATIVE}\"", new string[0])]
    public void Map_BehaviorsAsListObjectOrText_KeepOnlyWhatOktaSaw(string behaviors, string[] expected)
    {
        var body = Encoding.UTF8.GetBytes("""{"uuid":"u-b","published":"2025-01-01T00:00:00Z","eventType":"user.session.start","actor":{"id":"00u1","alternateId":"ana@corp.example"},"debugContext":{"debugData":{"behaviors":""" + behaviors + "}}}");

        var e = Assert.Single(OktaMapper.Map(body).Events);

        Assert.Equal(expected, e.List(IdentityAttributes.IdpRiskEvents));
    }

    [Fact]
    public void Map_EventHookAroundAFactorReset_MakesTheUserTheSubjectAndTheAdminTheActor()
    {
        var e = MapperAssert.MapsOne(OktaMapper.Map(TestData.Idp("okta", "event-hook-factor-reset.json")));

        MapperAssert.IsChange(e, EventKinds.AuthCredentialChange, "remove", "rosa.kim@corp.example", actor: "it-admin@corp.example");
        Assert.Equal("push", e.Attr(IdentityAttributes.Factor));
        Assert.Equal("192.0.2.10", e.Network?.SrcIp);
    }

    [Theory]
    [InlineData("user.authentication.verify", "PASSWORD_AS_FACTOR", EventKinds.AuthLogin)]
    [InlineData("user.authentication.verify", "FIDO_WEBAUTHN", EventKinds.AuthMfa)]
    [InlineData("user.authentication.auth_via_IDP", null, EventKinds.AuthLogin)]
    [InlineData("user.mfa.factor.deactivate", null, EventKinds.AuthCredentialChange)]
    [InlineData("user.account.lock", null, EventKinds.AuthAccountChange)]
    [InlineData("user.lifecycle.deactivate", null, EventKinds.AuthAccountChange)]
    [InlineData("app.oauth2.token.revoke", null, EventKinds.AuthTokenRevoked)]
    [InlineData("system.api_token.create", null, EventKinds.AuthAdminChange)]
    [InlineData("security.threat.detected", null, EventKinds.AuthRisk)]
    [InlineData("policy.evaluate_sign_on", null, EventKinds.IdpEvent)]
    public void Map_EventTypes_GetTheirCanonicalKind(string eventType, string? factor, string kind)
    {
        var debug = factor is null ? "" : ",\"debugContext\":{\"debugData\":{\"factor\":\"" + factor + "\"}}";
        var body = $$"""{"uuid":"u-1","published":"2025-01-01T00:00:00Z","eventType":"{{eventType}}","actor":{"id":"00u1","type":"User","alternateId":"kim@globex.example"},"outcome":{"result":"SUCCESS"}{{debug}}}""";

        var e = Assert.Single(OktaMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public void Map_OnlyTheRequiredFields_MapsWithoutTheOptionalOnes()
    {
        var e = Assert.Single(OktaMapper.Map("""{"uuid":"u-2","published":"2025-01-01T00:00:00Z","eventType":"user.session.start","actor":{"id":"00u9","type":"User"}}"""u8).Events);

        Assert.Equal("00u9", e.Subject?.Id);
        Assert.Null(e.Token);
        Assert.Null(e.Network);
        Assert.Null(e.Outcome);
        Assert.Null(e.Attr(IdentityAttributes.IdpUserId));
    }

    [Fact]
    public void Map_SuspiciousActivityReportedByTheUser_IsAHighRiskOfThatUser_WhateverTheDelivery()
    {
        // Okta's Suspicious Activity Reporting: the user marks the activity a notification told them of as not theirs.
        const string Report = """{"uuid":"5a0e0000-0000-4000-8000-00000000a001","published":"2024-05-08T07:00:00.000Z","eventType":"user.account.report_suspicious_activity_by_enduser","displayMessage":"User report suspicious activity","actor":{"id":"00u8ab2cdEFGH3ij40h7","type":"User","alternateId":"Sam.Lee@acme.example"},"client":{"ipAddress":"198.51.100.20"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u8ab2cdEFGH3ij40h7","type":"User","alternateId":"sam.lee@acme.example"}],"debugContext":{"debugData":{"suspiciousActivityEventType":"system.email.new_device_notification.sent_message","suspiciousActivityEventIp":"203.0.113.99"}}}""";
        var bodies = new[]
        {
            Report,
            $$$"""[{{{Report}}}]""",
            $$$"""{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","eventId":"b0b0","data":{"events":[{{{Report}}}]}}""",
            $$$"""{"version":"0","id":"e1","detail-type":"SystemLog","source":"aws.partner/okta.com/acme/stream","account":"123456789012","time":"2024-05-08T07:00:01Z","region":"us-east-1","resources":[],"detail":{{{Report}}}}""",
        };

        foreach (var body in bodies)
        {
            var e = Assert.Single(OktaMapper.Map(Encoding.UTF8.GetBytes(body)).Events);
            Assert.Equal(EventKinds.AuthRisk, e.Kind);
            Assert.Equal("sam.lee@acme.example", e.Subject?.Id);
            Assert.Equal("high", e.Attr(IdentityAttributes.IdpRiskLevel));
            Assert.Equal(["userReportedSuspiciousActivity"], e.List(IdentityAttributes.IdpRiskEvents));
            Assert.Equal("198.51.100.20", e.Network?.SrcIp);
        }
    }

    [Fact]
    public void Map_SuspiciousActivityReportedFromTheDashboard_NamesNoSession_TheReportedActivityIsNotTheReportersSession()
    {
        // Reported from the Okta dashboard: the record's session is the user's own, the one they reported from; the activity
        // reported is named by its address and transaction only.
        var e = Assert.Single(OktaMapper.Map("""{"uuid":"1d51a000-0000-4000-8000-000000000011","published":"2024-06-03T10:00:00.000Z","eventType":"user.account.report_suspicious_activity_by_enduser","actor":{"id":"00u1dsig0001","type":"User","alternateId":"rae.quinn@acme.example"},"client":{"ipAddress":"198.51.100.7"},"authenticationContext":{"externalSessionId":"idx1dsigDashboard"},"outcome":{"result":"SUCCESS"},"debugContext":{"debugData":{"requestUri":"/api/internal/users/me/report-suspicious-activity","suspiciousActivityEventIp":"203.0.113.77","suspiciousActivityEventType":"system.email.new_device_notification.sent_message"}}}"""u8).Events);

        Assert.Equal(EventKinds.AuthRisk, e.Kind);
        Assert.Equal("high", e.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Null(e.Token?.SessionId);
        Assert.Equal("198.51.100.7", e.Network?.SrcIp);
    }

    [Fact]
    public void Map_SessionContextChange_IsARiskOfTheSessionsUser_NamingWhatChanged_WhoeverLoggedIt()
    {
        // Identity Threat Protection's post-auth session evaluation (developer.okta.com/docs/reference/api/itp-et): the user's
        // own request from a new address, as a bare LogEvent, with causes as an array and the risk as Okta's text.
        const string Moved = """{"uuid":"1d51a000-0000-4000-8000-000000000001","published":"2024-06-03T09:00:00.000Z","eventType":"user.session.context.change","actor":{"id":"00u1dsig0001","type":"User","alternateId":"Rae.Quinn@acme.example"},"client":{"ipAddress":"203.0.113.77"},"authenticationContext":{"externalSessionId":"idx1dsigSession01"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u1dsig0001","type":"User","alternateId":"rae.quinn@acme.example"},{"id":"idx1dsigSession01","type":"Session"}],"debugContext":{"debugData":{"causes":["ipAddress.change"],"externalSessionId":"idx1dsigSession01","previousIpAddress":"198.51.100.7","newIpAddress":"203.0.113.77","risk":"{reasons=New ASN, New IP, New Country, level=HIGH}","threatSuspected":"false"}}}""";

        var moved = Assert.Single(OktaMapper.Map(Encoding.UTF8.GetBytes(Moved)).Events);

        Assert.Equal(EventKinds.AuthRisk, moved.Kind);
        Assert.Equal("rae.quinn@acme.example", moved.Subject?.Id);
        Assert.Equal("idx1dsigSession01", moved.Token?.SessionId);
        Assert.Equal("high", moved.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["New ASN", "New IP", "New Country", "ipAddress.change"], moved.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("203.0.113.77", moved.Network?.SrcIp);

        // A device's change Okta found itself, in an Event Hook delivery: logged by its system principal outside the session
        // (no authenticationContext), causes as Okta's text, no risk rated. Still the user's session, and the user's risk.
        const string Hook = """{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://acme.okta.com/api/v1/eventHooks/who1dsig","eventId":"1d51a000-0000-4000-8000-0000000000e1","data":{"events":[{"uuid":"1d51a000-0000-4000-8000-000000000002","published":"2024-06-03T09:05:00.000Z","eventType":"user.session.context.change","actor":{"id":"0oa1dsigsystem","type":"SystemPrincipal","alternateId":"system@okta.com"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u1dsig0001","type":"User","alternateId":"rae.quinn@acme.example"},{"id":"idx1dsigSession01","type":"Session"}],"debugContext":{"debugData":{"causes":"[deviceContext.change]","externalSessionId":"idx1dsigSession01"}}}]}}""";

        var device = Assert.Single(OktaMapper.Map(Encoding.UTF8.GetBytes(Hook)).Events);

        Assert.Equal(EventKinds.AuthRisk, device.Kind);
        Assert.Equal("rae.quinn@acme.example", device.Subject?.Id);
        Assert.Equal("system@okta.com", device.Attr(IdentityAttributes.Actor));
        Assert.Equal("idx1dsigSession01", device.Token?.SessionId);
        Assert.Null(device.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["deviceContext.change"], device.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("acme.okta.com", device.Subject?.Tenant);
    }

    [Fact]
    public void Map_SessionContextChange_WithoutDebugData_KeepsTheRecordsOwnSession()
    {
        var e = Assert.Single(OktaMapper.Map("""{"uuid":"1d51a000-0000-4000-8000-000000000003","published":"2024-06-03T09:10:00Z","eventType":"user.session.context.change","actor":{"id":"00u1dsig0001","type":"User","alternateId":"rae.quinn@acme.example"},"authenticationContext":{"externalSessionId":"idx1dsigSession02"}}"""u8).Events);

        Assert.Equal(EventKinds.AuthRisk, e.Kind);
        Assert.Equal("idx1dsigSession02", e.Token?.SessionId);
        Assert.Empty(e.List(IdentityAttributes.IdpRiskEvents));
    }

    [Fact]
    public void Map_AFailedSignInOfAnUnknownUser_KeepsTheAttemptedNameAndTheReason()
    {
        var e = Assert.Single(OktaMapper.Map("""{"uuid":"u-3","published":"2025-01-01T00:00:00Z","eventType":"user.session.start","actor":{"id":"unknown","type":"User","alternateId":"ceo@globex.example"},"client":{"ipAddress":"203.0.113.5"},"outcome":{"result":"FAILURE","reason":"VERIFICATION_ERROR"}}"""u8).Events);

        MapperAssert.IsRefusedSignIn(e, "ceo@globex.example", failureReason: "VERIFICATION_ERROR");
        Assert.Null(e.Attr(IdentityAttributes.IdpUserId));
    }

    [Fact]
    public void Map_BadItems_AreReportedWithIndexAndField()
    {
        var body = """
            [{"uuid":"ok","published":"2025-01-01T00:00:00Z","eventType":"user.session.start","actor":{"id":"00u1"}},
             {"uuid":"x","published":"2025-01-01T00:00:00Z","actor":{"id":"00u1"}},
             {"uuid":"y","published":"yesterday","eventType":"user.session.start","actor":{"id":"00u1"}},
             {"published":"2025-01-01T00:00:00Z","eventType":"user.session.start","actor":{"id":"00u1"}},
             {"uuid":"z","published":"2025-01-01T00:00:00Z","eventType":"user.session.start"},
             42]
            """u8;

        MapperAssert.Rejects(OktaMapper.Map(body), mapped: [0, 3], (1, "eventType"), (2, "published"), (4, "$"), (5, "$"));
    }

    [Fact]
    public void Map_HookDeliveryWithoutEvents_IsOneErrorNamingTheField()
    {
        MapperAssert.RejectsWhole(OktaMapper.Map("""{"eventType":"com.okta.event_hook","data":{"other":1}}"""u8), "data.events");
    }

    [Fact]
    public void Map_LargeRecord_KeepsABoundedRaw()
    {
        var big = new string('x', 4000);
        var body = Encoding.UTF8.GetBytes("{\"uuid\":\"u-4\",\"published\":\"2025-01-01T00:00:00Z\",\"eventType\":\"user.session.start\",\"actor\":{\"id\":\"00u1\"},\"debugContext\":{\"debugData\":{\"blob\":\"" + big + "\"}}}");

        var e = Assert.Single(OktaMapper.Map(body, new SourceMapOptions(MaxRawBytes: 1024)).Events);

        // The largest value gives way, cut where it is; the record's identity stays matchable.
        var raw = e.Raw!.Value;
        Assert.True(raw.GetRawText().Length <= 1024);
        Assert.Equal(new string('x', 256) + "…", raw.GetProperty("debugContext").GetProperty("debugData").GetProperty("blob").GetString());
        Assert.Equal("user.session.start", raw.GetProperty("eventType").GetString());
        Assert.Equal("00u1", raw.GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(["debugContext.debugData.blob"], e.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void Map_LogStreamingToEventBridge_MapsTheLogEventInDetailAndRefusesADetailThatIsNoObject()
    {
        var result = OktaMapper.Map(TestData.Idp("okta", "eventbridge.ndjson"));

        MapperAssert.Rejects(result, mapped: [0, 1], (2, "detail"));
        var login = result.Events[0];
        MapperAssert.IsSignIn(login, "ines.moreau@initech.example", "102eventbridgeSessionA1", srcIp: "2001:db8:4a::17", country: "France", city: "Lyon");
        Assert.Equal("5c1e9a20-8f3b-11f0-9e2d-0d3c5b7a9e11", login.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 15, 1, 482, TimeSpan.Zero), login.Time);
        // The LogEvent is the original record rules read, not the envelope around it.
        Assert.Equal("core.user_auth.login_success", login.Raw!.Value.GetProperty("legacyEventType").GetString());
        Assert.False(login.Raw.Value.TryGetProperty("detail-type", out _));
        MapperAssert.IsRefusedSignIn(result.Events[1], "raj.patel@initech.example", failureReason: "INVALID_CREDENTIALS");
    }

    [Fact]
    public void Map_AnArrayOfEventHookDeliveries_MapsTheEventsOfEach()
    {
        var body = """
            [{"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","data":{"events":[
                {"uuid":"a-1","published":"2026-11-30T10:00:00Z","eventType":"user.session.start","actor":{"id":"00u1","type":"User","alternateId":"kim@initech.example"}},
                {"uuid":"a-2","published":"2026-11-30T10:00:01Z","eventType":"user.session.end","actor":{"id":"00u1","type":"User","alternateId":"kim@initech.example"}}]}},
             {"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","data":{"events":[
                {"uuid":"b-1","published":"2026-11-30T10:00:02Z","eventType":"user.session.start","actor":{"id":"00u2","type":"User","alternateId":"lee@initech.example"}}]}},
             {"eventType":"com.okta.event_hook","data":{}}]
            """u8;

        var result = OktaMapper.Map(body);

        MapperAssert.Rejects(result, mapped: [0, 1, 2], (3, "data.events"));
        Assert.Equal(["a-1", "a-2", "b-1"], result.Events.Select(e => e.Id));
    }
    /// <summary>Every event type Okta's table names, and one of each pattern after it, gets its kind and change.</summary>
    [Theory]
    [InlineData("user.session.start", EventKinds.AuthLogin, null)]
    [InlineData("user.authentication.sso", EventKinds.AuthLogin, null)]
    [InlineData("user.authentication.authenticate", EventKinds.AuthLogin, null)]
    [InlineData("user.authentication.auth_via_mfa", EventKinds.AuthMfa, null)]
    [InlineData("user.mfa.okta_verify.deny_push", EventKinds.AuthMfa, null)]
    [InlineData("user.mfa.okta_verify.deny_push_upgrade_needed", EventKinds.AuthMfa, null)]
    [InlineData("system.push.send_factor_verify_push", EventKinds.AuthMfa, null)]
    [InlineData("user.mfa.attempt_bypass", EventKinds.AuthMfa, null)]
    [InlineData("user.session.end", EventKinds.AuthLogout, null)]
    [InlineData("user.session.expire", EventKinds.AuthLogout, null)]
    [InlineData("user.session.clear", EventKinds.AuthSessionRevoked, null)]
    [InlineData("user.session.context.clear", EventKinds.AuthSessionRevoked, null)]
    [InlineData("user.mfa.factor.activate", EventKinds.AuthCredentialChange, "enroll")]
    [InlineData("user.mfa.factor.deactivate", EventKinds.AuthCredentialChange, "remove")]
    [InlineData("user.mfa.factor.reset_all", EventKinds.AuthCredentialChange, "reset")]
    [InlineData("user.mfa.factor.update", EventKinds.AuthCredentialChange, "update")]
    [InlineData("user.account.update_password", EventKinds.AuthCredentialChange, "update")]
    [InlineData("user.account.reset_password", EventKinds.AuthCredentialChange, "reset")]
    [InlineData("user.credential.forgot_password", EventKinds.AuthCredentialChange, "reset")]
    [InlineData("user.account.lock", EventKinds.AuthAccountChange, "locked")]
    [InlineData("user.account.lock.limit", EventKinds.AuthAccountChange, "locked")]
    [InlineData("user.account.unlock", EventKinds.AuthAccountChange, "unlocked")]
    [InlineData("user.account.unlock_by_admin", EventKinds.AuthAccountChange, "unlocked")]
    [InlineData("user.account.report_suspicious_activity_by_enduser", EventKinds.AuthRisk, null)]
    [InlineData("security.threat.detected", EventKinds.AuthRisk, null)]
    [InlineData("security.session.detect_client_roaming", EventKinds.AuthRisk, null)]
    [InlineData("user.session.context.change", EventKinds.AuthRisk, null)]
    [InlineData("user.risk.change", EventKinds.AuthRisk, null)]
    [InlineData("user.risk.detect", EventKinds.AuthRisk, null)]
    [InlineData("system.api_token.create", EventKinds.AuthAdminChange, "api_token_create")]
    [InlineData("system.api_token.revoke", EventKinds.AuthAdminChange, "api_token_revoke")]
    [InlineData("USER.SESSION.START", EventKinds.AuthLogin, null)]
    [InlineData("user.authentication.auth_via_social", EventKinds.AuthLogin, null)]
    [InlineData("user.lifecycle.deactivate", EventKinds.AuthAccountChange, "disabled")]
    [InlineData("group.user_membership.add", EventKinds.IdpEvent, null)]
    public void Classify_EventTypes_GetTheirKindAndChange(string eventType, string kind, string? change)
    {
        using var empty = JsonDocument.Parse("{}");

        Assert.Equal((kind, change), OktaMapper.Classify(eventType, empty.RootElement));
    }

    /// <summary>Identity Engine's verification of an authenticator is MFA, except for the password (or none named).</summary>
    [Theory]
    [InlineData("{}", EventKinds.AuthLogin)]
    [InlineData("""{"debugContext":{"debugData":{"factor":"PASSWORD_AS_FACTOR"}}}""", EventKinds.AuthLogin)]
    [InlineData("""{"debugContext":{"debugData":{"factor":"OKTA_VERIFY_PUSH"}}}""", EventKinds.AuthMfa)]
    [InlineData("""{"target":[{"type":"AuthenticatorEnrollment","displayName":"Google Authenticator"}]}""", EventKinds.AuthMfa)]
    public void Classify_Verify_IsMfaUnlessThePassword(string log, string kind)
    {
        using var document = JsonDocument.Parse(log);

        Assert.Equal((kind, (string?)null), OktaMapper.Classify("user.authentication.verify", document.RootElement));
    }

    // debugData.dtHash, the hash of the browser's device-token cookie, in an Event Hook delivery and a bare LogEvent; absent,
    // null, empty or Okta's "unknown" placeholder, the event names no token.
    [Theory]
    [InlineData("""{"eventType":"com.okta.event_hook","source":"https://acme.okta.com/api/v1/eventHooks/whkOkel1","data":{"events":[{"uuid":"0ce1a000-0000-4000-8000-000000000001","published":"2024-06-03T09:00:00.000Z","eventType":"user.authentication.sso","actor":{"id":"00uokel1","type":"User","alternateId":"lena.ortiz@acme.example"},"authenticationContext":{"externalSessionId":"idxOkel01"},"outcome":{"result":"SUCCESS"},"debugContext":{"debugData":{"dtHash":"0ce1d7a5e1f0b2c3","requestUri":"/app/example/sso/saml"}}}]}}""", "0ce1d7a5e1f0b2c3")]
    [InlineData("""{"uuid":"0ce1a000-0000-4000-8000-000000000002","published":"2024-06-03T09:00:00.000Z","eventType":"policy.evaluate_sign_on","actor":{"id":"00uokel1","type":"User","alternateId":"lena.ortiz@acme.example"},"authenticationContext":{"externalSessionId":"idxOkel01"},"debugContext":{"debugData":{"dtHash":"0ce1d7a5e1f0b2c4"}}}""", "0ce1d7a5e1f0b2c4")]
    [InlineData("""{"uuid":"0ce1a000-0000-4000-8000-000000000003","published":"2024-06-03T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00uokel1","type":"User","alternateId":"lena.ortiz@acme.example"},"debugContext":{"debugData":{"dtHash":null}}}""", null)]
    [InlineData("""{"uuid":"0ce1a000-0000-4000-8000-000000000004","published":"2024-06-03T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00uokel1","type":"User","alternateId":"lena.ortiz@acme.example"},"debugContext":{"debugData":{"dtHash":"unknown"}}}""", null)]
    [InlineData("""{"uuid":"0ce1a000-0000-4000-8000-000000000005","published":"2024-06-03T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00uokel1","type":"User","alternateId":"lena.ortiz@acme.example"},"debugContext":null}""", null)]
    [InlineData("""{"uuid":"0ce1a000-0000-4000-8000-000000000006","published":"2024-06-03T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00uokel1","type":"User","alternateId":"lena.ortiz@acme.example"}}""", null)]
    public void Map_DeviceTokenHash_IsKeptAsTheBrowsersToken(string json, string? expected)
    {
        var e = MapperAssert.MapsOne(OktaMapper.Map(System.Text.Encoding.UTF8.GetBytes(json)));
        Assert.Equal(expected, e.Attr(IdentityAttributes.DeviceToken));
    }
}
