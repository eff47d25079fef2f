namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// A network namespace of the test's own, for the nftables driver to isolate (<c>netns:NAME</c>); deleted on disposal.
/// Skips the test where one cannot be made (not Linux, not root).
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        if (!OperatingSystem.IsLinux() || !LocalProcess.IsRoot)
        {
            ServiceRequirement.Unavailable("a network namespace of the test's own", "ip netns add needs Linux and root");
        }

        var name = $"zt-e2e-{Guid.NewGuid():N}"[..20];
        var added = await LocalProcess.RunAsync("ip", ["netns", "add", name], TimeSpan.FromSeconds(30));
        if (!added.Succeeded)
        {
            ServiceRequirement.Unavailable("a network namespace of the test's own", $"ip netns add failed ({added.ExitCode}): {added.Output}");
        }

        return new NetworkNamespace(name);
    }

    /// <summary>Runs <c>nft</c> with <paramref name="args"/> inside the namespace; its output.</summary>
    public async Task<string> NftAsync(params string[] args) =>
        (await LocalProcess.RunAsync("ip", ["netns", "exec", Name, "nft", .. args], TimeSpan.FromSeconds(30))).Output;

    public async ValueTask DisposeAsync() => await LocalProcess.RunAsync("ip", ["netns", "delete", Name], TimeSpan.FromSeconds(30));
}
