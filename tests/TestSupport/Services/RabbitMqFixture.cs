using Testcontainers.RabbitMq;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// One RabbitMQ broker per test assembly (<c>[assembly: AssemblyFixture(typeof(RabbitMqFixture))]</c>), found in this
/// order: <c>ZTSTREAM_TEST_RABBITMQ</c> (an amqp URI); a Docker engine through Testcontainers; a node of the locally
/// installed <c>rabbitmq-server</c> with its own name, ports and data folder, stopped and removed on dispose. The
/// broker starts when a test first asks for it.
/// Each test takes a virtual host of its own from <see cref="CreateVirtualHostAsync"/>, so queues and exchanges
/// never meet another test's (a broker given by URI cannot be asked for vhosts: tests then share its vhost).
/// </summary>
public sealed class RabbitMqFixture() : ServiceFixture<Uri, RabbitMqContainer>("RabbitMQ", Variable)
{
    public const string Variable = "ZTSTREAM_TEST_RABBITMQ";
    private const string Image = "rabbitmq:3.13-alpine";
    private const int VirtualHostBatch = 12;

    private readonly Queue<string> spareVirtualHosts = new();
    private readonly SemaphoreSlim virtualHostLock = new(1, 1);
    private LocalNode? node;
    private int virtualHostCounter;

    /// <summary>
    /// The broker's URI (default vhost), starting the broker on first use; skips (or fails, on CI) when there is no
    /// broker.
    /// </summary>
    public Task<Uri> GetAmqpUriAsync(CancellationToken cancellationToken = default) => GetAddressAsync(cancellationToken);

    /// <summary>An amqp URI to a virtual host nobody else uses (on a broker given by URI: that broker's own vhost).</summary>
    public async Task<Uri> CreateVirtualHostAsync(CancellationToken cancellationToken = default)
    {
        var uri = await GetAmqpUriAsync(cancellationToken).ConfigureAwait(false);
        if (node is null && Container is null)
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

    /// <summary>
    /// Stops the broker application on its node (every connection is closed, the AMQP port refuses new ones), for a
    /// fault test on a fixture of its own. Only a local node can be stopped; otherwise the test is skipped (or fails).
    /// </summary>
    public async Task StopBrokerAsync()
    {
        await GetAmqpUriAsync().ConfigureAwait(false);
        await (node ?? NotStoppable()).CtlAsync("stop_app").ConfigureAwait(false);
    }

    /// <summary>Starts the broker application <see cref="StopBrokerAsync"/> stopped; queues and vhosts are kept.</summary>
    public async Task StartBrokerAsync() => await (node ?? NotStoppable()).CtlAsync("start_app").ConfigureAwait(false);

    private LocalNode NotStoppable()
    {
        ServiceRequirement.Unavailable("a RabbitMQ broker this test may stop", $"the broker came from {Source}, not from a local node");
        throw new InvalidOperationException("unreachable");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        virtualHostLock.Dispose();
    }

    protected override Uri FromEnvironment(string value) => new(value);

    protected override RabbitMqContainer BuildContainer() => new RabbitMqBuilder(Image).Build();

    protected override Uri AddressOf(RabbitMqContainer container) => new(container.GetConnectionString());

    protected override string? FindBinaries(out string missing)
    {
        missing = "rabbitmq-server is not installed (apt-get install rabbitmq-server)";
        return LocalNode.FindBinaries();
    }

    protected override async Task<Uri> StartLocalAsync(string binaries)
    {
        node = await LocalNode.StartAsync(binaries).ConfigureAwait(false);
        return node.AmqpUri;
    }

    protected override string DescribeLocal(string binaries) => "local rabbitmq-server";

    protected override async ValueTask StopLocalAsync()
    {
        if (node is not null)
        {
            await node.DisposeAsync().ConfigureAwait(false);
            node = null;
        }
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

        var result = await Container!.ExecAsync(["rabbitmqctl", "eval", expression]).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl eval failed ({result.ExitCode}): {result.Stdout} {result.Stderr}");
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

            server = LocalProcess.Start(info, output);

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
