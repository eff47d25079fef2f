namespace ZtStream.Host.Tests.Cli;

/// <summary>A command run in this process through the one runner (<c>ZtStreamCli.RunAsync</c>), as a user runs it.</summary>
internal static class CliRun
{
    /// <summary>
    /// Runs <c>ztstream</c> with <paramref name="args"/> to its end: the exit code and what it wrote to standard output
    /// and standard error. The writers are synchronised, as a command may write from several threads (bench's clients).
    /// </summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ZtStreamCli.RunAsync(args, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), Ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// <c>ztstream run</c> on a throwaway SQLite store in <paramref name="folder"/>, with configuration <paramref name="key"/>
    /// naming a file <paramref name="name"/> there that holds <paramref name="content"/> (a policy, a rule file): the file and the run.
    /// </summary>
    public static async Task<(string File, (int Code, string Out, string Err) Run)> RunWithFileAsync(
        TempFolder folder, string key, string content, string name = "refused.yaml")
    {
        var file = Path.Combine(folder.Path, name);
        await File.WriteAllTextAsync(file, content, Ct);
        return (file, await RunAsync("run", "--urls", "http://127.0.0.1:0", "--sqlite", Database(folder), "--set", $"{key}={file}"));
    }

    /// <summary>
    /// The one line <paramref name="run"/> wrote to standard error, once it is shown to have exited <paramref name="code"/>:
    /// a command that fails says what went wrong once, never with a stack trace.
    /// </summary>
    public static string OneErrorLine((int Code, string Out, string Err) run, int code)
    {
        Assert.Equal(code, run.Code);
        return Assert.Single(run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// The data places of a throwaway <c>run</c> or <c>check</c> in <paramref name="folder"/>: a SQLite store and an
    /// embedded event log of its own, so what one test starts never meets another's data.
    /// </summary>
    public static string[] DataIn(TempFolder folder) => ["--sqlite", Database(folder), "--event-log-path", Path.Combine(folder.Path, "log")];

    /// <summary>The SQLite store of <see cref="DataIn"/>.</summary>
    public static string Database(TempFolder folder) => Path.Combine(folder.Path, "zt.db");

    /// <summary>The run is refused with exit code 2 (a usage or configuration error), not a crash; what it wrote to stderr.</summary>
    public static async Task<string> ExitsTwoAsync(Task<(int Code, string Out, string Err)> run)
    {
        var (code, _, err) = await run;
        Assert.Equal(2, code);
        return err;
    }
}
