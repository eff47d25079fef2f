namespace ZtStream.Verifier.Runtime;

/// <summary>A runtime alert on a workload (its id, without its cluster), as remembered for the service account the workload runs as.</summary>
internal sealed record Taint(
    string Workload, string Rule, string Priority, int Score, long AtTicks, long UntilTicks, string AlertEventId, IReadOnlyList<string> Techniques);

/// <summary>
/// Carries a runtime alert on a workload to the service account it runs as, across partitions. A runtime alert is keyed
/// by the workload, the service account's own events by its subject id — usually another partition, possibly another
/// Verifier instance — so the link travels as records on the event log itself, each keyed by the principal that must
/// learn it (docs/detection.md, "Runtime alerts and tainted service accounts"):
/// <list type="bullet">
/// <item><c>zt.workload_binding</c> (key = workload): a service account was seen acting from a workload for the first
/// time, or a pod was created to run as it; the workload's partition remembers whose token the workload holds.</item>
/// <item><c>zt.runtime_taint</c> (key = service account): a runtime alert on a workload whose service account is known —
/// at the alert, or later when the binding arrives; the service account's partition then scores its token's use during
/// the taint window higher, naming both.</item>
/// </list>
/// Both name the cluster of the event they came from (<c>attributes["k8s.cluster"]</c>), and the receiving partition keeps
/// them under the workload's and the account's <see cref="ClusterKeys"/>: a pod alerted in staging taints staging's
/// account, never prod's account of the same name.
/// Both are folded into the partition's state like any record and checkpointed with its offset; ids derive from their
/// content, so a redelivered or re-derived record changes nothing. Taints expire by event time. Records derived here wait
/// in <see cref="Outbox"/>, which is part of the checkpoint, until the caller has appended them: an event log that
/// refuses appends for a while (back-pressure) delays a link but cannot lose it, and never fails the record that made it.
/// </summary>
internal sealed class RuntimeLinks(TimeSpan window)
{
    public const string TaintRule = "tainted_service_account";

    /// <summary>Workload links one partition keeps; past it the least recently touched 5 % are dropped.</summary>
    public const int MaxWorkloads = 100_000;

    private const int MaxTaintsPerPrincipal = 8;
    private const int MaxRecentPerWorkload = 4;
    private const string AttrPriority = "runtime.priority";
    private const string AttrScore = "runtime.score";
    private const string AttrUntil = "runtime.until";
    private const string AttrAlert = "runtime.alert_event";
    private const string AttrTechniques = "runtime.techniques";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    private readonly Dictionary<string, WorkloadLink> workloads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Taint>> taints = new(StringComparer.Ordinal);
    private readonly List<AccessEvent> outbox = [];

    /// <summary>Derived records not yet appended to the event log, oldest first.</summary>
    public IReadOnlyList<AccessEvent> Outbox => outbox;

    /// <summary>The first <paramref name="count"/> records of <see cref="Outbox"/> were appended.</summary>
    public void Delivered(int count) => outbox.RemoveRange(0, Math.Min(count, outbox.Count));

    public int WorkloadCount => workloads.Count;

    public int TaintedCount => taints.Count;

    /// <summary>The service account subject a workload (its state key, <see cref="ClusterKeys"/>) is known to run as, if any.</summary>
    public string? ServiceAccountOf(string workload) => workloads.GetValueOrDefault(workload)?.ServiceAccount;

    /// <summary>The taints in force on a principal, by its state key (for tests and diagnostics).</summary>
    public IReadOnlyList<Taint> TaintsOf(string principal) => taints.GetValueOrDefault(principal) ?? [];

    /// <summary>Folds a derived record into this partition's state; a binding may release taints it was waiting for.</summary>
    public void Apply(AccessEvent e)
    {
        if (string.Equals(e.Kind, EventKinds.WorkloadBinding, StringComparison.Ordinal)
            && e.Workload is { Id: { Length: > 0 } workload, ServiceAccount: { Length: > 0 } serviceAccount })
        {
            var cluster = ClusterKeys.Of(e);
            var link = Link(ClusterKeys.Key(workload, cluster), e.Time.UtcTicks);
            link.ServiceAccount = serviceAccount;
            foreach (var t in link.Recent)
            {
                if (t.UntilTicks > e.Time.UtcTicks)
                {
                    outbox.Add(TaintRecord(t, serviceAccount, e.Workload, cluster));
                }
            }
        }
        else if (string.Equals(e.Kind, EventKinds.RuntimeTaint, StringComparison.Ordinal)
            && e.Subject is { Id: { Length: > 0 } account } && ReadTaint(e) is { } taint)
        {
            var principal = ClusterKeys.Key(account, ClusterKeys.IsClusterLocal(account) ? ClusterKeys.Of(e) : null);
            if (!taints.TryGetValue(principal, out var list))
            {
                list = [];
                taints[principal] = list;
            }

            list.RemoveAll(x => x.UntilTicks <= taint.AtTicks || string.Equals(x.AlertEventId, taint.AlertEventId, StringComparison.Ordinal));
            if (list.Count >= MaxTaintsPerPrincipal)
            {
                list.RemoveAt(0);
            }

            list.Add(taint);
        }
    }

    /// <summary>
    /// What a scored event tells other partitions: a service account acting from a workload it was never seen on, a pod
    /// created to run as a service account (bindings), a runtime alert on a workload whose service account is known (taint).
    /// </summary>
    public void Derive(AccessEvent e, in Identity who, bool newWorkload, RuntimeFinding? alert)
    {
        // Only an alert on a workload's own partition links: a plugin source's alert (Kubernetes audit, CloudTrail, Okta) is
        // on its actor, names no workload, and would otherwise hold one of the partition's workload links for a user.
        if (alert is not null && e.Workload?.Id is { } alerted && string.Equals(alerted, who.Principal, StringComparison.Ordinal))
        {
            var workload = who.Principal;
            var taint = new Taint(workload, alert.Rule, alert.Priority, alert.Score, e.Time.UtcTicks, (e.Time + window).UtcTicks, e.Id, alert.Techniques);
            var link = Link(who.Key, e.Time.UtcTicks);
            link.Recent.RemoveAll(x => x.UntilTicks <= taint.AtTicks);
            if (link.Recent.Count >= MaxRecentPerWorkload)
            {
                link.Recent.RemoveAt(0);
            }

            link.Recent.Add(taint);
            link.ServiceAccount ??= DeclaredServiceAccount(e.Workload);
            if (link.ServiceAccount is { } serviceAccount)
            {
                outbox.Add(TaintRecord(taint, serviceAccount, e.Workload, who.Cluster));
            }
        }

        if (newWorkload && who.IsServiceAccount && who.SubjectId is { } subject && e.Workload is { Id: var acting } w
            && !string.Equals(acting, subject, StringComparison.Ordinal) && !acting.Contains("/serviceaccount:", StringComparison.Ordinal))
        {
            outbox.Add(BindingRecord(e.Time, acting, w.Namespace, subject, who.Cluster));
        }

        // The pod is created in the cluster the request went to, whoever created it (a person is keyed without one).
        if (CreatedPod(e) is var (pod, ns, name))
        {
            outbox.Add(BindingRecord(e.Time, pod, ns, ServiceAccountPrefix + ns + ":" + name, ClusterKeys.Of(e)));
        }
    }

    /// <summary>A tainted service account acting: its token used elsewhere scores 0.8 × the alert's score, from the alerted workload 0.4 ×.</summary>
    public void Evaluate(AccessEvent e, in Identity who, List<Contribution> output)
    {
        var principal = who.Key;
        if (taints.Count == 0 || !taints.TryGetValue(principal, out var list))
        {
            return;
        }

        var ticks = e.Time.UtcTicks;
        DropEnded(list, ticks);
        if (list.Count == 0)
        {
            taints.Remove(principal);
            return;
        }

        Taint? strongest = null;
        var best = 0;
        foreach (var t in list)
        {
            if (t.AtTicks > ticks)
            {
                continue;
            }

            var elsewhere = !string.Equals(e.Workload?.Id, t.Workload, StringComparison.Ordinal);
            var score = (int)Math.Round(t.Score * (elsewhere ? 0.8 : 0.4));
            if (score > best)
            {
                (strongest, best) = (t, score);
            }
        }

        if (strongest is not { } taint)
        {
            return;
        }

        var since = Numbers.Duration(TimeSpan.FromTicks(ticks - taint.AtTicks));
        var alertText = $"{ClusterKeys.Describe(who.Principal, who.Cluster)}: its workload {taint.Workload} raised Falco \"{taint.Rule}\" ({taint.Priority}) {since} before";
        if (!string.Equals(e.Workload?.Id, taint.Workload, StringComparison.Ordinal))
        {
            var from = e.Workload?.Id is { } w && !w.Contains("/serviceaccount:", StringComparison.Ordinal) ? "from workload " + w : "from an unidentified workload";
            var ip = e.Network?.SrcIp is { } address ? $" ({address})" : string.Empty;
            output.Add(new Contribution(Detectors.Runtime, TaintRule, best, $"{alertText}, and its token is now used {from}{ip}").Of(Techniques.StolenToken));
        }
        else
        {
            output.Add(new Contribution(Detectors.Runtime, TaintRule, best, $"{alertText}; this use comes from that workload")
            {
                Techniques = taint.Techniques,
            });
        }
    }

    /// <summary>
    /// Drops the taints over before <paramref name="ticks"/>. Its own method because a lambda capturing a local of
    /// <see cref="Evaluate"/> made that method allocate the capture on entry, for every event, tainted or not.
    /// </summary>
    private static void DropEnded(List<Taint> list, long ticks) => list.RemoveAll(t => t.UntilTicks < ticks);

    public void Write(BinaryWriter w)
    {
        w.Write(workloads.Count);
        foreach (var (key, link) in workloads)
        {
            w.Write(key);
            w.Write(link.ServiceAccount ?? string.Empty);
            w.Write(link.LastTicks);
            WriteTaints(w, link.Recent);
        }

        w.Write(taints.Count);
        foreach (var (key, list) in taints)
        {
            w.Write(key);
            WriteTaints(w, list);
        }

        w.Write(outbox.Count);
        foreach (var e in outbox)
        {
            var bytes = ContractJson.Serialize(e);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    }

    public void Read(BinaryReader r)
    {
        workloads.Clear();
        taints.Clear();
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var key = r.ReadString();
            var sa = r.ReadString();
            var link = new WorkloadLink { ServiceAccount = sa.Length == 0 ? null : sa, LastTicks = r.ReadInt64() };
            link.Recent.AddRange(ReadTaints(r));
            workloads[key] = link;
        }

        n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var key = r.ReadString();
            taints[key] = ReadTaints(r);
        }

        outbox.Clear();
        n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            outbox.Add(ContractJson.DeserializeEvent(r.ReadBytes(r.ReadInt32())));
        }
    }

    public void Clear()
    {
        workloads.Clear();
        taints.Clear();
        outbox.Clear();
    }

    private WorkloadLink Link(string workload, long ticks)
    {
        if (!workloads.TryGetValue(workload, out var link))
        {
            if (workloads.Count >= MaxWorkloads)
            {
                EvictOldest();
            }

            link = new WorkloadLink();
            workloads[workload] = link;
        }

        link.LastTicks = Math.Max(link.LastTicks, ticks);
        return link;
    }

    private void EvictOldest()
    {
        var cutoff = workloads.Values.Select(l => l.LastTicks).Order().ElementAt(workloads.Count / 20);
        foreach (var key in workloads.Where(kv => kv.Value.LastTicks <= cutoff).Select(kv => kv.Key).ToList())
        {
            workloads.Remove(key);
        }
    }

    /// <summary>A runtime alert that names the workload's service account itself (other runtime tools, canonical events).</summary>
    private static string? DeclaredServiceAccount(Workload? w) => w?.ServiceAccount switch
    {
        null or "" => null,
        { } sa when sa.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) => sa,
        { } sa when w.Namespace is { Length: > 0 } ns && !sa.Contains(':', StringComparison.Ordinal) => ServiceAccountPrefix + ns + ":" + sa,
        _ => null,
    };

    /// <summary>A pod created (audit, completed, allowed): its id and the service account its spec names (default: <c>default</c>).</summary>
    private static (string Pod, string Namespace, string ServiceAccount)? CreatedPod(AccessEvent e)
    {
        if (!string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal) || e.Resource is not { Type: "pods", Id: { } id }
            || !string.Equals(e.Action, "create", StringComparison.Ordinal) || e.Status is not (null or (>= 200 and < 300))
            || string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal))
        {
            return null;
        }

        var slash = id.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == id.Length - 1)
        {
            return null;
        }

        var spec = Spec(e);
        if (spec is not { ValueKind: JsonValueKind.Object } s)
        {
            return null;
        }

        var name = Str(s, "serviceAccountName") ?? Str(s, "serviceAccount") ?? "default";
        return (id, id[..slash], name);
    }

    private static JsonElement? Spec(AccessEvent e)
    {
        if (e.Raw is { ValueKind: JsonValueKind.Object } raw && raw.TryGetProperty("requestObject", out var request)
            && request.ValueKind == JsonValueKind.Object && request.TryGetProperty("spec", out var spec))
        {
            return spec;
        }

        return e.Attributes is { } a && a.TryGetValue("k8s.request_object", out var body) && body.ValueKind == JsonValueKind.Object
            && body.TryGetProperty("spec", out var s) ? s : null;
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static AccessEvent BindingRecord(DateTimeOffset time, string workload, string? ns, string serviceAccount, string? cluster) => new()
    {
        Id = "zt-bind-" + InCluster(StableHash.Combine(StableHash.Of(workload), StableHash.Of(serviceAccount)), cluster).ToString("x16", CultureInfo.InvariantCulture),
        Time = time,
        Kind = EventKinds.WorkloadBinding,
        Workload = new Workload { Id = workload, Namespace = ns, ServiceAccount = serviceAccount },
        Attributes = cluster is null ? null : Clustered(cluster, new Dictionary<string, JsonElement>(StringComparer.Ordinal)),
    };

    /// <summary>
    /// A record's id hash, told apart per cluster: the same pod and account names in two clusters are two bindings, and
    /// one id would make the second a duplicate of the first. Without a cluster the id is what it always was.
    /// </summary>
    private static ulong InCluster(ulong hash, string? cluster) => cluster is null ? hash : StableHash.Combine(hash, StableHash.Of(cluster));

    /// <summary><paramref name="attributes"/>, naming <paramref name="cluster"/> when there is one, as Ingest names it on the events it came from.</summary>
    private static Dictionary<string, JsonElement> Clustered(string? cluster, Dictionary<string, JsonElement> attributes)
    {
        if (cluster is not null)
        {
            attributes[ClusterKeys.Attribute] = JsonSerializer.SerializeToElement(cluster, VerifierJsonContext.Default.String);
        }

        return attributes;
    }

    private static AccessEvent TaintRecord(Taint t, string serviceAccount, Workload? workload, string? cluster) => new()
    {
        Id = "zt-taint-" + InCluster(StableHash.Combine(StableHash.Of(t.AlertEventId), StableHash.Of(serviceAccount)), cluster).ToString("x16", CultureInfo.InvariantCulture),
        Time = new DateTimeOffset(t.AtTicks, TimeSpan.Zero),
        Kind = EventKinds.RuntimeTaint,
        Subject = new Subject { Id = serviceAccount, Type = "service_account" },
        Workload = new Workload { Id = t.Workload, Name = workload?.Name, Namespace = workload?.Namespace },
        Action = t.Rule,
        Attributes = Clustered(cluster, new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [AttrPriority] = JsonSerializer.SerializeToElement(t.Priority, VerifierJsonContext.Default.String),
            [AttrScore] = JsonSerializer.SerializeToElement(t.Score, VerifierJsonContext.Default.Int32),
            [AttrUntil] = JsonSerializer.SerializeToElement(new DateTimeOffset(t.UntilTicks, TimeSpan.Zero), VerifierJsonContext.Default.DateTimeOffset),
            [AttrAlert] = JsonSerializer.SerializeToElement(t.AlertEventId, VerifierJsonContext.Default.String),
            [AttrTechniques] = JsonSerializer.SerializeToElement(t.Techniques, VerifierJsonContext.Default.IReadOnlyListString),
        }),
    };

    private static Taint? ReadTaint(AccessEvent e)
    {
        var a = e.Attributes;
        if (e.Workload?.Id is not { } workload || a is null
            || !a.TryGetValue(AttrScore, out var score) || score.ValueKind != JsonValueKind.Number
            || !a.TryGetValue(AttrUntil, out var until) || !until.TryGetDateTimeOffset(out var untilTime))
        {
            return null;
        }

        var techniques = a.TryGetValue(AttrTechniques, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];
        return new Taint(
            workload,
            e.Action ?? "runtime alert",
            a.TryGetValue(AttrPriority, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "Warning",
            score.GetInt32(),
            e.Time.UtcTicks,
            untilTime.UtcTicks,
            a.TryGetValue(AttrAlert, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : e.Id,
            techniques);
    }

    private static void WriteTaints(BinaryWriter w, List<Taint> list)
    {
        w.Write(list.Count);
        foreach (var t in list)
        {
            w.Write(t.Workload);
            w.Write(t.Rule);
            w.Write(t.Priority);
            w.Write(t.Score);
            w.Write(t.AtTicks);
            w.Write(t.UntilTicks);
            w.Write(t.AlertEventId);
            w.Write(t.Techniques.Count);
            foreach (var technique in t.Techniques)
            {
                w.Write(technique);
            }
        }
    }

    private static List<Taint> ReadTaints(BinaryReader r)
    {
        var n = r.ReadInt32();
        var list = new List<Taint>(n);
        for (var i = 0; i < n; i++)
        {
            var (workload, rule, priority, score, at, until, alert) = (r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadString());
            var techniques = new string[r.ReadInt32()];
            for (var k = 0; k < techniques.Length; k++)
            {
                techniques[k] = r.ReadString();
            }

            list.Add(new Taint(workload, rule, priority, score, at, until, alert, techniques));
        }

        return list;
    }

    private sealed class WorkloadLink
    {
        public string? ServiceAccount { get; set; }

        public long LastTicks { get; set; }

        public List<Taint> Recent { get; } = [];
    }
}
