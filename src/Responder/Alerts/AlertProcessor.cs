namespace ZtStream.Responder.Alerts;

/// <summary>
/// Stores an alert (or its update) and lets the policy decide what to do about it. A new alert past a cap on open
/// alerts (<see cref="ResponderOptions.MaxOpenAlertsPerPrincipal"/>, <see cref="ResponderOptions.MaxOpenAlerts"/>) is
/// merged into one "alert flood" alert instead: kept whole in that alert's history and in the audit trail, not acted on.
/// </summary>
internal sealed class AlertProcessor(
    AlertStore alerts, ResponseDecider decider, AuditLog audit, IOptions<ResponderOptions> options, ResponderTelemetry telemetry, TimeProvider time)
{
    public const string FloodRule = "alert_flood";

    private static readonly TimeSpan FloodWindow = TimeSpan.FromHours(1);

    public async Task<AlertUpsertOutcome> HandleAsync(Alert alert, CancellationToken cancellationToken)
    {
        using var activity = ResponderTelemetry.Source.StartActivity("responder.alert");
        activity?.SetTag("ztstream.alert.id", alert.Id);
        activity?.SetTag("ztstream.alert.severity", alert.Severity);
        // A staged rule's alert is neither counted against nor merged by the live caps (the Verifier caps its own).
        if (alert.RaisedBy is null && !alert.Staged && await alerts.GetAsync(alert.Id, cancellationToken) is null)
        {
            var (mine, all) = await alerts.OpenCountsAsync(alert.Principal, alert.PrincipalCluster, cancellationToken);
            var o = options.Value;
            if (mine >= o.MaxOpenAlertsPerPrincipal || all >= o.MaxOpenAlerts)
            {
                await MergeIntoFloodAsync(alert, perPrincipal: mine >= o.MaxOpenAlertsPerPrincipal, mine, all, cancellationToken);
                return AlertUpsertOutcome.Created;
            }
        }

        var (outcome, before) = await alerts.UpsertAsync(
            audit,
            alert,
            (stored, was) => new AuditRecord(
                stored == AlertUpsertOutcome.Created ? AuditKinds.AlertReceived : AuditKinds.AlertUpdated,
                alert.RaisedBy ?? "verifier",
                $"{alert.Severity} alert {alert.Id} on {alert.Principal} (score {alert.Score}, count {alert.Count})",
                AlertId: alert.Id,
                Principal: alert.Principal,
                BeforeJson: was is null ? null : JsonSerializer.Serialize(was.Alert, ContractsJsonContext.Default.Alert),
                AfterJson: JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert)),
            cancellationToken);
        telemetry.AlertReceived(alert, outcome);

        // An analyst's false-positive or benign verdict stops further responses to this alert.
        if (before?.Status is not (AlertStatuses.FalsePositive or AlertStatuses.Benign))
        {
            // Runs on duplicates too: decisions are idempotent by action id, and a crash may have left a command unsent.
            await decider.DecideAsync(alert, cancellationToken);
        }

        return outcome;
    }

    /// <summary>
    /// The flood alert of the principal (or of everyone) for this hour, one count more, with the merged alert in its
    /// history; a delivery merged before (handed again after a crash) changes nothing.
    /// </summary>
    private async Task MergeIntoFloodAsync(Alert alert, bool perPrincipal, long mine, long all, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var bucket = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % FloodWindow.Ticks), TimeSpan.Zero);
        var principal = perPrincipal ? alert.Principal : "ztstream-responder";
        var cluster = perPrincipal ? alert.PrincipalCluster : null;
        var id = FloodId(principal, cluster, bucket);
        var merged = JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert);
        var flood = await alerts.MergeAsync(
            audit,
            id,
            alert.Id,
            alert.Count,
            existing =>
            {
                var count = (existing?.Alert.Count ?? 0) + 1;
                var why = perPrincipal
                    ? $"alert flood: {alert.Principal}{(cluster is null ? "" : $" (cluster {cluster})")} already has {mine} open alerts (Responder:MaxOpenAlertsPerPrincipal {options.Value.MaxOpenAlertsPerPrincipal}); {count} more merged here since {bucket:O}, each kept in this alert's history"
                    : $"alert flood: {all} open alerts (Responder:MaxOpenAlerts {options.Value.MaxOpenAlerts}); {count} more merged here since {bucket:O}, each kept in this alert's history";
                var reasons = new List<AlertReason> { new(Detectors.Responder, FloodRule, Math.Max(alert.Score, existing?.Alert.Score ?? 0), why) };
                foreach (var r in existing?.Alert.Reasons.Skip(1) ?? [])
                {
                    reasons.Add(r);
                }

                if (reasons.Count < 8 && alert.Reasons.FirstOrDefault() is { } top)
                {
                    reasons.Add(perPrincipal ? top : top with { Text = $"{alert.Principal}: {top.Text}" });
                }

                var flood = new Alert
                {
                    Id = id,
                    DedupKey = $"{principal}|{Detectors.Responder}|{FloodRule}|{bucket:O}" + (cluster is null ? "" : "|" + cluster),
                    Principal = principal,
                    PrincipalCluster = cluster,
                    Detector = Detectors.Responder,
                    Score = reasons[0].Score,
                    Severity = Severities.FromScore(reasons[0].Score),
                    Reasons = reasons,
                    EvidenceEventIds = [.. (existing?.Alert.EvidenceEventIds ?? []).Concat(alert.EvidenceEventIds).Take(32)],
                    SubjectId = perPrincipal ? alert.SubjectId : null,
                    FirstSeen = existing?.Alert.FirstSeen ?? alert.FirstSeen,
                    LastSeen = alert.LastSeen > (existing?.Alert.LastSeen ?? alert.LastSeen) ? alert.LastSeen : existing?.Alert.LastSeen ?? alert.LastSeen,
                    Count = count,
                    RaisedBy = "responder",
                };
                var entry = new AuditRecord(
                    AuditKinds.AlertMerged,
                    "responder",
                    $"{alert.Severity} alert {alert.Id} on {alert.Principal} merged into alert flood {id}: {why}",
                    AlertId: alert.Id,
                    Principal: alert.Principal,
                    AfterJson: merged);
                return (flood, $"merged alert {alert.Id}: {merged}", entry);
            },
            cancellationToken);
        if (flood is not null)
        {
            telemetry.AlertMerged(perPrincipal ? "per_principal" : "total");
        }
    }

    // A principal of one cluster has a flood of its own; without a cluster the id is what it always was.
    private static string FloodId(string principal, string? cluster, DateTimeOffset bucket) =>
        $"alert-flood-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(cluster is null ? principal : principal + "|" + cluster)).AsSpan(0, 8))}-{bucket.ToUnixTimeSeconds()}";
}
