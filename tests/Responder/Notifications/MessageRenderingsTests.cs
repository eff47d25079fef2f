namespace ZtStream.Responder.Tests.Notifications;

/// <summary>The bodies Slack (Block Kit), Teams (Adaptive Card in a workflow message) and email expect, from their published formats.</summary>
public sealed class MessageRenderingsTests
{
    [Fact]
    public void Slack_BlockKit_HasHeaderFieldsReasonsAndConsoleButton_WithinSlacksLimits()
    {
        var content = Content(TestAlerts.Critical("al-1", principal: "svc:" + new string('x', 300) + "<script>"));

        using var message = JsonDocument.Parse(MessageRenderings.Slack(content));
        var root = message.RootElement;
        var blocks = root.GetProperty("blocks").EnumerateArray().ToList();

        Assert.Contains("CRITICAL alert on svc:", root.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Equal("plain_text", blocks[0].GetProperty("text").GetProperty("type").GetString());
        Assert.True(blocks[0].GetProperty("text").GetProperty("text").GetString()!.Length <= 150, "a header's text is at most 150 characters");
        var fields = blocks[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!).ToList();
        Assert.Equal(["*Severity*\ncritical", "*Score*\n95"], fields.Take(2));
        Assert.Contains("&lt;script&gt;", fields[2], StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", fields[2], StringComparison.Ordinal);
        Assert.Contains("token issued to billing-api used from batch-runner", blocks[2].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        var button = blocks.Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements")[0];
        Assert.Equal("button", button.GetProperty("type").GetString());
        Assert.Equal("https://soc.example.test/console/#/alerts/al-1", button.GetProperty("url").GetString());
    }

    [Fact]
    public void Slack_FallbackText_EscapesEventText_SoNoMentionOrLinkIsMadeFromIt()
    {
        // The top-level text is mrkdwn too, shown in the push notification and the channel list: a principal or reason
        // from an event must not ping the channel or put a link of the event's choosing there.
        var alert = TestAlerts.Critical("al-5", principal: "<!channel> <https://evil.example/mfa|Reset your MFA>") with
        {
            Reasons = [new AlertReason(Detectors.Policy, "token_binding", 90, "user agent <!here> & co")],
        };

        using var message = JsonDocument.Parse(MessageRenderings.Slack(Content(alert)));
        var text = message.RootElement.GetProperty("text").GetString()!;

        Assert.DoesNotContain('<', text);
        Assert.Contains("&lt;!channel&gt; &lt;https://evil.example/mfa|Reset your MFA&gt;", text, StringComparison.Ordinal);
        Assert.Contains("user agent &lt;!here&gt; &amp; co", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Slack_WithoutConsoleUrl_HasNoButton()
    {
        var content = Content(TestAlerts.Critical("al-2")) with { ConsoleUrl = null };

        using var message = JsonDocument.Parse(MessageRenderings.Slack(content));

        Assert.DoesNotContain(message.RootElement.GetProperty("blocks").EnumerateArray(), b => b.GetProperty("type").GetString() == "actions");
    }

    [Fact]
    public void Teams_WorkflowMessage_CarriesOneAdaptiveCard()
    {
        using var message = JsonDocument.Parse(MessageRenderings.Teams(Content(TestAlerts.Critical("al-3"))));
        var root = message.RootElement;

        Assert.Equal("message", root.GetProperty("type").GetString());
        var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray().ToList());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.4", card.GetProperty("version").GetString());
        var facts = card.GetProperty("body").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "FactSet").GetProperty("facts");
        Assert.Contains(facts.EnumerateArray(), f => f.GetProperty("title").GetString() == "Severity" && f.GetProperty("value").GetString() == "critical");
        Assert.Contains("alice", TeamsRuns(card));
        Assert.Equal("Action.OpenUrl", card.GetProperty("actions")[0].GetProperty("type").GetString());
    }

    [Fact]
    public void Teams_EventText_IsOnlyInTextRuns_WhichTeamsNeverReadsAsMarkdown()
    {
        const string link = "[Reset your MFA](https://evil.example/mfa)";
        var alert = TestAlerts.Critical("al-6", principal: link) with
        {
            Reasons = [new AlertReason(Detectors.Policy, "token_binding", 90, "user agent **urgent** " + link)],
        };

        using var message = JsonDocument.Parse(MessageRenderings.Teams(Content(alert)));
        var card = message.RootElement.GetProperty("attachments")[0].GetProperty("content");

        // TextBlocks and Fact values are Markdown in Teams: the link is in none of them, only in TextRuns.
        var markdown = card.GetProperty("body").EnumerateArray().SelectMany(b => b.GetProperty("type").GetString() switch
        {
            "TextBlock" => [b.GetProperty("text").GetString()!],
            "FactSet" => b.GetProperty("facts").EnumerateArray().Select(f => f.GetProperty("value").GetString()!),
            _ => Array.Empty<string>(),
        });
        Assert.DoesNotContain(markdown, text => text.Contains("evil.example", StringComparison.Ordinal));
        Assert.Contains(link, TeamsRuns(card));
        Assert.Contains(TeamsRuns(card), run => run.Contains("user agent **urgent** " + link, StringComparison.Ordinal));
    }

    private static List<string> TeamsRuns(JsonElement card) =>
        [.. card.GetProperty("body").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "RichTextBlock")
            .SelectMany(b => b.GetProperty("inlines").EnumerateArray()).Select(r => r.GetProperty("text").GetString()!)];

    [Theory]
    [InlineData(Severities.Critical, "critical")]
    [InlineData(Severities.High, "error")]
    [InlineData(Severities.Medium, "warning")]
    [InlineData(Severities.Low, "info")]
    public void PagerDuty_Severity_MapsToEventsV2(string severity, string expected) =>
        Assert.Equal(expected, MessageRenderings.PagerDutySeverity(severity));

    [Fact]
    public void PagerDuty_Resolve_CarriesOnlyKeyActionAndDedupKey()
    {
        using var message = JsonDocument.Parse(MessageRenderings.PagerDuty(Content(TestAlerts.Critical("al-4")) with { Event = NotificationEvents.Resolve }, "key"));

        Assert.Equal(["routing_key", "event_action", "dedup_key"], message.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("al-4", message.RootElement.GetProperty("dedup_key").GetString());
    }

    [Theory]
    [InlineData("true_positive", NotificationEvents.Acknowledge)]
    [InlineData("false_positive", NotificationEvents.Resolve)]
    [InlineData("resolved", NotificationEvents.Resolve)]
    [InlineData("acknowledged", NotificationEvents.Acknowledge)]
    [InlineData("in_progress", NotificationEvents.Acknowledge)]
    [InlineData("benign", NotificationEvents.Resolve)]
    [InlineData("open", null)]
    public void StatusChange_FollowsTriage(string status, string? expected) => Assert.Equal(expected, Notifier.EventFor(status));

    [Fact]
    public void EveryRendering_NamesTheAuthorAndLicenceOfARuleThatDeclaresThem_AndNothingForOneThatDoesNot()
    {
        var alert = TestAlerts.Critical("al-credit") with
        {
            Reasons =
            [
                new AlertReason(Detectors.Rule, "a738c8ee-3914-4f1f-ac26-034364a29b79", 50, "Google Cloud IAM Policy Changed")
                {
                    Credits = [new AlertRuleCredit("a738c8ee-3914-4f1f-ac26-034364a29b79", "Google Cloud IAM Policy Changed") { Author = "Ivan Saakov", License = "DRL-1.1" }],
                },
                new AlertReason(Detectors.Rule, "site-project-owner-granted", 40, "Project owner granted")
                {
                    Credits = [new AlertRuleCredit("site-project-owner-granted", "Project owner granted")],
                },
            ],
        };
        var content = Content(alert);
        const string Credited = "rule/a738c8ee-3914-4f1f-ac26-034364a29b79, 50; rule by Ivan Saakov, DRL-1.1";

        Assert.Contains(Credited, MessageRenderings.Slack(content), StringComparison.Ordinal);
        Assert.Contains(Credited, MessageRenderings.Teams(content), StringComparison.Ordinal);
        Assert.Contains(Credited, MessageRenderings.PagerDuty(content, "key"), StringComparison.Ordinal);
        var (_, text) = MessageRenderings.Email(content);
        Assert.Contains(Credited, text, StringComparison.Ordinal);
        Assert.Contains("(rule/site-project-owner-granted, 40)", text, StringComparison.Ordinal);
    }

    internal static NotificationContent Content(Alert alert) => new()
    {
        Id = $"{alert.Id}|1|trigger|t",
        Event = NotificationEvents.Trigger,
        Route = "r",
        Status = "open",
        Alert = alert,
        ConsoleUrl = new Uri($"https://soc.example.test/console/#/alerts/{alert.Id}"),
        QueuedAt = alert.LastSeen,
    };
}
