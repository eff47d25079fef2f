namespace ZtStream.Responder.Isolation;

/// <summary>
/// The clusters an isolation driver acts in, as events name them (<c>attributes["k8s.cluster"]</c>, an alert's
/// <c>workload.cluster</c>; compared exactly, as the sources' cluster limits compare them). A driver with no cluster
/// configured acts only on workloads that name none: it reaches one place, and a command naming a cluster would be
/// carried out on whatever same-named workload that place holds. It does not guess that the named cluster is the one it
/// reaches; the command fails saying which setting to change.
/// </summary>
/// <param name="Named">The clusters it acts in.</param>
/// <param name="ServesUnnamed">Whether it acts on workloads that name no cluster.</param>
/// <param name="Setting">The setting that says which clusters it acts in, as an operator would change it.</param>
internal sealed record IsolatorClusters(IReadOnlyList<string> Named, bool ServesUnnamed, string Setting)
{
    /// <summary>What a driver acts in that its configuration says nothing about: workloads that name no cluster.</summary>
    public static IsolatorClusters Unnamed(string setting) => new([], true, setting);

    /// <summary>One cluster, or (empty) workloads that name none.</summary>
    public static IsolatorClusters Single(string? cluster, string setting) =>
        string.IsNullOrEmpty(cluster) ? Unnamed(setting) : new([cluster], false, setting);

    public bool Serves(string? cluster) => cluster is null ? ServesUnnamed : Named.Contains(cluster, StringComparer.Ordinal);

    /// <summary>Why driver <paramref name="driver"/> does not act on <paramref name="workload"/> in <paramref name="cluster"/>, or null when it does.</summary>
    public string? Refusal(string driver, string workload, string? cluster)
    {
        if (Serves(cluster))
        {
            return null;
        }

        var serves = Named.Count == 0 ? "" : $"cluster{(Named.Count == 1 ? "" : "s")} {string.Join(", ", Named)}";
        if (cluster is null)
        {
            return $"{workload} names no cluster, and the {driver} isolator acts only in {serves} ({Setting}): it could reach a "
                + "same-named workload there; nothing was isolated. Leave the setting empty (or give the workload's cluster) to act on workloads that name none";
        }

        var acts = Named.Count == 0 ? "is configured for no cluster (it acts only on workloads that name none)" : $"acts only in {serves}";
        return $"{workload} is in cluster {cluster}, and the {driver} isolator {acts}; nothing was isolated, in {cluster} or elsewhere. "
            + $"To act there, name {cluster} in {Setting}";
    }

    /// <summary>
    /// Checks a driver's one-cluster setting (<paramref name="key"/>, such as <c>Responder:Drivers:Docker:Cluster</c>):
    /// empty, or a name <see cref="NameProblem"/> takes.
    /// </summary>
    public static void CheckSetting(ICollection<string> problems, string key, string? cluster)
    {
        if (cluster is { Length: > 0 } && NameProblem(cluster) is { } problem)
        {
            problems.Add($"{key} {problem}");
        }
    }

    /// <summary>What a cluster name may be where an operator or a responder gives one: what events could name, on one line.</summary>
    public static string? NameProblem(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return $"must be 1 to 253 characters; was {name.Length}";
        }

        if (name.Trim().Length != name.Length)
        {
            return "must not begin or end with white space";
        }

        return name.Any(char.IsControl) ? "must not hold a control character" : null;
    }
}
