namespace ZtStream.Responder.Tests.Isolation;

/// <summary>
/// The isolate and release commands every isolator's tests send. Only the workload differs between Docker,
/// Kubernetes and nftables; the reason and requester are carried along but no isolator acts on them.
/// </summary>
internal static class IsolationCommands
{
    /// <summary>Quarantine the workload under action <paramref name="id"/>, as the response policy asks.</summary>
    public static IsolateWorkload Isolate(Guid id, string workloadId, string name, string? ns = null) => new()
    {
        ActionId = id,
        WorkloadId = workloadId,
        Namespace = ns,
        Name = name,
        Reason = "suspicious runtime activity",
        RequestedBy = "policy:runtime",
    };

    /// <summary>Lift the quarantine that action <paramref name="isolation"/> put on the workload, as an analyst asks.</summary>
    public static ReleaseWorkload Release(Guid isolation, string workloadId, string name, string? ns = null) => new()
    {
        ActionId = Guid.NewGuid(),
        IsolationActionId = isolation,
        WorkloadId = workloadId,
        Namespace = ns,
        Name = name,
        Reason = "false positive",
        RequestedBy = "alice",
    };
}
