namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: azure</c>, services <c>signinlogs</c> and <c>auditlogs</c>: SigmaHQ's names (Log Analytics' PascalCase
/// columns, Azure Monitor's <c>properties.…</c>) on Entra ID records in the three shapes Microsoft documents: a
/// diagnostic-settings export (<c>{"records":[…]}</c>, details under <c>properties</c>), a Log Analytics row and a
/// Microsoft Graph <c>signIn</c> or <c>directoryAudit</c>.
/// </summary>
public sealed class EntraLogsourceTests
{
    private const string Declined = "Authentication failed during strong authentication request.";

    private static string Export(string record) => $$$"""{"records":[{{{record}}}]}""";

    private static string ExportedSignIn(long code, string description, string properties = "") => $$$"""
        {"time":"2026-11-30T08:01:02.345Z","resourceId":"/tenants/72f988bf-0000-4000-8000-2d7cd011db47/providers/Microsoft.aadiam","operationName":"Sign-in activity",
         "operationVersion":"1.0","category":"SignInLogs","tenantId":"72f988bf-0000-4000-8000-2d7cd011db47","resultType":"{{{code}}}","resultSignature":"None",
         "resultDescription":"{{{description}}}","durationMs":0,"callerIpAddress":"203.0.113.77","correlationId":"c1d2e3f4-0000-4000-8000-000000000001","identity":"Kim Lee","Level":4,
         "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"2026-11-30T08:01:02.345Z","userDisplayName":"Kim Lee","userPrincipalName":"kim.lee@contoso.example",
          "userId":"5b6c8c1e-0000-4000-8000-000000000001","appId":"00000002-0000-0ff1-ce00-000000000000","appDisplayName":"Office 365 Exchange Online","ipAddress":"203.0.113.77",
          "status":{"errorCode":{{{code}}},"failureReason":"{{{description}}}"},"isInteractive":true{{{properties}}} } }
        """;

    private static string LogAnalyticsSignIn(long code, string description, string columns = "") => $$$"""
        {"TenantId":"72f988bf-0000-4000-8000-2d7cd011db47","TimeGenerated":"2026-11-30T08:01:02.345Z","Type":"SigninLogs","Category":"SignInLogs","Id":"{{{Guid.NewGuid()}}}",
         "UserPrincipalName":"kim.lee@contoso.example","AppDisplayName":"Microsoft Teams","AppId":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","IPAddress":"203.0.113.77",
         "ResultType":"{{{code}}}","ResultDescription":"{{{description}}}","Status":{"errorCode":{{{code}}},"failureReason":"{{{description}}}"}{{{columns}}} }
        """;

    private static string GraphSignIn(long code, string reason) => $$$"""
        {"id":"{{{Guid.NewGuid()}}}","createdDateTime":"2026-11-30T08:01:02Z","userPrincipalName":"kim.lee@contoso.example","userId":"5b6c8c1e-0000-4000-8000-000000000001",
         "appId":"00000003-0000-0000-c000-000000000000","appDisplayName":"Graph Explorer","ipAddress":"203.0.113.77","clientAppUsed":"Browser","isInteractive":true,
         "status":{"errorCode":{{{code}}},"failureReason":"{{{reason}}}","additionalDetails":"MFA denied; user declined the authentication"}}
        """;

    private static string AuditRole(string role, bool graph) => graph
        ? $$$"""
            {"id":"Directory_{{{Guid.NewGuid()}}}","category":"RoleManagement","correlationId":"c1d2e3f4-0000-4000-8000-000000000002","result":"success",
             "activityDisplayName":"Add member to role","activityDateTime":"2026-11-30T08:05:00Z","loggedByService":"Core Directory","operationType":"Assign",
             "initiatedBy":{"user":{"id":"a1","userPrincipalName":"it.admin@contoso.example","ipAddress":"203.0.113.5"}},
             "targetResources":[{"id":"b2","type":"User","userPrincipalName":"kim.lee@contoso.example","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"{{{role}}}\""}]}]}
            """
        : $$$"""
            {"time":"2026-11-30T08:05:00Z","resourceId":"/tenants/72f988bf-0000-4000-8000-2d7cd011db47/providers/Microsoft.aadiam","operationName":"Add member to role",
             "operationVersion":"1.0","category":"AuditLogs","tenantId":"72f988bf-0000-4000-8000-2d7cd011db47","resultSignature":"None","durationMs":0,
             "callerIpAddress":"203.0.113.5","correlationId":"c1d2e3f4-0000-4000-8000-000000000002","Level":4,
             "properties":{"id":"Directory_{{{Guid.NewGuid()}}}","category":"RoleManagement","result":"success","activityDisplayName":"Add member to role",
              "activityDateTime":"2026-11-30T08:05:00Z","loggedByService":"Core Directory","operationType":"Assign",
              "initiatedBy":{"user":{"id":"a1","userPrincipalName":"it.admin@contoso.example","ipAddress":"203.0.113.5"}},
              "targetResources":[{"id":"b2","type":"User","userPrincipalName":"kim.lee@contoso.example","modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"{{{role}}}\""}]}]}}
            """;

    [Fact]
    public void ResultTypeAndDescription_ReadTheExport_TheLogAnalyticsRow_AndGraphsStatus()
    {
        var rule = SigmaIdp.Rule("azure_signin_strong_auth_failed");
        Assert.True(rule.Fires("entra", Export(ExportedSignIn(500121, Declined))));
        Assert.True(rule.Fires("entra", LogAnalyticsSignIn(500121, Declined)));
        Assert.True(rule.Fires("entra", GraphSignIn(500121, Declined)));
        Assert.True(rule.Fires("entra", $$$"""{"value":[{{{GraphSignIn(500121, Declined)}}}]}"""));

        Assert.False(rule.Fires("entra", Export(ExportedSignIn(50126, "Error validating credentials due to invalid username or password."))));
        Assert.False(rule.Fires("entra", LogAnalyticsSignIn(0, "")));
        Assert.False(rule.Fires("entra", GraphSignIn(50074, "Strong Authentication is required.")));
    }

    [Fact]
    public void PascalCaseNames_ReadPropertiesOfTheExport_AndAnEmptyValueIsNotAMissingOne()
    {
        var rule = SigmaIdp.Rule("azure_signin_unknown_device_single_factor");
        const string unknownDevice = ""","authenticationRequirement":"singleFactorAuthentication","deviceDetail":{"deviceId":"","operatingSystem":"Windows10","browser":"Edge 131.0"}""";
        Assert.True(rule.Fires("entra", Export(ExportedSignIn(0, "", unknownDevice))));
        Assert.True(rule.Fires("entra", LogAnalyticsSignIn(0, "", ""","AuthenticationRequirement":"singleFactorAuthentication","DeviceDetail":{"deviceId":"","browser":"Edge 131.0"}""")));

        Assert.False(rule.Fires("entra", Export(ExportedSignIn(0, "", unknownDevice.Replace("\"deviceId\":\"\"", "\"deviceId\":\"8c1f0f1e-0000-4000-8000-000000000003\"", StringComparison.Ordinal)))));
        Assert.False(rule.Fires("entra", Export(ExportedSignIn(0, "", unknownDevice.Replace("single", "multi", StringComparison.Ordinal)))));
        Assert.False(rule.Fires("entra", Export(ExportedSignIn(0, "", ""","authenticationRequirement":"singleFactorAuthentication" """))));
    }

    [Fact]
    public void AuditRule_ReadsTheExportAndGraph_AndTheServicesDoNotCross()
    {
        var rule = SigmaIdp.Rule("azure_audit_admin_role_member_added");
        Assert.True(rule.Fires("entra", Export(AuditRole("Global Administrator", graph: false))));
        Assert.True(rule.Fires("entra", AuditRole("Privileged Role Administrator", graph: true)));
        Assert.False(rule.Fires("entra", Export(AuditRole("Directory Readers", graph: false))));

        // A sign-in never reaches an auditlogs rule, nor an audit record a signinlogs rule.
        var anyAudit = SigmaIdp.Inline("product: azure\nservice: auditlogs", "selection:\n  ipAddress: 203.0.113.77\ncondition: selection");
        Assert.False(anyAudit.Fires("entra", Export(ExportedSignIn(0, ""))));
        var anySignIn = SigmaIdp.Inline("product: azure\nservice: signinlogs", "selection:\n  category: RoleManagement\ncondition: selection");
        Assert.False(anySignIn.Fires("entra", Export(AuditRole("Global Administrator", graph: false))));
        Assert.True(SigmaIdp.Inline("product: azure\nservice: signinlogs", "selection:\n  ipAddress: 203.0.113.77\ncondition: selection")
            .Fires("entra", Export(ExportedSignIn(0, ""))));
    }

    [Fact]
    public void AName_InTheRecordAndUnderProperties_MatchesAValueAtEither()
    {
        // An export's top-level category is AuditLogs; the audit's own category, as Log Analytics' column, is under properties.
        var rule = SigmaIdp.Inline("product: azure\nservice: auditlogs", "selection:\n  Category: RoleManagement\n  Result: success\ncondition: selection");
        Assert.True(rule.Fires("entra", Export(AuditRole("Global Administrator", graph: false))));
        Assert.True(rule.Fires("entra", AuditRole("Global Administrator", graph: true)));
        Assert.False(rule.Fires("entra", Export(AuditRole("Global Administrator", graph: false).Replace("\"result\":\"success\"", "\"result\":\"failure\"", StringComparison.Ordinal))));

        var category = SigmaIdp.Inline("product: azure\nservice: auditlogs", "selection:\n  category: AuditLogs\ncondition: selection");
        Assert.True(category.Fires("entra", Export(AuditRole("Global Administrator", graph: false))));
        Assert.False(category.Fires("entra", AuditRole("Global Administrator", graph: true)));
    }

    [Fact]
    public void ContainsOnTargetResources_SearchesEachTargetsJson_AndStatusIsAnAuditsResult()
    {
        var rule = SigmaIdp.Inline("product: azure\nservice: auditlogs", "selection:\n  operationName: Add member to role\n  properties.targetResources|contains: Administrator\ncondition: selection");
        Assert.True(rule.Fires("entra", Export(AuditRole("Security Administrator", graph: false))));
        Assert.True(rule.Fires("entra", AuditRole("Security Administrator", graph: true)));
        Assert.False(rule.Fires("entra", Export(AuditRole("Directory Readers", graph: false))));

        var failed = SigmaIdp.Inline("product: azure\nservice: auditlogs", "selection:\n  OperationName: Add member to role\n  Status: failure\ncondition: selection");
        Assert.True(failed.Fires("entra", AuditRole("Global Administrator", graph: true).Replace("\"result\":\"success\"", "\"result\":\"failure\"", StringComparison.Ordinal)));
        Assert.False(failed.Fires("entra", AuditRole("Global Administrator", graph: true)));
    }

    [Fact]
    public void AzureLogsourcesNoAdapterReceives_AreErrorsNamingThem()
    {
        // The Activity Log is the azure-activity adapter's (AzureActivityLogsourceTests); PIM's log no adapter takes.
        foreach (var service in new[] { "pim", "pimlogs" })
        {
            var error = SigmaIdp.ErrorOf($"product: azure\nservice: {service}", "selection:\n  operationName: x\ncondition: selection");
            Assert.Contains($"product: azure, service: {service}) has no field mapping", error.Reason, StringComparison.Ordinal);
        }
    }
}
