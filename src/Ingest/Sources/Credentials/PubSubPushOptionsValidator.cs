namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>Checks section <c>Ingest:PubSubPush</c>, listing every problem at once.</summary>
internal sealed class PubSubPushOptionsValidator : OptionsValidator<PubSubPushOptions, PubSubPushOptionsValidator>, IOptionsRules<PubSubPushOptions>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(PubSubPushOptions options, List<string> problems)
    {
        const string s = PubSubPushOptions.Section;
        problems.NotNegative($"{s}:MaxClockSkew", options.MaxClockSkew);
        problems.Positive($"{s}:JwksCacheTime", options.JwksCacheTime);
        problems.NotNegative($"{s}:JwksRefetchInterval", options.JwksRefetchInterval);
        problems.Positive($"{s}:HttpTimeout", options.HttpTimeout);
        if (options.JwksMaxCacheTime < options.JwksCacheTime)
        {
            problems.Add($"{s}:JwksMaxCacheTime ({options.JwksMaxCacheTime}) must be at least JwksCacheTime ({options.JwksCacheTime})");
        }

        foreach (var (name, source) in options.Sources)
        {
            var p = $"{s}:Sources:{name}";
            if (!SourceKeys.IsValidName(name))
            {
                problems.Add($"{p}: '{name}' is not a source name (1–64 of a-z, 0-9, '-', '_', '.'), as 'ztstream sources add' makes them");
            }

            if (source.ServiceAccounts.Count == 0)
            {
                problems.Add($"{p}:ServiceAccounts is required: the push service account(s) whose tokens speak for the source (--push-auth-service-account)");
            }

            foreach (var account in source.ServiceAccounts)
            {
                if (string.IsNullOrWhiteSpace(account) || !account.Contains('@', StringComparison.Ordinal))
                {
                    problems.Add($"{p}:ServiceAccounts: '{account}' is not a service account's email");
                }
            }

            foreach (var audience in source.Audiences)
            {
                if (string.IsNullOrWhiteSpace(audience))
                {
                    problems.Add($"{p}:Audiences: an audience may not be empty (leave the list empty for the push endpoint URL)");
                }
            }

            JwksUrls.Check(problems, p, source.JwksUri, source.AllowHttp, "the token signer's", "Pub/Sub pushes");
        }
    }
}
