using MassTransit;

namespace ZtStream.Platform.Bus;

/// <summary><see cref="ICommandBus"/> over MassTransit: commands are sent to their consumer's queue, events published.</summary>
internal sealed class MassTransitCommandBus(IBus bus, CommandRoutes routes, IServiceProvider services) : ICommandBus
{
    public async Task SendAsync<T>(T command, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(command);
        var endpoint = await bus.GetSendEndpoint(routes.AddressFor(typeof(T), services)).ConfigureAwait(false);
        await endpoint.Send(command, cancellationToken).ConfigureAwait(false);
    }

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        return bus.Publish(message, cancellationToken);
    }
}
