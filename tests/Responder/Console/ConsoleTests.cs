using ZtStream.Responder.Console;

namespace ZtStream.Responder.Tests.Console;

public sealed class ConsoleTests
{
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
        await using var console = await PendingApproval.StartAsync(TestAlerts.Critical("ui-1", principal: "mallory", jti: "jti-ui"));
        var (host, pending, page) = console;
        var ct = Ct;
        await Assertions.Expect(page.GetByTestId("me")).ToHaveTextAsync("rex (responder)");

        var row = AlertRow(page, "ui-1");
        await Assertions.Expect(row.GetByTestId("principal")).ToHaveTextAsync("mallory");
        await Assertions.Expect(row.GetByTestId("severity")).ToHaveTextAsync("critical");
        await row.ClickAsync();

        await Assertions.Expect(page.GetByTestId("reasons")).ToContainTextAsync("token issued to billing-api used from batch-runner");
        await Assertions.Expect(page.GetByTestId("evidence")).ToContainTextAsync("evt-ui-1-1");
        var action = ActionRow(page, pending.Id);
        await Assertions.Expect(action.GetByTestId("action-state")).ToHaveTextAsync("pending_approval");
        await action.GetByTestId("approve").ClickAsync();

        await host.UntilStateAsync(pending.Id, ActionStates.Done);
        await page.ReloadAsync();
        await Assertions.Expect(ActionRow(page, pending.Id).GetByTestId("action-state")).ToHaveTextAsync("done");
        var audit = await host.Get<ZtStream.Responder.Audit.AuditLog>().QueryAsync(new ZtStream.Responder.Audit.AuditQuery(ActionId: pending.Id.ToString(), Kind: ZtStream.Responder.Audit.AuditKinds.Approved), ct);
        Assert.Equal("rex", Assert.Single(audit).Actor);
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/actions").ToString());
        await Assertions.Expect(page.Locator("a.spaced").First).ToBeVisibleAsync();
        Assert.Empty(console.Session.Blocked);
    }

    [Fact]
    public async Task Console_EventTextWithMarkup_IsShownAsText_AndNothingOfItRuns()
    {
        // Principals, reasons and rule titles are event data and third-party rule files: the queue and the alert page
        // show them as written, and no element or script of theirs reaches the page.
        const string principal = "<img src=x onerror=\"document.title='pwned'\">";
        const string reason = "user agent <script>document.title='pwned'</script>";
        await using var console = await ShownAsync("ui-markup", principal, reason, principal, reason);
        var page = console.Session.Page;

        Assert.Equal(0, await page.Locator("img[src=x], script:not([src])").CountAsync());
        Assert.NotEqual("pwned", await page.TitleAsync());
    }

    [Theory]
    // A right-to-left override makes "alice\u202Etxt.exe" read "aliceexe.txt"; a zero-width space makes "ad\u200Bmin"
    // read "admin"; a tag character draws nothing.
    [InlineData("alice\u202Etxt.exe", "alice⟨U+202E⟩txt.exe", "used from ad\u200Bmin-7\U000E0041", "used from ad⟨U+200B⟩min-7⟨U+E0041⟩")]
    // UTS #37: 葛 with VS17 is the registered glyph a Japanese registry stores (葛飾); emoji-variation-sequences.txt: ❤
    // with VS16 is the emoji, 1 with VS16 and U+20E3 a keycap. A selector after ASCII, at the start or after a character
    // it does not vary varies nothing and draws nothing, so it is written out as every hidden character is.
    [InlineData("\u845B\U000E0100\u98FE \u2764\uFE0F", "\u845B\U000E0100\u98FE \u2764\uFE0F",
        "\U000E0100used from admin\uFE0F at 1\uFE0F\u20E3\uFE0F", "⟨U+E0100⟩used from admin⟨U+FE0F⟩ at 1\uFE0F\u20E3⟨U+FE0F⟩")]
    public async Task Console_HiddenCharactersInEventText_AreWrittenOut_AndVariationSequencesAreText(string principal, string shownPrincipal, string reason, string shownReason)
    {
        // The analyst sees each such character written out, on the queue and the alert page.
        await using var console = await ShownAsync("ui-hidden", principal, reason, shownPrincipal, shownReason);
        Assert.DoesNotContain("\u202E", await console.Session.Page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The console on alert <paramref name="id"/> of <paramref name="principal"/> with one policy reason,
    /// <paramref name="reason"/>: its queue row shows <paramref name="shownPrincipal"/>, and its page, opened from the
    /// row, <paramref name="shownReason"/>. Left open on that page.
    /// </summary>
    private static async Task<PendingApproval> ShownAsync(string id, string principal, string reason, string shownPrincipal, string shownReason)
    {
        var alert = TestAlerts.Critical(id, principal: principal, jti: "jti-" + id[3..]) with
        {
            Reasons = [new AlertReason(Detectors.Policy, "token_binding", 90, reason)],
        };
        var console = await PendingApproval.StartAsync(alert);
        try
        {
            var page = console.Session.Page;
            var row = AlertRow(page, id);
            await Assertions.Expect(row.GetByTestId("principal")).ToHaveTextAsync(shownPrincipal);
            await row.ClickAsync();
            await Assertions.Expect(page.GetByTestId("reasons")).ToContainTextAsync(shownReason);
            return console;
        }
        catch
        {
            await console.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Console_WritesOutTheSameCharactersAsNotifications()
    {
        await using var console = await PendingApproval.StartAsync(TestAlerts.Critical("ui-set", principal: "alice", jti: "jti-set"));
        var page = console.Session.Page;
        await Assertions.Expect(AlertRow(page, "ui-set")).ToBeVisibleAsync();

        // The console's rule and the notifications' are one: every code point at the start, and every character before
        // each end of each run of variation selectors, either both write out or neither.
        int[] selectors = [0xFE00, 0xFE0E, 0xFE0F, 0xE0100, 0xE01EF, 0x180B, 0x180D, 0x180F];
        var console_ = await page.EvaluateAsync<int[][]>(
            """
            (selectors) => {
              const runs = (hidden) => {
                const out = [];
                for (let c = 0; c < 0x110000; c++) {
                  if (c >= 0xD800 && c <= 0xDFFF || !hidden(c)) continue;
                  if (out.length > 0 && out[out.length - 1] === c - 1) out[out.length - 1] = c; else out.push(c, c);
                }
                return out;
              };
              const start = (c) => { const s = String.fromCodePoint(c); return visible(s) !== s; };
              return [runs(start), ...selectors.map(v => runs(b => { const s = String.fromCodePoint(b, v); return visible(s) !== s; }))];
            }
            """, selectors);
        var notifications = new[] { VisibleTextScript.Runs(c => VisibleText.Of(char.ConvertFromUtf32(c)) != char.ConvertFromUtf32(c)) }
            .Concat(selectors.Select(v => VisibleTextScript.Runs(b => VisibleText.Of(char.ConvertFromUtf32(b) + char.ConvertFromUtf32(v)) != char.ConvertFromUtf32(b) + char.ConvertFromUtf32(v))));
        Assert.Equal(notifications.Select(r => r.ToArray()), console_);
    }

    [Fact]
    public async Task Console_SendsContentSecurityPolicyNoSniffAndNoFraming()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;

        foreach (var path in new[] { "/console/", "/console/console.js", "/console/visible-text.js", "/console/console.css", "/console/missing.js" })
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
        await using var host = await StartWithAlertsAsync();
        var ct = Ct;
        await Api.TechniqueFilterTests.StoreSampleAsync(host.Get<AlertProcessor>(), ct);

        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        // The queue shows each alert's techniques.
        var escape = AlertRow(page, "t-escape");
        await Assertions.Expect(escape.GetByTestId("technique")).ToHaveTextAsync(["T1610", "T1611"]);
        await Assertions.Expect(AlertRow(page, "t-none").GetByTestId("technique")).ToHaveCountAsync(0);

        // Filtering by a technique keeps it and its sub-techniques.
        await page.GetByTestId("technique-filter").FillAsync("T1552");
        await page.GetByTestId("filter").ClickAsync();
        var rows = page.GetByTestId("alert-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["t-creds", "t-secrets"], (await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.alertId)")).Order(StringComparer.Ordinal));

        // The alert page shows the alert's and each reason's techniques; a technique there filters the queue.
        await AlertRow(page, "t-secrets").GetByTestId("principal").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-techniques")).ToContainTextAsync("T1552.007");
        await Assertions.Expect(page.GetByTestId("alert-techniques")).ToContainTextAsync("credential-access");
        await Assertions.Expect(page.GetByTestId("reason-techniques")).ToHaveTextAsync("T1552.007");
        await page.GetByTestId("alert-techniques").GetByTestId("technique").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(1);
        await Assertions.Expect(AlertRow(page, "t-secrets")).ToBeVisibleAsync();
        Assert.EndsWith("#/alerts?technique=T1552.007", page.Url, StringComparison.Ordinal);

        // Clicking a technique in the queue filters rather than opening the alert.
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts").ToString());
        await AlertRow(page, "t-exec").GetByTestId("technique").ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(1);
        await Assertions.Expect(AlertRow(page, "t-exec")).ToBeVisibleAsync();
    }

    /// <summary>
    /// "Load more" whose request fails — the network, a 5xx, the session ended — says so: before, the click did nothing
    /// at all and the analyst could not tell the end of the queue from a failure.
    /// </summary>
    [Fact]
    public async Task Queue_LoadMoreFails_SaysWhyAndRetries_AndAnEndedSessionGoesBackToSignIn()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("more-1", "sa-1"), TestAlerts.Critical("more-2", "sa-2"), TestAlerts.Critical("more-3", "sa-3"));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts?limit=2").ToString());
        var rows = page.GetByTestId("alert-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // The next page fails twice (the network, then the store), then is read.
        var failures = new Queue<Func<IRoute, Task>>([
            route => route.AbortAsync("connectionreset"),
            route => route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = """{"title":"Service Unavailable","status":503,"detail":"the store is unavailable"}""" }),
        ]);
        await page.RouteAsync(new System.Text.RegularExpressions.Regex(@"/v1/alerts\?.*cursor="), route => failures.TryDequeue(out var fail) ? fail(route) : route.ContinueAsync());
        var more = page.GetByTestId("more");
        var error = page.GetByTestId("more-error");
        await more.ClickAsync();
        await Assertions.Expect(error).ToContainTextAsync("Could not load more alerts");
        await Assertions.Expect(more).ToHaveTextAsync("Retry");
        await more.ClickAsync();
        await Assertions.Expect(error).ToHaveTextAsync("Could not load more alerts: the store is unavailable");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await more.ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(error).ToBeEmptyAsync();
        await Assertions.Expect(more).ToBeHiddenAsync();

        // The session ended before the next page: back to sign-in, saying so, as the live queue does.
        await page.UnrouteAllAsync();
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts?limit=1").ToString());
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await page.RouteAsync(new System.Text.RegularExpressions.Regex(@"/v1/alerts\?.*cursor="), route => route.FulfillAsync(new() { Status = 401, ContentType = "application/problem+json", Body = """{"title":"Unauthorized","status":401}""" }));
        await more.ClickAsync();
        await Assertions.Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#signin-error")).ToContainTextAsync("the session ended");
    }

    /// <summary>
    /// The queue filtered by a detector (a bar of "Top detectors") keeps it when another filter is applied: before, the
    /// form had no detector field and submitting it dropped the detector while keeping the rest.
    /// </summary>
    [Fact]
    public async Task Queue_FilteredByDetector_KeepsItWhenTheFilterFormIsSubmitted()
    {
        Alert Baseline(string id, string principal, string severity) => TestAlerts.Critical(id, principal) with
        {
            Detector = Detectors.Baseline,
            Severity = severity,
            DedupKey = $"{principal}|baseline",
            Reasons = [new AlertReason(Detectors.Baseline, "bytes_spike", 80, "read 2.1 GB; 30-day mean 1.2 MB")],
        };
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("det-policy", "sa-1"), Baseline("det-crit", "sa-2", Severities.Critical), Baseline("det-high", "sa-3", Severities.High));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        var rows = page.GetByTestId("alert-row");
        await Assertions.Expect(rows).ToHaveCountAsync(3);

        await page.GetByTestId("chart-detectors").Locator("a", new() { HasText = Detectors.Baseline }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("detector-filter")).ToHaveValueAsync(Detectors.Baseline);
        await page.GetByTestId("filters").Locator("select[name=severity]").SelectOptionAsync(Severities.Critical);
        await page.GetByTestId("filter").ClickAsync();

        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(AlertRow(page, "det-crit")).ToBeVisibleAsync();
        Assert.Equal([Detectors.Baseline, Severities.Critical], await page.EvaluateAsync<string[]>("() => ['detector', 'severity'].map(f => new URLSearchParams(location.hash.split('?')[1]).get(f))"));
        await Assertions.Expect(page.GetByTestId("detector-filter")).ToHaveValueAsync(Detectors.Baseline);
    }

    /// <summary>An alert in the queue opens from the keyboard: before, only a mouse click on its row did.</summary>
    [Fact]
    public async Task Queue_AnAlertOpensFromTheKeyboard()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("key-1", "sa-1"), TestAlerts.Critical("key-2", "sa-2"));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        // From the row's checkbox, Tab leads into that alert and Enter opens it.
        await AlertRow(page, "key-2").GetByTestId("select").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("alert-title")).ToContainTextAsync("sa-2");
        Assert.EndsWith("#/alerts/key-2", page.Url, StringComparison.Ordinal);
    }

    /// <summary>
    /// Bulk "assign to me" names the alerts it could not change: before, a partly refused request (207) said "done"
    /// and the alert left unassigned was not mentioned.
    /// </summary>
    [Fact]
    public async Task Queue_BulkAssignPartlyRefused_NamesTheAlertNotChanged()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("bulk-1", "sa-1"), TestAlerts.Critical("bulk-2", "sa-2"));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(2);

        // One of the selected alerts is gone by the time the request arrives (another page's id, as after a retention purge).
        await page.RouteAsync("**/v1/alerts/bulk", async route =>
        {
            var body = JsonNode.Parse(route.Request.PostData!)!.AsObject();
            body["items"]!.AsArray().Add(new JsonObject { ["id"] = "gone-1", ["version"] = 1 });
            await route.ContinueAsync(new() { PostData = Encoding.UTF8.GetBytes(body.ToJsonString()) });
        });
        foreach (var id in new[] { "bulk-1", "bulk-2" })
        {
            await AlertRow(page, id).GetByTestId("select").CheckAsync();
        }

        await page.GetByTestId("bulk-assign-me").ClickAsync();
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("1 not changed: gone-1");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("failed");
        await Assertions.Expect(AlertRow(page, "bulk-1").GetByTestId("assignee")).ToHaveTextAsync("ana");
        Assert.Equal("ana", (await host.Get<AlertStore>().GetAsync("bulk-2", Ct))!.Assignee);
    }

    /// <summary>
    /// A bulk change sends each selected alert with the version its row shows: an alert a colleague changed since (the
    /// live queue has not drawn it yet) is left as the colleague made it, drawn again as it is now, and named. Before,
    /// the bulk change sent ids alone and overwrote the colleague's change.
    /// </summary>
    [Fact]
    public async Task Queue_BulkStatus_LeavesAnAlertAColleagueChanged_AndRedrawsIt()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("bulk-v1", "sa-1"), TestAlerts.Critical("bulk-v2", "sa-2"));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        // The live queue is held back, as a slow network or the stream's poll would: the colleague's change is not drawn.
        await page.RouteAsync("**/v1/alerts/stream**", route => route.AbortAsync());
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("alert-row")).ToHaveCountAsync(2);
        foreach (var id in new[] { "bulk-v1", "bulk-v2" })
        {
            await AlertRow(page, id).GetByTestId("select").CheckAsync();
        }

        using (var taken = await host.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync("/v1/alerts/bulk-v2/status", new { status = "in_progress" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        }

        await page.GetByTestId("bulk-acknowledged").ClickAsync();

        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("1 changed by someone else");
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("bulk-v2");
        await Assertions.Expect(AlertRow(page, "bulk-v1").GetByTestId("status")).ToHaveTextAsync("acknowledged");
        await Assertions.Expect(AlertRow(page, "bulk-v2").GetByTestId("status")).ToHaveTextAsync("in progress");
        Assert.Equal("in_progress", (await host.Get<AlertStore>().GetAsync("bulk-v2", Ct))!.Status);

        // Drawn at the version the refusal named (current_version): the next click decides on the alert as it is now.
        var now = (await host.Get<AlertStore>().GetAsync("bulk-v2", Ct))!.Version;
        await Assertions.Expect(AlertRow(page, "bulk-v2")).ToHaveAttributeAsync("data-version", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("acknowledged", (await host.Get<AlertStore>().GetAsync("bulk-v1", Ct))!.Status);
    }

    /// <summary>
    /// A new alert arriving live is counted in the pictures beside the queue: before, the top principals (and the other
    /// pictures) kept the counts of the page's first reading until a reload.
    /// </summary>
    [Fact]
    public async Task Queue_ANewAlertArrivingLive_IsCountedInThePictures()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("count-1", "svc-build@example.com"));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        var principals = page.GetByTestId("chart-principals");
        await Assertions.Expect(principals).ToContainTextAsync("svc-build@example.com");
        await Assertions.Expect(principals).Not.ToContainTextAsync("dev-3@example.com");

        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("count-2", "dev-3@example.com"), Ct);
        await Assertions.Expect(AlertRow(page, "count-2")).ToBeVisibleAsync();
        await Assertions.Expect(principals).ToContainTextAsync("dev-3@example.com");
        await Assertions.Expect(page.GetByTestId("chart-severity")).ToContainTextAsync("max 2");
    }

    /// <summary>
    /// The live queue that cannot reach its stream says so until it is back: before, it retried every two seconds
    /// without a word, the queue frozen while it looked live.
    /// </summary>
    [Fact]
    public async Task Queue_StreamRefusedWithA5xx_SaysLiveUpdatesArePaused_UntilItIsBack()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("live-1", "sa-1"));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        var down = true;
        await page.RouteAsync("**/v1/alerts/stream**", route => Volatile.Read(ref down)
            ? route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = """{"title":"Service Unavailable","status":503}""" })
            : route.ContinueAsync());
        await page.ReloadAsync();
        var state = page.GetByTestId("live-state");
        await Assertions.Expect(state).ToHaveTextAsync("Live updates paused (the Responder answered 503); reconnecting…");

        Volatile.Write(ref down, false);
        await Assertions.Expect(state).ToBeEmptyAsync();
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("live-2", "sa-2"), Ct);
        await Assertions.Expect(AlertRow(page, "live-2")).ToBeVisibleAsync();
    }

    /// <summary>
    /// A suppression a colleague lifted while the page was open is refused (409) and then shown lifted: before, the
    /// refusal was shown and the row still said "active" with its Lift button, until a reload.
    /// </summary>
    [Fact]
    public async Task Suppressions_LiftedMeanwhile_IsRefused_AndThenShownLifted()
    {
        await using var host = await StartWithAlertsAsync(TestAlerts.Critical("sup-ui", "svc-backup@example.com"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync("/v1/alerts/sup-ui/verdict", new { verdict = "false_positive", note = "the nightly backup" }, Ct)).StatusCode);
        var suppression = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sup-ui"), Ct));
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;
        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/suppressions?state=all").ToString());
        var row = page.Locator($"[data-testid=suppression-row][data-suppression-id='{suppression.Id}']");
        await Assertions.Expect(row.GetByTestId("suppression-state")).ToHaveTextAsync("active");

        var colleague = host.ClientFor(ResponderTestHost.ResponderToken);
        Assert.Equal(HttpStatusCode.OK, (await colleague.DeleteAsync($"/v1/suppressions/{suppression.Id}?reason=backup+moved", Ct)).StatusCode);
        await row.GetByTestId("lift-suppression").ClickAsync();
        await row.GetByTestId("lift-suppression-reason").FillAsync("the backup job was retired");
        await row.GetByTestId("lift-suppression-confirm").ClickAsync();

        await Assertions.Expect(page.GetByTestId("error-text")).ToContainTextAsync("was lifted by rex");
        await Assertions.Expect(row.GetByTestId("suppression-state")).ToHaveTextAsync("lifted (backup moved)");
        await Assertions.Expect(row.GetByTestId("lift-suppression")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// An isolation TTL that is not a number is refused in the form: before, it was sent as null, which the API takes
    /// as the policy's default, so the workload was isolated for another length of time than the responder typed.
    /// </summary>
    [Fact]
    public async Task Trigger_TtlThatIsNotANumber_IsRefused_NotReplacedByTheDefault()
    {
        await using var host = await StartWithAlertsAsync();
        await using var session = await BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken);
        var page = session.Page;
        var form = await TriggerIsolationAsync(page, new AlertWorkload("shop/checkout-7d9f", "shop", "checkout"), "exec into the pod from an unknown address", "10 minutes");

        await Assertions.Expect(page.GetByTestId("error-text")).ToHaveTextAsync("trigger failed: Isolation TTL (s) must be a whole number of seconds, not \"10 minutes\"");
        await Assertions.Expect(form.Locator("input[name=ttl_seconds]")).ToBeFocusedAsync();
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(), Ct));

        await form.Locator("input[name=ttl_seconds]").FillAsync("600");
        await form.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("triggered isolate_workload");
        Assert.Equal(600, Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(), Ct)).TtlSeconds);
    }

    /// <summary>The queue's row of alert <paramref name="id"/>, as the console marks it.</summary>
    internal static ILocator AlertRow(IPage page, string id) => page.Locator($"[data-testid=alert-row][data-alert-id={id}]");

    /// <summary>The row of action <paramref name="id"/> on an alert's page.</summary>
    internal static ILocator ActionRow(IPage page, Guid id) => page.Locator($"[data-testid=action-row][data-action-id='{id}']");

    /// <summary>Fills the Trigger page's form to isolate <paramref name="workload"/> for <paramref name="ttl"/> seconds, as typed, and submits it.</summary>
    internal static async Task<ILocator> TriggerIsolationAsync(IPage page, AlertWorkload workload, string reason, string ttl)
    {
        await page.GetByTestId("nav-trigger").ClickAsync();
        var form = page.GetByTestId("trigger-form");
        await form.Locator("select[name=kind]").SelectOptionAsync(ActionKinds.IsolateWorkload);
        await form.Locator("input[name=workload_id]").FillAsync(workload.Id);
        await form.Locator("input[name=namespace]").FillAsync(workload.Namespace!);
        await form.Locator("input[name=name]").FillAsync(workload.Name!);
        await form.Locator("input[name=reason]").FillAsync(reason);
        await form.Locator("input[name=ttl_seconds]").FillAsync(ttl);
        await form.Locator("button[type=submit]").ClickAsync();
        return form;
    }

    internal static Task<ResponderTestHost> StartWithAlertsAsync(params Alert[] alerts) =>
        StartWithAlertsAsync(new ResponderTestHost() { UseKestrel = true }, alerts);

    /// <summary>Starts <paramref name="unstarted"/> (listening for real, for the browser) and raises <paramref name="alerts"/>.</summary>
    internal static async Task<ResponderTestHost> StartWithAlertsAsync(ResponderTestHost unstarted, params Alert[] alerts)
    {
        ConsoleBrowser.RequireChromium();
        return await ResponderTestHost.WithAlertsAsync(unstarted.StartAsync(), alerts);
    }

    /// <summary>
    /// A host whose policy has a responder approve each revocation (<paramref name="revoker"/>, where given, revokes),
    /// the revocation pending for the alert it was raised with, and a responder signed in to its console.
    /// </summary>
    internal sealed class PendingApproval : IAsyncDisposable
    {
        private PendingApproval(ResponderTestHost host, ActionRecord pending, BrowserSession session)
        {
            Host = host;
            Pending = pending;
            Session = session;
        }

        public ResponderTestHost Host { get; }
        public ActionRecord Pending { get; }
        public BrowserSession Session { get; }

        public static async Task<PendingApproval> StartAsync(Alert alert, ITokenRevoker? revoker = null)
        {
            var unstarted = new ResponderTestHost(TestPolicies.ApproveRevoke) { UseKestrel = true };
            var host = await StartWithAlertsAsync(revoker is null ? unstarted : unstarted.With(revoker));
            try
            {
                var pending = await host.RaiseAsync(alert);
                return new PendingApproval(host, pending, await BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken));
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }

        public void Deconstruct(out ResponderTestHost host, out ActionRecord pending, out IPage page) =>
            (host, pending, page) = (Host, Pending, Session.Page);

        public async ValueTask DisposeAsync()
        {
            await Session.DisposeAsync();
            await Host.DisposeAsync();
        }
    }

    /// <summary>Debian's Chromium driven by Playwright, signed in to the host's console with a token.</summary>
    internal sealed class BrowserSession(IPlaywright playwright, IBrowserContext browser, IPage page, List<string> blocked) : IAsyncDisposable
    {
        public IPage Page { get; } = page;

        /// <summary>What the browser refused under the console's Content-Security-Policy (it logs each to the console).</summary>
        public IReadOnlyList<string> Blocked => blocked;

        public static async Task<BrowserSession> SignInAsync(ResponderTestHost host, string token)
        {
            var playwright = await Playwright.CreateAsync();
            var (browser, page) = await ConsoleBrowser.OpenAsync(playwright, Path.Combine(host.Folder, "chromium-profile"));
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

            // Signed in once the console names the user: a page opened before that is replaced by the queue, as the
            // sign-in form leads there.
            await Assertions.Expect(page.GetByTestId("me")).ToBeVisibleAsync();
            return new BrowserSession(playwright, browser, page, blocked);
        }

        /// <summary>Signs in with <paramref name="token"/>, as <see cref="SignInAsync"/> does, and opens alert <paramref name="alertId"/> from the queue.</summary>
        public static async Task<BrowserSession> OnAlertAsync(ResponderTestHost host, string token, string alertId)
        {
            var session = await SignInAsync(host, token);
            try
            {
                await AlertRow(session.Page, alertId).ClickAsync();
                return session;
            }
            catch
            {
                // The test fails here; its Chromium must not outlive it.
                await session.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
