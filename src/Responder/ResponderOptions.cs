using Microsoft.Extensions.Options;
using ZtStream.Responder.Policy;

namespace ZtStream.Responder;

/// <summary>Section <c>Responder</c>.</summary>
internal sealed record ResponderOptions
{
    public const string Section = "Responder";

    /// <summary>The response policy YAML; without it the built-in policy (notify only) applies.</summary>
    public string? PolicyPath { get; init; }

    /// <summary>Name of the <c>IWorkloadIsolator</c> to use when more than one is registered.</summary>
    public string? Isolator { get; init; }

    /// <summary>Who may call the REST API and the console, with which role.</summary>
    public List<ApiTokenOptions> ApiTokens { get; init; } = [];

    /// <summary>When set, the revocation feed requires <c>Authorization: Bearer {FeedToken}</c>.</summary>
    public string? FeedToken { get; init; }

    /// <summary>Retries of a failing command before it ends as ActionFailed.</summary>
    public int CommandRetries { get; init; } = 4;

    /// <summary>First retry delay; doubles up to <see cref="RetryMaxBackoff"/>.</summary>
    public TimeSpan RetryMinBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often TTL releases, approval expiry and re-dispatch are checked.</summary>
    public TimeSpan SchedulerInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A queued action not dispatched after this long (a crash in between), or a dispatched one no consumer finished
    /// after this long (its command lost with a broker or a process), is sent again.
    /// </summary>
    public TimeSpan RedispatchAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the SSE feed polls the store for entries written by other instances.</summary>
    public TimeSpan FeedPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Interval of SSE keep-alive comments.</summary>
    public TimeSpan FeedKeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a false-positive verdict suppresses the same rule for the same principal.</summary>
    public TimeSpan VerdictSuppression { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Consume <c>zt.alerts.v1</c> (off only for tools that use the API alone).</summary>
    public bool ConsumeAlerts { get; init; } = true;
}

/// <summary>One API caller. Give <see cref="TokenSha256"/> (hex) rather than <see cref="Token"/> so the secret is not in the config.</summary>
internal sealed record ApiTokenOptions
{
    public string Name { get; init; } = "";

    /// <summary><c>analyst</c> (triage) or <c>responder</c> (also approve, trigger, undo).</summary>
    public string Role { get; init; } = "";

    public string? Token { get; init; }

    public string? TokenSha256 { get; init; }
}

/// <summary>API roles.</summary>
internal static class ApiRoles
{
    public const string Analyst = "analyst";
    public const string Responder = "responder";
}

/// <summary>Checks the whole section, the policy file included, and reports every problem at once.</summary>
internal sealed class ResponderOptionsValidator : IValidateOptions<ResponderOptions>
{
    /// <summary>Short tokens are guessable; 32 characters of a random token is ~190 bits.</summary>
    public const int MinTokenLength = 32;

    public ValidateOptionsResult Validate(string? name, ResponderOptions options)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PolicyPath))
        {
            if (!File.Exists(options.PolicyPath))
            {
                errors.Add($"Responder:PolicyPath '{options.PolicyPath}' does not exist.");
            }
            else
            {
                PolicyLoader.Load(File.ReadAllText(options.PolicyPath), errors, $"policy '{options.PolicyPath}'");
            }
        }

        if (options.CommandRetries is < 0 or > 20)
        {
            errors.Add("Responder:CommandRetries must be between 0 and 20.");
        }

        if (options.RetryMinBackoff <= TimeSpan.Zero || options.RetryMaxBackoff < options.RetryMinBackoff)
        {
            errors.Add("Responder:RetryMinBackoff must be positive and not above Responder:RetryMaxBackoff.");
        }

        Positive(errors, options.SchedulerInterval, nameof(options.SchedulerInterval));
        Positive(errors, options.RedispatchAfter, nameof(options.RedispatchAfter));
        Positive(errors, options.FeedPollInterval, nameof(options.FeedPollInterval));
        Positive(errors, options.FeedKeepAlive, nameof(options.FeedKeepAlive));
        Positive(errors, options.VerdictSuppression, nameof(options.VerdictSuppression));

        if (options.FeedToken is { Length: > 0 and < MinTokenLength })
        {
            errors.Add($"Responder:FeedToken must be at least {MinTokenLength} characters.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.ApiTokens.Count; i++)
        {
            var t = options.ApiTokens[i];
            var at = $"Responder:ApiTokens:{i}";
            if (string.IsNullOrWhiteSpace(t.Name))
            {
                errors.Add($"{at}:Name is required.");
            }
            else if (!names.Add(t.Name))
            {
                errors.Add($"{at}:Name '{t.Name}' is used twice.");
            }

            if (t.Role is not (ApiRoles.Analyst or ApiRoles.Responder))
            {
                errors.Add($"{at}:Role must be '{ApiRoles.Analyst}' or '{ApiRoles.Responder}', not '{t.Role}'.");
            }

            var hasToken = !string.IsNullOrEmpty(t.Token);
            var hasHash = !string.IsNullOrEmpty(t.TokenSha256);
            if (hasToken == hasHash)
            {
                errors.Add($"{at}: give exactly one of Token or TokenSha256.");
                continue;
            }

            if (hasToken && t.Token!.Length < MinTokenLength)
            {
                errors.Add($"{at}:Token must be at least {MinTokenLength} characters.");
            }

            if (hasHash && (t.TokenSha256!.Length != 64 || !t.TokenSha256.All(Uri.IsHexDigit)))
            {
                errors.Add($"{at}:TokenSha256 must be 64 hex digits (SHA-256 of the token).");
            }

            var hash = hasToken ? Api.ApiTokenAuthenticator.HashHex(t.Token!) : t.TokenSha256!;
            if (!hashes.Add(hash))
            {
                errors.Add($"{at}: the same token is configured twice.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Responder:{key} must be positive.");
        }
    }
}
