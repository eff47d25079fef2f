namespace ZtStream.Responder.Tests.Console;

/// <summary>The console marks a staged rule's alert in the queue and on its page, and filters the queue by it.</summary>
public sealed class ConsoleStagedTests
{
    [Fact]
    public async Task Console_MarksAStagedRulesAlert_InTheQueueAndOnItsPage_AndFiltersTheQueueByIt()
    {
        await using var host = await ConsoleTests.StartWithAlertsAsync(Alerts.StagedAlertTests.Staged("al-staged", "ann"), TestAlerts.Critical("al-live", "bob"));
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        var staged = ConsoleTests.AlertRow(page, "al-staged");
        await Assertions.Expect(staged.GetByTestId("staged")).ToHaveTextAsync("staged");
        await Assertions.Expect(ConsoleTests.AlertRow(page, "al-live").GetByTestId("staged")).ToHaveCountAsync(0);

        await page.GetByTestId("staged-filter").SelectOptionAsync("true");
        await page.GetByTestId("filter").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(1);
        await Assertions.Expect(staged).ToBeVisibleAsync();
        Assert.EndsWith("#/alerts?staged=true", page.Url, StringComparison.Ordinal);

        await page.GetByTestId("staged-filter").SelectOptionAsync("false");
        await page.GetByTestId("filter").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(1);
        await Assertions.Expect(ConsoleTests.AlertRow(page, "al-live")).ToBeVisibleAsync();

        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts/al-staged").ToString());
        await Assertions.Expect(page.GetByTestId("alert-title").GetByTestId("staged")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("staged-note")).ToContainTextAsync("the response policy never acts on it");
    }
}
