namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// ZtStream field names: the canonical event's fields by their JSON names, <c>attributes.KEY[.path]</c>, the
/// source's original object under <c>raw.</c>, and three derived roots reaching into the object a Kubernetes audit
/// event carries: <c>request_object.</c> (its request object in one shape, <see cref="KubernetesRequestObject"/>),
/// <c>pod_spec.</c> (the pod spec of a Pod or of any workload template) and <c>all_containers.</c> (each of
/// its containers, init containers and ephemeral containers).
/// </summary>
internal sealed class FieldNames : IFieldResolver
{
    public const string RawPrefix = "raw";
    public const string PodSpecPrefix = "pod_spec";
    public const string AllContainersPrefix = "all_containers";
    public const string RequestObjectPrefix = "request_object";
    public const string AttributesPrefix = "attributes";

    public static readonly FieldNames Instance = new();

    private static readonly Dictionary<string, Func<AccessEvent, string?>> Text = new(StringComparer.Ordinal)
    {
        ["id"] = e => e.Id,
        ["time"] = e => e.Time.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        ["kind"] = e => e.Kind,
        ["source"] = e => e.Source,
        ["subject.id"] = e => e.Subject?.Id,
        ["subject.type"] = e => e.Subject?.Type,
        ["subject.tenant"] = e => e.Subject?.Tenant,
        ["token.jti"] = e => e.Token?.Jti,
        ["token.client_id"] = e => e.Token?.ClientId,
        ["token.session_id"] = e => e.Token?.SessionId,
        ["token.bound_workload"] = e => e.Token?.BoundWorkload,
        ["workload.id"] = e => e.Workload?.Id,
        ["workload.name"] = e => e.Workload?.Name,
        ["workload.namespace"] = e => e.Workload?.Namespace,
        ["workload.image"] = e => e.Workload?.Image,
        ["workload.node"] = e => e.Workload?.Node,
        ["workload.service_account"] = e => e.Workload?.ServiceAccount,
        ["network.src_ip"] = e => e.Network?.SrcIp,
        ["network.dst_ip"] = e => e.Network?.DstIp,
        ["resource.type"] = e => e.Resource?.Type,
        ["resource.id"] = e => e.Resource?.Id,
        ["resource.data_class"] = e => e.Resource?.DataClass,
        ["action"] = e => e.Action,
        ["outcome"] = e => e.Outcome,
        ["user_agent"] = e => e.UserAgent,
    };

    private static readonly Dictionary<string, Func<AccessEvent, long?>> Numbers = new(StringComparer.Ordinal)
    {
        ["schema"] = e => e.Schema,
        ["bytes"] = e => e.Bytes,
        ["status"] = e => e.Status,
        ["network.dst_port"] = e => e.Network?.DstPort,
    };

    private FieldNames()
    {
    }

    /// <summary>Every canonical field name, for messages and documentation.</summary>
    public static IEnumerable<string> Canonical => Text.Keys.Concat(Numbers.Keys);

    /// <summary>The canonical text fields (searched by Sigma keywords when an event has no raw object).</summary>
    public static IEnumerable<FieldPath> CanonicalTextFields() => Text.Select(kv => FieldPath.CanonicalText(kv.Key, kv.Value));

    public FieldPath Resolve(string name)
    {
        if (Text.TryGetValue(name, out var text))
        {
            return FieldPath.CanonicalText(name, text);
        }

        if (Numbers.TryGetValue(name, out var number))
        {
            return FieldPath.CanonicalNumber(name, number);
        }

        if (Under(name, RawPrefix) is { } raw)
        {
            return FieldPath.Json(name, FieldRoot.Raw, RawPrefix, raw);
        }

        if (Under(name, PodSpecPrefix) is { } spec)
        {
            return FieldPath.Json(name, FieldRoot.PodSpec, PodSpecPrefix, spec);
        }

        if (Under(name, RequestObjectPrefix) is { } request)
        {
            return FieldPath.Json(name, FieldRoot.RequestObject, RequestObjectPrefix, request);
        }

        if (Under(name, AllContainersPrefix) is { } containers)
        {
            // all_containers[*].x and all_containers.x mean the same: every container.
            return FieldPath.Json(name, FieldRoot.AllContainers, "", containers.StartsWith("[*]", StringComparison.Ordinal) ? containers[3..].TrimStart('.') : containers);
        }

        if (Under(name, AttributesPrefix) is { Length: > 0 } attribute)
        {
            return FieldPath.Json(name, FieldRoot.Attributes, "attributes.", attribute);
        }

        throw new RuleFormatException(
            $"unknown field '{name}': use a canonical field ({string.Join(", ", Canonical)}), attributes.KEY, raw.PATH (the source's original object), request_object.PATH, pod_spec.PATH or all_containers.PATH");
    }

    /// <summary>The path after <c>prefix.</c> (or after <c>prefix</c> when a bracket follows); empty for the prefix alone; null otherwise.</summary>
    private static string? Under(string name, string prefix)
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        if (name.Length == prefix.Length)
        {
            return "";
        }

        return name[prefix.Length] switch
        {
            '.' => name[(prefix.Length + 1)..],
            '[' => name[prefix.Length..],
            _ => null,
        };
    }
}
