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

    /// <summary>How long a false-positive verdict suppresses the same rule for the same principal.</summary>
    public TimeSpan VerdictSuppression { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Open alerts one principal may have; a new one past it is merged into that principal's "alert flood" alert (kept in its history), not acted on.</summary>
    public int MaxOpenAlertsPerPrincipal { get; init; } = 50;

    /// <summary>Open alerts over all principals; a new one past it is merged into the one instance-wide "alert flood" alert.</summary>
    public int MaxOpenAlerts { get; init; } = 50_000;

    /// <summary>
    /// Largest JSON request body of the REST API (triage, suppressions, actions, lifts); larger, declared or sent
    /// chunked, is answered 413 before it is held. The largest legitimate body, a bulk change of 500 alert ids, is
    /// far below the default.
    /// </summary>
    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Consume <c>zt.alerts.v1</c> (off only for tools that use the API alone).</summary>
    public bool ConsumeAlerts { get; init; } = true;
}

/// <summary>
/// One API caller. Give <see cref="TokenSha256"/> (hex) rather than <see cref="Token"/> so the secret is not in the config,
/// or <see cref="TokenFile"/> to have a token generated at first start.
/// </summary>
internal sealed record ApiTokenOptions
{
    public string Name { get; init; } = "";

    /// <summary><c>analyst</c> (triage) or <c>responder</c> (also approve, trigger, undo).</summary>
    public string Role { get; init; } = "";

    public string? Token { get; init; }

    public string? TokenSha256 { get; init; }

    /// <summary>A file holding the token; made with a new random token (mode 0600) at first start when it does not exist.</summary>
    public string? TokenFile { get; init; }
}
