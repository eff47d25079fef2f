using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZtStream.Contracts;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform.EventLog;
using ZtStream.Responder.Audit;
using ZtStream.Responder.Policy;

namespace ZtStream.Responder.Alerts;

/// <summary>Stores an alert (or its update) and lets the policy decide what to do about it.</summary>
internal sealed class AlertProcessor(AlertStore alerts, ResponseDecider decider, AuditLog audit)
{
    public async Task<AlertUpsertOutcome> HandleAsync(Alert alert, CancellationToken cancellationToken)
    {
        var (outcome, before) = await alerts.UpsertAsync(alert, cancellationToken);
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

        // An analyst's false-positive verdict stops further responses to this alert.
        if (before?.Status != AlertStatuses.FalsePositive)
        {
            // Runs on duplicates too: decisions are idempotent by action id, and a crash may have left a command unsent.
            await decider.DecideAsync(alert, cancellationToken);
        }

        return outcome;
    }
}

/// <summary>Consumes <c>zt.alerts.v1</c> in group <c>zt-responder</c>; a record's offset is stored once its alert and actions are.</summary>
internal sealed class AlertConsumerService(
    IEventLog log,
    AlertProcessor processor,
    IOptions<ResponderOptions> options,
    TimeProvider time,
    ILogger<AlertConsumerService> logger) : BackgroundService, IRecordHandler
{
    public const string GroupId = "zt-responder";

    public async Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        Alert alert;
        try
        {
            alert = ContractJson.DeserializeAlert(record.Value.Span);
        }
        catch (JsonException ex)
        {
            throw new PoisonRecordException($"not an alert: {ex.Message}", ex);
        }

        var outcome = await processor.HandleAsync(alert, cancellationToken);
        ResponderLog.AlertHandled(logger, alert.Id, alert.Count, outcome);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ConsumeAlerts)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await log.ConsumeAsync(new ConsumerSpec(GroupId, [Topics.Alerts]), this, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The log being down must not stop the API or the feed; rejoin after a pause.
                ResponderLog.AlertConsumerFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
