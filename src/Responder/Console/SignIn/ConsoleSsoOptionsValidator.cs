namespace ZtStream.Responder.Console.SignIn;

internal sealed class ConsoleSsoOptionsValidator : OptionsValidator<ConsoleSsoOptions, ConsoleSsoOptionsValidator>, IOptionsRules<ConsoleSsoOptions>
{
    /// <summary>Adds one line per problem to <paramref name="errors"/>.</summary>
    public static void Check(ConsoleSsoOptions options, List<string> errors)
    {
        // Said with single sign-on off too: a lifetime of zero or less is a mistake whenever it is given, and it would
        // otherwise surface only the day Authority is set, as sessions that end at once.
        errors.Positive($"{ConsoleSsoOptions.Section}:SessionLifetime", options.SessionLifetime);
        errors.Positive($"{ConsoleSsoOptions.Section}:MaxSessionLifetime", options.MaxSessionLifetime);
        if (!options.Enabled)
        {
            return;
        }

        if (!HttpUrls.TryParse(options.Authority, out var authority))
        {
            errors.Add($"{ConsoleSsoOptions.Section}:Authority must be an absolute http(s) URL (got '{options.Authority}')");
        }
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
        {
            errors.Add($"{ConsoleSsoOptions.Section}:Authority must use https (RequireHttpsMetadata=false allows http for a provider on loopback)");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{ConsoleSsoOptions.Section}:ClientId is required when Authority is set");
        }

        if (options.CookieSecure is not (CookieSecurePolicy.SameAsRequest or CookieSecurePolicy.Always))
        {
            errors.Add($"{ConsoleSsoOptions.Section}:CookieSecure must be SameAsRequest or Always, not '{options.CookieSecure}': a session cookie is never sent in the clear over https");
        }

        if (string.IsNullOrWhiteSpace(options.RoleClaim))
        {
            errors.Add($"{ConsoleSsoOptions.Section}:RoleClaim is required");
        }

        foreach (var (value, role) in options.RoleMap)
        {
            if (ApiRoles.Rank(role) < 0)
            {
                errors.Add($"{ConsoleSsoOptions.Section}:RoleMap:{value} must be one of {string.Join(", ", ApiRoles.All)}, not '{role}'");
            }
        }
    }
}
