using ZtStream.Ingest.Sources.Aws;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// CloudTrail records written after AWS's record-contents and <c>userIdentity</c> references (IAM user, assumed role,
/// root user, AWS service callers), mapped by the mapper Ingest's <c>/v1/sources/aws-cloudtrail</c> uses.
/// </summary>
internal static class FalcoCloudTrailTestData
{
    public const string RulesCloudTrail = "aws_cloudtrail_rules.plugins-HEAD.yaml";

    public const string IamUser = """
        {"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"Alice"}
        """;

    public const string AssumedRole = """
        {"type":"AssumedRole","principalId":"AROAIDPPEZS35WEXAMPLE:ops-session","arn":"arn:aws:sts::210987654321:assumed-role/OpsAdmin/ops-session","accountId":"210987654321",
         "accessKeyId":"ASIAIOSFODNN7EXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAIDPPEZS35WEXAMPLE","arn":"arn:aws:iam::210987654321:role/OpsAdmin","accountId":"210987654321","userName":"OpsAdmin"},
         "attributes":{"mfaAuthenticated":"false","creationDate":"2026-11-30T08:00:00Z"}}}
        """;

    // The root user as AWS's console sign-in examples write it: no userName.
    public const string Root = """
        {"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":""}
        """;

    public const string Service = """{"type":"AWSService","invokedBy":"ecs.amazonaws.com"}""";

    /// <summary>
    /// One record. <paramref name="request"/> and <paramref name="response"/> are JSON (null included); <paramref name="error"/>
    /// adds <c>errorCode</c>/<c>errorMessage</c>; <paramref name="extra"/> adds top-level members (",\"additionalEventData\":{…}").
    /// </summary>
    public static string Record(
        string eventName,
        string eventSource,
        string identity = IamUser,
        string request = "null",
        string response = "null",
        string? error = null,
        string region = "us-east-1",
        string sourceIp = "198.51.100.23",
        string extra = "") => $$"""
        {"eventVersion":"1.09","userIdentity":{{identity}},"eventTime":"2026-11-30T09:12:43Z","eventSource":"{{eventSource}}","eventName":"{{eventName}}",
         "awsRegion":"{{region}}","sourceIPAddress":"{{sourceIp}}","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
         {{(error is null ? "" : $"\"errorCode\":\"{error}\",\"errorMessage\":\"User is not authorized to perform this operation\",")}}
         "requestParameters":{{request}},"responseElements":{{response}},"requestID":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
         "eventID":"{{Guid.NewGuid()}}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012",
         "eventCategory":"Management"{{extra}}}
        """;

    /// <summary>A console sign-in as AWS writes it (<c>signin.amazonaws.com</c>, <c>AwsConsoleSignIn</c>, no request).</summary>
    public static string ConsoleLogin(string identity, string result = "Success", string mfaUsed = "No") => $$"""
        {"eventVersion":"1.09","userIdentity":{{identity}},"eventTime":"2026-11-30T09:12:43Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",
         "awsRegion":"us-east-1","sourceIPAddress":"203.0.113.41","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","requestParameters":null,
         "responseElements":{"ConsoleLogin":"{{result}}"},
         "additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"{{mfaUsed}}"},
         "eventID":"{{Guid.NewGuid()}}","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"123456789012",
         "eventCategory":"Management"}
        """;

    /// <summary>The events Ingest's CloudTrail mapper makes of <paramref name="records"/>, as a log file holds them; fails on any item it refuses.</summary>
    public static List<RuleEvent> CtEvents(params string[] records)
    {
        var result = CloudTrailMapper.Map(Encoding.UTF8.GetBytes($$"""{"Records":[{{string.Join(',', records)}}]}"""));
        Assert.Empty(result.Errors);
        return [.. result.Events.Select(e => new RuleEvent(e))];
    }

    public static RuleEvent CtEvent(string record) => Assert.Single(CtEvents(record));

    /// <summary>An aws_cloudtrail rule with <paramref name="condition"/> and <paramref name="output"/>.</summary>
    public static Rule CtRule(string condition, string output = "ct event") =>
        FalcoTestData.Single(FalcoTestData.RuleText("aws_cloudtrail", condition, output));

    /// <summary>The field's rendered value on <paramref name="record"/>: <c>&lt;NA&gt;</c> when it has none.</summary>
    public static string Value(string field, string record) =>
        ((FalcoRuleMatcher)CtRule("ct.name exists or not ct.name exists", $"%{field}").Condition).RenderOutput(CtEvent(record));
}
