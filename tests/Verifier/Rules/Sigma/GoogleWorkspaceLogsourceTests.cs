using ZtStream.Verifier.Rules.Sigma;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: gcp, service: google_workspace.*</c>: SigmaHQ's Google Workspace rules (TestData/sigma-hq/gworkspace, as
/// published) on Workspace activities in both records they come in — the Admin SDK Reports API's activity (Google's
/// <c>activities.list</c> reference and its Admin, Login and Drive event appendices), read by Ingest's
/// <c>google-workspace</c> reader, and the Cloud Audit Logs entry Workspace writes when it shares its logs with Google
/// Cloud (<c>protoPayload.metadata</c> an <c>ActivityProto</c>), read by Ingest's Cloud Audit Logs reader.
/// </summary>
public sealed class GoogleWorkspaceLogsourceTests
{
    private static readonly Lazy<IReadOnlyList<Rule>> Rules = new(() =>
        RuleTesting.Folder(Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq", "gworkspace")));

    private static int next;

    /// <summary>
    /// A Reports API activity of <paramref name="application"/> with one event; <paramref name="parameters"/> is the
    /// event's <c>parameters</c> list as JSON.
    /// </summary>
    private static string Activity(string application, string name, string parameters = "[]", string type = "SETTINGS", string actor = "it.admin@acme.example") => $$$"""
        {"kind":"admin#reports#activity","id":{"time":"2026-12-07T10:15:00.000Z","uniqueQualifier":"-81{{{Interlocked.Increment(ref next)}}}",
         "applicationName":"{{{application}}}","customerId":"C03az79cb"},"etag":"\"JDMC8884sebSctZ17CIssbQ/1\"",
         "actor":{"callerType":"USER","email":"{{{actor}}}","profileId":"100230688039070881323"},"ownerDomain":"acme.example",
         "ipAddress":"203.0.113.40","events":[{"type":"{{{type}}}","name":"{{{name}}}","parameters":{{{parameters}}}}]}
        """;

    /// <summary>
    /// The Cloud Audit Logs entry Workspace shares with Google Cloud for the same event: <paramref name="service"/>
    /// <c>admin.googleapis.com</c> or <c>login.googleapis.com</c>, the event under <c>protoPayload.metadata.event</c>.
    /// </summary>
    private static string Entry(string service, string method, string name, string parameters = "[]", string type = "SETTINGS") => $$$"""
        {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"it.admin@acme.example"},
          "requestMetadata":{"callerIp":"203.0.113.40","requestAttributes":{},"destinationAttributes":{}},
          "serviceName":"{{{service}}}","methodName":"{{{method}}}","resourceName":"organizations/123456789012/userSettings",
          "metadata":{"@type":"type.googleapis.com/ccc_hosted_reporting.ActivityProto","activityId":{"timeUsec":"1796638500000000","uniqQualifier":"-86{{{Interlocked.Increment(ref next)}}}"},
            "event":[{"eventName":"{{{name}}}","eventType":"{{{type}}}","parameter":{{{parameters}}}}]}},
         "insertId":"ws{{{next}}}","resource":{"type":"audited_resource","labels":{"service":"{{{service}}}","method":"{{{method}}}"}},
         "timestamp":"2026-12-07T10:15:00Z","severity":"NOTICE","logName":"organizations/123456789012/logs/cloudaudit.googleapis.com%2Factivity",
         "receiveTimestamp":"2026-12-07T10:15:02.1Z"}
        """;

    private static string[] Fired(string format, string json) =>
        [.. Rules.Value.Where(r => r.Enabled && IdpRecords.MapAll(format, json).Exists(r.Matches)).Select(r => r.Title).Order(StringComparer.Ordinal)];

    private static string[] FiredOnActivity(string json) => Fired("google-workspace", json);

    private static string[] FiredOnEntry(string json) => Fired("k8s-audit", json);

    [Fact]
    public void SigmaHqsWorkspaceRules_AllLoad()
    {
        Assert.Equal(19, Rules.Value.Count);
    }

    [Theory]
    [InlineData("GRANT_ADMIN_PRIVILEGE", """[{"name":"USER_EMAIL","value":"lee.park@acme.example"}]""", "Google Workspace User Granted Admin Privileges")]
    [InlineData("GRANT_DELEGATED_ADMIN_PRIVILEGES", """[{"name":"USER_EMAIL","value":"lee.park@acme.example"},{"name":"NEW_VALUE","value":"_GROUPS_ADMIN_ROLE"}]""", "Google Workspace User Granted Admin Privileges")]
    [InlineData("AUTHORIZE_API_CLIENT_ACCESS", """[{"name":"API_CLIENT_NAME","value":"1078392093847"},{"name":"API_SCOPES","multiValue":["https://mail.google.com/"]}]""", "Google Workspace Granted Domain API Access")]
    [InlineData("CREATE_USER", """[{"name":"USER_EMAIL","value":"svc-backup@acme.example"}]""", "Google Workspace User Account Created")]
    [InlineData("ADD_TRUSTED_DOMAINS", """[{"name":"DOMAIN_NAME","value":"acme-partners.example"}]""", "Google Workspace Trusted Domain Added")]
    [InlineData("REMOVE_PRIVILEGE", """[{"name":"ROLE_NAME","value":"Helpdesk"},{"name":"PRIVILEGE_NAME","value":"USERS_RETRIEVE"}]""", "Google Workspace Role Privilege Deleted")]
    [InlineData("RENAME_ROLE", """[{"name":"ROLE_NAME","value":"Helpdesk"}]""", "Google Workspace Role Modified or Deleted")]
    public void AdminEvents_FireTheirRule_InTheReportsApisActivity_AndInTheSharedEntry(string name, string parameters, string title)
    {
        Assert.Equal([title], FiredOnActivity(Activity("admin", name, parameters)));
        var method = "google.admin.AdminService." + WorkspaceActivityFields.LowerCamel(name);
        Assert.Equal([title], FiredOnEntry(Entry("admin.googleapis.com", method, name, parameters.Replace("multiValue", "multiStrValue", StringComparison.Ordinal))));
    }

    [Fact]
    public void AnAdminEvent_OfAnotherApplicationOrAnotherService_FiresNothing()
    {
        // The same name in a login activity, and the same event in an entry of another service, are no Admin console events.
        Assert.Empty(FiredOnActivity(Activity("login", "CREATE_USER")));
        Assert.Empty(FiredOnEntry(Entry("iam.googleapis.com", "google.admin.AdminService.createUser", "CREATE_USER")));

        // An Admin event no rule names.
        Assert.Empty(FiredOnActivity(Activity("admin", "CHANGE_USER_LAST_NAME", """[{"name":"USER_EMAIL","value":"lee.park@acme.example"}]""")));
    }

    [Theory]
    [InlineData("""[{"name":"NEW_VALUE","value":"false"},{"name":"OLD_VALUE","value":"true"}]""", true)]
    [InlineData("""[{"name":"NEW_VALUE","boolValue":false}]""", true)]
    [InlineData("""[{"name":"new_value","value":"false"}]""", true)]
    [InlineData("""[{"name":"NEW_VALUE","value":"true"},{"name":"OLD_VALUE","value":"false"}]""", false)]
    [InlineData("""[{"name":"OLD_VALUE","value":"false"}]""", false)]
    [InlineData("[]", false)]
    public void MfaDisabled_ReadsTheNewValueParameter_WhateverItsCaseOrValueMember(string parameters, bool fires)
    {
        var title = "Google Workspace MFA Disabled";
        Assert.Equal(fires, FiredOnActivity(Activity("admin", "ENFORCE_STRONG_AUTHENTICATION", parameters)).Contains(title));
        Assert.Equal(fires, FiredOnActivity(Activity("admin", "ALLOW_STRONG_AUTHENTICATION", parameters)).Contains(title));
        Assert.Equal(fires, FiredOnEntry(Entry("admin.googleapis.com", "google.admin.AdminService.enforceStrongAuthentication", "ENFORCE_STRONG_AUTHENTICATION", parameters)).Contains(title));
    }

    [Fact]
    public void MfaDisabled_ReadsAnActivityWhoseEventsIsOneObject_AsElasticsPipelineLeavesIt()
    {
        var activity = Activity("admin", "ENFORCE_STRONG_AUTHENTICATION", """[{"name":"NEW_VALUE","value":"false"}]""").TrimEnd();
        var split = activity.Replace("\"events\":[{", "\"events\":{", StringComparison.Ordinal)[..^3] + "}}";

        Assert.Contains("\"events\":{", split, StringComparison.Ordinal);
        Assert.Equal(["Google Workspace MFA Disabled"], FiredOnActivity(split));
    }

    [Theory]
    [InlineData("Password Management - Enforce strong password", "Google Workspace Password Policy Changed")]
    [InlineData("ContextAwareAccess - Access levels", "Google Workspace Application Access Level Modified")]
    [InlineData("Gmail - Enable IMAP access", null)]
    public void ApplicationSettingRules_ReadTheSettingName(string setting, string? title)
    {
        var parameters = $$"""[{"name":"APPLICATION_NAME","value":"Security"},{"name":"SETTING_NAME","value":"{{setting}}"},{"name":"NEW_VALUE","value":"false"}]""";

        string[] expected = title is null ? [] : [title];
        Assert.Equal(expected, FiredOnActivity(Activity("admin", "CHANGE_APPLICATION_SETTING", parameters)));
        Assert.Equal(expected, FiredOnEntry(Entry("admin.googleapis.com", "google.admin.AdminService.changeApplicationSetting", "CHANGE_APPLICATION_SETTING", parameters)));
    }

    [Theory]
    [InlineData("EXTERNAL", true)]
    [InlineData("INTERNAL", false)]
    public void ExternalMemberAddedToAGroup_ReadsTheMemberType(string memberType, bool fires)
    {
        var parameters = $$"""[{"name":"USER_EMAIL","value":"contractor@elsewhere.example"},{"name":"GROUP_EMAIL","value":"finance@acme.example"},{"name":"MEMBER_TYPE","value":"{{memberType}}"}]""";

        Assert.Equal(fires, FiredOnActivity(Activity("admin", "ADD_GROUP_MEMBER", parameters)).Length == 1);
        Assert.Equal(fires, FiredOnEntry(Entry("admin.googleapis.com", "google.admin.AdminService.addGroupMember", "ADD_GROUP_MEMBER", parameters, "GROUP_SETTINGS")).Length == 1);
    }

    [Theory]
    [InlineData("suspicious_login", "Suspicious Login Activity Classified By Google")]
    [InlineData("suspicious_programmatic_login", "Suspicious Login Activity Classified By Google")]
    [InlineData("gov_attack_warning", "Google Workspace Government Attack Warning")]
    [InlineData("email_forwarding_out_of_domain", "Google Workspace Out Of Domain Email Forwarding")]
    public void LoginRules_WrittenOnTheEntrysPaths_ReadTheReportsApisActivityToo(string name, string title)
    {
        const string Parameters = """[{"name":"login_type","value":"google_password"},{"name":"affected_email_address","value":"noor.haddad@acme.example"}]""";

        Assert.Equal([title], FiredOnEntry(Entry("login.googleapis.com", "google.login.LoginService." + WorkspaceActivityFields.LowerCamel(name), name, Parameters, "account_warning")));
        Assert.Equal([title], FiredOnActivity(Activity("login", name, Parameters, "account_warning", "noor.haddad@acme.example")));
    }

    [Fact]
    public void LoginRules_StayQuiet_OnAnOrdinarySignInAndOnAnotherServicesEntry()
    {
        Assert.Empty(FiredOnActivity(Activity("login", "login_success", """[{"name":"login_type","value":"google_password"},{"name":"is_suspicious","boolValue":false}]""", "login")));
        Assert.Empty(FiredOnEntry(Entry("admin.googleapis.com", "google.admin.AdminService.suspiciousLogin", "suspicious_login")));
    }

    [Theory]
    [InlineData("people_with_link", true)]
    [InlineData("public_on_the_web", true)]
    [InlineData("shared_internally", false)]
    [InlineData("private", false)]
    public void DriveSharing_ReadsTheVisibilityParameter_TheRuleNamesAsAMemberOfTheEvent(string visibility, bool fires)
    {
        var parameters = $$"""[{"name":"doc_id","value":"1bXk6"},{"name":"doc_title","value":"Q4 forecast"},{"name":"visibility","value":"{{visibility}}"},{"name":"old_value","multiValue":["private"]},{"name":"new_value","multiValue":["{{visibility}}"]}]""";

        Assert.Equal(
            fires ? ["Google Workspace Drive File Shared Externally or Publicly"] : [],
            FiredOnActivity(Activity("drive", "change_acl_editors", parameters, "acl_change", "ana.silva@acme.example")));
    }

    [Fact]
    public void DriveOwnershipTransfer_Fires_AndADriveViewDoesNot()
    {
        Assert.Equal(["Google Workspace Drive File Ownership Transferred"], FiredOnActivity(Activity("drive", "transfer_document_ownership", """[{"name":"doc_id","value":"1bXk6"},{"name":"new_owner","value":"x@elsewhere.example"}]""", "access")));
        Assert.Empty(FiredOnActivity(Activity("drive", "view", """[{"name":"doc_id","value":"1bXk6"}]""", "access")));
    }

    [Theory]
    [InlineData("service: google_workspace.admin")]
    [InlineData("product: google_workspace\nservice: google_workspace.admin")]
    [InlineData("product: gcp\nservice: google_workspace.admin")]
    public void EveryWayTheLogsourceIsWritten_HasTheMapping(string logsource)
    {
        var rule = SigmaIdp.Inline(logsource, "selection:\n  eventService: admin.googleapis.com\n  eventName: GRANT_ADMIN_PRIVILEGE\ncondition: selection");

        Assert.True(rule.Fires("google-workspace", Activity("admin", "GRANT_ADMIN_PRIVILEGE")));
        Assert.False(rule.Fires("google-workspace", Activity("admin", "CHANGE_USER_LAST_NAME")));
    }

    [Fact]
    public void TheMethodName_IsReadFromTheEntry_AndMadeForAnActivityAsGoogleNamesIt()
    {
        var rule = SigmaIdp.Inline(
            "product: gcp\nservice: google_workspace.admin", "selection:\n  protoPayload.methodName: google.admin.AdminService.addGroupMember\ncondition: selection");

        Assert.True(rule.Fires("google-workspace", Activity("admin", "ADD_GROUP_MEMBER")));
        Assert.True(rule.Fires("k8s-audit", Entry("admin.googleapis.com", "google.admin.AdminService.addGroupMember", "ADD_GROUP_MEMBER")));
        Assert.False(rule.Fires("google-workspace", Activity("admin", "REMOVE_GROUP_MEMBER")));
        Assert.Equal("loginFailure", WorkspaceActivityFields.LowerCamel("login_failure"));
        Assert.Equal("2svDisable", WorkspaceActivityFields.LowerCamel("2sv_disable"));
        Assert.Equal("moveUserToOrgUnit", WorkspaceActivityFields.LowerCamel("MOVE_USER_TO_ORG_UNIT"));
    }

    [Fact]
    public void ANegatedRule_NeverReadsAnotherProvidersEventOrAnotherServicesEntry()
    {
        var rule = SigmaIdp.Inline("product: gcp\nservice: google_workspace.admin", "selection:\n  eventName: CREATE_USER\ncondition: not selection");

        Assert.True(rule.Fires("google-workspace", Activity("admin", "DELETE_USER")));
        Assert.False(rule.Fires("google-workspace", Activity("login", "login_success", type: "login")));
        Assert.False(rule.Fires("k8s-audit", Entry("iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccountKey", "x")));
        Assert.False(rule.Fires("okta", """
            {"uuid":"9f1c0e2a-0000-4000-8000-000000000001","published":"2026-12-07T10:15:00.000Z","eventType":"user.session.start",
             "actor":{"id":"00u1","type":"User","alternateId":"lee.park@acme.example"},"outcome":{"result":"SUCCESS"},
             "client":{"ipAddress":"203.0.113.40"}}
            """));
    }

    [Fact]
    public void AFieldThatIsNeitherAParameterNorAPath_IsALoadErrorNamingTheFields()
    {
        var error = SigmaIdp.ErrorOf(
            "product: gcp\nservice: google_workspace.admin", "selection:\n  admin.alert.name: google.admin.AdminService.grantAdminPrivilege\ncondition: selection");

        Assert.Contains("admin.alert.name", error.Reason, StringComparison.Ordinal);
        Assert.Contains("eventService", error.Reason, StringComparison.Ordinal);
    }
}
