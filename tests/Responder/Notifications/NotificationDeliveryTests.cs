using Json.Schema;
using ZtStream.TestSupport.Smtp;

namespace ZtStream.Responder.Tests.Notifications;

/// <summary>
/// Alerts reach the notification targets through the real Responder: the built-in policy's notify action, the
/// durable outbox and the senders, against loopback receivers and an SMTP server — signed once, retried through an
/// outage, PagerDuty following the triage, throttled per route, and every send in the audit trail.
/// </summary>
public sealed class NotificationDeliveryTests
{
    private const string Secret = "whsec-0123456789abcdef-test";
    [Fact]
    public async Task HighAlert_WithWebhookRoute_OneSignedPostTheReceiverVerifies()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var host = await StartAsync(Webhook(receiver.Url));
        var alert = TestAlerts.Critical("al-webhook") with { Severity = Severities.High, Score = 80, Techniques = ["T1528"] };

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(async () => await StateOf(host, alert.Id) == NotificationOutbox.Delivered, "the notification is delivered");
        await host.PublishAlertAsync(alert); // redelivered by the log: nothing new to send
        await Eventually.HoldsAsync(async () => (await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Limit: 100), Ct)).Count(e => e.Kind == AuditKinds.AlertReceived) == 1, "the redelivery is handled");

        var request = Assert.Single(receiver.Received);
        // Verified the way docs/operations.md tells a receiver to: HMAC-SHA256 over "t.body" with the shared secret.
        var signature = request.Headers[WebhookSignature.Header];
        var t = signature.Split(',')[0]["t=".Length..];
        var v1 = signature.Split(',')[1]["v1=".Length..];
        var expected = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(t + ".").Concat(request.Body).ToArray())).ToLowerInvariant();
        Assert.Equal(expected, v1);
        Assert.True(WebhookSignature.Verify(Secret, signature, request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("another-secret-entirely", signature, request.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("ztstream.alert", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("trigger", body.RootElement.GetProperty("event").GetString());
        Assert.Equal(alert.Id, body.RootElement.GetProperty("alert").GetProperty("id").GetString());
        Assert.Equal("high", body.RootElement.GetProperty("alert").GetProperty("severity").GetString());
        Assert.Equal(request.Headers[WebhookSignature.DeliveryHeader], body.RootElement.GetProperty("id").GetString());
        Assert.Equal("T1528", Assert.Single(body.RootElement.GetProperty("techniques").EnumerateArray().ToList()).GetString());
        Assert.Equal($"https://soc.example.test/console/#/alerts/{alert.Id}", body.RootElement.GetProperty("console_url").GetString());
        await AuditedAsync(host, alert.Id, AuditKinds.NotificationSent);
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Limit: 100), Ct);
        Assert.Single(audit, e => e.Kind == AuditKinds.NotificationQueued);
        Assert.Single(audit, e => e.Kind == AuditKinds.NotificationSent);
    }

    [Fact]
    public async Task ReceiverDownFor10Seconds_NotificationArrivesOnceWhenItIsBack()
    {
        var port = LocalProcess.FreePort();
        await using var host = await StartAsync(WebhookOn(port), settings =>
        {
            settings["Responder:Notifications:InitialBackoff"] = "00:00:00.500";
            settings["Responder:Notifications:MaxBackoff"] = "00:00:02";
        });
        var alert = TestAlerts.Critical("al-outage");
        var outage = Stopwatch.StartNew();

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(
            async () => outage.Elapsed >= TimeSpan.FromSeconds(10) && (await Item(host, alert.Id))?.Attempts >= 2,
            "the receiver stays down for 10 s while attempts fail",
            TimeSpan.FromSeconds(60));
        Assert.Equal(NotificationOutbox.Pending, await StateOf(host, alert.Id));
        await using var receiver = await NotificationReceiver.StartAsync(port: port);
        await Eventually.HoldsAsync(async () => await StateOf(host, alert.Id) == NotificationOutbox.Delivered, "delivered once the receiver is back", TimeSpan.FromSeconds(30));

        var request = Assert.Single(receiver.Received);
        Assert.Contains(alert.Id, request.Text, StringComparison.Ordinal);
        await AuditedAsync(host, alert.Id, AuditKinds.NotificationSent);
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alert.Id, Limit: 200), Ct);
        Assert.True(audit.Count(e => e.Kind == AuditKinds.NotificationAttemptFailed) >= 2);
        Assert.Single(audit, e => e.Kind == AuditKinds.NotificationSent);
    }

    /// <summary>
    /// A retry's due time is a wall-clock time: a step back of an hour after a failed attempt held the retry for the
    /// hour. Now the item is due again within a lease (twice <c>SendTimeout</c>) of the step, however long the step.
    /// </summary>
    [Fact]
    public async Task ReceiverDown_WallClockStepsBackAnHour_RetriedWithinSecondsNotAnHourLater()
    {
        var port = LocalProcess.FreePort();
        var clock = new SteppedSystemClock();
        await using var host = await StartAsync(WebhookOn(port), QuickRetries, clock);
        var alert = TestAlerts.Critical("al-step-back");

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(async () => (await Item(host, alert.Id))?.Attempts >= 1, "the first attempt fails");
        clock.Offset = TimeSpan.FromHours(-1);
        await using var receiver = await NotificationReceiver.StartAsync(port: port);

        await Eventually.HoldsAsync(
            async () => await StateOf(host, alert.Id) == NotificationOutbox.Delivered, "delivered within seconds of the step back", TimeSpan.FromSeconds(20));
        Assert.Single(receiver.Received);
    }

    /// <summary>
    /// A lease set by a Responder whose wall clock is an hour ahead lies an hour ahead here too, as a due time left by a
    /// step back does; it is not taken while that Responder could still be sending (the lease's length by this one's
    /// monotonic clock), so nothing is sent twice, and is taken once it cannot be (that Responder died mid-send).
    /// </summary>
    [Fact]
    public async Task ItemLeasedAnHourAheadByAnotherResponder_NotSentWhileTheLeaseMayBeHeld_SentOnceAfter()
    {
        var port = LocalProcess.FreePort();
        var clock = new SteppedSystemClock();
        await using var host = await StartAsync(WebhookOn(port), QuickRetries, clock);
        var alert = TestAlerts.Critical("al-leased-ahead");
        await host.PublishAlertAsync(alert);
        NotificationItem? held = null;
        await Eventually.HoldsAsync(
            async () => await Item(host, alert.Id) is { Attempts: >= 1, State: NotificationOutbox.Pending } item
                && await host.Get<NotificationOutbox>().Table.ClaimAsync(item, clock.GetUtcNow().AddHours(1), Ct) && (held = item) is not null,
            "the item is claimed as a Responder an hour ahead claims it");
        var leasedAt = Stopwatch.StartNew();
        await using var receiver = await NotificationReceiver.StartAsync(port: port);

        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Empty(receiver.Received);
        Assert.Equal(held!.Attempts, (await Item(host, alert.Id))!.Attempts);

        await Eventually.HoldsAsync(
            async () => await StateOf(host, alert.Id) == NotificationOutbox.Delivered, "delivered once the lease cannot be held", TimeSpan.FromSeconds(20));
        Assert.True(leasedAt.Elapsed >= TimeSpan.FromSeconds(4), $"taken {leasedAt.Elapsed} after the lease, inside its 4 s");
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task PagerDuty_TriggerThenTriage_AcknowledgeAndResolveWithTheAlertIdAsDedupKey_AllValidEventsV2()
    {
        await using var pagerDuty = await NotificationReceiver.StartAsync(202, """{"status":"success","message":"Event processed","dedup_key":"x"}""");
        await using var host = await StartAsync(new()
        {
            ["Responder:Notifications:Targets:oncall:Kind"] = "pagerduty",
            ["Responder:Notifications:Targets:oncall:Url"] = pagerDuty.Url.ToString(),
            ["Responder:Notifications:Targets:oncall:RoutingKey"] = "R0123456789ABCDEF0123456789ABCDE",
            ["Responder:Notifications:Routes:0:Name"] = "page",
            ["Responder:Notifications:Routes:0:Targets:0"] = "oncall",
        });
        var confirmed = TestAlerts.Critical("al-pd-1", workload: new AlertWorkload("wl-7", "payments", "batch-runner"));
        var dismissed = TestAlerts.Critical("al-pd-2", principal: "bob");
        using var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        await host.PublishAlertAsync(confirmed);
        await host.PublishAlertAsync(dismissed);
        await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Received.Count == 2), "both triggers sent");
        (await analyst.PostAsJsonAsync($"/v1/alerts/{confirmed.Id}/verdict", new { verdict = "true_positive" }, Ct)).EnsureSuccessStatusCode();
        (await analyst.PostAsJsonAsync($"/v1/alerts/{dismissed.Id}/verdict", new { verdict = "false_positive" }, Ct)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Received.Count == 4), "acknowledge and resolve sent");

        var schema = JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Notifications", "pagerduty-events-v2.schema.json"), Ct));
        var events = pagerDuty.Received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        foreach (var e in events)
        {
            var result = schema.Evaluate(e, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
            Assert.True(result.IsValid, $"not a valid Events v2 event: {e}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(x => $"{d.InstanceLocation}: {x.Value}")))}");
        }

        string Action(string id, string action) => events.Single(e => e.GetProperty("dedup_key").GetString() == id && e.GetProperty("event_action").GetString() == action).GetRawText();
        var trigger = JsonDocument.Parse(Action(confirmed.Id, "trigger")).RootElement;
        Assert.Equal("critical", trigger.GetProperty("payload").GetProperty("severity").GetString());
        Assert.Equal("alice", trigger.GetProperty("payload").GetProperty("source").GetString());
        Assert.Equal("payments", trigger.GetProperty("payload").GetProperty("group").GetString());
        Assert.Contains("token issued to billing-api", trigger.GetProperty("payload").GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.NotNull(Action(confirmed.Id, "acknowledge"));
        Assert.NotNull(Action(dismissed.Id, "resolve"));
        Assert.Equal("R0123456789ABCDEF0123456789ABCDE", trigger.GetProperty("routing_key").GetString());
    }

    /// <summary>
    /// PagerDuty opens an incident on a trigger and closes it on a resolve with the same dedup key; a resolve that
    /// arrives first closes nothing, and the trigger after it leaves a page open for an alert already dismissed. A
    /// trigger still being retried (its target was down) holds the alert's later notifications to that target until
    /// it is sent, so they arrive in the order they were queued.
    /// </summary>
    [Fact]
    public async Task PagerDuty_ResolveQueuedWhileTheTriggerIsRetried_ArrivesAfterTheTrigger()
    {
        var port = LocalProcess.FreePort();
        await using var host = await StartAsync(
            new()
            {
                ["Responder:Notifications:Targets:oncall:Kind"] = "pagerduty",
                ["Responder:Notifications:Targets:oncall:Url"] = $"http://127.0.0.1:{port}/enqueue",
                ["Responder:Notifications:Targets:oncall:RoutingKey"] = "R0123456789ABCDEF0123456789ABCDE",
                ["Responder:Notifications:Routes:0:Name"] = "page",
                ["Responder:Notifications:Routes:0:Targets:0"] = "oncall",
            },
            settings => settings["Responder:Notifications:InitialBackoff"] = "00:00:04");
        var alert = TestAlerts.Critical("al-pd-order");
        using var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(async () => (await Item(host, alert.Id))?.Attempts >= 1, "the trigger's first attempt fails");
        await using var pagerDuty = await NotificationReceiver.StartAsync(202, """{"status":"success","message":"Event processed","dedup_key":"x"}""", port);
        (await analyst.PostAsJsonAsync($"/v1/alerts/{alert.Id}/verdict", new { verdict = "false_positive" }, Ct)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(() => Task.FromResult(pagerDuty.Received.Count == 2), "trigger and resolve sent", TimeSpan.FromSeconds(30));

        var actions = pagerDuty.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("event_action").GetString()).ToList();
        Assert.Equal(["trigger", "resolve"], actions);
    }

    [Fact]
    public async Task Email_ThroughSmtp_CarriesSeverityPrincipalAndReasons()
    {
        await using var smtp = new SmtpSink();
        await using var host = await StartAsync(new()
        {
            ["Responder:Notifications:Targets:soc-mail:Kind"] = "email",
            ["Responder:Notifications:Targets:soc-mail:Smtp:Host"] = "127.0.0.1",
            ["Responder:Notifications:Targets:soc-mail:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Responder:Notifications:Targets:soc-mail:Smtp:Security"] = "none",
            ["Responder:Notifications:Targets:soc-mail:Smtp:From"] = "ZtStream <ztstream@example.test>",
            ["Responder:Notifications:Targets:soc-mail:Smtp:To:0"] = "soc@example.test",
            ["Responder:Notifications:Targets:soc-mail:Smtp:To:1"] = "oncall@example.test",
            ["Responder:Notifications:Routes:0:Name"] = "mail",
            ["Responder:Notifications:Routes:0:Targets:0"] = "soc-mail",
        });
        var alert = TestAlerts.Critical("al-mail", principal: "carol");

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(async () => await StateOf(host, alert.Id) == NotificationOutbox.Delivered, "the email is accepted");

        var (from, to, data) = Assert.Single(smtp.Messages);
        Assert.Equal("<ztstream@example.test>", from);
        Assert.Equal(["<soc@example.test>", "<oncall@example.test>"], to);
        var message = MimeKit.MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(data)));
        Assert.Contains("CRITICAL alert on carol", message.Subject, StringComparison.Ordinal);
        Assert.Contains("token issued to billing-api used from batch-runner", message.TextBody, StringComparison.Ordinal);
        Assert.Equal(alert.Id, message.Headers["X-ZtStream-Alert"]);
    }

    [Fact]
    public async Task Route_OverItsLimit_RecordsThrottledAndSendsNothingMore()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = Webhook(receiver.Url);
        settings["Responder:Notifications:Routes:0:MaxPerWindow"] = "1";
        settings["Responder:Notifications:Routes:0:Window"] = "01:00:00";
        await using var host = await StartAsync(settings);

        await host.PublishAlertAsync(TestAlerts.Critical("al-first"));
        await Eventually.HoldsAsync(async () => await StateOf(host, "al-first") == NotificationOutbox.Delivered, "the first is sent");
        await host.PublishAlertAsync(TestAlerts.Critical("al-second", principal: "dave"));
        await Eventually.HoldsAsync(async () => await StateOf(host, "al-second") == NotificationOutbox.Throttled, "the second is throttled");

        Assert.Single(receiver.Received);
        await AuditedAsync(host, "al-second", AuditKinds.NotificationThrottled);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "al-second", Kind: AuditKinds.NotificationThrottled, Limit: 10), Ct));
    }

    [Fact]
    public async Task Target_RefusingTheMessage_FailsAtOnceWithItsAnswer()
    {
        await using var slack = await NotificationReceiver.StartAsync(400, "invalid_blocks");
        await using var host = await StartAsync(new()
        {
            ["Responder:Notifications:Targets:chat:Kind"] = "slack",
            ["Responder:Notifications:Targets:chat:Url"] = slack.Url.ToString(),
            ["Responder:Notifications:Routes:0:Name"] = "chat",
            ["Responder:Notifications:Routes:0:Targets:0"] = "chat",
        });

        await host.PublishAlertAsync(TestAlerts.Critical("al-refused"));
        await Eventually.HoldsAsync(async () => await StateOf(host, "al-refused") == NotificationOutbox.Failed, "the refusal ends it");

        var item = await Item(host, "al-refused");
        Assert.Equal(1, item!.Attempts);
        Assert.Contains("400: invalid_blocks", item.LastError, StringComparison.Ordinal);
        Assert.Single(slack.Received);
        await AuditedAsync(host, "al-refused", AuditKinds.NotificationFailed);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "al-refused", Kind: AuditKinds.NotificationFailed, Limit: 10), Ct));
    }

    /// <summary>
    /// A receiver that answers with a redirect has not taken the message: it is not followed (a 302 turned the POST into a
    /// GET whose 200 was recorded as delivered, with nothing delivered, and a redirect elsewhere would carry the alert
    /// there), and it refuses the message as any other non-2xx answer does, naming where it pointed.
    /// </summary>
    [Fact]
    public async Task Receiver_AnsweringWithARedirect_IsNotFollowed_AndTheMessageFailsNamingIt()
    {
        var reached = 0;
        await using var receiver = await LoopbackApp.StartAsync(web =>
        {
            web.MapPost("/hook", () => Results.Redirect("/moved"));
            web.MapMethods("/moved", ["GET", "POST"], () =>
            {
                Interlocked.Increment(ref reached);
                return Results.Text("<html>moved</html>", "text/html");
            });
        });
        await using var host = await StartAsync(Webhook(new Uri(receiver.BaseAddress, "hook")));
        var alert = TestAlerts.Critical("al-redirected");

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(async () => await StateOf(host, alert.Id) is { } state && state != NotificationOutbox.Pending, "the notification is ended");

        var item = await Item(host, alert.Id);
        Assert.Equal(NotificationOutbox.Failed, item!.State);
        Assert.Contains("302 redirecting to", item.LastError, StringComparison.Ordinal);
        Assert.Contains("/moved", item.LastError, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref reached));
    }

    /// <summary>
    /// The status decides: a receiver that answers 200 at once and then never finishes its body (a serverless function
    /// still working, a Content-Length it never fills) has taken the message. Before, the body was awaited, the attempt
    /// timed out as "no answer" and the message was sent again and again.
    /// </summary>
    [Fact]
    public async Task Receiver_Answering200WithABodyThatNeverEnds_IsDelivered_OnceAndNotRetried()
    {
        var received = 0;
        await using var receiver = await LoopbackApp.StartAsync(web => web.MapPost("/hook", async (HttpContext http) =>
        {
            Interlocked.Increment(ref received);
            http.Response.ContentLength = 100;
            await http.Response.WriteAsync("{");
            await http.Response.Body.FlushAsync(http.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
        }));
        await using var host = await StartAsync(Webhook(new Uri(receiver.BaseAddress, "hook")), QuickRetries);
        var alert = TestAlerts.Critical("al-endless-body");

        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(async () => await StateOf(host, alert.Id) is { } state && state != NotificationOutbox.Pending, "the notification is ended", TimeSpan.FromSeconds(20));

        Assert.Equal(NotificationOutbox.Delivered, await StateOf(host, alert.Id));
        Assert.Equal(1, Volatile.Read(ref received));
    }

    /// <summary>
    /// One delivery loop serves every target: a target that answers too slowly (or is down, or answers 429) failed each
    /// of its messages due in a pass in turn, a send timeout each, while another target's messages queued behind them
    /// waited — a slow SIEM webhook held up the pages. Once a target's attempt fails in a pass, its other messages wait
    /// for the next pass, and the other targets' go on.
    /// </summary>
    [Fact]
    public async Task TargetTimingOut_DoesNotHoldUpAnotherTargetsMessages()
    {
        const int Alerts = 5;
        var slowAttempts = 0;
        var slowAttemptsWhenFastHadAll = -1;
        var fastReceived = 0;
        await using var slow = await LoopbackApp.StartAsync(web => web.MapPost("/hook", async (HttpContext http) =>
        {
            Interlocked.Increment(ref slowAttempts);
            await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted);
        }));
        await using var fast = await LoopbackApp.StartAsync(web => web.MapPost("/hook", () =>
        {
            if (Interlocked.Increment(ref fastReceived) == Alerts)
            {
                Volatile.Write(ref slowAttemptsWhenFastHadAll, Volatile.Read(ref slowAttempts));
            }

            return Results.Ok();
        }));
        var settings = Webhook(new Uri(slow.BaseAddress, "hook"));
        settings["Responder:Notifications:Targets:fast:Kind"] = "webhook";
        settings["Responder:Notifications:Targets:fast:Url"] = new Uri(fast.BaseAddress, "hook").ToString();
        settings["Responder:Notifications:Targets:fast:Secret"] = Secret;
        settings["Responder:Notifications:Routes:0:Targets:1"] = "fast";
        await using var host = await StartAsync(settings, QuickRetries);

        await host.PublishAlertsAsync(Enumerable.Range(0, Alerts).Select(i => TestAlerts.Critical($"al-slow-{i}", principal: $"p{i}")));
        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref fastReceived) >= Alerts), "the fast target has every message", TimeSpan.FromSeconds(60));

        var attempts = Volatile.Read(ref slowAttemptsWhenFastHadAll);
        Assert.True(attempts < Alerts, $"the slow target was tried {attempts} times before the fast one had its {Alerts} messages");
    }

    [Fact]
    public async Task TechniqueRoute_TakesOnlyAlertsNamingTheTechniqueOrASubTechnique()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var settings = Webhook(receiver.Url);
        settings["Responder:Notifications:Routes:0:Techniques:0"] = "T1552";
        await using var host = await StartAsync(settings);
        var named = TestAlerts.Critical("al-t1552") with { Techniques = ["T1552.007", "T1613"] };
        var other = TestAlerts.Critical("al-t1609", principal: "erin") with { Techniques = ["T1609"] };

        await host.PublishAlertAsync(other);
        await host.PublishAlertAsync(named);
        await Eventually.HoldsAsync(async () => await StateOf(host, named.Id) == NotificationOutbox.Delivered, "the alert naming T1552.007 is sent");

        Assert.Null(await Item(host, other.Id));
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task MediumAlert_BelowTheBuiltInPolicy_IsNotSent()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        await using var host = await StartAsync(Webhook(receiver.Url));
        var medium = TestAlerts.Critical("al-medium") with { Severity = Severities.Medium, Score = 50 };
        var high = TestAlerts.Critical("al-high") with { Severity = Severities.High, Score = 75 };

        await host.PublishAlertAsync(medium);
        await host.PublishAlertAsync(high);
        await Eventually.HoldsAsync(async () => await StateOf(host, high.Id) == NotificationOutbox.Delivered, "the high alert is sent");

        Assert.Null(await Item(host, medium.Id));
        Assert.DoesNotContain(receiver.Received, r => r.Text.Contains(medium.Id, StringComparison.Ordinal));
    }

    internal static Dictionary<string, string?> Webhook(Uri url) => new()
    {
        ["Responder:Notifications:ConsoleUrl"] = "https://soc.example.test/console/",
        ["Responder:Notifications:Targets:hook:Kind"] = "webhook",
        ["Responder:Notifications:Targets:hook:Url"] = url.ToString(),
        ["Responder:Notifications:Targets:hook:Secret"] = Secret,
        ["Responder:Notifications:Routes:0:Name"] = "everything-high",
        ["Responder:Notifications:Routes:0:Targets:0"] = "hook",
        ["Responder:Notifications:Routes:0:MinSeverity"] = "high",
    };

    /// <summary>The webhook route to a receiver on loopback <paramref name="port"/>: down until the test starts one there.</summary>
    private static Dictionary<string, string?> WebhookOn(int port) => Webhook(new Uri($"http://127.0.0.1:{port}/hook"));

    /// <summary>Short waits: a lease of 4 s (twice the send timeout), backoffs of at most 1 s.</summary>
    private static void QuickRetries(Dictionary<string, string?> settings)
    {
        settings["Responder:Notifications:SendTimeout"] = "00:00:02";
        settings["Responder:Notifications:MaxBackoff"] = "00:00:01";
    }

    private static async Task<ResponderTestHost> StartAsync(
        Dictionary<string, string?> settings, Action<Dictionary<string, string?>>? more = null, TimeProvider? clock = null)
    {
        // No policy file: the built-in policy notifies on every alert of high severity or above.
        var host = new ResponderTestHost() { UseWallClock = true };
        if (clock is not null)
        {
            host.With(clock);
        }

        host.Settings["Responder:Notifications:InitialBackoff"] = "00:00:00.200";
        host.Settings["Responder:Notifications:PollInterval"] = "00:00:00.100";
        foreach (var (key, value) in settings)
        {
            host.Settings[key] = value;
        }

        more?.Invoke(host.Settings);
        return await host.StartAsync();
    }

    private static async Task<NotificationItem?> Item(ResponderTestHost host, string alertId) =>
        (await host.Get<NotificationOutbox>().ForAlertAsync(alertId, Ct)).FirstOrDefault();

    /// <summary>A queued or throttled entry follows its item's insert: wait for it (a finished item's entry commits with its state).</summary>
    private static Task AuditedAsync(ResponderTestHost host, string alertId, string kind) =>
        Eventually.HoldsAsync(
            async () => (await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: alertId, Kind: kind, Limit: 10), Ct)).Count > 0,
            $"the {kind} audit entry of {alertId} is written");

    private static async Task<string?> StateOf(ResponderTestHost host, string alertId) => (await Item(host, alertId))?.State;
}
