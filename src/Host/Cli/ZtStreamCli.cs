using System.Runtime.InteropServices;
using ZtStream.Host.Configuration;

namespace ZtStream.Host.Cli;

/// <summary>The <c>ztstream</c> command line: <c>run</c> and the sub-commands the roles contribute.</summary>
internal static class ZtStreamCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);

        // "ztstream help" and "ztstream version" read as the switches they have always stood for.
        if (args is ["help"] or ["version"])
        {
            args = [$"--{args[0]}"];
        }

        var switches = new HostSwitches();
        var root = CreateRoot(switches);
        if (args.Length == 0)
        {
            // Bare "ztstream": what there is to run, with a usage exit code.
            await CliCommandLine.InvokeAsync(root, ["--help"], stdout, stderr, (_, _) => throw new UnreachableException(), cancellationToken);
            return CliCommandLine.UsageError;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = OnSignal(PosixSignal.SIGINT, cts);
        using var sigterm = OnSignal(PosixSignal.SIGTERM, cts);
        return await CliCommandLine.InvokeAsync(root, args, stdout, stderr, (parsed, problems) =>
        {
            var arguments = switches.Read(parsed, problems);
            var configuration = HostConfiguration.Build(arguments, problems);
            return new CliContext(stdout, stderr, configuration, TimeProvider.System)
            {
                // Only a file that was read is watched: an empty or unreadable --config is already a problem (exit 2).
                ConfigFile = arguments.ConfigFile is { Length: > 0 } file && problems.Count == 0 ? Path.GetFullPath(file) : null,
                ReadConfigurationAgain = again => HostConfiguration.Build(arguments, again),
            };
        }, cts.Token);
    }

    /// <summary>The whole command tree: the shared switches, <c>run</c>, and every command of <see cref="CommandCatalog"/>.</summary>
    internal static Command CreateRoot(HostSwitches? switches = null)
    {
        var root = CliCommandLine.CreateRoot("ZtStream: zero-trust continuous verification for containerized applications.");
        foreach (var option in (switches ?? new HostSwitches()).Options)
        {
            root.Add(option);
        }

        var version = new Option<bool>("--version") { Description = "print the version and exit" };
        root.Add(version);
        root.Add(RunCommand.Build());
        foreach (var command in CommandCatalog.Create())
        {
            root.Add(command.Build());
        }

        root.SetCliAction(async (parsed, context, _) =>
        {
            if (parsed.GetValue(version))
            {
                await context.Out.WriteLineAsync(Assembly.GetExecutingAssembly().GetName().Version?.ToString() ?? "0");
                return 0;
            }

            return await CliCommandLine.UsageAsync(context.Error, parsed, ["a command is required"]);
        });
        return root;
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
