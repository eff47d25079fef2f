using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ZtStream.Contracts.Alerts;
using ZtStream.Responder.Actions;
using ZtStream.Responder.Alerts;

namespace ZtStream.Host.Demo;

/// <summary>
/// Watches the Responder's store and prints one line per new alert and per action outcome, with the time from
/// the attack's first event to the alert and to enforcement; keeps the numbers for the closing summary.
/// </summary>
internal sealed class DemoMonitor(IServiceProvider services, DemoFeed feed, TextWriter output, Stopwatch clock)
{
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

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await PollOnceAsync(cancellationToken);
        }
    }

    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var alertStore = services.GetRequiredService<AlertStore>();
        var actionStore = services.GetRequiredService<ActionStore>();
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
                    var ms = (action.UpdatedAt - attack.SentAt).TotalMilliseconds;
                    timeToEnforcement.Add(ms);
                    latency = $"enforced +{ms:0} ms";
                }
            }

            await WriteAsync($"→ {action.Kind}", action.Principal ?? "-", scenario, $"{action.State}: {action.Target}{(action.Error is null ? "" : " — " + action.Error)}", latency);
        }
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

    private async Task WriteAsync(string what, string principal, string scenario, string detail, string latency)
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
