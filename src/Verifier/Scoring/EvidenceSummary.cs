namespace ZtStream.Verifier.Scoring;

/// <summary>
/// Builds an alert's bounded evidence summary of one event: who, what, where, the outcome, and the values of the fields
/// its reasons were computed from, so an analyst reads the evidence on the alert without the event log.
/// </summary>
internal static class EvidenceSummary
{
    /// <summary>The canonical fields each rule reads, by rule name. Rules not listed (rule files, runtime) name none.</summary>
    private static readonly Dictionary<string, string[]> FieldsByRule = new(StringComparer.Ordinal)
    {
        [RuleNames.DataClass] = ["resource.data_class"],
        [RuleNames.TokenBinding] = ["token.bound_workload", "workload.id"],
        [RuleNames.TokenExpired] = ["token.expires_at"],
        [RuleNames.TokenRevoked] = ["token.jti"],
        [RuleNames.Segmentation] = ["workload.namespace", "resource.id"],
        [RuleNames.ProtectedResource] = ["resource.id"],
        [RuleNames.PodExec] = ["resource.type", "resource.id"],
        [RuleNames.FirstResource] = ["resource.id"],
        [RuleNames.FirstDataClass] = ["resource.data_class"],
        [RuleNames.BytesSpike] = ["bytes"],
        [RuleNames.RateSpike] = ["time"],
        [RuleNames.BreadthSpike] = ["resource.id"],
        [RuleNames.DenialSpike] = ["outcome", "status"],
        [RuleNames.NewSource] = ["network.src_ip", "workload.id"],
        [RuleNames.TokenNewWorkload] = ["token.jti", "workload.id"],
        [RuleNames.UnusualHour] = ["time"],
        [RuleNames.NewSourceUnusualHour] = ["network.src_ip", "time"],
        [RuleNames.Reconstruction] = ["bytes", "resource.data_class", "action"],
    };

    /// <summary>The summary of <paramref name="e"/>; its original object is kept only when <paramref name="keepRaw"/> and it is small.</summary>
    public static AlertEvidence Of(AccessEvent e, IReadOnlyList<Contribution> reasons, bool keepRaw)
    {
        Dictionary<string, string>? fields = null;
        foreach (var reason in reasons)
        {
            if (!FieldsByRule.TryGetValue(reason.Rule, out var paths))
            {
                continue;
            }

            foreach (var path in paths)
            {
                if (Value(e, path) is { } value)
                {
                    (fields ??= new(StringComparer.Ordinal))[path] = value;
                }
            }
        }

        System.Text.Json.JsonElement? raw = null;
        int? omitted = null;
        if (e.Raw is { } r)
        {
            var size = Encoding.UTF8.GetByteCount(r.GetRawText());
            if (keepRaw && size <= AlertEvidence.MaxRawBytes)
            {
                raw = r.Clone();
            }
            else
            {
                omitted = size;
            }
        }

        return new AlertEvidence
        {
            EventId = e.Id,
            Kind = e.Kind,
            Time = e.Time,
            Source = e.Source,
            Subject = e.Subject?.Id,
            Workload = e.Workload is { } w ? (w.Namespace is not null && w.Name is not null ? $"{w.Namespace}/{w.Name}" : w.Id) : null,
            Resource = Resource(e.Resource),
            Action = e.Action,
            Outcome = e.Outcome,
            Fields = fields ?? [],
            Raw = raw,
            RawOmittedBytes = omitted,
        };
    }

    /// <summary>The pod an exec, attach or port-forward went into: the alert's target rather than the actor's workload.</summary>
    /// <remarks>In the cluster the event names: <c>prod/web</c> of two clusters are two pods.</remarks>
    public static AlertWorkload? TargetOf(AccessEvent e)
    {
        if (e.Resource is not { Type: "pods/exec" or "pods/attach" or "pods/portforward", Id: { } id })
        {
            return null;
        }

        var slash = id.IndexOf('/', StringComparison.Ordinal);
        var target = slash > 0 && slash < id.Length - 1 ? new AlertWorkload(id, id[..slash], id[(slash + 1)..]) : new AlertWorkload(id, null, null);
        return ClusterKeys.Of(e) is { } cluster ? target with { Cluster = cluster } : target;
    }

    private static string? Resource(ResourceRef? r)
    {
        if (r is null)
        {
            return null;
        }

        var text = (r.Type, r.Id) switch
        {
            (not null, not null) => $"{r.Type}/{r.Id}",
            (null, not null) => r.Id,
            (not null, null) => r.Type,
            _ => null,
        };
        return r.DataClass is null ? text : $"{text} [{r.DataClass}]";
    }

    /// <summary>A canonical field's value as text, or null when the event does not carry it.</summary>
    internal static string? Value(AccessEvent e, string path) => path switch
    {
        "time" => e.Time.ToString("O", CultureInfo.InvariantCulture),
        "action" => e.Action,
        "outcome" => e.Outcome,
        "status" => e.Status?.ToString(CultureInfo.InvariantCulture),
        "bytes" => e.Bytes?.ToString(CultureInfo.InvariantCulture),
        "resource.type" => e.Resource?.Type,
        "resource.id" => e.Resource?.Id,
        "resource.data_class" => e.Resource?.DataClass,
        "token.jti" => e.Token?.Jti,
        "token.bound_workload" => e.Token?.BoundWorkload,
        "token.expires_at" => e.Token?.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture),
        "workload.id" => e.Workload?.Id,
        "workload.namespace" => e.Workload?.Namespace,
        "workload.service_account" => e.Workload?.ServiceAccount,
        "network.src_ip" => e.Network?.SrcIp,
        _ => null,
    };
}
