namespace ZtStream.Ingest.Options;

/// <summary>Checks section <c>Ingest</c>, listing every problem at once.</summary>
internal sealed class IngestOptionsValidator : OptionsValidator<IngestOptions, IngestOptionsValidator>, IOptionsRules<IngestOptions>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(IngestOptions options, List<string> problems)
    {
        const string s = IngestOptions.Section;
        if (string.IsNullOrWhiteSpace(options.Topic))
        {
            problems.Add($"{s}:Topic must not be empty");
        }

        problems.AtLeast($"{s}:MaxBodyBytes", options.MaxBodyBytes, 1024);
        problems.AtLeast($"{s}:MaxItemsPerBatch", options.MaxItemsPerBatch, 1);
        problems.AtLeast($"{s}:MaxIdLength", options.MaxIdLength, 8);
        problems.AtLeast($"{s}:MaxFieldLength", options.MaxFieldLength, 64);
        problems.AtLeast($"{s}:MaxAttributesBytes", options.MaxAttributesBytes, 256);

        if (options.MaxSourceObjectBytes < 64 || options.MaxSourceObjectBytes > options.MaxAttributesBytes)
        {
            problems.Add($"{s}:MaxSourceObjectBytes must be between 64 and MaxAttributesBytes ({options.MaxAttributesBytes}) (is {options.MaxSourceObjectBytes})");
        }

        problems.Between($"{s}:MaxRawBytes", options.MaxRawBytes, 256, 16 * 1024 * 1024);

        problems.NotNegative($"{s}:MaxClockSkew", options.MaxClockSkew);
        problems.Positive($"{s}:MaxEventAge", options.MaxEventAge);

        if (!(options.RatePerSecond > 0) || double.IsInfinity(options.RatePerSecond))
        {
            problems.Add($"{s}:RatePerSecond must be a positive number (is {options.RatePerSecond})");
        }

        if (options.MaxNewPrincipalsPerMinute < 0)
        {
            problems.Add($"{s}:MaxNewPrincipalsPerMinute must be 0 (off) or more (is {options.MaxNewPrincipalsPerMinute})");
        }

        problems.Between($"{s}:KnownPrincipals", options.KnownPrincipals, 1, 10_000_000);

        problems.AtLeast($"{s}:RateBurst", options.RateBurst, 1);

        if (options.CredentialCacheTime < TimeSpan.Zero || options.CredentialCacheTime > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{s}:CredentialCacheTime must be between 0 and 00:10:00 (is {options.CredentialCacheTime})");
        }

        foreach (var (idp, form) in options.IdentitySubjects)
        {
            if (!IdentitySubjectForms.Providers.Contains(idp, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{s}:IdentitySubjects:{idp} names no identity provider (one of {string.Join(", ", IdentitySubjectForms.Providers)})");
            }
            else if (!string.Equals(form, IdentitySubjectForms.Login, StringComparison.OrdinalIgnoreCase) && !string.Equals(form, IdentitySubjectForms.UserId, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{s}:IdentitySubjects:{idp} must be {IdentitySubjectForms.Login} or {IdentitySubjectForms.UserId} (is '{form}')");
            }
        }
    }
}
