namespace ZtStream.TestSupport.Services;

/// <summary>
/// A cheap look for a Docker engine before asking Testcontainers, which otherwise spends seconds failing
/// on machines without one (the docker client alone is not enough).
/// </summary>
public static class ContainerEngineProbe
{
    /// <summary>How long a fixture lets Testcontainers try (pulling an image included) before moving on.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    public static bool MayBeAvailable()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE")))
        {
            return true;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string[] sockets =
        [
            "/var/run/docker.sock",
            Path.Combine(home, ".docker", "run", "docker.sock"),
            Path.Combine(home, ".docker", "desktop", "docker.sock"),
            runtime is null ? string.Empty : Path.Combine(runtime, "docker.sock"),
        ];
        return sockets.Any(s => s.Length > 0 && File.Exists(s));
    }
}
