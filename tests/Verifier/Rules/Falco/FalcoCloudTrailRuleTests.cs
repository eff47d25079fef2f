using static ZtStream.Verifier.Tests.Rules.Falco.FalcoCloudTrailTestData;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoOktaTestData;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Rules of <c>source: aws_cloudtrail</c>: falcosecurity's aws_cloudtrail_rules.yaml (plugins/cloudtrail) loaded unchanged,
/// each rule's trigger written as a CloudTrail record after AWS's documentation and taken through Ingest's CloudTrail
/// mapper, beside a near miss; and the confinement of the source's rules to the records the aws-cloudtrail source made.
/// </summary>
public sealed class FalcoCloudTrailRuleTests
{
    private static IReadOnlyList<Rule> Rules() => Load(RulesFile(RulesCloudTrail)).Rules;

    private static List<string> Fired(IReadOnlyList<Rule> rules, string record) => [.. Run(rules, CtEvents(record)).Select(f => f.Rule)];

    [Fact]
    public void CloudTrailRulesFile_LoadsWithoutErrors_TheDisabledRulesOff()
    {
        var result = FalcoRuleLoader.Load([RulesFile(RulesCloudTrail)], out var disabled);

        Assert.Empty(result.Errors);
        Assert.Equal(20, result.Rules.Count);
        Assert.Equal(["All Cloudtrail Events", "List Buckets"], disabled.Order(StringComparer.Ordinal));
        Assert.All(result.Rules, r => Assert.Equal([EventKinds.AccessRequest], r.Kinds));
        Assert.All(result.Rules, r => Assert.Equal(FalcoSource.AwsCloudTrail, ((FalcoRuleMatcher)r.Condition).Source));
        Assert.Equal("critical", result.Rules.Single(r => r.Id == "Console Root Login Without MFA").Severity);
        Assert.Equal("low", result.Rules.Single(r => r.Id == "Create AWS user").Severity);
    }

    public static TheoryData<string, string, string> Triggers => new()
    {
        {
            "Console Login Through Assume Role",
            ConsoleLogin(AssumedRole),
            ConsoleLogin(AssumedRole, result: "Failure")
        },
        {
            "Deactivate MFA for Root User",
            Record("DeactivateMFADevice", "iam.amazonaws.com", Root, """{"userName":"AWS ROOT USER","serialNumber":"arn:aws:iam::123456789012:mfa/root-account-mfa-device"}"""),
            Record("DeactivateMFADevice", "iam.amazonaws.com", IamUser, """{"userName":"Alice","serialNumber":"arn:aws:iam::123456789012:mfa/Alice"}""")
        },
        {
            "Create AWS user",
            Record("CreateUser", "iam.amazonaws.com", AssumedRole, """{"userName":"backup-svc"}""", """{"user":{"userName":"backup-svc","path":"/","userId":"AIDACKCEVSQ6C2EXAMPLE"}}"""),
            Record("CreateUser", "iam.amazonaws.com", AssumedRole, """{"userName":"backup-svc"}""", error: "AccessDenied")
        },
        {
            "Create Group",
            Record("CreateGroup", "iam.amazonaws.com", IamUser, """{"groupName":"Admins"}"""),
            Record("GetGroup", "iam.amazonaws.com", IamUser, """{"groupName":"Admins"}""")
        },
        {
            "Delete Group",
            Record("DeleteGroup", "iam.amazonaws.com", Root, """{"groupName":"Auditors"}"""),
            Record("DeleteGroup", "iam.amazonaws.com", Root, """{"groupName":"Auditors"}""", error: "DeleteConflict")
        },
        {
            "ECS Service Created",
            Record("CreateService", "ecs.amazonaws.com", AssumedRole, """{"cluster":"prod","serviceName":"web","taskDefinition":"web:3"}"""),

            // AWS Cloud Map has a CreateService too.
            Record("CreateService", "servicediscovery.amazonaws.com", AssumedRole, """{"name":"web","namespaceId":"ns-abc"}""")
        },
        {
            "ECS Task Run or Started",
            Record("RunTask", "ecs.amazonaws.com", Service, """{"cluster":"prod","taskDefinition":"miner:1","count":1}"""),
            Record("StopTask", "ecs.amazonaws.com", Service, """{"cluster":"prod","task":"arn:aws:ecs:us-east-1:123456789012:task/prod/abc"}""")
        },
        {
            "Create Lambda Function",
            Record("CreateFunction20150331", "lambda.amazonaws.com", AssumedRole, """{"functionName":"exfil","runtime":"python3.12"}"""),
            Record("GetFunction20150331v2", "lambda.amazonaws.com", AssumedRole, """{"functionName":"exfil"}""")
        },
        {
            "Update Lambda Function Code",
            Record("UpdateFunctionCode20150331v2", "lambda.amazonaws.com", IamUser, """{"functionName":"billing","publish":true}"""),
            Record("UpdateFunctionCode20150331v2", "lambda.amazonaws.com", IamUser, """{"functionName":"billing"}""", error: "ResourceNotFoundException")
        },
        {
            "Update Lambda Function Configuration",
            Record("UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", IamUser, """{"functionName":"billing","role":"arn:aws:iam::123456789012:role/admin"}"""),
            Record("GetFunctionConfiguration20150331v2", "lambda.amazonaws.com", IamUser, """{"functionName":"billing"}""")
        },
        {
            "Delete Bucket Encryption",
            Record("DeleteBucketEncryption", "s3.amazonaws.com", AssumedRole, """{"bucketName":"payroll","Host":"payroll.s3.amazonaws.com","encryption":[""]}"""),
            Record("GetBucketEncryption", "s3.amazonaws.com", AssumedRole, """{"bucketName":"payroll","Host":"payroll.s3.amazonaws.com","encryption":[""]}""")
        },
        {
            "Delete Bucket Public Access Block",
            Record("PutBucketPublicAccessBlock", "s3.amazonaws.com", IamUser, """
                {"publicAccessBlock":"","bucketName":"payroll","Host":"payroll.s3.amazonaws.com",
                 "PublicAccessBlockConfiguration":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/","RestrictPublicBuckets":false,"BlockPublicPolicy":true,"BlockPublicAcls":true,"IgnorePublicAcls":true}}
                """),
            Record("PutBucketPublicAccessBlock", "s3.amazonaws.com", IamUser, """
                {"publicAccessBlock":"","bucketName":"payroll","Host":"payroll.s3.amazonaws.com",
                 "PublicAccessBlockConfiguration":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/","RestrictPublicBuckets":true,"BlockPublicPolicy":true,"BlockPublicAcls":true,"IgnorePublicAcls":true}}
                """)
        },
        {
            "Put Bucket ACL",
            Record("PutBucketAcl", "s3.amazonaws.com", Root, """{"bucketName":"payroll","Host":"payroll.s3.amazonaws.com","acl":[""]}"""),
            Record("GetBucketAcl", "s3.amazonaws.com", Root, """{"bucketName":"payroll","Host":"payroll.s3.amazonaws.com","acl":[""]}""")
        },
        {
            "Put Bucket Policy",
            Record("PutBucketPolicy", "s3.amazonaws.com", AssumedRole, """{"bucketName":"payroll","Host":"payroll.s3.amazonaws.com","bucketPolicy":{"Version":"2012-10-17","Statement":[]},"policy":[""]}"""),
            Record("DeleteBucketPolicy", "s3.amazonaws.com", AssumedRole, """{"bucketName":"payroll","Host":"payroll.s3.amazonaws.com","policy":[""]}""")
        },
        {
            "CloudTrail Trail Created",
            Record("CreateTrail", "cloudtrail.amazonaws.com", IamUser, """{"name":"shadow","s3BucketName":"attacker-logs"}"""),
            Record("UpdateTrail", "cloudtrail.amazonaws.com", IamUser, """{"name":"shadow","s3BucketName":"attacker-logs"}""")
        },
        {
            "CloudTrail Logging Disabled",
            Record("StopLogging", "cloudtrail.amazonaws.com", AssumedRole, """{"name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"}"""),
            Record("StartLogging", "cloudtrail.amazonaws.com", AssumedRole, """{"name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"}""")
        },
    };

    [Theory]
    [MemberData(nameof(Triggers))]
    public void Rule_FiresOnItsDocumentedTrigger_NotOnTheNearMiss(string rule, string trigger, string nearMiss)
    {
        var rules = Rules();

        Assert.Equal([rule], Fired(rules, trigger));
        Assert.Empty(Fired(rules, nearMiss));
    }

    [Fact]
    public void ConsoleLoginWithoutMfa_FiresForAnIamUser_AndForTheRootUserWithTheRootRule_NotWithMfaOrForARole()
    {
        var rules = Rules();

        Assert.Equal(["Console Login Without MFA"], Fired(rules, ConsoleLogin(IamUser)));
        Assert.Equal(["Console Login Without MFA", "Console Root Login Without MFA"], Fired(rules, ConsoleLogin(Root)));
        Assert.Empty(Fired(rules, ConsoleLogin(IamUser, mfaUsed: "Yes")));
        Assert.Empty(Fired(rules, ConsoleLogin(Root, mfaUsed: "Yes")));
        Assert.Empty(Fired(rules, ConsoleLogin(IamUser, result: "Failure")));
        Assert.Equal(["Console Login Through Assume Role"], Fired(rules, ConsoleLogin(AssumedRole)));
    }

    [Fact]
    public void ConsoleLoginWithoutMfa_RendersTheRequestingUserAddressAndRegion()
    {
        var fired = Assert.Single(Run(Rules(), CtEvents(ConsoleLogin(IamUser))));

        Assert.Equal("Console Login Without MFA", fired.Rule);
        Assert.Contains("(requesting user=Alice, requesting IP=203.0.113.41, AWS region=us-east-1)", Words(fired.Output), StringComparison.Ordinal);
    }

    [Fact]
    public void RootUser_HasNoUserName_SoTheRootRuleRendersNoUser()
    {
        var fired = Run(Rules(), CtEvents(ConsoleLogin(Root))).Single(f => f.Rule == "Console Root Login Without MFA");

        Assert.Contains("requesting user=<NA>", Words(fired.Output), StringComparison.Ordinal);
    }

    [Fact]
    public void RunInstances_FiresBothRules_OutsideTheApprovedRegions_AndOnlyTheFirstInOne()
    {
        var record = Record(
            "RunInstances", "ec2.amazonaws.com", AssumedRole,
            """{"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},"instanceType":"p4d.24xlarge","availabilityZone":"eu-west-1a"}""",
            """{"reservationId":"r-0123456789abcdef0","ownerId":"123456789012","instancesSet":{"items":[{"instanceId":"i-0598c7d356eba48d7","imageId":"ami-0abcdef1234567890","subnetId":"subnet-0a1b2c3d"}]}}""",
            region: "eu-west-1");
        var fired = Run(Rules(), CtEvents(record));

        Assert.Equal(["Run Instances", "Run Instances in Non-approved Region"], fired.Select(f => f.Rule));
        var output = Words(fired[1].Output);
        Assert.Contains("AWS region=eu-west-1, availability zone=eu-west-1a, subnet id=<NA>, reservation id=r-0123456789abcdef0, image id=i-0598c7d356eba48d7)", output, StringComparison.Ordinal);

        // An operator's own list of approved regions, appended as Falco's rules files let one.
        var approved = Load(RulesFile(RulesCloudTrail), ("local.yaml", """
            - list: approved_regions
              items: [eu-west-1]
              append: true
            """));
        Assert.Empty(approved.Errors);
        Assert.Equal(["Run Instances"], Fired(approved.Rules, record));
        Assert.Empty(Fired(Rules(), Record("RunInstances", "ec2.amazonaws.com", AssumedRole, error: "Client.UnauthorizedOperation", region: "eu-west-1")));
    }

    [Fact]
    public void NullRequestParameters_NeitherFiresNorFailsARuleThatReadsThem()
    {
        var rules = Rules();

        // A record whose call took no parameters: ct.request.* have no value, the rule still fires on its name.
        var fired = Assert.Single(Run(rules, CtEvents(Record("CreateTrail", "cloudtrail.amazonaws.com", IamUser))));
        Assert.Contains("trail name=<NA>", Words(fired.Output), StringComparison.Ordinal);
        Assert.Empty(Fired(rules, Record("DeactivateMFADevice", "iam.amazonaws.com", Root)));
    }

    [Fact]
    public void DisabledRules_LoadWithTheirFields_AndFireWhenEnabled()
    {
        var result = Load(RulesFile(RulesCloudTrail), ("local.yaml", """
            - rule: All Cloudtrail Events
              enabled: true
            - rule: List Buckets
              enabled: true
            """));
        Assert.Empty(result.Errors);

        var fired = Run(result.Rules, CtEvents(Record("ListBuckets", "s3.amazonaws.com", IamUser, """{"Host":"s3.us-east-1.amazonaws.com"}""")));

        Assert.Equal(["All Cloudtrail Events", "List Buckets"], fired.Select(f => f.Rule));
        Assert.Matches(@"^Some Cloudtrail Event \(evtnum=\d+ info=Alice via 198\.51\.100\.23 → ListBuckets Host=s3\.us-east-1\.amazonaws\.com ts=2026-11-30T09:12:43\.000000000Z id=[0-9a-f-]{36} error=<NA>\)$", fired[0].Output);
        Assert.Contains("host=s3.us-east-1.amazonaws.com", Words(fired[1].Output), StringComparison.Ordinal);
    }

    [Fact]
    public void CloudTrailRules_ReadOnlyTheAwsCloudTrailSourcesRecords()
    {
        var rule = CtRule("ct.name = CreateUser");
        var record = Record("CreateUser", "iam.amazonaws.com", IamUser, """{"userName":"bob"}""");

        Assert.True(rule.Condition.Matches(CtEvent(record)));

        // The same record on another access.request (an SDK event carrying it), on a Kubernetes audit event, and an Okta
        // event: none is a record the aws-cloudtrail source made.
        Assert.False(rule.Condition.Matches(new RuleEvent(RuleTesting.WithRaw(record, EventKinds.AccessRequest))));
        Assert.False(rule.Condition.Matches(new RuleEvent(RuleTesting.WithRaw(record))));
        Assert.False(rule.Condition.Matches(FalcoOktaTestData.Event(Log("user.session.start"))));

        // Attributes naming another call than the record's are not the mapper's either.
        var forged = RuleTesting.WithRaw(record, EventKinds.AccessRequest) with
        {
            Attributes = new()
            {
                ["aws.event_source"] = JsonSerializer.SerializeToElement("iam.amazonaws.com"),
                ["aws.event_name"] = JsonSerializer.SerializeToElement("DeleteUser"),
            },
        };
        Assert.False(rule.Condition.Matches(new RuleEvent(forged)));
        Assert.True(rule.Condition.Matches(new RuleEvent(forged with
        {
            Attributes = new(forged.Attributes!) { ["aws.event_name"] = JsonSerializer.SerializeToElement("CreateUser") },
        })));
    }

    [Fact]
    public void OtherSourcesRules_DoNotReadCloudTrailRecords()
    {
        var okta = Single(Rule("okta.evt.type exists or not okta.evt.type exists"));
        var k8s = Single("""
            - rule: K
              desc: d
              condition: ka.verb exists or not ka.verb exists
              output: o
              priority: WARNING
              source: k8s_audit
            """);
        var e = CtEvent(Record("CreateUser", "iam.amazonaws.com"));

        Assert.False(okta.Condition.Matches(e));
        Assert.False(k8s.Condition.Matches(e));
    }
}
