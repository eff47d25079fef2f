namespace ZtStream.Platform.Hosting;

/// <summary>What a sub-command of the <c>ztstream</c> binary gets: its output streams and the merged configuration.</summary>
/// <param name="Configuration">Config file, ZTSTREAM_ environment variables and command-line switches, merged.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, IConfiguration Configuration, TimeProvider Time);
