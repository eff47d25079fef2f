using ZtStream.Ingest.Sources.Aws;

namespace ZtStream.Ingest.Tests.Sources.Aws;

/// <summary>
/// AWS CloudTrail records (TestData/aws-cloudtrail, documented shapes; ORIGIN.md lists them): each is its caller's call to
/// the account (<c>access.request</c>), keyed by the caller as an EKS cluster's audit log keys the same IAM identity, with
/// the record kept whole in <c>raw</c> and what a rule must read together lifted into attributes.
/// </summary>
public sealed class CloudTrailMapperTests
{
    private const string Account = "111122223333";
    private const string Other = "444455556666";

    private static byte[] Records() => File.ReadAllBytes(TestData.Path("aws-cloudtrail", "cloudtrail-records.ndjson"));

    private static IReadOnlyList<AccessEvent> Events() => MapperAssert.MapsAll(CloudTrailMapper.Map(Records()), 17);

    private static string Line(int index) => File.ReadAllLines(TestData.Path("aws-cloudtrail", "cloudtrail-records.ndjson"))[index];

    private static MapResult Map(string body, SourceMapOptions? options = null) => CloudTrailMapper.Map(Encoding.UTF8.GetBytes(body), options);

    [Fact]
    public void Map_Records_AreTheCallersAccessesToTheAccount()
    {
        var events = Events();

        Assert.All(events, e => Assert.Equal(EventKinds.AccessRequest, e.Kind));
        var created = events[0];
        Assert.Equal(
            ("c7a10000-0000-4000-8000-000000000001", $"arn:aws:iam::{Account}:user/alice", "user", Account, "iam:CreateUser", 200, Outcomes.Success, "203.0.113.41"),
            (created.Id, created.Subject?.Id, created.Subject?.Type, created.Subject?.Tenant, created.Action, created.Status, created.Outcome, created.Network?.SrcIp));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero), created.Time);
        Assert.Equal("aws-cli/2.22.0 Python/3.12.6 Linux/6.8.0", created.UserAgent);
        Assert.Equal(("iam.amazonaws.com", "CreateUser", "eu-west-1", "IAMUser", "alice", "AwsApiCall", "Management"),
            (created.Attr("aws.event_source"), created.Attr("aws.event_name"), created.Attr("aws.region"), created.Attr("aws.identity_type"),
             created.Attr("aws.user_name"), created.Attr("aws.event_type"), created.Attr("aws.event_category")));
        Assert.Equal("false", created.Attributes!["aws.read_only"].GetRawText());

        // The record is kept whole: the rules read requestParameters and responseElements where CloudTrail writes them.
        var raw = created.Raw!.Value;
        Assert.Equal("build-bot", raw.GetProperty("requestParameters").GetProperty("userName").GetString());
        Assert.Equal("AIDAC7A1EXAMPLE0001", raw.GetProperty("responseElements").GetProperty("user").GetProperty("userId").GetString());
    }

    [Fact]
    public void Map_AssumedRole_IsTheRoleWithTheSessionAndWhoAssumedIt()
    {
        var key = Events()[1];

        Assert.Equal(($"arn:aws:iam::{Account}:role/Admin", "user"), (key.Subject?.Id, key.Subject?.Type));
        Assert.Equal(
            ($"arn:aws:sts::{Account}:assumed-role/Admin/dana.kowalski@example.com", "dana.kowalski@example.com", "dana.kowalski", "ASIAIOSFODNN7EXAMPLE", "false"),
            (key.Attr("aws.arn"), key.Attr("aws.session_name"), key.Attr("aws.source_identity"), key.Attr("aws.access_key_id"), key.Attr("aws.mfa_authenticated")));
        Assert.Equal($"arn:aws:iam::{Account}:role/Admin", key.Attr("aws.session_issuer"));
    }

    [Fact]
    public void Map_RoleWithAPath_IsNamedAsAwsIamAuthenticatorNamesIt()
    {
        // The issuer's ARN holds the role's path; the session's ARN does not, and EKS canonicalises from the session's.
        var line = Line(1).Replace($"role/Admin\"", $"role/platform/Admin\"", StringComparison.Ordinal);

        var e = MapperAssert.MapsTo(Map(line), EventKinds.AccessRequest, Outcomes.Success);

        Assert.Equal($"arn:aws:iam::{Account}:role/Admin", e.Subject?.Id);
        Assert.Equal($"arn:aws:iam::{Account}:role/platform/Admin", e.Attr("aws.session_issuer"));
    }

    [Fact]
    public void Map_SameSessionInCloudTrailAndInTheEksAuditLog_IsOnePrincipal()
    {
        var trail = Events()[1];
        var session = $"arn:aws:sts::{Account}:assumed-role/Admin/dana.kowalski@example.com";
        var audit = $$$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"c7a10000-0000-4000-8000-0000000000e1","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/shop/secrets","verb":"list","user":{"username":"{{{session}}}","uid":"aws-iam-authenticator:{{{Account}}}:AROAIDPPEZS35WEXAMPLE",
             "groups":["system:authenticated"],"extra":{"arn":["{{{session}}}"],"canonicalArn":["arn:aws:iam::{{{Account}}}:role/Admin"],"sessionName":["dana.kowalski@example.com"]}},
             "sourceIPs":["203.0.113.41"],"objectRef":{"resource":"secrets","namespace":"shop","apiVersion":"v1"},"responseStatus":{"code":200},
             "requestReceivedTimestamp":"2026-11-30T10:01:30.000000Z","stageTimestamp":"2026-11-30T10:01:30.010000Z"}
            """;

        var cluster = MapperAssert.MapsTo(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(audit.ReplaceLineEndings(string.Empty))), EventKinds.K8sAudit, Outcomes.Success);

        Assert.Equal(cluster.PrincipalKey, trail.PrincipalKey);
        Assert.Equal(cluster.Attr("aws.session_name"), trail.Attr("aws.session_name"));
    }

    [Fact]
    public void Map_RootAndFailedConsoleSignIns_AreTheAccountAndADeniedSignIn()
    {
        var events = Events();

        var root = events[6];
        Assert.Equal(($"arn:aws:iam::{Account}:root", "Root", "signin:ConsoleLogin", Outcomes.Success, "198.51.100.77"),
            (root.Subject?.Id, root.Attr("aws.identity_type"), root.Action, root.Outcome, root.Network?.SrcIp));

        // A failed console sign-in writes no errorCode, only the response's Failure, and names the user by principal id alone.
        var failed = events[7];
        Assert.Equal(("AIDACKCEVSQ6C2EXAMPLE", Outcomes.Denied, 403, "Failed authentication"),
            (failed.Subject?.Id, failed.Outcome, failed.Status, failed.Attr("aws.error_message")));
    }

    [Fact]
    public void Map_RefusedCall_IsDeniedWithItsCode()
    {
        var refused = Events()[8];

        Assert.Equal((Outcomes.Denied, 403, "AccessDenied"), (refused.Outcome, refused.Status, refused.Attr("aws.error_code")));
        Assert.Equal($"arn:aws:iam::{Account}:role/ci-deployer", refused.Subject?.Id);
    }

    [Theory]
    [InlineData("AccessDenied", "denied")]
    [InlineData("Client.UnauthorizedOperation", "denied")]
    [InlineData("KMS.AccessDenied", "denied")]
    [InlineData("NoSuchEntityException", "error")]
    [InlineData("ThrottlingException", "error")]
    public void Map_ErrorCode_IsDeniedOnlyForRefusedAuthorisation(string code, string outcome)
    {
        var line = Line(9).Replace("\"eventID\"", $"\"errorCode\":\"{code}\",\"eventID\"", StringComparison.Ordinal);

        var e = MapperAssert.MapsTo(Map(line), EventKinds.AccessRequest, outcome);

        Assert.Equal(code, e.Attr("aws.error_code"));
    }

    [Fact]
    public void Map_ServiceAndOtherAccountCallers_AreTheServiceAndTheAccount()
    {
        var events = Events();

        // AWSService: the service that called, and its name in sourceIPAddress is no address.
        var node = events[14];
        Assert.Equal(("ec2.amazonaws.com", "service_account"), (node.Subject?.Id, node.Subject?.Type));
        Assert.Null(node.Network);
        Assert.Equal(("ec2.amazonaws.com", "ec2.amazonaws.com"), (node.Attr("aws.source_ip_address"), node.Attr("aws.invoked_by")));
        Assert.Equal(("AWS::IAM::Role", $"arn:aws:iam::{Account}:role/eks-node"), (node.Resource?.Type, node.Resource?.Id));

        var other = events[15];
        Assert.Equal(($"aws-account:{Other}", Account, "2001:db8:c7a1::16", "true"),
            (other.Subject?.Id, other.Subject?.Tenant, other.Network?.SrcIp, other.Attributes!["aws.read_only"].GetRawText()));
    }

    [Fact]
    public void Map_CallsForOtherUsers_NameTheUserButNotTheCallersOwnKey()
    {
        var events = Events();

        Assert.Equal(["build-bot", "build-bot", null], events.Take(3).Select(e => e.Attr(CloudTrailMapper.OtherUserAttribute)));
    }

    [Fact]
    public void Map_PolicyDocuments_LiftWhatTheyGrant()
    {
        var events = Events();

        Assert.Equal("true", events[4].Attributes![CloudTrailMapper.AllowsAllAttribute].GetRawText());
        Assert.False(events[5].Attributes!.ContainsKey(CloudTrailMapper.AllowsAllAttribute));
        Assert.Equal([$"arn:aws:iam::{Other}:root"], Listed(events[5], CloudTrailMapper.OutsidePrincipalsAttribute));
        Assert.Equal(["*"], Listed(events[12], CloudTrailMapper.OutsidePrincipalsAttribute));
        Assert.False(events[4].Attributes!.ContainsKey(CloudTrailMapper.OutsidePrincipalsAttribute));
    }

    [Theory]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":["*"],"Resource":["*"]}}""", true, null)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}""", false, null)]
    [InlineData("""{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Principal":"*"}]}""", false, null)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":["111122223333","444455556666"]}}]}""", false, "444455556666")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"*"},"Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}""", false, null)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}""", false, null)]
    public void Map_InlinePolicy_IsJudgedStatementByStatement(string document, bool allowsAll, string? outside)
    {
        var record = JsonNode.Parse(Line(4))!;
        record["requestParameters"]!["policyDocument"] = document;

        var e = MapperAssert.MapsTo(Map(record.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);

        Assert.Equal(allowsAll, e.Attributes!.ContainsKey(CloudTrailMapper.AllowsAllAttribute));
        Assert.Equal(outside is null ? [] : [outside], Listed(e, CloudTrailMapper.OutsidePrincipalsAttribute));
    }

    [Fact]
    public void Map_UrlEncodedPolicyDocument_IsRead()
    {
        var record = JsonNode.Parse(Line(4))!;
        record["requestParameters"]!["policyDocument"] = Uri.EscapeDataString("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");

        var e = MapperAssert.MapsTo(Map(record.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);

        Assert.True(e.Attributes!.ContainsKey(CloudTrailMapper.AllowsAllAttribute));
    }

    [Fact]
    public void Map_SecurityGroupIngress_PairsEachRangeWithItsPorts()
    {
        var opened = Events()[11];

        Assert.Equal(["0.0.0.0/0 tcp 22-22", "198.51.100.0/24 tcp 443-443", "::/0 tcp 443-443"], Listed(opened, CloudTrailMapper.IngressAttribute));
        Assert.Equal("ec2:AuthorizeSecurityGroupIngress", opened.Action);
    }

    [Fact]
    public void Map_AllTrafficIngress_IsEveryPort()
    {
        var record = JsonNode.Parse(Line(11))!;
        record["requestParameters"]!["ipPermissions"] = JsonNode.Parse("""{"items":[{"ipProtocol":"-1","ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}""");

        var e = MapperAssert.MapsTo(Map(record.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);

        Assert.Equal(["0.0.0.0/0 -1 0-65535"], Listed(e, CloudTrailMapper.IngressAttribute));
    }

    [Theory]
    // Several permissions, a range of ports, a protocol number: each range with its own protocol and ports.
    [InlineData("AuthorizeSecurityGroupIngress",
        """{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":20,"toPort":25,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}},{"ipProtocol":"6","fromPort":3389,"toPort":3389,"ipv6Ranges":{"items":[{"cidrIpv6":"::/0"}]}},{"ipProtocol":"17","fromPort":53,"toPort":53,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}""",
        null, "0.0.0.0/0 tcp 20-25|::/0 tcp 3389-3389|10.0.0.0/8 udp 53-53")]
    // No permissions in the request: the ingress rules of the rule set in the response, not its egress rules.
    [InlineData("AuthorizeSecurityGroupIngress", """{"groupId":"sg-1"}""",
        """{"_return":true,"securityGroupRuleSet":{"items":[{"isEgress":false,"ipProtocol":"tcp","fromPort":0,"toPort":65535,"cidrIpv4":"0.0.0.0/0"},{"isEgress":true,"ipProtocol":"-1","cidrIpv4":"0.0.0.0/0"},{"isEgress":false,"ipProtocol":"-1","fromPort":-1,"toPort":-1,"cidrIpv6":"::/0"}]}}""",
        "0.0.0.0/0 tcp 0-65535|::/0 -1 0-65535")]
    // The API's single-rule shape at the top of the request.
    [InlineData("AuthorizeSecurityGroupIngress", """{"groupId":"sg-1","cidrIp":"0.0.0.0/0","ipProtocol":"tcp","fromPort":22,"toPort":22}""", null,
        "0.0.0.0/0 tcp 22-22")]
    // ModifySecurityGroupRules: one rule written as the item itself, several as a list; ports left out are unknown.
    [InlineData("ModifySecurityGroupRules",
        """{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"Description":"test","IpProtocol":"-1","CidrIpv4":"0.0.0.0/0"},"tag":1}}}""",
        null, "0.0.0.0/0 -1 0-65535")]
    [InlineData("ModifySecurityGroupRules",
        """{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":[{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIpv4":"0.0.0.0/0"}},{"SecurityGroupRuleId":"sgr-2","SecurityGroupRule":{"IpProtocol":"TCP","CidrIpv6":"::/0"}}]}}""",
        null, "0.0.0.0/0 tcp 443-443|::/0 tcp *-*")]
    // A rule that names another security group or a prefix list opens no address range.
    [InlineData("ModifySecurityGroupRules",
        """{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"ReferencedGroupId":"sg-2"}}}}""",
        null, "")]
    [InlineData("AuthorizeSecurityGroupEgress",
        """{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"-1","ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""", null, "")]
    public void Map_SecurityGroupCalls_ListEachOpenedRangeWithItsProtocolAndPorts(string name, string parameters, string? response, string opened)
    {
        var record = JsonNode.Parse(Line(11))!.AsObject();
        record["eventName"] = name;
        record["requestParameters"] = JsonNode.Parse(parameters);
        record["responseElements"] = response is null ? null : JsonNode.Parse(response);

        var e = MapperAssert.MapsTo(Map(record.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);

        Assert.Equal(opened, string.Join('|', Listed(e, CloudTrailMapper.IngressAttribute)));
    }

    [Fact]
    public void Map_S3LogFile_IsItsRecordsOneByOne()
    {
        var result = CloudTrailMapper.Map(File.ReadAllBytes(TestData.Path("aws-cloudtrail", "s3-log-file.json")));

        Assert.Equal(Events().Take(3).Select(e => e.Id), MapperAssert.MapsAll(result, 3).Select(e => e.Id));
    }

    [Fact]
    public void Map_S3LogFileWithABadRecord_NamesItsIndexInRecords()
    {
        var body = $$"""{"Records":[{{Line(0)}},{"eventVersion":"1.11","eventTime":"2026-11-30T10:00:00Z","eventSource":"iam.amazonaws.com"}]}""";

        MapperAssert.Rejects(Map(body), [0], (1, "Records[1].eventName"));
    }

    [Fact]
    public void Map_EventBridgeEvent_IsTheRecordInItsDetail()
    {
        var body = $$"""{"version":"0","id":"c7a1eb00-0000-4000-8000-000000000001","detail-type":"AWS API Call via CloudTrail","source":"aws.cloudtrail","account":"{{Account}}","time":"2026-11-30T10:09:00Z","region":"eu-west-1","resources":[],"detail":{{Line(9)}}}""";

        var e = MapperAssert.MapsTo(Map(body), EventKinds.AccessRequest, Outcomes.Success);

        Assert.Equal(("c7a10000-0000-4000-8000-000000000010", "cloudtrail:StopLogging"), (e.Id, e.Action));
    }

    [Fact]
    public void Map_CloudWatchLogsThroughFirehose_IsEveryLogEventsRecord()
    {
        // CloudTrail's log group has streams ACCOUNT_CloudTrail_REGION: any stream is read, unlike EKS's audit streams.
        var delivery = $$"""{"messageType":"DATA_MESSAGE","owner":"{{Account}}","logGroup":"aws-cloudtrail-logs-{{Account}}","logStream":"{{Account}}_CloudTrail_eu-west-1","subscriptionFilters":["ztstream"],"logEvents":[{"id":"1","timestamp":1,"message":{{JsonSerializer.Serialize(Line(3))}}},{"id":"2","timestamp":2,"message":"not json"}]}""";
        var body = $$"""{"requestId":"c7a1f000-0000-4000-8000-000000000001","timestamp":1,"records":[{"data":"{{Convert.ToBase64String(TestData.Gzip(delivery))}}"}]}""";

        var result = Map(body);

        MapperAssert.Rejects(result, [0], (1, "records[0].data.logEvents[1].message"));
        Assert.Equal("iam:AttachUserPolicy", result.Events[0].Action);
    }

    [Fact]
    public void Map_ArrayOfRecords_IsEachRecord() =>
        Assert.Equal(2, MapperAssert.MapsAll(Map($"[{Line(0)},{Line(1)}]"), 2).Count);

    [Theory]
    [InlineData("eventName", "null", "eventName")]
    [InlineData("eventName", "42", "eventName")]
    [InlineData("eventSource", "\"\"", "eventSource")]
    [InlineData("userIdentity", "\"alice\"", "userIdentity")]
    [InlineData("eventTime", "\"yesterday\"", "eventTime")]
    public void Map_MemberMissingOrOfAnotherType_IsAnErrorNamingIt(string member, string value, string field)
    {
        var record = JsonNode.Parse(Line(0))!.AsObject();
        record[member] = JsonNode.Parse(value);

        MapperAssert.RejectsWhole(Map(record.ToJsonString()), field);
    }

    [Fact]
    public void Map_NotAnObject_IsAnErrorNamingTheRecord()
    {
        var error = MapperAssert.RejectsWhole(Map("""{"Records":[42]}"""), "Records[0]");

        Assert.Contains("not a CloudTrail record", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_UndatedRecord_IsDatedByItsArrivalOnlyWhenOneIsGiven()
    {
        var record = JsonNode.Parse(Line(0))!.AsObject();
        record.Remove("eventTime");
        var received = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        MapperAssert.RejectsWhole(Map(record.ToJsonString()), "eventTime");
        var e = MapperAssert.MapsTo(Map(record.ToJsonString(), SourceMapOptions.Default with { ReceivedAt = received }), EventKinds.AccessRequest, Outcomes.Success);
        Assert.Equal((received, "received"), (e.Time, e.Attr("ingest.time_source")));
    }

    [Fact]
    public void Map_RecordWithoutEventId_HasAStableDigestId()
    {
        var record = JsonNode.Parse(Line(9))!.AsObject();
        record.Remove("eventID");
        var other = JsonNode.Parse(Line(8))!.AsObject();
        other.Remove("eventID");

        var ids = MapperAssert.SameIdsWhenDeliveredAgain(() => Map(record.ToJsonString() + "\n" + other.ToJsonString()));

        Assert.All(ids, id => Assert.Matches("^aws-[0-9a-f]{32}$", id));
    }

    [Fact]
    public void Map_CallerNamedByNothing_IsItsAddressElseTheAccountAndService()
    {
        var record = JsonNode.Parse(Line(0))!.AsObject();
        record["userIdentity"] = JsonNode.Parse("""{"type":"Unknown"}""");

        Assert.Equal(("ip:203.0.113.41", "anonymous"), Subject(Map(record.ToJsonString())));
        record["sourceIPAddress"] = "AWS Internal";
        Assert.Equal(($"{CloudTrailMapper.UnnamedCaller}{Account}/iam.amazonaws.com", "anonymous"), Subject(Map(record.ToJsonString())));
        record.Remove("userIdentity");
        Assert.Equal(($"{CloudTrailMapper.UnnamedCaller}{Account}/iam.amazonaws.com", "anonymous"), Subject(Map(record.ToJsonString())));

        static (string?, string?) Subject(MapResult result)
        {
            var e = MapperAssert.MapsTo(result, EventKinds.AccessRequest, Outcomes.Success);
            return (e.Subject?.Id, e.Subject?.Type);
        }
    }

    [Fact]
    public void Map_IdentityCenterUser_IsItsUserId()
    {
        var record = JsonNode.Parse(Line(0))!.AsObject();
        record["userIdentity"] = JsonNode.Parse($$"""{"type":"IdentityCenterUser","accountId":"{{Account}}","onBehalfOf":{"userId":"c7a1d000-0000-4000-8000-00000000ic01","identityStoreArn":"arn:aws:identitystore::{{Account}}:identitystore/d-c7a1000001"},"credentialId":"c7a1cred"}""");

        var e = MapperAssert.MapsTo(Map(record.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);

        Assert.Equal("identitycenter:c7a1d000-0000-4000-8000-00000000ic01", e.Subject?.Id);
    }

    [Theory]
    [InlineData("secretsmanager.amazonaws.com", "GetSecretValue", """{"secretId":"prod/db/password"}""", "prod/db/password")]
    [InlineData("ssm.amazonaws.com", "GetParameter", """{"name":"/prod/api-key","withDecryption":true}""", "/prod/api-key")]
    [InlineData("ssm.amazonaws.com", "GetParameters", """{"names":["/prod/a","/prod/b"],"withDecryption":true}""", "/prod/a,/prod/b")]
    [InlineData("ssm.amazonaws.com", "GetParameter", """{"name":"/prod/api-key","withDecryption":false}""", null)]
    [InlineData("ssm.amazonaws.com", "GetParameter", """{"name":"/prod/region"}""", null)]
    [InlineData("secretsmanager.amazonaws.com", "DescribeSecret", """{"secretId":"prod/db/password"}""", null)]
    public void Map_SecretRead_NamesTheSecretsReadInClear(string source, string name, string parameters, string? read)
    {
        var record = JsonNode.Parse(Line(0))!.AsObject();
        record["eventSource"] = source;
        record["eventName"] = name;
        record["requestParameters"] = JsonNode.Parse(parameters);

        var e = MapperAssert.MapsTo(Map(record.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);

        var secrets = !e.Attributes!.TryGetValue(CloudTrailMapper.SecretReadAttribute, out var value) ? null
            : value.ValueKind == JsonValueKind.Array ? string.Join(',', value.EnumerateArray().Select(v => v.GetString()))
            : value.GetString();
        Assert.Equal(read, secrets);
    }

    private static IReadOnlyList<string> Listed(AccessEvent e, string key) =>
        e.Attributes!.TryGetValue(key, out var value) ? [.. value.EnumerateArray().Select(v => v.GetString()!)] : [];
}
