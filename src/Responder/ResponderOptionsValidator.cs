namespace ZtStream.Responder;

/// <summary>Checks the whole section, the policy file included, and reports every problem at once.</summary>
internal sealed class ResponderOptionsValidator : OptionsValidator<ResponderOptions, ResponderOptionsValidator>, IOptionsRules<ResponderOptions>
{
    /// <summary>Short tokens are guessable; 32 characters of a random token is ~190 bits.</summary>
    public const int MinTokenLength = 32;

    /// <summary>Adds one line per problem to <paramref name="errors"/>.</summary>
    public static void Check(ResponderOptions options, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(options.PolicyPath))
        {
            if (UserFiles.ReadProblem(options.PolicyPath, "Responder:PolicyPath") is { } problem)
            {
                errors.Add(problem);
            }
            else
            {
                try
                {
                    PolicyLoader.Load(UserFiles.ReadText(options.PolicyPath), errors, $"policy '{options.PolicyPath}'");
                }
                catch (IOException e)
                {
                    // Changed between the check and the read.
                    errors.Add($"Responder:PolicyPath {e.Message}");
                }
            }
        }

        errors.Between("Responder:CommandRetries", options.CommandRetries, 0, 20);

        errors.BackoffRange("Responder:RetryMinBackoff", options.RetryMinBackoff, "Responder:RetryMaxBackoff", options.RetryMaxBackoff);

        errors.Positive("Responder:SchedulerInterval", options.SchedulerInterval);
        errors.Positive("Responder:RedispatchAfter", options.RedispatchAfter);
        errors.Positive("Responder:VerdictSuppression", options.VerdictSuppression);
        if (options.VerdictSuppression > Suppressions.SuppressionService.MaxLifetime)
        {
            errors.Add($"Responder:VerdictSuppression must be at most {Suppressions.SuppressionService.MaxLifetime.TotalDays:0} days: no suppression lasts longer");
        }

        errors.Between("Responder:MaxBodyBytes", options.MaxBodyBytes, 64 * 1024, 64 * 1024 * 1024);

        if (options.MaxOpenAlertsPerPrincipal < 1 || options.MaxOpenAlerts < 1)
        {
            errors.Add("Responder:MaxOpenAlertsPerPrincipal and Responder:MaxOpenAlerts must be positive");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.ApiTokens.Count; i++)
        {
            var t = options.ApiTokens[i];
            var at = $"Responder:ApiTokens:{i}";
            errors.UniqueName($"{at}:Name", t.Name, names);

            if (ApiRoles.Rank(t.Role) < 0)
            {
                errors.Add($"{at}:Role must be one of {string.Join(", ", ApiRoles.All)}, not '{t.Role}'");
            }

            var hasToken = !string.IsNullOrEmpty(t.Token);
            var hasHash = !string.IsNullOrEmpty(t.TokenSha256);
            var hasFile = !string.IsNullOrEmpty(t.TokenFile);
            if ((hasToken ? 1 : 0) + (hasHash ? 1 : 0) + (hasFile ? 1 : 0) != 1)
            {
                errors.Add($"{at}: give exactly one of Token, TokenSha256 or TokenFile");
                continue;
            }

            if (hasFile)
            {
                errors.AddRange(TokenFiles.Check(t.TokenFile!, $"{at}:TokenFile"));
                continue;
            }

            if (hasToken && t.Token!.Length < MinTokenLength)
            {
                errors.Add($"{at}:Token must be at least {MinTokenLength} characters");
            }

            if (hasHash)
            {
                errors.Sha256Hex($"{at}:TokenSha256", t.TokenSha256!);
            }

            var hash = hasToken ? ApiTokenAuthenticator.HashHex(t.Token!) : t.TokenSha256!;
            if (!hashes.Add(hash))
            {
                errors.Add($"{at}: the same token is configured twice");
            }
        }
    }
}
