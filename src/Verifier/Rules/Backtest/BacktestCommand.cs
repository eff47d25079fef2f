using ZtStream.Verifier.Replay;

namespace ZtStream.Verifier.Rules.Backtest;

/// <summary>
/// <c>ztstream rules backtest [PATH…] --events FILE [--format F] [--against PATH…] [--samples N] [--json]</c>: what a rule
/// set (and, against another, a change to it) would have matched on recorded traffic, per rule. The events are read as
/// <c>replay</c> reads them (each source's payload mapped with the configured <c>Ingest</c> section and validated as live
/// ingestion; a refused item is reported on stderr with its index and reason, and counted) and scored one at a time by
/// the rule detector of a scoring engine (<see cref="RuleBacktest"/>). Exit codes as <c>rules list</c>/<c>test</c>: 0, 1 when
/// a rule file or an input item failed, 2 bad usage.
/// </summary>
internal static class BacktestCommand
{
    public const int DefaultSamples = 5;

    public static Command Build(IReadOnlyDictionary<string, SourceFileReader> readers)
    {
        var input = new RecordedInput(readers);
        var paths = RulesCommand.Paths();
        var events = new Option<string>("--events") { Description = "recorded events; - reads them from standard input", HelpName = "FILE", Required = true };
        var format = new Option<string>("--format")
        {
            Description = $"how FILE is written: {string.Join("|", input.Formats)}", HelpName = "FORMAT", DefaultValueFactory = _ => SourceFileFormats.Canonical,
        };
        var against = new Option<string[]>("--against")
        {
            Description = "the rule files or directories to compare with (the set before the change): per rule, the events only one side matched",
            HelpName = "PATH",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var samples = new Option<int>("--samples") { Description = "sample event ids per rule and per difference", HelpName = "N", DefaultValueFactory = _ => DefaultSamples }.Between(0, 1000);
        var json = new Option<bool>("--json") { Description = "one JSON object per rule and per failing file; the last line is the summary" };
        var command = new Command("backtest", "how often each rule would have matched recorded events, on whom and when; with --against, what a change adds and removes")
        {
            paths, events, format, against, samples, json,
        };
        command.SetCliAction((parsed, context, ct) => RunAsync(input, parsed, new Request(
            parsed.GetValue(paths) ?? [], parsed.GetValue(events)!, parsed.GetValue(format)!, parsed.GetValue(against) is { Length: > 0 } old ? old : null, parsed.GetValue(samples), parsed.GetValue(json)), context, ct));
        return command;
    }

    private static async Task<int> RunAsync(RecordedInput input, ParseResult parsed, Request request, CliContext context, CancellationToken cancellationToken)
    {
        List<string> problems = [.. input.Problems(request.Events, request.Format, "--events file")];
        if (problems.Count > 0)
        {
            return await CliCommandLine.UsageAsync(context.Error, parsed, problems);
        }

        // The engine's windows and gates are the configured Verifier's; its rules are the ones loaded here, so the
        // configured set is not loaded (and judged) twice.
        var options = (context.Configuration.GetSection(VerifierOptions.Section).Get<VerifierOptions>() ?? new VerifierOptions()) with { PolicyPath = null };
        var configuration = VerifierOptionsValidator.Validate(options with { Rules = new RuleOptions { Builtin = false } });
        if (configuration.Count > 0)
        {
            throw new OptionsValidationException(VerifierOptions.Section, typeof(VerifierOptions), configuration);
        }

        var run = new RuleBacktest(
            RulesCommand.Load(request.Paths, context), request.Against is null ? null : RulesCommand.LoadPaths(request.Against), options, request.Samples);
        var read = await input.ReadAsync(request.Events, request.Format, context, e =>
        {
            run.Score(e);
            return Task.CompletedTask;
        }, cancellationToken);
        if (read.NotJson is { } notJson)
        {
            return await CliCommandLine.UsageAsync(context.Error, parsed, [notJson]);
        }

        await BacktestReport.WriteAsync(context.Out, run, read.Refused, request.Json);
        var failed = run.New.Loaded.Errors.Count + (run.Old?.Loaded.Errors.Count ?? 0);
        return failed > 0 ? 1 : read.ExitCode;
    }

    private sealed record Request(string[] Paths, string Events, string Format, string[]? Against, int Samples, bool Json);
}
