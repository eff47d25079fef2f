namespace ZtStream.Responder.Notifications;

/// <summary>
/// Section <c>Responder:Notifications</c>: where alerts are sent (targets), which alerts go where (routes), and how
/// the outbox retries. The response policy's <c>notify</c> action sends an alert to every route it matches.
/// </summary>
internal sealed record NotificationOptions
{
    public const string Section = "Responder:Notifications";

    /// <summary>The SOC console's address (e.g. <c>https://soc.example.com/console/</c>), for links in messages.</summary>
    public Uri? ConsoleUrl { get; init; }

    /// <summary>Targets by name.</summary>
    public Dictionary<string, NotificationTargetOptions> Targets { get; init; } = [];

    /// <summary>Routes, each sending the alerts it matches to its targets.</summary>
    public List<NotificationRouteOptions> Routes { get; init; } = [];

    /// <summary>Attempts before a notification ends as failed (each one audited).</summary>
    public int MaxAttempts { get; init; } = 30;

    /// <summary>First retry delay; doubles per attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the outbox is looked at for retries coming due (new notifications wake it at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one send may take before it counts as failed and is retried.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The routes <paramref name="alert"/> matches.</summary>
    public IEnumerable<NotificationRouteOptions> RoutesFor(Alert alert, IReadOnlyCollection<string> techniques) =>
        Routes.Where(r => r.Matches(alert, techniques));
}

/// <summary>One target: a webhook, a Slack or Teams channel, a PagerDuty service or a mailbox.</summary>
internal sealed record NotificationTargetOptions
{
    public const string Webhook = "webhook";
    public const string Slack = "slack";
    public const string Teams = "teams";
    public const string PagerDuty = "pagerduty";
    public const string Email = "email";

    public static readonly string[] Kinds = [Webhook, Slack, Teams, PagerDuty, Email];

    /// <summary>The Events API v2 endpoint (<c>https://events.eu.pagerduty.com/v2/enqueue</c> for the EU service region).</summary>
    public static readonly Uri PagerDutyEvents = new("https://events.pagerduty.com/v2/enqueue");

    /// <summary><c>webhook</c>, <c>slack</c>, <c>teams</c>, <c>pagerduty</c> or <c>email</c>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Where to POST: the webhook, the Slack incoming webhook, the Teams workflow's URL; PagerDuty's by default.</summary>
    public Uri? Url { get; init; }

    /// <summary>Webhook: the shared secret of the HMAC-SHA256 signature.</summary>
    public string? Secret { get; init; }

    /// <summary>PagerDuty: the integration key (routing key) of an Events API v2 integration.</summary>
    public string? RoutingKey { get; init; }

    /// <summary>Email: the SMTP server and the message's sender and recipients.</summary>
    public SmtpOptions Smtp { get; init; } = new();

    public Uri Endpoint => Url ?? (string.Equals(Kind, PagerDuty, StringComparison.OrdinalIgnoreCase) ? PagerDutyEvents : throw new InvalidOperationException("no Url"));
}

/// <summary>An SMTP server and who an email comes from and goes to.</summary>
internal sealed record SmtpOptions
{
    public string? Host { get; init; }

    public int Port { get; init; } = 587;

    /// <summary><c>auto</c> (STARTTLS when offered; TLS on 465), <c>starttls</c> (required), <c>tls</c> (on connect) or <c>none</c>.</summary>
    public string Security { get; init; } = "auto";

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? From { get; init; }

    public List<string> To { get; init; } = [];
}

/// <summary>Which alerts go to which targets, at most how many per window. Empty lists match anything.</summary>
internal sealed record NotificationRouteOptions
{
    public string Name { get; init; } = "";

    /// <summary>Target names.</summary>
    public List<string> Targets { get; init; } = [];

    /// <summary>The lowest severity sent (low, medium, high, critical).</summary>
    public string MinSeverity { get; init; } = Severities.Low;

    /// <summary>Detectors (<c>policy</c>, <c>baseline</c>, <c>model</c> …): the alert's or any of its reasons'.</summary>
    public List<string> Detectors { get; init; } = [];

    /// <summary>Rule names: any of the alert's reasons.</summary>
    public List<string> Rules { get; init; } = [];

    /// <summary>MITRE ATT&amp;CK technique ids (T1552, T1552.007): any of the alert's.</summary>
    public List<string> Techniques { get; init; } = [];

    /// <summary>Kubernetes namespaces of the alert's workload.</summary>
    public List<string> Namespaces { get; init; } = [];

    /// <summary>At most this many alerts sent per <see cref="Window"/> (0: no limit); past it they are recorded as throttled.</summary>
    public int MaxPerWindow { get; init; }

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    public bool Matches(Alert alert, IReadOnlyCollection<string> techniques)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Severities.Rank(alert.Severity) >= Severities.Rank(MinSeverity)
            && (Detectors.Count == 0 || Detectors.Contains(alert.Detector, StringComparer.OrdinalIgnoreCase)
                || alert.Reasons.Any(r => Detectors.Contains(r.Detector, StringComparer.OrdinalIgnoreCase)))
            && (Rules.Count == 0 || alert.Reasons.Any(r => Rules.Contains(r.Rule, StringComparer.OrdinalIgnoreCase)))
            && (Techniques.Count == 0 || techniques.Any(t => Techniques.Any(w => SameTechnique(w, t))))
            && (Namespaces.Count == 0 || (alert.Workload?.Namespace is { } ns && Namespaces.Contains(ns, StringComparer.Ordinal)));
    }

    /// <summary>A route naming a technique (T1552) also takes its sub-techniques (T1552.007).</summary>
    private static bool SameTechnique(string wanted, string actual) =>
        string.Equals(wanted, actual, StringComparison.OrdinalIgnoreCase)
        || (actual.StartsWith(wanted, StringComparison.OrdinalIgnoreCase) && actual.Length > wanted.Length && actual[wanted.Length] == '.');
}
