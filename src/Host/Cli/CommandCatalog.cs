using ZtStream.Host.Bench;
using ZtStream.Host.Check;
using ZtStream.Ingest.Sources;
using ZtStream.Platform.EventLog.DeadLetters;
using ZtStream.Responder.Audit;
using ZtStream.Verifier.Replay;

namespace ZtStream.Host.Cli;

/// <summary>The sub-commands the roles contribute to the binary.</summary>
internal static class CommandCatalog
{
    public static IReadOnlyList<ICliCommand> Create() =>
    [
        new SourcesCommand(),
        new SimulateCommand(),
        new ReplayCommand(SourceFileReaders.All),
        new RulesCommand(SourceFileReaders.All),
        new DemoCommand(),
        new BenchCommand(),
        new SimulateFeedCommand(),
        new SampleCommand(),
        new CheckCommand(),
        new DlqCommand(),
        new AuditCommand(),
    ];
}
