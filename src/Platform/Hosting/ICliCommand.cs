namespace ZtStream.Platform.Hosting;

/// <summary>
/// A sub-command of the <c>ztstream</c> binary (sources, simulate, replay …), contributed by the component that owns it
/// and listed by the host's <c>CommandCatalog</c>.
/// </summary>
internal interface ICliCommand
{
    /// <summary>
    /// The command as System.CommandLine declares it — name, description, arguments, options, sub-commands — with its
    /// action set through <see cref="CliCommandLine.SetCliAction"/>, so it runs with the host's merged configuration.
    /// Parsing, <c>--help</c> and usage errors (one line each, exit 2) are the host's.
    /// </summary>
    Command Build();
}
