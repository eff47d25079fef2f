using System.Text.RegularExpressions;

namespace ZtStream.TestSupport.Processes;

/// <summary>
/// The real <c>ztstream</c> binary started as a separate process (<c>dotnet ztstream.dll …</c>), with its output
/// captured for diagnostics. Disposing kills the whole process tree, also when a test fails.
/// </summary>
public sealed partial class ZtStreamProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly ConcurrentQueue<string> standardOutput = new();
    private readonly TaskCompletionSource<string> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ZtStreamProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The address it listens on, once <see cref="StartAsync"/> returned.</summary>
    public Uri Url { get; private set; } = new("http://127.0.0.1");

    public bool HasExited => process.HasExited;

    /// <summary>The operating system's process id (for /proc/ID/status: its memory).</summary>
    public int ProcessId => process.Id;

    /// <summary>
    /// What writes to its standard input when <see cref="StartAsync"/> was asked for it (<c>standardInput</c>); disposing it
    /// ends that input.
    /// </summary>
    public Stream StandardInput => process.StandardInput.BaseStream;

    /// <summary>Standard output and error as they arrived: their relative order is not kept (two pipes, read apart).</summary>
    public string Output => string.Join('\n', output);

    /// <summary>
    /// Standard output's last non-blank line: what a command prints last for its caller (a key, a JSON line). Not the
    /// merged output's, whose last line can be one standard error wrote earlier but that arrived later.
    /// </summary>
    public string LastStandardOutputLine => standardOutput.LastOrDefault(line => line.Trim().Length > 0)?.Trim() ?? string.Empty;

    /// <summary>The ztstream.dll next to the test assembly (a ProjectReference to src/Host puts it there).</summary>
    public static string BinaryPath => Path.Combine(AppContext.BaseDirectory, "ztstream.dll");

    /// <summary>
    /// Starts <c>ztstream ARGS</c>, under <paramref name="launcher"/> when one is given (a command and its arguments that
    /// run the rest, e.g. <c>setpriv …</c>); for <c>run</c>, waits until it prints the address it listens on. With
    /// <paramref name="standardInput"/> its standard input is a pipe the test writes to (<see cref="StandardInput"/>).
    /// </summary>
    public static async Task<ZtStreamProcess> StartAsync(
        string name,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        bool waitForListening = true,
        CancellationToken cancellationToken = default,
        IReadOnlyList<string>? launcher = null,
        bool standardInput = false)
    {
        var info = new ProcessStartInfo(launcher is [var program, ..] ? program : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (var arg in launcher.Skip(1))
            {
                info.ArgumentList.Add(arg);
            }

            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(BinaryPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new ZtStreamProcess(process, name);
        process.OutputDataReceived += (_, e) => started.OnLine(e.Data, standard: true);
        process.ErrorDataReceived += (_, e) => started.OnLine(e.Data, standard: false);
        process.Exited += (_, _) => started.listening.TrySetException(new InvalidOperationException($"{name} exited with {SafeExitCode(process)}:\n{started.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitForListening)
        {
            try
            {
                var url = await started.listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                started.Url = new Uri(url);
            }
            catch
            {
                await started.DisposeAsync();
                throw;
            }
        }

        return started;
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do: the process is asked to stop cleanly.</summary>
    public Task TerminateAsync() => SignalAsync("TERM");

    /// <summary>
    /// Sends SIGINT, as Ctrl-C in its terminal does. Start the process under <see cref="AsFromATerminal"/> first: else,
    /// where the test run itself was started as a background job, it inherited SIGINT ignored and rightly ignores this.
    /// </summary>
    public Task InterruptAsync() => SignalAsync("INT");

    /// <summary>
    /// The launcher (<see cref="StartAsync"/>) that starts a process with Ctrl-C's signal handled by default, as a shell at
    /// a terminal starts it. A test run started as a background job (a CI runner's script, <c>cmd &amp;</c> without job
    /// control) inherits SIGINT ignored, which every process it starts inherits in turn and must keep ignoring (POSIX;
    /// nohup relies on it, and .NET keeps an inherited ignore): a test that sends SIGINT to a process started otherwise
    /// tests how the test run was started, not the process.
    /// </summary>
    public static IReadOnlyList<string> AsFromATerminal { get; } = ["env", "--default-signal=INT"];

    /// <summary>Waits until a line of its output contains <paramref name="text"/>; fails with the output so far if none does in time or it exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (!output.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (process.HasExited || cts.IsCancellationRequested)
            {
                throw new InvalidOperationException($"{Name} {(process.HasExited ? "exited" : "ran on")} without printing '{text}':\n{Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }

    private async Task SignalAsync(string signal)
    {
        if (!process.HasExited)
        {
            var sent = await Services.LocalProcess.RunAsync("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            if (!sent.Succeeded && !process.HasExited)
            {
                throw new InvalidOperationException($"kill -{signal} {process.Id} failed: {sent.Output}");
            }
        }
    }

    /// <summary>
    /// Stops the process as an operator does (<see cref="TerminateAsync"/>, SIGTERM) and fails the test, with its output,
    /// unless it exits 0 within a minute.
    /// </summary>
    public async Task StopCleanlyAsync(CancellationToken ct)
    {
        await TerminateAsync();
        await ExitsWithAsync(0, TimeSpan.FromSeconds(60), ct);
    }

    /// <summary>
    /// Waits for the process to exit and fails the test, with its output, unless it exits <paramref name="expected"/>
    /// within <paramref name="timeout"/>: a refused start or a command run to its end, told by its exit code.
    /// </summary>
    public async Task ExitsWithAsync(int expected, TimeSpan timeout, CancellationToken ct)
    {
        int code;
        try
        {
            code = await WaitForExitAsync(timeout, ct);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Assert.Fail($"{Name} did not exit within {timeout.TotalSeconds:0} s:\n{Output}");
            throw;
        }

        Assert.True(code == expected, $"{Name} exited {code}, not {expected}:\n{Output}");
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or never started.
        }

        process.Dispose();
    }

    private void OnLine(string? line, bool standard)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        if (standard)
        {
            standardOutput.Enqueue(line);
        }

        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            listening.TrySetResult(match.Groups[1].Value);
        }
    }

    private static string SafeExitCode(Process p)
    {
        try
        {
            return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningLine();
}
