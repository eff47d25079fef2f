namespace ZtStream.Platform.Hosting;

/// <summary>What a sub-command of the <c>ztstream</c> binary gets: its output streams and the merged configuration.</summary>
/// <param name="Configuration">Config file, ZTSTREAM_ environment variables and command-line switches, merged.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, IConfiguration Configuration, TimeProvider Time)
{
    /// <summary>
    /// The path of the command being run (<c>ztstream sources add</c>), which <see cref="CliCommandLine"/> sets: every line
    /// the command says on <see cref="Error"/> starts with it, as the runner's own lines do, so a script or an operator
    /// reads one shape whoever found the problem.
    /// </summary>
    public string Command { get; init; } = "ztstream";

    /// <summary>The <c>--config</c> file's full path, or null when none was given.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// Merges the configuration again from the same sources, the config file as it reads now: what a command that runs
    /// on watches the file with. Each problem (an unknown key, malformed JSON) goes to the list, as at start.
    /// </summary>
    public Func<List<string>, IConfiguration>? ReadConfigurationAgain { get; init; }

    /// <summary>Says <paramref name="message"/> (a problem, or a note that keeps stdout for the command's output) on stderr under <see cref="Command"/>.</summary>
    public Task ErrorAsync(string message) => Error.WriteLineAsync(Line(message));

    /// <summary>Says <paramref name="message"/> on stderr under <see cref="Command"/> as a warning: the command goes on.</summary>
    public Task WarnAsync(string message) => ErrorAsync($"warning: {message}");

    /// <summary><paramref name="message"/> as a line of this command's on stderr, for a writer that cannot await (a timer's).</summary>
    public string Line(string message) => Line(Command, message);

    /// <summary>The one shape of a line a command says on stderr: <c>ztstream sources add: message</c>.</summary>
    internal static string Line(string command, string message) => $"{command}: {message}";
}
