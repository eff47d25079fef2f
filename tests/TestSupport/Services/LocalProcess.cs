namespace ZtStream.TestSupport.Services;

/// <summary>Runs the local service binaries fixtures fall back to (initdb, pg_ctl, rabbitmqctl …).</summary>
public static class LocalProcess
{
    public sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    /// <summary>Runs to completion (killed after <paramref name="timeout"/>), capturing stdout and stderr together.</summary>
    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var output = new StringBuilder();
        using var process = Start(info, output);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            lock (output)
            {
                return new Result(-1, $"timed out after {timeout.TotalSeconds:0} s: {output}");
            }
        }

        lock (output)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }

    /// <summary>
    /// A TCP port nothing listens on now, for a server a test starts on it — and a fault test may stop and start again on
    /// it. Drawn at random below the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>), since a
    /// port in that range is handed to any outgoing connection or listener on port 0 in the meantime: a broker stopped
    /// by a fault test found its AMQP port taken so when it started again. Another process may still take the port by
    /// number first; the draw over thousands of ports makes that rare. Without the range (not Linux), the OS picks.
    /// </summary>
    public static int FreePort()
    {
        if (EphemeralLow() is { } low && low - MinDrawnPort >= 1_000)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var port = Random.Shared.Next(MinDrawnPort, low);
                if (Listens(port) is not null)
                {
                    return port;
                }
            }
        }

        return Listens(0) ?? throw new InvalidOperationException("no free TCP port on 127.0.0.1");
    }

    // Above the well-known ports of the services tests start (PostgreSQL 5432, AMQP 5672, epmd 4369); a port some other
    // server holds fails the bind check and another is drawn.
    private const int MinDrawnPort = 10_000;

    private static int? EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// A listener started on a loopback port of the OS's choosing, held until disposed: the address a test says is taken,
    /// for what a server started on it does.
    /// </summary>
    public static TcpListener TakePort(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    /// <summary>The port a listener on 127.0.0.1:<paramref name="port"/> was given, or null when it was taken.</summary>
    private static int? Listens(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            var given = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return given;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>Polls until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        return false;
    }

    /// <summary>The first of <paramref name="candidates"/> that exists as a file, or one found on PATH by <paramref name="name"/>.</summary>
    public static string? Find(string name, params string[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Deletes a folder the fixture made, tolerating what is already gone.</summary>
    public static void DeleteFolder(string? folder)
    {
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A process may still be closing a file; one retry after it lets go.
            Thread.Sleep(200);
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Folders named <c>{prefix}{pid}-…</c> in <paramref name="parent"/> whose test process is gone: what a run that was
    /// killed (not failed — failures still dispose) left behind, for the fixture to stop and remove.
    /// </summary>
    public static IEnumerable<string> Orphans(string parent, string prefix)
    {
        if (!Directory.Exists(parent))
        {
            yield break;
        }

        foreach (var folder in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            var rest = Path.GetFileName(folder)[prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest[..dash], out var pid) && pid != Environment.ProcessId && !IsAlive(pid))
            {
                yield return folder;
            }
        }
    }

    /// <summary>Whether process <paramref name="pid"/> runs and its command line mentions <paramref name="marker"/> (guards against pid reuse).</summary>
    public static bool IsAlive(int pid, string? marker = null)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return false;
            }

            if (marker is null)
            {
                return true;
            }

            var commandLine = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline") : string.Empty;
            return commandLine.Contains(marker, StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts <paramref name="info"/>, whose standard output and error are redirected, adding every line it writes to
    /// either to <paramref name="output"/> (lock it to read it while the process runs).
    /// </summary>
    internal static Process Start(ProcessStartInfo info, StringBuilder output)
    {
        var process = new Process { StartInfo = info };
        try
        {
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private static void Append(StringBuilder output, string? line)
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
}
