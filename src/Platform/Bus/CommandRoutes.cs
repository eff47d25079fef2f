using System.Collections.Concurrent;
using MassTransit;

namespace ZtStream.Platform.Bus;

/// <summary>
/// Where a command goes: the receive endpoint (queue) of the one consumer registered for it, named the way
/// <c>ConfigureEndpoints</c> names it (its consumer definition's endpoint name, else the kebab-case formatter's).
/// Worked out from the registered consumers, so a command needs no separate routing table, and a command with
/// two consumers is an error rather than a silent pick.
/// </summary>
internal sealed class CommandRoutes
{
    private static readonly MethodInfo ConsumerName = typeof(IEndpointNameFormatter).GetMethod(nameof(IEndpointNameFormatter.Consumer))!;

    private readonly IReadOnlyList<Type> consumerTypes;
    private readonly ConcurrentDictionary<Type, Uri> resolved = new();

    public CommandRoutes(IEnumerable<Type> consumerTypes) => this.consumerTypes = [.. consumerTypes.Distinct()];

    /// <summary>Consumer classes among <paramref name="services"/> (MassTransit registers each consumer as itself).</summary>
    public static IEnumerable<Type> FindConsumers(IServiceCollection services) =>
        services.Select(d => d.ServiceType)
            .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && ConsumedMessages(t).Any());

    /// <summary>The queue address of <paramref name="messageType"/>'s consumer; throws when there is not exactly one.</summary>
    public Uri AddressFor(Type messageType, IServiceProvider services) =>
        resolved.GetOrAdd(messageType, type =>
        {
            var formatter = services.GetService<IEndpointNameFormatter>() ?? KebabCaseEndpointNameFormatter.Instance;
            var endpoints = consumerTypes
                .Where(c => ConsumedMessages(c).Contains(type))
                .Select(c => EndpointName(c, formatter, services))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return endpoints.Count switch
            {
                1 => new Uri($"queue:{endpoints[0]}"),
                0 => throw new InvalidOperationException($"No consumer of {type.Name} is registered in this process, so there is no queue to send it to."),
                _ => throw new InvalidOperationException($"{type.Name} is consumed on {endpoints.Count} endpoints ({string.Join(", ", endpoints)}): a command goes to exactly one; publish it if it is an event."),
            };
        });

    private static IEnumerable<Type> ConsumedMessages(Type consumerType) =>
        consumerType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0]);

    private static string EndpointName(Type consumerType, IEndpointNameFormatter formatter, IServiceProvider services) =>
        services.GetService(typeof(IConsumerDefinition<>).MakeGenericType(consumerType)) is IConsumerDefinition definition
            ? definition.GetEndpointName(formatter)
            : (string)ConsumerName.MakeGenericMethod(consumerType).Invoke(formatter, null)!;
}
