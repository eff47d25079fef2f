namespace ZtStream.TestSupport.Services;

/// <summary>
/// A quick look for a Docker engine before asking Testcontainers, which otherwise spends a long time failing on
/// machines without one (the docker client alone is not enough: the engine must answer its ping).
/// </summary>
public static class ContainerEngineProbe
{
    /// <summary>How long a fixture lets Testcontainers try (pulling an image included) before moving on.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    /// <summary>True when an engine answers its ping within two seconds (or Testcontainers is pointed at one explicitly).</summary>
    public static async Task<bool> AnswersAsync()
    {
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        EndPointSpec? target = dockerHost switch
        {
            null or "" => Sockets().Where(File.Exists).Select(s => new EndPointSpec(new UnixDomainSocketEndPoint(s), AddressFamily.Unix)).FirstOrDefault(),
            _ when dockerHost.StartsWith("unix://", StringComparison.Ordinal) => new EndPointSpec(new UnixDomainSocketEndPoint(dockerHost["unix://".Length..]), AddressFamily.Unix),
            _ when Uri.TryCreate(dockerHost, UriKind.Absolute, out var uri) && uri.Scheme == "tcp" => new EndPointSpec(new System.Net.DnsEndPoint(uri.Host, uri.Port), AddressFamily.Unspecified),
            _ => null,
        };
        if (target is null)
        {
            // An engine Testcontainers finds by its own configuration (~/.testcontainers.properties) still gets its chance.
            return !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE"));
        }

        try
        {
            using var timeout = new CancellationTokenSource(PingTimeout);
            using var socket = target.Family == AddressFamily.Unix
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(target.EndPoint, timeout.Token).ConfigureAwait(false);
            await socket.SendAsync("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[256];
            var read = await socket.ReceiveAsync(buffer, timeout.Token).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static IEnumerable<string> Sockets()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return "/var/run/docker.sock";
        yield return Path.Combine(home, ".docker", "run", "docker.sock");
        yield return Path.Combine(home, ".docker", "desktop", "docker.sock");
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            yield return Path.Combine(runtime, "docker.sock");
        }
    }

    private sealed record EndPointSpec(System.Net.EndPoint EndPoint, AddressFamily Family);
}
