namespace ZtStream.Responder.Tests.Console;

/// <summary>A responder's changes from the console: one request per change, said before sending when it is wrong.</summary>
public sealed class ConsoleResponderTests
{
    /// <summary>
    /// <i>Lift revocation</i> on a revocation of a token and its session is one request that lifts both or neither: before,
    /// the console lifted the entries one request each, so a failure on the session's left the token's lifted.
    /// </summary>
    [Fact]
    public async Task LiftRevocation_IsOneRequest_AndAFailureLiftsNothing()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync(TestAlerts.Critical("lift-all", principal: "dana@example.com", jti: "jti-5e21"));
        var action = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Done, minutesAgo: 1) with
        {
            AlertId = "lift-all", Jti = "jti-5e21", SessionId = "sid-0c4e",
        };
        await host.Get<ActionStore>().TryInsertAsync(action, Ct);
        foreach (var (kind, jti, sid) in new[] { (RevocationStore.JtiEntry, "jti-5e21", (string?)null), (RevocationStore.SessionEntry, null, "sid-0c4e") })
        {
            await host.Get<RevocationStore>().AddAsync(new RevocationRequest(action.Id, kind, jti, sid, null, null, "t", host.Time.GetUtcNow().AddHours(1)), Ct);
        }

        // The session's audit entry cannot be written (a full disk, a lost connection).
        await host.RefuseAuditEntriesAsync(AuditKinds.RevocationLifted, naming: "session sid-0c4e");
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken);
        var page = session.Page;
        var writes = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST")
            {
                writes.Enqueue(new Uri(request.Url).AbsolutePath);
            }
        };
        await ConsoleTests.AlertRow(page, "lift-all").ClickAsync();
        var row = ConsoleTests.ActionRow(page, action.Id);
        await row.GetByTestId("lift-revocation").ClickAsync();
        await row.GetByTestId("lift-revocation-reason").FillAsync("dana's new phone");
        await row.GetByTestId("lift-revocation-confirm").ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "lift revocation failed" })).ToBeVisibleAsync();
        Assert.Equal([$"/v1/actions/{action.Id}/lift"], writes);
        Assert.Equal(["jti-5e21", "sid-0c4e"], (await host.RevocationSnapshotAsync()).Revocations.Select(r => r.Jti ?? r.SessionId));
        await Assertions.Expect(row.GetByTestId("lift-revocation")).ToBeVisibleAsync();

        // Once the store takes it, the same click lifts both, and the row says so without a reload.
        await host.AcceptAuditEntriesAsync();
        await row.GetByTestId("lift-revocation").ClickAsync();
        await row.GetByTestId("lift-revocation-reason").FillAsync("dana's new phone");
        await row.GetByTestId("lift-revocation-confirm").ClickAsync();
        await Assertions.Expect(row.GetByTestId("revocation-not-in-force")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToHaveTextAsync("lift revocation: done");
        Assert.Empty((await host.RevocationSnapshotAsync()).Revocations);
        Assert.Equal(2, writes.Count);
    }

    /// <summary>
    /// A revocation that failed before the list took anything says so in its row — that it failed, the drivers' reason,
    /// and that there is nothing to lift — to a responder and to a viewer alike; one that failed after the list took its
    /// entry (the identity provider's driver failed) offers the lift instead. Before, the first showed nothing at all
    /// where the lift would be, as if the revocation were waiting for something.
    /// </summary>
    [Fact]
    public async Task FailedRevocation_WithNothingListed_SaysItFailedAndWhy()
    {
        var idp = new CountingRevoker { FailuresLeft = int.MaxValue };
        await using var host = await ConsoleTests.StartWithAlertsAsync(
            new ResponderTestHost { UseKestrel = true }.With<ITokenRevoker>(idp), TestAlerts.Critical("fail-list", principal: "erin@example.com"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        // The list refuses the first revocation's entry (its store write fails); the second is listed, then the IdP fails.
        await host.ExecuteSqlAsync("""
            CREATE TRIGGER refuse_revocations BEFORE INSERT ON responder_revocations
            BEGIN SELECT RAISE(ABORT, 'revocation list write refused'); END
            """);
        var unlisted = await TriggerAsync(responder, "fail-list", "jti-never-listed");
        await host.UntilStateAsync(unlisted, ActionStates.Failed);
        await host.ExecuteSqlAsync("DROP TRIGGER refuse_revocations");
        var listed = await TriggerAsync(responder, "fail-list", "jti-listed");
        await host.UntilStateAsync(listed, ActionStates.Failed);

        foreach (var token in new[] { ResponderTestHost.ResponderToken, ResponderTestHost.ViewerToken })
        {
            await using var session = await ConsoleTests.BrowserSession.OnAlertAsync(host, token, "fail-list");
            var page = session.Page;
            var failed = ConsoleTests.ActionRow(page, unlisted);
            var note = failed.GetByTestId("revocation-failed");
            await Assertions.Expect(note).ToContainTextAsync("Revocation failed: ");
            await Assertions.Expect(note).ToContainTextAsync("revocation list write refused");
            await Assertions.Expect(note).ToContainTextAsync("nothing to lift");
            await Assertions.Expect(failed.GetByTestId("lift-revocation")).ToHaveCountAsync(0);

            var inForce = ConsoleTests.ActionRow(page, listed);
            await Assertions.Expect(inForce.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Failed);
            await Assertions.Expect(inForce.GetByTestId("revocation-failed")).ToHaveCountAsync(0);
            await Assertions.Expect(inForce.GetByTestId("lift-revocation")).ToHaveCountAsync(token == ResponderTestHost.ResponderToken ? 1 : 0);
        }
    }

    /// <summary>Triggers a revocation of <paramref name="jti"/> filed under <paramref name="alertId"/>, as <c>POST /v1/actions</c> does for a responder.</summary>
    private static async Task<Guid> TriggerAsync(HttpClient responder, string alertId, string jti)
    {
        using var answer = await responder.PostAsJsonAsync("/v1/actions", new { kind = ActionKinds.RevokeToken, jti, alert_id = alertId, reason = "stolen laptop" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// An empty "days" is the Responder's default (here 12 days, as configured), and the form says so; a number it
    /// cannot send is refused in the form, naming the field, and nothing is sent. Before, an empty box was sent as
    /// "expires now" and refused by the server, and 91 was stopped by a browser bubble no screen reader announced.
    /// </summary>
    [Fact]
    public async Task Suppress_EmptyDays_IsTheConfiguredDefault_AndABadNumberIsRefusedBeforeSending()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync(
            new ResponderTestHost { UseKestrel = true }.WithSetting("Responder:VerdictSuppression", "12.00:00:00"),
            TestAlerts.Critical("days-1", principal: "svc-export@example.com"));
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        var sent = CountPosts(page, "/v1/suppressions");
        await ConsoleTests.AlertRow(page, "days-1").ClickAsync();
        var form = page.GetByTestId("suppress");
        var days = form.GetByTestId("suppress-days");
        await Assertions.Expect(days).ToHaveValueAsync("");
        await Assertions.Expect(days).ToHaveAttributeAsync("placeholder", "12 (default)");
        await Assertions.Expect(form.GetByTestId("suppress-days-hint")).ToContainTextAsync("empty: 12");

        foreach (var wrong in new[] { "0", "91", "1.5", "-3", "a week" })
        {
            await days.FillAsync(wrong);
            await form.GetByTestId("suppress-create").ClickAsync();
            await Assertions.Expect(page.Locator("#error[role=alert]")).ToContainTextAsync($"days: must be a whole number from 1 to 90, or empty for the default (12 days), not \"{wrong}\"");
            await Assertions.Expect(days).ToBeFocusedAsync();
            await Assertions.Expect(days).ToHaveAttributeAsync("aria-invalid", "true");
        }

        Assert.Equal(0, Volatile.Read(ref sent.Value));
        Assert.Empty(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "days-1"), Ct));

        await days.FillAsync("");
        await form.GetByTestId("suppress-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("suppression-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("error-text")).ToHaveCountAsync(0);
        var made = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "days-1"), Ct));
        Assert.Equal(12, Math.Round((made.ExpiresAt - host.Time.GetUtcNow()).TotalDays, 3));
    }

    /// <summary>
    /// Reject by keyboard alone: Tab reaches it with a focus ring that shows, Enter or Space asks for the reason (it went
    /// without one before), Escape gives the focus back, an empty reason is announced and not sent, and once rejected the
    /// focus stays on the action's row rather than falling to the top of the page.
    /// </summary>
    [Fact]
    public async Task Reject_ByKeyboardAlone_AsksForAReason_AnnouncesAMissingOne_AndKeepsTheFocusOnTheRow()
    {
        await using var console = await ConsoleTests.PendingApproval.StartAsync(TestAlerts.Critical("kbd-1", principal: "erin@example.com", jti: "jti-kbd"));
        var (host, pending, page) = console;
        var sent = CountPosts(page, "/reject");
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts/kbd-1").ToString());
        var row = ConsoleTests.ActionRow(page, pending.Id);
        await Assertions.Expect(row.GetByTestId("reject")).ToBeVisibleAsync();

        var reached = false;
        for (var i = 0; i < 200 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<bool>("() => document.activeElement?.dataset?.testid === 'reject'");
        }

        Assert.True(reached, "Tab never reached Reject");
        var ring = await page.EvaluateAsync<string[]>("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; }");
        Assert.Equal("solid", ring[0]);
        Assert.True(double.Parse(ring[1].Replace("px", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) >= 2, $"a focus ring of {ring[1]}");

        await page.Keyboard.PressAsync("Enter");
        var reason = row.GetByTestId("reject-reason");
        await Assertions.Expect(reason).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(row.GetByTestId("reject")).ToBeFocusedAsync();
        await Assertions.Expect(reason).ToBeHiddenAsync();
        await page.Keyboard.PressAsync("Space");
        await Assertions.Expect(reason).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#error[role=alert]")).ToContainTextAsync("reject failed: reason: required");
        await Assertions.Expect(reason).ToBeFocusedAsync();
        await Assertions.Expect(reason).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(0, Volatile.Read(ref sent.Value));

        await page.Keyboard.TypeAsync("a nightly report job, not a person");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(row.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Rejected);
        await Assertions.Expect(page.GetByTestId("error-text")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>($"() => document.activeElement.closest(\"[data-action-id='{pending.Id}']\") !== null"), "the focus left the action's row");
        var stored = await host.Get<ActionStore>().GetAsync(pending.Id, Ct);
        Assert.Equal((ActionStates.Rejected, "a nightly report job, not a person"), (stored!.State, stored.Error));
        Assert.Equal(1, Volatile.Read(ref sent.Value));
    }

    /// <summary>
    /// A colleague took and acknowledged the alert while it was open here: <i>Assign to me</i> and a close drawn from the
    /// old page are refused and the page redrawn as it is now, saying why (before, they silently undid the colleague's
    /// change). Drawn afresh, the same close goes through by keyboard and the focus stays on the triage card.
    /// </summary>
    [Fact]
    public async Task Triage_AColleaguesChangeMeanwhile_IsNotOverwritten_ThePageIsRedrawnAndSaysSo()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync(TestAlerts.Critical("race-1", principal: "frank@example.com"));
        await using var session = await ConsoleTests.BrowserSession.OnAlertAsync(host, ResponderTestHost.AnalystToken, "race-1");
        var page = session.Page;
        await Assertions.Expect(page.GetByTestId("alert-assignee")).ToHaveTextAsync("none");

        var rex = host.ClientFor(ResponderTestHost.ResponderToken);
        (await rex.PostAsJsonAsync("/v1/alerts/race-1/assign", new { assignee = "rex" }, Ct)).EnsureSuccessStatusCode();
        (await rex.PostAsJsonAsync("/v1/alerts/race-1/status", new { status = "acknowledged" }, Ct)).EnsureSuccessStatusCode();

        await page.GetByTestId("assign-me").ClickAsync();
        var error = page.Locator("#error[role=alert]");
        await Assertions.Expect(error).ToContainTextAsync("assign to ana failed: alert race-1 has changed since version");
        await Assertions.Expect(page.GetByTestId("alert-assignee")).ToHaveTextAsync("rex");
        await Assertions.Expect(page.GetByTestId("alert-status")).ToHaveTextAsync("acknowledged");

        (await rex.PostAsJsonAsync("/v1/alerts/race-1/status", new { status = "in_progress" }, Ct)).EnsureSuccessStatusCode();
        await page.GetByTestId("close-benign").ClickAsync();
        await Assertions.Expect(error).ToContainTextAsync("mark benign failed: alert race-1 has changed since version");
        await Assertions.Expect(page.GetByTestId("alert-status")).ToHaveTextAsync("in progress");
        var stored = await host.Get<AlertStore>().GetAsync("race-1", Ct);
        Assert.Equal(("in_progress", "rex"), (stored!.Status, stored.Assignee));

        await page.GetByTestId("close-benign").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("alert-status")).ToHaveTextAsync("benign");
        await Assertions.Expect(page.GetByTestId("triage")).ToBeFocusedAsync();
        Assert.Equal(("benign", "rex"), ((await host.Get<AlertStore>().GetAsync("race-1", Ct))!.Status, (await host.Get<AlertStore>().GetAsync("race-1", Ct))!.Assignee));
    }

    /// <summary>Counts the POSTs the page sends to a path ending in <paramref name="pathEnd"/>.</summary>
    private static System.Runtime.CompilerServices.StrongBox<int> CountPosts(IPage page, string pathEnd)
    {
        var sent = new System.Runtime.CompilerServices.StrongBox<int>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith(pathEnd, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref sent.Value);
            }
        };
        return sent;
    }
}
