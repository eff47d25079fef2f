using ZtStream.Verifier.Tests.Rules;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// kube-apiserver takes a request's <c>auditID</c> from the caller's <c>Audit-ID</c> header when it sends one (GKE logs it
/// as <c>operation.id</c>, AKS as <c>AuditId</c>): any caller, one with a stolen token too, can send each of its requests
/// under one id, or under the id of someone else's earlier request. Each body mapped as the endpoint maps it, scored as
/// the Verifier scores the log: every such request is scored as a request of its own, and falcosecurity's
/// <c>Attach/Exec Pod</c> matches each exec; a body delivered again is still a redelivery.
/// </summary>
public sealed class CallerChosenAuditIdTests
{
    private const string Reused = "3e1b7c2a-0000-4000-8000-00000000bee5";
    private const string AksResourceId = "/subscriptions/0000/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-weu-1";

    /// <summary>A request as its cluster's delivery carries it: the webhook's EventList, a GKE entry, an AKS diagnostic record.</summary>
    private static string Body(string shape, string auditId, string user, string received, bool exec)
    {
        var (verb, resource, name, subresource, code) = exec ? ("create", "pods", "web-0", "exec", 101) : ("get", "secrets", "db", (string?)null, 200);
        if (shape == "gke")
        {
            var method = exec ? "io.k8s.core.v1.pods.exec.create" : "io.k8s.core.v1.secrets.get";
            var path = exec ? "core/v1/namespaces/shop/pods/web-0/exec" : "core/v1/namespaces/shop/secrets/db";
            return $$$"""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"{{{user}}}"},"requestMetadata":{"callerIp":"203.0.113.45","callerSuppliedUserAgent":"kubectl/v1.30.5"},"serviceName":"k8s.io","methodName":"{{{method}}}","resourceName":"{{{path}}}","status":{}},"operation":{"id":"{{{auditId}}}","producer":"k8s.io","first":true,"last":true},"resource":{"type":"k8s_cluster","labels":{"project_id":"shop-prod-4711","location":"europe-west1","cluster_name":"gke-shop"}},"timestamp":"{{{received}}}","logName":"projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Factivity"}""";
        }

        var native = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "Metadata",
            ["auditID"] = auditId,
            ["stage"] = exec ? "ResponseStarted" : "ResponseComplete",
            ["requestURI"] = exec ? "/api/v1/namespaces/shop/pods/web-0/exec?command=sh&stdin=true&tty=true" : "/api/v1/namespaces/shop/secrets/db",
            ["verb"] = verb,
            ["user"] = new JsonObject { ["username"] = user, ["groups"] = new JsonArray("system:authenticated") },
            ["sourceIPs"] = new JsonArray("203.0.113.45"),
            ["userAgent"] = "kubectl/v1.31.0",
            ["objectRef"] = new JsonObject { ["resource"] = resource, ["namespace"] = "shop", ["name"] = name, ["apiVersion"] = "v1", ["subresource"] = subresource },
            ["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = code },
            ["requestReceivedTimestamp"] = received,
            ["stageTimestamp"] = received,
        };
        return shape switch
        {
            "webhook" => AuditEvents.EventList([native]).ToJsonString(),
            "aks" => new JsonObject
            {
                ["records"] = new JsonArray(new JsonObject
                {
                    ["time"] = received,
                    ["resourceId"] = AksResourceId,
                    ["category"] = "kube-audit",
                    ["operationName"] = "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                    ["properties"] = new JsonObject { ["log"] = native.ToJsonString(), ["stream"] = "stdout", ["pod"] = "kube-apiserver-5f9b7c8d6-x2x8q" },
                }),
            }.ToJsonString(),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
    }

    public static TheoryData<string> Shapes => ["webhook", "gke", "aks"];

    /// <summary>Scores each body's events as the log hands them over; per event, whether Attach/Exec Pod scored it and whether it was taken for a redelivery.</summary>
    private static List<(string Subject, bool Matched, bool Duplicate)> Score(params string[] bodies)
    {
        var part = new RulePart(Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == "Attach/Exec Pod"));
        var scored = new List<(string, bool, bool)>();
        foreach (var body in bodies)
        {
            foreach (var e in RuleTesting.MappedAll(body))
            {
                var (result, matched) = part.Score(e);
                scored.Add((e.Subject!.Id!, matched, result.Duplicate));
            }
        }

        return scored;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Score_TwoExecsOfOneUserUnderOneAuditId_EachIsScoredAndMatched(string shape)
    {
        var scored = Score(
            Body(shape, Reused, "mallory@example.com", "2026-12-01T09:00:00.100000Z", exec: true),
            Body(shape, Reused, "mallory@example.com", "2026-12-01T09:05:00.200000Z", exec: true));

        Assert.Equal([("mallory@example.com", true, false), ("mallory@example.com", true, false)], scored);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Score_ExecUnderTheAuditIdOfAnotherUsersEarlierRequest_IsScoredAndMatched(string shape)
    {
        var scored = Score(
            Body(shape, Reused, "ana.ruiz@example.com", "2026-12-01T09:00:00.100000Z", exec: false),
            Body(shape, Reused, "mallory@example.com", "2026-12-01T09:00:00.100000Z", exec: true));

        Assert.Equal([("ana.ruiz@example.com", false, false), ("mallory@example.com", true, false)], scored);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Score_TheSameBodyDeliveredTwice_IsOneRequest(string shape)
    {
        var body = Body(shape, Reused, "mallory@example.com", "2026-12-01T09:00:00.100000Z", exec: true);

        var scored = Score(body, body);

        Assert.Equal([("mallory@example.com", true, false), ("mallory@example.com", false, true)], scored);
    }
}
