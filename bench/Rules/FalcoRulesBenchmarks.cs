using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ZtStream.Contracts.Events;
using ZtStream.Ingest.Sources;
using ZtStream.Verifier.Rules;
using ZtStream.Verifier.Rules.Falco;

namespace ZtStream.Benchmarks.Rules;

/// <summary>
/// Every rule of falcosecurity's k8s_audit_rules.yaml (plugins HEAD, 48 rules, compiled once) evaluated against
/// one audit event from Falco's regression traces, as the Verifier would for each event; and every enabled rule of
/// its okta_rules.yaml (12) against an Okta LogEvent mapped by Ingest's Okta adapter (the <c>okta:</c> cases; a failed
/// MFA challenge also records and counts the actor's failures). One operation = one event through all the rules of
/// its source's file; the event is parsed once in setup (Ingest keeps it parsed on AccessEvent.Raw). Operations take
/// turns over 16 event instances, so nothing one operation caches for its event serves the next.
/// </summary>
[MemoryDiagnoser]
public class FalcoRulesBenchmarks
{
    private RuleRound round = null!;

    private const string Okta = "okta:";

    [Params("create_nginx_pod_privileged.json", "create_configmap_sensitive_values.json", "exec_pod.json", "delete_namespace_foo.json",
        Okta + "user.authentication.auth_via_mfa", Okta + "user.account.lock")]
    public string Trace { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit");
        var okta = Trace.StartsWith(Okta, StringComparison.Ordinal);
        var (file, count) = okta ? ("okta_rules.plugins-HEAD.yaml", 12) : ("k8s_audit_rules.plugins-HEAD.yaml", 48);
        var path = Path.Combine(folder, "rules", file);
        var result = FalcoRuleLoader.Load([(path, File.ReadAllText(path))]);
        if (result.Errors.Count > 0 || result.Rules.Count != count)
        {
            throw new InvalidOperationException($"expected {count} rules and no errors: {string.Join("; ", result.Errors)}");
        }

        var rules = result.Rules;
        if (okta)
        {
            round = new RuleRound(rules, OktaEvent(Trace[Okta.Length..]));
            return;
        }

        var line = File.ReadLines(Path.Combine(folder, "traces", Trace)).First(l => l.Length > 0);
        var raw = JsonDocument.Parse(line).RootElement;
        var e = new AccessEvent { Id = "bench", Time = DateTimeOffset.UnixEpoch.AddYears(50), Kind = EventKinds.K8sAudit, Raw = raw };
        round = new RuleRound(rules, e);
    }

    [Benchmark]
    public int EvaluateAllRules() => round.MatchNext();

    /// <summary>An Okta LogEvent of <paramref name="eventType"/> as Okta's System Log reference shows one, mapped by Ingest's Okta adapter.</summary>
    private static AccessEvent OktaEvent(string eventType)
    {
        var json = $$"""
            {"uuid":"9f1b5c2e-4d6a-11f1-8a3e-0b8c7d6e5f41","published":"2026-11-30T09:12:43.512Z","eventType":"{{eventType}}","version":"0","severity":"INFO",
             "displayMessage":"Okta event","actor":{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"dana.ruiz@example.org","displayName":"Dana Ruiz"},
             "client":{"ipAddress":"198.51.100.23","userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"SAFARI"},"geographicalContext":{"country":"United States","city":"Denver"} },
             "outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"authenticationContext":{"externalSessionId":"idxAb12Cd34"},"securityContext":{"asNumber":7922,"asOrg":"comcast"},
             "debugContext":{"debugData":{"requestUri":"/idp/idx/challenge/answer"} },"target":[{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"dana.ruiz@example.org","displayName":"Dana Ruiz"}] }
            """;
        return SourceAdapters.All.Single(a => a.Name == "okta").Map(Encoding.UTF8.GetBytes(json), SourceMapOptions.Default).Events[0];
    }
}
