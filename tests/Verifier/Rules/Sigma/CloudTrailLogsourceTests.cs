namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: aws, service: cloudtrail</c>: SigmaHQ's field names (the CloudTrail record's own paths) on records written
/// after AWS's CloudTrail record contents and userIdentity references (an IAM user, an assumed role, the root user, an
/// AWS service's own event), in the S3 log file's <c>{"Records":[…]}</c>, as one bare record and as EventBridge's
/// <c>detail</c>, mapped by the reader Ingest and <c>ztstream replay --format aws-cloudtrail</c> use.
/// </summary>
public sealed class CloudTrailLogsourceTests
{
    private const string Format = "aws-cloudtrail";
    private const string CloudTrail = "product: aws\nservice: cloudtrail";
    private const string Account = "111122223333";
    private static int next;

    private static readonly string IamUser = $$"""{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::{{Account}}:user/alice","accountId":"{{Account}}","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"alice"}""";
    private static readonly string AssumedRole = $$"""{"type":"AssumedRole","principalId":"AROAIDPPEZS35WEXAMPLE:dana@example.com","arn":"arn:aws:sts::{{Account}}:assumed-role/Admin/dana@example.com","accountId":"{{Account}}","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAIDPPEZS35WEXAMPLE","arn":"arn:aws:iam::{{Account}}:role/Admin","accountId":"{{Account}}","userName":"Admin"},"attributes":{"creationDate":"2026-12-01T08:00:00Z","mfaAuthenticated":"false"} } }""";
    private static readonly string Root = $$"""{"type":"Root","principalId":"{{Account}}","arn":"arn:aws:iam::{{Account}}:root","accountId":"{{Account}}"}""";

    /// <summary>A record of <paramref name="eventName"/> by <paramref name="identity"/>; <paramref name="extra"/> is added at the top level.</summary>
    private static string Record(string eventSource, string eventName, string? identity = null, string extra = "", string eventType = "AwsApiCall") => $$"""
        {"eventVersion":"1.11","userIdentity":{{identity ?? IamUser}},"eventTime":"2026-12-01T09:{{Interlocked.Increment(ref next) % 60:D2}}:00Z",
         "eventSource":"{{eventSource}}","eventName":"{{eventName}}","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.41",
         "userAgent":"aws-cli/2.22.0","requestID":"req-{{next}}","eventID":"c7a10000-0000-4000-8000-{{next:D12}}","eventType":"{{eventType}}",
         "managementEvent":true,"recipientAccountId":"{{Account}}","eventCategory":"Management"{{extra}}}
        """;

    private static string S3File(params string[] records) => $$"""{"Records":[{{string.Join(",", records)}}]}""";

    private static string EventBridge(string record) => $$"""
        {"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"AWS API Call via CloudTrail","source":"aws.s3",
         "account":"{{Account}}","time":"2026-12-01T09:00:00Z","region":"eu-west-1","resources":[],"detail":{{record}}}
        """;

    private static Rule Inline(string detection) => SigmaIdp.Inline(CloudTrail, detection);

    [Fact]
    public void Logsource_IsTheCallersRequests_WithOrWithoutTheProduct()
    {
        Assert.Equal([EventKinds.AccessRequest], Inline("selection:\n  eventName: ConsoleLogin\ncondition: selection").Kinds);
        Assert.Equal([EventKinds.AccessRequest], SigmaIdp.Inline("service: cloudtrail", "selection:\n  eventName: ConsoleLogin\ncondition: selection").Kinds);
    }

    [Fact]
    public void RootUsage_MatchesTheRootUser_ButNotAnAwsServiceEventNorAnotherIdentity()
    {
        // SigmaHQ's aws_root_account_usage: the root user, except the events AWS itself writes into the account.
        var rule = Inline("selection_usertype:\n  userIdentity.type: Root\nselection_eventtype:\n  eventType: AwsServiceEvent\ncondition: selection_usertype and not selection_eventtype");
        var consoleLogin = Record("signin.amazonaws.com", "ConsoleLogin", Root, ""","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes"}""", "AwsConsoleSignIn");

        Assert.True(rule.Fires(Format, S3File(consoleLogin)));
        Assert.True(rule.Fires(Format, consoleLogin));
        Assert.True(rule.Fires(Format, EventBridge(Record("s3.amazonaws.com", "PutBucketPolicy", Root))));
        Assert.False(rule.Fires(Format, Record("kms.amazonaws.com", "RotateKey", Root, eventType: "AwsServiceEvent")));
        Assert.False(rule.Fires(Format, Record("iam.amazonaws.com", "CreateUser", AssumedRole)));
        Assert.False(rule.Fires(Format, Record("iam.amazonaws.com", "CreateUser")));
    }

    [Fact]
    public void QuotedFalse_MatchesTheRequestsBoolean_InNestedPascalCaseKeys()
    {
        // SigmaHQ's aws_cloudtrail_bucket_block_public_access_weakened writes 'false' for S3's booleans.
        var rule = Inline("""
            selection_event_name:
              eventName: 'PutBucketPublicAccessBlock'
            selection_weaken_block_public_acls:
              requestParameters.PublicAccessBlockConfiguration.BlockPublicAcls: 'false'
            selection_weaken_restrict_public_buckets:
              requestParameters.PublicAccessBlockConfiguration.RestrictPublicBuckets: 'false'
            condition: selection_event_name and 1 of selection_weaken_*
            """);
        static string Put(bool acls, bool restrict) => Record("s3.amazonaws.com", "PutBucketPublicAccessBlock", AssumedRole,
            $$""","requestParameters":{"publicAccessBlock":"","bucketName":"ledger-exports","PublicAccessBlockConfiguration":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/","RestrictPublicBuckets":{{(restrict ? "true" : "false")}},"BlockPublicPolicy":true,"BlockPublicAcls":{{(acls ? "true" : "false")}},"IgnorePublicAcls":true},"Host":"ledger-exports.s3.eu-west-1.amazonaws.com"},"responseElements":null""");

        Assert.True(rule.Fires(Format, Put(acls: false, restrict: true)));
        Assert.True(rule.Fires(Format, EventBridge(Put(acls: true, restrict: false))));
        Assert.False(rule.Fires(Format, Put(acls: true, restrict: true)));

        // requestParameters null (as CloudTrail writes it for calls without parameters) and absent: nothing to weaken.
        Assert.False(rule.Fires(Format, Record("s3.amazonaws.com", "PutBucketPublicAccessBlock", AssumedRole, ""","requestParameters":null""")));
        Assert.False(rule.Fires(Format, Record("s3.amazonaws.com", "PutBucketPublicAccessBlock", AssumedRole)));
    }

    [Fact]
    public void ConsoleLoginWithoutMfa_ReadsResponseElementsAndAdditionalEventData_InAnyCase()
    {
        // SigmaHQ's aws_cloudtrail_console_login_success_without_mfa, its field names written in lower case as some SIEMs keep them.
        var rule = Inline("selection:\n  eventname: 'ConsoleLogin'\n  responseelements.consolelogin: 'Success'\n  additionaleventdata.mfaused: 'No'\ncondition: selection");
        static string Login(string result, string mfa, string? error = null) => Record("signin.amazonaws.com", "ConsoleLogin", IamUser,
            $$""","responseElements":{"ConsoleLogin":"{{result}}"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/","MobileVersion":"No","MFAUsed":"{{mfa}}"}{{(error is null ? "" : $",\"errorMessage\":\"{error}\"")}}""", "AwsConsoleSignIn");

        Assert.True(rule.Fires(Format, S3File(Login("Success", "No"))));
        Assert.False(rule.Fires(Format, Login("Success", "Yes")));
        Assert.False(rule.Fires(Format, Login("Failure", "No", "Failed authentication")));
    }

    [Fact]
    public void AnyElementOfResources_AndTheSessionIssuer_AreRead()
    {
        var rule = Inline("selection:\n  eventSource: sts.amazonaws.com\n  userIdentity.sessionContext.sessionIssuer.userName: Admin\n  resources.ARN|endswith: ':role/ci-deployer'\ncondition: selection");
        const string resources = ""","resources":[{"accountId":"111122223333","type":"AWS::IAM::Role","ARN":"arn:aws:iam::111122223333:role/other"},{"accountId":"111122223333","type":"AWS::IAM::Role","ARN":"arn:aws:iam::111122223333:role/ci-deployer"}]""";

        Assert.True(rule.Fires(Format, Record("sts.amazonaws.com", "AssumeRole", AssumedRole, resources)));
        Assert.False(rule.Fires(Format, Record("sts.amazonaws.com", "AssumeRole", IamUser, resources)));
        Assert.False(rule.Fires(Format, Record("sts.amazonaws.com", "AssumeRole", AssumedRole, resources.Replace("ci-deployer", "reader", StringComparison.Ordinal))));
    }

    [Fact]
    public void OtherSourcesRequests_NeverMatch_EvenANegatedSelection()
    {
        var rule = Inline("selection:\n  eventName: ConsoleLogin\ncondition: not selection");
        Assert.True(rule.Fires(Format, Record("iam.amazonaws.com", "CreateUser")));

        // An application's request (the SDK's), a Google Cloud service's audit entry and an Azure Activity Log record are
        // access.requests too, none a CloudTrail record.
        Assert.False(rule.Matches(IdpRecords.SdkAccess("alice", "s1", IdpRecords.T0)));
        Assert.False(rule.Fires("azure-activity", """{"records":[{"time":"2026-12-02T09:00:01Z","resourceId":"/SUBSCRIPTIONS/A7C05000-0000-4000-8000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/LEDGER","operationName":"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION","category":"Administrative","resultType":"Success","callerIpAddress":"203.0.113.41","correlationId":"a7c01000-0000-4000-8000-000000000009","identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"a7c0e000-0000-4000-8000-000000000001","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"kim@contoso.example"}},"level":"Information","properties":{}}]}"""));
        Assert.False(rule.Fires("k8s-audit", GcpAuditLogsourceTests.Entry("google.iam.admin.v1.CreateServiceAccountKey", "projects/-/serviceAccounts/deployer@retail-prod.iam.gserviceaccount.com")
            .Replace("\"serviceName\":\"k8s.io\"", "\"serviceName\":\"iam.googleapis.com\"", StringComparison.Ordinal)
            .Replace("\"type\":\"k8s_cluster\"", "\"type\":\"service_account\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void AFieldNoCloudTrailRecordHas_IsAnErrorNamingIt()
    {
        var error = SigmaIdp.ErrorOf(CloudTrail, "selection:\n  eventNam: ConsoleLogin\ncondition: selection");
        Assert.Contains("field 'eventNam' is not a field of an AWS CloudTrail record", error.Reason, StringComparison.Ordinal);
        Assert.Contains("eventName", error.Reason, StringComparison.Ordinal);

        // Elastic's names are not CloudTrail's: said, not matched against nothing.
        SigmaIdp.ErrorOf(CloudTrail, "selection:\n  event.action: ConsoleLogin\ncondition: selection");
    }
}
