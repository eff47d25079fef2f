using System.Collections.Concurrent;
using ZtStream.Verifier.Scoring;

namespace ZtStream.Host.Bench;

/// <summary>
/// Watches one bench run through the pipeline: counts the bench's events the Verifier scored (so <c>lost</c> is a count,
/// not an estimate), times each stage — event log → Verifier for every record, Verifier → stored alert, stored alert →
/// action done, action done → the SDK-protected sample service refusing the identity — and follows each injected attack
/// to its alert and its enforcement.
/// </summary>
internal sealed class BenchMonitor : IDisposable
{
    private static readonly string[] Revocations = [ActionKinds.RevokeToken, ActionKinds.RevokeSubjectSessions];
    private static readonly string[] Enforced = [ActionStates.Done, ActionStates.Active, ActionStates.Released];

    private readonly EmbeddedPipeline pipeline;
    private readonly string source;
    private readonly TimeProvider time;
    private readonly HttpClient sample;
    private readonly SampleProbe probe;
    private readonly ConcurrentDictionary<string, Attack> attacks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Raised> raised = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> actionsSeen = [];
    private readonly List<Task> probes = [];
    private readonly CancellationTokenSource stopProbes = new();
    private long scored;
    private long duplicates;
    private long alerts;
    private long lastScoredTicks;

    public BenchMonitor(EmbeddedPipeline pipeline, string source, TimeProvider time)
    {
        this.pipeline = pipeline;
        this.source = source;
        this.time = time;
        sample = new HttpClient { BaseAddress = pipeline.SampleUrl, Timeout = TimeSpan.FromSeconds(5) };
        probe = new SampleProbe(sample, time);
        pipeline.Services.GetRequiredService<VerifierWorkers>().RecordScored = OnScored;
        lock (probes)
        {
            probes.Add(SampleThreadPoolAsync(stopProbes.Token));
        }
    }

    /// <summary>Event log → Verifier, for every record of the bench's source.</summary>
    public LatencySamples LogToVerifier { get; } = new();

    public LatencySamples VerifierToAlert { get; } = new();

    public LatencySamples AlertToActionDone { get; } = new();

    public LatencySamples ActionToRefusal { get; } = new();

    public LatencySamples TimeToAlert { get; } = new();

    public LatencySamples TimeToEnforcement { get; } = new();

    /// <summary>
    /// Where each attack's time to enforcement went, stage by stage along the path that enforced it (the attack's
    /// first event sent → the alerting record appended → scored → alert stored → action decided → action done →
    /// refused by the SDK); the stages of one attack add up to its time to enforcement.
    /// </summary>
    public AttackStages AttackStages { get; } = new();

    /// <summary>
    /// How long a work item queued to the thread pool waits before a thread runs it, sampled every 10 ms through the
    /// run: every continuation of the alert → action → feed path waits this long for a thread at each step.
    /// </summary>
    public LatencySamples ThreadPoolDelay { get; } = new();

    /// <summary>The bench's events the Verifier scored (each event once: re-deliveries are not counted).</summary>
    public long Scored => Interlocked.Read(ref scored);

    public long Duplicates => Interlocked.Read(ref duplicates);

    /// <summary>Alerts the Verifier raised or updated while scoring the bench's events.</summary>
    public long Alerts => Interlocked.Read(ref alerts);

    /// <summary>When the last of the bench's events was scored (wall clock), or null before the first.</summary>
    public DateTimeOffset? LastScoredAt => Interlocked.Read(ref lastScoredTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public int AttacksStarted => attacks.Count;

    public int AttacksAlerted => attacks.Values.Count(a => a.AlertedAt is not null);

    public int AttacksEnforced => attacks.Values.Count(a => a.EnforcedAt is not null);

    /// <summary>Probes of the sample service that failed or timed out (asked again, never taken as a refusal).</summary>
    public long ProbeErrors => probe.Errors;

    /// <summary>Every attack alerted, none of its actions still on the way, and every revocation refused by the SDK.</summary>
    public bool Settled => attacks.Values.All(a => a.AlertedAt is not null && a.PendingActions.Count == 0 && (!a.Revocable || a.RefusedAt is not null));

    /// <summary>The attacked identity signs in to the sample service as its attack starts, and is probed until refused.</summary>
    public void OnAttackStarting(AttackMark mark)
    {
        var token = pipeline.SampleTokens.CreateToken(mark.Principal, sessionId: null, clientId: "bench", minutes: 60);
        var attack = new Attack(mark.Scenario, mark.Principal, token, time.GetUtcNow());
        if (attacks.TryAdd(mark.Principal, attack))
        {
            lock (probes)
            {
                probes.Add(ProbeAsync(attack, stopProbes.Token));
            }
        }
    }

    /// <summary>The batch holding an attack's first event was acknowledged.</summary>
    public void OnAttackAcknowledged(AttackMark mark)
    {
        if (attacks.TryGetValue(mark.Principal, out var attack))
        {
            attack.AcknowledgedAt ??= time.GetUtcNow();
        }
    }

    /// <summary>Reads the alerts and actions of the attacked principals from the Responder's store.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var alertStore = pipeline.Services.GetRequiredService<AlertStore>();
        var actionStore = pipeline.Services.GetRequiredService<ActionStore>();
        foreach (var attack in attacks.Values)
        {
            foreach (var stored in await alertStore.QueryAsync(new AlertQuery(Principal: attack.Principal, Since: null, Limit: 100), cancellationToken))
            {
                if (stored.CreatedAt < attack.SentAt)
                {
                    continue;
                }

                if (attack.Alerts.Add(stored.Alert.Id))
                {
                    if (raised.TryGetValue(stored.Alert.Id, out var at))
                    {
                        VerifierToAlert.Add((stored.CreatedAt - at.Scored).TotalMilliseconds);
                    }

                    if (attack.AlertedAt is null || stored.CreatedAt < attack.AlertedAt)
                    {
                        attack.AlertedAt = stored.CreatedAt;
                    }
                }

                foreach (var action in await actionStore.QueryAsync(new ActionQuery(AlertId: stored.Alert.Id, Limit: 100), cancellationToken))
                {
                    if (!Enforced.Contains(action.State))
                    {
                        // Queued or dispatched is on its way; awaiting approval, failed or expired will not be enforced.
                        if (action.State is ActionStates.Queued or ActionStates.Dispatched)
                        {
                            attack.PendingActions.Add(action.Id);
                        }
                        else
                        {
                            attack.PendingActions.Remove(action.Id);
                        }

                        continue;
                    }

                    attack.PendingActions.Remove(action.Id);
                    if (!actionsSeen.Add(action.Id))
                    {
                        continue;
                    }

                    AlertToActionDone.Add((action.UpdatedAt - stored.CreatedAt).TotalMilliseconds);
                    var path = new EnforcementPath(raised.TryGetValue(stored.Alert.Id, out var r) ? r : null, stored.CreatedAt, action.CreatedAt, action.UpdatedAt);
                    if (Revocations.Contains(action.Kind))
                    {
                        attack.Revocable = true;
                        attack.Revocation = attack.Revocation is { } known && known.Done <= path.Done ? known : path;
                    }
                    else
                    {
                        attack.Isolation = attack.Isolation is { } known && known.Done <= path.Done ? known : path;
                    }
                }
            }
        }
    }

    /// <summary>Turns what was seen into the attacks' times; call once, after the last poll.</summary>
    public void Finish()
    {
        foreach (var attack in attacks.Values)
        {
            if (attack.AlertedAt is { } alerted)
            {
                TimeToAlert.Add((alerted - attack.SentAt).TotalMilliseconds);
            }

            if (attack.RefusedAt is { } refused && attack.RevokedAt is { } revoked)
            {
                ActionToRefusal.Add((refused - revoked).TotalMilliseconds);
            }

            if (attack.EnforcedAt is { } enforced)
            {
                TimeToEnforcement.Add((enforced - attack.SentAt).TotalMilliseconds);
                attack.Stages = AttackStages.Add(attack.SentAt, attack.AcknowledgedAt, attack.EnforcedBy, enforced);
            }
        }
    }

    public async Task StopProbesAsync()
    {
        await stopProbes.CancelAsync();
        Task[] running;
        lock (probes)
        {
            running = [.. probes];
        }

        await Task.WhenAll(running);
    }

    public JsonObject Detected()
    {
        var detected = new JsonObject();
        foreach (var attack in attacks.Values.OrderBy(a => a.Scenario, StringComparer.Ordinal))
        {
            detected[attack.Scenario] = new JsonObject
            {
                ["principal"] = attack.Principal,
                ["alerted"] = attack.AlertedAt is not null,
                ["revoked"] = attack.Revocable ? attack.RefusedAt is not null : null,
                ["isolated"] = attack.IsolatedAt is not null,
                ["stages_ms"] = attack.Stages,
            };
        }

        return detected;
    }

    public void Dispose()
    {
        pipeline.Services.GetRequiredService<VerifierWorkers>().RecordScored = null;
        stopProbes.Dispose();
        sample.Dispose();
    }

    private void OnScored(ConsumedRecord record, ScoreResult result)
    {
        var now = time.GetUtcNow();
        if (result.Alert is { Count: 1 } alert)
        {
            raised.TryAdd(alert.Id, new Raised(record.Timestamp, now));
        }

        if (!record.Headers.TryGetValue(Ingest.Endpoints.EventAppender.SourceHeader, out var from) || from != source)
        {
            return;
        }

        LogToVerifier.Add((now - record.Timestamp).TotalMilliseconds);
        if (result.Alert is not null)
        {
            Interlocked.Increment(ref alerts);
        }

        if (result.Duplicate)
        {
            Interlocked.Increment(ref duplicates);
            return;
        }

        Interlocked.Increment(ref scored);
        Interlocked.Exchange(ref lastScoredTicks, now.UtcTicks);
    }

    private async Task SampleThreadPoolAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var queued = Stopwatch.GetTimestamp();
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Delay.Add(Stopwatch.GetElapsedTime(state.Queued).TotalMilliseconds), (Delay: ThreadPoolDelay, Queued: queued), preferLocal: false);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Probes the sample service with the attack's token until it refuses it: when, is the attack's enforcement.</summary>
    private async Task ProbeAsync(Attack attack, CancellationToken cancellationToken) =>
        attack.RefusedAt = await probe.UntilRefusedAsync(attack.Token, cancellationToken) ?? attack.RefusedAt;

    private sealed class Attack(string scenario, string principal, string token, DateTimeOffset sentAt)
    {
        public string Scenario { get; } = scenario;

        public string Principal { get; } = principal;

        public string Token { get; } = token;

        public DateTimeOffset SentAt { get; } = sentAt;

        public HashSet<string> Alerts { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? AlertedAt { get; set; }

        /// <summary>When the batch holding its first event was acknowledged.</summary>
        public DateTimeOffset? AcknowledgedAt { get; set; }

        /// <summary>The first revocation action done for it, and how it got there; its enforcement is when the sample service refuses the token.</summary>
        public EnforcementPath? Revocation { get; set; }

        public DateTimeOffset? RevokedAt => Revocation?.Done;

        public DateTimeOffset? RefusedAt { get; set; }

        /// <summary>The first isolation in force for it, and how it got there.</summary>
        public EnforcementPath? Isolation { get; set; }

        public DateTimeOffset? IsolatedAt => Isolation?.Done;

        public JsonObject? Stages { get; set; }

        /// <summary>A revocation of it was done: the sample service must end up refusing it.</summary>
        public bool Revocable { get; set; }

        public HashSet<Guid> PendingActions { get; } = [];

        /// <summary>The first enforcement: the SDK refusing the identity, or an isolation in force.</summary>
        public DateTimeOffset? EnforcedAt => RefusedAt is { } r && (IsolatedAt is not { } i || r < i) ? r : IsolatedAt;

        /// <summary>The path of <see cref="EnforcedAt"/>: the revocation the SDK refused, or the isolation.</summary>
        public EnforcementPath? EnforcedBy => RefusedAt is { } r && (IsolatedAt is not { } i || r < i) ? Revocation : Isolation;
    }
}
