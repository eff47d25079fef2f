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

            if (source.Audiences.Count == 0)
            {
                // Pub/Sub's default audience is the push endpoint URL, but a request only claims which URL it was sent to
                // (Host): a token for another endpoint would pass. The audience Ingest expects is configured, never read.
                problems.Add($"{p}:Audiences is required: the tokens' aud, the subscription's --push-auth-token-audience (without one, Pub/Sub uses the push endpoint URL: name that URL)");
            }

            foreach (var audience in source.Audiences)
            {
                if (string.IsNullOrWhiteSpace(audience))
                {
                    problems.Add($"{p}:Audiences: an audience may not be empty");
                }
            }

            JwksUrls.Check(problems, p, source.JwksUri, source.AllowHttp, "the token signer's", "Pub/Sub pushes");
        }
    }
}
