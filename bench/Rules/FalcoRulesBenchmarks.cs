using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Events;
using ZtStream.Verifier.Rules;
using ZtStream.Verifier.Rules.Falco;

namespace ZtStream.Benchmarks.Rules;

/// <summary>
/// Every rule of falcosecurity's k8s_audit_rules.yaml (plugins HEAD, 48 rules, compiled once) evaluated against
/// one audit event from Falco's regression traces, as the Verifier would for each event. One operation = one event
/// through all 48 rules; the event is parsed once in setup (Ingest keeps it parsed on AccessEvent.Raw). Operations
/// take turns over 16 event instances, so nothing one operation caches for its event serves the next.
/// </summary>
[MemoryDiagnoser]
public class FalcoRulesBenchmarks
{
    private RuleRound round = null!;

    [Params("create_nginx_pod_privileged.json", "create_configmap_sensitive_values.json", "exec_pod.json", "delete_namespace_foo.json")]
    public string Trace { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit");
        var path = Path.Combine(folder, "rules", "k8s_audit_rules.plugins-HEAD.yaml");
        var result = FalcoRuleLoader.Load([(path, File.ReadAllText(path))]);
        if (result.Errors.Count > 0 || result.Rules.Count != 48)
        {
            throw new InvalidOperationException($"expected 48 rules and no errors: {string.Join("; ", result.Errors)}");
        }

        var rules = result.Rules;
        var line = File.ReadLines(Path.Combine(folder, "traces", Trace)).First(l => l.Length > 0);
        var raw = JsonDocument.Parse(line).RootElement;
        var e = new AccessEvent { Id = "bench", Time = DateTimeOffset.UnixEpoch.AddYears(50), Kind = EventKinds.K8sAudit, Raw = raw };
        round = new RuleRound(rules, e);
    }

    [Benchmark]
    public int EvaluateAllRules() => round.MatchNext();
}
