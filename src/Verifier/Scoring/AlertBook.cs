namespace ZtStream.Verifier.Scoring;

/// <summary>
/// Open alerts, deduplicated by principal, detector and resource class: an occurrence within
/// <see cref="VerifierOptions.DedupWindow"/> of the last one updates the same alert (same id, count + 1, last seen).
/// Ids are derived from the dedup key and the first evidence event, so re-scoring the same events after a
/// restore yields the same id, never a second alert. A book of <paramref name="staged"/> alerts (the staged rules'
/// matches, <see cref="Alert.Staged"/>) is another book with a budget of its own: its keys end in <c>|staged</c>, so
/// its alerts never meet, merge with or count against the live ones.
/// </summary>
internal sealed class AlertBook(TimeSpan dedupWindow, StateBudget budget, int maxOpenPerPrincipal, bool staged = false)
{
    private const int MaxEvidence = 32;
    private const int MaxReasons = 8;
    private const int MaxSources = 8;
    /// <summary>Principal of the instance-wide flood alert, and its rule.</summary>
    public const string InstancePrincipal = "ztstream-verifier";
    public const string FloodRule = "alert_flood";

    private readonly Dictionary<string, Alert> open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> openPerPrincipal = new(StringComparer.Ordinal);

    // At most one per principal past its cap, kept apart so they never count against a cap; the instance's one is in
    // the budget, which every engine of the instance shares.
    private readonly Dictionary<string, Alert> floods = new(StringComparer.Ordinal);
    private long sweepAfterTicks;

    /// <summary>Open alerts held (flood alerts not counted).</summary>
    public int OpenCount => open.Count;

    /// <summary>Records an occurrence; returns the alert to publish, or null when this update need not be published.</summary>
    /// <remarks>
    /// Keyed by <see cref="Identity.Key"/>: the same service account in two clusters has its own alerts and its own cap in
    /// each, while the alert names the account by its own id and says the cluster (<see cref="Alert.PrincipalCluster"/>).
    /// </remarks>
    /// <param name="outcomeOfEarlierStage">
    /// <paramref name="e"/> is a Kubernetes request's later stage, scored for the outcome its first stage lacked
    /// (<see cref="RequestStages"/>): where the alert holds that first stage, the same occurrence, completed. Any other
    /// event is an occurrence of its own, even under an id the alert holds (another source's event may share it).
    /// </param>
    public Alert? Record(AccessEvent e, in Identity who, int score, List<Contribution> reasons, bool outcomeOfEarlierStage = false)
    {
        var top = reasons[0];
        foreach (var r in reasons)
        {
            if (r.Score > top.Score)
            {
                top = r;
            }
        }

        var resourceClass = e.Resource?.DataClass ?? e.Resource?.Type ?? e.Kind;
        var principal = who.Key;
        var key = string.Concat(principal, "|", top.Detector, "|", resourceClass);
        Sweep(e.Time.UtcTicks);
        if (open.TryGetValue(key, out var current) && e.Time - current.LastSeen <= dedupWindow && e.Time >= current.FirstSeen - dedupWindow)
        {
            var raised = score > current.Score;
            if (outcomeOfEarlierStage && current.EvidenceEventIds.Contains(e.Id))
            {
                // A later stage of a request the alert already holds (its outcome, RequestStages): the same occurrence,
                // completed with the reasons its outcome adds, never counted twice.
                var completed = current with
                {
                    Score = Math.Max(score, current.Score),
                    Severity = Severities.FromScore(Math.Max(score, current.Score)),
                    Reasons = raised ? Merge(reasons, current.Reasons) : Merge(current.Reasons, reasons),
                    Techniques = Union(current.Techniques, reasons, static c => c.Techniques),
                    Tactics = Union(current.Tactics, reasons, static c => c.Tactics),
                };
                open[key] = completed;
                return completed;
            }

            var updated = Occurred(current, e, score) with
            {
                Reasons = raised ? Merge(reasons, current.Reasons) : Merge(current.Reasons, reasons),
                EvidenceScope = Intersect(current.EvidenceScope, e.SourceScope),
                Evidence = current.Evidence.Count < AlertEvidence.MaxPerAlert
                    ? [.. current.Evidence, EvidenceSummary.Of(e, reasons, keepRaw: current.Evidence.Count < AlertEvidence.MaxWithRaw)]
                    : current.Evidence,
                TargetWorkload = current.TargetWorkload ?? EvidenceSummary.TargetOf(e),
                Techniques = Union(current.Techniques, reasons, static c => c.Techniques),
                Tactics = Union(current.Tactics, reasons, static c => c.Tactics),
            };
            open[key] = updated;
            return Publish(updated, raised);
        }

        // A new alert past a cap is merged into one flood alert (the principal's, or the instance's) instead of being
        // held on its own: a flood costs one alert's memory and one alert's worth of the alerts topic.
        if (openPerPrincipal.GetValueOrDefault(principal) >= maxOpenPerPrincipal)
        {
            return Flood(e, who, score, top, perPrincipal: true);
        }

        if (budget.OpenAlerts >= budget.MaxOpenAlerts)
        {
            return Flood(e, who, score, top, perPrincipal: false);
        }

        var alert = Opened(key, e, who.Principal, who.Cluster, top.Detector, score, Merge(reasons, []), reasons) with
        {
            Techniques = Union([], reasons, static c => c.Techniques),
            Tactics = Union([], reasons, static c => c.Tactics),
            EvidenceScope = e.SourceScope,
            SubjectId = e.Subject?.Id,
            Workload = WorkloadOf(e),
            Token = e.Token is { } t ? new AlertToken(t.Jti, t.SessionId, t.ClientId) { ExpiresAt = t.ExpiresAt } : null,
            ResourceClass = resourceClass,
        };
        open[key] = alert;
        openPerPrincipal[principal] = openPerPrincipal.GetValueOrDefault(principal) + 1;
        budget.OpenAlerts++;
        return alert;
    }

    /// <summary>
    /// Merges a new alert into the flood alert of <paramref name="principal"/> (past its cap) or of the instance (past
    /// the total cap): its count, evidence and reasons grow; it is published at counts 1, 2, 4, 8 … or when it gets worse.
    /// </summary>
    private Alert? Flood(AccessEvent e, in Identity who, int score, Contribution top, bool perPrincipal)
    {
        budget.AlertsMerged++;
        var principal = ClusterKeys.Describe(who.Principal, who.Cluster);
        var key = string.Concat(perPrincipal ? who.Key : InstancePrincipal, "|", Detectors.Verifier, "|", FloodRule);
        var merged = perPrincipal ? ReasonOf(top) : ReasonOf(top) with { Text = $"{principal}: {top.Text}" };
        List<Contribution> mergedContribution = [top];
        var book = perPrincipal ? floods : budget.InstanceFloods;
        if (book.TryGetValue(key, out var current) && e.Time - current.LastSeen <= dedupWindow && e.Time >= current.FirstSeen - dedupWindow)
        {
            var updated = Occurred(current, e, score);
            var reasons = new List<AlertReason>(current.Reasons) { [0] = FloodReason(perPrincipal, principal, updated.Count, updated.Score) };
            AddReason(reasons, merged);
            updated = updated with
            {
                Reasons = reasons,
                EvidenceScope = perPrincipal ? Intersect(current.EvidenceScope, e.SourceScope) : null,
                Techniques = Union(current.Techniques, mergedContribution, static c => c.Techniques),
                Tactics = Union(current.Tactics, mergedContribution, static c => c.Tactics),
            };
            book[key] = updated;
            return Publish(updated, score > current.Score);
        }

        var flood = Opened(
            key, e, perPrincipal ? who.Principal : InstancePrincipal, perPrincipal ? who.Cluster : null, Detectors.Verifier, score, [FloodReason(perPrincipal, principal, 1, score), merged], mergedContribution) with
        {
            Techniques = Union([], mergedContribution, static c => c.Techniques),
            Tactics = Union([], mergedContribution, static c => c.Tactics),
            // The instance-wide flood names no one to act on; a principal's flood is that principal's.
            EvidenceScope = perPrincipal ? e.SourceScope : null,
            SubjectId = perPrincipal ? e.Subject?.Id : null,
            Workload = perPrincipal ? WorkloadOf(e) : null,
            ResourceClass = FloodRule,
            RaisedBy = perPrincipal ? null : Detectors.Verifier,
        };
        book[key] = flood;
        return flood;
    }

    /// <summary>
    /// A new alert under <paramref name="key"/>: its id derives from the dedup key (the principal's id, detector, class,
    /// window, then the cluster when the principal is keyed per cluster) and the first evidence.
    /// </summary>
    private Alert Opened(
        string key, AccessEvent e, string principal, string? cluster, string detector, int score, List<AlertReason> reasons, IReadOnlyList<Contribution> contributions)
    {
        var windowStart = e.Time.UtcTicks - (e.Time.UtcTicks % dedupWindow.Ticks);
        var window = new DateTimeOffset(windowStart, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

        // The book's key starts with the state key, which holds a separator no one reads; the dedup key is read (the
        // console, the Responder's store), so it names the principal by its id and puts the cluster last. Without a
        // cluster it is what it always was, so are the alert ids.
        var dedupKey = cluster is null
            ? string.Concat(key, "|", window)
            : string.Concat(principal, key[(key.IndexOf(ClusterKeys.Separator, StringComparison.Ordinal) + 1 + principal.Length)..], "|" + window, "|" + cluster);
        if (staged)
        {
            dedupKey = string.Concat(dedupKey, "|", RuleModes.Staged);
        }

        return new Alert
        {
            Id = "alt-" + StableHash.Combine(StableHash.Of(dedupKey), StableHash.Of(e.Id)).ToString("x16", CultureInfo.InvariantCulture),
            Staged = staged,
            DedupKey = dedupKey,
            Principal = principal,
            PrincipalCluster = cluster,
            Detector = detector,
            Score = score,
            Severity = Severities.FromScore(score),
            Reasons = reasons,
            EvidenceEventIds = [e.Id],
            EvidenceSources = e.Source is { } source ? [source] : null,
            FirstSeen = e.Time,
            LastSeen = e.Time,
            TargetWorkload = EvidenceSummary.TargetOf(e),
            Evidence = [EvidenceSummary.Of(e, contributions, keepRaw: true)],
        };
    }

    /// <summary>One more occurrence of <paramref name="current"/>: count, last seen, the worse score, more evidence.</summary>
    private static Alert Occurred(Alert current, AccessEvent e, int score) => current with
    {
        Count = current.Count + 1,
        LastSeen = e.Time > current.LastSeen ? e.Time : current.LastSeen,
        Score = Math.Max(score, current.Score),
        Severity = Severities.FromScore(Math.Max(score, current.Score)),
        EvidenceEventIds = current.EvidenceEventIds.Count < MaxEvidence ? [.. current.EvidenceEventIds, e.Id] : current.EvidenceEventIds,
        EvidenceSources = AddSource(current.EvidenceSources, e.Source),
    };

    /// <summary>
    /// Publish the first occurrences and then at powers of two, or when the alert got worse: a burst of thousands of
    /// events updates one alert without flooding the alerts topic.
    /// </summary>
    private static Alert? Publish(Alert updated, bool worse) => worse || (updated.Count & (updated.Count - 1)) == 0 ? updated : null;

    private AlertReason FloodReason(bool perPrincipal, string principal, int merged, int score) => new(
        Detectors.Verifier,
        FloodRule,
        score,
        perPrincipal
            ? $"alert flood: {principal} already has {maxOpenPerPrincipal} open alerts (Verifier:MaxOpenAlertsPerPrincipal); {merged} more merged here"
            : $"alert flood: this Verifier holds {budget.MaxOpenAlerts} open alerts (Verifier:MaxOpenAlerts); {merged} more merged here, the reasons below are the first of them");

    /// <summary>The sources of the evidence, each once, at most <see cref="MaxSources"/>.</summary>
    private static IReadOnlyList<string>? AddSource(IReadOnlyList<string>? sources, string? source)
    {
        if (source is null || (sources is not null && (sources.Count >= MaxSources || sources.Contains(source))))
        {
            return sources;
        }

        return sources is null ? [source] : [.. sources, source];
    }

    /// <summary>What every piece of evidence vouches for: one event from a source that does not vouch for the subject takes it away.</summary>
    private static IReadOnlyList<string>? Intersect(IReadOnlyList<string>? vouched, IReadOnlyList<string>? next)
    {
        if (vouched is null || vouched.Count == 0 || next is null || next.Count == 0)
        {
            return vouched is null || vouched.Count == 0 ? vouched : [];
        }

        var kept = vouched.Where(next.Contains).ToArray();
        return kept.Length == vouched.Count ? vouched : kept;
    }

    /// <summary>
    /// What the alert had plus what these contributions add, sorted, without repeats. Taken from every contribution, not
    /// only the reasons kept (at most <see cref="MaxReasons"/>), so a technique is never lost to the reason cap.
    /// </summary>
    private static IReadOnlyList<string> Union(IReadOnlyList<string> had, List<Contribution> reasons, Func<Contribution, IReadOnlyList<string>> of)
    {
        List<string>? added = null;
        foreach (var c in reasons)
        {
            foreach (var t in of(c))
            {
                if (!Contains(had, t) && (added is null || !added.Contains(t)))
                {
                    (added ??= []).Add(t);
                }
            }
        }

        if (added is null)
        {
            return had;
        }

        added.AddRange(had);
        added.Sort(StringComparer.Ordinal);
        return added;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        foreach (var x in list)
        {
            if (string.Equals(x, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static AlertReason ReasonOf(Contribution c) =>
        new(c.Detector, c.Rule, c.Score, c.Text) { Techniques = c.Techniques, Tactics = c.Tactics, Credits = c.Credits, RuleRevision = c.RuleRevision, RuleFile = c.RuleFile };

    private static List<AlertReason> Merge(List<Contribution> first, IReadOnlyList<AlertReason> then)
    {
        var list = new List<AlertReason>(Math.Min(MaxReasons, first.Count + then.Count));
        foreach (var c in first)
        {
            AddReason(list, ReasonOf(c));
        }

        foreach (var r in then)
        {
            AddReason(list, r);
        }

        list.Sort((a, b) => b.Score.CompareTo(a.Score));
        return list;
    }

    private static List<AlertReason> Merge(IReadOnlyList<AlertReason> first, List<Contribution> then)
    {
        var list = new List<AlertReason>(first);
        foreach (var c in then)
        {
            AddReason(list, ReasonOf(c));
        }

        list.Sort((a, b) => b.Score.CompareTo(a.Score));
        return list;
    }

    private static void AddReason(List<AlertReason> list, AlertReason r)
    {
        if (list.Count >= MaxReasons)
        {
            return;
        }

        foreach (var x in list)
        {
            // Another revision of the same rule (a reload in between) is another reason: the alert names both texts.
            if (x.Detector == r.Detector && x.Rule == r.Rule && x.RuleRevision == r.RuleRevision)
            {
                return;
            }
        }

        list.Add(r);
    }

    private void Sweep(long nowTicks)
    {
        if (nowTicks < sweepAfterTicks)
        {
            return;
        }

        sweepAfterTicks = nowTicks + dedupWindow.Ticks;
        foreach (var (k, a) in Stale(open, nowTicks))
        {
            open.Remove(k);
            Closed(a);
        }

        foreach (var book in new[] { floods, budget.InstanceFloods })
        {
            foreach (var (k, _) in Stale(book, nowTicks))
            {
                book.Remove(k);
            }
        }
    }

    private List<(string Key, Alert Alert)> Stale(Dictionary<string, Alert> alerts, long nowTicks)
    {
        var stale = new List<(string, Alert)>();
        foreach (var (k, a) in alerts)
        {
            if (nowTicks - a.LastSeen.UtcTicks > dedupWindow.Ticks)
            {
                stale.Add((k, a));
            }
        }

        return stale;
    }

    /// <summary>The workload an event names, in the cluster the event names.</summary>
    private static AlertWorkload? WorkloadOf(AccessEvent e) =>
        e.Workload is { } w ? new AlertWorkload(w.Id, w.Namespace, w.Name) { Cluster = ClusterKeys.Of(e) } : null;

    /// <summary>The key <paramref name="a"/>'s principal is counted under (its open alerts against its cap).</summary>
    private static string KeyOf(Alert a) => ClusterKeys.Key(a.Principal, a.PrincipalCluster);

    private void Closed(Alert a)
    {
        var principal = KeyOf(a);
        budget.OpenAlerts--;
        if (openPerPrincipal.TryGetValue(principal, out var n) && n > 1)
        {
            openPerPrincipal[principal] = n - 1;
        }
        else
        {
            openPerPrincipal.Remove(principal);
        }
    }

    /// <summary>The open alerts, for the checkpoint.</summary>
    public void Write(BinaryWriter w) => Write(w, open);

    /// <summary>The flood alerts, for the checkpoint (a section of their own after the rest, since format 5).</summary>
    /// <remarks>Every engine's checkpoint carries the instance's flood alert too, so whichever partitions a restart brings back, it goes on counting.</remarks>
    public void WriteFloods(BinaryWriter w)
    {
        var all = new Dictionary<string, Alert>(floods, StringComparer.Ordinal);
        foreach (var (k, a) in budget.InstanceFloods)
        {
            all[k] = a;
        }

        Write(w, all);
    }

    public void Read(BinaryReader r)
    {
        foreach (var a in open.Values)
        {
            Closed(a);
        }

        Read(r, open);
        foreach (var a in open.Values)
        {
            var principal = KeyOf(a);
            openPerPrincipal[principal] = openPerPrincipal.GetValueOrDefault(principal) + 1;
            budget.OpenAlerts++;
        }

        floods.Clear();
    }

    public void ReadFloods(BinaryReader r)
    {
        var all = new Dictionary<string, Alert>(StringComparer.Ordinal);
        Read(r, all);
        foreach (var (k, a) in all)
        {
            if (a.Principal != InstancePrincipal)
            {
                floods[k] = a;
            }
            else if (!budget.InstanceFloods.TryGetValue(k, out var known) || known.Count < a.Count)
            {
                // Several partitions bring back their copy of the one instance flood: the latest wins.
                budget.InstanceFloods[k] = a;
            }
        }
    }

    private static void Write(BinaryWriter w, Dictionary<string, Alert> alerts)
    {
        w.Write(alerts.Count);
        foreach (var (k, a) in alerts)
        {
            w.Write(k);
            var bytes = ContractJson.Serialize(a);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    }

    private static void Read(BinaryReader r, Dictionary<string, Alert> into)
    {
        into.Clear();
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var k = r.ReadString();
            var len = r.ReadInt32();
            into[k] = ContractJson.DeserializeAlert(r.ReadBytes(len));
        }
    }
}
