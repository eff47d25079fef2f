using System.Text.Json;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Responder.Audit;
using ZtStream.Responder.Policy;
using ZtStream.Responder.Telemetry;

namespace ZtStream.Responder.Alerts;

/// <summary>Stores an alert (or its update) and lets the policy decide what to do about it.</summary>
internal sealed class AlertProcessor(AlertStore alerts, ResponseDecider decider, AuditLog audit, ResponderTelemetry telemetry)
{
    public async Task<AlertUpsertOutcome> HandleAsync(Alert alert, CancellationToken cancellationToken)
    {
        using var activity = ResponderTelemetry.Source.StartActivity("responder.alert");
        activity?.SetTag("ztstream.alert.id", alert.Id);
        activity?.SetTag("ztstream.alert.severity", alert.Severity);
        var (outcome, before) = await alerts.UpsertAsync(alert, cancellationToken);
        telemetry.AlertReceived(alert, outcome);
        if (outcome != AlertUpsertOutcome.Duplicate)
        {
            await audit.AppendAsync(
                outcome == AlertUpsertOutcome.Created ? AuditKinds.AlertReceived : AuditKinds.AlertUpdated,
                alert.RaisedBy ?? "verifier",
                $"{alert.Severity} alert {alert.Id} on {alert.Principal} (score {alert.Score}, count {alert.Count})",
                cancellationToken,
                alertId: alert.Id,
                principal: alert.Principal,
                beforeJson: before is null ? null : JsonSerializer.Serialize(before.Alert, ContractsJsonContext.Default.Alert),
                afterJson: JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert));
        }

        // An analyst's false-positive or benign verdict stops further responses to this alert.
        if (before?.Status is not (AlertStatuses.FalsePositive or AlertStatuses.Benign))
        {
            // Runs on duplicates too: decisions are idempotent by action id, and a crash may have left a command unsent.
            await decider.DecideAsync(alert, cancellationToken);
        }

        return outcome;
    }
}
