namespace ZtStream.Responder.Tests.Console;

public sealed class ConsoleTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Console_ServesItsFiles_AndRefusesPathsOutsideIt()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;

        var index = await host.Client.GetAsync("/console/", ct);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("console.js", await index.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/console/console.js", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/console/missing.js", ct)).StatusCode);
    }

    [Fact]
    public async Task Console_SignInSeeAlertApproveAction()
    {
        if (!File.Exists(Chromium))
        {
            ServiceRequirement.Unavailable("chromium", $"{Chromium} is missing (apt-get install chromium)");
        }

        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke) { UseKestrel = true }.StartAsync();
        var ct = Ct;
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("ui-1", principal: "mallory", jti: "jti-ui"), ct);
        var pending = (await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "ui-1"), ct)).Single();

        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken);
        var page = session.Page;
        await Assertions.Expect(page.GetByTestId("me")).ToHaveTextAsync("rex (responder)");

        var row = page.Locator("[data-testid=alert-row][data-alert-id=ui-1]");
        await Assertions.Expect(row.GetByTestId("principal")).ToHaveTextAsync("mallory");
        await Assertions.Expect(row.GetByTestId("severity")).ToHaveTextAsync("critical");
        await row.ClickAsync();

        await Assertions.Expect(page.GetByTestId("reasons")).ToContainTextAsync("token issued to billing-api used from batch-runner");
        await Assertions.Expect(page.GetByTestId("evidence")).ToContainTextAsync("evt-ui-1-1");
        var action = page.Locator($"[data-testid=action-row][data-action-id='{pending.Id}']");
        await Assertions.Expect(action.GetByTestId("action-state")).ToHaveTextAsync("pending_approval");
        await action.GetByTestId("approve").ClickAsync();

        await host.UntilStateAsync(pending.Id, ActionStates.Done);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator($"[data-testid=action-row][data-action-id='{pending.Id}']").GetByTestId("action-state")).ToHaveTextAsync("done");
        var audit = await host.Get<ZtStream.Responder.Audit.AuditLog>().QueryAsync(new ZtStream.Responder.Audit.AuditQuery(ActionId: pending.Id.ToString(), Kind: ZtStream.Responder.Audit.AuditKinds.Approved), ct);
        Assert.Equal("rex", Assert.Single(audit).Actor);
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/actions").ToString());
        await Assertions.Expect(page.Locator("a.spaced").First).ToBeVisibleAsync();
        Assert.Empty(session.Blocked);
    }

    [Fact]
    public async Task Console_SendsContentSecurityPolicyNoSniffAndNoFraming()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;

        foreach (var path in new[] { "/console/", "/console/console.js", "/console/console.css", "/console/missing.js" })
        {
            using var response = await host.Client.GetAsync(path, ct);
            var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        }
    }

    [Fact]
    public async Task Console_ShowsTechniquesOnQueueAndAlert_AndFiltersByThem()
    {
        if (!File.Exists(Chromium))
        {
            ServiceRequirement.Unavailable("chromium", $"{Chromium} is missing (apt-get install chromium)");
        }

        await using var host = await new ResponderTestHost() { UseKestrel = true }.StartAsync();
        var ct = Ct;
        await Api.TechniqueFilterTests.StoreSampleAsync(host.Get<AlertProcessor>(), ct);

        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        // The queue shows each alert's techniques.
        var escape = page.Locator("[data-testid=alert-row][data-alert-id=t-escape]");
        await Assertions.Expect(escape.GetByTestId("technique")).ToHaveTextAsync(["T1610", "T1611"]);
        await Assertions.Expect(page.Locator("[data-testid=alert-row][data-alert-id=t-none]").GetByTestId("technique")).ToHaveCountAsync(0);

        // Filtering by a technique keeps it and its sub-techniques.
        await page.GetByTestId("technique-filter").FillAsync("T1552");
        await page.GetByTestId("filter").ClickAsync();
        var rows = page.GetByTestId("alert-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["t-creds", "t-secrets"], (await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.alertId)")).Order(StringComparer.Ordinal));

        // The alert page shows the alert's and each reason's techniques; a technique there filters the queue.
        await page.Locator("[data-testid=alert-row][data-alert-id=t-secrets]").GetByTestId("principal").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-techniques")).ToContainTextAsync("T1552.007");
        await Assertions.Expect(page.GetByTestId("alert-techniques")).ToContainTextAsync("credential-access");
        await Assertions.Expect(page.GetByTestId("reason-techniques")).ToHaveTextAsync("T1552.007");
        await page.GetByTestId("alert-techniques").GetByTestId("technique").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=alert-row][data-alert-id=t-secrets]")).ToBeVisibleAsync();
        Assert.EndsWith("#/alerts?technique=T1552.007", page.Url, StringComparison.Ordinal);

        // Clicking a technique in the queue filters rather than opening the alert.
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts").ToString());
        await page.Locator("[data-testid=alert-row][data-alert-id=t-exec]").GetByTestId("technique").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=alert-row][data-alert-id=t-exec]")).ToBeVisibleAsync();
    }

    /// <summary>Debian's Chromium driven by Playwright, signed in to the host's console with a token.</summary>
    private sealed class BrowserSession(IPlaywright playwright, IBrowserContext browser, IPage page, List<string> blocked) : IAsyncDisposable
    {
        public IPage Page { get; } = page;

        /// <summary>What the browser refused under the console's Content-Security-Policy (it logs each to the console).</summary>
        public IReadOnlyList<string> Blocked => blocked;

        public static async Task<BrowserSession> SignInAsync(ResponderTestHost host, string token)
        {
            var playwright = await Playwright.CreateAsync();
            var profile = Directory.CreateDirectory(Path.Combine(host.Folder, "chromium-profile")).FullName;
            var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            var blocked = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                {
                    blocked.Add(message.Text);
                }
            };

            await page.GotoAsync(new Uri(host.BaseAddress!, "/console/").ToString());
            await page.GetByTestId("token").FillAsync(token);
            await page.GetByTestId("signin").ClickAsync();
            return new BrowserSession(playwright, browser, page, blocked);
        }

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
