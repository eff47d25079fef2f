using ZtStream.Responder.Policy;
using ZtStream.Verifier.Rules;

namespace ZtStream.Host.Run;

/// <summary>
/// Where the Verifier and the Responder run in one process, a response rule naming a detection rule (detector
/// <c>rule</c>) must name one the Verifier loaded — the built-in library or <c>Verifier:Rules:Paths</c> — or it would
/// never fire. A Responder running alone cannot see the Verifier's rules; docs/response.md says so.
/// </summary>
/// <remarks>
/// Read from the configuration, not from the built host, so it is said beside every other problem of the configuration
/// (the policy file's own included) rather than after they are fixed. Nothing is said where the rules cannot be known
/// (a rule file refused, a <c>Verifier:Rules</c> value that does not bind): the rule may be in what was refused, whose
/// problem is said instead.
/// </remarks>
internal static class PolicyRuleCheck
{
    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        var roles = RoleSet.Parse(configuration["Roles"], []);
        var path = configuration[$"{ResponderOptions.Section}:{nameof(ResponderOptions.PolicyPath)}"];
        if (!roles.Verifier || !roles.Responder || string.IsNullOrWhiteSpace(path) || UserFiles.ReadProblem(path, "policy") is not null)
        {
            return [];
        }

        List<(int Index, string Rule)> named;
        try
        {
            named = [.. PolicyLoader.DetectionRules(UserFiles.ReadText(path))];
        }
        catch (IOException)
        {
            // Changed between the check and the read; the options validation says so.
            return [];
        }

        if (named.Count == 0 || LoadedRules(configuration) is not { } loaded)
        {
            return [];
        }

        var some = string.Join(", ", loaded.Order(StringComparer.Ordinal).Take(12));
        return named.Where(n => !loaded.Contains(n.Rule)).Select(n =>
            $"policy '{path}': rules[{n.Index}]: detection rule '{n.Rule}' is not in the built-in library or Verifier:Rules:Paths (loaded: {some}{(loaded.Count > 12 ? ", …" : "")}; `ztstream rules list` lists them all).");
    }

    /// <summary>The ids of the detection rules <c>run</c> would load; null when some of them cannot be loaded.</summary>
    private static HashSet<string>? LoadedRules(IConfiguration configuration)
    {
        RuleOptions options;
        try
        {
            options = configuration.GetSection($"{VerifierOptions.Section}:{nameof(VerifierOptions.Rules)}").Get<RuleOptions>() ?? new RuleOptions();
        }
        catch (InvalidOperationException)
        {
            // A value the binder cannot convert: the options validation names it.
            return null;
        }

        if (options.Validate(VerifierOptions.Section).Count > 0 || RuleLoader.LoadConfigured(options) is not { Errors.Count: 0 } result)
        {
            return null;
        }

        return result.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
    }
}
