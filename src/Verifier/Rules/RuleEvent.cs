namespace ZtStream.Verifier.Rules;

/// <summary>
/// One event as a rule sees it: the canonical event, and the source's original object where the source adapter
/// kept it (<see cref="AccessEvent.Raw"/>), so rules written for the source's own shape (Falco's <c>ka.*</c>
/// fields, Sigma's audit field names) match without a translation table per field.
/// </summary>
internal sealed class RuleEvent(AccessEvent e)
{
    private JsonElement podSpec;
    private bool podSpecResolved;
    private JsonElement requestObject;
    private bool requestObjectResolved;

    public AccessEvent Event { get; } = e;

    /// <summary>The scoring engine's okta MFA counts (detection state beside its aggregations); none outside an engine.</summary>
    public Falco.FalcoOktaMfaCounts? OktaMfa { get; init; }

    /// <summary>The source's original object, if kept.</summary>
    public JsonElement? Raw => Event.Raw;

    /// <summary>
    /// A Kubernetes audit event's request object in the one shape every way of writing it comes to
    /// (<see cref="KubernetesRequestObject"/>: a JSON patch read as the object it writes, host paths cleaned). Resolved
    /// once per event.
    /// </summary>
    public bool TryGetRequestObject(out JsonElement o)
    {
        if (!requestObjectResolved)
        {
            requestObjectResolved = true;
            requestObject = Raw is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("requestObject", out var written)
                ? KubernetesRequestObject.Normalise(written)
                : default;
        }

        o = requestObject;
        return o.ValueKind != JsonValueKind.Undefined;
    }

    /// <summary>
    /// The pod spec of the workload object the event carries (a Kubernetes audit event's request object as
    /// <see cref="TryGetRequestObject"/> reads it, else its response object, else the raw object itself): a Pod's <c>spec</c>, the <c>spec.template.spec</c> of a
    /// Deployment, DaemonSet, StatefulSet, ReplicaSet or Job, a CronJob's <c>spec.jobTemplate.spec.template.spec</c>,
    /// a PodTemplate's <c>template.spec</c>. Found by shape, so patches without <c>kind</c> resolve too. Resolved once
    /// per event.
    /// </summary>
    public bool TryGetPodSpec(out JsonElement spec)
    {
        if (!podSpecResolved)
        {
            podSpecResolved = true;
            podSpec = ResolvePodSpec();
        }

        spec = podSpec;
        return spec.ValueKind == JsonValueKind.Object;
    }

    private JsonElement ResolvePodSpec()
    {
        if (Raw is not { ValueKind: JsonValueKind.Object } r)
        {
            return default;
        }

        if (TryGetRequestObject(out var request) && SpecOf(request) is { ValueKind: JsonValueKind.Object } s)
        {
            return s;
        }

        if (r.TryGetProperty("responseObject", out var response) && SpecOf(KubernetesRequestObject.Normalise(response)) is { ValueKind: JsonValueKind.Object } rs)
        {
            return rs;
        }

        return SpecOf(KubernetesRequestObject.Normalise(r));
    }

    private static JsonElement SpecOf(JsonElement o)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        if (Child(o, "template") is { ValueKind: JsonValueKind.Object } podTemplate && Child(podTemplate, "spec") is { ValueKind: JsonValueKind.Object } pts)
        {
            return pts;
        }

        if (Child(o, "spec") is not { ValueKind: JsonValueKind.Object } spec)
        {
            return default;
        }

        if (Child(spec, "jobTemplate") is { ValueKind: JsonValueKind.Object } job)
        {
            return Child(Child(Child(job, "spec"), "template"), "spec");
        }

        if (Child(spec, "template") is { ValueKind: JsonValueKind.Object } template)
        {
            return Child(template, "spec");
        }

        // A Pod (or a pod-shaped patch): the spec itself holds the containers.
        return spec.TryGetProperty("containers", out _) || spec.TryGetProperty("initContainers", out _) || spec.TryGetProperty("ephemeralContainers", out _)
            || spec.TryGetProperty("volumes", out _) || spec.TryGetProperty("hostPID", out _) || spec.TryGetProperty("hostNetwork", out _) || spec.TryGetProperty("hostIPC", out _)
            || string.Equals(Child(o, "kind") is { ValueKind: JsonValueKind.String } k ? k.GetString() : null, "Pod", StringComparison.Ordinal)
            ? spec
            : default;
    }

    private static JsonElement Child(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) ? v : default;
}
