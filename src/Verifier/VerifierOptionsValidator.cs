namespace ZtStream.Verifier;

/// <summary>Checks section <c>Verifier</c> (and that the policy file and every rule file load), listing every problem at once.</summary>
internal sealed class VerifierOptionsValidator : OptionsValidator<VerifierOptions, VerifierOptionsValidator>, IOptionsRules<VerifierOptions>
{
    private const string S = VerifierOptions.Section;

    /// <summary>
    /// Adds one line per problem to <paramref name="problems"/>. A policy file must exist and parse; every rule file must
    /// load (a bad rule stops the start: one line per problem, with file, line and reason).
    /// </summary>
    public static void Check(VerifierOptions options, List<string> problems)
    {
        problems.Between($"{S}:AlertThreshold", options.AlertThreshold, 1, 100);

        problems.NotNegative($"{S}:WarmUp", options.WarmUp);
        problems.Positive($"{S}:Window", options.Window);
        problems.Positive($"{S}:DedupWindow", options.DedupWindow);
        problems.Positive($"{S}:BaselineHorizon", options.BaselineHorizon);
        problems.Positive($"{S}:ModelWarmUp", options.ModelWarmUp);
        problems.Positive($"{S}:ModelRetrainInterval", options.ModelRetrainInterval);
        problems.Positive($"{S}:CheckpointInterval", options.CheckpointInterval);
        problems.Positive($"{S}:RuntimeTaintWindow", options.RuntimeTaintWindow);
        problems.NotNegative($"{S}:WarmUpEvents", options.WarmUpEvents);
        problems.AtLeast($"{S}:BytesMinimum", options.BytesMinimum, 1);

        if (options.BytesSigma <= 0 || options.SpikeFactor <= 1)
        {
            problems.Add($"{S}:BytesSigma must be positive and SpikeFactor above 1");
        }

        if (options.RateMinimum < 1 || options.BreadthMinimum < 1 || options.DeniedMinimum < 1)
        {
            problems.Add($"{S}:RateMinimum, BreadthMinimum and DeniedMinimum must be positive");
        }

        problems.AtLeast($"{S}:MaxPrincipals", options.MaxPrincipals, 1);

        problems.Between($"{S}:Workers", options.Workers, 1, VerifierOptions.MaxWorkers);
        if (options.Workers is >= 1 and <= VerifierOptions.MaxWorkers
            && (options.MaxPrincipals < options.Workers || options.MaxOpenAlerts < options.Workers))
        {
            problems.Add($"{S}:MaxPrincipals and MaxOpenAlerts must be at least Workers ({options.Workers}): each worker keeps a share");
        }

        problems.AtLeast($"{S}:ParkMinEvents", options.ParkMinEvents, 1);

        if (options.MaxOpenAlertsPerPrincipal < 1 || options.MaxOpenAlerts < 1)
        {
            problems.Add($"{S}:MaxOpenAlertsPerPrincipal and MaxOpenAlerts must be positive");
        }

        problems.AtLeast($"{S}:CheckpointEveryRecords", options.CheckpointEveryRecords, 1);

        if (options.PolicyPath is not null && !File.Exists(options.PolicyPath))
        {
            problems.Add($"{S}:PolicyPath '{options.PolicyPath}' does not exist");
        }
        else if (options.PolicyPath is not null)
        {
            try
            {
                PolicyLoader.LoadFile(options.PolicyPath);
            }
            catch (PolicyException ex)
            {
                problems.Add($"{S}:PolicyPath: {ex.Message}");
            }
        }

        problems.AddRange(options.Authentication.Validate($"{S}:Authentication"));
        var rules = options.Rules.Validate($"{S}:Rules");
        problems.AddRange(rules);
        if (rules.Count == 0)
        {
            foreach (var error in RuleLoader.LoadConfigured(options.Rules).Errors)
            {
                problems.Add($"{S}:Rules: {error}");
            }
        }
    }
}
