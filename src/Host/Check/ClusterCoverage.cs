using ZtStream.Platform;

namespace ZtStream.Host.Check;

/// <summary>
/// The clusters Ingest's sources speak for (a key's <c>--cluster</c> label and its <c>--clusters</c> limit, docs/sources.md
/// "Clusters") beside the clusters the isolation driver acts in (its <c>Cluster</c>/<c>Clusters</c>, docs/drivers.md).
/// </summary>
/// <remarks>
/// Either side alone is a configuration that starts and runs: a cluster whose events arrive but which no driver serves
/// has every isolation for it fail at once, and a driver's cluster that no source names is most often a name spelt
/// otherwise than the events spell it (names are compared exactly; Azure writes AKS's upper case). Neither stops
/// anything, so each is a warning, naming the source or driver and the cluster, not a failed check.
/// </remarks>
internal static class ClusterCoverage
{
    public const string Area = "clusters";

    public static IReadOnlyList<CheckResult> Compare(IReadOnlyList<SourceInfo> sources, ResponderDriversOptions drivers)
    {
        var driver = drivers.IsolationKind();
        var reach = drivers.IsolationReach();
        var served = reach?.Named ?? [];
        var serving = reach is null
            ? $"no isolation driver is configured ({ResponderDriversOptions.Section}:Isolation is {driver})"
            : served.Count == 0
                ? $"the {driver} isolator acts only on workloads that name no cluster ({reach.Setting})"
                : $"the {driver} isolator acts in {string.Join(", ", served)} ({reach.Setting})";
        var active = sources.Where(s => s.RevokedAt is null).ToList();
        var results = new List<CheckResult>();
        foreach (var source in active)
        {
            var label = source.Scope.Cluster;
            if (label is not null && !served.Contains(label, StringComparer.Ordinal))
            {
                results.Add(Warn($"source {source.Name}", $"labels its records with cluster {label} (--cluster), and {serving}: isolating a workload of {label} will fail"));
            }

            foreach (var pattern in source.Scope.Clusters ?? [])
            {
                if (string.Equals(pattern, label, StringComparison.Ordinal) || served.Any(c => Glob.IsMatch(pattern, c)))
                {
                    continue;
                }

                results.Add(Warn($"source {source.Name}", pattern.Contains('*', StringComparison.Ordinal)
                    ? $"may speak for clusters matching {pattern} (--clusters), and {serving}: isolating a workload of any of them will fail"
                    : $"may speak for cluster {pattern} (--clusters), and {serving}: isolating a workload of {pattern} will fail"));
            }
        }

        foreach (var cluster in served)
        {
            if (!active.Any(s => string.Equals(s.Scope.Cluster, cluster, StringComparison.Ordinal) || (s.Scope.Clusters?.Any(p => Glob.IsMatch(p, cluster)) ?? false)))
            {
                results.Add(Warn($"driver {driver}", $"acts in cluster {cluster} ({reach!.Setting}), which no source is labelled with or limited to (--cluster, --clusters): "
                    + "is the name spelt as the cluster's events spell it? Names are compared exactly"));
            }
        }

        if (results.Count == 0 && served.Count > 0)
        {
            results.Add(new CheckResult(Area, "sources and isolation", true,
                $"every cluster a source is labelled with or limited to is one the {driver} isolator acts in, and each of {string.Join(", ", served)} is one a source names"));
        }

        return results;
    }

    private static CheckResult Warn(string target, string detail) => new(Area, target, true, detail, Warning: true);
}
