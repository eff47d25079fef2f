using System.Text;
using BenchmarkDotNet.Attributes;
using ZtStream.Ingest.Sources;
using ZtStream.Verifier.Rules;

namespace ZtStream.Benchmarks.Rules;

/// <summary>
/// Sigma rules in SigmaHQ's style and field names for the identity providers (tests/Verifier/TestData/sigma-idp:
/// 5 Okta, 6 Auth0, 3 Entra ID) and for GCP's audit logs (sigma-gcp: 6 on GKE, 1 on IAM), compiled once and
/// evaluated against one record mapped by Ingest's adapter, as the Verifier would for each event: the other sources'
/// rules are refused by their logsource's scope, the source's own read its record (an identity provider's with
/// lower-cased names matched in any case, a GKE entry's by Elastic's gcp.audit names and the LogEntry's paths). One
/// operation = one event through all 21 rules; operations take turns over 16 event instances, so nothing one
/// operation caches serves the next.
/// </summary>
[MemoryDiagnoser]
public class SigmaRulesBenchmarks
{
    private const int Rules = 21;

    private RuleRound round = null!;

    [Params("okta", "auth0", "entra", "gke")]
    public string Source { get; set; } = "okta";

    [GlobalSetup]
    public void Setup()
    {
        var errors = new List<RuleLoadError>();
        var folders = new[] { "sigma-idp", "sigma-gcp" }.Select(f => Path.Combine(AppContext.BaseDirectory, "TestData", f)).ToList();
        var result = RuleLoader.Load(RuleLoader.Read(folders, errors));
        if (errors.Count > 0 || result.Errors.Count > 0 || result.Rules.Count != Rules)
        {
            throw new InvalidOperationException($"expected {Rules} rules and no errors: {string.Join("; ", [.. errors, .. result.Errors])}");
        }

        var rules = result.Rules;
        var json = Source switch
        {
            "okta" => """
                {"uuid":"9f1b5c2e-4d6a-11f1-8a3e-0b8c7d6e5f41","published":"2026-11-30T09:12:43.512Z","eventType":"user.session.start","version":"0","severity":"INFO",
                 "legacyEventType":"core.user_auth.login_success","displayMessage":"User login to Okta","actor":{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"dana.ruiz@example.org","displayName":"Dana Ruiz"},
                 "client":{"ipAddress":"198.51.100.23","userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"SAFARI"},"geographicalContext":{"country":"United States","city":"Denver"}},
                 "outcome":{"result":"SUCCESS"},"authenticationContext":{"externalSessionId":"idxAb12Cd34"},"securityContext":{"asNumber":7922,"asOrg":"comcast","isProxy":false},
                 "debugContext":{"debugData":{"behaviors":"{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE}","requestUri":"/idp/idx/identify"}},
                 "target":[{"id":"0oa2","type":"AppInstance","alternateId":"Okta Dashboard","displayName":"Okta Dashboard"}]}
                """,
            "auth0" => """
                [{"log_id":"90020261130091500123456000000000000001","data":{"date":"2026-11-30T09:15:00.412Z","type":"sapi","description":"Update client grant",
                  "client_id":"AaiyAPdpYdesoKnqjj8HJqRn4T5titww","ip":"192.0.2.44","user_id":"google-oauth2|1029","user_name":"ops@example.com","tenant_name":"acme",
                  "details":{"request":{"method":"patch","path":"/api/v2/client-grants/cgr_1","body":{"scope":["read:users","read:logs"]}},"response":{"statusCode":200,"body":{"audience":"https://acme.auth0.com/api/v2/"}}},
                  "log_id":"90020261130091500123456000000000000001"}}]
                """,
            "gke" => """
                {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"oncall@retail.example"},
                  "requestMetadata":{"callerIp":"198.51.100.7","callerSuppliedUserAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"},"serviceName":"k8s.io",
                  "methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/shop/pods/hotfix",
                  "authorizationInfo":[{"resource":"core/v1/namespaces/shop/pods/hotfix","permission":"io.k8s.core.v1.pods.create","granted":true}],
                  "request":{"@type":"core.k8s.io/v1.Pod","apiVersion":"v1","kind":"Pod","metadata":{"name":"hotfix","namespace":"shop","annotations":{"image-policy.k8s.io/break-glass":"true"}},
                    "spec":{"containers":[{"name":"app","image":"docker.io/someone/hotfix:latest","securityContext":{"runAsNonRoot":true}}]}}},
                 "insertId":"6c1f0e7a-bench","resource":{"type":"k8s_cluster","labels":{"project_id":"retail-prod","location":"us-central1","cluster_name":"checkout"}},
                 "timestamp":"2026-12-01T03:15:00.000Z","severity":"NOTICE","logName":"projects/retail-prod/logs/cloudaudit.googleapis.com%2Factivity",
                 "labels":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"access granted by IAM permissions."}}
                """,
            _ => """
                {"records":[{"time":"2026-11-30T08:01:02.345Z","operationName":"Sign-in activity","category":"SignInLogs","tenantId":"72f988bf-0000-4000-8000-2d7cd011db47",
                  "resultType":"0","resultDescription":"","callerIpAddress":"203.0.113.77","properties":{"id":"66ea54eb-6301-4ee5-be62-ff5a759b0100","createdDateTime":"2026-11-30T08:01:02.345Z",
                  "userPrincipalName":"kim.lee@contoso.example","appId":"00000002-0000-0ff1-ce00-000000000000","appDisplayName":"Office 365 Exchange Online","ipAddress":"203.0.113.77",
                  "status":{"errorCode":0},"authenticationRequirement":"multiFactorAuthentication","deviceDetail":{"deviceId":"8c1f0f1e-0000-4000-8000-000000000003","operatingSystem":"Windows10"}}}]}
                """,
        };
        var adapter = SourceAdapters.All.Single(a => a.Name == (Source == "gke" ? "k8s-audit" : Source));
        var e = adapter.Map(Encoding.UTF8.GetBytes(json), SourceMapOptions.Default).Events[0];
        round = new RuleRound(rules, e);
    }

    [Benchmark]
    public int EvaluateAllRules() => round.MatchNext();
}
