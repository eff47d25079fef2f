using Microsoft.Extensions.Configuration;

namespace ZtStream.Platform.Hosting;

/// <summary>What a sub-command of the <c>ztstream</c> binary gets: its output streams and the merged configuration.</summary>
/// <param name="Configuration">Config file, ZTSTREAM_ environment variables and command-line switches, merged.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, IConfiguration Configuration, TimeProvider Time);

/// <summary>A sub-command of the <c>ztstream</c> binary (sources, simulate, replay …), dispatched by the host by <see cref="Name"/>.</summary>
internal interface ICliCommand
{
    string Name { get; }

    string Summary { get; }

    /// <summary>Runs with the arguments after the command name; returns the exit code (2 for bad usage).</summary>
    Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken);
}
