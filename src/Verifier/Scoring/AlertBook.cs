using System.Globalization;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Verifier.Baselines;

namespace ZtStream.Verifier.Scoring;

/// <summary>
/// Open alerts, deduplicated by principal, detector and resource class: an occurrence within
/// <see cref="VerifierOptions.DedupWindow"/> of the last one updates the same alert (same id, count + 1, last seen).
/// Ids are derived from the dedup key and the first evidence event, so re-scoring the same events after a
/// restore yields the same id, never a second alert.
/// </summary>
internal sealed class AlertBook(TimeSpan dedupWindow)
{
    private const int MaxEvidence = 32;
    private const int MaxReasons = 8;
    private readonly Dictionary<string, Alert> open = new(StringComparer.Ordinal);
    private long sweepAfterTicks;

    /// <summary>Records an occurrence; returns the alert to publish, or null when this update need not be published.</summary>
    public Alert? Record(AccessEvent e, string principal, int score, List<Contribution> reasons)
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
        var key = string.Concat(principal, "|", top.Detector, "|", resourceClass);
        var severity = Severities.FromScore(score);
        Sweep(e.Time.UtcTicks);
        if (open.TryGetValue(key, out var current) && e.Time - current.LastSeen <= dedupWindow && e.Time >= current.FirstSeen - dedupWindow)
        {
            var count = current.Count + 1;
            var raised = score > current.Score;
            var updated = current with
            {
                Count = count,
                LastSeen = e.Time > current.LastSeen ? e.Time : current.LastSeen,
                Score = Math.Max(score, current.Score),
                Severity = Severities.FromScore(Math.Max(score, current.Score)),
                Reasons = raised ? Merge(reasons, current.Reasons) : Merge(current.Reasons, reasons),
                EvidenceEventIds = current.EvidenceEventIds.Count < MaxEvidence ? [.. current.EvidenceEventIds, e.Id] : current.EvidenceEventIds,
                Evidence = current.Evidence.Count < AlertEvidence.MaxPerAlert
                    ? [.. current.Evidence, EvidenceSummary.Of(e, reasons, keepRaw: current.Evidence.Count < AlertEvidence.MaxWithRaw)]
                    : current.Evidence,
                TargetWorkload = current.TargetWorkload ?? EvidenceSummary.TargetOf(e),
                Techniques = Union(current.Techniques, reasons, static c => c.Techniques),
                Tactics = Union(current.Tactics, reasons, static c => c.Tactics),
            };
            open[key] = updated;

            // Publish the first occurrences and then at powers of two, or when the alert got worse: a burst of
            // thousands of events updates one alert without flooding the alerts topic.
            return raised || (count & (count - 1)) == 0 ? updated : null;
        }

        var windowStart = e.Time.UtcTicks - (e.Time.UtcTicks % dedupWindow.Ticks);
        var dedupKey = string.Concat(key, "|", new DateTimeOffset(windowStart, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        var alert = new Alert
        {
            Id = "alt-" + StableHash.Combine(StableHash.Of(dedupKey), StableHash.Of(e.Id)).ToString("x16", CultureInfo.InvariantCulture),
            DedupKey = dedupKey,
            Principal = principal,
            Detector = top.Detector,
            Score = score,
            Severity = severity,
            Reasons = Merge(reasons, []),
            EvidenceEventIds = [e.Id],
            SubjectId = e.Subject?.Id,
            Workload = e.Workload is { } w ? new AlertWorkload(w.Id, w.Namespace, w.Name) : null,
            Token = e.Token is { } t ? new AlertToken(t.Jti, t.SessionId, t.ClientId) : null,
            ResourceClass = resourceClass,
            FirstSeen = e.Time,
            LastSeen = e.Time,
            TargetWorkload = EvidenceSummary.TargetOf(e),
            Evidence = [EvidenceSummary.Of(e, reasons, keepRaw: true)],
            Techniques = Union([], reasons, static c => c.Techniques),
            Tactics = Union([], reasons, static c => c.Tactics),
        };
        open[key] = alert;
        return alert;
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
        new(c.Detector, c.Rule, c.Score, c.Text) { Techniques = c.Techniques, Tactics = c.Tactics };

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
            if (x.Detector == r.Detector && x.Rule == r.Rule)
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
        List<string>? stale = null;
        foreach (var (k, a) in open)
        {
            if (nowTicks - a.LastSeen.UtcTicks > dedupWindow.Ticks)
            {
                (stale ??= []).Add(k);
            }
        }

        if (stale is not null)
        {
            foreach (var k in stale)
            {
                open.Remove(k);
            }
        }
    }

    public void Write(BinaryWriter w)
    {
        w.Write(open.Count);
        foreach (var (k, a) in open)
        {
            w.Write(k);
            var bytes = ContractJson.Serialize(a);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    }

    public void Read(BinaryReader r)
    {
        open.Clear();
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var k = r.ReadString();
            var len = r.ReadInt32();
            open[k] = ContractJson.DeserializeAlert(r.ReadBytes(len));
        }
    }
}
