namespace ZtStream.Responder.Drivers;

/// <summary>
/// Section <c>Responder:Drivers</c>: which external drivers run and their settings. The built-in revocation
/// list is always on and is not configured here.
/// </summary>
internal sealed record ResponderDriversOptions
{
    public const string Section = "Responder:Drivers";
    public const string None = "none";

    /// <summary>External token revokers to run besides the built-in list: <c>oauth</c>, <c>ssf</c>.</summary>
    public List<string> TokenRevokers { get; init; } = [];

    /// <summary>The workload isolator: <c>kubernetes</c>, <c>nftables</c>, <c>docker</c> or <c>none</c> (default).</summary>
    public string Isolation { get; init; } = None;

    public OAuthRevocationOptions OAuth { get; init; } = new();

    public SharedSignalsOptions SharedSignals { get; init; } = new();

    public KubernetesIsolationOptions Kubernetes { get; init; } = new();

    public NftablesIsolationOptions Nftables { get; init; } = new();

    public DockerIsolationOptions Docker { get; init; } = new();

    public bool Uses(string revoker) => TokenRevokers.Any(r => string.Equals(r.Trim(), revoker, StringComparison.OrdinalIgnoreCase));

    public string IsolationKind() => Isolation.Trim().ToLowerInvariant();

    /// <summary>The clusters the configured isolation driver acts in; null when no isolation driver is configured.</summary>
    public IsolatorClusters? IsolationReach() => IsolationKind() switch
    {
        KubernetesWorkloadIsolator.DriverName => Kubernetes.Reach(),
        NftablesWorkloadIsolator.DriverName => Nftables.Reach(),
        DockerWorkloadIsolator.DriverName => Docker.Reach(),
        _ => null,
    };

    /// <summary>Every problem at once: unknown driver names, and the settings of each enabled driver.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var revoker in TokenRevokers)
        {
            var name = revoker.Trim().ToLowerInvariant();
            if (name is not (OAuthTokenRevoker.DriverName or SharedSignalsTransmitter.DriverName))
            {
                problems.Add($"{Section}:TokenRevokers: '{revoker}' is not a token revoker (oauth, ssf)");
            }
            else if (!seen.Add(name))
            {
                problems.Add($"{Section}:TokenRevokers: '{revoker}' is listed twice");
            }
        }

        if (Uses(OAuthTokenRevoker.DriverName))
        {
            problems.AddRange(OAuth.Validate());
        }

        if (Uses(SharedSignalsTransmitter.DriverName))
        {
            problems.AddRange(SharedSignals.Validate());
        }

        switch (IsolationKind())
        {
            case None:
                break;
            case KubernetesWorkloadIsolator.DriverName:
                problems.AddRange(Kubernetes.Validate());
                break;
            case NftablesWorkloadIsolator.DriverName:
                problems.AddRange(Nftables.Validate());
                break;
            case DockerWorkloadIsolator.DriverName:
                problems.AddRange(Docker.Validate());
                break;
            default:
                problems.Add($"{Section}:Isolation: '{Isolation}' is not an isolator (kubernetes, nftables, docker, none)");
                break;
        }

        return problems;
    }
}
