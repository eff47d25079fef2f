namespace ZtStream.Responder.Tests.Api;

/// <summary>Run on SQLite here and on PostgreSQL by <see cref="PostgresTriageApiTests"/>: the same SQL contract for both dialects.</summary>
public class TriageApiTests
{
    /// <summary>A Responder on the store this run tests.</summary>
    private protected virtual Task<ResponderTestHost> StartAsync() => new ResponderTestHost().StartAsync();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    [Fact]
    public async Task Status_MovesThroughTheWorkflow_EachChangeInHistoryAndAudit()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("tri-1"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        foreach (var status in new[] { "acknowledged", "in_progress", "benign" })
        {
            var answer = await analyst.PostAsJsonAsync("/v1/alerts/tri-1/status", new { status, note = $"now {status}" }, Ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(status, (await JsonOf(answer)).GetProperty("alert").GetProperty("status").GetString());
        }

        // A closed alert reopens only with a reason.
        var noReason = await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync("/v1/alerts/tri-1/status", new { status = "open" }, Ct), HttpStatusCode.BadRequest);
        Assert.Equal("note", noReason.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync("/v1/alerts/tri-1/status", new { status = "open", note = "new evidence" }, Ct)).StatusCode);

        var unknown = await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync("/v1/alerts/tri-1/status", new { status = "closed" }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("in_progress", unknown.GetProperty("errors")[0].GetProperty("reason").GetString());
        await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync("/v1/alerts/nope/status", new { status = "acknowledged" }, Ct), HttpStatusCode.NotFound);

        var detail = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts/tri-1", Ct);
        var history = detail.GetProperty("history").EnumerateArray().Select(h => (h.GetProperty("change").GetString(), h.GetProperty("status").GetString(), h.GetProperty("actor").GetString())).ToList();
        Assert.Equal(
            [("created", "open", "verifier"), ("status", "acknowledged", "ana"), ("status", "in_progress", "ana"), ("verdict", "benign", "ana"), ("status", "open", "ana")],
            history);
        Assert.Contains("new evidence", detail.GetProperty("history")[4].GetProperty("detail").GetString());

        var audit = (await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "tri-1"), Ct)).Where(a => !a.Kind.StartsWith("action.", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [AuditKinds.AlertReceived, AuditKinds.AlertStatus, AuditKinds.AlertStatus, AuditKinds.Verdict, AuditKinds.AlertStatus],
            audit.Select(a => a.Kind).Where(k => !k.StartsWith("action.", StringComparison.Ordinal)));
        Assert.Contains("\"status\":\"benign\"", audit[4].BeforeJson);
        Assert.Contains("\"status\":\"open\"", audit[4].AfterJson);
    }

    /// <summary>
    /// The suppression's members (rules, scope, expires_at, cluster) sent with a status or verdict other than
    /// false_positive are refused naming each, and nothing changes: before, the status was written and they were dropped.
    /// </summary>
    [Fact]
    public async Task StatusAndVerdict_OtherThanFalsePositive_RefuseSuppressionMembers_AndChangeNothing()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("sm-1"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        var status = await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync(
            "/v1/alerts/sm-1/status", new { status = "acknowledged", scope = "principal", cluster = "prod" }, Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["scope", "cluster"], status.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        var verdict = await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync(
            "/v1/alerts/sm-1/verdict", new { verdict = "true_positive", rules = new[] { "first_resource" }, expires_at = "2030-01-01T00:00:00Z" }, Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["rules", "expires_at"], verdict.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        Assert.Contains("false_positive", verdict.GetProperty("errors")[0].GetProperty("reason").GetString());

        var detail = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts/sm-1", Ct);
        Assert.Equal("open", detail.GetProperty("alert").GetProperty("status").GetString());
    }

    /// <summary>
    /// A status or an assignment sent with the alert's <c>version</c> it was decided on is refused (409, naming the alert
    /// as it is now) once a colleague changed the alert: before, the later click silently undid the earlier change.
    /// Without a version the change is made as before.
    /// </summary>
    [Fact]
    public async Task StatusAndAssign_WithAStaleVersion_Are409_AndChangeNothing()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("stale-1", principal: "grace@example.com"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var read = await ResponderTestHost.AlertVersionAsync(analyst, "stale-1");

        var taken = await responder.PostAsJsonAsync("/v1/alerts/stale-1/assign", new { assignee = "rex", version = read }, Ct);
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var now = (await JsonOf(taken)).GetProperty("version").GetInt64();

        var assign = await HttpProblem.ReadNamingAsync(await analyst.PostAsJsonAsync("/v1/alerts/stale-1/assign", new { assignee = "ana", version = read }, Ct), HttpStatusCode.Conflict, "assigned to rex");
        var status = await HttpProblem.ReadNamingAsync(await analyst.PostAsJsonAsync("/v1/alerts/stale-1/status", new { status = "benign", version = read }, Ct), HttpStatusCode.Conflict, $"version {now}");

        // The version now is also a member of its own (RFC 9457 §3.2), for a client to decide again on without parsing text.
        Assert.Equal([now, now], new[] { assign, status }.Select(p => p.GetProperty("current_version").GetInt64()));
        var stored = await host.Get<AlertStore>().GetAsync("stale-1", Ct);
        Assert.Equal(("open", "rex"), (stored!.Status, stored.Assignee));

        // Decided on the alert as it is now, or without a version, the change is made.
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync("/v1/alerts/stale-1/status", new { status = "acknowledged", version = now }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync("/v1/alerts/stale-1/assign", new { assignee = "ana" }, Ct)).StatusCode);
        stored = await host.Get<AlertStore>().GetAsync("stale-1", Ct);
        Assert.Equal(("acknowledged", "ana"), (stored!.Status, stored.Assignee));
    }

    /// <summary>
    /// Analysts who read the alert at the same version change it at once — statuses and assignments: exactly one
    /// change is made, every other is a 409 problem naming the version the alert is at now, and history and audit hold
    /// the one change. Before, a status change compared the version before its transaction, so several were written,
    /// each over the other.
    /// </summary>
    [Fact]
    public async Task StatusAndAssign_SentAtOnceWithTheSameVersion_ExactlyOneWins()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("race-1", principal: "mei@example.com"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var read = await ResponderTestHost.AlertVersionAsync(analyst, "race-1");

        var changes = new List<Task<HttpResponseMessage>>();
        foreach (var (status, i) in new[] { "acknowledged", "in_progress", "benign", "true_positive" }.Select((s, i) => (s, i)))
        {
            changes.Add((i % 2 == 0 ? analyst : responder).PostAsJsonAsync("/v1/alerts/race-1/status", new { status, note = "seen by " + i, version = read }, Ct));
            changes.Add((i % 2 == 0 ? responder : analyst).PostAsJsonAsync("/v1/alerts/race-1/assign", new { assignee = "analyst-" + i, version = read }, Ct));
        }

        var answers = await Task.WhenAll(changes);

        var won = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        var stored = await host.Get<AlertStore>().GetAsync("race-1", Ct);
        Assert.True(stored!.Version > read);
        foreach (var refused in answers.Where(a => a != won))
        {
            var problem = await HttpProblem.ReadNamingAsync(refused, HttpStatusCode.Conflict, $"(version {stored.Version})");
            Assert.Equal(stored.Version, problem.GetProperty("current_version").GetInt64());
        }

        var history = await host.Get<AlertStore>().HistoryAsync("race-1", Ct);
        Assert.Equal(2, history.Count);
        var triage = (await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "race-1"), Ct))
            .Where(a => a.Kind is AuditKinds.AlertStatus or AuditKinds.Verdict or AuditKinds.AlertAssigned).ToList();
        Assert.Single(triage);
        await host.AssertAuditIntactAsync();
    }

    [Fact]
    public async Task AssignAndComment_AreHistory_AndTheQueueFiltersByAssigneeNamespaceAndClosed()
    {
        await using var host = await StartAsync();
        var processor = host.Get<AlertProcessor>();
        await processor.HandleAsync(TestAlerts.Critical("q-1", workload: new AlertWorkload("shop/api-1", "shop", "api-1")), Ct);
        await processor.HandleAsync(TestAlerts.Critical("q-2", workload: new AlertWorkload("payments/db-0", "payments", "db-0")), Ct);
        await processor.HandleAsync(TestAlerts.Critical("q-3"), Ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        var assigned = await analyst.PostAsJsonAsync("/v1/alerts/q-1/assign", new { assignee = "ana" }, Ct);
        Assert.Equal("ana", (await JsonOf(assigned)).GetProperty("assignee").GetString());
        Assert.Equal(HttpStatusCode.Created, (await analyst.PostAsJsonAsync("/v1/alerts/q-1/comments", new { text = "checking with the shop team" }, Ct)).StatusCode);
        var empty = await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync("/v1/alerts/q-1/comments", new { text = "  " }, Ct), HttpStatusCode.BadRequest);
        Assert.Equal("text", empty.GetProperty("errors")[0].GetProperty("field").GetString());
        await analyst.PostAsJsonAsync("/v1/alerts/q-3/status", new { status = "true_positive" }, Ct);

        Assert.Equal(["q-1"], ResponderTestHost.AlertIds(await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?assignee=ana", Ct)));
        Assert.Equal(["q-3", "q-2"], ResponderTestHost.AlertIds(await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?assignee=none", Ct)).Order().Reverse());
        Assert.Equal(["q-2"], ResponderTestHost.AlertIds(await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?namespace=payments", Ct)));
        Assert.Equal(["q-3"], ResponderTestHost.AlertIds(await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?status=closed", Ct)));
        var bad = await HttpProblem.ReadAsync(await analyst.GetAsync("/v1/alerts?status=done&since=yesterday", Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["status", "since"], bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));

        var history = await host.Get<AlertStore>().HistoryAsync("q-1", Ct);
        Assert.Equal(["created", "assigned", "comment"], history.Select(h => h.Change));
        Assert.Equal("checking with the shop team", history[2].Detail);
        var unassigned = await analyst.PostAsJsonAsync("/v1/alerts/q-1/assign", new { assignee = (string?)null }, Ct);
        Assert.False((await JsonOf(unassigned)).TryGetProperty("assignee", out _));
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "q-1"), Ct);
        Assert.Equal([AuditKinds.AlertReceived, AuditKinds.AlertAssigned, AuditKinds.AlertComment, AuditKinds.AlertAssigned], audit.Select(a => a.Kind).Where(k => !k.StartsWith("action.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Queue_PagesByCursor_WithoutOverlapOrGap()
    {
        await using var host = await StartAsync();
        var processor = host.Get<AlertProcessor>();
        for (var i = 0; i < 7; i++)
        {
            // Two alerts share each last_seen, so the cursor must break ties by id.
            await processor.HandleAsync(TestAlerts.Critical($"c-{i}") with { LastSeen = new DateTimeOffset(2026, 3, 2, 8, 0, i / 2, TimeSpan.Zero) }, Ct);
        }

        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var seen = new List<string>();
        var url = "/v1/alerts?limit=3";
        var pages = 0;
        while (true)
        {
            var page = await analyst.GetFromJsonAsync<JsonElement>(url, Ct);
            pages++;
            seen.AddRange(ResponderTestHost.AlertIds(page));
            if (!page.TryGetProperty("next_cursor", out var cursor))
            {
                break;
            }

            url = "/v1/alerts?limit=3&cursor=" + cursor.GetString();
        }

        Assert.Equal(3, pages);
        Assert.Equal(["c-6", "c-5", "c-4", "c-3", "c-2", "c-1", "c-0"], seen);
        var bad = await HttpProblem.ReadAsync(await analyst.GetAsync("/v1/alerts?cursor=not-a-cursor", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("cursor", bad.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Bulk_ChangesEachKnownAlert_AndNamesTheOthersByIndex()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("b-1"));
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("b-2"), Ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        var answer = await analyst.PostAsJsonAsync("/v1/alerts/bulk", new { ids = new[] { "b-1", "missing", "b-2" }, status = "acknowledged", assignee = "ana" }, Ct);
        Assert.Equal(HttpStatusCode.MultiStatus, answer.StatusCode);
        var body = await JsonOf(answer);
        Assert.Equal(2, body.GetProperty("changed").GetArrayLength());
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("index").GetInt32());
        Assert.Contains("missing", error.GetProperty("reason").GetString());
        foreach (var id in new[] { "b-1", "b-2" })
        {
            var stored = await host.Get<AlertStore>().GetAsync(id, Ct);
            Assert.Equal(("acknowledged", "ana"), (stored!.Status, stored.Assignee));
        }

        var empty = await HttpProblem.ReadAsync(await analyst.PostAsJsonAsync("/v1/alerts/bulk", new { ids = Array.Empty<string>() }, Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["ids", "status"], empty.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }

    /// <summary>
    /// A bulk change sent with each alert's version (items) leaves an alert a colleague changed since as the colleague
    /// made it and says so for that item (index, field <c>version</c>, the version now); the others are changed (207).
    /// When none is changed the answer is a problem document listing each (409 when all had changed since). Before, the
    /// bulk endpoint took no versions and overwrote the colleague's change.
    /// </summary>
    [Fact]
    public async Task Bulk_WithVersions_LeavesWhatAColleagueChanged_AndNamesItByIndex()
    {
        await using var host = await StartAsync();
        foreach (var id in new[] { "bv-1", "bv-2", "bv-3" })
        {
            await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical(id, principal: $"owner-{id}@example.com"), Ct);
        }

        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var page = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts", Ct);
        var versions = page.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("alert").GetProperty("id").GetString()!, i => i.GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await responder.PostAsJsonAsync("/v1/alerts/bv-2/assign", new { assignee = "rex" }, Ct)).StatusCode);
        var now = (await host.Get<AlertStore>().GetAsync("bv-2", Ct))!.Version;

        var answer = await analyst.PostAsJsonAsync(
            "/v1/alerts/bulk",
            new { items = new[] { "bv-1", "bv-2", "bv-3" }.Select(id => new { id, version = versions[id] }), status = "acknowledged", assignee = "ana" },
            Ct);

        Assert.Equal(HttpStatusCode.MultiStatus, answer.StatusCode);
        var body = await JsonOf(answer);
        Assert.Equal(["bv-1", "bv-3"], body.GetProperty("changed").EnumerateArray().Select(c => c.GetProperty("alert").GetProperty("id").GetString()));
        var stale = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal((1, "version"), (stale.GetProperty("index").GetInt32(), stale.GetProperty("field").GetString()));
        Assert.Contains($"assigned to rex (version {now})", stale.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(now, stale.GetProperty("current_version").GetInt64());
        var kept = await host.Get<AlertStore>().GetAsync("bv-2", Ct);
        Assert.Equal(("open", "rex", now), (kept!.Status, kept.Assignee, kept.Version));
        Assert.Equal(("acknowledged", "ana"), ((await host.Get<AlertStore>().GetAsync("bv-3", Ct))!.Status, (await host.Get<AlertStore>().GetAsync("bv-3", Ct))!.Assignee));

        // Every alert changed since: nothing is changed, and the problem lists each by index.
        var refused = await HttpProblem.ReadAsync(
            await analyst.PostAsJsonAsync("/v1/alerts/bulk", new { items = new[] { new { id = "bv-2", version = versions["bv-2"] }, new { id = "bv-3", version = versions["bv-3"] } }, unassign = true }, Ct),
            HttpStatusCode.Conflict);
        Assert.Equal([(0, "version"), (1, "version")], refused.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString())));
        var bv3 = (await host.Get<AlertStore>().GetAsync("bv-3", Ct))!.Version;
        Assert.Equal([now, bv3], refused.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("current_version").GetInt64()));
        Assert.Equal("rex", (await host.Get<AlertStore>().GetAsync("bv-2", Ct))!.Assignee);

        // An item without its version, or ids and items together, is a bad request naming the item.
        var bad = await HttpProblem.ReadAsync(
            await analyst.PostAsJsonAsync("/v1/alerts/bulk", new { items = new object[] { new { id = "bv-1", version = 1 }, new { id = "bv-3" } }, status = "benign" }, Ct),
            HttpStatusCode.BadRequest);
        Assert.Equal((1, "version"), (bad.GetProperty("errors")[0].GetProperty("index").GetInt32(), bad.GetProperty("errors")[0].GetProperty("field").GetString()));
        Assert.False(bad.GetProperty("errors")[0].TryGetProperty("current_version", out _));
        var both = await HttpProblem.ReadAsync(
            await analyst.PostAsJsonAsync("/v1/alerts/bulk", new { ids = new[] { "bv-1" }, items = new[] { new { id = "bv-1", version = 1 } }, status = "benign" }, Ct),
            HttpStatusCode.BadRequest);
        Assert.Equal("items", both.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Stream_PushesChangesAfterThePageVersion()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("s-1"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var page = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?severity=critical", Ct);
        var version = page.GetProperty("version").GetInt64();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/alerts/stream?severity=critical");
        request.Headers.Add("Last-Event-ID", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await analyst.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        // A new critical alert, a medium one the filter leaves out, and a change of the first.
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("s-2"), Ct);
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("s-medium") with { Severity = Severities.Medium, Score = 50 }, Ct);
        await analyst.PostAsJsonAsync("/v1/alerts/s-1/assign", new { assignee = "ana" }, Ct);

        var events = new List<(long Id, JsonElement Data)>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        long id = 0;
        while (events.Count < 2)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                break;
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((id, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }

        Assert.Equal(["s-2", "s-1"], events.Select(e => e.Data.GetProperty("alert").GetProperty("id").GetString()));
        Assert.Equal("ana", events[1].Data.GetProperty("assignee").GetString());
        Assert.True(events[0].Id > version && events[1].Id > events[0].Id);
    }

    [Fact]
    public async Task Viewer_ReadsButCannotWrite_AndTheRefusalIsAudited()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("v-1"));
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/v1/alerts/v-1", Ct)).StatusCode);
        Assert.Equal("viewer", (await viewer.GetFromJsonAsync<JsonElement>("/v1/me", Ct)).GetProperty("role").GetString());
        var refused = await HttpProblem.ReadAsync(await viewer.PostAsJsonAsync("/v1/alerts/v-1/status", new { status = "acknowledged" }, Ct), HttpStatusCode.Forbidden);
        Assert.Contains("analyst", refused.GetProperty("detail").GetString());
        Assert.Equal("open", (await host.Get<AlertStore>().GetAsync("v-1", Ct))!.Status);
        await host.AssertOneForbiddenAsync("vic", "/v1/alerts/v-1/status");
    }

    [Fact]
    public async Task Stats_CountTheLastDayBySeverityPrincipalDetectorAndTechnique()
    {
        await using var host = await StartAsync();
        var processor = host.Get<AlertProcessor>();
        var now = host.Time.GetUtcNow();
        await processor.HandleAsync(TestAlerts.Critical("st-1", "mallory") with { Techniques = ["T1609"], FirstSeen = now.AddHours(-2) }, Ct);
        await processor.HandleAsync(TestAlerts.Critical("st-2", "mallory") with { Techniques = ["T1552.007", "T1609"], FirstSeen = now.AddHours(-1) }, Ct);
        await processor.HandleAsync(TestAlerts.Critical("st-3", "bob") with { Severity = Severities.Medium, Score = 50, Detector = Detectors.Baseline, FirstSeen = now.AddMinutes(-30) }, Ct);
        await processor.HandleAsync(TestAlerts.Critical("st-old", "eve") with { Techniques = ["T1078"], FirstSeen = now.AddDays(-3), LastSeen = now.AddDays(-3) }, Ct);
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        var stats = await viewer.GetFromJsonAsync<JsonElement>("/v1/alerts/stats", Ct);

        Assert.Equal(24, stats.GetProperty("buckets").GetArrayLength());
        var buckets = stats.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(2, buckets.Sum(b => b.GetProperty("critical").GetInt32()));
        Assert.Equal(1, buckets.Sum(b => b.GetProperty("medium").GetInt32()));
        static List<(string?, int)> Named(JsonElement list) => [.. list.EnumerateArray().Select(n => (n.GetProperty("name").GetString(), n.GetProperty("count").GetInt32()))];
        Assert.Equal([("mallory", 2), ("bob", 1)], Named(stats.GetProperty("top_principals")));
        Assert.Equal([("policy", 2), ("baseline", 1)], Named(stats.GetProperty("top_detectors")));
        Assert.Equal([("T1609", 2), ("T1552.007", 1)], Named(stats.GetProperty("techniques")));

        var bad = await HttpProblem.ReadAsync(await viewer.GetAsync("/v1/alerts/stats?buckets=0&since=2026-03-03T00:00:00Z", Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["since", "buckets"], bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
    }
}

public sealed class PostgresTriageApiTests(ZtStream.TestSupport.Services.PostgresFixture postgres) : TriageApiTests
{
    private protected override async Task<ResponderTestHost> StartAsync()
    {
        return await new ResponderTestHost().OnPostgres(await postgres.CreateDatabaseAsync(Ct)).StartAsync();
    }
}
