using ZtStream.Host.Cli;

namespace ZtStream.Host;

internal static class EntryPoint
{
    private static Task<int> Main(string[] args) => ZtStreamCli.RunAsync(args, Console.Out, Console.Error);
}
