using k8s.Autorest;
using k8s.Models;

namespace ZtStream.Responder.Isolation.Kubernetes;

/// <summary>
/// Quarantines a pod: a NetworkPolicy that selects <c>LabelKey=&lt;action id&gt;</c> and allows no ingress and no
/// egress (but DNS and the API server when configured), then that label on the pod. Both carry the isolating
/// action id, so the cluster itself records what to undo: release deletes that policy and removes the label only
/// while it still holds that id. Each command goes to the connection of its workload's cluster: <paramref name="client"/>
/// for <see cref="KubernetesIsolationOptions.Cluster"/> (or for workloads naming none when that is empty), one of
/// <paramref name="clusters"/> (by cluster name) for each entry of <see cref="KubernetesIsolationOptions.Clusters"/>.
/// </summary>
internal sealed class KubernetesWorkloadIsolator(
    IKubernetes client,
    KubernetesIsolationOptions options,
    ILogger<KubernetesWorkloadIsolator> logger,
    IReadOnlyDictionary<string, IKubernetes>? clusters = null) : IWorkloadIsolator
{
    public const string DriverName = "kubernetes";
    public const string PolicyPrefix = "ztstream-quarantine-";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ActionIdLabel = "ztstream.io/action-id";

    public string Name => DriverName;

    public IsolatorClusters Clusters { get; } = options.Reach();

    public static string PolicyName(Guid isolationActionId) => PolicyPrefix + LabelValue(isolationActionId);

    public static string LabelValue(Guid actionId) => actionId.ToString("N");

    public async Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken)
    {
        var (client, ns, podName) = PodOf(command.Cluster, command.WorkloadId, command.Namespace, command.Name);
        var value = LabelValue(command.ActionId);

        var pod = await ReadPodAsync(client, podName, ns, cancellationToken)
            ?? throw new DriverFailedException(DriverName, $"pod {ns}/{podName} not found", permanent: true);
        var current = pod.Metadata.Labels?.TryGetValue(options.LabelKey, out var v) == true ? v : null;
        if (current is not null && current != value)
        {
            return new DriverResult(false, $"kubernetes: pod {ns}/{podName} is already quarantined by action {current}; nothing added");
        }

        var policyName = PolicyName(command.ActionId);
        if (current == value)
        {
            if (await CallAsync(() => client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(policyName, ns, cancellationToken: cancellationToken), $"read NetworkPolicy {ns}/{policyName}", HttpStatusCode.NotFound) is not null)
            {
                return new DriverResult(false, $"kubernetes: pod {ns}/{podName} is already quarantined by this action (NetworkPolicy {ns}/{policyName})");
            }

            await CreatePolicyAsync(client, BuildPolicy(command, policyName, ns), ns, cancellationToken);
            return new DriverResult(true, $"kubernetes: pod {ns}/{podName} was labelled already; recreated NetworkPolicy {ns}/{policyName}");
        }

        await CreatePolicyAsync(client, BuildPolicy(command, policyName, ns), ns, cancellationToken);

        // The policy exists before the label: a pod is never labelled without the policy that isolates it.
        var patch = new V1Patch(
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [options.LabelKey] = value } } }.ToJsonString(),
            V1Patch.PatchType.MergePatch);
        await CallAsync(() => client.CoreV1.PatchNamespacedPodAsync(patch, podName, ns, cancellationToken: cancellationToken), $"label pod {ns}/{podName}");
        DriverLog.KubernetesIsolated(logger, command.ActionId, ns, podName, policyName);
        return new DriverResult(true, $"kubernetes: created NetworkPolicy {ns}/{policyName} (deny all ingress and egress{Allowances()}) and labelled pod {ns}/{podName} {options.LabelKey}={value}");
    }

    public async Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken)
    {
        var (client, ns, podName) = PodOf(command.Cluster, command.WorkloadId, command.Namespace, command.Name);
        var value = LabelValue(command.IsolationActionId);
        var policyName = PolicyName(command.IsolationActionId);
        var done = new List<string>();

        var pod = await ReadPodAsync(client, podName, ns, cancellationToken);
        if (pod?.Metadata.Labels?.TryGetValue(options.LabelKey, out var current) == true && current == value)
        {
            // The test op makes the removal conditional on the label still being ours, atomically.
            var path = "/metadata/labels/" + options.LabelKey.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
            var operations = new JsonArray
            {
                new JsonObject { ["op"] = "test", ["path"] = path, ["value"] = value },
                new JsonObject { ["op"] = "remove", ["path"] = path },
            };
            var patch = new V1Patch(operations.ToJsonString(), V1Patch.PatchType.JsonPatch);
            await CallAsync(() => client.CoreV1.PatchNamespacedPodAsync(patch, podName, ns, cancellationToken: cancellationToken), $"unlabel pod {ns}/{podName}");
            done.Add($"removed label {options.LabelKey}={value} from pod {ns}/{podName}");
        }

        // A 404 is a policy already gone: nothing of this isolation is left to undo there. Any other success deleted it,
        // whatever status body (if any) the API server sent back.
        if (await CallAsync(
                async () => await client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync(policyName, ns, cancellationToken: cancellationToken) ?? new V1Status(),
                $"delete NetworkPolicy {ns}/{policyName}",
                HttpStatusCode.NotFound) is not null)
        {
            done.Add($"deleted NetworkPolicy {ns}/{policyName}");
        }

        if (done.Count == 0)
        {
            return new DriverResult(false, $"kubernetes: pod {ns}/{podName} is already released from action {value} (no label, no NetworkPolicy)");
        }

        DriverLog.KubernetesReleased(logger, command.ActionId, ns, podName, policyName);
        return new DriverResult(true, "kubernetes: " + string.Join("; ", done));
    }

    /// <summary>
    /// Where a command's pod is: its cluster's connection, its namespace (the configured default when the command names
    /// none) and its name (the workload id when it names none). An isolation and its release must find the same pod.
    /// </summary>
    private (IKubernetes Client, string Namespace, string Name) PodOf(string? cluster, string workload, string? ns, string? name) =>
        (ClientFor(cluster, workload), ns ?? options.DefaultNamespace, name ?? workload);

    /// <summary>
    /// The connection to <paramref name="cluster"/>'s API server. The Responder refuses a cluster the driver does not act in
    /// before calling it; this refuses it again, so no caller can reach a same-named pod through another cluster's connection.
    /// </summary>
    private IKubernetes ClientFor(string? cluster, string workload)
    {
        if (cluster is not null && clusters?.TryGetValue(cluster, out var other) == true)
        {
            return other;
        }

        if (string.Equals(cluster ?? "", options.Cluster ?? "", StringComparison.Ordinal))
        {
            return client;
        }

        throw new DriverFailedException(DriverName, Clusters.Refusal(DriverName, $"workload {workload}", cluster) ?? $"no connection for cluster {cluster}", permanent: true);
    }

    private V1NetworkPolicy BuildPolicy(IsolateWorkload command, string policyName, string ns)
    {
        var egress = new List<V1NetworkPolicyEgressRule>();
        if (options.AllowDns)
        {
            egress.Add(new V1NetworkPolicyEgressRule
            {
                To =
                [
                    new V1NetworkPolicyPeer
                    {
                        NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = options.DnsNamespace } },
                        PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(options.DnsPodLabels) },
                    },
                ],
                Ports =
                [
                    new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 },
                    new V1NetworkPolicyPort { Protocol = "TCP", Port = 53 },
                ],
            });
        }

        if (options.ApiServerCidrs.Count > 0)
        {
            egress.Add(new V1NetworkPolicyEgressRule
            {
                To = [.. options.ApiServerCidrs.Select(cidr => new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = cidr } })],
                Ports = [.. options.ApiServerPorts.Select(port => new V1NetworkPolicyPort { Protocol = "TCP", Port = port })],
            });
        }

        var policy = new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new V1ObjectMeta
            {
                Name = policyName,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [ManagedByLabel] = "ztstream",
                    [ActionIdLabel] = LabelValue(command.ActionId),
                },
                Annotations = new Dictionary<string, string>
                {
                    ["ztstream.io/workload"] = command.WorkloadId,
                    ["ztstream.io/reason"] = command.Reason,
                    ["ztstream.io/requested-by"] = command.RequestedBy,
                },
            },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [options.LabelKey] = LabelValue(command.ActionId) } },
                PolicyTypes = ["Ingress", "Egress"],
                // No ingress rules and only the configured egress rules: everything else is denied.
                Ingress = [],
                Egress = egress,
            },
        };
        if (command.Cluster is not null)
        {
            policy.Metadata.Annotations["ztstream.io/cluster"] = command.Cluster;
        }

        return policy;
    }

    // Named after the action id, so a policy that exists already (409) is ours from an earlier attempt.
    private static Task<V1NetworkPolicy?> CreatePolicyAsync(IKubernetes client, V1NetworkPolicy policy, string ns, CancellationToken cancellationToken) =>
        CallAsync(() => client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(policy, ns, cancellationToken: cancellationToken), $"create NetworkPolicy {ns}/{policy.Metadata.Name}", HttpStatusCode.Conflict);

    private static Task<V1Pod?> ReadPodAsync(IKubernetes client, string name, string ns, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken), $"read pod {ns}/{name}", HttpStatusCode.NotFound);

    /// <summary>
    /// One API call. A failure with the <paramref name="expected"/> status (what is already gone, or already there)
    /// answers null; any other is the driver's failure, naming what was tried.
    /// </summary>
    private static async Task<T?> CallAsync<T>(Func<Task<T>> call, string what, HttpStatusCode? expected = null)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == expected)
        {
            return null;
        }
        catch (HttpOperationException exception)
        {
            throw Failure(exception, what);
        }
    }

    private static DriverFailedException Failure(HttpOperationException exception, string what)
    {
        var status = (int)exception.Response.StatusCode;
        var body = exception.Response.Content;
        var detail = string.IsNullOrEmpty(body) ? "" : $": {(body.Length > 300 ? body[..300] : body)}";
        // 5xx and 429 pass; 401/403 (RBAC), 404 and 422 will not fix themselves.
        var permanent = status is >= 400 and < 500 and not 429 and not 409;
        return new DriverFailedException(DriverName, $"{what} failed with {status}{detail}", permanent, exception);
    }

    private string Allowances()
    {
        var parts = new List<string>();
        if (options.AllowDns)
        {
            parts.Add("DNS to " + options.DnsNamespace);
        }

        if (options.ApiServerCidrs.Count > 0)
        {
            parts.Add("the API server at " + string.Join(", ", options.ApiServerCidrs));
        }

        return parts.Count == 0 ? "" : " except " + string.Join(" and ", parts);
    }
}
