using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's threat-hunting and emerging-threat rules for the cloud logs ZtStream reads (TestData/sigma-hq/
/// threat-hunting-cloud, emerging-threats-cloud) and the Kubernetes audit rules SigmaHQ added after the copy in
/// TestData/sigma-k8s-audit (TestData/sigma-hq/kubernetes-audit), loaded as published and run on vendor-shaped records
/// through the readers Ingest uses, each beside a near miss.
/// </summary>
public sealed class SigmaHqCloudHuntingTests
{
    /// <summary>The folders of TestData/sigma-hq this class owns (SigmaHqCloudRuleTests counts the others).</summary>
    internal static readonly string[] Folders = ["emerging-threats-cloud", "kubernetes-audit", "threat-hunting-cloud"];

    private static readonly Lazy<RuleLoadResult> Set = new(() => SigmaHqFolders.Load(Folders));

    private static Rule Rule(string id) => Set.Value.Rules.Single(r => r.Id == id);

    private const string Account = "444455556666";

    private static string CloudTrail(string eventSource, string eventName, string extra = "") => $$"""
        {"Records":[{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA6ON6E4XEGIEXAMPLE","arn":"arn:aws:iam::{{Account}}:user/mateo","accountId":"{{Account}}","accessKeyId":"AKIA6ON6E4XEXAMPLE00","userName":"mateo"},
         "eventTime":"2026-12-01T10:00:00Z","eventSource":"{{eventSource}}","eventName":"{{eventName}}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.62",
         "userAgent":"Boto3/1.35.0","requestID":"r-1","eventID":"5e7a0000-0000-4000-8000-000000000001","eventType":"AwsApiCall","recipientAccountId":"{{Account}}"{{extra}}}]}
        """;

    private static string SignInExport(long code, string properties) => $$$"""
        {"records":[{"time":"2026-11-30T08:01:02.345Z","resourceId":"/tenants/0d3c4b5a-0000-4000-8000-000000000042/providers/Microsoft.aadiam","operationName":"Sign-in activity",
         "operationVersion":"1.0","category":"SignInLogs","tenantId":"0d3c4b5a-0000-4000-8000-000000000042","resultType":"{{{code}}}","resultSignature":"None",
         "resultDescription":"","durationMs":0,"callerIpAddress":"203.0.113.91","correlationId":"7e1f0c2d-0000-4000-8000-000000000001","identity":"Ravi Patel","Level":4,
         "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"2026-11-30T08:01:02.345Z","userDisplayName":"Ravi Patel","userPrincipalName":"ravi.patel@contoso.example",
          "userId":"3a4b5c6d-0000-4000-8000-000000000007","ipAddress":"203.0.113.91","isInteractive":true,"status":{"errorCode":{{{code}}}}{{{properties}}} } }]}
        """;

    private static string SignInRow(long code, string columns) => $$$"""
        {"TenantId":"0d3c4b5a-0000-4000-8000-000000000042","TimeGenerated":"2026-11-30T08:01:02.345Z","Type":"SigninLogs","Category":"SignInLogs","Id":"{{{Guid.NewGuid()}}}",
         "UserPrincipalName":"ravi.patel@contoso.example","AppDisplayName":"Microsoft Teams","IPAddress":"203.0.113.91","ResultType":"{{{code}}}","ResultDescription":"",
         "Status":{"errorCode":{{{code}}}}{{{columns}}} }
        """;

    private static string OktaHook(string eventType, string extra) => $$"""
        {"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://example.okta.com/api/v1/eventHooks/who8q5","eventId":"{{Guid.NewGuid()}}",
         "data":{"events":[{"uuid":"{{Guid.NewGuid()}}","published":"2026-11-30T09:12:43.512Z","eventType":"{{eventType}}","version":"0","severity":"INFO",
          "legacyEventType":"core.user.config.user_creation.success","displayMessage":"Create Okta user",
          "actor":{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"noor.haddad@example.org","displayName":"Noor Haddad"},
          "client":{"ipAddress":"198.51.100.23","userAgent":{"rawUserAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0","os":"Linux","browser":"FIREFOX"},"zone":"null"},
          "outcome":{"result":"SUCCESS"},"transaction":{"type":"WEB","id":"Zx1aBc2dEf"}{{extra}} }]},"eventTime":"2026-11-30T09:12:44.000Z","contentType":"application/json"}
        """;

    [Fact]
    public void Folders_LoadEveryRuleButTheCompilerRuleReadingNoAuditField()
    {
        var set = Set.Value;
        Assert.Equal(7, set.Rules.Count);
        Assert.Single(set.Rules, r => r.Correlation is not null);

        // SigmaHQ's 2024 compiler rule selects `file_path`, which no audit Event has: refused with the reason, not loaded to match nothing.
        var error = Assert.Single(set.Errors);
        Assert.Equal("kubernetes_audit_compiler_execution_in_container.yml", Path.GetFileName(error.File));
        Assert.StartsWith("field 'file_path' is not a field of a Kubernetes audit Event", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BedrockInvokeModel_IsASuccessfulCall_AndFeedsTheHighVolumeCorrelation()
    {
        var rule = Rule("08954669-70cf-41ed-b807-46d8f48ac395");

        Assert.True(rule.Fires("aws-cloudtrail", CloudTrail("bedrock.amazonaws.com", "InvokeModel", ""","requestParameters":{"modelId":"anthropic.claude-3-5-sonnet-20240620-v1:0"}""")));
        Assert.True(rule.Fires("aws-cloudtrail", CloudTrail("bedrock.amazonaws.com", "InvokeModelWithResponseStream")));
        Assert.False(rule.Fires("aws-cloudtrail", CloudTrail("bedrock.amazonaws.com", "InvokeModel", ""","errorCode":"AccessDeniedException","errorMessage":"denied" """)));
        Assert.False(rule.Fires("aws-cloudtrail", CloudTrail("bedrock.amazonaws.com", "ListFoundationModels")));

        var correlation = Rule("8b2f4d3a-1c5e-4f8a-b9d7-6e3a2c1f0d5b").Correlation!;
        Assert.Equal("08954669-70cf-41ed-b807-46d8f48ac395", Assert.Single(correlation.Inputs).Rule.Id);
    }

    [Fact]
    public void AxiosUserAgent_IsTheSignInsAgent_InTheExportAndTheLogAnalyticsRow()
    {
        var rule = Rule("ea1a07f0-3dac-47a2-aeb4-86f5379ba2b4");

        Assert.True(rule.Fires("entra", SignInExport(0, ""","userAgent":"axios/1.7.7" """)));
        Assert.True(rule.Fires("entra", SignInRow(50126, ""","UserAgent":"axios/1.6.8" """)));
        Assert.False(rule.Fires("entra", SignInExport(0, ""","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/131.0" """)));
        Assert.False(rule.Fires("entra", SignInExport(0, "")));
    }

    [Fact]
    public void RejectedSessionToken_IsItsErrorCodeFromAHostingNetwork()
    {
        var rule = Rule("85cbba8c-5768-4a67-bdb8-1f5a654ae02a");

        Assert.True(rule.Fires("entra", SignInExport(70044, ""","autonomousSystemNumber":14061""")));
        Assert.True(rule.Fires("entra", SignInRow(50132, ""","AutonomousSystemNumber":24940""")));
        Assert.False(rule.Fires("entra", SignInExport(70044, ""","autonomousSystemNumber":3320""")));
        Assert.False(rule.Fires("entra", SignInExport(50126, ""","autonomousSystemNumber":14061""")));
    }

    [Fact]
    public void OktaPasswordHealthReport_IsARequestToItsEndpoint()
    {
        var rule = Rule("0d58814b-1660-4d31-8c93-d1086ed24cba");

        Assert.True(rule.Fires("okta", OktaHook("user.session.access_admin_app", ""","debugContext":{"debugData":{"requestUri":"/reports/password-health/async_csv_download_schedule"}}""")));
        Assert.False(rule.Fires("okta", OktaHook("user.session.access_admin_app", ""","debugContext":{"debugData":{"requestUri":"/reports/user-accounts"}}""")));
        Assert.False(rule.Fires("okta", OktaHook("user.session.access_admin_app", "")));
    }

    [Fact]
    public void OktaBreachUserCreation_LoadsButNamesNoPathOfALogEvent()
    {
        // SigmaHQ's rule reads `target.user.display.name`; a LogEvent's target is {id, type, alternateId, displayName,
        // detailEntry}: the user it created, named as the indicator says, does not match.
        var rule = Rule("00a8e92a-776b-425f-80f2-82d8f8fab2e5");
        var created = OktaHook("user.lifecycle.create", ""","target":[{"id":"00u1svc","type":"User","alternateId":"svc_network_backup@example.org","displayName":"svc_network_backup"}]""");

        Assert.False(rule.Fires("okta", created));
        Assert.True(rule.Kinds.Count > 0);
    }

    [Fact]
    public void SuspiciousKubernetesEnumeration_LoadsButWantsADecisionNoEventCarries()
    {
        // The 2026 rewrite of *Kubernetes Potential Enumeration Activity* (same id, in TestData/sigma-k8s-audit) keeps
        // `responseStatus.code: 'ALLOW'`, which no audit Event holds (the decision is the annotation authorization.k8s.io/decision).
        var rule = Rule("597a7e84-187d-458b-9e4f-2f5a0e676711");

        Assert.True(rule.Matches(WithRaw("""{"responseStatus":{"code":"ALLOW"},"userAgent":"access_matrix/0.5"}""")));
        Assert.True(rule.Matches(WithRaw("""{"responseStatus":{"code":"ALLOW"},"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=%2fbin%2fbash"}""")));

        // Its `re` is case-sensitive, as the specification says, and writes `%2f`: kubectl (Go's url.QueryEscape) writes `%2F`.
        Assert.False(rule.Matches(WithRaw("""{"responseStatus":{"code":"ALLOW"},"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=%2Fbin%2Fbash"}""")));
        Assert.False(rule.Matches(WithRaw("""{"responseStatus":{"code":101},"requestURI":"/api/v1/namespaces/a/pods/b/exec?command=%2Fbin%2Fbash","annotations":{"authorization.k8s.io/decision":"allow"}}""")));
        Assert.False(rule.Matches(WithRaw("""{"responseStatus":{"code":"ALLOW"},"userAgent":"kubectl/1.31"}""")));
    }
}
