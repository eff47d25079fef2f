using System.Diagnostics;
using System.Text;
using Testcontainers.RabbitMq;
using Xunit;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// One RabbitMQ broker per test assembly (<c>[assembly: AssemblyFixture(typeof(RabbitMqFixture))]</c>), found in this
/// order: <c>ZTSTREAM_TEST_RABBITMQ</c> (an amqp URI); a Docker engine through Testcontainers; a node of the locally
/// installed <c>rabbitmq-server</c> with its own name, ports and data folder, stopped and removed on dispose. The
/// broker starts when a test first asks for it.
/// Each test takes a virtual host of its own from <see cref="CreateVirtualHostAsync"/>, so queues and exchanges
/// never meet another test's (a broker given by URI cannot be asked for vhosts: tests then share its vhost).
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    public const string Variable = "ZTSTREAM_TEST_RABBITMQ";
    private const string Image = "rabbitmq:3.13-alpine";
    private const int VirtualHostBatch = 12;

    private readonly Queue<string> spareVirtualHosts = new();
    private readonly SemaphoreSlim virtualHostLock = new(1, 1);
    private RabbitMqContainer? container;
    private LocalNode? node;
    private Uri? baseUri;
    private readonly Lock startLock = new();
    private Task? start;
    private string? unavailableReason;
    private int virtualHostCounter;

    /// <summary>Where the broker came from: environment, docker or local.</summary>
    public string Source { get; private set; } = "none";

    /// <summary>Nothing starts until a test asks: a run that needs no RabbitMQ pays nothing for it.</summary>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private Task EnsureStartedAsync()
    {
        lock (startLock)
        {
            return start ??= StartAsync();
        }
    }

    private async Task StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            baseUri = new Uri(fromEnvironment);
            Source = "environment";
            return;
        }

        var reasons = new List<string> { $"{Variable} is not set" };
        if (await ContainerEngineProbe.AnswersAsync().ConfigureAwait(false))
        {
            try
            {
                container = new RabbitMqBuilder(Image).Build();
                using var cts = new CancellationTokenSource(ContainerEngineProbe.StartTimeout);
                await container.StartAsync(cts.Token).ConfigureAwait(false);
                baseUri = new Uri(container.GetConnectionString());
                Source = "docker";
                return;
            }
            catch (Exception e)
            {
                reasons.Add($"Docker: {e.GetType().Name}: {e.Message}");
                await DisposeContainerAsync().ConfigureAwait(false);
            }
        }
        else
        {
            reasons.Add("no Docker engine");
        }

        var binaries = LocalNode.FindBinaries();
        if (binaries is null)
        {
            reasons.Add("rabbitmq-server is not installed (apt-get install rabbitmq-server)");
            unavailableReason = string.Join("; ", reasons);
            return;
        }

        try
        {
            node = await LocalNode.StartAsync(binaries).ConfigureAwait(false);
            baseUri = node.AmqpUri;
            Source = "local";
        }
        catch (Exception e)
        {
            reasons.Add($"local rabbitmq-server: {e.Message}");
            unavailableReason = string.Join("; ", reasons);
        }
    }

    /// <summary>
    /// The broker's URI (default vhost), starting the broker on first use; skips (or fails, on CI) when there is no
    /// broker. The start is shared, so it is not cancelled with the test that happened to come first.
    /// </summary>
    public async Task<Uri> GetAmqpUriAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (baseUri is null)
        {
            ServiceRequirement.Unavailable("RabbitMQ", unavailableReason ?? "the fixture could not start");
        }

        return baseUri!;
    }

    /// <summary>An amqp URI to a virtual host nobody else uses (on a broker given by URI: that broker's own vhost).</summary>
    public async Task<Uri> CreateVirtualHostAsync(CancellationToken cancellationToken = default)
    {
        var uri = await GetAmqpUriAsync(cancellationToken).ConfigureAwait(false);
        if (node is null && container is null)
        {
            return uri;
        }

        await virtualHostLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (spareVirtualHosts.Count == 0)
            {
                // rabbitmqctl takes seconds to boot its own VM, so vhosts are made a batch at a time.
                var names = Enumerable.Range(0, VirtualHostBatch).Select(_ => $"zt-test-{Interlocked.Increment(ref virtualHostCounter)}").ToList();
                await AddVirtualHostsAsync(names).ConfigureAwait(false);
                foreach (var name in names)
                {
                    spareVirtualHosts.Enqueue(name);
                }
            }

            return new UriBuilder(uri) { Path = "/" + Uri.EscapeDataString(spareVirtualHosts.Dequeue()) }.Uri;
        }
        finally
        {
            virtualHostLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (start is not null)
        {
            try
            {
                // Waits for a start still under way; its failure was already reported to the tests that asked.
                await start.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Nothing more to report here; whatever did start is cleaned up below.
            }
        }

        await DisposeContainerAsync().ConfigureAwait(false);
        if (node is not null)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            node = null;
        }

        virtualHostLock.Dispose();
    }

    /// <summary>Erlang to add vhosts and give guest all rights on them in one CLI call.</summary>
    internal static string AddVirtualHostsExpression(IEnumerable<string> names)
    {
        var list = string.Join(",", names.Select(n => $"<<\"{n}\">>"));
        return $"[begin ok = rabbit_vhost:add(V, <<\"zt-test\">>), ok = rabbit_auth_backend_internal:set_permissions(<<\"guest\">>, V, <<\".*\">>, <<\".*\">>, <<\".*\">>, <<\"zt-test\">>) end || V <- [{list}]], ok.";
    }

    private async Task AddVirtualHostsAsync(IReadOnlyList<string> names)
    {
        var expression = AddVirtualHostsExpression(names);
        if (node is not null)
        {
            await node.CtlAsync("eval", expression).ConfigureAwait(false);
            return;
        }

        var result = await container!.ExecAsync(["rabbitmqctl", "eval", expression]).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl eval failed ({result.ExitCode}): {result.Stdout} {result.Stderr}");
        }
    }

    private async Task DisposeContainerAsync()
    {
        if (container is not null)
        {
            await container.DisposeAsync().ConfigureAwait(false);
            container = null;
        }
    }

    /// <summary>
    /// A RabbitMQ node of its own: unique node name, free AMQP and distribution ports, data, logs and Erlang cookie
    /// in a temp folder, no plugins. It runs in the foreground as this process's child, so it can always be killed.
    /// </summary>
    private sealed class LocalNode : IAsyncDisposable
    {
        private const string FolderPrefix = "zt-rmq-";

        private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
        private static readonly TimeSpan CtlTimeout = TimeSpan.FromMinutes(2);

        private readonly string binaries;
        private readonly string folder;
        private readonly string nodeName;
        private readonly Dictionary<string, string> environment;
        private readonly StringBuilder output = new();
        private readonly bool epmdWasRunning;
        private Process? server;
        private int stopped;

        private LocalNode(string binaries, string folder, bool epmdWasRunning)
        {
            this.binaries = binaries;
            this.folder = folder;
            this.epmdWasRunning = epmdWasRunning;
            var port = LocalProcess.FreePort();
            int distributionPort;
            do
            {
                distributionPort = LocalProcess.FreePort();
            }
            while (distributionPort == port);

            nodeName = $"zt-test-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}@localhost";
            AmqpUri = new Uri($"amqp://guest:guest@127.0.0.1:{port}/");
            environment = new Dictionary<string, string>
            {
                ["HOME"] = folder,
                ["RABBITMQ_NODENAME"] = nodeName,
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
                ["RABBITMQ_PID_FILE"] = Path.Combine(folder, "rabbitmq.pid"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
                ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(folder, "rabbitmq-env.conf"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(folder, "rabbitmq"),
                ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(folder, "advanced.config"),
                ["RABBITMQ_LOGS"] = "-",
            };
        }

        public Uri AmqpUri { get; }

        /// <summary>
        /// The package's own scripts (/usr/lib/rabbitmq/bin), not the /usr/sbin wrappers: those switch to the rabbitmq
        /// user, whose home holds a different Erlang cookie and cannot write our temp folder.
        /// </summary>
        public static string? FindBinaries()
        {
            if (File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server"))
            {
                return "/usr/lib/rabbitmq/bin";
            }

            var onPath = LocalProcess.Find("rabbitmq-server");
            return onPath is null ? null : Path.GetDirectoryName(onPath);
        }

        public static async Task<LocalNode> StartAsync(string binaries)
        {
            await ReapOrphansAsync().ConfigureAwait(false);
            var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
            Directory.CreateDirectory(folder);
            var epmd = LocalProcess.Find("epmd");
            var epmdWasRunning = epmd is not null && (await LocalProcess.RunAsync(epmd, ["-names"], TimeSpan.FromSeconds(10)).ConfigureAwait(false)).Succeeded;
            var node = new LocalNode(binaries, folder, epmdWasRunning);
            try
            {
                await node.StartAsync().ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += node.OnProcessExit;
                return node;
            }
            catch
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async Task<string> CtlAsync(params string[] arguments)
        {
            var result = await LocalProcess.RunAsync(Path.Combine(binaries, "rabbitmqctl"), ["-n", nodeName, .. arguments], CtlTimeout, environment).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"rabbitmqctl {arguments[0]} failed ({result.ExitCode}): {result.Output}");
            }

            return result.Output;
        }

        public async ValueTask DisposeAsync()
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            await StopAsync().ConfigureAwait(false);
        }

        private async Task StartAsync()
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "enabled_plugins"), "[].").ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(folder, "rabbitmq-env.conf"), string.Empty).ConfigureAwait(false);
            var cookie = Path.Combine(folder, ".erlang.cookie");
            await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N")).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                // Erlang refuses a cookie others can read.
                File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
            }

            var info = new ProcessStartInfo(Path.Combine(binaries, "rabbitmq-server"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }

            server = new Process { StartInfo = info };
            server.OutputDataReceived += (_, e) => Append(e.Data);
            server.ErrorDataReceived += (_, e) => Append(e.Data);
            server.Start();
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();

            var started = LocalProcess.WaitForPortAsync(AmqpUri.Port, StartTimeout);
            var exited = server.WaitForExitAsync();
            if (await Task.WhenAny(started, exited).ConfigureAwait(false) == exited || !await started.ConfigureAwait(false))
            {
                throw new InvalidOperationException($"rabbitmq-server did not open port {AmqpUri.Port} within {StartTimeout.TotalSeconds:0} s: {Tail()}");
            }

            await CtlAsync("await_startup").ConfigureAwait(false);
        }

        private async Task StopAsync()
        {
            if (Interlocked.Exchange(ref stopped, 1) == 1)
            {
                return;
            }

            try
            {
                if (server is { HasExited: false })
                {
                    try
                    {
                        await LocalProcess.RunAsync(Path.Combine(binaries, "rabbitmqctl"), ["-n", nodeName, "stop"], TimeSpan.FromSeconds(60), environment).ConfigureAwait(false);
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                        await server.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
                    {
                        // Falls through to the kill below.
                    }

                    if (!server.HasExited)
                    {
                        server.Kill(entireProcessTree: true);
                        await server.WaitForExitAsync().ConfigureAwait(false);
                    }
                }

                await StopEpmdIfOursAsync().ConfigureAwait(false);
            }
            finally
            {
                server?.Dispose();
                LocalProcess.DeleteFolder(folder);
            }
        }

        /// <summary>epmd is shared by every Erlang node on the machine: stopped only if this node started it and no node is left.</summary>
        private async Task StopEpmdIfOursAsync()
        {
            var epmd = LocalProcess.Find("epmd");
            if (epmdWasRunning || epmd is null)
            {
                return;
            }

            var names = await LocalProcess.RunAsync(epmd, ["-names"], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (names.Succeeded && !names.Output.Contains("name ", StringComparison.Ordinal))
            {
                await LocalProcess.RunAsync(epmd, ["-kill"], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }

        private void OnProcessExit(object? sender, EventArgs e) => StopAsync().GetAwaiter().GetResult();

        /// <summary>
        /// Kills nodes of test runs that were killed before they could clean up (a node outlives its parent) and removes
        /// their folders. The pid comes from the node's pid file and must name a process started from that folder.
        /// </summary>
        private static async Task ReapOrphansAsync()
        {
            foreach (var orphan in LocalProcess.Orphans(Path.GetTempPath(), FolderPrefix).ToList())
            {
                var pidFile = Path.Combine(orphan, "rabbitmq.pid");
                if (File.Exists(pidFile)
                    && int.TryParse((await File.ReadAllTextAsync(pidFile).ConfigureAwait(false)).Trim(), out var pid)
                    && LocalProcess.IsAlive(pid, orphan))
                {
                    try
                    {
                        using var process = Process.GetProcessById(pid);
                        process.Kill(entireProcessTree: true);
                        await process.WaitForExitAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        // Already gone.
                    }
                }

                try
                {
                    LocalProcess.DeleteFolder(orphan);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another run may be reaping the same folder.
                }
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }
        }

        private string Tail()
        {
            lock (output)
            {
                var text = output.ToString();
                return text.Length > 2000 ? text[^2000..] : text;
            }
        }
    }
}
