namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's own rules for the clouds' audit logs (TestData/sigma-hq/aws-cloudtrail and azure-activitylogs), loaded as
/// published and run on records written after AWS's CloudTrail and Azure Monitor's Activity Log references, through the
/// readers Ingest uses. Which of them load, and why the others do not, is asserted with the whole folder in
/// <see cref="SigmaHqCloudRuleTests"/>.
/// </summary>
public sealed class SigmaHqCloudAuditRuleTests
{
    private const string Account = "444455556666";
    private static int next;

    private static readonly Lazy<IReadOnlyList<Rule>> Rules = new(() =>
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq");
        var errors = new List<RuleLoadError>();
        return RuleLoader.Load(RuleLoader.Read([Path.Combine(folder, "aws-cloudtrail"), Path.Combine(folder, "azure-activitylogs")], errors)).Rules;
    });

    private static Rule Rule(string id) => Rules.Value.Single(r => r.Id == id);

    // --- AWS CloudTrail: records of the S3 log file, bare and in EventBridge's envelope ---

    private static readonly string IamUser = $$"""{"type":"IAMUser","principalId":"AIDA6ON6E4XEGIEXAMPLE","arn":"arn:aws:iam::{{Account}}:user/mateo","accountId":"{{Account}}","accessKeyId":"AKIA6ON6E4XEXAMPLE00","userName":"mateo"}""";
    private static readonly string AssumedRole = $$"""{"type":"AssumedRole","principalId":"AROA6ON6E4XEXAMPLE00:session","arn":"arn:aws:sts::{{Account}}:assumed-role/Deployer/session","accountId":"{{Account}}","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA6ON6E4XEXAMPLE00","arn":"arn:aws:iam::{{Account}}:role/Deployer","accountId":"{{Account}}","userName":"Deployer"},"attributes":{"creationDate":"2026-12-01T08:00:00Z","mfaAuthenticated":"false"} } }""";

    private static string Record(string eventSource, string eventName, string? identity = null, string extra = "", string eventType = "AwsApiCall", string agent = "aws-cli/2.22.0") => $$"""
        {"Records":[{"eventVersion":"1.11","userIdentity":{{identity ?? IamUser}},"eventTime":"2026-12-01T10:{{Interlocked.Increment(ref next) % 60:D2}}:00Z",
         "eventSource":"{{eventSource}}","eventName":"{{eventName}}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.62","userAgent":"{{agent}}",
         "requestID":"r-{{next}}","eventID":"5e7a0000-0000-4000-8000-{{next:D12}}","eventType":"{{eventType}}","recipientAccountId":"{{Account}}"{{extra}}}]}
        """;

    [Fact]
    public void CloudTrailDisableLogging_MatchesStopLoggingAndDeleteTrail_NotStartLogging()
    {
        var rule = Rule("4db60cc0-36fb-42b7-9b58-a5b53019fb74");
        Assert.True(rule.Fires("aws-cloudtrail", Record("cloudtrail.amazonaws.com", "StopLogging", AssumedRole, ""","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:444455556666:trail/org"},"responseElements":null""")));
        Assert.True(rule.Fires("aws-cloudtrail", Record("cloudtrail.amazonaws.com", "DeleteTrail", extra: ""","errorCode":"AccessDenied","errorMessage":"denied" """)));
        Assert.False(rule.Fires("aws-cloudtrail", Record("cloudtrail.amazonaws.com", "StartLogging", AssumedRole)));
        Assert.False(rule.Fires("aws-cloudtrail", Record("s3.amazonaws.com", "DeleteTrail")));
    }

    [Fact]
    public void ConsoleLoginWithoutMfa_StatusSuccess_IsASignInThatSucceeded()
    {
        // The older rule writes `status: success`, which SIEMs derive: the outcome Ingest read from responseElements.
        var rule = Rule("c134e006-5aef-49dd-9386-62675a251585");
        static string Login(string result, string mfa) => Record("signin.amazonaws.com", "ConsoleLogin", extra:
            $$""","responseElements":{"ConsoleLogin":"{{result}}"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"{{mfa}}"}""", eventType: "AwsConsoleSignIn");

        Assert.True(rule.Fires("aws-cloudtrail", Login("Success", "No")));
        Assert.False(rule.Fires("aws-cloudtrail", Login("Failure", "No")));
        Assert.False(rule.Fires("aws-cloudtrail", Login("Success", "Yes")));
    }

    [Fact]
    public void DeleteSamlProvider_StatusSuccess_IsACallWithoutAnErrorCode()
    {
        var rule = Rule("ccd6a6c8-bb4e-4a91-9d2a-07e632819374");
        const string parameters = ""","requestParameters":{"sAMLProviderArn":"arn:aws:iam::444455556666:saml-provider/Okta"},"responseElements":null""";
        Assert.True(rule.Fires("aws-cloudtrail", Record("iam.amazonaws.com", "DeleteSAMLProvider", AssumedRole, parameters)));
        Assert.False(rule.Fires("aws-cloudtrail", Record("iam.amazonaws.com", "DeleteSAMLProvider", AssumedRole, parameters + ""","errorCode":"AccessDenied","errorMessage":"User is not authorized" """)));
    }

    [Fact]
    public void GetSigninToken_FiltersTheConsolesOwnAgent()
    {
        var rule = Rule("f8103686-e3e8-46f3-be72-65f7fcb4aa53");
        Assert.True(rule.Fires("aws-cloudtrail", Record("signin.amazonaws.com", "GetSigninToken", AssumedRole, agent: "python-requests/2.32.3")));
        Assert.False(rule.Fires("aws-cloudtrail", Record("signin.amazonaws.com", "GetSigninToken", AssumedRole, agent: "Jersey/${project.version}")));
    }

    [Fact]
    public void ConfigRecordingStopped_MatchesInEventBridgesEnvelope()
    {
        var rule = Rule("07330162-dba1-4746-8121-a9647d49d297");
        var record = Record("config.amazonaws.com", "StopConfigurationRecorder", AssumedRole, ""","requestParameters":{"configurationRecorderName":"default"}""");
        var detail = record[(record.IndexOf('[', StringComparison.Ordinal) + 1)..record.LastIndexOf(']')];
        Assert.True(rule.Fires("aws-cloudtrail", $$"""{"version":"0","id":"1d5b0000-0000-4000-8000-000000000001","detail-type":"AWS API Call via CloudTrail","source":"aws.config","account":"{{Account}}","time":"2026-12-01T10:00:00Z","region":"us-east-1","resources":[],"detail":{{detail}}}"""));
        Assert.False(rule.Fires("aws-cloudtrail", Record("config.amazonaws.com", "StartConfigurationRecorder", AssumedRole)));
    }

    // --- Azure Activity Log: a diagnostic setting's export, the REST API's events ---

    private static string Export(string operation) => $$"""
        {"records":[{"time":"2026-12-02T11:{{Interlocked.Increment(ref next) % 60:D2}}:00.0000000Z",
         "resourceId":"/SUBSCRIPTIONS/5B1C0000-0000-4000-8000-000000000001/RESOURCEGROUPS/RG-EDGE/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/EDGE-NSG",
         "operationName":"{{operation.ToUpperInvariant()}}","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.OK","durationMs":"0",
         "callerIpAddress":"198.51.100.77","correlationId":"5b1c1000-0000-4000-8000-{{next:D12}}",
         "identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"5b1ce000-0000-4000-8000-000000000001","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ines.moreau@fabrikam.example"} },
         "level":"Information","location":"global","properties":{"statusCode":"OK","eventCategory":"Administrative"} }]}
        """;

    private static string Rest(string operation) => $$"""
        {"value":[{"caller":"ines.moreau@fabrikam.example","claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"5b1ce000-0000-4000-8000-000000000001"},
         "correlationId":"5b1c1000-0000-4000-8000-{{Interlocked.Increment(ref next):D12}}","eventDataId":"5b1c3000-0000-4000-8000-{{next:D12}}",
         "eventName":{"value":"EndRequest"},"category":{"value":"Administrative"},"eventTimestamp":"2026-12-02T11:00:00Z","level":"Informational",
         "operationName":{"value":"{{operation}}","localizedValue":"{{operation}}"},"resourceId":"/subscriptions/5b1c0000-0000-4000-8000-000000000001",
         "status":{"value":"Succeeded"},"subscriptionId":"5b1c0000-0000-4000-8000-000000000001","httpRequest":{"clientIpAddress":"198.51.100.77"} }]}
        """;

    [Fact]
    public void NetworkSecurityGroupChanged_MatchesItsOperations_InTheExportAndTheRestEvent()
    {
        var rule = Rule("d22b4df4-5a67-4859-a578-8c9a0b5af9df");
        Assert.True(rule.Fires("azure-activity", Export("Microsoft.Network/networkSecurityGroups/securityRules/write")));
        Assert.True(rule.Fires("azure-activity", Rest("Microsoft.Network/networkSecurityGroups/delete")));
        Assert.False(rule.Fires("azure-activity", Export("Microsoft.Network/networkSecurityGroups/read")));
        Assert.False(rule.Fires("azure-activity", Rest("Microsoft.Network/virtualNetworks/write")));
    }

    [Fact]
    public void SubscriptionElevation_AndSuppressionRule_MatchTheirOperationOnly()
    {
        var elevation = Rule("09438caa-07b1-4870-8405-1dbafe3dad95");
        Assert.True(elevation.Fires("azure-activity", Export("Microsoft.Authorization/elevateAccess/action")));
        Assert.False(elevation.Fires("azure-activity", Export("Microsoft.Authorization/roleAssignments/write")));

        var suppression = Rule("92cc3e5d-eb57-419d-8c16-5c63f325a401");
        Assert.True(suppression.Fires("azure-activity", Rest("Microsoft.Security/alertsSuppressionRules/write")));
        Assert.False(suppression.Fires("azure-activity", Rest("Microsoft.Security/alertsSuppressionRules/delete")));
    }

    [Fact]
    public void RareOperationsKeywords_FindTheOperationAnywhereInTheRecord()
    {
        // A keyword list: the operation as Resource Manager writes it, found in the REST event's operationName.value.
        var rule = Rule("c1182e02-49a3-481c-b3de-0fadc4091488");
        Assert.True(rule.Fires("azure-activity", Rest("Microsoft.Storage/storageAccounts/listKeys/action")));
        Assert.False(rule.Fires("azure-activity", Rest("Microsoft.Storage/storageAccounts/read")));
    }
}
