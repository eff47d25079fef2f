using System.Text.RegularExpressions;

namespace ZtStream.Responder.Tests.Console;

/// <summary>What a responder or analyst sees after a click is what is true: the action as it ends, errors that stay.</summary>
public sealed class ConsoleActionTests
{
    private static readonly Regex UnderWay = new("^(queued|dispatched)$");

    /// <summary>
    /// An approved revocation whose drivers fail shows "failed" and the drivers' reason where it was approved: before,
    /// the row said "dispatched" until the page was reloaded, and the failure was never seen.
    /// </summary>
    [Fact]
    public async Task Approve_ThenTheDriversFail_ShowsFailedAndTheReason_WithoutAReload()
    {
        var driver = new GatedDriver { Failure = "the IdP answered 503" };
        await using var console = await ConsoleTests.PendingApproval.StartAsync(TestAlerts.Critical("fail-ui", principal: "mallory@example.com", jti: "jti-fail"), driver);
        var (host, pending, page) = console;
        await ConsoleTests.AlertRow(page, "fail-ui").ClickAsync();
        var action = ConsoleTests.ActionRow(page, pending.Id);
        await Assertions.Expect(action.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.PendingApproval);

        await action.GetByTestId("approve").ClickAsync();
        await Assertions.Expect(action.GetByTestId("action-state")).ToHaveTextAsync(UnderWay);
        await Assertions.Expect(action.GetByTestId("approve")).ToHaveCountAsync(0);

        // Every attempt fails (the first and the two retries).
        driver.Pass(3);
        await host.UntilStateAsync(pending.Id, ActionStates.Failed);
        await Assertions.Expect(action.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Failed, new() { Timeout = 30_000 });
        await Assertions.Expect(action.GetByTestId("action-detail")).ToContainTextAsync("the IdP answered 503");
        await Assertions.Expect(page.GetByTestId("error-text")).ToContainTextAsync("revoke_token on token jti-fail failed");
        Assert.EndsWith("#/alerts/fail-ui", page.Url, StringComparison.Ordinal);
    }

    /// <summary>
    /// An isolation triggered by hand, then released (its undo), shows each state as the drivers reach it: before, the
    /// actions page showed "queued" after the trigger, and "releasing" after the release, until it was reloaded.
    /// </summary>
    [Fact]
    public async Task TriggerThenRelease_ShowsActiveThenReleased_AsTheDriversFinish()
    {
        var driver = new GatedDriver();
        await using var host = await ConsoleTests.StartWithAlertsAsync(new ResponderTestHost() { UseKestrel = true }.With<IWorkloadIsolator>(driver));
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken);
        var page = session.Page;
        await ConsoleTests.TriggerIsolationAsync(page, new AlertWorkload("payments/ledger-5c8d", "payments", "ledger"), "shell spawned in the ledger pod", "900");

        var isolation = page.Locator("[data-testid=action-row]", new() { HasText = ActionKinds.IsolateWorkload });
        await Assertions.Expect(isolation.GetByTestId("action-state")).ToHaveTextAsync(UnderWay);
        driver.Pass();
        await Assertions.Expect(isolation.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Active);
        await Assertions.Expect(isolation.GetByTestId("action-detail")).ToContainTextAsync("isolated payments/ledger-5c8d");

        await isolation.GetByTestId("release").ClickAsync();
        await isolation.GetByTestId("release-reason").FillAsync("the shell was the on-call engineer's");
        await isolation.GetByTestId("release-confirm").ClickAsync();
        await Assertions.Expect(isolation.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Releasing);
        var release = page.Locator("[data-testid=action-row]", new() { HasText = ActionKinds.ReleaseWorkload });
        await Assertions.Expect(release.GetByTestId("action-state")).ToHaveTextAsync(UnderWay);
        driver.Pass();
        await Assertions.Expect(isolation.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Released);
        await Assertions.Expect(release.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Done);
        await Assertions.Expect(isolation.GetByTestId("release")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// A trigger submitted twice before its answer came (Enter pressed twice, a second submit the disabled button did not
    /// stop): one action, both submissions answered with it. Before, each submission made an action of its own.
    /// </summary>
    [Fact]
    public async Task Trigger_SubmittedTwiceAtOnce_IsOneAction()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync();
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken);
        var page = session.Page;
        var answered = 0;
        page.Response += (_, response) =>
        {
            if (response.Request.Method == "POST" && response.Url.EndsWith("/v1/actions", StringComparison.Ordinal) && response.Status != 409)
            {
                Interlocked.Increment(ref answered);
            }
        };
        await page.GetByTestId("nav-trigger").ClickAsync();
        var form = page.GetByTestId("trigger-form");
        await form.Locator("select[name=kind]").SelectOptionAsync(ActionKinds.RevokeSubjectSessions);
        await form.Locator("input[name=subject_id]").FillAsync("mallory@example.com");
        await form.Locator("input[name=reason]").FillAsync("laptop reported stolen");

        await form.EvaluateAsync("f => { f.requestSubmit(); f.requestSubmit(); }");

        await Eventually.HoldsAsync(() => Volatile.Read(ref answered) == 2, "both submissions answered");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("triggered revoke_subject_sessions");
        var action = Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(), Ct));
        Assert.Equal("mallory@example.com", action.SubjectId);
    }

    /// <summary>
    /// Approve is disabled while its request is in flight and enabled again when it is refused, and the refusal stays on
    /// screen, announced, until dismissed: before, a second click sent a second request and the error vanished after 4 s.
    /// </summary>
    [Fact]
    public async Task Approve_InFlight_IsDisabled_AndARefusalStaysUntilDismissed()
    {
        await using var console = await ConsoleTests.PendingApproval.StartAsync(TestAlerts.Critical("busy-ui", principal: "svc-reports@example.com", jti: "jti-busy"));
        var (host, pending, page) = console;
        await ConsoleTests.AlertRow(page, "busy-ui").ClickAsync();
        var action = ConsoleTests.ActionRow(page, pending.Id);

        // The Responder is slow to answer, then refuses: another responder decided first.
        var answer = new TaskCompletionSource();
        var requests = 0;
        await page.RouteAsync("**/approve", async route =>
        {
            Interlocked.Increment(ref requests);
            await answer.Task;
            await route.FulfillAsync(new() { Status = 409, ContentType = "application/problem+json", Body = """{"title":"Conflict","status":409,"detail":"the action is rejected (revoke_token); it cannot do that now"}""" });
        });
        await action.GetByTestId("approve").ClickAsync();
        await Assertions.Expect(action.GetByTestId("approve")).ToBeDisabledAsync();
        await Assertions.Expect(action.GetByTestId("reject")).ToBeDisabledAsync();
        answer.SetResult();

        var error = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "approve revoke_token failed" });
        await Assertions.Expect(error).ToContainTextAsync("the action is rejected (revoke_token); it cannot do that now");
        await Assertions.Expect(action.GetByTestId("approve")).ToBeEnabledAsync();
        Assert.Equal(1, Volatile.Read(ref requests));

        // Still there well after a notice would have faded; gone once dismissed.
        await page.WaitForTimeoutAsync(5_000);
        await Assertions.Expect(error).ToBeVisibleAsync();
        await page.GetByTestId("error-dismiss").ClickAsync();
        await Assertions.Expect(page.GetByTestId("error-text")).ToHaveCountAsync(0);

        // A server error is kept the same way, and replaced by the next message.
        await page.UnrouteAllAsync();
        await page.RouteAsync("**/reject", route => route.FulfillAsync(new() { Status = 500, ContentType = "text/html", Body = "<html>upstream failed</html>" }));
        await action.GetByTestId("reject").ClickAsync();
        await action.GetByTestId("reject-reason").FillAsync("a report job, not a person");
        await action.GetByTestId("reject-confirm").ClickAsync();
        await Assertions.Expect(page.GetByTestId("error-text")).ToContainTextAsync("reject revoke_token failed: 500");
        await page.UnrouteAllAsync();
        await action.GetByTestId("approve").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToHaveTextAsync("approve revoke_token: done");
        await Assertions.Expect(page.GetByTestId("error-text")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// A comment being written survives a triage click on the same alert: before, Acknowledge redrew the page and the
    /// unsent comment was lost.
    /// </summary>
    [Fact]
    public async Task Triage_AComment_BeingWritten_SurvivesAStatusChange()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync(TestAlerts.Critical("draft-ui", principal: "dev-7@example.com"));
        await using var session = await ConsoleTests.BrowserSession.OnAlertAsync(host, ResponderTestHost.AnalystToken, "draft-ui");
        var page = session.Page;

        await page.GetByTestId("comment-text").FillAsync("asked the owner of dev-7 whether the export was planned");
        await page.GetByTestId("ack").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-status")).ToHaveTextAsync("acknowledged");
        await Assertions.Expect(page.GetByTestId("comment-text")).ToHaveValueAsync("asked the owner of dev-7 whether the export was planned");

        // Sent, it is in the history and the box is empty again.
        await page.GetByTestId("comment").ClickAsync();
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("asked the owner of dev-7");
        await Assertions.Expect(page.GetByTestId("comment-text")).ToHaveValueAsync("");
    }
}
