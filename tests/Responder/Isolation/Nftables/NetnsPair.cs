using System.Runtime.InteropServices;

namespace ZtStream.Responder.Tests.Isolation.Nftables;

/// <summary>
/// Two throwaway network namespaces, A (the "workload") and B (a service), joined by a veth pair created inside
/// them, with addresses that exist only there (10.231.x.1/30 and .2/30). Nothing touches the host's own
/// namespace, and disposing deletes both namespaces (and with them the veth pair).
/// Sockets are opened inside a namespace by switching one dedicated thread into it (setns), so the test
/// needs no listener or client program: a socket keeps the namespace it was created in.
/// </summary>
internal sealed partial class NetnsPair : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly List<Socket> sockets = [];

    private NetnsPair(string prefix, int subnet)
    {
        A = prefix + "-a";
        B = prefix + "-b";
        AddressA = IPAddress.Parse($"10.231.{subnet}.1");
        AddressB = IPAddress.Parse($"10.231.{subnet}.2");
    }

    public string A { get; }

    public string B { get; }

    public IPAddress AddressA { get; }

    public IPAddress AddressB { get; }

    /// <summary>Creates the pair, or marks the test unavailable (skip, or fail under CI) without root, ip or nft.</summary>
    public static async Task<NetnsPair?> CreateAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            ServiceRequirement.Unavailable("network namespaces", "not Linux");
            return null;
        }

        if (geteuid() != 0)
        {
            ServiceRequirement.Unavailable("network namespaces", "creating them needs root");
            return null;
        }

        foreach (var tool in new[] { "ip", "nft" })
        {
            if (await TryRunAsync("sh", "-c", $"command -v {tool}") != 0)
            {
                ServiceRequirement.Unavailable("nftables", $"'{tool}' is not installed (Debian: iproute2, nftables)");
                return null;
            }
        }

        var tag = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3));
        var pair = new NetnsPair($"ztt-{tag}", Random.Shared.Next(0, 256));
        try
        {
            // Interface names are at most 15 characters.
            var vethA = $"zt{tag}a";
            var vethB = $"zt{tag}b";
            await RunAsync("ip", "netns", "add", pair.A);
            await RunAsync("ip", "netns", "add", pair.B);
            await RunAsync("ip", "-n", pair.A, "link", "add", vethA, "type", "veth", "peer", "name", vethB, "netns", pair.B);
            await RunAsync("ip", "-n", pair.A, "addr", "add", $"{pair.AddressA}/30", "dev", vethA);
            await RunAsync("ip", "-n", pair.B, "addr", "add", $"{pair.AddressB}/30", "dev", vethB);
            foreach (var (ns, dev) in new[] { (pair.A, vethA), (pair.B, vethB), (pair.A, "lo"), (pair.B, "lo") })
            {
                await RunAsync("ip", "-n", ns, "link", "set", dev, "up");
            }
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }

        return pair;
    }

    /// <summary>A TCP listener inside B on <see cref="AddressB"/>; the kernel completes handshakes from its backlog.</summary>
    public IPEndPoint Listen()
    {
        var listener = InNamespace(B, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(AddressB, 0));
        listener.Listen(16);
        return (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Tries a TCP connection from namespace A; false when it is not established within <paramref name="timeout"/>.</summary>
    public async Task<bool> CanConnectFromAAsync(IPEndPoint service, TimeSpan timeout)
    {
        using var client = InNamespace(A, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await client.ConnectAsync(service, deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether A reaches <paramref name="service"/> within <paramref name="within"/>, one <paramref name="attempt"/>-long
    /// connect after another: a veth pair just brought up can drop the first SYN while its links come up, and a busy
    /// machine can be slow to answer. For "must not reach", <see cref="CanConnectFromAAsync"/>'s single attempt is the
    /// check (run after this one has shown the path works).
    /// </summary>
    public async Task<bool> ReachesFromAAsync(IPEndPoint service, TimeSpan attempt, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            if (await CanConnectFromAAsync(service, attempt))
            {
                return true;
            }
        }
        while (clock.Elapsed < within);
        return false;
    }

    /// <summary>Starts a long-running process inside A, to address A by process id.</summary>
    public Process StartSleeperInA()
    {
        var process = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", A, "sleep", "120"]) { UseShellExecute = false })!;
        return process;
    }

    private Socket InNamespace(string netns, Func<Socket> create)
    {
        Socket? socket = null;
        Exception? failure = null;
        // setns changes only the calling thread's namespace: use a thread of our own and switch it back.
        var thread = new Thread(() =>
        {
            try
            {
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{netns}");
                Check(setns((int)target.DangerousGetHandle(), CloneNewNet), "setns into " + netns);
                try
                {
                    socket = create();
                }
                finally
                {
                    Check(setns((int)original.DangerousGetHandle(), CloneNewNet), "setns back");
                }
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("could not open a socket in " + netns, failure);
        }

        lock (sockets)
        {
            sockets.Add(socket!);
        }

        return socket!;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (sockets)
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        // Deleting a namespace deletes the veth end inside it, and with it the peer.
        await TryRunAsync("ip", "netns", "del", A);
        await TryRunAsync("ip", "netns", "del", B);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var (code, stderr) = await ExecAsync(file, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({code}): {stderr}");
        }
    }

    private static async Task<int> TryRunAsync(string file, params string[] arguments) => (await ExecAsync(file, arguments)).Code;

    private static async Task<(int Code, string Stderr)> ExecAsync(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stderr);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
