using ZtStream.Contracts.Revocations;
using ZtStream.Contracts.Serialization;

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
        await host.ExecuteSqlAsync("""
            CREATE TRIGGER refuse_entries BEFORE INSERT ON responder_audit WHEN NEW.kind = 'revocation.lifted' AND NEW.summary LIKE '%session sid-0c4e%'
            BEGIN SELECT RAISE(ABORT, 'audit write refused'); END
            """);
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
        await page.Locator("[data-testid=alert-row][data-alert-id=lift-all]").ClickAsync();
        var row = page.Locator($"[data-testid=action-row][data-action-id='{action.Id}']");
        await row.GetByTestId("lift-revocation").ClickAsync();
        await row.GetByTestId("lift-revocation-reason").FillAsync("dana's new phone");
        await row.GetByTestId("lift-revocation-confirm").ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "lift revocation failed" })).ToBeVisibleAsync();
        Assert.Equal([$"/v1/actions/{action.Id}/lift"], writes);
        Assert.Equal(["jti-5e21", "sid-0c4e"], (await SnapshotAsync(host)).Revocations.Select(r => r.Jti ?? r.SessionId));
        await Assertions.Expect(row.GetByTestId("lift-revocation")).ToBeVisibleAsync();

        // Once the store takes it, the same click lifts both, and the row says so without a reload.
        await host.AcceptAuditEntriesAsync();
        await row.GetByTestId("lift-revocation").ClickAsync();
        await row.GetByTestId("lift-revocation-reason").FillAsync("dana's new phone");
        await row.GetByTestId("lift-revocation-confirm").ClickAsync();
        await Assertions.Expect(row.GetByTestId("revocation-not-in-force")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToHaveTextAsync("lift revocation: done");
        Assert.Empty((await SnapshotAsync(host)).Revocations);
        Assert.Equal(2, writes.Count);
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
        var sent = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/v1/suppressions", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref sent);
            }
        };
        await page.Locator("[data-testid=alert-row][data-alert-id=days-1]").ClickAsync();
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

        Assert.Equal(0, Volatile.Read(ref sent));
        Assert.Empty(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "days-1"), Ct));

        await days.FillAsync("");
        await form.GetByTestId("suppress-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("suppression-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("error-text")).ToHaveCountAsync(0);
        var made = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "days-1"), Ct));
        Assert.Equal(12, Math.Round((made.ExpiresAt - host.Time.GetUtcNow()).TotalDays, 3));
    }

    private static async Task<RevocationSnapshot> SnapshotAsync(ResponderTestHost host) =>
        (await host.ClientFor(ResponderTestHost.FeedToken).GetFromJsonAsync(RevocationFeed.SnapshotPath, ContractsJsonContext.Default.RevocationSnapshot, Ct))!;
}
