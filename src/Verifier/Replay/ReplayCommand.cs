namespace ZtStream.Verifier.Replay;

/// <summary>
/// <c>ztstream replay FILE|- [--format ndjson|k8s-audit|falco|okta|entra|keycloak|auth0|google-workspace|aws-cloudtrail|azure-activity] [--policy FILE] [--labels FILE] [--json]</c>: runs the
/// scoring offline with time taken from the events, prints alerts as NDJSON and, with labels, the evaluation.
/// The readers are given by the host (they live in Ingest): each maps and validates as the live endpoint, and what
/// they refuse is counted and reported on stderr, not scored. FILE <c>-</c> is standard input, as for any Unix filter.
/// Exit codes as <c>rules backtest</c>: 0, 1 when an input item was refused (<see cref="RecordedInput.Read.ExitCode"/>),
/// 2 bad usage or configuration.
/// </summary>
internal sealed class ReplayCommand(IReadOnlyDictionary<string, SourceFileReader> readers) : ICliCommand
{
    public const string Ndjson = SourceFileFormats.Canonical;

    public Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "recorded events; - reads them from standard input" };
        var format = new Option<string>("--format") { Description = $"how FILE is written: {string.Join("|", new RecordedInput(readers).Formats)}", HelpName = "FORMAT", DefaultValueFactory = _ => Ndjson };
        var policy = new Option<string>("--policy") { Description = "zero-trust policy file (default: the built-in policy)", HelpName = "FILE" };
        var labels = new Option<string>("--labels") { Description = "ground truth (from simulate --labels): adds detection and false-positive rates", HelpName = "FILE" };
        var json = new Option<bool>("--json") { Description = "print the evaluation as one JSON line instead of a table" };
        var command = new Command("replay", "score recorded events offline (event time) and print alerts; with labels, detection and false-positive rates")
        {
            file, format, policy, labels, json,
        };
        command.SetCliAction((parsed, context, ct) => RunAsync(
            parsed, parsed.GetValue(file)!, parsed.GetValue(format)!, parsed.GetValue(policy), parsed.GetValue(labels), parsed.GetValue(json), context, ct));
        return command;
    }

    private async Task<int> RunAsync(
        ParseResult parsed, string file, string format, string? policyPath, string? labelsPath, bool json, CliContext context, CancellationToken cancellationToken)
    {
        var input = new RecordedInput(readers);
        List<string> problems = [.. input.Problems(file, format, "file")];

        if (policyPath is not null && UserFiles.ReadProblem(policyPath, "policy file") is { } policyProblem)
        {
            problems.Add(policyProblem);
        }

        if (labelsPath is not null && UserFiles.ReadProblem(labelsPath, "labels file") is { } labelsProblem)
        {
            problems.Add(labelsProblem);
        }

        var options = context.Configuration.GetSection(VerifierOptions.Section).Get<VerifierOptions>() ?? new VerifierOptions();
        options = options with { PolicyPath = null };
        var configuration = VerifierOptionsValidator.Validate(options);

        ZeroTrustPolicy? policy = null;
        RuleSet rules = RuleSet.Empty;
        if (problems.Count == 0 && configuration.Count == 0)
        {
            // The same rules `run` would load (a bad rule file was refused by the validation above).
            rules = new RuleSet(RuleLoader.LoadConfigured(options.Rules).Rules);

            try
            {
                policy = policyPath is not null ? PolicyLoader.LoadFile(policyPath) : DefaultPolicy.Load();
            }
            catch (PolicyException ex)
            {
                problems.Add(ex.Message);
            }
        }

        List<ScenarioLabel>? labels = null;
        try
        {
            labels = problems.Count == 0 && configuration.Count == 0 && labelsPath is not null ? SimulateCommand.ReadLabels(labelsPath) : null;
        }
        catch (FormatException ex)
        {
            problems.Add(ex.Message);
        }

        if (problems.Count > 0 || configuration.Count > 0)
        {
            // A bad rule file among the configured ones is a configuration error, as `run` says it, beside any misused argument.
            var code = await CliCommandLine.FailAsync(context.Error, configuration);
            return problems.Count > 0 ? await CliCommandLine.UsageAsync(context.Error, parsed, problems) : code;
        }

        if (labels is { Count: 0 })
        {
            // What `simulate --scenarios none --labels` writes, so not refused; but a wrong or truncated file reads the same.
            await context.WarnAsync($"labels file '{labelsPath}' holds no label: no scenario to detect, every alert counts as a false positive");
        }

        var model = options.ModelEnabled ? new ModelHost(options) : null;
        List<string> notTrained = [];
        if (model is not null)
        {
            model.NotTrained += (reason, samples) => notTrained.Add($"the anomaly model was not trained on {samples} benign events ({reason}); replay went on without it");
        }

        var engine = new ScoringEngine(options, policy, model, new RuleSetHolder(rules));
        var evaluator = labels is null ? null : new Evaluator(labels, options.AlertThreshold);
        var read = await input.ReadAsync(file, format, context, async e =>
        {
            var result = engine.Score(e);
            engine.DeliverLinksLocally();
            evaluator?.Observe(e, result);
            if (result.Alert is { } alert)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert));
            }

            // A staged rule's alert is printed too, flagged "staged": true, as a running Verifier publishes it.
            if (result.Staged is { } staged)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(staged, ContractsJsonContext.Default.Alert));
            }
        }, cancellationToken);
        if (read.NotJson is { } notJson)
        {
            return await CliCommandLine.UsageAsync(context.Error, parsed, [notJson]);
        }

        foreach (var note in notTrained)
        {
            await context.WarnAsync(note);
        }

        if (read.Events == 0 && read.Refused > 0)
        {
            // Nothing was evaluated: a 0 here would tell a script that the recording was replayed and raised no alert.
            await context.ErrorAsync($"nothing in {(file == RecordedInput.StandardInput ? "standard input" : file)} could be scored");
            return 1;
        }

        if (evaluator is not null)
        {
            var report = evaluator.Report();
            if (json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, VerifierJsonContext.Default.EvaluationReport));
            }
            else
            {
                await WriteTableAsync(context.Out, report);
            }
        }

        return read.ExitCode;
    }

    public static async Task WriteTableAsync(TextWriter o, EvaluationReport r)
    {
        await o.WriteLineAsync("scenario                     detected  alerted  severity  events-to-detection  principal");
        foreach (var (name, s) in r.Scenarios)
        {
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{name,-28} {(s.Detected ? "yes" : "NO"),-9} {(s.Alerted ? "yes" : "NO"),-8} {s.Severity,-9} {(s.EventsToDetection?.ToString(CultureInfo.InvariantCulture) ?? "-"),-20} {s.Principal}"));
        }

        var alerted = r.Scenarios.Values.Count(s => s.Alerted);
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"scenarios alerted {alerted} of {r.Scenarios.Count} ({Percent(alerted, r.Scenarios.Count)}), detected high or above {r.Scenarios.Values.Count(s => s.Detected)}; benign events alerted {r.BenignEventsAlerted} of {r.BenignEvents} ({Percent(r.BenignEventsAlerted, r.BenignEvents)})"));
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"events {r.Events}, alerts {r.Alerts}, false positives {r.FalsePositiveAlerts} = {r.FalsePositivesPer1000PrincipalDays} per 1,000 benign principal-days ({r.BenignPrincipalDays} principal-days)"));
    }

    private static string Percent(long part, long whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + " %";
}
