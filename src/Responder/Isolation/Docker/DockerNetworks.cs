using Docker.DotNet.Models;

namespace ZtStream.Responder.Isolation.Docker;

/// <summary>A container's attachment to one network, as much as is needed to attach it again.</summary>
internal sealed record AttachedNetwork(string Network, string NetworkId, IReadOnlyList<string> Aliases, string? IPv4Address, string? IPv6Address);

/// <summary>A container and the networks it is attached to; null from inspect when there is no such container.</summary>
internal sealed record ContainerNetworks(string ContainerId, string Name, IReadOnlyList<AttachedNetwork> Networks);

/// <summary>The three Docker Engine calls the driver makes; a seam so the remember/reconnect logic is testable without an engine.</summary>
internal interface IDockerNetworks
{
    Task<ContainerNetworks?> InspectAsync(string container, CancellationToken cancellationToken);

    Task DisconnectAsync(string containerId, AttachedNetwork network, CancellationToken cancellationToken);

    Task ConnectAsync(string containerId, AttachedNetwork network, CancellationToken cancellationToken);
}

/// <summary><see cref="IDockerNetworks"/> over Docker.DotNet.</summary>
internal sealed class DockerEngineNetworks(IDockerClient client) : IDockerNetworks
{
    public async Task<ContainerNetworks?> InspectAsync(string container, CancellationToken cancellationToken)
    {
        ContainerInspectResponse response;
        try
        {
            response = await client.Containers.InspectContainerAsync(container, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (DockerApiException exception)
        {
            throw Failure(exception, $"inspect container {container}");
        }

        var networks = (response.NetworkSettings?.Networks ?? new Dictionary<string, EndpointSettings>())
            .Select(pair => new AttachedNetwork(
                pair.Key,
                pair.Value.NetworkID,
                [.. pair.Value.Aliases ?? []],
                pair.Value.IPAMConfig?.IPv4Address is { Length: > 0 } v4 ? v4 : null,
                pair.Value.IPAMConfig?.IPv6Address is { Length: > 0 } v6 ? v6 : null))
            .OrderBy(n => n.Network, StringComparer.Ordinal)
            .ToList();
        return new ContainerNetworks(response.ID, response.Name.TrimStart('/'), networks);
    }

    public async Task DisconnectAsync(string containerId, AttachedNetwork network, CancellationToken cancellationToken)
    {
        try
        {
            await client.Networks.DisconnectNetworkAsync(network.NetworkId, new NetworkDisconnectParameters { Container = containerId, Force = true }, cancellationToken);
        }
        catch (DockerApiException exception)
        {
            throw Failure(exception, $"disconnect {containerId} from {network.Network}");
        }
    }

    public async Task ConnectAsync(string containerId, AttachedNetwork network, CancellationToken cancellationToken)
    {
        var endpoint = new EndpointSettings { Aliases = [.. network.Aliases] };
        if (network.IPv4Address is not null || network.IPv6Address is not null)
        {
            // Only addresses that were pinned are pinned again; dynamic ones come from IPAM anew.
            endpoint.IPAMConfig = new EndpointIPAMConfig { IPv4Address = network.IPv4Address ?? "", IPv6Address = network.IPv6Address ?? "" };
        }

        try
        {
            await client.Networks.ConnectNetworkAsync(network.NetworkId, new NetworkConnectParameters { Container = containerId, EndpointConfig = endpoint }, cancellationToken);
        }
        catch (DockerApiException exception)
        {
            throw Failure(exception, $"reconnect {containerId} to {network.Network}");
        }
    }

    private static DriverFailedException Failure(DockerApiException exception, string what) =>
        new(
            DockerWorkloadIsolator.DriverName,
            $"{what} failed with {(int)exception.StatusCode}: {exception.ResponseBody}",
            permanent: exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden,
            exception);
}
