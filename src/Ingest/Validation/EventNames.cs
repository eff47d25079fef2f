namespace ZtStream.Ingest.Validation;

/// <summary>How long an id or a name may be: <see cref="IngestOptions.MaxFieldLength"/>, <see cref="IngestOptions.MaxIdLength"/> (the event's id), or unbounded here.</summary>
internal enum NameBound
{
    Field,
    Id,
    None,
}

/// <summary>
/// Every id and name of an event: the strings that key principals, alerts and actions and are shown as names (the
/// event's id and kind, every string of <c>subject</c>, <c>token</c>, <c>workload</c>, <c>network</c> and
/// <c>resource</c>, <c>action</c>, <c>outcome</c>, <c>attributes["k8s.cluster"]</c>), one list for what checks them and
/// what escapes them. A user agent, the rest of <c>attributes</c> and <c>raw</c> are evidence as sent, and not among them.
/// </summary>
internal static class EventNames
{
    private const string ClusterField = "attributes." + K8sAuditMapper.ClusterAttribute;

    /// <summary>What is done with each id or name (its dotted field path, its value): the value to keep in its place.</summary>
    internal interface IVisitor
    {
        string Visit(string field, string value, NameBound bound);
    }

    /// <summary>
    /// Each id and name of <paramref name="e"/> through <paramref name="visitor"/> (a struct, so checking an event allocates
    /// nothing); <paramref name="e"/> itself when every value was kept as it was, else the event with the values returned.
    /// </summary>
    public static AccessEvent Visit<T>(AccessEvent e, ref T visitor)
        where T : struct, IVisitor
    {
        var changed = false;
        var id = Name(ref visitor, "id", e.Id, NameBound.Id, ref changed)!;
        var kind = Name(ref visitor, "kind", e.Kind, NameBound.Field, ref changed)!;
        var (s, t, w, n, r) = (e.Subject, e.Token, e.Workload, e.Network, e.Resource);
        var subjectId = Name(ref visitor, "subject.id", s?.Id, NameBound.Field, ref changed);
        var subjectType = Name(ref visitor, "subject.type", s?.Type, NameBound.Field, ref changed);
        var subjectTenant = Name(ref visitor, "subject.tenant", s?.Tenant, NameBound.Field, ref changed);
        var subjectClaim = Name(ref visitor, "subject.claim", s?.Claim, NameBound.Field, ref changed);
        var jti = Name(ref visitor, "token.jti", t?.Jti, NameBound.Field, ref changed);
        var clientId = Name(ref visitor, "token.client_id", t?.ClientId, NameBound.Field, ref changed);
        var sessionId = Name(ref visitor, "token.session_id", t?.SessionId, NameBound.Field, ref changed);
        var boundWorkload = Name(ref visitor, "token.bound_workload", t?.BoundWorkload, NameBound.Field, ref changed);
        var workloadId = Name(ref visitor, "workload.id", w?.Id, NameBound.Field, ref changed);
        var workloadName = Name(ref visitor, "workload.name", w?.Name, NameBound.Field, ref changed);
        var workloadNamespace = Name(ref visitor, "workload.namespace", w?.Namespace, NameBound.Field, ref changed);
        var image = Name(ref visitor, "workload.image", w?.Image, NameBound.Field, ref changed);
        var node = Name(ref visitor, "workload.node", w?.Node, NameBound.Field, ref changed);
        var serviceAccount = Name(ref visitor, "workload.service_account", w?.ServiceAccount, NameBound.Field, ref changed);
        var srcIp = Name(ref visitor, "network.src_ip", n?.SrcIp, NameBound.Field, ref changed);
        var dstIp = Name(ref visitor, "network.dst_ip", n?.DstIp, NameBound.Field, ref changed);
        var resourceType = Name(ref visitor, "resource.type", r?.Type, NameBound.Field, ref changed);
        var resourceId = Name(ref visitor, "resource.id", r?.Id, NameBound.Field, ref changed);
        var dataClass = Name(ref visitor, "resource.data_class", r?.DataClass, NameBound.Field, ref changed);
        var action = Name(ref visitor, "action", e.Action, NameBound.Field, ref changed);
        var outcome = Name(ref visitor, "outcome", e.Outcome, NameBound.Field, ref changed);
        var cluster = e.Attributes?.TryGetValue(K8sAuditMapper.ClusterAttribute, out var c) == true && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var clusterChanged = false;
        var keptCluster = Name(ref visitor, ClusterField, cluster, NameBound.None, ref clusterChanged);
        if (!changed && !clusterChanged)
        {
            return e;
        }

        return e with
        {
            Id = id,
            Kind = kind,
            Subject = s is null ? null : s with { Id = subjectId!, Type = subjectType, Tenant = subjectTenant, Claim = subjectClaim },
            Token = t is null ? null : t with { Jti = jti, ClientId = clientId, SessionId = sessionId, BoundWorkload = boundWorkload },
            Workload = w is null ? null : w with { Id = workloadId!, Name = workloadName, Namespace = workloadNamespace, Image = image, Node = node, ServiceAccount = serviceAccount },
            Network = n is null ? null : n with { SrcIp = srcIp, DstIp = dstIp },
            Resource = r is null ? null : r with { Type = resourceType, Id = resourceId, DataClass = dataClass },
            Action = action,
            Outcome = outcome,
            Attributes = clusterChanged
                ? new(e.Attributes!, StringComparer.Ordinal) { [K8sAuditMapper.ClusterAttribute] = JsonFields.Of(keptCluster!) }
                : e.Attributes,
        };
    }

    private static string? Name<T>(ref T visitor, string field, string? value, NameBound bound, ref bool changed)
        where T : struct, IVisitor
    {
        if (value is null)
        {
            return null;
        }

        var kept = visitor.Visit(field, value, bound);
        changed |= !ReferenceEquals(kept, value);
        return kept;
    }
}
