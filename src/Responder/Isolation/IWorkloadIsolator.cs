namespace ZtStream.Responder.Isolation;

/// <summary>
/// A workload-isolation driver (Kubernetes NetworkPolicy, nftables in a network namespace, Docker network
/// disconnect). Isolating an isolated workload, or releasing a released one, is a no-op that says so.
/// Release undoes exactly what isolate added.
/// </summary>
internal interface IWorkloadIsolator
{
    string Name { get; }

    /// <summary>
    /// The clusters it acts in. A command for a workload in another (or naming none, when it acts only in named ones) is
    /// refused before the driver is called. A driver that says nothing acts only on workloads that name no cluster.
    /// </summary>
    IsolatorClusters Clusters => IsolatorClusters.Unnamed($"the {Name} isolator's cluster setting");

    Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken);

    Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken);
}
