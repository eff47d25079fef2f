namespace ZtStream.Responder.Actions;

/// <summary>Picks the workload isolator: the one named in Responder:Isolator, else the only one registered.</summary>
internal sealed class IsolatorSelector(IEnumerable<IWorkloadIsolator> isolators, IOptions<ResponderOptions> options)
{
    /// <summary>
    /// Why <c>Responder:Isolator</c> names no registered isolator, or null (also when it is empty): asked before
    /// anything starts, since otherwise every isolation would fail, found at the first attack.
    /// </summary>
    public string? Misnamed()
    {
        var name = options.Value.Isolator;
        return string.IsNullOrWhiteSpace(name) || Named(name) is not null ? null : NotRegistered(name);
    }

    public IWorkloadIsolator Select()
    {
        var all = isolators.ToList();
        var name = options.Value.Isolator;
        if (!string.IsNullOrWhiteSpace(name))
        {
            return Named(name) ?? throw new ActionRejectedException(NotRegistered(name));
        }

        return all.Count switch
        {
            0 => throw new ActionRejectedException(
                "no workload isolator is configured: enable the Kubernetes, nftables or Docker isolator to isolate workloads"),
            1 => all[0],
            _ => throw new ActionRejectedException(
                $"several workload isolators are registered ({string.Join(", ", all.Select(i => i.Name))}): choose one with Responder:Isolator"),
        };
    }

    private IWorkloadIsolator? Named(string name) =>
        isolators.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));

    private string NotRegistered(string name) =>
        $"workload isolator '{name}' ({ResponderOptions.Section}:Isolator) is not registered; registered: {(isolators.Any() ? string.Join(", ", isolators.Select(i => i.Name)) : "none")} ({ResponderDriversOptions.Section}:Isolation chooses it: leave {ResponderOptions.Section}:Isolator empty)";

    /// <summary>
    /// Runs <paramref name="call"/> on the selected isolator when it acts in <paramref name="cluster"/>; the detail names
    /// the isolator. A cluster it does not act in fails the action at once, naming the cluster and the setting: retrying
    /// cannot help, and acting would reach a same-named workload somewhere else.
    /// </summary>
    public async Task<WorkDone> RunAsync(ActionRecord action, string? cluster, Func<IWorkloadIsolator, Task<DriverResult>> call, bool staysActive = false)
    {
        var isolator = Select();
        if (isolator.Clusters.Refusal(isolator.Name, action.Workload, cluster) is { } refusal)
        {
            throw new ActionRejectedException(refusal);
        }

        using var span = ResponderTelemetry.StartDriver(isolator.Name);
        var result = await call(isolator);
        return new WorkDone($"{isolator.Name}: {result.Detail}", result.Changed, staysActive);
    }
}
