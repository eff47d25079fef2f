using System.Collections.Concurrent;
using ZtStream.Responder.Revocation;

namespace ZtStream.Host.Demo;

/// <summary>
/// The demo's isolation driver: the demo's workloads are simulated, so there is no network to cut. It records
/// what a real driver would have isolated and keeps the same idempotence, so actions, TTLs and releases behave
/// as they do with the Kubernetes or nftables drivers.
/// </summary>
internal sealed class DemoIsolator : IWorkloadIsolator
{
    private readonly ConcurrentDictionary<string, Guid> isolated = new(StringComparer.Ordinal);

    public string Name => "simulated";

    public Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken) =>
        Task.FromResult(isolated.TryAdd(command.WorkloadId, command.ActionId)
            ? new DriverResult(true, $"simulated workload {command.WorkloadId} cut off (demo driver: no real network)")
            : new DriverResult(false, $"simulated workload {command.WorkloadId} already isolated"));

    public Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken) =>
        Task.FromResult(isolated.TryRemove(command.WorkloadId, out _)
            ? new DriverResult(true, $"simulated workload {command.WorkloadId} released")
            : new DriverResult(false, $"simulated workload {command.WorkloadId} was not isolated"));
}
