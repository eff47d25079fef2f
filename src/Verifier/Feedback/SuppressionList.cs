namespace ZtStream.Verifier.Feedback;

/// <summary>
/// Analyst false-positive verdicts in force: a scope (<c>*</c>, <c>detector</c> or <c>detector/rule</c>) for one principal
/// or every principal, optionally one resource class, one namespace and one cluster, until the verdict expires (compared
/// with event time). A suppression naming a cluster holds only for events naming that cluster: one made from staging's
/// alert on a cluster-local account must not silence prod's account of the same name (docs/detection.md). Suppressions are keyed by id, so the same message applied twice (a restored partition is given every verdict
/// read so far) keeps one, a narrowed suppression replaces the wider one, and a lift removes it.
/// </summary>
internal sealed class SuppressionList
{
    // Format markers written where the old format wrote a principal count (never negative), so old checkpoints still read.
    private const int FormatWithIds = -2;
    private const int FormatWithClusters = -3;

    private readonly Dictionary<string, Suppression> byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Suppression>> byPrincipal = new(StringComparer.Ordinal);

    public int Count => byId.Count;

    public void Add(AlertFeedback feedback)
    {
        var id = feedback.SuppressionId ?? feedback.Id;
        if (feedback.Lifted || string.Equals(feedback.Verdict, "true_positive", StringComparison.Ordinal))
        {
            // A lift names its suppression; a true-positive verdict (or a lift without an id) ends every one made from the alert.
            if (feedback.SuppressionId is not null)
            {
                Remove(feedback.SuppressionId);
            }
            else
            {
                foreach (var s in byId.Values.Where(s => s.AlertId == feedback.AlertId).ToList())
                {
                    Remove(s.Id);
                }
            }

            return;
        }

        if (!string.Equals(feedback.Verdict, "false_positive", StringComparison.Ordinal))
        {
            return;
        }

        Remove(id);
        Put(new Suppression(id, feedback.Principal, [.. feedback.Rules], feedback.ResourceClass, feedback.Namespace, feedback.ExpiresAt.UtcTicks, feedback.AlertId)
        {
            Cluster = string.IsNullOrEmpty(feedback.Cluster) ? null : feedback.Cluster,
        });
    }

    /// <summary>
    /// Whether a contribution is suppressed for this principal (its id, without a cluster), resource class, namespace and
    /// cluster (the one the event names, null for none) at this event time.
    /// </summary>
    public bool IsSuppressed(string principal, string detector, string rule, string? resourceClass, string? ns, string? cluster, long ticks)
    {
        if (byId.Count == 0)
        {
            return false;
        }

        return Check(principal, detector, rule, resourceClass, ns, cluster, ticks)
            || Check(AlertFeedback.AllPrincipals, detector, rule, resourceClass, ns, cluster, ticks);
    }

    /// <summary>The suppressions in force for a principal (for display and tests).</summary>
    public IReadOnlyList<Suppression> For(string principal) =>
        byPrincipal.TryGetValue(principal, out var list) ? list : [];

    private bool Check(string principal, string detector, string rule, string? resourceClass, string? ns, string? cluster, long ticks)
    {
        if (!byPrincipal.TryGetValue(principal, out var list))
        {
            return false;
        }

        for (var i = list.Count - 1; i >= 0; i--)
        {
            var s = list[i];
            if (s.ExpiresTicks <= ticks)
            {
                Remove(s.Id);
                continue;
            }

            if ((s.ResourceClass is null || string.Equals(s.ResourceClass, resourceClass, StringComparison.Ordinal))
                && (s.Namespace is null || string.Equals(s.Namespace, ns, StringComparison.Ordinal))
                && (s.Cluster is null || string.Equals(s.Cluster, cluster, StringComparison.Ordinal))
                && s.Scopes.Any(scope => Covers(scope, detector, rule)))
            {
                return true;
            }
        }

        return false;
    }

    private void Put(Suppression s)
    {
        byId[s.Id] = s;
        if (!byPrincipal.TryGetValue(s.Principal, out var list))
        {
            list = [];
            byPrincipal[s.Principal] = list;
        }

        list.Add(s);
    }

    private void Remove(string id)
    {
        if (!byId.Remove(id, out var s))
        {
            return;
        }

        var list = byPrincipal[s.Principal];
        list.Remove(s);
        if (list.Count == 0)
        {
            byPrincipal.Remove(s.Principal);
        }
    }

    private static bool Covers(string scope, string detector, string rule) =>
        scope == "*"
        || string.Equals(scope, detector, StringComparison.Ordinal)
        || (scope.Length == detector.Length + 1 + rule.Length && scope.StartsWith(detector, StringComparison.Ordinal)
            && scope[detector.Length] == '/' && scope.EndsWith(rule, StringComparison.Ordinal));

    public void Write(BinaryWriter w)
    {
        w.Write(FormatWithClusters);
        w.Write(byId.Count);
        foreach (var s in byId.Values)
        {
            w.Write(s.Id);
            w.Write(s.Principal);
            w.Write(s.Scopes.Length);
            foreach (var scope in s.Scopes)
            {
                w.Write(scope);
            }

            w.Write(s.ResourceClass ?? "\0");
            w.Write(s.Namespace ?? "\0");
            w.Write(s.ExpiresTicks);
            w.Write(s.AlertId);
            w.Write(s.Cluster ?? "\0");
        }
    }

    public void Read(BinaryReader r)
    {
        byId.Clear();
        byPrincipal.Clear();
        var first = r.ReadInt32();
        if (first is FormatWithIds or FormatWithClusters)
        {
            var n = r.ReadInt32();
            for (var i = 0; i < n; i++)
            {
                var id = r.ReadString();
                var principal = r.ReadString();
                var scopes = new string[r.ReadInt32()];
                for (var j = 0; j < scopes.Length; j++)
                {
                    scopes[j] = r.ReadString();
                }

                var rc = r.ReadString();
                var ns = r.ReadString();
                var expires = r.ReadInt64();
                var alertId = r.ReadString();
                var cluster = first == FormatWithClusters ? r.ReadString() : "\0";
                Put(new Suppression(id, principal, scopes, rc == "\0" ? null : rc, ns == "\0" ? null : ns, expires, alertId)
                {
                    Cluster = cluster == "\0" ? null : cluster,
                });
            }

            return;
        }

        // The format before ids: per principal, one entry per scope; each becomes its own suppression.
        for (var i = 0; i < first; i++)
        {
            var p = r.ReadString();
            var m = r.ReadInt32();
            for (var j = 0; j < m; j++)
            {
                var scope = r.ReadString();
                var rc = r.ReadString();
                var expires = r.ReadInt64();
                var alertId = r.ReadString();
                Put(new Suppression($"{alertId}|{p}|{scope}|{j}", p, [scope], rc == "\0" ? null : rc, null, expires, alertId));
            }
        }
    }
}

/// <summary>One suppression in force: <paramref name="Principal"/> is <c>*</c> for every principal.</summary>
internal sealed record Suppression(string Id, string Principal, string[] Scopes, string? ResourceClass, string? Namespace, long ExpiresTicks, string AlertId)
{
    /// <summary>The cluster it holds in (events naming it); null for every cluster, as suppressions made before clusters were named.</summary>
    public string? Cluster { get; init; }
}
