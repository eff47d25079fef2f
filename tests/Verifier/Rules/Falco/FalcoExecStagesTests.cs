using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity's <c>Attach/Exec Pod</c> (k8s_audit_rules.yaml) matches an exec at its <c>ResponseStarted</c> stage
/// (<c>kevt_started</c>): exec and attach are long-running requests, audited when the stream starts (101) and again when it
/// ends (kubernetes.io "Auditing"). However an audit policy and the webhook's batching split the stages — all in one body,
/// one per body, <c>ResponseStarted</c> omitted by <c>omitStages</c>, <c>RequestReceived</c> omitted — the rule counts the
/// exec once, mapped as the endpoint maps each body and scored as the log hands the events over.
/// </summary>
public sealed class FalcoExecStagesTests
{
    private const string Id = "6f1d2c3b-8a9e-4d7f-b6c5-00000000e001";

    public static TheoryData<string, string[][]> Splits => new()
    {
        { "every stage in one body", [["RequestReceived", "ResponseStarted", "ResponseComplete"]] },
        { "one stage per body", [["RequestReceived"], ["ResponseStarted"], ["ResponseComplete"]] },
        { "ResponseStarted omitted, one body", [["RequestReceived", "ResponseComplete"]] },
        { "ResponseStarted omitted, two bodies", [["RequestReceived"], ["ResponseComplete"]] },
        { "RequestReceived omitted, one body", [["ResponseStarted", "ResponseComplete"]] },
        { "RequestReceived omitted, two bodies", [["ResponseStarted"], ["ResponseComplete"]] },
        { "only ResponseComplete", [["ResponseComplete"]] },
        { "RequestReceived apart, the rest in one body", [["RequestReceived"], ["ResponseStarted", "ResponseComplete"]] },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void Score_ExecWhateverTheStageSplit_AttachExecPodCountsItOnce(string split, string[][] bodies)
    {
        var part = new RulePart(Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == "Attach/Exec Pod"));
        var matched = 0;

        foreach (var body in bodies.Append(bodies[^1]))
        {
            foreach (var e in RuleTesting.MappedAll(string.Join('\n', body.Select(Stage))))
            {
                matched += part.Score(e).Matched ? 1 : 0;
            }
        }

        Assert.True(matched == 1, $"{split}: the rule counted the exec {matched} times");
    }

    [Fact]
    public void Score_ExecRefused_AttachExecPodDoesNotMatchItsLaterStage()
    {
        // A refused exec never starts a stream: its one answered stage is a 403 ResponseComplete (no ResponseStarted).
        var rule = Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == "Attach/Exec Pod");
        var refused = Stage("ResponseComplete").Replace("\"code\":101", "\"code\":403", StringComparison.Ordinal);

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(refused)).Events);

        Assert.False(rule.Condition.Matches(new RuleEvent(e)));
        Assert.Equal("ResponseComplete", e.Raw!.Value.GetProperty("stage").GetString());
    }

    [Fact]
    public void Map_GkeExecEntry_AttachExecPodMatchesIt()
    {
        // GKE logs one Cloud Audit Logs entry per request (operation first and last), an exec it let through with an OK
        // status: the stream the API server answered 101 (shape of IngestTestData/k8s-audit/managed/gke-audit-entries.ndjson).
        var rule = Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == "Attach/Exec Pod");
        var entry = """
            {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"ilse.marsh@example.com"},
             "requestMetadata":{"callerIp":"2001:db8:41::18","callerSuppliedUserAgent":"kubectl/v1.33.2"},"serviceName":"k8s.io",
             "methodName":"io.k8s.core.v1.pods.exec.create","resourceName":"core/v1/namespaces/ledger/pods/ledger-5b7c9-qk2mz/exec",
             "authorizationInfo":[{"granted":true,"permission":"io.k8s.core.v1.pods.exec.create","resource":"core/v1/namespaces/ledger/pods/ledger-5b7c9-qk2mz/exec"}],"status":{}},
             "insertId":"1x9c2v3b4n5m","operation":{"id":"1x9c2v3b4n5m","producer":"k8s.io","first":true,"last":true},
             "resource":{"type":"k8s_cluster","labels":{"project_id":"ledger-prod-0815","location":"europe-west4","cluster_name":"ledger"}},
             "timestamp":"2026-11-30T10:00:00.1Z","receiveTimestamp":"2026-11-30T10:00:01Z","severity":"NOTICE",
             "logName":"projects/ledger-prod-0815/logs/cloudaudit.googleapis.com%2Factivity"}
            """;

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(entry)).Events);

        Assert.Equal(101, e.Status);
        Assert.True(rule.Condition.Matches(new RuleEvent(e)));
    }

    /// <summary>One stage of an exec as the API server audits it (k8s.io/apiserver/pkg/apis/audit/v1; invented names).</summary>
    private static string Stage(string stage)
    {
        var response = stage == "RequestReceived" ? string.Empty : ""","responseStatus":{"metadata":{},"code":101}""";
        var at = stage switch { "RequestReceived" => "10:00:00.100000", "ResponseStarted" => "10:00:00.180000", _ => "10:09:41.020000" };
        return $$"""{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{Id}}","stage":"{{stage}}","requestURI":"/api/v1/namespaces/ledger/pods/ledger-5b7c9-qk2mz/exec?command=sh&container=ledger&stdin=true&stdout=true&tty=true","verb":"create","user":{"username":"ilse.marsh@example.com","groups":["platform","system:authenticated"]},"sourceIPs":["2001:db8:41::17"],"userAgent":"kubectl/v1.33.2 (linux/amd64) kubernetes/a1b2c3d","objectRef":{"resource":"pods","namespace":"ledger","name":"ledger-5b7c9-qk2mz","apiVersion":"v1","subresource":"exec"}{{response}},"requestReceivedTimestamp":"2026-11-30T10:00:00.100000Z","stageTimestamp":"2026-11-30T{{at}}Z"}""";
    }
}
