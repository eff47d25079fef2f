namespace ZtStream.Responder.Tests.Console;

/// <summary>The console as analysts and viewers use it: signed in through a real OpenID provider, in a real browser.</summary>
public sealed class ConsoleWorkflowTests(OidcProviderFixture oidc)
{
    /// <summary>A Responder on a port chosen first, so its callback can be registered with the provider before it starts.</summary>
    private async Task<ResponderTestHost> StartWithSsoAsync(string? policyYaml = null, FakeTimeProvider? clock = null, CapturedLog? log = null)
    {
        var issuer = await oidc.GetIssuerAsync(Ct);
        var port = LocalProcess.FreePort();
        var clientId = await oidc.RegisterClientAsync(new Uri($"http://127.0.0.1:{port}/console/auth/callback"), Ct);

        // Real time: the provider and the browser judge cookie and token lifetimes by the wall clock.
        return await new ResponderTestHost(policyYaml, clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow))
        {
            UseKestrel = true,
            Port = port,
            ConfigureServices = log is null ? null : s => s.AddSingleton<ILoggerProvider>(log),
        }.WithSetting("Responder:Sso:Authority", issuer.ToString()).WithSetting("Responder:Sso:ClientId", clientId).WithSetting("Responder:Sso:RequireHttpsMetadata", "false").WithSetting("Responder:Sso:Scopes", "profile email roles").WithSetting("Responder:Sso:RoleClaim", "roles").WithSetting("Responder:Sso:RoleMap:soc-analyst", "analyst").WithSetting("Responder:Sso:RoleMap:soc-responder", "responder").StartAsync();
    }

    private static Alert WithEvidence(string id, string principal, DateTimeOffset at) => TestAlerts.Critical(id, principal) with
    {
        FirstSeen = at.AddMinutes(-3),
        LastSeen = at,
        Reasons =
        [
            new AlertReason(Detectors.Policy, "token_binding", 90, $"token issued to billing-api used from batch-runner by {principal}") { Techniques = ["T1550.001"], Tactics = ["defense-evasion", "lateral-movement"] },
            new AlertReason(Detectors.Baseline, "bytes_spike", 60, "read 2.1 GB of confidential/customers; 30-day mean 1.2 MB, 41σ") { Techniques = ["T1530"], Tactics = ["collection"] },
        ],
        Techniques = ["T1530", "T1550.001"],
        Tactics = ["collection", "defense-evasion", "lateral-movement"],
        Evidence =
        [
            new AlertEvidence
            {
                EventId = $"evt-{id}-1", Kind = "access.request", Time = at.AddMinutes(-3), Source = "billing-gateway", Subject = principal,
                Workload = "batch/batch-runner", Resource = "http_route//api/customers/export [confidential/customers]", Action = "GET", Outcome = "success",
                Fields = new Dictionary<string, string> { ["token.bound_workload"] = "billing/billing-api", ["workload.id"] = "batch/batch-runner-7" },
                Raw = JsonDocument.Parse("""{"http":{"method":"GET","path":"/api/customers/export"},"gateway":"billing-gateway"}""").RootElement,
            },
            new AlertEvidence
            {
                EventId = $"evt-{id}-2", Kind = "access.data", Time = at, Subject = principal, Resource = "table/customers [confidential/customers]",
                Action = "read", Outcome = "success", Fields = new Dictionary<string, string> { ["bytes"] = "2147483648" }, RawOmittedBytes = 20480,
            },
        ],
    };

    [Fact]
    public async Task Analyst_SignsInWithSso_SeesANewAlertLive_TriagesIt_ReadsEvidence_LiftsASuppression()
    {
        await using var host = await StartWithSsoAsync();
        var now = host.Time.GetUtcNow();
        var processor = host.Get<AlertProcessor>();
        for (var i = 0; i < 6; i++)
        {
            await processor.HandleAsync(WithEvidence($"old-{i}", $"user-{i % 3}@acme.example", now.AddHours(-i - 1)) with
            {
                Severity = i % 2 == 0 ? Severities.High : Severities.Medium,
                Score = i % 2 == 0 ? 75 : 50,
                Techniques = i % 3 == 0 ? ["T1078"] : ["T1530", "T1550.001"],
            }, Ct);
        }

        // Another alert, marked a false positive through the API: its suppression is the one lifted in the console.
        await processor.HandleAsync(WithEvidence("fp-source", "svc-export@acme.example", now.AddHours(-2)), Ct);
        var analystApi = host.ClientFor(ResponderTestHost.AnalystToken);
        Assert.Equal(HttpStatusCode.OK, (await analystApi.PostAsJsonAsync("/v1/alerts/fp-source/verdict", new { verdict = "false_positive", note = "nightly export" }, Ct)).StatusCode);
        var suppression = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "fp-source"), Ct));

        await using var browser = await ConsoleBrowser.SignedInAsync(host, "ana", "ana (analyst)");
        var page = browser.Page;
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(7);
        await Assertions.Expect(page.GetByTestId("chart-techniques")).ToContainTextAsync("T1550.001");

        // Scroll, select an alert, then a new critical alert arrives: it shows on top without a reload, the counter
        // says so, and the selection stays.
        var selectedRow = ConsoleTests.AlertRow(page, "old-5");
        await selectedRow.GetByTestId("select").CheckAsync();
        await page.SetViewportSizeAsync(1440, 600);
        await page.EvaluateAsync("window.scrollTo(0, 200)");
        Assert.Equal(200, await page.EvaluateAsync<double>("window.scrollY"));
        var rowTopBefore = await selectedRow.EvaluateAsync<double>("r => r.getBoundingClientRect().top");
        await processor.HandleAsync(WithEvidence("live-1", "mallory@acme.example", now), Ct);
        var live = ConsoleTests.AlertRow(page, "live-1");
        await Assertions.Expect(live.GetByTestId("severity")).ToHaveTextAsync("critical");
        await Assertions.Expect(page.GetByTestId("new-count")).ToHaveTextAsync("1 new");
        await Assertions.Expect(selectedRow.GetByTestId("select")).ToBeCheckedAsync();

        // The row being read stays where it was on the screen: the page scrolled by the new row's height.
        Assert.InRange(await selectedRow.EvaluateAsync<double>("r => r.getBoundingClientRect().top") - rowTopBefore, -2, 2);
        await page.SetViewportSizeAsync(1440, 1000);
        Assert.Equal("live-1", await page.GetByTestId("alert-row").First.GetAttributeAsync("data-alert-id"));
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await browser.ScreenshotAsync("console-queue.png");

        // Open it, acknowledge and assign it.
        await live.ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-status")).ToHaveTextAsync("open");
        await page.GetByTestId("ack").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-status")).ToHaveTextAsync("acknowledged");
        await page.GetByTestId("assign-me").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-assignee")).ToHaveTextAsync("ana");
        var stored = await host.Get<AlertStore>().GetAsync("live-1", Ct);
        Assert.Equal(("acknowledged", "ana"), (stored!.Status, stored.Assignee));

        // The evidence table, the raw view of the original object, the activity picture.
        var evidence = page.GetByTestId("evidence");
        await Assertions.Expect(evidence.GetByTestId("evidence-row")).ToHaveCountAsync(2);
        await Assertions.Expect(evidence).ToContainTextAsync("batch/batch-runner");
        await Assertions.Expect(evidence).ToContainTextAsync("token.bound_workload = billing/billing-api");
        await Assertions.Expect(evidence).ToContainTextAsync("bytes = 2147483648");
        await Assertions.Expect(evidence).ToContainTextAsync("raw: 20480 B, not kept");
        await evidence.GetByTestId("raw-toggle").ClickAsync();
        await Assertions.Expect(evidence.GetByTestId("raw")).ToContainTextAsync("/api/customers/export");
        await Assertions.Expect(page.GetByTestId("activity-mark")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("assigned to ana");
        await Assertions.Expect(page.Locator("#flash")).ToBeEmptyAsync(new() { Timeout = 10_000 });
        await browser.ScreenshotAsync("console-alert.png");

        // A suppression from this alert, narrower than everything: one rule, the principal, a week. An analyst is not
        // offered the wide scopes.
        var suppress = page.GetByTestId("suppress");
        await suppress.GetByTestId("suppress-rules").SelectOptionAsync(["baseline/bytes_spike"]);
        await Assertions.Expect(suppress.GetByTestId("suppress-scope").Locator("option")).ToHaveCountAsync(2);
        await suppress.GetByTestId("suppress-scope").SelectOptionAsync("principal");
        await suppress.GetByTestId("suppress-days").FillAsync("7");
        await suppress.GetByTestId("suppress-note").FillAsync("quarterly export");
        await suppress.GetByTestId("suppress-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("suppression-row")).ToHaveCountAsync(1);
        var made = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "live-1"), Ct));
        Assert.Equal((SuppressionScopes.Principal, "mallory@acme.example", "baseline/bytes_spike", "ana"), (made.Scope, made.Principal, Assert.Single(made.Rules), made.CreatedBy));
        Assert.InRange(made.ExpiresAt - host.Time.GetUtcNow(), TimeSpan.FromDays(6.9), TimeSpan.FromDays(7.1));

        // Lift the suppression made from the other alert.
        await page.GetByTestId("nav-suppressions").ClickAsync();
        var row = page.Locator($"[data-testid=suppression-row][data-suppression-id='{suppression.Id}']");
        await row.GetByTestId("lift-suppression").ClickAsync();
        await row.GetByTestId("lift-suppression-reason").FillAsync("the export job was retired");
        await row.GetByTestId("lift-suppression-confirm").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-suppression-id='{suppression.Id}']")).ToHaveCountAsync(0);
        var lifted = await host.Get<SuppressionStore>().GetAsync(suppression.Id, Ct);
        Assert.Equal((SuppressionStates.Lifted, "ana", "the export job was retired"), (lifted!.State, lifted.LiftedBy, lifted.LiftReason));

        var actors = (await host.Get<AuditLog>().QueryAsync(new AuditQuery(Actor: "ana"), Ct)).Select(a => a.Kind).ToList();
        Assert.Contains(AuditKinds.SignedIn, actors);
        Assert.Contains(AuditKinds.AlertStatus, actors);
        Assert.Contains(AuditKinds.AlertAssigned, actors);
        Assert.Contains(AuditKinds.SuppressionLifted, actors);
    }

    [Fact]
    public async Task Responder_LiftsARevocationInTheConsole_TheSdkProtectedAppAcceptsTheTokenAgain_AndAnAnalystCannot()
    {
        await using var host = await StartWithSsoAsync(ResponseFlowTests.RevokeCritical);
        await using var app = await ProtectedApp.StartAsync(host.BaseAddress!);
        var token = ProtectedApp.Token("alice", "jti-console-lift");
        var bystander = ProtectedApp.Token("bob", "jti-console-fine");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(token)).StatusCode);

        // A critical alert: the policy revokes its token automatically and the SDK refuses it.
        await host.PublishAlertAsync(TestAlerts.Critical("lift-console", jti: "jti-console-lift"));
        await Eventually.HoldsAsync(async () => (await app.GetAsync(token)).StatusCode == HttpStatusCode.Unauthorized, "the app refuses the revoked token", TimeSpan.FromSeconds(60));
        var actions = host.Get<ActionStore>();
        await Eventually.HoldsAsync(async () => (await actions.QueryAsync(new ActionQuery(AlertId: "lift-console"), Ct)) is [{ State: "done" }], "the revocation is done", TimeSpan.FromSeconds(60));
        var action = Assert.Single(await actions.QueryAsync(new ActionQuery(AlertId: "lift-console"), Ct));
        var entry = (await host.RevocationSnapshotAsync()).Revocations.Single(r => r.Jti == "jti-console-lift");

        // An analyst sees the revocation but is offered no lift; one forged from the page is refused and audited.
        await using (var analyst = await ConsoleBrowser.SignedInAsync(host, "ana", "ana (analyst)"))
        {
            await analyst.Page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts/lift-console").ToString());
            var row = ConsoleTests.ActionRow(analyst.Page, action.Id);
            await Assertions.Expect(row.GetByTestId("action-state")).ToHaveTextAsync("done");
            await Assertions.Expect(analyst.Page.GetByTestId("lift-revocation")).ToHaveCountAsync(0);
            var forged = await analyst.Page.EvaluateAsync<string[]>($$"""
                async () => {
                  const me = await (await fetch('/v1/me')).json();
                  const r = await fetch('/v1/revocations/{{entry.Version}}/lift', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ reason: 'forged' }) });
                  return [String(r.status), r.headers.get('content-type')];
                }
                """);
            Assert.Equal("403", forged[0]);
            Assert.StartsWith("application/problem+json", forged[1], StringComparison.Ordinal);
            await host.AssertOneForbiddenAsync("ana", $"POST /v1/revocations/{entry.Version}/lift");
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync(token)).StatusCode);
        }

        // A responder opens the alert, lifts the revocation with a reason, and the app accepts the token again.
        await using var browser = await ConsoleBrowser.SignedInAsync(host, "rex", "rex (responder)");
        var page = browser.Page;
        await ConsoleTests.AlertRow(page, "lift-console").ClickAsync();
        var revoke = ConsoleTests.ActionRow(page, action.Id);
        await Assertions.Expect(revoke).ToContainTextAsync("revoke_token");
        await Assertions.Expect(revoke.GetByTestId("action-state")).ToHaveTextAsync("done");
        await revoke.GetByTestId("lift-revocation").ClickAsync();
        await revoke.GetByTestId("lift-revocation-reason").FillAsync("false positive: alice's new laptop");
        await revoke.GetByTestId("lift-revocation-confirm").ClickAsync();
        await Assertions.Expect(revoke.GetByTestId("revocation-not-in-force")).ToBeVisibleAsync();
        Assert.DoesNotContain("failed", await page.Locator("#flash").TextContentAsync() ?? "", StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => (await app.GetAsync(token)).StatusCode == HttpStatusCode.OK, "the app accepts the token again", TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(bystander)).StatusCode);

        // The action no longer offers a lift, and the audit trail, in the store and on the console, shows who and why.
        await Assertions.Expect(revoke.GetByTestId("lift-revocation")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("me")).ToHaveTextAsync("rex (responder)");
        var lifted = Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct));
        Assert.Equal(("rex", action.Id.ToString()), (lifted.Actor, lifted.ActionId));
        Assert.Contains("alice's new laptop", lifted.Summary, StringComparison.Ordinal);
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/audit").ToString());
        var trail = page.GetByTestId("audit").Locator("tr", new() { HasText = AuditKinds.RevocationLifted });
        await Assertions.Expect(trail).ToHaveCountAsync(1);
        await Assertions.Expect(trail).ToContainTextAsync("rex");
        await Assertions.Expect(trail).ToContainTextAsync("alice's new laptop");
    }

    [Fact]
    public async Task Viewer_SeesNoWriteButton_AndAForgedWriteIs403AndAudited()
    {
        await using var host = await StartWithSsoAsync();
        await host.Get<AlertProcessor>().HandleAsync(WithEvidence("view-1", "mallory@acme.example", host.Time.GetUtcNow()), Ct);

        await using var browser = await ConsoleBrowser.SignedInAsync(host, "vic", "vic (viewer)");
        var page = browser.Page;
        await Assertions.Expect(ConsoleTests.AlertRow(page, "view-1")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("bulk")).ToHaveCountAsync(0);
        await ConsoleTests.AlertRow(page, "view-1").ClickAsync();
        await Assertions.Expect(page.GetByTestId("evidence")).ToBeVisibleAsync();
        foreach (var write in new[] { "triage", "ack", "assign-me", "comment", "suppress", "lift-suppression", "approve", "lift-revocation" })
        {
            await Assertions.Expect(page.GetByTestId(write)).ToHaveCountAsync(0);
        }

        // The same write forged from the page with the session and its CSRF token: refused, audited, nothing changed.
        var status = await page.EvaluateAsync<int>("""
            async () => {
              const me = await (await fetch('/v1/me')).json();
              const r = await fetch('/v1/alerts/view-1/status', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ status: 'benign', note: 'forged' }) });
              return r.status;
            }
            """);
        Assert.Equal(403, status);
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("view-1", Ct))!.Status);
        await host.AssertOneForbiddenAsync("vic", "POST /v1/alerts/view-1/status");
    }

    /// <summary>
    /// The session ends while the live queue is open (it expired, or it was ended from the sessions list): the queue's
    /// next reconnection is refused, and the console says so and goes back to sign-in. Before, it retried every two
    /// seconds for ever without a word, the queue frozen while it looked live.
    /// </summary>
    [Fact]
    public async Task Queue_SessionEndsWhileFollowing_ReturnsToSignInSayingSo()
    {
        await using var host = await StartWithSsoAsync();
        await host.Get<AlertProcessor>().HandleAsync(WithEvidence("exp-1", "mallory@acme.example", host.Time.GetUtcNow()), Ct);

        await using var browser = await ConsoleBrowser.LaunchAsync(Path.Combine(host.Folder, "profile-ana"));
        var page = browser.Page;
        // The queue's connection closes as soon as it opens (a proxy's idle timeout, a restart), so the console reconnects,
        // to the Responder itself once the session has ended.
        var ended = new TaskCompletionSource();
        await page.RouteAsync("**/v1/alerts/stream**", route => ended.Task.IsCompleted
            ? route.ContinueAsync()
            : route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = "" }));
        await browser.SignInAsync(host.BaseAddress!, "ana", "ana (analyst)");
        await Assertions.Expect(ConsoleTests.AlertRow(page, "exp-1")).ToBeVisibleAsync();

        Assert.Equal(1, await host.Get<ConsoleSessionStore>().EndAllAsync("ana", Ct));
        ended.SetResult();

        await Assertions.Expect(page.Locator("#signin")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("the session ended");
        await Assertions.Expect(page.Locator("#view")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Session_WriteWithoutItsCsrfToken_IsRefused_AndAUserWithoutARoleCannotSignIn()
    {
        await using var host = await StartWithSsoAsync();
        await host.Get<AlertProcessor>().HandleAsync(WithEvidence("csrf-1", "mallory@acme.example", host.Time.GetUtcNow()), Ct);

        await using (var browser = await ConsoleBrowser.SignedInAsync(host, "ana", "ana (analyst)"))
        {
            var statuses = await browser.Page.EvaluateAsync<int[]>("""
                async () => {
                  const post = (headers) => fetch('/v1/alerts/csrf-1/status', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ status: 'acknowledged' }) }).then(r => r.status);
                  const me = await (await fetch('/v1/me')).json();
                  return [await post({}), await post({ 'X-CSRF-Token': 'guessed' }), await post({ 'X-CSRF-Token': me.csrf_token })];
                }
                """);
            Assert.Equal([403, 403, 200], statuses);
            var cookie = Assert.Single(await browser.Page.Context.CookiesAsync([host.BaseAddress!.ToString()]), c => c.Name == "zt_console");
            Assert.True(cookie.HttpOnly);
            Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        }

        await using var nora = await ConsoleBrowser.LaunchAsync(Path.Combine(host.Folder, "profile-nora"));
        await nora.Page.GotoAsync(new Uri(host.BaseAddress!, "/console/").ToString());
        await nora.Page.GetByTestId("sso").ClickAsync();
        await nora.Page.Locator("input[name=login]").FillAsync("nora");
        await nora.Page.Locator("input[name=password]").FillAsync("any password");
        await nora.Page.Locator("button[type=submit]").ClickAsync();
        var consent = nora.Page.Locator("button[type=submit]");
        if (await consent.IsVisibleAsync())
        {
            await consent.ClickAsync();
        }

        await Assertions.Expect(nora.Page.Locator("body")).ToContainTextAsync("has no ZtStream role");
        Assert.DoesNotContain(await nora.Page.Context.CookiesAsync([host.BaseAddress!.ToString()]), c => c.Name == "zt_console");
    }

    /// <summary>
    /// The provider's metadata is kept for 12 hours of elapsed time, not until the wall clock reads 12 hours later: after
    /// the clock stepped back an hour and 12 hours passed, the next sign-in through the provider fetches its discovery
    /// document and keys again (logged as 5070) and signs in with them.
    /// </summary>
    [Fact]
    public async Task Analyst_SignsInAgainTwelveHoursAfterAStepBack_WithTheProvidersMetadataFetchedAgain()
    {
        var log = new CapturedLog();
        var clock = new SteppedFakeClock(DateTimeOffset.UtcNow);
        await using var host = await StartWithSsoAsync(clock: clock, log: log);
        await using (var browser = await ConsoleBrowser.LaunchAsync(Path.Combine(host.Folder, "profile-ana")))
        {
            await browser.SignInAsync(host.BaseAddress!, "ana", "ana (analyst)");
        }

        clock.Offset = TimeSpan.FromHours(-1);
        clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));
        await using (var browser = await ConsoleBrowser.LaunchAsync(Path.Combine(host.Folder, "profile-ana-later")))
        {
            await browser.SignInAsync(host.BaseAddress!, "ana", "ana (analyst)");
        }

        Assert.Equal(2, log.Lines.Count(l => l.Id.Id == 5070));
    }
}
