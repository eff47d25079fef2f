namespace ZtStream.Host.Check;

/// <summary>
/// <c>ztstream check [--config FILE]</c>: reaches everything the configuration names — event log, store, command bus,
/// the OAuth revocation endpoint, SSF receivers, the Kubernetes API, notification targets — with its credentials, and
/// prints one line per check; exits 1 when any fails.
/// </summary>
internal sealed class CheckCommand : ICliCommand
{
    public Command Build()
    {
        var timeout = new Option<int>("--timeout") { Description = "seconds each check may take", HelpName = "SECONDS", DefaultValueFactory = _ => 10 }.Between(1, 300);
        var command = new Command("check", "test connectivity and credentials of everything configured (event log, store, bus, OAuth, SSF receivers, Kubernetes, notification targets); one line each, exit 1 if any fails");
        command.Options.Add(timeout);
        command.SetCliAction((parsed, context, ct) => RunAsync(context, TimeSpan.FromSeconds(parsed.GetValue(timeout)), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A section that would stop `run` is reported as such, before anything is reached. A value that cannot be used as
        // given is said with the others, by `run`'s own checks below; left out here, it hides no other problem.
        var configuration = Configuration.ConfigurationSchema.WithoutValueProblems(context.Configuration);
        var problems = new List<string>();
        problems.AddRange(Bound(() => EventLogOptionsValidator.Validate(EventLogServiceCollectionExtensions.BindEventLogOptions(configuration))));
        problems.AddRange(Bound(() => StoreOptionsValidator.Validate(configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new())));
        problems.AddRange(Bound(() => BusOptionsValidator.Validate(configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new())));
        problems.AddRange(Bound(() => (configuration.GetSection(ResponderDriversOptions.Section).Get<ResponderDriversOptions>() ?? new()).Validate()));
        problems.AddRange(Bound(() => NotificationOptionsValidator.Validate(configuration.GetSection(NotificationOptions.Section).Get<NotificationOptions>() ?? new())));

        // Everything else `run` refuses (roles, listen addresses, policy and rule files, every role's options): built as
        // `run` builds it, never started, so "all checks passed" is never said of a configuration that would not start.
        var run = RunCommand.BuildValidated(context, problems, builder => builder.Logging.ClearProviders());
        if (run is not null)
        {
            await run.DisposeAsync();
        }

        problems = [.. problems.Distinct(StringComparer.Ordinal)];
        if (problems.Count > 0)
        {
            return await CliCommandLine.FailAsync(context.Error, problems);
        }

        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var failed = 0;
        var warned = 0;
        await foreach (var result in new ConnectivityChecks(configuration, timeout, http).RunAsync(cancellationToken))
        {
            failed += result.Ok ? 0 : 1;
            warned += result.Warning ? 1 : 0;
            await context.Out.WriteLineAsync(result.ToString());
        }

        // Warnings do not change the exit code: what they name starts and runs, only not as the operator likely meant.
        var warnings = warned == 0 ? "" : $"; {warned} warning(s)";
        await context.Out.WriteLineAsync(failed == 0 ? "all checks passed" + warnings : $"{failed} check(s) failed{warnings}");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>A section's problems, or the one line naming the key whose value the binder cannot convert.</summary>
    private static IEnumerable<string> Bound(Func<IEnumerable<string>> validate)
    {
        try
        {
            return [.. validate()];
        }
        catch (InvalidOperationException e) when (RunCommand.IsBindingFailure(e))
        {
            return [e.Message];
        }
    }
}
