namespace ZtStream.Responder.Isolation;

/// <summary>
/// What an alert's workload may not be taken for when an isolation is proposed from it: event data is written by
/// whoever sent the event, and an isolation driver reads some names as "this process" or "this host" (the nftables
/// driver enters <c>pid:N</c>'s network namespace; <c>pid:1</c> is the host's own). Such targets come only from a
/// responder's manual trigger, never from event data.
/// </summary>
internal static class WorkloadTargets
{
    private static readonly string[] HostPrefixes = ["pid:", "netns:", "host:", "node:", "proc:", "/"];
    private static readonly string[] HostNames = ["host", "localhost", "node", "init"];

    /// <summary>Why <paramref name="id"/> or <paramref name="name"/> is not a workload to isolate, or null when both may be.</summary>
    public static string? NotAWorkload(string? id, string? name)
    {
        foreach (var value in new[] { id, name })
        {
            if (value is null)
            {
                continue;
            }

            var v = value.Trim();
            if (HostPrefixes.Any(p => v.StartsWith(p, StringComparison.OrdinalIgnoreCase)) || HostNames.Contains(v, StringComparer.OrdinalIgnoreCase))
            {
                return $"'{value}' names a process or a host, not a workload; isolating it from event data could cut off the host itself";
            }
        }

        return null;
    }
}
