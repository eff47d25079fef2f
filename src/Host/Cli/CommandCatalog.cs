using ZtStream.Platform.Hosting;

namespace ZtStream.Host.Cli;

/// <summary>The sub-commands the roles contribute to the binary.</summary>
internal static class CommandCatalog
{
    public static IReadOnlyList<ICliCommand> Create() => [];
}
