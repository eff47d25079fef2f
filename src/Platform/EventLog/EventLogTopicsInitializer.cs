namespace ZtStream.Platform.EventLog;

/// <summary>
/// Creates ZtStream's topics (and their dead-letter topics) when the host starts, before the roles' consumers,
/// which are registered after it. A cluster that cannot create topics costs at most the configured timeout.
/// </summary>
internal sealed class EventLogTopicsInitializer(IEventLog log) : IHostedService
{
    internal static readonly string[] Topics = [ZtStream.Contracts.Topics.Events, ZtStream.Contracts.Topics.Alerts, ZtStream.Contracts.Topics.Feedback];

    public Task StartAsync(CancellationToken cancellationToken) => log.EnsureTopicsAsync(Topics, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
