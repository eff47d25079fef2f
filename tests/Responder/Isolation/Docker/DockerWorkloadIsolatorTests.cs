using ZtStream.Platform.Store.Sqlite;

namespace ZtStream.Responder.Tests.Isolation.Docker;

public sealed class DockerWorkloadIsolatorTests : IAsyncLifetime
{
    private readonly SqliteFiles sqlite = new("ztstream-docker-");
    private readonly string database;
    private readonly FakeDocker docker = new();
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private IStore store = null!;

    public DockerWorkloadIsolatorTests() => database = sqlite.NewPath();

    public async ValueTask InitializeAsync()
    {
        store = new SqliteStore(new StoreOptions { ConnectionString = database });
        await MigratedStores.MigrateAsync(store, new DockerMigrations());
        docker.Add("c0ffee", "web", [
            new AttachedNetwork("backend", "net-b", ["web", "api"], "172.20.0.10", null),
            new AttachedNetwork("frontend", "net-f", ["web"], null, null),
        ]);
    }

    public ValueTask DisposeAsync()
    {
        sqlite.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A new isolator on the same store, as after a restart.</summary>
    private DockerWorkloadIsolator Isolator() => new(docker, new DockerIsolationLedger(store), time, NullLogger<DockerWorkloadIsolator>.Instance);

    private static IsolateWorkload Isolate(Guid id, string name = "web") => IsolationCommands.Isolate(id, "docker:" + name, name);

    private static ReleaseWorkload Release(Guid isolation) => IsolationCommands.Release(isolation, "docker:web", "web");

    [Fact]
    public async Task Isolate_DisconnectsEveryNetworkAndReleaseReconnectsThemWithAliasesAndPinnedAddress()
    {
        var ct = Ct;
        var id = Guid.NewGuid();

        var isolated = await Isolator().IsolateAsync(Isolate(id), ct);

        Assert.True(isolated.Changed);
        Assert.Contains("backend, frontend", isolated.Detail, StringComparison.Ordinal);
        Assert.Empty(docker.Attached("c0ffee"));
        Assert.Equal(["inspect web", "disconnect c0ffee net-b", "disconnect c0ffee net-f"], docker.Calls);

        var released = await Isolator().ReleaseAsync(Release(id), ct);

        Assert.True(released.Changed);
        var back = docker.Attached("c0ffee");
        Assert.Equal(["backend", "frontend"], back.Select(n => n.Network));
        Assert.Equal(["web", "api"], back[0].Aliases);
        Assert.Equal("172.20.0.10", back[0].IPv4Address);
        Assert.Null(back[1].IPv4Address);
    }

    [Fact]
    public async Task IsolateAndReleaseTwice_SecondCallsAreNoOpsThatSaySo()
    {
        var ct = Ct;
        var id = Guid.NewGuid();
        await Isolator().IsolateAsync(Isolate(id), ct);
        docker.Calls.Clear();

        var again = await Isolator().IsolateAsync(Isolate(id), ct);
        Assert.False(again.Changed);
        Assert.Contains("already isolated by this action", again.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(docker.Calls, c => !c.StartsWith("inspect", StringComparison.Ordinal));

        await Isolator().ReleaseAsync(Release(id), ct);
        docker.Calls.Clear();
        var releasedAgain = await Isolator().ReleaseAsync(Release(id), ct);
        Assert.False(releasedAgain.Changed);
        Assert.Contains("already released", releasedAgain.Detail, StringComparison.Ordinal);
        Assert.Empty(docker.Calls);
    }

    [Fact]
    public async Task Isolate_CrashAfterFirstDisconnect_RetryFinishesAndReleaseRestoresBoth()
    {
        var ct = Ct;
        var id = Guid.NewGuid();
        docker.FailDisconnectOf = "net-f";

        await Assert.ThrowsAsync<DriverFailedException>(() => Isolator().IsolateAsync(Isolate(id), ct));
        Assert.Equal(["frontend"], docker.Attached("c0ffee").Select(n => n.Network));

        docker.FailDisconnectOf = null;
        var retried = await Isolator().IsolateAsync(Isolate(id), ct);
        Assert.True(retried.Changed);
        Assert.Contains("frontend", retried.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("backend", retried.Detail, StringComparison.Ordinal);
        Assert.Empty(docker.Attached("c0ffee"));

        await Isolator().ReleaseAsync(Release(id), ct);
        Assert.Equal(["backend", "frontend"], docker.Attached("c0ffee").Select(n => n.Network));
    }

    [Fact]
    public async Task Release_LeavesNetworksAttachedSinceIsolationAlone()
    {
        var ct = Ct;
        var id = Guid.NewGuid();
        await Isolator().IsolateAsync(Isolate(id), ct);
        // Someone reattached one network by hand meanwhile: it is not connected twice.
        docker.Reattach("c0ffee", new AttachedNetwork("frontend", "net-f", ["web"], null, null));
        docker.Calls.Clear();

        var released = await Isolator().ReleaseAsync(Release(id), ct);

        Assert.True(released.Changed);
        Assert.Equal(["inspect c0ffee", "connect c0ffee net-b"], docker.Calls);
    }

    [Fact]
    public async Task Isolate_AlreadyIsolatedByAnotherAction_IsANoOpNamingIt()
    {
        var ct = Ct;
        var first = Guid.NewGuid();
        await Isolator().IsolateAsync(Isolate(first), ct);

        var second = await Isolator().IsolateAsync(Isolate(Guid.NewGuid()), ct);
        var otherRelease = await Isolator().ReleaseAsync(Release(Guid.NewGuid()), ct);

        Assert.False(second.Changed);
        Assert.Contains(first.ToString("N"), second.Detail, StringComparison.Ordinal);
        Assert.False(otherRelease.Changed);
        Assert.Empty(docker.Attached("c0ffee"));
    }

    [Fact]
    public async Task Isolate_UnknownContainer_FailsPermanently()
    {
        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            Isolator().IsolateAsync(Isolate(Guid.NewGuid(), "nope"), Ct));

        Assert.True(failure.Permanent);
    }

    private sealed class FakeDocker : IDockerNetworks
    {
        private readonly Dictionary<string, (string Name, List<AttachedNetwork> Networks)> containers = [];

        public List<string> Calls { get; } = [];

        public string? FailDisconnectOf { get; set; }

        public void Add(string id, string name, List<AttachedNetwork> networks) => containers[id] = (name, networks);

        public IReadOnlyList<AttachedNetwork> Attached(string id) => containers[id].Networks;

        public void Reattach(string id, AttachedNetwork network) => containers[id].Networks.Add(network);

        public Task<ContainerNetworks?> InspectAsync(string container, CancellationToken cancellationToken)
        {
            Calls.Add($"inspect {container}");
            var found = containers.FirstOrDefault(c => c.Key == container || c.Value.Name == container);
            return Task.FromResult(found.Key is null
                ? null
                : new ContainerNetworks(found.Key, found.Value.Name, [.. found.Value.Networks.OrderBy(n => n.Network, StringComparer.Ordinal)]));
        }

        public Task DisconnectAsync(string containerId, AttachedNetwork network, CancellationToken cancellationToken)
        {
            if (network.NetworkId == FailDisconnectOf)
            {
                throw new DriverFailedException("docker", "engine went away", permanent: false);
            }

            Calls.Add($"disconnect {containerId} {network.NetworkId}");
            containers[containerId].Networks.RemoveAll(n => n.Network == network.Network);
            return Task.CompletedTask;
        }

        public Task ConnectAsync(string containerId, AttachedNetwork network, CancellationToken cancellationToken)
        {
            Calls.Add($"connect {containerId} {network.NetworkId}");
            containers[containerId].Networks.Add(network);
            containers[containerId].Networks.Sort((a, b) => string.CompareOrdinal(a.Network, b.Network));
            return Task.CompletedTask;
        }
    }
}
