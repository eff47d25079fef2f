namespace ZtStream.Responder.Isolation.Docker;

/// <summary>
/// Isolates a container by disconnecting it from every network it is attached to, after writing down which
/// (with their aliases and pinned addresses); release reconnects exactly those. The container is named by the
/// command's Name, else its WorkloadId (a name or an id).
/// </summary>
internal sealed class DockerWorkloadIsolator(
    IDockerNetworks docker,
    DockerIsolationLedger ledger,
    TimeProvider time,
    ILogger<DockerWorkloadIsolator> logger,
    DockerIsolationOptions? options = null) : IWorkloadIsolator
{
    public const string DriverName = "docker";

    public string Name => DriverName;

    public IsolatorClusters Clusters { get; } = (options ?? new()).Reach();

    public async Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken)
    {
        var reference = command.Name ?? command.WorkloadId;
        var container = await docker.InspectAsync(reference, cancellationToken)
            ?? throw new DriverFailedException(DriverName, $"no container '{reference}'", permanent: true);

        var active = await ledger.ActiveForAsync(container.ContainerId, cancellationToken);
        if (active is not null && active.ActionId != command.ActionId)
        {
            return new DriverResult(false, $"docker: container {container.Name} is already isolated by action {active.ActionId:N}; nothing changed");
        }

        var recorded = active ?? await ledger.GetAsync(command.ActionId, cancellationToken);
        if (recorded is { ReleasedAt: not null })
        {
            return new DriverResult(false, $"docker: isolation {command.ActionId:N} of container {container.Name} was already released; not repeated");
        }

        if (recorded is null)
        {
            recorded = new DockerIsolation(command.ActionId, container.ContainerId, container.Networks, time.GetUtcNow(), null);
            // Written before the first disconnect: a crash in between still leaves release knowing what to restore.
            await ledger.RecordAsync(recorded, cancellationToken);
        }

        // On a retry after a partial attempt, only what is still attached is disconnected.
        var attached = container.Networks.Select(n => n.Network).ToHashSet(StringComparer.Ordinal);
        var toDisconnect = recorded.Networks.Where(n => attached.Contains(n.Network)).ToList();
        if (toDisconnect.Count == 0)
        {
            return recorded.Networks.Count == 0
                ? new DriverResult(false, $"docker: container {container.Name} is attached to no network; recorded the isolation, nothing to disconnect")
                : new DriverResult(false, $"docker: container {container.Name} is already isolated by this action (disconnected from {Names(recorded.Networks)})");
        }

        foreach (var network in toDisconnect)
        {
            await docker.DisconnectAsync(container.ContainerId, network, cancellationToken);
        }

        DriverLog.DockerIsolated(logger, command.ActionId, container.Name, Names(toDisconnect));
        return new DriverResult(true, $"docker: disconnected container {container.Name} from {Names(toDisconnect)}");
    }

    public async Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken)
    {
        var recorded = await ledger.GetAsync(command.IsolationActionId, cancellationToken);
        if (recorded is null)
        {
            return new DriverResult(false, $"docker: no isolation {command.IsolationActionId:N} is recorded; nothing to release");
        }

        if (recorded.ReleasedAt is not null)
        {
            return new DriverResult(false, $"docker: isolation {command.IsolationActionId:N} was already released at {recorded.ReleasedAt:O}");
        }

        var container = await docker.InspectAsync(recorded.ContainerId, cancellationToken);
        if (container is null)
        {
            // Gone: nothing left to reconnect. Marked released so it does not block a new container of that id.
            await ledger.MarkReleasedAsync(recorded.ActionId, time.GetUtcNow(), cancellationToken);
            return new DriverResult(false, $"docker: container {recorded.ContainerId} no longer exists; isolation {recorded.ActionId:N} closed");
        }

        var attached = container.Networks.Select(n => n.Network).ToHashSet(StringComparer.Ordinal);
        var toConnect = recorded.Networks.Where(n => !attached.Contains(n.Network)).ToList();
        foreach (var network in toConnect)
        {
            await docker.ConnectAsync(container.ContainerId, network, cancellationToken);
        }

        await ledger.MarkReleasedAsync(recorded.ActionId, time.GetUtcNow(), cancellationToken);
        DriverLog.DockerReleased(logger, command.ActionId, container.Name, Names(toConnect));
        return toConnect.Count == 0
            ? new DriverResult(false, $"docker: container {container.Name} was already attached to {Names(recorded.Networks)}; isolation closed")
            : new DriverResult(true, $"docker: reconnected container {container.Name} to {Names(toConnect)}");
    }

    private static string Names(IEnumerable<AttachedNetwork> networks)
    {
        var names = string.Join(", ", networks.Select(n => n.Network));
        return names.Length == 0 ? "no network" : names;
    }
}
