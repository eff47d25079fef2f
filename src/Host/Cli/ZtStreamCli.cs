using System.Reflection;
using System.Runtime.InteropServices;
using ZtStream.Host.Configuration;
using ZtStream.Host.Run;
using ZtStream.Platform.Hosting;

namespace ZtStream.Host.Cli;

/// <summary>The <c>ztstream</c> command line: <c>run</c> and the sub-commands the roles contribute.</summary>
internal static class ZtStreamCli
{
    /// <summary>Exit code of a bad command line or configuration.</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var commands = CommandCatalog.Create();
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            WriteUsage(stdout, commands);
            return args.Length == 0 ? UsageError : 0;
        }

        if (args[0] is "--version" or "version")
        {
            await stdout.WriteLineAsync(Assembly.GetExecutingAssembly().GetName().Version?.ToString() ?? "0");
            return 0;
        }

        var name = args[0];
        var parsed = HostArguments.Parse(args[1..]);
        var problems = new List<string>(parsed.Problems);
        var configuration = HostConfiguration.Build(parsed, problems);
        if (problems.Count > 0)
        {
            return await FailAsync(stderr, problems);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = OnSignal(PosixSignal.SIGINT, cts);
        using var sigterm = OnSignal(PosixSignal.SIGTERM, cts);
        var context = new CliContext(stdout, stderr, configuration, TimeProvider.System);
        if (name == "run")
        {
            if (parsed.Rest.Count > 0)
            {
                return await FailAsync(stderr, [$"run: unknown argument '{parsed.Rest[0]}'"]);
            }

            return await RunCommand.RunAsync(context, cts.Token);
        }

        var command = commands.FirstOrDefault(c => c.Name == name);
        if (command is null)
        {
            await stderr.WriteLineAsync($"unknown command '{name}'");
            WriteUsage(stderr, commands);
            return UsageError;
        }

        return await command.RunAsync(parsed.Rest, context, cts.Token);
    }

    internal static async Task<int> FailAsync(TextWriter stderr, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync($"configuration error: {problem}");
        }

        return UsageError;
    }

    private static void WriteUsage(TextWriter writer, IReadOnlyList<ICliCommand> commands)
    {
        writer.WriteLine("usage: ztstream <command> [options]");
        writer.WriteLine();
        writer.WriteLine("  run        run roles: --roles ingest,verifier,responder (default all) [--config FILE]");
        writer.WriteLine("             [--event-log file|memory|kafka --event-log-path DIR --kafka HOST:PORT] [--store sqlite|postgres --postgres CONN]");
        writer.WriteLine("             [--bus inmemory|rabbitmq --rabbitmq URI] [--urls URL] [--set Section:Key=value]");
        foreach (var command in commands)
        {
            writer.WriteLine($"  {command.Name,-10} {command.Summary}");
        }
    }

    private static PosixSignalRegistration? OnSignal(PosixSignal signal, CancellationTokenSource cts)
    {
        // Ctrl-C and SIGTERM (docker stop, Kubernetes) stop the command cleanly through its token instead of killing it mid-write.
        try
        {
            return PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
