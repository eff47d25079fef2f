using ZtStream.Platform.Http;

namespace ZtStream.Verifier.Simulation;

/// <summary>
/// <c>ztstream simulate --principals N --days D --seed S --scenarios LIST --out events.ndjson --labels labels.ndjson</c>:
/// writes simulated traffic with injected attacks as NDJSON, and the ground truth.
/// </summary>
internal sealed class SimulateCommand : ICliCommand
{
    public Command Build()
    {
        var principals = new Option<int>("--principals") { Description = "simulated principals", HelpName = "N", DefaultValueFactory = _ => 200 }.Between(20, 1_000_000);
        var days = new Option<int>("--days") { Description = "days of traffic", HelpName = "D", DefaultValueFactory = _ => 2 }.Between(1, 365);
        var seed = new Option<int>("--seed") { Description = "random seed: the same seed writes the same traffic", HelpName = "S", DefaultValueFactory = _ => 1 }.Between(int.MinValue, int.MaxValue);
        var scenarios = ScenariosOption("--scenarios");
        var output = new Option<string>("--out") { Description = "events file (NDJSON); standard output when absent", HelpName = "events.ndjson" };
        var labels = new Option<string>("--labels") { Description = "ground-truth file: one line per injected attack", HelpName = "labels.ndjson" };
        var command = new Command("simulate", "write realistic container traffic with injected attacks (NDJSON) and their labels")
        {
            principals, days, seed, scenarios, output, labels,
        };
        command.SetCliAction((parsed, context, ct) => RunAsync(
            new SimulationOptions
            {
                Principals = parsed.GetValue(principals),
                Days = parsed.GetValue(days),
                Seed = parsed.GetValue(seed),
                Scenarios = parsed.GetValue(scenarios)!,
            },
            parsed.GetValue(output),
            parsed.GetValue(labels),
            context,
            ct));
        return command;
    }

    /// <summary>The <c>--scenarios</c> option of the commands that simulate traffic: all (default), none, or a comma-separated list.</summary>
    public static Option<List<string>> ScenariosOption(string name, params string[] aliases) => new(name, aliases)
    {
        Description = $"attack scenarios to inject: all (default), none, or a comma-separated list of {string.Join(", ", Scenarios.All)}",
        HelpName = "all|none|a,b",
        Arity = ArgumentArity.ExactlyOne,
        DefaultValueFactory = _ => [.. Scenarios.All],
        CustomParser = result =>
        {
            var scenarios = Scenarios.Parse(result.Tokens[^1].Value, out var unknown);
            foreach (var u in unknown)
            {
                result.AddError($"unknown scenario '{u}' (known: {string.Join(", ", Scenarios.All)}, all, none)");
            }

            return scenarios;
        },
    };

    private static async Task<int> RunAsync(SimulationOptions options, string? outPath, string? labelsPath, CliContext context, CancellationToken cancellationToken)
    {
        var simulator = new TrafficSimulator(options);
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

        if (labelsPath is not null)
        {
            await WriteLabelsAsync(labelsPath, simulator.Labels, cancellationToken);
        }

        await context.ErrorAsync(
            $"{count} events, {simulator.PrincipalCount} principals, {options.Days} days, seed {options.Seed}, {simulator.Labels.Count} scenarios injected");
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

    /// <summary>The labels <c>simulate --labels</c> wrote; a <see cref="FormatException"/> naming the line that is not one.</summary>
    public static List<ScenarioLabel> ReadLabels(string path)
    {
        var list = new List<ScenarioLabel>();
        var lines = UserFiles.ReadText(path).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var notALabel = $"labels file '{path}' line {i + 1} is not a label as 'ztstream simulate --labels' writes them";
            ScenarioLabel? label;
            try
            {
                label = JsonSerializer.Deserialize(lines[i], VerifierJsonContext.Default.ScenarioLabel);
            }
            catch (JsonException e)
            {
                var error = JsonMembers.Unreadable(e, VerifierJsonContext.Default.ScenarioLabel);
                throw new FormatException($"{notALabel}: {error.Field}: {error.Reason}", e);
            }

            // The deserializer takes null for a reference member; the evaluation indexes by these.
            if ((label is null ? "$" : label.NullMember()) is { } member)
            {
                throw new FormatException($"{notALabel}: {member}: required");
            }

            list.Add(label!);
        }

        return list;
    }
}
