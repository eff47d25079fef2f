namespace ZtStream.Responder.Alerts;

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
        catch (System.Text.Json.JsonException ex)
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
