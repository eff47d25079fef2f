namespace ZtStream.Host.Bench;

/// <summary>What <c>ztstream bench</c> sends and how.</summary>
internal sealed record BenchSettings
{
    public int Principals { get; init; } = 1_000;

    public int Days { get; init; } = 3;

    public int Seed { get; init; } = 7;

    public IReadOnlyList<string> Scenarios { get; init; } = Verifier.Simulation.Scenarios.All;

    /// <summary>Concurrent keep-alive connections, each sending its own principals' batches one after another.</summary>
    public int Clients { get; init; } = 4;

    public int BatchSize { get; init; } = 1_000;

    /// <summary>HTTP/2 over TLS (ALPN) instead of HTTP/1.1 in clear.</summary>
    public bool Http2 { get; init; }

    /// <summary>Only the first this many events of the simulation.</summary>
    public long? Events { get; init; }

    /// <summary>About this many events of other principals, attacks included, sent through the pipeline before measuring (0: none).</summary>
    public long Warmup { get; init; } = 30_000;

    /// <summary>Stop sending after this long.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The memory-only event log instead of the durable file log.</summary>
    public bool MemoryLog { get; init; }

    /// <summary>Declares the options on <paramref name="command"/>; returns how to read them.</summary>
    public static Func<ParseResult, BenchSettings> AddOptions(Command command)
    {
        var principals = new Option<int>("--principals") { Description = "simulated principals", HelpName = "N", DefaultValueFactory = _ => 1_000 }.Between(20, 100_000);
        var days = new Option<int>("--days") { Description = "simulated days of traffic", HelpName = "N", DefaultValueFactory = _ => 3 }.Between(1, 30);
        var seed = new Option<int>("--seed") { Description = "random seed of the simulation", HelpName = "N", DefaultValueFactory = _ => 7 }.Between(int.MinValue, int.MaxValue);
        var scenarios = SimulateCommand.ScenariosOption("--scenario", "--scenarios");
        var clients = new Option<int>("--clients") { Description = "concurrent keep-alive connections", HelpName = "N", DefaultValueFactory = _ => 4 }.Between(1, 64);
        var batch = new Option<int>("--batch") { Description = "events per request", HelpName = "N", DefaultValueFactory = _ => 1_000 }.Between(1, 5_000);
        var http2 = new Option<bool>("--http2") { Description = "HTTP/2 over TLS instead of HTTP/1.1" };
        var events = new Option<long?>("--events") { Description = "send only the first N events of the simulation", HelpName = "N" }.Between(1, long.MaxValue);
        var duration = CliCommandLine.Seconds("--duration", "stop sending after this many seconds", allowZero: false);
        var warmup = new Option<long>("--warmup") { Description = "about this many events of other principals, attacks included, sent through the whole pipeline before measuring, so the JIT has compiled it (0: none)", HelpName = "N", DefaultValueFactory = _ => 30_000 }.Between(0, long.MaxValue);
        var memory = new Option<bool>("--memory") { Description = "use the memory-only event log instead of the durable file log" };
        foreach (var option in new Option[] { principals, days, seed, scenarios, clients, batch, http2, events, duration, warmup, memory })
        {
            command.Add(option);
        }

        return parsed => new BenchSettings
        {
            Principals = parsed.GetValue(principals),
            Days = parsed.GetValue(days),
            Seed = parsed.GetValue(seed),
            Scenarios = parsed.GetValue(scenarios)!,
            Clients = parsed.GetValue(clients),
            BatchSize = parsed.GetValue(batch),
            Http2 = parsed.GetValue(http2),
            Events = parsed.GetValue(events),
            Duration = parsed.GetValue(duration) is { } d ? TimeSpan.FromSeconds(d) : null,
            Warmup = parsed.GetValue(warmup),
            MemoryLog = parsed.GetValue(memory),
        };
    }
}
