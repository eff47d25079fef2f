namespace ZtStream.Host.Demo;

/// <summary>
/// Watches the Responder's store and prints one line per new alert and per action outcome, with the time from
/// the attack's first event to the alert and to enforcement; keeps the numbers for the closing summary.
/// </summary>
internal sealed class DemoMonitor(EmbeddedPipeline pipeline, DemoFeed feed, TextWriter output, Stopwatch clock) : IDisposable
{
    /// <summary>The OAuth client of the probe's tokens: the Verifier passes over its traffic (Verifier:ProbeClients).</summary>
    public const string ProbeClient = "ztstream-demo-probe";

    private static readonly string[] Revocations = [ActionKinds.RevokeToken, ActionKinds.RevokeSubjectSessions];
    private readonly HttpClient sample = new() { BaseAddress = pipeline.SampleUrl, Timeout = TimeSpan.FromSeconds(5) };
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> tokens = new(StringComparer.Ordinal);
    private readonly List<Task> refusals = [];
    private static readonly string[] Enforced = [ActionStates.Done, ActionStates.Active, ActionStates.Released];
    private readonly HashSet<string> seenAlerts = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, string> actionStates = [];
    private readonly Dictionary<string, int> detected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> actions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AttackStart> alertAttack = new(StringComparer.Ordinal);
    private readonly HashSet<string> enforcedScenarios = new(StringComparer.Ordinal);
    private readonly List<double> timeToAlert = [];
    private readonly List<double> timeToEnforcement = [];
    private readonly HashSet<string> alertedScenarios = new(StringComparer.Ordinal);
    private bool headerWritten;

    /// <summary>Attacks that have at least one alert so far.</summary>
    public int AlertedAttacks => alertedScenarios.Count;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await PollOnceAsync(cancellationToken);
        }
    }

    public void Dispose() => sample.Dispose();

    /// <summary>The attacked identity signs in to the sample service while it is still trusted.</summary>
    public void OnAttackStarting(AttackStart attack) =>
        tokens.TryAdd(attack.Principal, pipeline.SampleTokens.CreateToken(attack.Principal, sessionId: null, clientId: ProbeClient, minutes: 60));

    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var alertStore = pipeline.Services.GetRequiredService<AlertStore>();
        var actionStore = pipeline.Services.GetRequiredService<ActionStore>();

        foreach (var stored in (await alertStore.QueryAsync(new AlertQuery(Limit: 500), cancellationToken)).Reverse())
        {
            if (!seenAlerts.Add(stored.Alert.Id))
            {
                continue;
            }

            var alert = stored.Alert;
            string scenario = "-", latency = "";
            if (feed.AttacksByPrincipal.TryGetValue(alert.Principal, out var attack) && stored.CreatedAt >= attack.SentAt)
            {
                scenario = attack.Scenario;
                alertAttack[alert.Id] = attack;
                detected[scenario] = detected.GetValueOrDefault(scenario) + 1;
                if (alertedScenarios.Add(scenario))
                {
                    var ms = (stored.CreatedAt - attack.SentAt).TotalMilliseconds;
                    timeToAlert.Add(ms);
                    latency = $"alert +{ms:0} ms";
                }
            }

            var reason = alert.Reasons.Count > 0 ? alert.Reasons[0].Text : alert.Detector;
            await WriteAsync(alert.Severity.ToUpperInvariant(), alert.Principal, scenario, reason, latency);
        }

        foreach (var action in await actionStore.QueryAsync(new ActionQuery(Limit: 500), cancellationToken))
        {
            if (actionStates.TryGetValue(action.Id, out var state) && state == action.State)
            {
                continue;
            }

            actionStates[action.Id] = action.State;
            string scenario = "-", latency = "";
            var attack = action.AlertId is not null && alertAttack.TryGetValue(action.AlertId, out var a) ? a : null;
            if (attack is not null)
            {
                scenario = attack.Scenario;
            }

            if (Enforced.Contains(action.State))
            {
                if (action.State != ActionStates.Released)
                {
                    actions[action.Kind] = actions.GetValueOrDefault(action.Kind) + 1;
                }

                if (attack is not null && enforcedScenarios.Add(attack.Scenario))
                {
                    if (Revocations.Contains(action.Kind) && action.SubjectId is { } subject && tokens.TryGetValue(subject, out var token))
                    {
                        // Enforcement is when the SDK-protected service refuses the identity, not when the store says so.
                        refusals.Add(WatchRefusalAsync(attack, subject, token, cancellationToken));
                    }
                    else
                    {
                        var ms = (action.UpdatedAt - attack.SentAt).TotalMilliseconds;
                        lock (timeToEnforcement)
                        {
                            timeToEnforcement.Add(ms);
                        }

                        latency = $"enforced +{ms:0} ms";
                    }
                }
            }

            await WriteAsync($"→ {action.Kind}", action.Principal ?? "-", scenario, $"{action.State}: {action.Target}{(action.Error is null ? "" : " — " + action.Error)}", latency);
        }
    }

    /// <summary>Waits for the refusals being watched (bounded by their own timeouts).</summary>
    public Task DrainAsync() => Task.WhenAll(refusals);

    private async Task WatchRefusalAsync(AttackStart attack, string subject, string token, CancellationToken cancellationToken)
    {
        var probe = new SampleProbe(sample, TimeProvider.System, TimeSpan.FromMilliseconds(50));
        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        within.CancelAfter(TimeSpan.FromSeconds(10));
        if (await probe.UntilRefusedAsync(token, within.Token) is not { } refused)
        {
            return;
        }

        var ms = (refused - attack.SentAt).TotalMilliseconds;
        lock (timeToEnforcement)
        {
            timeToEnforcement.Add(ms);
        }

        await WriteAsync("→ sample service: 401", subject, attack.Scenario, "token refused: revoked (SDK enforcement)", $"enforced +{ms:0} ms");
    }

    public string SummaryJson()
    {
        var summary = new JsonObject
        {
            ["detected"] = ToJson(detected),
            ["actions"] = ToJson(actions),
            ["time_to_alert_ms"] = Percentiles(timeToAlert),
            ["time_to_enforcement_ms"] = Percentiles(timeToEnforcement),
            ["events"] = feed.EventsSent,
        };
        return summary.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static JsonObject ToJson(Dictionary<string, int> counts)
    {
        var o = new JsonObject();
        foreach (var (k, v) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }

        return o;
    }

    private static JsonObject Percentiles(List<double> values)
    {
        if (values.Count == 0)
        {
            return new JsonObject { ["p50"] = null, ["p99"] = null };
        }

        var sorted = values.Order().ToArray();
        static double At(double[] s, double q) => Math.Round(s[Math.Min(s.Length - 1, (int)Math.Ceiling(q * s.Length) - 1)], 1);
        return new JsonObject { ["p50"] = At(sorted, 0.50), ["p99"] = At(sorted, 0.99) };
    }

    private readonly SemaphoreSlim writing = new(1, 1);

    private async Task WriteAsync(string what, string principal, string scenario, string detail, string latency)
    {
        await writing.WaitAsync();
        try
        {
            await WriteLineAsync(what, principal, scenario, detail, latency);
        }
        finally
        {
            writing.Release();
        }
    }

    private async Task WriteLineAsync(string what, string principal, string scenario, string detail, string latency)
    {
        if (!headerWritten)
        {
            await output.WriteLineAsync($"{"elapsed",8}  {"what",-28} {"principal",-34} {"scenario",-26} {"latency",-18} detail");
            headerWritten = true;
        }

        var elapsed = clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        await output.WriteLineAsync($"{elapsed,8}  {Cut(what, 28),-28} {Cut(principal, 34),-34} {Cut(scenario, 26),-26} {latency,-18} {Cut(detail, 110)}");
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max - 1), "…");
}
