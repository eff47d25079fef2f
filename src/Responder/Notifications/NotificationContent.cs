namespace ZtStream.Responder.Notifications;

/// <summary>
/// What a notification says, whatever the target: the generic webhook's JSON body as is (documented in
/// docs/operations.md), and what the Slack, Teams, PagerDuty and email renderings are made from.
/// </summary>
internal sealed record NotificationContent
{
    public const string AlertType = "ztstream.alert";

    /// <summary>Always <c>ztstream.alert</c>.</summary>
    public string Type { get; init; } = AlertType;

    /// <summary>Unique per notification (the outbox's dedup key): a receiver drops a repeat of an id it has seen.</summary>
    public required string Id { get; init; }

    /// <summary><c>trigger</c> (the alert fired or fired again), <c>acknowledge</c> or <c>resolve</c> (its triage status moved).</summary>
    public required string Event { get; init; }

    /// <summary>The route that matched.</summary>
    public required string Route { get; init; }

    /// <summary>The alert's triage status: <c>open</c>, <c>true_positive</c>, <c>false_positive</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The alert as the Verifier raised it (same JSON as <c>zt.alerts.v1</c>).</summary>
    public required Alert Alert { get; init; }

    /// <summary>MITRE ATT&amp;CK techniques of the alert, when it names any.</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    /// <summary>The alert in the SOC console, when <c>Responder:Notifications:ConsoleUrl</c> is set.</summary>
    public Uri? ConsoleUrl { get; init; }

    public required DateTimeOffset QueuedAt { get; init; }

    /// <summary>One line: "HIGH alert on alice: read 2.1 GB of confidential/customers …".</summary>
    public string Summary()
    {
        var top = Alert.Reasons.Count > 0 ? Alert.Reasons.OrderByDescending(r => r.Score).First().Text : Alert.Detector;
        var line = $"{Alert.Severity.ToUpperInvariant()} alert on {Alert.Principal} (score {Alert.Score}): {top}";
        return line.Length <= 1000 ? line : line[..1000] + "…";
    }

    /// <summary>
    /// Which rule gave a reason, and its score: "rule/ID, 70"; for a rule whose file names an author or a licence, who it is
    /// owed to as well ("rule/ID, 70; rule by Austin Songer, DRL-1.1"), as the Detection Rule License asks of a message
    /// based on a rule's match.
    /// </summary>
    public static string Cite(AlertReason reason)
    {
        var text = new StringBuilder().Append(reason.Detector).Append('/').Append(reason.Rule).Append(", ").Append(reason.Score.ToString(CultureInfo.InvariantCulture));
        foreach (var credit in reason.Credits)
        {
            if (credit.Author is null && credit.License is null)
            {
                continue;
            }

            text.Append(credit.Id == reason.Rule ? "; rule" : $"; with rule {credit.Id}");
            if (credit.Author is { } author)
            {
                text.Append(" by ").Append(author);
            }

            if (credit.License is { } license)
            {
                text.Append(", ").Append(license);
            }
        }

        return text.ToString();
    }

    /// <summary>The reasons that weigh most, at most <paramref name="count"/>.</summary>
    public IEnumerable<AlertReason> TopReasons(int count = 3) => Alert.Reasons.OrderByDescending(r => r.Score).Take(count);
}
