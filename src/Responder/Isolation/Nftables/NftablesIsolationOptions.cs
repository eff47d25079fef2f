namespace ZtStream.Responder.Isolation.Nftables;

/// <summary>Section <c>Responder:Drivers:Nftables</c>: nftables rules inside a workload's network namespace.</summary>
internal sealed record NftablesIsolationOptions
{
    public const string Section = "Responder:Drivers:Nftables";

    public string NftPath { get; init; } = "nft";

    public string IpPath { get; init; } = "ip";

    public string NsenterPath { get; init; } = "nsenter";

    /// <summary>The table (family inet) that holds the quarantine; release deletes exactly this table.</summary>
    public string TableName { get; init; } = "ztstream_quarantine";

    /// <summary>Where <c>ip netns</c> keeps named namespaces.</summary>
    public string NetnsDirectory { get; init; } = "/run/netns";

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The cluster whose workloads run on this host, as its events name it (<c>attributes["k8s.cluster"]</c>). Empty: it acts
    /// only on workloads whose events name no cluster.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>The clusters it acts in: <see cref="Cluster"/>, or workloads naming none.</summary>
    public IsolatorClusters Reach() => IsolatorClusters.Single(Cluster, Section + ":Cluster");

    /// <summary>Where the kernel's process files are (proc(5)); a test points it elsewhere.</summary>
    public string ProcDirectory { get; init; } = "/proc";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(NftPath) || string.IsNullOrWhiteSpace(IpPath) || string.IsNullOrWhiteSpace(NsenterPath))
        {
            problems.Add($"{Section}: NftPath, IpPath and NsenterPath are required");
        }

        if (string.IsNullOrEmpty(TableName) || TableName.Length > 64 || !TableName.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            problems.Add($"{Section}:TableName must be 1..64 letters, digits or '_' (got '{TableName}')");
        }

        problems.Positive($"{Section}:CommandTimeout", CommandTimeout);
        IsolatorClusters.CheckSetting(problems, $"{Section}:Cluster", Cluster);

        return problems;
    }
}
