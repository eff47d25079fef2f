namespace ZtStream.Responder.Tests.Console;

/// <summary>The console's suppression controls decide on the suppression's version the row shows.</summary>
public sealed class ConsoleSuppressionTests
{
    /// <summary>
    /// A colleague narrows the suppression's expiry while the page shows it; the page's "narrow to…" is then refused (409
    /// naming the version it is at now) rather than decided again on the colleague's narrowing, and the row is drawn again
    /// at that version. Before, the console sent no version: the narrowing was made on a suppression it never showed.
    /// </summary>
    [Fact]
    public async Task Narrow_AfterAColleagueNarrowed_IsRefused_AndTheRowDrawnAgain()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync(Suppressions.SuppressionApiTests.TwoReasons("sup-v-ui"));
        var id = await Suppressions.SuppressionApiTests.SuppressAsync(host.ClientFor(ResponderTestHost.AnalystToken), new { alert_id = "sup-v-ui" });
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/suppressions").ToString());
        var row = page.Locator($"[data-testid=suppression-row][data-suppression-id='{id}']");
        await Assertions.Expect(row.GetByTestId("narrow")).ToBeVisibleAsync();

        var colleague = host.ClientFor(ResponderTestHost.ResponderToken);
        var earlier = host.Time.GetUtcNow().AddDays(3);
        Assert.Equal(HttpStatusCode.OK, (await colleague.PatchAsJsonAsync($"/v1/suppressions/{id}", new { expires_at = earlier, version = 1 }, Ct)).StatusCode);
        await row.GetByTestId("narrow").SelectOptionAsync("baseline/bytes_spike");

        await Assertions.Expect(page.GetByTestId("error-text")).ToContainTextAsync("has changed since version 1");
        var stored = (await host.Get<SuppressionStore>().GetAsync(id, Ct))!;
        Assert.Equal((2L, earlier), (stored.Version, stored.ExpiresAt));
        Assert.Equal(2, stored.Rules.Count);

        // Drawn again at version 2, the same choice is made.
        await row.GetByTestId("narrow").SelectOptionAsync("baseline/bytes_spike");
        await Assertions.Expect(row.GetByTestId("narrow")).ToHaveCountAsync(0);
        Assert.Equal(["baseline/bytes_spike"], (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Rules);
    }
}
