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
}
