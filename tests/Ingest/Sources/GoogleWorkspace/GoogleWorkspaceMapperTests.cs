namespace ZtStream.Ingest.Tests.Sources.GoogleWorkspace;

public sealed class GoogleWorkspaceMapperTests
{
    private static readonly string[] ListKinds =
    [
        EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthMfa, EventKinds.AuthLogout, EventKinds.AuthRisk, EventKinds.AuthCredentialChange,
        EventKinds.AuthAdminChange, EventKinds.AuthAdminChange, EventKinds.AuthAdminChange, EventKinds.IdpEvent,
    ];

    [Fact]
    public void Map_ActivitiesListAnswer_MapsSignInsChallengesWarningsAdminChangesAndGrants()
    {
        var e = MapperAssert.MapsAll(GoogleWorkspaceMapper.Map(TestData.Idp("google-workspace", "activities-list.json")), ListKinds);

        // The actor's address as Google logged it, folded as every identity provider folds a login.
        Assert.Equal(Outcomes.Success, e[0].Outcome);
        Assert.Equal("lea.mbeki@acme.example", e[0].Subject?.Id);
        Assert.Equal("203.0.113.71", e[0].Network?.SrcIp);
        Assert.Equal("C03gw7e01", e[0].Subject?.Tenant);
        Assert.Equal("gws-login-1796029200000--7e01000000000000001-0", e[0].Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero), e[0].Time);
        Assert.Equal("107700000000000000001", e[0].Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("login_success", e[0].Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("recovery_code", e[0].Attr(IdentityAttributes.Factor));
        Assert.Equal("google_password", e[0].Attr(IdentityAttributes.Connection));
        Assert.Null(e[0].Attr(IdentityAttributes.IdpRiskLevel));

        MapperAssert.IsRefusedSignIn(e[1], "omar.haddad@acme.example", resultCode: "login_failure_invalid_password", failureReason: "login_failure_invalid_password");
        Assert.Equal("198.51.100.72", e[1].Network?.SrcIp);

        Assert.Equal(MfaResults.Success, e[2].Attr(IdentityAttributes.MfaResult));
        Assert.Equal(Outcomes.Success, e[2].Outcome);
        Assert.Equal("webauthn", e[2].Attr(IdentityAttributes.Factor));

        Assert.Equal(["suspicious_login"], e[4].List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("high", e[4].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(Outcomes.Denied, e[4].Outcome);
        Assert.Equal("kenji.sato@acme.example", e[4].Subject?.Id);

        // 2-Step Verification turned off: every second factor removed, what identity-mfa-removed matches.
        MapperAssert.IsChange(e[5], EventKinds.AuthCredentialChange, "remove", "kenji.sato@acme.example", actor: null);
        Assert.Equal("2sv_disable", e[5].Action);

        MapperAssert.IsRoleGrant(e[6], "it-admin@acme.example", "kenji.sato@acme.example", "_SEED_ADMIN_ROLE", srcIp: "203.0.113.79", eventType: "ASSIGN_ROLE");

        // Domain-wide delegation: a consent for every user of the domain, its scopes named.
        Assert.Equal("app_consent", e[7].Attr(IdentityAttributes.Change));
        Assert.Equal("all_users", e[7].Attr(IdentityAttributes.Consent));
        Assert.Equal(["https://mail.google.com/", "https://www.googleapis.com/auth/admin.directory.user"], e[7].List(IdentityAttributes.Scopes));
        Assert.Equal("107700000000000000077", e[7].Token?.ClientId);

        // A user's OAuth grant: scopes from "scope" and "scope_data", each once.
        Assert.Equal("app_consent", e[8].Attr(IdentityAttributes.Change));
        Assert.Equal("user", e[8].Attr(IdentityAttributes.Consent));
        Assert.Equal("Mail Helper", e[8].Attr(IdentityAttributes.App));
        Assert.Equal(["https://mail.google.com/", "https://www.googleapis.com/auth/drive"], e[8].List(IdentityAttributes.Scopes));
        Assert.Equal("107700000000-gw7e.apps.googleusercontent.example", e[8].Token?.ClientId);

        // Any other event is kept under its name.
        Assert.Equal("view", e[9].Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("lea.mbeki@acme.example", e[9].Subject?.Id);
    }

    [Fact]
    public void Map_EveryEnvelope_GivesTheSameEvents()
    {
        var page = JsonNode.Parse(TestData.Idp("google-workspace", "activities-list.json"))!;
        var activities = page["items"]!.AsArray();
        var expected = GoogleWorkspaceMapper.Map(TestData.Idp("google-workspace", "activities-list.json")).Events.Select(e => e.Id).ToList();

        var array = Encoding.UTF8.GetBytes(activities.ToJsonString());
        var ndjson = Encoding.UTF8.GetBytes(string.Join('\n', activities.Select(a => a!.ToJsonString())));
        Assert.Equal(expected, GoogleWorkspaceMapper.Map(array).Events.Select(e => e.Id));
        Assert.Equal(expected, GoogleWorkspaceMapper.Map(ndjson).Events.Select(e => e.Id));
        Assert.Equal(expected[0], Assert.Single(GoogleWorkspaceMapper.Map(Encoding.UTF8.GetBytes(activities[0]!.ToJsonString())).Events).Id);
    }

    [Fact]
    public void Map_AnEmptyPage_HoldsNoActivityAndNoError()
    {
        var result = GoogleWorkspaceMapper.Map("""{"kind":"admin#reports#activities","etag":"\"gw7e\""}"""u8);

        Assert.Empty(result.Events);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Map_SeveralEventsInOneActivity_AreEventsOfTheirOwnEachWithItsOwnRaw()
    {
        var body = """
            {"kind":"admin#reports#activity","id":{"time":"2026-11-30T10:00:00.000Z","uniqueQualifier":"-7e02","applicationName":"login","customerId":"C03gw7e01"},
             "actor":{"email":"zoe@acme.example","profileId":"107700000000000000020"},"ipAddress":"203.0.113.80",
             "events":[{"type":"login","name":"login_challenge","parameters":[{"name":"login_challenge_method","multiValue":["idv_preregistered_phone"]}]},
                       {"type":"login","name":"login_success","parameters":[]}]}
            """u8.ToArray();

        var result = GoogleWorkspaceMapper.Map(body);
        var e = MapperAssert.MapsAll(result, EventKinds.AuthMfa, EventKinds.AuthLogin);

        // One item (what Ingest:MaxItemsPerBatch counts and replay numbers), two events of the same index.
        Assert.Equal(1, result.ItemCount);
        Assert.All(result.Items, item => Assert.Equal(0, item.Index));

        Assert.Equal(["gws-login-1796032800000--7e02-0", "gws-login-1796032800000--7e02-1"], e.Select(x => x.Id));
        Assert.Equal(MfaResults.Challenge, e[0].Attr(IdentityAttributes.MfaResult));
        Assert.Null(e[0].Outcome);
        Assert.Equal("login_challenge", Assert.Single(e[0].Raw!.Value.GetProperty("events").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("login_success", Assert.Single(e[1].Raw!.Value.GetProperty("events").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("C03gw7e01", e[1].Raw!.Value.GetProperty("id").GetProperty("customerId").GetString());

        // Delivered twice (a poller's overlapping window), an activity is the same events.
        MapperAssert.SameIdsWhenDeliveredAgain(() => GoogleWorkspaceMapper.Map(body));
    }

    [Fact]
    public void Map_ParametersMissingEmptyOrOfAnotherKind_AreReadAsGiven()
    {
        var body = """
            {"id":{"time":"2026-11-30T10:01:00Z","uniqueQualifier":"1","applicationName":"login"},"actor":{"email":"a@acme.example"},"ipAddress":"203.0.113.81","events":[{"name":"login_failure"}]}
            {"id":{"time":"2026-11-30T10:02:00Z","uniqueQualifier":"2","applicationName":"login"},"actor":{"email":"b@acme.example"},"ipAddress":"203.0.113.82","events":[{"name":"login_failure","parameters":[]}]}
            {"id":{"time":"2026-11-30T10:03:00Z","uniqueQualifier":"3","applicationName":"login"},"actor":{"email":"c@acme.example"},"ipAddress":"203.0.113.83","events":[{"name":"login_success","parameters":[{"name":"login_challenge_method","value":"password"},{"name":"is_suspicious","value":"true"}]}]}
            {"id":{"time":"2026-11-30T10:04:00Z","uniqueQualifier":"4","applicationName":"login"},"actor":{"email":"d@acme.example"},"ipAddress":"203.0.113.84","events":{"name":"login_success","parameters":[{"name":"is_suspicious","boolValue":true},{"name":"login_type","value":"saml"}]}}
            """u8.ToArray();

        var e = MapperAssert.MapsAll(GoogleWorkspaceMapper.Map(body), EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthLogin);

        MapperAssert.IsRefusedSignIn(e[0], "a@acme.example");
        Assert.Null(e[0].Attr(IdentityAttributes.ResultCode));
        MapperAssert.IsRefusedSignIn(e[1], "b@acme.example");

        // A suspicious flag as text or as a boolean; one method as "value" instead of "multiValue"; events as one object.
        Assert.Equal("password", e[2].Attr(IdentityAttributes.Factor));
        Assert.All(e.Skip(2), x => Assert.Equal("high", x.Attr(IdentityAttributes.IdpRiskLevel)));
        Assert.All(e.Skip(2), x => Assert.Equal(["is_suspicious"], x.List(IdentityAttributes.IdpRiskEvents)));
        Assert.Equal("federated", e[3].Attr(IdentityAttributes.Factor));
        Assert.Equal("gws-login-1796033040000-4-0", e[3].Id);
    }

    [Fact]
    public void Map_ActorWithoutEmailOrAddress_IsJudgedAsTheOtherProvidersJudgeIt()
    {
        var body = """
            {"id":{"time":"2026-11-30T10:05:00Z","uniqueQualifier":"5","applicationName":"admin"},"actor":{"profileId":"107700000000000000030"},"events":[{"type":"USER_SETTINGS","name":"CHANGE_PASSWORD","parameters":[{"name":"USER_EMAIL","value":"Pia@acme.example"}]}]}
            {"id":{"time":"2026-11-30T10:06:00Z","uniqueQualifier":"6","applicationName":"admin"},"actor":{"callerType":"KEY","key":"SYSTEM"},"events":[{"type":"USER_SETTINGS","name":"SUSPEND_USER","parameters":[{"name":"USER_EMAIL","value":"ben@acme.example"}]}]}
            {"id":{"time":"2026-11-30T10:07:00Z","uniqueQualifier":"7","applicationName":"admin"},"actor":{"callerType":"KEY","key":"SYSTEM"},"events":[{"name":"CHANGE_APPLICATION_SETTING"}]}
            {"id":{"time":"2026-11-30T10:08:00Z","uniqueQualifier":"8","applicationName":"login"},"actor":{},"ipAddress":"2001:db8:7e::8","events":[{"name":"login_failure"}]}
            """u8.ToArray();

        var e = MapperAssert.MapsAll(GoogleWorkspaceMapper.Map(body), EventKinds.AuthCredentialChange, EventKinds.AuthAccountChange, EventKinds.IdpEvent, EventKinds.AuthLogin);

        // A change made to another user is that user's, the actor beside it: by profile id, or a robot key.
        MapperAssert.IsChange(e[0], EventKinds.AuthCredentialChange, "reset", "pia@acme.example", actor: "107700000000000000030");
        MapperAssert.IsChange(e[1], EventKinds.AuthAccountChange, "suspended", "ben@acme.example", actor: "SYSTEM");
        Assert.Equal("SYSTEM", e[2].Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[2].Subject?.Type);

        // Neither a user nor a key: the address is the principal.
        MapperAssert.IsRefusedSignIn(e[3], "ip:2001:db8:7e::8");
    }

    [Fact]
    public void Map_WithoutUniqueQualifier_DerivesAnIdThatTellsTheActivitysEventsApart()
    {
        var body = """
            {"id":{"time":"2026-11-30T10:09:00Z","applicationName":"admin"},"actor":{"email":"it-admin@acme.example"},"events":[{"name":"CHANGE_APPLICATION_SETTING","parameters":[{"name":"SETTING_NAME","value":"a"}]},{"name":"CHANGE_APPLICATION_SETTING","parameters":[{"name":"SETTING_NAME","value":"a"}]}]}
            """u8.ToArray();

        var ids = MapperAssert.SameIdsWhenDeliveredAgain(() => GoogleWorkspaceMapper.Map(body));

        Assert.Equal(2, ids.Count);
        Assert.All(ids, id => Assert.StartsWith("gws-derived-", id, StringComparison.Ordinal));
    }

    [Fact]
    public void Map_UnreadableActivities_AreItemErrorsNamingTheFieldAndIndex()
    {
        var body = """
            [{"id":{"time":"2026-11-30T10:10:00Z","uniqueQualifier":"10","applicationName":"login"},"actor":{"email":"a@acme.example"},"events":[{"name":"logout"}]},
             {"id":{"time":"soon","uniqueQualifier":"11","applicationName":"login"},"actor":{"email":"a@acme.example"},"events":[{"name":"logout"}]},
             {"id":{"time":"2026-11-30T10:12:00Z","uniqueQualifier":"12","applicationName":"login"},"actor":{"email":"a@acme.example"}},
             {"id":{"time":"2026-11-30T10:13:00Z","uniqueQualifier":"13","applicationName":"login"},"actor":{"email":"a@acme.example"},"events":[{"type":"login"},{"name":"logout"}]},
             {"id":{"time":"2026-11-30T10:14:00Z","uniqueQualifier":"14","applicationName":"login"},"actor":{"email":"a@acme.example"},"events":[]},
             "login_success"]
            """u8.ToArray();

        var result = GoogleWorkspaceMapper.Map(body);

        MapperAssert.Rejects(result, [0, 3], (1, "id.time"), (2, "events"), (3, "events[0].name"), (4, "events"), (5, "$"));
        Assert.Equal(6, result.ItemCount);
    }

    [Fact]
    public void Map_AnAnswerWhoseItemsAreNoArray_IsRefusedNamingItems()
    {
        MapperAssert.RejectsWhole(GoogleWorkspaceMapper.Map("""{"kind":"admin#reports#activities","items":{"id":{}}}"""u8), "items");
    }

    /// <summary>
    /// Admin Audit events named in Google's "Admin activity events" pages (Delegated Admin, User, Security and Domain
    /// Settings): administrator privileges granted without ASSIGN_ROLE, a role unassigned, single sign-on's profile or
    /// switch changed, and a setting's NEW_VALUE and OLD_VALUE lifted so a rule reads which way it went — as a string, a
    /// boolValue or a multiValue of one.
    /// </summary>
    [Fact]
    public void Map_AdminPrivilegesSsoAndSettingValues_AreReadByMeaning()
    {
        var e = MapperAssert.MapsAll(GoogleWorkspaceMapper.Map(Encoding.UTF8.GetBytes(string.Join('\n',
            Admin("01", "USER_SETTINGS", "GRANT_ADMIN_PRIVILEGE", """[{"name":"USER_EMAIL","value":"Kenji.Sato@acme.example"}]"""),
            Admin("02", "USER_SETTINGS", "GRANT_DELEGATED_ADMIN_PRIVILEGES", """[{"name":"USER_EMAIL","value":"kenji.sato@acme.example"},{"name":"NEW_VALUE","value":"Help Desk Admin"}]"""),
            Admin("03", "DELEGATED_ADMIN_SETTINGS", "UNASSIGN_ROLE", """[{"name":"ROLE_NAME","value":"_SEED_ADMIN_ROLE"},{"name":"USER_EMAIL","value":"kenji.sato@acme.example"}]"""),
            Admin("04", "DOMAIN_SETTINGS", "CHANGE_SSO_SETTINGS", """[{"name":"DOMAIN_NAME","value":"acme.example"}]"""),
            Admin("05", "DOMAIN_SETTINGS", "TOGGLE_SSO_ENABLED", """[{"name":"DOMAIN_NAME","value":"acme.example"},{"name":"NEW_VALUE","value":"false"}]"""),
            Admin("06", "DOMAIN_SETTINGS", "TOGGLE_SSO_ENABLED", """[{"name":"NEW_VALUE","boolValue":true}]"""),
            Admin("07", "SECURITY_SETTINGS", "ENFORCE_STRONG_AUTHENTICATION", """[{"name":"ORG_UNIT_NAME","value":"acme.example"},{"name":"OLD_VALUE","value":"true"},{"name":"NEW_VALUE","value":"false"}]"""),
            Admin("08", "SECURITY_SETTINGS", "ENFORCE_STRONG_AUTHENTICATION", """[{"name":"OLD_VALUE","boolValue":false},{"name":"NEW_VALUE","multiValue":["true"]}]""")))),
            8);

        MapperAssert.IsRoleGrant(e[0], "it-admin@acme.example", "kenji.sato@acme.example", null, srcIp: "203.0.113.79", eventType: "GRANT_ADMIN_PRIVILEGE");
        MapperAssert.IsRoleGrant(e[1], "it-admin@acme.example", "kenji.sato@acme.example", "Help Desk Admin", srcIp: "203.0.113.79", eventType: "GRANT_DELEGATED_ADMIN_PRIVILEGES");
        Assert.Equal("role_revoke", e[2].Attr(IdentityAttributes.Change));
        Assert.Equal("_SEED_ADMIN_ROLE", e[2].Attr(IdentityAttributes.TargetRole));
        Assert.Equal(["idp_change", "idp_deactivate", "idp_change", "policy_change", "policy_change"], e.Skip(3).Select(x => x.Attr(IdentityAttributes.Change)));
        Assert.All(e.Skip(3), x => Assert.Equal(EventKinds.AuthAdminChange, x.Kind));
        Assert.Equal(("false", "true"), (e[6].Attr(IdentityAttributes.NewValue), e[6].Attr(IdentityAttributes.OldValue)));
        Assert.Equal(("true", "false"), (e[7].Attr(IdentityAttributes.NewValue), e[7].Attr(IdentityAttributes.OldValue)));
        Assert.Null(e[3].Attr(IdentityAttributes.NewValue));
    }

    private static string Admin(string n, string type, string name, string parameters) =>
        $$$"""{"kind":"admin#reports#activity","id":{"time":"2026-12-01T09:00:{{{n}}}.000Z","uniqueQualifier":"-7e02000000000001{{{n}}}","applicationName":"admin","customerId":"C03gw7e01"},"actor":{"callerType":"USER","email":"it-admin@acme.example"},"ipAddress":"203.0.113.79","events":[{"type":"{{{type}}}","name":"{{{name}}}","parameters":{{{parameters}}}}]}""";
}
