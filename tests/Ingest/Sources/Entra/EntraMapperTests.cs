namespace ZtStream.Ingest.Tests.Sources.Entra;

public sealed class EntraMapperTests
{
    [Fact]
    public void Map_EachShape_TheDirectoryIsAadTenantIdOrTheExportsTenantId_NeverTheWorkspace()
    {
        // Every row of one workspace carries its TenantId (0f0f0f0f-…); each names its own directory, or none.
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "directory-not-workspace.ndjson")), 6);

        Assert.Equal(["11111111-2222-4333-8444-555555555555", "22222222-3333-4444-8555-666666666666", "11111111-2222-4333-8444-555555555555", "11111111-2222-4333-8444-555555555555"],
            e.Take(4).Select(x => x.Subject?.Tenant));
        Assert.Equal([EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthSessionRevoked], e.Take(4).Select(x => x.Kind));
        Assert.Equal("service_account", e[2].Subject?.Type);

        // The risk table has no AADTenantId column: no tenant rather than the workspace. A sign-in row without it names
        // the tenant it signed in to.
        Assert.Null(e[4].Subject?.Tenant);
        Assert.Equal("11111111-2222-4333-8444-555555555555", e[5].Subject?.Tenant);
        Assert.DoesNotContain(e, x => x.Subject?.Tenant == "0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd");

        // Each sign-in keeps the token identifier its Graph requests name as SignInActivityId.
        Assert.Equal(["VG9rZW5PZlJoZWFNb3Nz", "Tm9uSW50ZXJhY3RpdmUy", "U2VydmljZVByaW5jaXBhbDM"], e.Take(3).Select(x => x.Attr(IdentityAttributes.TokenId)));

        // An export's tenantId is the directory; Graph's signIn names the tenant signed in to.
        var export = MapperAssert.MapsAll(EntraMapper.Map("""
            {"records":[{"time":"2024-06-12T07:30:00Z","category":"NonInteractiveUserSignInLogs","tenantId":"11111111-2222-4333-8444-555555555555","resultType":"0",
             "properties":{"id":"e0000000-0000-4000-8000-000000000311","createdDateTime":"2024-06-12T07:30:00Z","userPrincipalName":"rhea.moss@contoso.example",
              "ipAddress":"203.0.113.31","isInteractive":false,"status":{"errorCode":0},"homeTenantId":"33333333-4444-4555-8666-777777777777","uniqueTokenIdentifier":"RXhwb3J0ZWRUb2tlbg"}}]}
            """u8), 1)[0];
        Assert.Equal("11111111-2222-4333-8444-555555555555", export.Subject?.Tenant);
        Assert.Equal("RXhwb3J0ZWRUb2tlbg", export.Attr(IdentityAttributes.TokenId));

        var graph = MapperAssert.MapsAll(EntraMapper.Map("""
            {"value":[{"id":"66ea54eb-0000-4000-8000-000000000312","createdDateTime":"2024-06-12T07:30:00Z","userPrincipalName":"guest_partner#EXT#@fabrikam.example",
             "ipAddress":"198.51.100.32","isInteractive":true,"status":{"errorCode":0},"resourceTenantId":"22222222-3333-4444-8555-666666666666",
             "homeTenantId":"33333333-4444-4555-8666-777777777777","uniqueTokenIdentifier":"R3JhcGhTaWduSW4"}]}
            """u8), 1)[0];
        Assert.Equal("22222222-3333-4444-8555-666666666666", graph.Subject?.Tenant);
        Assert.Equal("R3JhcGhTaWduSW4", graph.Attr(IdentityAttributes.TokenId));
    }

    [Fact]
    public void Map_DiagnosticSettingsSignInRecords_MapSuccessFailureMfaDenialAndInterrupt()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "signin-records.json")), 4);

        var ok = e[0];
        MapperAssert.IsSignIn(
            ok, "tperkins@contoso.example", "d3f0b4c2-6e1a-4b8e-9a5f-1c2d3e4f5a6b", srcIp: "198.51.100.40", country: "US", city: "Bellevue",
            tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c");
        Assert.Equal("0231f922-93fa-4005-bb11-b344eca03c01", ok.Id);
        Assert.Equal(new DateTimeOffset(2024, 5, 2, 16, 2, 15, TimeSpan.Zero).AddTicks(5522137), ok.Time);
        Assert.Equal("push", ok.Attr(IdentityAttributes.Factor));
        Assert.Equal("success", ok.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("success", ok.Attr(IdentityAttributes.ConditionalAccess));
        Assert.Equal("3e5ad2d6-8a6f-4c8b-9c7e-1a2b3c4d5e6f", ok.Attr(IdentityAttributes.DeviceId));
        Assert.True(ok.Flag(IdentityAttributes.DeviceCompliant));
        Assert.True(ok.Flag(IdentityAttributes.DeviceManaged));
        Assert.True(ok.Flag(IdentityAttributes.Interactive));
        Assert.Equal("none", ok.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("Azure Portal", ok.Attr(IdentityAttributes.App));
        Assert.Equal("SignInLogs", ok.Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("Password Hash Sync", ok.Raw!.Value.GetProperty("properties").GetProperty("authenticationDetails")[0].GetProperty("authenticationMethodDetail").GetString());

        var wrongPassword = e[1];
        MapperAssert.IsRefusedSignIn(
            wrongPassword, "tperkins@contoso.example", resultCode: "50126", failureReason: "Error validating credentials due to invalid username or password.");
        Assert.Equal("RU", wrongPassword.Attr(IdentityAttributes.GeoCountry));
        Assert.Equal("Exchange ActiveSync", wrongPassword.Attr(IdentityAttributes.ClientApp));

        var declined = e[2];
        Assert.Equal(EventKinds.AuthMfa, declined.Kind);
        Assert.Equal("denied", declined.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("push", declined.Attr(IdentityAttributes.Factor));
        Assert.Equal("5f0c1d2e-3a4b-5c6d-7e8f-9a0b1c2d3e4f", declined.Token?.SessionId);

        // Microsoft's own example: a "Keep me signed in" interrupt is neither a success nor a failure.
        var interrupt = e[3];
        Assert.Equal(EventKinds.AuthLogin, interrupt.Kind);
        Assert.Null(interrupt.Outcome);
        Assert.True(interrupt.Flag(IdentityAttributes.Interrupted));
        Assert.Equal("50140", interrupt.Attr(IdentityAttributes.ResultCode));
    }

    [Fact]
    public void Map_NonInteractiveAndServicePrincipalSignIns_MapRiskAndTheMachineSubject()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "noninteractive-and-service-principal.json")), 2);

        var background = e[0];
        Assert.Equal(EventKinds.AuthLogin, background.Kind);
        Assert.False(background.Flag(IdentityAttributes.Interactive));
        Assert.Equal("high", background.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["anonymizedIPAddress", "unfamiliarFeatures"], background.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("atRisk", background.Attr("idp.risk_state"));
        Assert.Equal("2001:db8::42", background.Network?.SrcIp);
        Assert.Null(background.Attr(IdentityAttributes.DeviceId));

        var machine = e[1];
        MapperAssert.IsRefusedSignIn(machine, "billing-batch", resultCode: "7000215");
        Assert.Equal("service_account", machine.Subject?.Type);
        Assert.Null(machine.Attr(IdentityAttributes.Interactive));
    }

    [Fact]
    public void Map_AuditRecords_MapRoleGrantPasswordResetFactorRemovalAndPolicyChange()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "audit-records.json")), 4);

        MapperAssert.IsRoleGrant(
            e[0], actor: "admin@contoso.example", targetUser: "tperkins@contoso.example", role: "Global Administrator", srcIp: "192.0.2.50", eventType: "RoleManagement/Add member to role");
        MapperAssert.IsChange(e[1], EventKinds.AuthCredentialChange, "reset", subject: "mlopez@fabrikam.example", actor: "admin@contoso.example");
        MapperAssert.IsChange(e[2], EventKinds.AuthCredentialChange, "remove", subject: "mlopez@fabrikam.example", actor: null);

        var policy = e[3];
        Assert.Equal(EventKinds.AuthAdminChange, policy.Kind);
        Assert.Equal("policy_change", policy.Attr(IdentityAttributes.Change));
        Assert.Equal("Terraform automation", policy.Subject?.Id);
        Assert.Equal("service_account", policy.Subject?.Type);
        Assert.Equal(Outcomes.Denied, policy.Outcome);
        Assert.Equal("Insufficient privileges", policy.Attr(IdentityAttributes.FailureReason));
        Assert.Equal("policy", policy.Resource?.Type);
    }

    [Fact]
    public void Map_PimRecords_TheRoleIsTheFirstTarget_RequestsAndActivationsGrantNothing()
    {
        // Privileged Identity Management's own records (loggedByService PIM) name the role as the first target, by its
        // display name, then the request, the user and the directory: as the diagnostic export, Graph's directoryAudit
        // and the AuditLogs table (dynamic columns as text) write them.
        const string Targets = """[{"id":"62e90394-69f5-4237-9190-012177145e10","type":"Role","displayName":"Privileged Role Administrator","modifiedProperties":[]},{"id":"9a8b0000-0000-4000-8000-000000000001","type":"Request"},{"id":"5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d","type":"User","userPrincipalName":"TPerkins@contoso.example","displayName":"Tom Perkins"},{"id":"72f988bf-86f1-41af-91ab-2d7cd011db47","type":"Directory","displayName":"Contoso"}]""";
        const string By = """{"user":{"id":"e1e1e1e1-0000-4000-8000-000000000001","userPrincipalName":"admin@contoso.example","ipAddress":"192.0.2.50"}}""";
        var body = $$$"""
            {"records":[
              {"time":"2024-05-03T09:30:00.0000000Z","operationName":"Add member to role in PIM completed (permanent)","category":"AuditLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","properties":{"id":"PIM_0001","category":"RoleManagement","result":"success","activityDisplayName":"Add member to role in PIM completed (permanent)","activityDateTime":"2024-05-03T09:30:00.0000000+00:00","loggedByService":"PIM","initiatedBy":{{{By}}},"targetResources":{{{Targets}}}}},
              {"time":"2024-05-03T09:29:00.0000000Z","operationName":"Add member to role in PIM requested (permanent)","category":"AuditLogs","properties":{"id":"PIM_0002","category":"RoleManagement","result":"success","activityDisplayName":"Add member to role in PIM requested (permanent)","activityDateTime":"2024-05-03T09:29:00.0000000+00:00","loggedByService":"PIM","initiatedBy":{{{By}}},"targetResources":{{{Targets}}}}},
              {"time":"2024-05-03T10:00:00.0000000Z","operationName":"Add member to role completed (PIM activation)","category":"AuditLogs","properties":{"id":"PIM_0003","category":"RoleManagement","result":"success","activityDisplayName":"Add member to role completed (PIM activation)","activityDateTime":"2024-05-03T10:00:00.0000000+00:00","loggedByService":"PIM","initiatedBy":{"user":{"id":"5b6c8c1e-62a7-4c0e-9f5e-6b3b1d1a2c3d","userPrincipalName":"tperkins@contoso.example"}},"targetResources":{{{Targets}}}}}
            ]}
            """;
        var graph = $$$"""{"id":"PIM_0004","category":"RoleManagement","result":"success","activityDisplayName":"Add eligible member to role in PIM completed (timebound)","activityDateTime":"2024-05-03T09:31:00Z","loggedByService":"PIM","initiatedBy":{{{By}}},"targetResources":{{{Targets}}}}""";
        var row = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Type"] = "AuditLogs", ["Id"] = "PIM_0005", ["Category"] = "RoleManagement", ["Result"] = "success", ["ActivityDateTime"] = "2024-05-03T09:32:00Z",
            ["OperationName"] = "Add member to role in PIM completed (timebound)", ["ActivityDisplayName"] = "Add member to role in PIM completed (timebound)",
            ["LoggedByService"] = "PIM", ["InitiatedBy"] = By, ["TargetResources"] = Targets,
        });

        var e = MapperAssert.MapsAll(EntraMapper.Map(Encoding.UTF8.GetBytes(body)), 3);
        var fromGraph = Assert.Single(EntraMapper.Map(Encoding.UTF8.GetBytes(graph)).Events);
        var fromRow = Assert.Single(EntraMapper.Map(Encoding.UTF8.GetBytes(row)).Events);

        foreach (var grant in new[] { e[0], fromGraph, fromRow })
        {
            MapperAssert.IsRoleGrant(grant, actor: "admin@contoso.example", targetUser: "tperkins@contoso.example", role: "Privileged Role Administrator");
            Assert.Equal("role", grant.Resource?.Type);
            Assert.Equal("Privileged Role Administrator", grant.Resource?.Id);
        }

        Assert.Equal("role_request", e[1].Attr(IdentityAttributes.Change));
        Assert.Equal("role_activation", e[2].Attr(IdentityAttributes.Change));
        Assert.All(e.Skip(1), x => Assert.Equal(EventKinds.AuthAdminChange, x.Kind));
    }

    [Fact]
    public void Map_ElevateAccess_IsUserAccessAdministratorGrantedToTheAdministrator()
    {
        // A Global Administrator's "Access management for Azure resources" toggle: User Access Administrator at the root
        // scope. The audit record (category AzureRBACRoleManagementElevateAccess) names the role in its activity only.
        const string Activity = "User has elevated their access to User Access Administrator for their Azure Resources";
        const string By = """{"user":{"id":"e1e1e1e1-0000-4000-8000-000000000001","userPrincipalName":"Admin@contoso.example","ipAddress":"192.0.2.50"}}""";
        var export = $$$"""{"records":[{"time":"2024-05-03T11:00:00.0000000Z","operationName":"{{{Activity}}}","category":"AuditLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","properties":{"id":"Elevate_0001","category":"AzureRBACRoleManagementElevateAccess","result":"success","activityDisplayName":"{{{Activity}}}","activityDateTime":"2024-05-03T11:00:00.0000000+00:00","loggedByService":"Azure RBAC (Elevated Access)","operationType":"Assign","initiatedBy":{{{By}}},"targetResources":[],"additionalDetails":[{"key":"Scope","value":"/"}]}}]}""";
        var graph = $$$"""{"id":"Elevate_0002","category":"AzureRBACRoleManagementElevateAccess","result":"success","activityDisplayName":"{{{Activity}}}","activityDateTime":"2024-05-03T11:01:00Z","loggedByService":"Azure RBAC (Elevated Access)","initiatedBy":{{{By}}},"targetResources":[]}""";
        var row = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Type"] = "AuditLogs", ["Id"] = "Elevate_0003", ["Category"] = "AzureRBACRoleManagementElevateAccess", ["Result"] = "success",
            ["ActivityDateTime"] = "2024-05-03T11:02:00Z", ["OperationName"] = Activity, ["ActivityDisplayName"] = Activity, ["InitiatedBy"] = By, ["TargetResources"] = "[]",
        });

        foreach (var body in new[] { export, graph, row })
        {
            var e = Assert.Single(EntraMapper.Map(Encoding.UTF8.GetBytes(body)).Events);
            Assert.Equal(EventKinds.AuthAdminChange, e.Kind);
            Assert.Equal("role_grant", e.Attr(IdentityAttributes.Change));
            Assert.Equal("admin@contoso.example", e.Subject?.Id);
            Assert.Equal("User Access Administrator", e.Attr(IdentityAttributes.TargetRole));
            Assert.Equal(Outcomes.Success, e.Outcome);
        }
    }

    [Fact]
    public void Map_LogAnalyticsRows_ReadThePascalCaseColumnsAndPipelineTimestamps()
    {
        var events = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "log-analytics.ndjson")), 2);

        var locked = events[0];
        Assert.Equal("3c4d5e6f-7081-4a2b-9c3d-4e5f60718293", locked.Id);
        Assert.Equal(new DateTimeOffset(2024, 6, 12, 7, 30, 1, TimeSpan.Zero), locked.Time);
        Assert.Equal("mlopez@fabrikam.example", locked.Subject?.Id);
        Assert.Equal(Outcomes.Denied, locked.Outcome);
        Assert.Equal("50053", locked.Attr(IdentityAttributes.ResultCode));
        Assert.Equal("BR", locked.Attr(IdentityAttributes.GeoCountry));
        Assert.Equal("medium", locked.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("7a6b5c4d-3e2f-1a0b-9c8d-7e6f5a4b3c2d", locked.Token?.SessionId);
        Assert.Equal("198.51.100.77", locked.Network?.SrcIp);

        var background = events[1];
        Assert.Equal(Outcomes.Success, background.Outcome);
        Assert.False(background.Flag(IdentityAttributes.Interactive));
    }

    [Fact]
    public void Map_GraphSignInPage_IsReadFromValue()
    {
        var body = """
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[
              {"id":"g-1","createdDateTime":"2025-02-01T10:00:00Z","userPrincipalName":"ravi@northwind.example","appId":"a1","appDisplayName":"Graph Explorer",
               "ipAddress":"192.0.2.8","status":{"errorCode":50074,"failureReason":"Strong Authentication is required."},"location":{"countryOrRegion":"IN"}}]}
            """u8;

        var e = Assert.Single(EntraMapper.Map(body).Events);

        Assert.Equal(EventKinds.AuthMfa, e.Kind);
        Assert.Equal("challenge", e.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("IN", e.Attr(IdentityAttributes.GeoCountry));
    }

    [Theory]
    [InlineData(50053, EventKinds.AuthLogin, Outcomes.Denied)]
    [InlineData(53003, EventKinds.AuthLogin, Outcomes.Denied)]
    [InlineData(90033, EventKinds.AuthLogin, Outcomes.Error)]
    [InlineData(50076, EventKinds.AuthMfa, null)]
    [InlineData(16000, EventKinds.AuthLogin, null)]
    public void Map_ResultCodes_DecideKindAndOutcome(int code, string kind, string? outcome)
    {
        var body = Encoding.UTF8.GetBytes("{\"category\":\"SignInLogs\",\"properties\":{\"id\":\"c-" + code + "\",\"createdDateTime\":\"2025-01-01T00:00:00Z\",\"userPrincipalName\":\"a@b.example\",\"status\":{\"errorCode\":" + code + "}}}");

        MapperAssert.MapsTo(EntraMapper.Map(body), kind, outcome);
    }

    [Fact]
    public void Map_ThirdPartySignInRecords_MapManagedIdentityNamelessServicePrincipalAndAdfs()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "third-party-signins.json")), EventKinds.AuthLogin, EventKinds.AuthLogin, EventKinds.AuthLogin);

        // A managed identity: no user, no address, empty location members; the identity is the subject.
        Assert.Equal("inventory-sync-mi", e[0].Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[0].Subject?.Type);
        Assert.Null(e[0].Network);
        Assert.Null(e[0].Attr(IdentityAttributes.GeoCountry));

        // Its object id is its id at the provider (what its Graph requests name), never the empty user members.
        Assert.Equal("50000000-0000-4000-8000-000000000001", e[0].Attr(IdentityAttributes.IdpUserId));

        // A service principal Entra logged without its name: its id, never the empty user members.
        Assert.Equal("50000000-0000-4000-8000-000000000002", e[1].Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[1].Subject?.Type);
        Assert.Equal(new DateTimeOffset(2025, 11, 14, 1, 46, 16, TimeSpan.Zero).AddTicks(4282975), e[1].Time);

        // AD FS sign-ins name the user and, as servicePrincipalName, the application: the user is who signed in.
        Assert.Equal("nora.vale@contoso.example", e[2].Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.User, e[2].Subject?.Type);
        Assert.Equal("password", e[2].Attr(IdentityAttributes.Factor));
    }

    [Fact]
    public void Map_RecordDatedOnlyByAUsStyleTime_ReadsItWithItsOffset()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "us-time.ndjson")), 2);

        // "1/9/2007 10:41:00 AM +01:00" and "01/09/2007 09:41:00" (UTC): month first, as Azure writes it.
        Assert.All(e, x => Assert.Equal(new DateTimeOffset(2007, 1, 9, 9, 41, 0, TimeSpan.Zero), x.Time));
    }

    [Fact]
    public void Map_LogAnalyticsRowsWithDynamicsAsText_ReadStatusLocationDeviceStepsRiskAndInitiator()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "log-analytics-text-dynamics.ndjson")), EventKinds.AuthMfa, EventKinds.AuthCredentialChange);

        var mfa = e[0];
        Assert.Equal(Outcomes.Denied, mfa.Outcome);
        Assert.Equal("denied", mfa.Attr(IdentityAttributes.MfaResult));
        Assert.Equal("MFA denied; user declined the authentication", mfa.Attr(IdentityAttributes.FailureReason));
        Assert.Equal("NG", mfa.Attr(IdentityAttributes.GeoCountry));
        Assert.Equal("Lagos", mfa.Attr(IdentityAttributes.GeoCity));
        Assert.Equal("Windows 10", mfa.Attr(IdentityAttributes.DeviceOs));
        Assert.Equal("push", mfa.Attr(IdentityAttributes.Factor));
        Assert.Equal(["unfamiliarFeatures"], mfa.List(IdentityAttributes.IdpRiskEvents));

        MapperAssert.IsChange(e[1], EventKinds.AuthCredentialChange, "reset", "oscar.lind@contoso.example", actor: "helpdesk@contoso.example");
        Assert.Equal("198.51.100.62", e[1].Network?.SrcIp);
    }

    [Fact]
    public void Map_GraphBetaPage_NamesNoFactorForPreviouslySatisfiedStepsAndToleratesNullMembers()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "graph-beta-page.json")), 2);

        MapperAssert.IsSignIn(e[0], "ivan.ross@contoso.example", "5e000000-0000-4000-8000-000000000030", srcIp: "2001:db8::25", country: "NO", city: "Oslo");
        // The MFA claim in the token met the requirement: a success, but no factor was used at this sign-in.
        Assert.Equal("success", e[0].Attr(IdentityAttributes.MfaResult));
        Assert.Null(e[0].Attr(IdentityAttributes.Factor));

        MapperAssert.IsRefusedSignIn(e[1], "ivan.ross@contoso.example", resultCode: "50126");
        Assert.Null(e[1].Attr(IdentityAttributes.GeoCountry));
        Assert.Null(e[1].Attr(IdentityAttributes.IdpRiskLevel));
    }

    [Fact]
    public void Map_ThirdPartyAudits_MapPimRoleGrantAppSecretAndSecurityInfo()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "third-party-audits.json")), EventKinds.AuthAdminChange, EventKinds.AuthAdminChange, EventKinds.AuthCredentialChange);

        MapperAssert.IsRoleGrant(e[0], actor: "MS-PIM", targetUser: "oscar.lind@contoso.example", role: "Global Administrator");
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, e[0].Subject?.Type);
        // "<null>" is Azure's placeholder for no caller address.
        Assert.Null(e[0].Network);
        Assert.Equal("app_credential_change", e[1].Attr(IdentityAttributes.Change));
        Assert.Equal("Payroll Connector", e[1].Resource?.Id);
        MapperAssert.IsChange(e[2], EventKinds.AuthCredentialChange, "enroll", "ivan.ross@contoso.example", actor: null);
    }

    [Fact]
    public void Map_IdentityProtectionRecords_AreTheProvidersRiskRatingOfTheUser()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "identity-protection.json")), 5);
        Assert.All(e, x => Assert.Equal(EventKinds.AuthRisk, x.Kind));

        var detection = e[0];
        Assert.Equal("kai.moreno@contoso.example", detection.Subject?.Id);
        Assert.Equal("u1000000-0000-4000-8000-000000000001", detection.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("high", detection.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["anonymizedIPAddress"], detection.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("203.0.113.140", detection.Network?.SrcIp);
        Assert.Equal("DE", detection.Attr(IdentityAttributes.GeoCountry));
        Assert.StartsWith("Mozilla/5.0 (Windows NT 10.0", detection.UserAgent, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2024, 8, 22, 18, 5, 6, 133, TimeSpan.Zero), detection.Time);
        Assert.Equal("UserRiskEvents/anonymizedIPAddress", detection.Attr(IdentityAttributes.IdpEventType));

        // An offline detection, dated by Entra with a one-digit hour; "generic" names no finding, passwordSpray does.
        Assert.Equal(new DateTimeOffset(2024, 9, 9, 8, 48, 50, 361, TimeSpan.Zero), e[1].Time);
        Assert.Equal(["passwordSpray"], e[1].List(IdentityAttributes.IdpRiskEvents));

        // The risky-user state: re-exported under the user's id at every change, each change an event of its own.
        Assert.Equal("medium", e[2].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Null(e[2].Attr(IdentityAttributes.GeoCountry));
        Assert.NotEqual(e[2].Id, e[3].Id);
        Assert.Equal("u1000000-0000-4000-8000-000000000001", e[3].Attr(IdentityAttributes.IdpUserId));

        // Remediated by a secure password reset: Entra no longer rates the user at risk.
        Assert.Equal("none", e[3].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("remediated", e[3].Attr("idp.risk_state"));

        // An administrator confirmed the user compromised.
        Assert.Equal("lin.ortiz@contoso.example", e[4].Subject?.Id);
        Assert.Equal("high", e[4].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Contains("credential_compromise", e[4].List(IdentityAttributes.IdpRiskEvents));
    }

    [Fact]
    public void Map_IdentityProtectionAsLogAnalyticsRowAndGraphRiskDetection_MapsTheSame()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "identity-protection-rows.ndjson")), EventKinds.AuthRisk, EventKinds.AuthRisk);

        Assert.Equal("ada.brook@contoso.example", e[0].Subject?.Id);
        Assert.Equal("medium", e[0].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("FR", e[0].Attr(IdentityAttributes.GeoCountry));
        Assert.Equal("198.51.100.140", e[0].Network?.SrcIp);

        // Dismissed by an administrator: kept, but no longer a rating, and dated at the dismissal (its update time).
        Assert.Equal("none", e[1].Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["unlikelyTravel"], e[1].List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("EC", e[1].Attr(IdentityAttributes.GeoCountry));
        Assert.Equal(new DateTimeOffset(2024, 8, 26, 9, 0, 0, TimeSpan.Zero), e[1].Time);
    }

    [Fact]
    public void Map_RiskyUserWithABadUpdateTime_IsAnErrorNamingThatField()
    {
        var body = """{"category":"RiskyUsers","properties":{"id":"u-9","userPrincipalName":"a@b.example","riskLastUpdatedDateTime":"soon","riskState":"atRisk","riskLevel":"high"}}"""u8;

        MapperAssert.Rejects(EntraMapper.Map(body), mapped: [], (0, "properties.riskLastUpdatedDateTime"));
    }

    [Fact]
    public void Map_LogAnalyticsQueryAnswer_MapsEachRowByItsColumnsAndRefusesARowShortOfValues()
    {
        var result = EntraMapper.Map(TestData.Idp("entra", "log-analytics-query.json"));

        MapperAssert.Rejects(result, mapped: [0, 1], (2, "$"));
        var failed = result.Events[0];
        MapperAssert.IsRefusedSignIn(failed, "ivan.ross@contoso.example", resultCode: "50126");
        Assert.Equal("PE", failed.Attr(IdentityAttributes.GeoCountry));
        Assert.Equal(true, failed.Flag(IdentityAttributes.Interactive));
        var background = result.Events[1];
        Assert.Equal(Outcomes.Success, background.Outcome);
        Assert.Equal(false, background.Flag(IdentityAttributes.Interactive));
        Assert.Equal("5e000000-0000-4000-8000-000000000061", background.Token?.SessionId);
    }

    [Fact]
    public void Map_QueryAnswerWithoutColumns_IsOneErrorNamingTheTable()
    {
        MapperAssert.RejectsWhole(EntraMapper.Map("""{"tables":[{"name":"PrimaryResult","rows":[["x"]]}]}"""u8), "tables[0]");
    }

    [Fact]
    public void Map_QueryAnswerWithAColumnNameThatIsNotUtf8_IsOneErrorNotAnException()
    {
        var body = Encoding.UTF8.GetBytes("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"Id@","type":"string"}],"rows":[["x"]]}]}""");
        body[Array.IndexOf(body, (byte)'@')] = 0x8F;

        MapperAssert.RejectsWhole(EntraMapper.Map(body), "tables");
    }

    [Fact]
    public void Map_MfaNotAnswered_IsATimeout()
    {
        var body = """{"category":"SignInLogs","properties":{"id":"t-1","createdDateTime":"2025-01-01T00:00:00Z","userPrincipalName":"a@b.example","status":{"errorCode":500121,"additionalDetails":"MFA denied; user did not respond to mobile app notification"}}}"""u8;

        var e = Assert.Single(EntraMapper.Map(body).Events);

        Assert.Equal("timeout", e.Attr(IdentityAttributes.MfaResult));
    }

    [Fact]
    public void Map_BadRecords_AreReportedWithIndexAndField()
    {
        var body = """
            {"records":[
              {"category":"SignInLogs","properties":{"createdDateTime":"2025-01-01T00:00:00Z","userPrincipalName":"a@b.example","status":{"errorCode":0}}},
              {"category":"SignInLogs","properties":{"id":"s-2","createdDateTime":"soon","userPrincipalName":"a@b.example","status":{"errorCode":0}}},
              {"category":"SignInLogs","properties":{"id":"s-3","createdDateTime":"2025-01-01T00:00:00Z","userPrincipalName":"a@b.example"}},
              {"category":"StorageRead","properties":{}},
              {"category":"AuditLogs","properties":{"id":"a-5","activityDateTime":"2025-01-01T00:00:00Z","initiatedBy":{}}},
              {"category":"SignInLogs","properties":{"id":"s-6","createdDateTime":"2025-01-01T00:00:00Z","userPrincipalName":"a@b.example","status":{"errorCode":0}}}
            ]}
            """u8;

        MapperAssert.Rejects(
            EntraMapper.Map(body),
            mapped: [0, 5],
            (1, "properties.createdDateTime"), (2, "properties.status.errorCode"), (3, "category"), (4, "properties.activityDisplayName"));
    }

    [Fact]
    public void Map_RecordsThatIsNotAnArray_IsOneError()
    {
        MapperAssert.RejectsWhole(EntraMapper.Map("""{"records":{"a":1}}"""u8), "records");
    }

    [Fact]
    public void Map_EventHubBodiesPostedAsOneArray_MapsEveryRecordAndAGuestIsOnePrincipal()
    {
        var events = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "event-hub-batch.json")), 4);

        // The guest's own sign-in names it by the address it signs in with; its audit record and its non-interactive
        // sign-in by the inviting directory's #EXT# name. All three are one principal.
        Assert.Equal(["amara.okafor@partner.example", "amara.okafor@partner.example", "amara.okafor@partner.example", "vm-reports-01"], events.Select(e => e.Subject?.Id));
        Assert.Equal([EventKinds.AuthLogin, EventKinds.AuthCredentialChange, EventKinds.AuthLogin, EventKinds.AuthLogin], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal("0b7e5c1a-2f4d-4c3b-9a8e-111111111111", e.Subject?.Tenant));
        Assert.Null(events[1].Attr(IdentityAttributes.Actor));
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, events[3].Subject?.Type);
        Assert.Null(events[3].Network);
    }

    [Theory]
    [InlineData("amara.okafor_partner.example#EXT#@initechcorp.onmicrosoft.com", "amara.okafor@partner.example")]
    [InlineData("first_last_partner.example#EXT#@initechcorp.onmicrosoft.com", "first_last@partner.example")]
    [InlineData("kim_mail.example#ext#@initechcorp.onmicrosoft.com", "kim@mail.example")]
    [InlineData("kim@initech.example", "kim@initech.example")]
    [InlineData("nounderscore#EXT#@initechcorp.onmicrosoft.com", "nounderscore#EXT#@initechcorp.onmicrosoft.com")]
    [InlineData("kim_#EXT#@initechcorp.onmicrosoft.com", "kim_#EXT#@initechcorp.onmicrosoft.com")]
    public void HomeName_AGuestsDirectoryName_IsTheAddressItSignsInWith(string name, string expected)
    {
        Assert.Equal(expected, EntraMapper.HomeName(name));
    }
}
