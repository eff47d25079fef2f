namespace ZtStream.Host.Demo;

/// <summary>The simulated traffic of <c>demo</c>, <c>bench</c> and <c>simulate-feed</c>, and the options that set it.</summary>
internal sealed record DemoSettings(bool NoBrowser, TimeSpan? Duration, int Seed, IReadOnlyList<string> Scenarios, int Principals, TimeSpan Interval)
{
    /// <summary><c>--memory</c> (<c>demo</c>, <c>bench</c>): the memory-only event log instead of the durable file log, to measure the log's share.</summary>
    public bool MemoryLog { get; init; }

    /// <summary>A stop set off by <paramref name="cancellationToken"/> (Ctrl-C) or at the end of <see cref="Duration"/>, whichever comes first.</summary>
    public CancellationTokenSource StopAfterDuration(CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }

        return stop;
    }

    /// <summary>A command that takes just these settings (<c>demo</c>, <c>bench</c>) and runs <paramref name="run"/> with them.</summary>
    public static Command CreateCommand(string name, string description, Func<DemoSettings, CliContext, CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description);
        var settings = AddOptions(command);
        var memory = new Option<bool>("--memory") { Description = "use the memory-only event log instead of the durable file log" };
        command.Add(memory);
        command.SetCliAction((parsed, context, ct) => run(settings(parsed) with { MemoryLog = parsed.GetValue(memory) }, context, ct));
        return command;
    }

    /// <summary>Adds the settings' options to <paramref name="command"/>; returns how to read them from its parse result.</summary>
    public static Func<ParseResult, DemoSettings> AddOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var noBrowser = new Option<bool>("--no-browser") { Description = "do not suggest opening the console" };
        var duration = CliCommandLine.Seconds("--duration", "stop after this many seconds (default: until Ctrl-C)", allowZero: false);
        var seed = new Option<int>("--seed") { Description = "random seed of the simulation", HelpName = "N", DefaultValueFactory = _ => 7 }.Between(int.MinValue, int.MaxValue);
        var scenarios = SimulateCommand.ScenariosOption("--scenario", "--scenarios");
        var principals = new Option<int>("--principals") { Description = "simulated principals", HelpName = "N", DefaultValueFactory = _ => 60 }.Between(20, 5_000);
        var interval = CliCommandLine.Seconds("--interval", "wall-clock seconds between attacks (default 4)", allowZero: true);
        foreach (var option in new Option[] { noBrowser, duration, seed, scenarios, principals, interval })
        {
            command.Add(option);
        }

        return parsed => new DemoSettings(
            parsed.GetValue(noBrowser),
            parsed.GetValue(duration) is { } d ? TimeSpan.FromSeconds(d) : null,
            parsed.GetValue(seed),
            parsed.GetValue(scenarios)!,
            parsed.GetValue(principals),
            TimeSpan.FromSeconds(parsed.GetValue(interval) ?? 4));
    }
}
