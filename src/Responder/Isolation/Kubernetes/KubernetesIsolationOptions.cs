namespace ZtStream.Responder.Isolation.Kubernetes;

/// <summary>Section <c>Responder:Drivers:Kubernetes</c>: NetworkPolicy quarantine of pods.</summary>
internal sealed record KubernetesIsolationOptions
{
    public const string Section = "Responder:Drivers:Kubernetes";

    /// <summary>A kubeconfig file; when empty, the in-cluster service account, else the default kubeconfig.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The API server URL, overriding the kubeconfig's (tests point this at a fake server).</summary>
    public Uri? Host { get; init; }

    /// <summary>The kubeconfig context to use (with <see cref="KubeconfigPath"/> or the default kubeconfig); empty: its current one.</summary>
    public string? Context { get; init; }

    /// <summary>
    /// The cluster this connection reaches, as its events name it (<c>attributes["k8s.cluster"]</c>). Empty: it acts only on
    /// workloads whose events name no cluster, and a command naming one fails rather than act on a same-named pod here.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>More clusters, each with its own connection; a command goes to the connection of its workload's cluster.</summary>
    public List<KubernetesClusterOptions> Clusters { get; init; } = [];

    /// <summary>The settings that say where it acts, as the failure of a command for another cluster names them.</summary>
    public const string ClusterSettings = Section + ":Cluster (or an entry of " + Section + ":Clusters, with its kubeconfig)";

    /// <summary>The clusters it acts in: <see cref="Cluster"/> (or workloads naming none) and each of <see cref="Clusters"/>.</summary>
    public IsolatorClusters Reach()
    {
        var main = IsolatorClusters.Single(Cluster, ClusterSettings);
        return main with { Named = [.. main.Named, .. Clusters.Select(c => c.Name)] };
    }

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
        ConnectionProblems(Section, KubeconfigPath, Host, problems);
        IsolatorClusters.CheckSetting(problems, $"{Section}:Cluster", Cluster);

        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(Cluster))
        {
            names.Add(Cluster);
        }

        for (var i = 0; i < Clusters.Count; i++)
        {
            var entry = Clusters[i];
            var at = $"{Section}:Clusters:{i}";
            if (string.IsNullOrEmpty(entry.Name))
            {
                problems.Add($"{at}:Name is required (the cluster as its events name it)");
            }
            else if (IsolatorClusters.NameProblem(entry.Name) is { } nameProblem)
            {
                problems.Add($"{at}:Name {nameProblem}");
            }
            else if (!names.Add(entry.Name))
            {
                // Two connections for one cluster: which one a command went to would depend on the order of the list.
                problems.Add($"{at}:Name '{entry.Name}' is named twice (in {Section}:Cluster or another entry of {Section}:Clusters)");
            }

            ConnectionProblems(at, entry.KubeconfigPath, entry.Host, problems);
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

    private static void ConnectionProblems(string at, string? kubeconfigPath, Uri? host, List<string> problems)
    {
        if (host is not null && !host.IsAbsoluteUri)
        {
            problems.Add($"{at}:Host must be an absolute URL (got '{host}')");
        }

        if (kubeconfigPath is { Length: > 0 } path && UserFiles.ReadProblem(path, $"{at}:KubeconfigPath") is { } problem)
        {
            // The client reads it whole: a pipe, a device or a dump named by mistake is refused here, not read.
            problems.Add(problem);
        }
    }
}
