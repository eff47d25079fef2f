namespace ZtStream.Responder.Revocation.OAuth;

/// <summary>Section <c>Responder:Drivers:OAuth</c>: an IdP's RFC 7009 token revocation endpoint.</summary>
internal sealed record OAuthRevocationOptions
{
    public const string Section = "Responder:Drivers:OAuth";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";

    /// <summary>The revocation endpoint, e.g. https://idp.example.com/oauth2/revoke.</summary>
    public Uri? Endpoint { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    /// <summary><c>client_secret_basic</c> (default, RFC 6749 §2.3.1) or <c>client_secret_post</c>.</summary>
    public string ClientAuthentication { get; init; } = ClientSecretBasic;

    /// <summary>Sent as token_type_hint; empty to send none.</summary>
    public string? TokenTypeHint { get; init; } = "access_token";

    /// <summary>Attempts per revocation, the first included, on 5xx and transport errors.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>First backoff when the endpoint gives no Retry-After; doubles per attempt.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest single wait, for Retry-After too: a longer Retry-After ends the attempts (the action's own retry takes over).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        problems.HttpUrl($"{Section}:Endpoint", Endpoint, required: true);

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            problems.Add($"{Section}:ClientId is required");
        }

        if (string.IsNullOrEmpty(ClientSecret))
        {
            problems.Add($"{Section}:ClientSecret is required");
        }

        if (ClientAuthentication is not (ClientSecretBasic or ClientSecretPost))
        {
            problems.Add($"{Section}:ClientAuthentication must be {ClientSecretBasic} or {ClientSecretPost} (got '{ClientAuthentication}')");
        }

        problems.Between($"{Section}:MaxAttempts", MaxAttempts, 1, 20);

        problems.BackoffRange($"{Section}:InitialBackoff", InitialBackoff, $"{Section}:MaxBackoff", MaxBackoff, firstMayBeZero: true);

        problems.Positive($"{Section}:RequestTimeout", RequestTimeout);

        return problems;
    }
}
