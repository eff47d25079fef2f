using System.IO.Compression;
using ZtStream.Verifier.Authentication;
using ZtStream.Verifier.Feedback;
using ZtStream.Verifier.Runtime;

namespace ZtStream.Verifier.Scoring;

/// <summary>What scoring one event produced.</summary>
/// <param name="Score">Combined risk 0–100 (0 when nothing fired).</param>
/// <param name="Alert">The alert to publish (new, or an update of a deduplicated one), else null.</param>
/// <param name="Duplicate">The event id was scored before; nothing was done.</param>
/// <param name="IsLink">
/// The input was a record the Verifier derived (<see cref="EventKinds.WorkloadBinding"/>, <see cref="EventKinds.RuntimeTaint"/>):
/// state was updated, no access was scored.
/// </param>
internal readonly record struct ScoreResult(int Score, Alert? Alert, bool Duplicate, bool IsLink = false)
{
    /// <summary>
    /// The staged rules' alert to publish (<see cref="Alert.Staged"/>: new, or an update), else null. Apart from
    /// <see cref="Alert"/> and <see cref="Score"/>, which no staged match changes.
    /// </summary>
    public Alert? Staged { get; init; }
}

/// <summary>
/// The scoring core: bytes or an event in, alert or not out. Pure and single-threaded (one engine per partition);
/// no I/O. Everything it remembers can be written to and read from a checkpoint.
/// </summary>
internal sealed class ScoringEngine
{
    // Each format appends to the one before, which is still read (without what it lacks): 2 adds the rules'
    // aggregation state after the recent ids, 3 the runtime links after that, 4 the principals' authentication state
    // after that, 5 the alert-flood alerts after those, 6 the okta MFA counts after those; 7 and 8 change the
    // authentication state's own layout (its ratings; its revocation time and sign-in links); 9 adds the staged rules'
    // open alerts and floods after the okta MFA counts; 10 writes the same bytes, its peer groups of cluster-local
    // principals kept per cluster (PeerIndex.Group), which a format 9 checkpoint's are not (RebuildClusterPeers); 11
    // writes the same bytes, its recent ids keyed within their source (IdKey), which a format 10 checkpoint's are not.
    private const int CheckpointFormat = 12;
    private const int CheckpointFormatWithoutHistory = 11;
    private const int CheckpointFormatWithoutSourceIds = 10;
    private const int CheckpointFormatWithoutClusterPeers = 9;
    private const int CheckpointFormatWithoutStaged = 8;
    private const int CheckpointFormatWithoutSignInLinks = 7;
    private const int CheckpointFormatWithoutRatings = 6;
    private const int CheckpointFormatWithoutOktaMfa = 5;
    private const int CheckpointFormatWithoutFloods = 4;
    private const int CheckpointFormatWithoutAuthentication = 3;
    private const int CheckpointFormatWithoutLinks = 2;
    private const int CheckpointFormatWithoutRules = 1;
    private const int CheckpointBufferBytes = 64 * 1024;
    private const int RecentIdCapacity = 65_536;

    private readonly VerifierOptions options;
    private readonly StateBudget budget;
    private readonly PolicyDetector policy;
    private readonly BaselineDetector baselines;
    private readonly RuleDetector rules;
    private readonly AuthenticationDetector authentication;
    private readonly Dictionary<string, PrincipalState> principals = new(StringComparer.Ordinal);
    private readonly PeerIndex peers = new();
    private readonly AlertBook alerts;
    private readonly AlertBook stagedAlerts;
    private readonly SuppressionList suppressions = new();
    private readonly List<Contribution> found = new(16);
    private readonly List<Contribution> stagedFound = new(4);
    private readonly HashSet<ulong> recentIds = new(RecentIdCapacity);
    private readonly ulong[] recentRing = new ulong[RecentIdCapacity];
    private readonly FirstStages firstStages = new();
    private readonly float[] features = new float[ModelFeatures.Count];
    private readonly EventReader reader = new();
    private readonly ServiceAccountNames serviceAccounts = new();
    private readonly ClusterKeys clusterKeys = new();
    private readonly HashSet<string> probeClients;
    private readonly RuntimeLinks links;
    private int recentNext;

    // After a restore from a checkpoint whose recent ids are keyed by the event id alone (format 10 and before): how many
    // more ids are remembered before the ring has pushed out the last of them. Until then an id is also looked up alone.
    private int idsKeyedAloneLeft;

    /// <param name="options">Windows and thresholds.</param>
    /// <param name="policy">The zero-trust policy; none when null.</param>
    /// <param name="model">The anomaly model host; none when null.</param>
    /// <param name="rules">The detection rules in force (swapped on reload between events); none when null.</param>
    /// <param name="budget">The caps this engine shares with the instance's other engines; its own when null.</param>
    public ScoringEngine(VerifierOptions options, ZeroTrustPolicy? policy = null, ModelHost? model = null, RuleSetHolder? rules = null, StateBudget? budget = null)
    {
        this.options = options;
        this.budget = budget ?? new StateBudget(options);
        this.budget.Register(this);
        this.policy = new PolicyDetector(policy ?? ZeroTrustPolicy.Empty);
        this.rules = new RuleDetector(rules ?? new RuleSetHolder(RuleSet.Empty));
        baselines = new BaselineDetector(options);
        authentication = new AuthenticationDetector(options.Authentication);
        alerts = new AlertBook(options.DedupWindow, this.budget, options.MaxOpenAlertsPerPrincipal);
        // The staged rules' alerts have caps of their own (per engine), so staged noise never fills the live caps.
        stagedAlerts = new AlertBook(options.DedupWindow, new StateBudget(options), options.MaxOpenAlertsPerPrincipal, staged: true);
        probeClients = new HashSet<string>(options.ProbeClients, StringComparer.Ordinal);
        links = new RuntimeLinks(options.RuntimeTaintWindow);
        Model = model;
    }

    /// <summary>Open alerts this engine holds (flood alerts not counted).</summary>
    public int OpenAlertCount => alerts.OpenCount;

    /// <summary>
    /// Workload ↔ service-account links and taints this partition holds, and the records it derived for other partitions
    /// (<see cref="RuntimeLinks.Outbox"/>): whoever drives the engine appends those to the events topic keyed by their
    /// principal (the worker) or scores them next (replay), then calls <see cref="RuntimeLinks.Delivered"/>.
    /// </summary>
    public RuntimeLinks Links => links;

    public ModelHost? Model { get; }

    public int PrincipalCount => principals.Count;

    public SuppressionList Suppressions => suppressions;

    /// <summary>The rule detector (its rule set and aggregation state).</summary>
    public RuleDetector Rules => rules;

    public long EventsScored { get; private set; }

    /// <summary>Events of <see cref="VerifierOptions.ProbeClients"/> passed over.</summary>
    public long ProbesSkipped { get; private set; }

    /// <summary>Scores one serialized event (UTF-8 JSON of <see cref="AccessEvent"/>).</summary>
    /// <remarks>Read by <see cref="EventReader"/>: one reader pass, repeated values reuse their strings.</remarks>
    public ScoreResult Score(ReadOnlySpan<byte> utf8) => Score(reader.Read(utf8));

    /// <summary>Reads one serialized event as <see cref="Score(ReadOnlySpan{byte})"/> does, for a caller that looks at it before scoring it.</summary>
    public AccessEvent Read(ReadOnlySpan<byte> utf8) => reader.Read(utf8);

    /// <summary>
    /// What this engine keeps <paramref name="e"/>'s principal's state under (<see cref="Identity.Key"/>): its id, and the
    /// cluster for an identity that exists once per cluster. Parked states are stored under it too.
    /// </summary>
    public string KeyOf(AccessEvent e) => new Identity(e, serviceAccounts, clusterKeys).Key;

    /// <summary>
    /// The key an event's id is remembered under: the id within the source Ingest stamped, so that no source's ids pass
    /// for another's — two producers may both number their events from 1, and a source must not blind another by sending
    /// its ids first. An event without a source (a replay file, the simulator) is keyed by its id alone.
    /// </summary>
    internal static ulong IdKey(AccessEvent e) =>
        e.Source is { } source ? StableHash.Combine(StableHash.Of(source), StableHash.Of(e.Id)) : StableHash.Of(e.Id);

    public ScoreResult Score(AccessEvent e)
    {
        var idHash = IdKey(e);
        if (idsKeyedAloneLeft > 0 && e.Source is not null && StableHash.Of(e.Id) is var alone && recentIds.Contains(alone))
        {
            // Remembered before the upgrade, by its id alone: a redelivery of it, or a later stage of its request, is
            // known under that key (the cost: until it is pushed out, another source's event with that id is too).
            idHash = alone;
        }

        string? firstStage = null;
        var awaitingOutcome = false;
        if (!RememberId(idHash))
        {
            // A Kubernetes request's later stage is a duplicate, unless it brings the outcome its first stage lacked.
            firstStage = RequestStages.FirstStageAwaiting(e, idHash, recentIds);
            if (firstStage is null || !RememberId(RequestStages.Outcome(idHash)))
            {
                return new ScoreResult(0, null, Duplicate: true);
            }
        }
        else if (RequestStages.AwaitingOutcome(e, idHash) is not 0 and var awaiting)
        {
            RememberId(awaiting);
            awaitingOutcome = true;
        }

        if (EventKinds.IsDerived(e.Kind))
        {
            links.Apply(e);
            return new ScoreResult(0, null, false, IsLink: true);
        }

        var who = new Identity(e, serviceAccounts, clusterKeys);
        if (who.Principal.Length == 0)
        {
            return default;
        }

        if (probeClients.Count > 0 && e.Token?.ClientId is { } client && probeClients.Contains(client))
        {
            // Synthetic traffic marked by its client: not the principal's behaviour, so neither scored nor learned.
            ProbesSkipped++;
            return default;
        }

        if (firstStage is not null)
        {
            return ScoreOutcome(e, who, firstStage, idHash);
        }

        EventsScored++;
        if (AuthenticationDetector.IsAddressTwin(e) || string.Equals(e.Kind, EventKinds.RuntimeProcess, StringComparison.Ordinal))
        {
            // An address's copy of a failed sign-in (written by Ingest so the address's failures meet here): evidence
            // for the rules that count accounts per address, not a principal with a history of its own. A process start
            // is the workload's, not an access: a busy pod starts thousands, which counted as requests would raise its
            // rate and hour baselines by themselves and, learned, hide its own accesses' spikes (docs/detection.md).
            found.Clear();
            stagedFound.Clear();
            rules.Evaluate(e, found, stagedFound);
            var rulesScore = Combine(found, who.Principal, who.Namespace, e);
            return new ScoreResult(rulesScore, rulesScore >= options.AlertThreshold ? alerts.Record(e, who, rulesScore, found) : null, false)
            {
                Staged = RecordStaged(e, who),
            };
        }

        var state = GetState(who.Key);
        var facts = default(EventFacts);
        baselines.Observe(e, who, state, ref facts);

        found.Clear();
        stagedFound.Clear();
        policy.Evaluate(e, who, state, found);
        if (awaitingOutcome)
        {
            rules.EvaluateAwaitingOutcome(e, found, stagedFound);
        }
        else
        {
            rules.Evaluate(e, found, stagedFound);
        }
        authentication.Evaluate(e, who, state, found);
        baselines.Evaluate(e, who, state, peers, facts, found);
        var modelHost = Model;
        if (modelHost is not null)
        {
            ModelFeatures.Fill(features, state, facts);
            modelHost.Evaluate(features, e.Time, found);
        }

        var runtime = RuntimeDetector.Read(e);
        if (runtime is not null)
        {
            found.Add(RuntimeDetector.Contribution(e, runtime));
        }

        links.Evaluate(e, who, found);

        var score = Combine(found, who.Principal, who.Namespace, e);
        var alerting = score >= options.AlertThreshold;
        baselines.Learn(e, state, peers, facts, alerting);
        if (modelHost is not null)
        {
            modelHost.Observe(features, e.Time, alerting);
        }

        // A runtime alert an analyst suppressed for this workload taints nothing.
        if (runtime is not null && !Contains(found, Detectors.Runtime, runtime.Rule))
        {
            runtime = null;
        }

        links.Derive(e, who, facts.NewWorkload, runtime);
        if (awaitingOutcome)
        {
            firstStages.Remember(idHash, found);
        }

        return new ScoreResult(score, alerting ? alerts.Record(e, who, score, found) : null, false) { Staged = RecordStaged(e, who) };
    }

    /// <summary>
    /// A request's outcome, from a later stage of a request scored at a stage without one (<see cref="RequestStages"/>):
    /// the rules its outcome decides and the denial count, not another request for the baselines, the model or the policy.
    /// </summary>
    /// <remarks>
    /// The outcome completes the request its first stage began, so it is scored with what that stage found (the policy, the
    /// rules the request decided alone): the request reaches the alert threshold, and its alert the reasons, exactly as
    /// when both stages come in one body and it is scored once. The first stage's alert, when it raised one, is the
    /// request's: its later stage adds its reasons there, never a second occurrence (<see cref="AlertBook.Record"/>).
    /// </remarks>
    private ScoreResult ScoreOutcome(AccessEvent e, in Identity who, string firstStage, ulong idHash)
    {
        var state = GetState(who.Key);
        found.Clear();
        stagedFound.Clear();
        rules.EvaluateOutcome(e, RequestStages.AsItArrived(e, firstStage), found, stagedFound);
        baselines.CountDenial(e, state, found);
        var earlier = firstStages.Take(idHash);
        if (found.Count == 0 || earlier is null)
        {
            var alone = Combine(found, who.Principal, who.Namespace, e);
            return new ScoreResult(alone, alone >= options.AlertThreshold ? alerts.Record(e, who, alone, found, outcomeOfEarlierStage: true) : null, false)
            {
                Staged = RecordStaged(e, who, outcomeOfEarlierStage: true),
            };
        }

        found.InsertRange(0, earlier);
        var score = Combine(found, who.Principal, who.Namespace, e);
        return new ScoreResult(score, score >= options.AlertThreshold ? alerts.Record(e, who, score, found, outcomeOfEarlierStage: true) : null, false)
        {
            Staged = RecordStaged(e, who, outcomeOfEarlierStage: true),
        };
    }

    /// <summary>
    /// The staged rules' matches of this event as their own alert: scored among themselves, under the analysts' verdicts
    /// like any reason (so a staged rule can be tuned), and raised on any match, whatever its score — a staged rule is on
    /// trial for what it matches, which a threshold would hide. Null when no staged rule matched (or all were suppressed).
    /// </summary>
    private Alert? RecordStaged(AccessEvent e, in Identity who, bool outcomeOfEarlierStage = false)
    {
        if (stagedFound.Count == 0)
        {
            return null;
        }

        var score = Combine(stagedFound, who.Principal, who.Namespace, e);
        return stagedFound.Count == 0 ? null : stagedAlerts.Record(e, who, score, stagedFound, outcomeOfEarlierStage);
    }

    private static bool Contains(List<Contribution> found, string detector, string rule)
    {
        foreach (var c in found)
        {
            if (string.Equals(c.Detector, detector, StringComparison.Ordinal) && string.Equals(c.Rule, rule, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// In one process holding every principal (replay, simulation, tests): scores the records the engine derived for other
    /// partitions straight away, as the event log would deliver them to this engine if it owned every partition.
    /// </summary>
    public void DeliverLinksLocally()
    {
        while (links.Outbox.Count > 0)
        {
            var pending = links.Outbox.ToArray();
            links.Delivered(pending.Length);
            foreach (var e in pending)
            {
                Score(e);
            }
        }
    }

    /// <summary>
    /// Drops from <paramref name="reasons"/> what an analyst's verdict suppresses and combines the rest as independent
    /// evidence: risk = 1 - Π(1 - s_i/100).
    /// </summary>
    /// <remarks>
    /// A verdict names the principal by its id (<see cref="AlertFeedback.Principal"/>) and, apart, the cluster it holds in
    /// (<see cref="AlertFeedback.Cluster"/>, none for every cluster): <paramref name="principal"/> is the id, not the state
    /// key, and the cluster compared is the one the event names, so a suppression made in staging holds for a person's
    /// events in staging too, never for a cluster-local account of the same name in prod.
    /// </remarks>
    private int Combine(List<Contribution> reasons, string principal, string? ns, AccessEvent e)
    {
        if (reasons.Count == 0)
        {
            return 0;
        }

        var resourceClass = e.Resource?.DataClass ?? e.Resource?.Type ?? e.Kind;
        var cluster = suppressions.Count == 0 ? null : clusterKeys.ClusterOf(e);
        var keep = 1.0;
        for (var i = reasons.Count - 1; i >= 0; i--)
        {
            var c = reasons[i];
            if (suppressions.IsSuppressed(principal, c.Detector, c.Rule, resourceClass, ns, cluster, e.Time.UtcTicks))
            {
                reasons.RemoveAt(i);
                continue;
            }

            keep *= 1 - (Math.Clamp(c.Score, 0, 100) / 100.0);
        }

        return (int)Math.Round(100 * (1 - keep));
    }

    /// <summary>Applies an analyst verdict: suppression of its scope, and its behaviour folded into the baseline.</summary>
    public void ApplyFeedback(AlertFeedback feedback)
    {
        suppressions.Add(feedback);
        if (string.Equals(feedback.Verdict, "false_positive", StringComparison.Ordinal) && !feedback.Lifted
            && feedback.ResourceClass is { } rc)
        {
            // A data class judged legitimate becomes known, so first-access reasons stop for it for good: in each cluster's
            // state of the id where the suppression holds in every cluster, else in that cluster's alone (and a person's one
            // key, which names no cluster). Rare: a scan is fine.
            foreach (var (key, s) in principals)
            {
                var (id, cluster) = ClusterKeys.Split(key);
                if (string.Equals(id, feedback.Principal, StringComparison.Ordinal)
                    && (string.IsNullOrEmpty(feedback.Cluster)
                        || string.Equals(cluster, feedback.Cluster, StringComparison.Ordinal)
                        || (cluster is null && !ClusterKeys.IsClusterLocal(id))))
                {
                    s.DataClasses.Add(StableHash.Of(rc));
                }
            }
        }
    }

    /// <param name="principal">A state key: the id, or for a principal of one cluster <see cref="ClusterKeys.Key"/>.</param>
    public PrincipalState? StateOf(string principal) => principals.GetValueOrDefault(principal);

    /// <summary>Whether this engine tracks <paramref name="principal"/> now.</summary>
    public bool Knows(string principal) => principals.ContainsKey(principal);

    /// <summary>Takes back a principal's state parked when it was evicted (before its next event is scored).</summary>
    public void Adopt(string principal, PrincipalState state)
    {
        if (!principals.ContainsKey(principal))
        {
            budget.MakeRoom();
            principals[principal] = state;
            budget.Principals++;
        }
    }

    private PrincipalState GetState(string principal)
    {
        if (!principals.TryGetValue(principal, out var s))
        {
            budget.MakeRoom();
            s = new PrincipalState();
            principals[principal] = s;
            budget.Principals++;
        }

        return s;
    }

    /// <summary>Adds when each principal was last seen (event time) to <paramref name="into"/>.</summary>
    public void CollectLastSeen(List<long> into)
    {
        foreach (var s in principals.Values)
        {
            into.Add(s.LastSeenTicks);
        }
    }

    /// <summary>
    /// Gives up the principals last seen at or before <paramref name="cutoffTicks"/> (rare: only past the instance's
    /// <see cref="VerifierOptions.MaxPrincipals"/>). The caller parks what it gets.
    /// </summary>
    public List<(string Principal, PrincipalState State)> EvictSeenUpTo(long cutoffTicks)
    {
        var stale = new List<(string, PrincipalState)>();
        foreach (var (k, s) in principals)
        {
            if (s.LastSeenTicks <= cutoffTicks)
            {
                stale.Add((k, s));
            }
        }

        foreach (var (k, _) in stale)
        {
            principals.Remove(k);
        }

        budget.Principals -= stale.Count;
        return stale;
    }

    private bool RememberId(ulong hash)
    {
        if (!recentIds.Add(hash))
        {
            return false;
        }

        var old = recentRing[recentNext];
        if (old != 0)
        {
            recentIds.Remove(old);
        }

        recentRing[recentNext] = hash;
        recentNext = (recentNext + 1) % RecentIdCapacity;
        if (idsKeyedAloneLeft > 0)
        {
            idsKeyedAloneLeft--;
        }

        return true;
    }

    /// <summary>Writes everything the engine remembers (gzip-compressed binary, versioned).</summary>
    public void WriteCheckpoint(Stream stream)
    {
        // BinaryWriter writes each field as its own few bytes; straight into GZipStream every one of them was a call
        // into zlib (about half of a checkpoint's CPU). The buffer hands zlib whole blocks; the stream is the same gzip.
        using var gz = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        using var buffered = new BufferedStream(gz, CheckpointBufferBytes);
        using var w = new BinaryWriter(buffered);
        WriteState(w);
    }

    /// <summary>The checkpoint's uncompressed content, in order.</summary>
    internal void WriteState(BinaryWriter w)
    {
        w.Write(CheckpointFormat);
        w.Write(EventsScored);
        w.Write(principals.Count);
        foreach (var (k, s) in principals)
        {
            w.Write(k);
            s.Write(w);
        }

        peers.Write(w);
        alerts.Write(w);
        suppressions.Write(w);
        w.Write(recentNext);
        w.Write(RecentIdCapacity);
        foreach (var h in recentRing)
        {
            w.Write(h);
        }

        rules.Aggregations.Write(w);
        links.Write(w);
        var signedIn = principals.Count(kv => kv.Value.Authentication is not null);
        w.Write(signedIn);
        foreach (var (k, s) in principals)
        {
            if (s.Authentication is { } a)
            {
                w.Write(k);
                a.Write(w);
            }
        }

        alerts.WriteFloods(w);
        rules.OktaMfa.Write(w);
        stagedAlerts.Write(w);
        stagedAlerts.WriteFloods(w);
    }

    public void ReadCheckpoint(Stream stream)
    {
        // As in WriteCheckpoint: whole blocks out of zlib rather than one call per field.
        using var gz = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        using var buffered = new BufferedStream(gz, CheckpointBufferBytes);
        using var r = new BinaryReader(buffered);
        ReadState(r);
    }

    /// <summary>Restores the content <see cref="WriteState"/> wrote (any earlier format too).</summary>
    internal void ReadState(BinaryReader r)
    {
        var format = r.ReadInt32();
        if (format is < CheckpointFormatWithoutRules or > CheckpointFormat)
        {
            throw new InvalidDataException(
                $"verifier checkpoint format {format} is not one of {CheckpointFormatWithoutRules}–{CheckpointFormat}");
        }

        EventsScored = r.ReadInt64();
        budget.Principals -= principals.Count;
        principals.Clear();
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var k = r.ReadString();
            principals[k] = PrincipalState.Read(r);
        }

        // A restored partition may hold more than this instance's cap allows; the next new principal evicts down to it.
        budget.Principals += principals.Count;

        peers.Read(r);
        alerts.Read(r);
        suppressions.Read(r);
        recentNext = r.ReadInt32();
        var cap = r.ReadInt32();
        recentIds.Clear();
        for (var i = 0; i < cap; i++)
        {
            var h = r.ReadUInt64();
            if (i < RecentIdCapacity)
            {
                recentRing[i] = h;
                if (h != 0)
                {
                    recentIds.Add(h);
                }
            }
        }

        recentNext %= RecentIdCapacity;
        idsKeyedAloneLeft = format <= CheckpointFormatWithoutSourceIds ? RecentIdCapacity : 0;
        if (format >= CheckpointFormatWithoutLinks)
        {
            rules.Aggregations.Read(r);
        }
        else
        {
            rules.Aggregations.Clear();
        }

        if (format >= CheckpointFormatWithoutAuthentication)
        {
            links.Read(r);
        }
        else
        {
            links.Clear();
        }

        if (format >= CheckpointFormatWithoutFloods)
        {
            var signedIn = r.ReadInt32();
            for (var j = 0; j < signedIn; j++)
            {
                var k = r.ReadString();
                var a = AuthenticationState.Read(r, format switch
                {
                    >= CheckpointFormat => AuthenticationState.LayoutHistory,
                    >= CheckpointFormatWithoutStaged and <= CheckpointFormatWithoutHistory => AuthenticationState.LayoutSignIns,
                    CheckpointFormatWithoutSignInLinks => AuthenticationState.LayoutRatings,
                    _ => AuthenticationState.LayoutSessions,
                });
                if (principals.TryGetValue(k, out var s))
                {
                    s.Authentication = a;
                }
            }
        }

        if (format >= CheckpointFormatWithoutOktaMfa)
        {
            alerts.ReadFloods(r);
        }

        if (format >= CheckpointFormatWithoutRatings)
        {
            rules.OktaMfa.Read(r);
        }
        else
        {
            rules.OktaMfa.Clear();
        }

        if (format > CheckpointFormatWithoutStaged)
        {
            stagedAlerts.Read(r);
            stagedAlerts.ReadFloods(r);
        }

        if (format <= CheckpointFormatWithoutClusterPeers)
        {
            RebuildClusterPeers();
        }
    }

    /// <summary>
    /// Gives the service accounts and workloads of a checkpoint written before peer groups were kept per cluster their
    /// namespace's group in their cluster, from the data classes each restored principal has used.
    /// </summary>
    /// <remarks>
    /// Such a checkpoint's groups are one per namespace name, every cluster's principals of that name mixed; they are kept
    /// as they are for principals keyed without a cluster (which is what they were for a single cluster). A principal's
    /// own classes are what it taught its group (<see cref="BaselineDetector.Learn"/> adds both), so the rebuilt groups are
    /// what the engine would have learnt from the principals it still holds, in their clusters only. Nodes and the API
    /// server's other users take their namespace from each event's workload, which the key does not say: their groups
    /// in a cluster start empty, which errs towards "no peer uses it", and fill as they learn.
    /// </remarks>
    private void RebuildClusterPeers()
    {
        foreach (var (key, state) in principals)
        {
            var (id, cluster) = ClusterKeys.Split(key);
            if (cluster is null)
            {
                continue;
            }

            // A keyed id that no subject prefix makes cluster-local is a workload's (an event without a subject), and a
            // workload's id is namespace/name.
            string? ns = null;
            if (id.StartsWith(ServiceAccountNames.Prefix, StringComparison.Ordinal))
            {
                ns = ServiceAccountNames.Split(id)?.Namespace;
            }
            else if (!ClusterKeys.IsClusterLocal(id) && id.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash)
            {
                ns = id[..slash];
            }

            if (ns is null)
            {
                continue;
            }

            var group = PeerIndex.Group(StableHash.Of(ns), StableHash.Of(cluster));
            foreach (var dataClass in state.DataClasses.Items)
            {
                peers.Add(group, dataClass);
            }
        }
    }

    public byte[] Checkpoint()
    {
        using var ms = new MemoryStream();
        WriteCheckpoint(ms);
        return ms.ToArray();
    }

    public void Restore(byte[] checkpoint)
    {
        using var ms = new MemoryStream(checkpoint);
        ReadCheckpoint(ms);
    }
}
