namespace ZtStream.Responder.Notifications;

/// <summary>Checks section <c>Responder:Notifications</c>, listing every problem at once.</summary>
internal sealed class NotificationOptionsValidator : OptionsValidator<NotificationOptions, NotificationOptionsValidator>, IOptionsRules<NotificationOptions>
{
    private const string S = NotificationOptions.Section;
    private static readonly string[] SmtpSecurity = ["auto", "starttls", "tls", "none"];

    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(NotificationOptions options, List<string> problems)
    {
        problems.HttpUrl($"{S}:ConsoleUrl", options.ConsoleUrl);

        foreach (var (name, target) in options.Targets)
        {
            ValidateTarget($"{S}:Targets:{name}", target, problems);
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Routes.Count; i++)
        {
            var route = options.Routes[i];
            var key = $"{S}:Routes:{i}";
            problems.UniqueName($"{key}:Name", route.Name, names);

            if (route.Targets.Count == 0)
            {
                problems.Add($"{key}:Targets names no target");
            }

            foreach (var target in route.Targets.Where(t => !options.Targets.ContainsKey(t)))
            {
                problems.Add($"{key}:Targets: '{target}' is not a target in {S}:Targets");
            }

            if (Severities.Rank(route.MinSeverity) < 0)
            {
                problems.Add($"{key}:MinSeverity '{route.MinSeverity}' is not one of low, medium, high, critical");
            }

            if (route.MaxPerWindow < 0)
            {
                problems.Add($"{key}:MaxPerWindow must be 0 (no limit) or more");
            }

            if (route.Window <= TimeSpan.Zero)
            {
                problems.Add($"{key}:Window must be positive");
            }
        }

        if (options.MaxAttempts < 1)
        {
            problems.Add($"{S}:MaxAttempts must be at least 1");
        }

        problems.BackoffRange($"{S}:InitialBackoff", options.InitialBackoff, $"{S}:MaxBackoff", options.MaxBackoff);

        if (options.PollInterval <= TimeSpan.Zero)
        {
            problems.Add($"{S}:PollInterval must be positive");
        }

        if (options.SendTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{S}:SendTimeout must be positive");
        }
    }

    private static void ValidateTarget(string key, NotificationTargetOptions target, List<string> problems)
    {
        var kind = target.Kind.Trim().ToLowerInvariant();
        if (!NotificationTargetOptions.Kinds.Contains(kind))
        {
            problems.Add($"{key}:Kind '{target.Kind}' is not one of {string.Join(", ", NotificationTargetOptions.Kinds)}");
            return;
        }

        if (kind != NotificationTargetOptions.Email)
        {
            if (target.Url is null && kind != NotificationTargetOptions.PagerDuty)
            {
                problems.Add($"{key}:Url is required for a {kind} target");
            }
            else
            {
                problems.HttpUrl($"{key}:Url", target.Url);
            }
        }

        switch (kind)
        {
            case NotificationTargetOptions.Webhook when string.IsNullOrEmpty(target.Secret) || target.Secret.Length < 16:
                problems.Add($"{key}:Secret is required for a webhook (at least 16 characters): receivers verify the signature with it");
                break;
            case NotificationTargetOptions.PagerDuty when string.IsNullOrWhiteSpace(target.RoutingKey):
                problems.Add($"{key}:RoutingKey (the Events API v2 integration key) is required for a pagerduty target");
                break;
            case NotificationTargetOptions.Email:
                ValidateSmtp($"{key}:Smtp", target.Smtp, problems);
                break;
        }
    }

    private static void ValidateSmtp(string key, SmtpOptions smtp, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            problems.Add($"{key}:Host is required for an email target");
        }

        if (smtp.Port is < 1 or > 65535)
        {
            problems.Add($"{key}:Port {smtp.Port} is not a TCP port");
        }

        if (!SmtpSecurity.Contains(smtp.Security, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"{key}:Security '{smtp.Security}' is not one of {string.Join(", ", SmtpSecurity)}");
        }

        if (smtp.From is null || !MailboxAddress.TryParse(smtp.From, out _))
        {
            problems.Add($"{key}:From '{smtp.From}' is not an email address");
        }

        if (smtp.To.Count == 0)
        {
            problems.Add($"{key}:To names no recipient");
        }

        foreach (var to in smtp.To.Where(t => !MailboxAddress.TryParse(t, out _)))
        {
            problems.Add($"{key}:To '{to}' is not an email address");
        }

        if (smtp.Username is not null && smtp.Password is null)
        {
            problems.Add($"{key}:Password is required with a Username");
        }
    }
}
