namespace ZtStream.Responder.Isolation.Kubernetes;

/// <summary>Section <c>Responder:Drivers:Kubernetes</c>: NetworkPolicy quarantine of pods.</summary>
internal sealed record KubernetesIsolationOptions
{
    public const string Section = "Responder:Drivers:Kubernetes";

    /// <summary>A kubeconfig file; when empty, the in-cluster service account, else the default kubeconfig.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The API server URL, overriding the kubeconfig's (tests point this at a fake server).</summary>
    public Uri? Host { get; init; }

    /// <summary>Namespace of a workload whose command names none.</summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>The pod label that the quarantine NetworkPolicy selects; its value is the isolating action id.</summary>
    public string LabelKey { get; init; } = "ztstream.io/quarantine";

    /// <summary>Allow DNS (UDP and TCP 53) to the cluster DNS pods while quarantined.</summary>
    public bool AllowDns { get; init; }

    public string DnsNamespace { get; init; } = "kube-system";

    public Dictionary<string, string> DnsPodLabels { get; init; } = new() { ["k8s-app"] = "kube-dns" };

    /// <summary>CIDRs of the API server (control plane) that stay reachable while quarantined; empty = none.</summary>
    public List<string> ApiServerCidrs { get; init; } = [];

    public List<int> ApiServerPorts { get; init; } = [443, 6443];

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Host is not null && !Host.IsAbsoluteUri)
        {
            problems.Add($"{Section}:Host must be an absolute URL (got '{Host}')");
        }

        if (KubeconfigPath is { Length: > 0 } path && UserFiles.ReadProblem(path, $"{Section}:KubeconfigPath") is { } problem)
        {
            // The client reads it whole: a pipe, a device or a dump named by mistake is refused here, not read.
            problems.Add(problem);
        }

        if (string.IsNullOrWhiteSpace(DefaultNamespace))
        {
            problems.Add($"{Section}:DefaultNamespace is required");
        }

        if (string.IsNullOrWhiteSpace(LabelKey) || LabelKey.Length > 253)
        {
            problems.Add($"{Section}:LabelKey is required (a Kubernetes label key)");
        }

        if (AllowDns && (string.IsNullOrWhiteSpace(DnsNamespace) || DnsPodLabels.Count == 0))
        {
            problems.Add($"{Section}:AllowDns needs DnsNamespace and DnsPodLabels");
        }

        foreach (var cidr in ApiServerCidrs)
        {
            if (!System.Net.IPNetwork.TryParse(cidr, out _))
            {
                problems.Add($"{Section}:ApiServerCidrs: '{cidr}' is not a CIDR");
            }
        }

        foreach (var port in ApiServerPorts)
        {
            if (port is < 1 or > 65535)
            {
                problems.Add($"{Section}:ApiServerPorts: {port} is not a port");
            }
        }

        return problems;
    }
}
