namespace ZtStream.Responder.Revocation;

/// <summary>Checks section <c>Responder:Feed</c>, listing every problem at once.</summary>
internal sealed class RevocationFeedOptionsValidator : OptionsValidator<RevocationFeedOptions, RevocationFeedOptionsValidator>, IOptionsRules<RevocationFeedOptions>
{
    /// <summary>Adds one line per problem to <paramref name="errors"/>.</summary>
    public static void Check(RevocationFeedOptions options, List<string> errors)
    {
        const string at = RevocationFeedOptions.Section;
        if (!string.IsNullOrEmpty(options.Token) && !string.IsNullOrEmpty(options.TokenFile))
        {
            errors.Add($"{at}: give Token or TokenFile, not both");
        }

        if (options.Token is { Length: > 0 and < ResponderOptionsValidator.MinTokenLength })
        {
            errors.Add($"{at}:Token must be at least {ResponderOptionsValidator.MinTokenLength} characters");
        }

        if (options.TokenFile is { Length: > 0 } file)
        {
            errors.AddRange(TokenFiles.Check(file, $"{at}:TokenFile"));
        }

        if (options.DefaultExpiry <= TimeSpan.Zero || options.DefaultExpiry > TimeSpan.FromDays(366))
        {
            errors.Add($"{at}:DefaultExpiry must be positive and at most 366 days (is {options.DefaultExpiry})");
        }

        errors.Between($"{at}:MaxStreamsPerCredential", options.MaxStreamsPerCredential, 1, 100_000);

        if (options.MaxStreams < options.MaxStreamsPerCredential || options.MaxStreams > 1_000_000)
        {
            errors.Add($"{at}:MaxStreams must be from MaxStreamsPerCredential ({options.MaxStreamsPerCredential}) to 1000000 (is {options.MaxStreams})");
        }

        errors.Positive($"{at}:PollInterval", options.PollInterval);
        errors.Positive($"{at}:KeepAlive", options.KeepAlive);

        errors.Between($"{at}:BufferSize", options.BufferSize, 1, 1_000_000);

        if (string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience))
        {
            errors.Add($"{at}:Issuer and {at}:Audience must not be empty (they are the iss and aud of the signed feed)");
        }

        for (var i = 0; i < options.SigningKeyPaths.Count; i++)
        {
            if (FeedSigningKeys.KeyProblem(options.SigningKeyPaths[i], $"{at}:SigningKeyPaths:{i}") is { } problem)
            {
                errors.Add(problem);
            }
        }
    }
}
