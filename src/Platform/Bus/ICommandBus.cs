namespace ZtStream.Platform.Bus;

/// <summary>
/// The command-bus seam: MassTransit over its in-memory transport or RabbitMQ. Consumers are ordinary
/// MassTransit <c>IConsumer&lt;T&gt;</c>s registered by the roles; this is how the rest of ZtStream sends.
/// </summary>
internal interface ICommandBus
{
    /// <summary>Sends a command to its one consumer queue.</summary>
    Task SendAsync<T>(T command, CancellationToken cancellationToken)
        where T : class;

    /// <summary>Publishes an event to every subscriber.</summary>
    Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class;
}
