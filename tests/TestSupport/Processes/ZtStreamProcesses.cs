namespace ZtStream.TestSupport.Processes;

/// <summary>
/// The <c>ztstream</c> processes one test starts, all in one temporary working folder; disposing kills every one of them
/// and removes the folder, also when the test fails.
/// </summary>
public sealed class ZtStreamProcesses(string prefix) : IAsyncDisposable
{
    private readonly List<ZtStreamProcess> processes = [];

    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory(prefix);

    /// <summary>
    /// The SQLite store in <see cref="Folder"/> (<c>zt.db</c>) for <c>--sqlite</c>: the one store the processes of a test
    /// share, from <c>sources add</c> to <c>run</c>.
    /// </summary>
    public string SqlitePath => Path.Combine(Folder.FullName, "zt.db");

    /// <summary>Every process's output so far, each under its name (for a failing test's message).</summary>
    public string Output
    {
        get
        {
            lock (processes)
            {
                return string.Join('\n', processes.Select(p => $"==== {p.Name}{(p.HasExited ? " (exited)" : "")} ====\n{p.Output}"));
            }
        }
    }

    /// <summary>
    /// Starts <c>ztstream ARGS</c> in <see cref="Folder"/>, with <paramref name="environment"/> beside the inherited
    /// variables (under <paramref name="launcher"/> when given, and with <paramref name="standardInput"/> a pipe the test
    /// writes to, see <see cref="ZtStreamProcess.StartAsync"/>); for <c>run</c>, waits until it listens.
    /// </summary>
    public async Task<ZtStreamProcess> StartAsync(
        string name,
        IReadOnlyList<string> args,
        bool waitForListening,
        CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? launcher = null,
        bool standardInput = false)
    {
        try
        {
            var p = await ZtStreamProcess.StartAsync(name, args, environment, Folder.FullName, waitForListening, ct, launcher, standardInput);
            lock (processes)
            {
                processes.Add(p);
            }

            return p;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{name} did not start: {e.Message}", e);
        }
    }

    /// <summary>
    /// Starts <c>ztstream run --urls http://127.0.0.1:0 ARGS…</c> as <paramref name="name"/>, on a loopback port the system
    /// picks (read it from <see cref="ZtStreamProcess.Url"/>), and returns it once it listens.
    /// </summary>
    public Task<ZtStreamProcess> RunAsync(
        string name,
        IReadOnlyList<string> args,
        CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(name, ["run", "--urls", "http://127.0.0.1:0", .. args], waitForListening: true, ct, environment);

    /// <summary>
    /// Runs <c>ztstream ARGS</c> as <paramref name="name"/> to its end (a command, or a start that is refused) and fails the
    /// test, with its output, unless it exits <paramref name="expected"/> within <paramref name="timeout"/>: the process, to read.
    /// <paramref name="environment"/> and <paramref name="launcher"/> are <see cref="StartAsync"/>'s.
    /// </summary>
    public async Task<ZtStreamProcess> RunToExitAsync(
        string name,
        IReadOnlyList<string> args,
        int expected,
        TimeSpan timeout,
        CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? launcher = null)
    {
        var p = await StartAsync(name, args, waitForListening: false, ct, environment, launcher);
        await p.ExitsWithAsync(expected, timeout, ct);
        return p;
    }

    /// <summary><c>ztstream sources add NAME ARGS…</c>: the new source's key (the last line it prints).</summary>
    public async Task<string> AddSourceAsync(string name, IReadOnlyList<string> seams, CancellationToken ct)
    {
        var p = await StartAsync("sources-" + name, ["sources", "add", name, .. seams], false, ct);
        var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(90), ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"ztstream sources add {name} exited with {code}:\n{p.Output}");
        }

        // The key is standard output's last line; the scope notice goes to standard error.
        return p.LastStandardOutputLine;
    }

    public async ValueTask DisposeAsync()
    {
        ZtStreamProcess[] started;
        lock (processes)
        {
            started = [.. processes];
        }

        foreach (var p in started)
        {
            await p.DisposeAsync();
        }

        try
        {
            Folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process still exiting holds a file; the temp folder is reclaimed later.
        }
    }
}
