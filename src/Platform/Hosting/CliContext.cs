namespace ZtStream.Platform.Hosting;

/// <summary>What a sub-command of the <c>ztstream</c> binary gets: its output streams and the merged configuration.</summary>
/// <param name="Configuration">Config file, ZTSTREAM_ environment variables and command-line switches, merged.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, IConfiguration Configuration, TimeProvider Time)
{
    /// <summary>The <c>--config</c> file's full path, or null when none was given.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// Merges the configuration again from the same sources, the config file as it reads now: what a command that runs
    /// on watches the file with. Each problem (an unknown key, malformed JSON) goes to the list, as at start.
    /// </summary>
    public Func<List<string>, IConfiguration>? ReadConfigurationAgain { get; init; }
}
