using System.Text.Json.Nodes;
using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Verifier.Tests.Rules;

namespace ZtStream.Verifier.Tests;

/// <summary>
/// Kubernetes audit events of a named cluster, in the shapes they reach ZtStream (docs/sources.md "Managed clusters"):
/// an EKS CloudWatch Logs subscription delivery, AKS diagnostic records, GKE Cloud Audit Logs entries — each mapped by
/// Ingest's own adapter, which labels them with <c>attributes["k8s.cluster"]</c> — and canonical events carrying the
/// attribute themselves. The envelopes follow IngestTestData/k8s-audit/managed.
/// </summary>
internal static class ManagedClusters
{
    public const string Eks = "eks";
    public const string Aks = "aks";
    public const string Gke = "gke";
    public const string Canonical = "canonical";

    /// <summary>The API server's audit webhook: an <c>audit.k8s.io/v1</c> Event naming no cluster.</summary>
    public const string Webhook = "webhook";

    public static readonly TheoryData<string> Shapes = new() { Eks, Aks, Gke, Canonical };

    /// <summary>The name <paramref name="shape"/>'s records give a cluster called <paramref name="name"/> (Azure writes it upper case).</summary>
    public static string ClusterName(string shape, string name) => shape == Aks ? name.ToUpperInvariant() : name;

    /// <summary>
    /// One request of <paramref name="user"/> in cluster <paramref name="cluster"/>, as <paramref name="shape"/> delivers it;
    /// <paramref name="resource"/> may name a subresource (<c>pods/exec</c>). <paramref name="extra"/> is the user's
    /// <c>user.extra</c> (not in GKE's entries, which carry no such thing); <paramref name="id"/> the audit id, else one
    /// made of the rest.
    /// </summary>
    public static AccessEvent Request(
        string shape, string cluster, string user, DateTimeOffset at, string verb, string resource, string ns, string name,
        string ip = "10.0.3.7", int code = 200, JsonObject? extra = null, string? id = null)
    {
        id ??= $"{shape}-{cluster}-{at.UtcTicks}-{resource.Replace('/', '.')}-{name}";
        var (type, sub) = resource.Split('/') is [var t, var s] ? (t, s) : (resource, null);
        var method = sub is null ? $"io.k8s.core.v1.{type}.{verb}" : $"io.k8s.core.v1.{type}.{sub}.{verb}";
        var path = sub is null ? $"namespaces/{ns}/{type}/{name}" : $"namespaces/{ns}/{type}/{name}/{sub}";
        if (shape == Canonical)
        {
            return new AccessEvent
            {
                Id = id,
                Time = at,
                Kind = EventKinds.K8sAudit,
                Subject = new Subject { Id = user, Type = user.StartsWith("system:serviceaccount:", StringComparison.Ordinal) ? "service_account" : "user" },
                Resource = new ResourceRef { Type = resource, Id = $"{ns}/{name}" },
                Action = verb,
                Outcome = code < 400 ? Outcomes.Success : Outcomes.Denied,
                Status = code,
                Network = new NetworkInfo { SrcIp = ip },
                Attributes = new() { ["k8s.cluster"] = JsonSerializer.SerializeToElement(cluster) },
            };
        }

        if (shape == Gke)
        {
            var entry = new JsonObject
            {
                ["protoPayload"] = new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.cloud.audit.AuditLog",
                    ["authenticationInfo"] = new JsonObject { ["principalEmail"] = user },
                    ["requestMetadata"] = new JsonObject { ["callerIp"] = ip, ["callerSuppliedUserAgent"] = "runner/1.4 (linux/amd64) kubernetes/client-go" },
                    ["serviceName"] = "k8s.io",
                    ["methodName"] = method,
                    ["resourceName"] = $"core/v1/{path}",
                    ["authorizationInfo"] = new JsonArray(new JsonObject
                    {
                        ["granted"] = code < 400,
                        ["permission"] = method,
                        ["resource"] = $"core/v1/{path}",
                    }),
                },
                ["insertId"] = id,
                ["resource"] = new JsonObject
                {
                    ["type"] = "k8s_cluster",
                    ["labels"] = new JsonObject { ["project_id"] = "shop-4711", ["location"] = "europe-west1", ["cluster_name"] = cluster },
                },
                ["timestamp"] = at.ToString("O"),
                ["severity"] = "INFO",
                ["logName"] = "projects/shop-4711/logs/cloudaudit.googleapis.com%2Fdata_access",
            };
            return RuleTesting.Mapped(entry);
        }

        var audit = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "Metadata",
            ["auditID"] = id,
            ["stage"] = "ResponseComplete",
            ["requestURI"] = $"/api/v1/{path}",
            ["verb"] = verb,
            ["user"] = new JsonObject
            {
                ["username"] = user,
                ["groups"] = new JsonArray("system:authenticated"),
                ["extra"] = extra,
            },
            ["sourceIPs"] = new JsonArray(ip),
            ["userAgent"] = "runner/1.4 (linux/amd64) kubernetes/client-go",
            ["objectRef"] = new JsonObject { ["resource"] = type, ["subresource"] = sub, ["namespace"] = ns, ["name"] = name, ["apiVersion"] = "v1" },
            ["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = code },
            ["requestReceivedTimestamp"] = at.ToString("O"),
            ["stageTimestamp"] = at.AddMilliseconds(3).ToString("O"),
        };
        if (sub is null)
        {
            ((JsonObject)audit["objectRef"]!).Remove("subresource");
        }

        if (extra is null)
        {
            ((JsonObject)audit["user"]!).Remove("extra");
        }

        if (shape == Webhook)
        {
            return RuleTesting.Mapped(audit);
        }

        return RuleTesting.Mapped(shape == Eks
            ? new JsonObject
            {
                ["messageType"] = "DATA_MESSAGE",
                ["owner"] = "111122223333",
                ["logGroup"] = $"/aws/eks/{cluster}/cluster",
                ["logStream"] = "kube-apiserver-audit-2b6d6a4c0e8f1a3b5c7d9e0f1a2b3c4d",
                ["subscriptionFilters"] = new JsonArray("ztstream-audit"),
                ["logEvents"] = new JsonArray(new JsonObject { ["id"] = id, ["timestamp"] = at.ToUnixTimeMilliseconds(), ["message"] = audit.ToJsonString() }),
            }
            : new JsonObject
            {
                ["records"] = new JsonArray(new JsonObject
                {
                    ["time"] = at.ToString("O"),
                    ["resourceId"] = $"/SUBSCRIPTIONS/8E2B0C4D-0000-4A5B-9C6D-7E8F9A0B1C2D/RESOURCEGROUPS/RG-SHOP/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/{cluster.ToUpperInvariant()}",
                    ["category"] = "kube-audit",
                    ["operationName"] = "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                    ["properties"] = new JsonObject { ["log"] = audit.ToJsonString(), ["stream"] = "stdout", ["pod"] = "kube-apiserver-6b8f9c7d5-x2k4q" },
                }),
            });
    }

    /// <summary>
    /// <paramref name="e"/> labelled with <paramref name="cluster"/>, as a runtime tool sending canonical events labels it
    /// (Falco's own alert names no cluster).
    /// </summary>
    public static AccessEvent InCluster(AccessEvent e, string cluster) => e with
    {
        Attributes = new(e.Attributes ?? [], StringComparer.Ordinal) { ["k8s.cluster"] = JsonSerializer.SerializeToElement(cluster) },
    };

    /// <summary>What a bound service-account token's audit events say of the pod it was issued to (<c>user.extra</c>).</summary>
    public static JsonObject Pod(string name) => new()
    {
        ["authentication.kubernetes.io/pod-name"] = new JsonArray(name),
        ["authentication.kubernetes.io/pod-uid"] = new JsonArray("0c2d9e55-7d7b-4b0e-8a8f-5e9d1c7a4b21"),
    };
}
