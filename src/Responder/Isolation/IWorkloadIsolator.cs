using ZtStream.Responder.Revocation;

namespace ZtStream.Responder.Isolation;

/// <summary>
/// A workload-isolation driver (Kubernetes NetworkPolicy, nftables in a network namespace, Docker network
/// disconnect). Isolating an isolated workload, or releasing a released one, is a no-op that says so.
/// Release undoes exactly what isolate added.
/// </summary>
internal interface IWorkloadIsolator
{
    string Name { get; }

    Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken);

    Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken);
}
