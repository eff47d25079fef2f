using System.Globalization;
using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Serialization;
using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Verifier;
using ZtStream.Verifier.Policy;
using ZtStream.Verifier.Rules;
using ZtStream.Verifier.Scoring;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// The scoring path on Kubernetes audit traffic, where every event carries its raw audit object and every
/// <c>k8s.audit</c> rule is evaluated: 20,000 audit events mapped by Ingest's own adapter (gets and lists, pod and
/// deployment writes with specs, secret lists across namespaces, 403s, exec), scored with no rules and with the
/// built-in library plus SigmaHQ's 16 Kubernetes audit rules, and with those plus the tests' Sigma correlations
/// (event_count, value_count, temporal and a temporal_ordered chain over 403s and secret reads). One operation = one event.
/// </summary>
[MemoryDiagnoser]
public class AuditRuleBenchmarks
{
    private readonly VerifierOptions options = new() { ModelEnabled = false };
    private byte[][] events = [];
    private ZeroTrustPolicy policy = null!;
    private RuleSetHolder rules = new(RuleSet.Empty);
    private ScoringEngine engine = null!;

    [Params("none", "library", "library+correlations")]
    public string Rules { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        policy = DefaultPolicy.Load();
        if (Rules != "none")
        {
            rules = new RuleSetHolder(new RuleSet(ScoringBenchmarks.Library(correlations: Rules == "library+correlations")));
        }

        var random = new Random(7);
        var list = new List<byte[]>(20_000);
        var t0 = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
        string[] namespaces = ["shop", "payments", "ops", "ci", "monitoring", "data", "web", "auth"];
        for (var i = 0; i < 20_000; i++)
        {
            var user = random.Next(10) < 6 ? $"system:serviceaccount:{namespaces[random.Next(namespaces.Length)]}:sa-{random.Next(40)}" : $"user-{random.Next(60)}@example.com";
            var ns = namespaces[random.Next(namespaces.Length)];
            var time = t0.AddMilliseconds(i * 150).ToString("O", CultureInfo.InvariantCulture);
            var kind = random.Next(100);
            var json = kind switch
            {
                < 40 => Audit(i, time, user, random.Next(2) == 0 ? "get" : "list", random.Next(2) == 0 ? "pods" : "configmaps", ns, 200, null),
                < 60 => Audit(i, time, user, "create", "pods", ns, 201,
                    PodSpec(ns, i, privileged: random.Next(100) == 0)),
                < 70 => Audit(i, time, user, "list", "secrets", ns, 200, null),
                < 80 => Audit(i, time, user, "get", "secrets", ns, 403, null),
                < 90 => Audit(i, time, user, "patch", "deployments", ns, 200,
                    """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example.com/app:2"}]}}}}""", "apps"),
                _ => Audit(i, time, user, "create", "pods", ns, 101, null, subresource: "exec"),
            };
            var mapped = K8sAuditMapper.Map(System.Text.Encoding.UTF8.GetBytes(json));
            list.Add(ContractJson.Serialize(mapped.Events[0]));
        }

        events = [.. list];
    }

    [IterationSetup]
    public void Fresh() => engine = new ScoringEngine(options, policy, rules: rules);

    [Benchmark(OperationsPerInvoke = 20_000)]
    public int ScoreAuditBytes()
    {
        var alerts = 0;
        foreach (var e in events)
        {
            if (engine.Score(e).Alert is not null)
            {
                alerts++;
            }
        }

        return alerts;
    }

    private static string PodSpec(string ns, int i, bool privileged) =>
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p" + i + "\",\"namespace\":\"" + ns + "\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.example.com/app:" + (i % 9) + "\",\"securityContext\":{\"privileged\":"
        + (privileged ? "true" : "false") + ",\"runAsNonRoot\":true}},{\"name\":\"proxy\",\"image\":\"envoy:1.30\"}],"
        + "\"volumes\":[{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}}]}}";

    private static string Audit(int i, string time, string user, string verb, string resource, string ns, int code, string? requestObject, string? apiGroup = null, string? subresource = null) =>
        $$"""
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"{{(requestObject is null ? "Metadata" : "Request")}}","auditID":"{{Guid.CreateVersion7().ToString()}}","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/{{ns}}/{{resource}}","verb":"{{verb}}","user":{"username":"{{user}}","groups":["system:authenticated"]},
         "sourceIPs":["10.0.{{i % 200}}.{{i % 250}}"],"userAgent":"kubectl/v1.30.2 (linux/amd64)",
         "objectRef":{"resource":"{{resource}}","namespace":"{{ns}}","name":"o{{i % 500}}"{{(apiGroup is null ? "" : $",\"apiGroup\":\"{apiGroup}\"")}}{{(subresource is null ? "" : $",\"subresource\":\"{subresource}\"")}},"apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":{{code}}},{{(requestObject is null ? "" : $"\"requestObject\":{requestObject},")}}
         "annotations":{"authorization.k8s.io/decision":"{{(code == 403 ? "forbid" : "allow")}}","authorization.k8s.io/reason":""},
         "requestReceivedTimestamp":"{{time}}","stageTimestamp":"{{time}}"}
        """;
}
