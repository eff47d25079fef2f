namespace ZtStream.Sdk.Configuration;

/// <summary>Fills unset workload fields from the environment and turns them into the event's <see cref="Workload"/>.</summary>
internal static class WorkloadIdentity
{
    /// <summary>Configuration wins; then <c>ZTSTREAM_WORKLOAD_*</c>; then the names a Kubernetes downward-API manifest usually uses.</summary>
    public static void ApplyEnvironment(ZtStreamWorkloadOptions w, Func<string, string?> env)
    {
        w.Name ??= First(env, "ZTSTREAM_WORKLOAD_NAME", "POD_NAME");
        w.Namespace ??= First(env, "ZTSTREAM_WORKLOAD_NAMESPACE", "POD_NAMESPACE");
        w.ServiceAccount ??= First(env, "ZTSTREAM_WORKLOAD_SERVICE_ACCOUNT", "SERVICE_ACCOUNT");
        w.Node ??= First(env, "ZTSTREAM_WORKLOAD_NODE", "NODE_NAME");
        w.Image ??= First(env, "ZTSTREAM_WORKLOAD_IMAGE");
        w.Id ??= First(env, "ZTSTREAM_WORKLOAD_ID");
    }

    /// <summary>The event's workload, or null when nothing identifies it.</summary>
    public static Workload? ToWorkload(ZtStreamWorkloadOptions? w)
    {
        if (w is null)
        {
            return null;
        }

        var id = !string.IsNullOrEmpty(w.Id) ? w.Id
            : !string.IsNullOrEmpty(w.Name) && !string.IsNullOrEmpty(w.Namespace) ? $"{w.Namespace}/{w.Name}"
            : w.Name;
        return string.IsNullOrEmpty(id)
            ? null
            : new Workload
            {
                Id = id,
                Name = w.Name,
                Namespace = w.Namespace,
                ServiceAccount = w.ServiceAccount,
                Node = w.Node,
                Image = w.Image,
            };
    }

    private static string? First(Func<string, string?> env, params string[] names)
    {
        foreach (var name in names)
        {
            var value = env(name);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }
}
