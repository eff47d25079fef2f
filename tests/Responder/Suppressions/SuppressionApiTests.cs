namespace ZtStream.Responder.Tests.Suppressions;

/// <summary>Run on SQLite here and on PostgreSQL by <see cref="PostgresSuppressionApiTests"/>: the same SQL contract for both dialects.</summary>
public partial class SuppressionApiTests
{
    /// <summary>A Responder on the store this run tests.</summary>
    private protected virtual Task<ResponderTestHost> StartAsync() => new ResponderTestHost().StartAsync();

    /// <summary>An alert with two reasons, in namespace shop, so every scope has something to name.</summary>
    internal static Alert TwoReasons(string id, string principal = "system:serviceaccount:shop:api") => TestAlerts.Critical(id, principal) with
    {
        Detector = Detectors.Baseline,
        Reasons =
        [
            new AlertReason(Detectors.Baseline, "bytes_spike", 70, "read 2.1 GB of internal/orders; 30-day mean 1.2 MB"),
            new AlertReason(Detectors.Baseline, "first_resource", 40, "first access to orders/export"),
        ],
        Workload = new AlertWorkload("shop/api-1", "shop", "api-1"),
        ResourceClass = "internal/orders",
    };

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    internal static AlertFeedback[] Feedback(ResponderTestHost host) =>
        [.. host.EventLog.Appended(Topics.Feedback).Select(r => ContractJson.DeserializeFeedback(r.Value.Span))];

    [Fact]
    public async Task Analyst_MaySuppressOnlyTheAlertsOwnRules_ForItsPrincipal()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-1"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        var star = await analyst.PostAsJsonAsync("/v1/alerts/sp-1/verdict", new { verdict = "false_positive", rules = new[] { "*" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, star.StatusCode);
        Assert.Contains("*", (await JsonOf(star)).GetProperty("errors")[0].GetProperty("reason").GetString());

        var unrelated = await analyst.PostAsJsonAsync("/v1/alerts/sp-1/verdict", new { verdict = "false_positive", rules = new[] { "policy/token_binding", "baseline/bytes_spike" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unrelated.StatusCode);
        var reason = (await JsonOf(unrelated)).GetProperty("errors")[0].GetProperty("reason").GetString();
        Assert.StartsWith("not reasons of alert sp-1: policy/token_binding;", reason);

        var wholeDetector = await analyst.PostAsJsonAsync("/v1/alerts/sp-1/verdict", new { verdict = "false_positive", rules = new[] { "baseline" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, wholeDetector.StatusCode);

        var wide = await analyst.PostAsJsonAsync("/v1/alerts/sp-1/status", new { status = "false_positive", scope = "namespace" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, wide.StatusCode);
        Assert.Contains("responder", (await JsonOf(wide)).GetProperty("detail").GetString());

        // Nothing reached the Verifier, and the alert is still open.
        Assert.Empty(Feedback(host));
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("sp-1", Ct))!.Status);

        var ok = await analyst.PostAsJsonAsync("/v1/alerts/sp-1/verdict", new { verdict = "false_positive", rules = new[] { "baseline/bytes_spike" }, note = "nightly export" }, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var made = (await JsonOf(ok)).GetProperty("suppressions")[0];
        Assert.Equal("resource_class", made.GetProperty("scope").GetString());
        var sent = Assert.Single(Feedback(host));
        Assert.Equal((made.GetProperty("id").GetString(), "system:serviceaccount:shop:api", "internal/orders", false), (sent.SuppressionId, sent.Principal, sent.ResourceClass, sent.Lifted));
        Assert.Equal(["baseline/bytes_spike"], sent.Rules);
    }

    [Fact]
    public async Task AlertOnPrincipalStar_IsNeverSuppressedForItsPrincipal_WhichWouldMeanEveryone()
    {
        // The principal is event data: an event whose subject is "*" raises an alert whose "own principal" the Verifier
        // reads as every principal.
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-star", AlertFeedback.AllPrincipals));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        foreach (var scope in new[] { "resource_class", "principal" })
        {
            var verdict = await analyst.PostAsJsonAsync("/v1/alerts/sp-star/verdict", new { verdict = "false_positive", rules = new[] { "baseline/bytes_spike" }, scope }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, verdict.StatusCode);
            var error = (await JsonOf(verdict)).GetProperty("errors")[0];
            Assert.Equal("scope", error.GetProperty("field").GetString());
            Assert.Contains("every principal", error.GetProperty("reason").GetString());
        }

        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var narrow = await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-star", scope = "principal" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, narrow.StatusCode);
        Assert.Empty(Feedback(host));
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("sp-star", Ct))!.Status);

        // Asked for as what it is, by a responder, it is made: everyone, and audited so.
        var everyone = await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-star", scope = "everyone", rules = new[] { "baseline/bytes_spike" } }, Ct);
        Assert.Equal(HttpStatusCode.Created, everyone.StatusCode);
        var sent = Assert.Single(Feedback(host));
        Assert.Equal((AlertFeedback.AllPrincipals, (string?)null), (sent.Principal, sent.ResourceClass));

        // Narrowed back to "its principal" it would stay everyone under another name.
        var id = (await JsonOf(everyone)).GetProperty("id").GetString();
        var narrowed = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { scope = "principal" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, narrowed.StatusCode);
        Assert.Equal("scope", (await JsonOf(narrowed)).GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Responder_WideSuppression_ExpiresWithin90Days_AndIsAudited()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-2"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var now = host.Time.GetUtcNow();

        var tooLong = await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-2", scope = "namespace", rules = new[] { "*" }, expires_at = now.AddDays(91) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("expires_at", (await JsonOf(tooLong)).GetProperty("errors")[0].GetProperty("field").GetString());

        var created = await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-2", scope = "namespace", rules = new[] { "*" }, expires_at = now.AddDays(7), note = "load test week" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var s = await JsonOf(created);
        Assert.Equal(("*", "shop", "active"), (s.GetProperty("principal").GetString(), s.GetProperty("namespace").GetString(), s.GetProperty("state").GetString()));
        var sent = Assert.Single(Feedback(host));
        Assert.Equal((AlertFeedback.AllPrincipals, "shop", now.AddDays(7)), (sent.Principal, sent.Namespace, sent.ExpiresAt));
        var audit = Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionCreated), Ct));
        Assert.Equal("rex", audit.Actor);
        Assert.Contains("every principal in namespace shop", audit.Summary);

        // Listed while active; once its expiry passes it is listed as expired, not active.
        var listed = await responder.GetFromJsonAsync<JsonElement>("/v1/suppressions", Ct);
        Assert.Equal(s.GetProperty("id").GetString(), Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());
        host.Time.Advance(TimeSpan.FromDays(8));
        Assert.Empty((await responder.GetFromJsonAsync<JsonElement>("/v1/suppressions", Ct)).EnumerateArray());
        Assert.Single((await responder.GetFromJsonAsync<JsonElement>("/v1/suppressions?state=expired", Ct)).EnumerateArray());
    }

    /// <summary>
    /// RFC 3339 §5.6's notes allow a lower-case <c>t</c> and <c>z</c>, and a space between date and time "for the sake of
    /// readability": <c>expires_at</c> is read so, and answered upper case. One reader of a time string serves bodies and
    /// query strings: the same text is taken in a query's <c>since</c>, and a culture's form the query string used to take
    /// is refused there, as in a body, naming the argument.
    /// </summary>
    [Theory]
    [InlineData("yyyy-MM-dd't'HH:mm:ss'z'")]
    [InlineData("yyyy-MM-dd HH:mm:ss'Z'")]
    public async Task Suppression_ExpiresAtInAFormRfc3339sNotesAllow_IsReadAndAnsweredUpperCase_AsInAQuery(string format)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-lc"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var expires = host.Time.GetUtcNow().AddDays(7);
        var text = expires.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        using var body = new StringContent($$"""{"alert_id":"sp-lc","scope":"namespace","rules":["*"],"expires_at":"{{text}}"}""", Encoding.UTF8, "application/json");

        var created = await responder.PostAsync("/v1/suppressions", body, Ct);
        var queried = await responder.GetAsync("/v1/audit?since=" + Uri.EscapeDataString(text), Ct);
        var culture = await responder.GetAsync("/v1/audit?since=" + Uri.EscapeDataString(expires.ToString("MM/dd/yyyy", System.Globalization.CultureInfo.InvariantCulture)), Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var answered = (await JsonOf(created)).GetProperty("expires_at").GetString();
        Assert.Equal(expires.AddTicks(-expires.Ticks % TimeSpan.TicksPerSecond), DateTimeOffset.Parse(answered!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains('T', answered!);
        Assert.Equal(HttpStatusCode.OK, queried.StatusCode);
        var error = await HttpProblem.ReadOneErrorAsync(culture, HttpStatusCode.BadRequest);
        Assert.Equal("since", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Suppression_NarrowedThenLifted_TheVerifierIsToldEachTime()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-3"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var created = await JsonOf(await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-3", scope = "everyone", rules = new[] { "baseline" } }, Ct));
        var id = created.GetProperty("id").GetString();

        // Narrowing may not widen: another detector, a later expiry.
        var widen = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "policy/token_binding" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, widen.StatusCode);
        var later = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { expires_at = host.Time.GetUtcNow().AddDays(60) }, Ct);
        Assert.Equal("expires_at", (await JsonOf(later)).GetProperty("errors")[0].GetProperty("field").GetString());

        var narrowed = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { scope = "principal", rules = new[] { "baseline/bytes_spike" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        var n = await JsonOf(narrowed);
        Assert.Equal(("principal", "system:serviceaccount:shop:api"), (n.GetProperty("scope").GetString(), n.GetProperty("principal").GetString()));

        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.DeleteAsync($"/v1/suppressions/{id}", Ct)).StatusCode);
        var lifted = await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=export%20job%20retired", Ct);
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        Assert.Equal("lifted", (await JsonOf(lifted)).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=again", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.DeleteAsync("/v1/suppressions/sup-none?reason=x", Ct)).StatusCode);

        var sent = Feedback(host);
        Assert.Equal(3, sent.Length);
        Assert.All(sent, f => Assert.Equal(id, f.SuppressionId));
        Assert.Equal([false, false, true], sent.Select(f => f.Lifted));
        Assert.Equal(["baseline/bytes_spike"], sent[1].Rules);
        var kinds = (await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "sp-3"), Ct)).Select(a => a.Kind).Where(k => !k.StartsWith("action.", StringComparison.Ordinal));
        Assert.Equal([AuditKinds.AlertReceived, AuditKinds.SuppressionCreated, AuditKinds.SuppressionNarrowed, AuditKinds.SuppressionLifted], kinds);
    }

    /// <summary>
    /// Holds the first feedback append (the first writer has read the suppression and is telling the Verifier) until
    /// <paramref name="meanwhile"/> has run; answers the first writer's answer.
    /// </summary>
    private static async Task<HttpResponseMessage> HeldWhileAsync(ResponderTestHost host, Func<Task<HttpResponseMessage>> first, Func<Task> meanwhile)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var once = 0;
        host.EventLog.BeforeAppend = async topic =>
        {
            if (topic == Topics.Feedback && Interlocked.Exchange(ref once, 1) == 0)
            {
                held.SetResult();
                await release.Task;
            }
        };
        var answer = first();
        await held.Task.WaitAsync(Ct);
        await meanwhile();
        release.SetResult();
        return await answer;
    }

    /// <summary>
    /// Two narrowings of one suppression at once — one keeps fewer rules, the other an earlier expiry: both hold, and the
    /// Verifier's last word is what is stored. Before, the expiry's narrowing, decided on the suppression with both rules,
    /// wrote both rules back over the other's: a narrowing that widened it.
    /// </summary>
    [Fact]
    public async Task Narrow_WhileAnotherNarrows_KeepsBoth_NeverWritingTheWiderRulesBack()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-race"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var created = await JsonOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-race" }, Ct));
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(2, created.GetProperty("rules").GetArrayLength());
        var earlier = host.Time.GetUtcNow().AddDays(2);

        using var later = await HeldWhileAsync(
            host,
            () => analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { expires_at = earlier }, Ct),
            async () =>
            {
                using var fewer = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" } }, Ct);
                Assert.Equal(HttpStatusCode.OK, fewer.StatusCode);
            });

        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var stored = await host.Get<SuppressionStore>().GetAsync(id, Ct);
        Assert.Equal(["baseline/bytes_spike"], stored!.Rules);
        Assert.Equal(earlier, stored.ExpiresAt);
        var last = Feedback(host)[^1];
        Assert.Equal(["baseline/bytes_spike"], last.Rules);
        Assert.Equal((earlier, false), (last.ExpiresAt, last.Lifted));
    }

    /// <summary>
    /// A narrowing that loses to a lift is refused (409 naming who lifted it), and the Verifier is told the lift last, so
    /// the narrowing it heard first does not bring the suppression back. Two lifts at once: one is recorded, the other is
    /// a 409. Before, the Verifier's last word was the narrowing (the suppression applied again), and both lifts answered
    /// 200 with an audit entry each.
    /// </summary>
    [Fact]
    public async Task NarrowOrLift_LosingToALift_Is409_AndTheLiftStands()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-lift"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var first = (await JsonOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-lift" }, Ct))).GetProperty("id").GetString()!;
        var second = (await JsonOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-lift" }, Ct))).GetProperty("id").GetString()!;

        using var narrowed = await HeldWhileAsync(
            host,
            () => analyst.PatchAsJsonAsync($"/v1/suppressions/{first}", new { rules = new[] { "baseline/first_resource" } }, Ct),
            async () => Assert.Equal(HttpStatusCode.OK, (await responder.DeleteAsync($"/v1/suppressions/{first}?reason=export%20job%20retired", Ct)).StatusCode));

        await HttpProblem.ReadNamingAsync(narrowed, HttpStatusCode.Conflict, "lifted by rex");
        Assert.True(Feedback(host).Last(f => f.SuppressionId == first).Lifted);

        using var lifted = await HeldWhileAsync(
            host,
            () => analyst.DeleteAsync($"/v1/suppressions/{second}?reason=mine", Ct),
            async () => Assert.Equal(HttpStatusCode.OK, (await responder.DeleteAsync($"/v1/suppressions/{second}?reason=theirs", Ct)).StatusCode));

        Assert.Contains("(theirs)", (await HttpProblem.ReadAsync(lifted, HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("theirs", (await host.Get<SuppressionStore>().GetAsync(second, Ct))!.LiftReason);
        var lifts = await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionLifted), Ct);
        Assert.Equal(2, lifts.Count);
        Assert.All(lifts, l => Assert.Equal("rex", l.Actor));
    }

    /// <summary>
    /// A false positive re-marked by one analyst while a colleague takes the alert, both decided on the same version: the
    /// colleague's change commits first, so the re-marking is refused (409, with the alert's <c>current_version</c>) and
    /// the suppression stays — in the store, in the audit trail (no lift) and for the Verifier, whose last word on it is
    /// the suppression as stored. Before, the lift was made ahead of the status write, so the refused change still
    /// switched the suppression off. Decided again on <c>current_version</c>, the change and the lift are made together.
    /// </summary>
    [Fact]
    public async Task LeavingFalsePositive_LosingTheRace_Is409_AndTheSuppressionStays()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-race-fp"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var marked = await JsonOf(await analyst.PostAsJsonAsync("/v1/alerts/sp-race-fp/verdict", new { verdict = "false_positive" }, Ct));
        var read = marked.GetProperty("alert").GetProperty("version").GetInt64();
        var made = Assert.Single(marked.GetProperty("suppressions").EnumerateArray()).GetProperty("id").GetString()!;

        using var reopened = await HeldWhileAsync(
            host,
            () => analyst.PostAsJsonAsync("/v1/alerts/sp-race-fp/status", new { status = "in_progress", note = "the export looks wrong after all", version = read }, Ct),
            async () => Assert.Equal(HttpStatusCode.OK, (await responder.PostAsJsonAsync("/v1/alerts/sp-race-fp/assign", new { assignee = "rex", version = read }, Ct)).StatusCode));

        var refused = await HttpProblem.ReadAsync(reopened, HttpStatusCode.Conflict);
        var alert = (await host.Get<AlertStore>().GetAsync("sp-race-fp", Ct))!;
        Assert.Equal((AlertStatuses.FalsePositive, "rex"), (alert.Status, alert.Assignee));
        Assert.Equal(alert.Version, refused.GetProperty("current_version").GetInt64());
        Assert.Equal(SuppressionStates.Active, (await host.Get<SuppressionStore>().GetAsync(made, Ct))!.State);
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionLifted), Ct));
        var told = Feedback(host).Where(f => f.SuppressionId == made).Select(f => f.Lifted).ToList();
        Assert.Equal([false, true, false], told);

        // Decided again on the version the refusal named: the status and the lift commit together.
        var again = await JsonOf(await analyst.PostAsJsonAsync(
            "/v1/alerts/sp-race-fp/status", new { status = "in_progress", note = "the export looks wrong after all", version = refused.GetProperty("current_version").GetInt64() }, Ct));
        Assert.Equal(AlertStatuses.InProgress, again.GetProperty("alert").GetProperty("status").GetString());
        Assert.Equal([made], again.GetProperty("suppressions").EnumerateArray().Select(x => x.GetProperty("id").GetString()));
        Assert.Equal(SuppressionStates.Lifted, (await host.Get<SuppressionStore>().GetAsync(made, Ct))!.State);
        var lift = Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionLifted), Ct));
        Assert.Equal(("ana", "sp-race-fp"), (lift.Actor, lift.AlertId));
        Assert.True(Feedback(host).Last(f => f.SuppressionId == made).Lifted);
        await host.AssertAuditIntactAsync();
    }

    [Fact]
    public async Task TruePositive_AfterFalsePositive_LiftsTheSuppression()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sp-4"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        await analyst.PostAsJsonAsync("/v1/alerts/sp-4/verdict", new { verdict = "false_positive" }, Ct);
        var made = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sp-4"), Ct));
        Assert.Equal(["baseline/bytes_spike", "baseline/first_resource"], made.Rules);

        var noReason = await analyst.PostAsJsonAsync("/v1/alerts/sp-4/verdict", new { verdict = "true_positive" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        var answer = await analyst.PostAsJsonAsync("/v1/alerts/sp-4/verdict", new { verdict = "true_positive", note = "the export was exfiltration after all" }, Ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        var after = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sp-4"), Ct));
        Assert.Equal((SuppressionStates.Lifted, "ana"), (after.State, after.LiftedBy));
        var last = Feedback(host)[^1];
        Assert.True(last.Lifted);
        Assert.Equal(made.Id, last.SuppressionId);
        Assert.Equal(AlertStatuses.TruePositive, (await host.Get<AlertStore>().GetAsync("sp-4", Ct))!.Status);
    }
}

public sealed class PostgresSuppressionApiTests(ZtStream.TestSupport.Services.PostgresFixture postgres) : SuppressionApiTests
{
    private protected override async Task<ResponderTestHost> StartAsync()
    {
        return await new ResponderTestHost().OnPostgres(await postgres.CreateDatabaseAsync(Ct)).StartAsync();
    }
}
