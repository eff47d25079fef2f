using ZtStream.Responder.Isolation.Nftables;

namespace ZtStream.Responder.Tests.Isolation.Nftables;

public sealed class NftablesWorkloadIsolatorTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReachWithin = TimeSpan.FromSeconds(15);

    private static NftablesWorkloadIsolator Isolator(IProcessRunner? runner = null) =>
        new(runner ?? new ProcessRunner(), new NftablesIsolationOptions(), NullLogger<NftablesWorkloadIsolator>.Instance);

    private static IsolateWorkload Isolate(Guid id, string name) => IsolationCommands.Isolate(id, "host:" + name, name);

    private static ReleaseWorkload Release(Guid isolation, string name) => IsolationCommands.Release(isolation, "host:" + name, name);

    /// <summary>Isolating <paramref name="address"/> cuts A's TCP to <paramref name="service"/>; releasing it restores it.</summary>
    private static async Task IsolateThenReleaseAsync(NetnsPair pair, IPEndPoint service, Guid id, string address, Func<Task>? whileIsolated = null)
    {
        var isolated = await Isolator().IsolateAsync(Isolate(id, address), Ct);
        Assert.True(isolated.Changed, isolated.Detail);
        Assert.False(await pair.CanConnectFromAAsync(service, ConnectTimeout), $"isolated {address} must not reach B");
        if (whileIsolated is not null)
        {
            await whileIsolated();
        }

        var released = await Isolator().ReleaseAsync(Release(id, address), Ct);
        Assert.True(released.Changed, released.Detail);
        Assert.True(await pair.ReachesFromAAsync(service, ConnectTimeout, ReachWithin), $"released {address} reaches B again");
    }

    [Fact]
    public async Task IsolateThenRelease_RealNamespaces_CutsAndRestoresTcp()
    {
        await using var pair = await NetnsPair.CreateAsync();
        var service = pair!.Listen();
        var ct = Ct;
        var id = Guid.NewGuid();

        Assert.True(await pair.ReachesFromAAsync(service, ConnectTimeout, ReachWithin), "before isolation A reaches B");

        await IsolateThenReleaseAsync(pair, service, id, pair.A, whileIsolated: async () =>
        {
            var again = await Isolator().IsolateAsync(Isolate(id, pair.A), ct);
            Assert.False(again.Changed);
            Assert.Contains("already quarantined by this action", again.Detail, StringComparison.Ordinal);
        });

        var releasedAgain = await Isolator().ReleaseAsync(Release(id, pair.A), ct);
        Assert.False(releasedAgain.Changed);
        Assert.Contains("already released", releasedAgain.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateByProcessId_RealNamespaces_CutsTheProcesssNamespace()
    {
        await using var pair = await NetnsPair.CreateAsync();
        var service = pair!.Listen();
        using var sleeper = pair.StartSleeperInA();
        var ct = Ct;
        var id = Guid.NewGuid();
        var address = $"pid:{sleeper.Id}";
        try
        {
            // `ip netns exec` switches namespace and then execs: wait until the process is in A.
            await WaitForNamespaceOfAsync(sleeper.Id, pair.A, ct);

            await IsolateThenReleaseAsync(pair, service, id, address);
        }
        finally
        {
            sleeper.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Release_OfAnotherIsolation_LeavesTheQuarantineInPlace()
    {
        await using var pair = await NetnsPair.CreateAsync();
        var service = pair!.Listen();
        var ct = Ct;
        var id = Guid.NewGuid();
        await Isolator().IsolateAsync(Isolate(id, pair.A), ct);

        var other = await Isolator().ReleaseAsync(Release(Guid.NewGuid(), pair.A), ct);

        Assert.False(other.Changed);
        Assert.Contains(id.ToString("N"), other.Detail, StringComparison.Ordinal);
        Assert.False(await pair.CanConnectFromAAsync(service, ConnectTimeout));
    }

    [Fact]
    public async Task Isolate_UnknownNamespace_FailsPermanentlyWithoutRunningAnything()
    {
        var runner = new RecordingRunner(new ProcessResult(0, "", ""));

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            Isolator(runner).IsolateAsync(Isolate(Guid.NewGuid(), "ztt-does-not-exist"), Ct));

        Assert.True(failure.Permanent);
        Assert.Contains("no network namespace 'ztt-does-not-exist'", failure.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task Isolate_NftFails_ReasonCarriesItsStderr()
    {
        using var netns = new TempNetnsDirectory("ztt-fake");
        var runner = new RecordingRunner(new ProcessResult(1, "", "Error: Could not process rule: Operation not permitted"));
        var isolator = new NftablesWorkloadIsolator(runner, new NftablesIsolationOptions { NetnsDirectory = netns.Path }, NullLogger<NftablesWorkloadIsolator>.Instance);

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            isolator.IsolateAsync(Isolate(Guid.NewGuid(), "ztt-fake"), Ct));

        Assert.Contains("Operation not permitted", failure.Message, StringComparison.Ordinal);
        var call = Assert.Single(runner.Calls);
        Assert.Equal("ip", call.File);
        Assert.Equal(["netns", "exec", "ztt-fake", "nft", "list", "tables", "inet"], call.Arguments);
    }

    [Theory]
    [InlineData("pid:1")]
    [InlineData("self")]
    public async Task Isolate_ProcessInTheHostsOrTheRespondersNetworkNamespace_RefusedPermanently_NothingRun(string address)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "network namespaces are Linux");
        var runner = new RecordingRunner(new ProcessResult(0, "", ""));
        var target = address == "self" ? $"pid:{Environment.ProcessId}" : address;

        var failure = await Assert.ThrowsAsync<DriverFailedException>(() =>
            Isolator(runner).IsolateAsync(Isolate(Guid.NewGuid(), target), Ct));

        Assert.True(failure.Permanent);
        Assert.Contains("would cut the host off", failure.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
    }

    private sealed class TempNetnsDirectory : IDisposable
    {
        public TempNetnsDirectory(string name)
        {
            Path = Directory.CreateTempSubdirectory("ztt-netns-").FullName;
            File.WriteAllText(System.IO.Path.Combine(Path, name), "");
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    [Theory]
    [InlineData("pid:abc")]
    [InlineData("pid:-1")]
    [InlineData("../etc")]
    [InlineData("netns:")]
    public void Resolve_BadAddress_IsRejected(string address) =>
        Assert.True(Assert.Throws<DriverFailedException>(() => NftablesWorkloadIsolator.Resolve(address)).Permanent);

    private static async Task WaitForNamespaceOfAsync(int pid, string netns, CancellationToken ct)
    {
        var target = new FileInfo($"/run/netns/{netns}");
        for (var i = 0; i < 100; i++)
        {
            // Same namespace = same inode of the nsfs file.
            var output = await new ProcessRunner().RunAsync("stat", ["-L", "-c", "%i", $"/proc/{pid}/ns/net", target.FullName], null, TimeSpan.FromSeconds(5), ct);
            var inodes = output.Stdout.Split('\n');
            if (inodes.Length == 2 && inodes[0] == inodes[1])
            {
                return;
            }

            await Task.Delay(20, ct);
        }

        throw new TimeoutException($"process {pid} never entered {netns}");
    }

    private sealed class RecordingRunner(ProcessResult result) : IProcessRunner
    {
        public List<(string File, IReadOnlyList<string> Arguments)> Calls { get; } = [];

        public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Calls.Add((fileName, arguments));
            return Task.FromResult(result);
        }
    }
}
