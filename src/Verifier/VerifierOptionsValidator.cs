using ZtStream.Platform.Options;
using ZtStream.Verifier.Policy;
using ZtStream.Verifier.Rules;

namespace ZtStream.Verifier;

/// <summary>Checks section <c>Verifier</c> (and that the policy file and every rule file load), listing every problem at once.</summary>
internal sealed class VerifierOptionsValidator : OptionsValidator<VerifierOptions, VerifierOptionsValidator>, IOptionsRules<VerifierOptions>
{
    /// <summary>
    /// One line per problem; empty when the options are usable. A policy file must exist and parse; every rule file must
    /// load (a bad rule stops the start: one line per problem, with file, line and reason).
    /// </summary>
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(VerifierOptions options, List<string> problems)
    {
        if (options.AlertThreshold is < 1 or > 100)
        {
            problems.Add($"{VerifierOptions.Section}:AlertThreshold must be 1–100 (is {options.AlertThreshold})");
        }

        Positive(problems, options.WarmUp, nameof(VerifierOptions.WarmUp), allowZero: true);
        Positive(problems, options.Window, nameof(VerifierOptions.Window));
        Positive(problems, options.DedupWindow, nameof(VerifierOptions.DedupWindow));
        Positive(problems, options.BaselineHorizon, nameof(VerifierOptions.BaselineHorizon));
        Positive(problems, options.ModelWarmUp, nameof(VerifierOptions.ModelWarmUp));
        Positive(problems, options.ModelRetrainInterval, nameof(VerifierOptions.ModelRetrainInterval));
        Positive(problems, options.CheckpointInterval, nameof(VerifierOptions.CheckpointInterval));
        Positive(problems, options.RuntimeTaintWindow, nameof(VerifierOptions.RuntimeTaintWindow));
        if (options.WarmUpEvents < 0)
        {
            problems.Add($"{VerifierOptions.Section}:WarmUpEvents must not be negative");
        }

        if (options.BytesMinimum < 1)
        {
            problems.Add($"{VerifierOptions.Section}:BytesMinimum must be positive");
        }

        if (options.BytesSigma <= 0 || options.SpikeFactor <= 1)
        {
            problems.Add($"{VerifierOptions.Section}:BytesSigma must be positive and SpikeFactor above 1");
        }

        if (options.RateMinimum < 1 || options.BreadthMinimum < 1 || options.DeniedMinimum < 1)
        {
            problems.Add($"{VerifierOptions.Section}:RateMinimum, BreadthMinimum and DeniedMinimum must be positive");
        }

        if (options.MaxPrincipals < 1)
        {
            problems.Add($"{VerifierOptions.Section}:MaxPrincipals must be positive");
        }

        if (options.Workers is < 1 or > VerifierOptions.MaxWorkers)
        {
            problems.Add($"{VerifierOptions.Section}:Workers must be 1–{VerifierOptions.MaxWorkers} (is {options.Workers})");
        }
        else if (options.MaxPrincipals < options.Workers || options.MaxOpenAlerts < options.Workers)
        {
            problems.Add($"{VerifierOptions.Section}:MaxPrincipals and MaxOpenAlerts must be at least Workers ({options.Workers}): each worker keeps a share");
        }

        if (options.ParkMinEvents < 1)
        {
            problems.Add($"{VerifierOptions.Section}:ParkMinEvents must be positive");
        }

        if (options.MaxOpenAlertsPerPrincipal < 1 || options.MaxOpenAlerts < 1)
        {
            problems.Add($"{VerifierOptions.Section}:MaxOpenAlertsPerPrincipal and MaxOpenAlerts must be positive");
        }

        if (options.CheckpointEveryRecords < 1)
        {
            problems.Add($"{VerifierOptions.Section}:CheckpointEveryRecords must be positive");
        }

        if (options.PolicyPath is not null && !File.Exists(options.PolicyPath))
        {
            problems.Add($"{VerifierOptions.Section}:PolicyPath '{options.PolicyPath}' does not exist");
        }
        else if (options.PolicyPath is not null)
        {
            try
            {
                PolicyLoader.LoadFile(options.PolicyPath);
            }
            catch (PolicyException ex)
            {
                problems.Add($"{VerifierOptions.Section}:PolicyPath: {ex.Message}");
            }
        }

        problems.AddRange(options.Authentication.Validate($"{VerifierOptions.Section}:Authentication"));
        var rules = options.Rules.Validate($"{VerifierOptions.Section}:Rules");
        problems.AddRange(rules);
        if (rules.Count == 0)
        {
            foreach (var error in RuleLoader.LoadConfigured(options.Rules).Errors)
            {
                problems.Add($"{VerifierOptions.Section}:Rules: {error}");
            }
        }
    }

    private static void Positive(List<string> problems, TimeSpan value, string name, bool allowZero = false)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            problems.Add($"{VerifierOptions.Section}:{name} must be {(allowZero ? "zero or more" : "positive")} (is {value})");
        }
    }
}
