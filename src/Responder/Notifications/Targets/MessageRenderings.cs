namespace ZtStream.Responder.Notifications.Targets;

/// <summary>
/// The body each chat and paging target expects, made from one <see cref="NotificationContent"/>; every text a person
/// reads is shown with its invisible characters made visible (<see cref="VisibleText"/>).
/// </summary>
internal static class MessageRenderings
{
    /// <summary>
    /// A Slack incoming-webhook message in Block Kit: a header, the severity, score, principal and detector as fields,
    /// the top reasons, the alert's id and times, and a button to the console; <c>text</c> is the fallback for
    /// notifications and clients without blocks.
    /// </summary>
    public static string Slack(NotificationContent content)
    {
        var alert = content.Alert;
        var blocks = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = PlainText(Clip($"{Icon(alert.Severity)} {Heading(content)}", 150)),
            },
            new JsonObject
            {
                ["type"] = "section",
                ["fields"] = new JsonArray(
                    Markdown($"*Severity*\n{SlackEscape(alert.Severity)}"),
                    Markdown($"*Score*\n{alert.Score.ToString(CultureInfo.InvariantCulture)}"),
                    Markdown($"*Principal*\n{SlackEscape(alert.Principal)}"),
                    Markdown($"*Detector*\n{SlackEscape(alert.Detector)}")),
            },
            new JsonObject
            {
                ["type"] = "section",
                ["text"] = Markdown(Clip("*Top reasons*\n" + string.Join('\n', content.TopReasons().Select(r => $"• {SlackEscape(r.Text)} _({SlackEscape(NotificationContent.Cite(r))})_")), 3000)),
            },
            new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(Markdown(Clip(Context(content), 2000))),
            },
        };
        if (content.ConsoleUrl is { } url)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "actions",
                ["elements"] = new JsonArray(new JsonObject
                {
                    ["type"] = "button",
                    ["text"] = PlainText("Open in console"),
                    ["url"] = url.ToString(),
                    ["style"] = Severities.Rank(alert.Severity) >= Severities.Rank(Severities.High) ? "danger" : "primary",
                }),
            });
        }

        // The fallback text is mrkdwn as well (the push notification, the channel list): escaped like the blocks.
        return VisibleText.Within(new JsonObject { ["text"] = SlackEscape(content.Summary()), ["blocks"] = blocks }, "url").ToJsonString();
    }

    /// <summary>A Microsoft Teams workflow ("Post to a channel when a webhook request is received") message: one Adaptive Card 1.4.</summary>
    public static string Teams(NotificationContent content)
    {
        var alert = content.Alert;
        // Text from events (the principal, reasons, third-party rule credits) goes into TextRuns, which Teams shows as
        // written: a TextBlock or a Fact value is Markdown there, and "[Reset your MFA](https://…)" as a principal would
        // be a link of the event's choosing in front of the SOC. Facts keep only what ZtStream itself names.
        var body = new JsonArray
        {
            Plain(new JsonObject
            {
                ["type"] = "TextRun", ["size"] = "Large", ["weight"] = "Bolder",
                ["color"] = Severities.Rank(alert.Severity) >= Severities.Rank(Severities.High) ? "Attention" : "Warning",
                ["text"] = Heading(content),
            }),
            Plain(new JsonObject { ["type"] = "TextRun", ["weight"] = "Bolder", ["text"] = "Principal " }, Run(alert.Principal)),
            new JsonObject
            {
                ["type"] = "FactSet",
                ["facts"] = new JsonArray(
                    Fact("Severity", alert.Severity),
                    Fact("Score", alert.Score.ToString(CultureInfo.InvariantCulture)),
                    Fact("Detector", alert.Detector),
                    Fact("Status", content.Status),
                    Fact("Alert", $"{alert.Id} (count {alert.Count.ToString(CultureInfo.InvariantCulture)})")),
            },
            new JsonObject { ["type"] = "TextBlock", ["text"] = "Top reasons", ["weight"] = "Bolder", ["wrap"] = true },
        };
        foreach (var reason in content.TopReasons())
        {
            body.Add(Plain(Run($"- {reason.Text} ({NotificationContent.Cite(reason)})")));
        }

        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = body,
        };
        if (content.ConsoleUrl is { } url)
        {
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open in console", ["url"] = url.ToString() });
        }

        return VisibleText.Within(new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = "application/vnd.microsoft.card.adaptive",
                ["contentUrl"] = null,
                ["content"] = card,
            }),
        }, "url", "$schema").ToJsonString();
    }

    /// <summary>
    /// A PagerDuty Events API v2 event: <c>trigger</c> with the alert as payload (dedup_key = alert id, so every update
    /// of the alert is one PagerDuty alert), or <c>acknowledge</c>/<c>resolve</c> following the alert's triage status.
    /// </summary>
    public static string PagerDuty(NotificationContent content, string routingKey)
    {
        var alert = content.Alert;
        var message = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = content.Event,
            ["dedup_key"] = Clip(alert.Id, 255),
        };
        if (content.Event != NotificationEvents.Trigger)
        {
            return message.ToJsonString();
        }

        // What PagerDuty keys on stays as stored; what its people read is shown.

        var details = new JsonObject
        {
            ["alert_id"] = alert.Id,
            ["score"] = alert.Score,
            ["count"] = alert.Count,
            ["status"] = content.Status,
            ["first_seen"] = alert.FirstSeen.ToString("O", CultureInfo.InvariantCulture),
            ["reasons"] = new JsonArray([.. content.TopReasons(10).Select(r => (JsonNode?)JsonValue.Create($"{r.Text} ({NotificationContent.Cite(r)})"))]),
        };
        if (content.Techniques.Count > 0)
        {
            details["techniques"] = new JsonArray([.. content.Techniques.Select(t => (JsonNode?)JsonValue.Create(t))]);
        }

        var payload = new JsonObject
        {
            ["summary"] = Clip(content.Summary(), 1024),
            ["source"] = alert.Principal,
            ["severity"] = PagerDutySeverity(alert.Severity),
            ["timestamp"] = alert.LastSeen.ToString("O", CultureInfo.InvariantCulture),
            ["class"] = alert.Detector,
            ["custom_details"] = details,
        };
        if (alert.Workload is { } workload)
        {
            payload["component"] = workload.Name ?? workload.Id;
            if (workload.Namespace is { } ns)
            {
                payload["group"] = ns;
            }
        }

        message["payload"] = VisibleText.Within(payload);
        message["client"] = "ZtStream";
        if (content.ConsoleUrl is { } url)
        {
            message["client_url"] = url.ToString();
            message["links"] = new JsonArray(new JsonObject { ["href"] = url.ToString(), ["text"] = "Alert in the ZtStream console" });
        }

        return message.ToJsonString();
    }

    /// <summary>Subject and plain-text body of an email.</summary>
    public static (string Subject, string Text) Email(NotificationContent content)
    {
        var alert = content.Alert;
        var text = new StringBuilder()
            .AppendLine(content.Summary())
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Severity:  {alert.Severity} (score {alert.Score})")
            .AppendLine(CultureInfo.InvariantCulture, $"Principal: {alert.Principal}")
            .AppendLine(CultureInfo.InvariantCulture, $"Detector:  {alert.Detector}")
            .AppendLine(CultureInfo.InvariantCulture, $"Status:    {content.Status}")
            .AppendLine(CultureInfo.InvariantCulture, $"Alert:     {alert.Id} (count {alert.Count}, first seen {alert.FirstSeen:O}, last seen {alert.LastSeen:O})")
            .AppendLine()
            .AppendLine("Top reasons:");
        foreach (var reason in content.TopReasons())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  - {reason.Text} ({NotificationContent.Cite(reason)})");
        }

        if (content.ConsoleUrl is { } url)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Console: {url}");
        }

        var subject = content.Event == NotificationEvents.Trigger
            ? $"[ZtStream] {Heading(content)} (score {alert.Score})"
            : $"[ZtStream] alert {alert.Id} is now {content.Status}";
        return (Clip(VisibleText.Of(subject.ReplaceLineEndings(" ")), 200), VisibleText.Of(text.ToString()));
    }

    /// <summary>Events v2 severities: critical, error, warning, info.</summary>
    public static string PagerDutySeverity(string severity) => severity switch
    {
        Severities.Critical => "critical",
        Severities.High => "error",
        Severities.Medium => "warning",
        _ => "info",
    };

    private static string Heading(NotificationContent content) => $"{content.Alert.Severity.ToUpperInvariant()} alert on {content.Alert.Principal}";

    private static string Context(NotificationContent content)
    {
        var alert = content.Alert;
        var context = $"alert `{SlackEscape(alert.Id)}` · count {alert.Count} · first seen {alert.FirstSeen:u} · last seen {alert.LastSeen:u}";
        return content.Techniques.Count > 0 ? $"{context} · ATT&amp;CK {SlackEscape(string.Join(", ", content.Techniques))}" : context;
    }

    private static string Icon(string severity) => severity switch
    {
        Severities.Critical => ":rotating_light:",
        Severities.High => ":red_circle:",
        Severities.Medium => ":large_orange_circle:",
        _ => ":large_blue_circle:",
    };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static JsonObject Markdown(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    /// <summary>An Adaptive Card RichTextBlock (1.2): its TextRuns are never read as Markdown.</summary>
    private static JsonObject Plain(params JsonNode[] runs) => new() { ["type"] = "RichTextBlock", ["inlines"] = new JsonArray(runs) };

    private static JsonObject Run(string text) => new() { ["type"] = "TextRun", ["text"] = text };

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };

    /// <summary>Slack's mrkdwn reserves &amp;, &lt; and &gt; (links and mentions); everything else is literal.</summary>
    private static string SlackEscape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
