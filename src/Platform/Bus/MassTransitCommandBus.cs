using MassTransit;

namespace ZtStream.Platform.Bus;

/// <summary><see cref="ICommandBus"/> over MassTransit: commands are sent to their consumer's queue, events published.</summary>
internal sealed class MassTransitCommandBus(IBus bus, CommandRoutes routes, IServiceProvider services) : ICommandBus
{
    public async Task SendAsync<T>(T command, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(command);
        // The runtime type routes and names the message, so a command built as object (ActionCommands) goes where its type says.
        var type = command.GetType();
        var endpoint = await bus.GetSendEndpoint(routes.AddressFor(type, services)).ConfigureAwait(false);
        await endpoint.Send(command, type, cancellationToken).ConfigureAwait(false);
    }

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        return bus.Publish(message, cancellationToken);
    }
}
