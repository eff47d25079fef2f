using static ZtStream.Verifier.Tests.Rules.Falco.FalcoCloudTrailTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// The cloudtrail plugin's fields (plugins/cloudtrail/pkg/cloudtrail/extract.go) on records mapped by Ingest: what each
/// reads, per identity type, and what a missing or non-string member is.
/// </summary>
public sealed class FalcoCloudTrailFieldTests
{
    private static readonly string Create = Record("CreateUser", "iam.amazonaws.com", IamUser, """{"userName":"bob", "path":"/ops/"}""");

    [Theory]
    [InlineData(IamUser, "Alice")]
    [InlineData(AssumedRole, "OpsAdmin")]
    [InlineData(Service, "ecs.amazonaws.com")]
    [InlineData(Root, "<NA>")]
    [InlineData("""{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","userName":"acme-root"}""", "acme-root")]
    [InlineData("""{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::123456789012:assumed-role/R/s","accountId":"123456789012"}""", "AssumedRole")]
    [InlineData("""{"type":"AWSAccount","principalId":"AIDA:x","accountId":"444455556666"}""", "AWSAccount")]
    [InlineData("""{"type":"FederatedUser","principalId":"123456789012:bob","arn":"arn:aws:sts::123456789012:federated-user/bob","accountId":"123456789012"}""", "FederatedUser")]
    [InlineData("""{"type":"IdentityCenterUser","accountId":"123456789012","onBehalfOf":{"userId":"u-1","identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-1"}}""", "<NA>")]
    [InlineData("""{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","userName":42}""", "")]
    public void CtUser_IsDerivedPerIdentityType(string identity, string user)
    {
        Assert.Equal(user, Value("ct.user", Record("ListUsers", "iam.amazonaws.com", identity)));
    }

    [Fact]
    public void IdentityFields_ReadTheCallersIdentity_TheAccountFallingBackToTheRecipient()
    {
        var role = Record("CreateUser", "iam.amazonaws.com", AssumedRole);

        Assert.Equal("AssumedRole", Value("ct.user.identitytype", role));
        Assert.Equal("AROAIDPPEZS35WEXAMPLE:ops-session", Value("ct.user.principalid", role));
        Assert.Equal("arn:aws:sts::210987654321:assumed-role/OpsAdmin/ops-session", Value("ct.user.arn", role));
        Assert.Equal("210987654321", Value("ct.user.accountid", role));

        // An AWS service's identity names no account: the account that received the call.
        Assert.Equal("123456789012", Value("ct.user.accountid", Record("RunTask", "ecs.amazonaws.com", Service)));
        Assert.Equal("<NA>", Value("ct.user.arn", Record("RunTask", "ecs.amazonaws.com", Service)));
    }

    [Fact]
    public void EventFields_ReadTheRecordsMembers()
    {
        Assert.Equal("iam.amazonaws.com", Value("ct.src", Create));
        Assert.Equal("iam", Value("ct.shortsrc", Create));
        Assert.Equal("CreateUser", Value("ct.name", Create));
        Assert.Equal("us-east-1", Value("ct.region", Create));
        Assert.Equal("198.51.100.23", Value("ct.srcip", Create));
        Assert.Equal("aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64", Value("ct.useragent", Create));
        Assert.Equal("2026-11-30T09:12:43Z", Value("ct.time", Create));
        Assert.Equal("a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", Value("ct.requestid", Create));
        Assert.Equal("AwsApiCall", Value("ct.eventtype", Create));
        Assert.Equal("Management", Value("ct.eventcategory", Create));
        Assert.Equal("123456789012", Value("ct.recipientaccountid", Create));
        Assert.Equal("true", Value("ct.managementevent", Create));
        Assert.Equal("false", Value("ct.readonly", Create));
        Assert.Equal("bob", Value("ct.request.username", Create));
        Assert.Matches("^[0-9a-f-]{36}$", Value("ct.id", Create));

        // A service that is not under amazonaws.com keeps its whole name; an address CloudTrail writes as a service is as written.
        var console = Record("GetUserSettings", "console.aws.internal", IamUser, sourceIp: "AWS Internal");
        Assert.Equal("console.aws.internal", Value("ct.shortsrc", console));
        Assert.Equal("AWS Internal", Value("ct.srcip", console));
    }

    [Fact]
    public void Error_IsNoValueWithoutErrorCode_AndTheCodeAndMessageWithIt()
    {
        var denied = Record("CreateUser", "iam.amazonaws.com", IamUser, """{"userName":"bob"}""", error: "AccessDenied");

        Assert.Equal("<NA>", Value("ct.error", Create));
        Assert.Equal("<NA>", Value("ct.errormessage", Create));
        Assert.Equal("AccessDenied", Value("ct.error", denied));
        Assert.Equal("User is not authorized to perform this operation", Value("ct.errormessage", denied));
        Assert.False(CtRule("ct.error exists").Condition.Matches(CtEvent(Create)));
        Assert.True(CtRule("ct.error exists").Condition.Matches(CtEvent(denied)));
    }

    [Fact]
    public void NonStringMember_IsTheEmptyString_WhichExists_AsThePluginReadsIt()
    {
        var nullCode = Record("CreateUser", "iam.amazonaws.com", IamUser, extra: ""","errorCode":null""");

        Assert.Equal("", Value("ct.error", nullCode));
        Assert.True(CtRule("ct.error exists").Condition.Matches(CtEvent(nullCode)));
        Assert.True(CtRule("ct.error = \"\"").Condition.Matches(CtEvent(nullCode)));

        // An object member read as a string (serviceEventDetails) is "" too.
        Assert.Equal("", Value("ct.serviceeventdetails", Record("RotateKey", "kms.amazonaws.com", Service, extra: ""","serviceEventDetails":{"keyId":"k"}""")));
    }

    [Fact]
    public void RequestAndResponse_AreTheirJson_NullIncluded_AndTheirMembersNoValueWhenNull()
    {
        Assert.Equal("""{"userName":"bob","path":"/ops/"}""", Value("ct.request", Create));
        Assert.Equal("null", Value("ct.response", Create));
        Assert.Equal("null", Value("ct.request", Record("ListBuckets", "s3.amazonaws.com")));
        Assert.Equal("<NA>", Value("ct.request.username", Record("ListBuckets", "s3.amazonaws.com")));
        Assert.Equal("<NA>", Value("ct.additionaleventdata", Create));
        Assert.Equal("""{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"}""", Value("ct.additionaleventdata", ConsoleLogin(IamUser)));
    }

    [Fact]
    public void Resources_AreEachResourcesJson_CommaJoined_NoValueWhenEmpty()
    {
        var keys = Record("ScheduleKeyDeletion", "kms.amazonaws.com", extra: """
            ,"resources":[{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123456789012:key/k1"},{"type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123456789012:key/k2"}]
            """);

        Assert.Equal(
            """{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123456789012:key/k1"},{"type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123456789012:key/k2"}""",
            Value("ct.resources", keys));
        Assert.Equal("<NA>", Value("ct.resources", Record("ListKeys", "kms.amazonaws.com", extra: ""","resources":[]""")));
        Assert.Equal("<NA>", Value("ct.resources", Create));
    }

    [Fact]
    public void ReadOnlyAndManagementEvent_AreTrueOnlyForJsonTrue_NoValueWhenMissing()
    {
        var read = Record("ListUsers", "iam.amazonaws.com").Replace("\"readOnly\":false", "\"readOnly\":true", StringComparison.Ordinal);
        var missing = Record("ListUsers", "iam.amazonaws.com").Replace("\"readOnly\":false,", "", StringComparison.Ordinal)
            .Replace("\"managementEvent\":true,", "", StringComparison.Ordinal);

        Assert.Equal("true", Value("ct.readonly", read));
        Assert.Equal("<NA>", Value("ct.readonly", missing));
        Assert.Equal("<NA>", Value("ct.managementevent", missing));

        // CloudTrail writes sessionCredentialFromConsole as a string; the plugin's boolean read makes that "false".
        Assert.Equal("false", Value("ct.sessioncredentialfromconsole", Record("ListUsers", "iam.amazonaws.com", extra: ""","sessionCredentialFromConsole":"true" """)));
    }

    [Fact]
    public void S3Fields_ReadTheBucketKeyAndBytes_AndCountTheCall()
    {
        var get = Record("GetObject", "s3.amazonaws.com", AssumedRole, """{"bucketName":"payroll","key":"2026/11/ledger.csv","Host":"payroll.s3.us-east-1.amazonaws.com"}""",
            extra: ""","additionalEventData":{"bytesTransferredIn":0.0,"bytesTransferredOut":3310.0}""");

        Assert.Equal("payroll", Value("s3.bucket", get));
        Assert.Equal("2026/11/ledger.csv", Value("s3.key", get));
        Assert.Equal("s3://payroll/2026/11/ledger.csv", Value("s3.uri", get));
        Assert.Equal("3310", Value("s3.bytes", get));
        Assert.Equal("0", Value("s3.bytes.in", get));
        Assert.Equal("3310", Value("s3.bytes.out", get));
        Assert.Equal("1", Value("s3.cnt.get", get));
        Assert.Equal("<NA>", Value("s3.cnt.put", get));
        Assert.Equal("<NA>", Value("s3.cnt.other", get));
        Assert.Equal("1", Value("s3.cnt.other", Create));
        Assert.Equal("<NA>", Value("s3.bytes", Create));
        Assert.True(CtRule("s3.bytes > 1024").Condition.Matches(CtEvent(get)));
        Assert.False(CtRule("s3.bytes > 4096").Condition.Matches(CtEvent(get)));
        Assert.Equal("OpsAdmin via 198.51.100.23 → GetObject Size=3310 URI=s3://payroll/2026/11/ledger.csv", Value("ct.info", get));
    }

    [Fact]
    public void Info_SaysWhoFromWhereWhatAndWhetherItFailed()
    {
        Assert.Equal("Alice via 198.51.100.23 → CreateUser", Value("ct.info", Create));
        Assert.Equal("Alice via 198.51.100.23 !→ CreateUser", Value("ct.info", Record("CreateUser", "iam.amazonaws.com", error: "AccessDenied")));

        // A service calling from its own name: no "via".
        Assert.Equal("ecs.amazonaws.com !→ RunTask", Value("ct.info", Record("RunTask", "ecs.amazonaws.com", Service, sourceIp: "ecs.amazonaws.com", error: "ThrottlingException")));
        Assert.Equal("<invalid cloudtrail event: userIdentity field missing>", Value("ct.info", Record("ListUsers", "iam.amazonaws.com", Root)));
        Assert.Equal(Value("ct.info", Create), Value("evt.plugininfo", Create));
    }

    [Fact]
    public void Ec2EcrAndIamFields_ReadTheRequest()
    {
        var run = Record("RunInstances", "ec2.amazonaws.com", AssumedRole, """
            {"instancesSet":{"items":[{"imageId":"ami-1"}]},"tagSpecificationSet":{"items":[{"resourceType":"volume","tags":[{"key":"Name","value":"disk"}]},{"resourceType":"instance","tags":[{"key":"team","value":"ml"},{"key":"Name","value":"gpu-worker"}]}]}}
            """);

        Assert.Equal("gpu-worker", Value("ec2.name", run));
        Assert.Equal("<NA>", Value("ec2.imageid", run));
        Assert.Equal("<NA>", Value("ec2.name", Create));
        Assert.Equal("web", Value("ecr.repository", Record("PutImage", "ecr.amazonaws.com", request: """{"repositoryName":"web","imageTag":"v2"}""")));
        Assert.Equal("v2", Value("ecr.imagetag", Record("PutImage", "ecr.amazonaws.com", request: """{"repositoryName":"web","imageTag":"v2"}""")));
        Assert.Equal("OpsAdmin", Value("iam.role", Record("AttachRolePolicy", "iam.amazonaws.com", request: """{"roleName":"OpsAdmin","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}""")));
        Assert.Equal("inline", Value("iam.policy", Record("PutUserPolicy", "iam.amazonaws.com", request: """{"userName":"bob","policyName":"inline"}""")));
    }

    [Fact]
    public void JsonPlugin_ReadsTheRecord()
    {
        Assert.Equal("No", Value("json.value[/additionalEventData/MFAUsed]", ConsoleLogin(IamUser)));
        Assert.Equal("<NA>", Value("json.value[/additionalEventData/MFAUsed]", Create));
        Assert.Equal("aws_cloudtrail", Value("evt.source", Create));
    }

    [Fact]
    public void EvtNum_GivesOneEventOneNumber_InTheConditionAndTheOutput()
    {
        var rule = CtRule("evt.num > 0", "n=%evt.num");
        var first = CtEvent(Create);
        var second = CtEvent(Create);

        Assert.True(rule.Condition.Matches(first));
        var n = long.Parse(((FalcoRuleMatcher)rule.Condition).RenderOutput(first)["n=".Length..], CultureInfo.InvariantCulture);
        Assert.True(rule.Condition.Matches(second));
        Assert.Equal(n + 1, long.Parse(((FalcoRuleMatcher)rule.Condition).RenderOutput(second)["n=".Length..], CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("aws_cloudtrail", "ct.nosuch = x", "unknown field 'ct.nosuch' (not a cloudtrail or json plugin field)")]
    [InlineData("aws_cloudtrail", "ct.User = x", "did you mean 'ct.user'?")]
    [InlineData("aws_cloudtrail", "ka.verb = create", "field 'ka.verb' is a k8saudit plugin field")]
    [InlineData("okta", "ct.name = CreateUser", "field 'ct.name' is a cloudtrail plugin field, read from AWS CloudTrail records: a rule of source okta cannot use it")]
    [InlineData("okta", "s3.bucket = b", "field 's3.bucket' is a cloudtrail plugin field")]
    [InlineData("k8s_audit", "evt.plugininfo = x", "field 'evt.plugininfo' is not supported for source k8s_audit")]
    [InlineData("aws_cloudtrail", "ct.name[1] = x", "field 'ct.name' takes no argument")]
    public void FieldTheRuleSourceDoesNotDefine_IsALoadErrorNamingIt(string source, string condition, string error)
    {
        var result = FalcoTestData.Load(("r.yaml", $"""
            - rule: R
              desc: d
              condition: {condition}
              output: o
              priority: WARNING
              source: {source}
            """));

        Assert.Empty(result.Rules);
        Assert.Contains(error, Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }
}
