namespace ZtStream.Responder.Isolation.Docker;

/// <summary>Section <c>Responder:Drivers:Docker</c>: network disconnect of containers.</summary>
internal sealed record DockerIsolationOptions
{
    public const string Section = "Responder:Drivers:Docker";

    /// <summary>The engine, e.g. unix:///var/run/docker.sock (default) or tcp://host:2376.</summary>
    public Uri Endpoint { get; init; } = new("unix:///var/run/docker.sock");

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The cluster whose workloads this engine runs, as its events name it (<c>attributes["k8s.cluster"]</c>). Empty: it acts
    /// only on workloads whose events name no cluster.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>The clusters it acts in: <see cref="Cluster"/>, or workloads naming none.</summary>
    public IsolatorClusters Reach() => IsolatorClusters.Single(Cluster, Section + ":Cluster");

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("unix" or "tcp" or "http" or "https" or "npipe"))
        {
            problems.Add($"{Section}:Endpoint must be a unix://, npipe://, tcp:// or http(s):// URL (got '{Endpoint}')");
        }

        problems.Positive($"{Section}:RequestTimeout", RequestTimeout);
        IsolatorClusters.CheckSetting(problems, $"{Section}:Cluster", Cluster);

        return problems;
    }
}
