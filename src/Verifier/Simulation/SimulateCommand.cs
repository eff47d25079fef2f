using System.Text;
using System.Text.Json;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform.Hosting;
using ZtStream.Verifier.Replay;

namespace ZtStream.Verifier.Simulation;

/// <summary>
/// <c>ztstream simulate --principals N --days D --seed S --scenarios LIST --out events.ndjson --labels labels.ndjson</c>:
/// writes simulated traffic with injected attacks as NDJSON, and the ground truth.
/// </summary>
internal sealed class SimulateCommand : ICliCommand
{
    private static readonly string[] Valued = ["principals", "days", "seed", "scenarios", "out", "labels"];

    public string Name => "simulate";

    public string Summary => "write realistic container traffic with injected attacks (NDJSON) and their labels";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        var a = new CliArgs(args, Valued, []);
        var options = new SimulationOptions
        {
            Principals = a.Int("principals", 200, 20, 1_000_000),
            Days = a.Int("days", 2, 1, 365),
            Seed = a.Int("seed", 1, int.MinValue, int.MaxValue),
            Scenarios = Scenarios.Parse(a.Value("scenarios"), out var unknown),
        };
        foreach (var u in unknown)
        {
            a.Problems.Add($"unknown scenario '{u}' (known: {string.Join(", ", Scenarios.All)}, all, none)");
        }

        if (a.Positional.Count > 0)
        {
            a.Problems.Add($"unexpected argument '{a.Positional[0]}'");
        }

        if (a.Problems.Count > 0)
        {
            foreach (var p in a.Problems)
            {
                await context.Error.WriteLineAsync($"simulate: {p}");
            }

            await context.Error.WriteLineAsync("usage: ztstream simulate [--principals N] [--days D] [--seed S] [--scenarios all|none|a,b] [--out events.ndjson] [--labels labels.ndjson]");
            return 2;
        }

        var simulator = new TrafficSimulator(options);
        var outPath = a.Value("out");
        long count = 0;
        await using (var output = outPath is null ? null : new FileStream(outPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
        {
            foreach (var se in simulator.Generate())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var bytes = ContractJson.Serialize(se.Event);
                if (output is not null)
                {
                    output.Write(bytes);
                    output.WriteByte((byte)'\n');
                }
                else
                {
                    await context.Out.WriteLineAsync(Encoding.UTF8.GetString(bytes));
                }

                count++;
            }
        }

        if (a.Value("labels") is { } labelsPath)
        {
            await WriteLabelsAsync(labelsPath, simulator.Labels, cancellationToken);
        }

        await context.Error.WriteLineAsync(
            $"simulate: {count} events, {simulator.PrincipalCount} principals, {options.Days} days, seed {options.Seed}, {simulator.Labels.Count} scenarios injected");
        return 0;
    }

    public static async Task WriteLabelsAsync(string path, IEnumerable<ScenarioLabel> labels, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder();
        foreach (var l in labels)
        {
            sb.Append(JsonSerializer.Serialize(l, VerifierJsonContext.Default.ScenarioLabel)).Append('\n');
        }

        await File.WriteAllTextAsync(path, sb.ToString(), cancellationToken);
    }

    public static List<ScenarioLabel> ReadLabels(string path)
    {
        var list = new List<ScenarioLabel>();
        foreach (var line in File.ReadLines(path))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                list.Add(JsonSerializer.Deserialize(line, VerifierJsonContext.Default.ScenarioLabel) ?? throw new JsonException("null label"));
            }
        }

        return list;
    }
}
