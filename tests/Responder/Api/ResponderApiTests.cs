namespace ZtStream.Responder.Tests.Api;

public sealed class ResponderApiTests
{
    [Fact]
    public async Task Api_WithoutToken_Is401_AndAnalystCannotApprove()
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke).StartAsync();
        var ct = Ct;

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync("/v1/alerts", ct)).StatusCode);
        var wrong = host.ClientFor("not-a-token-not-a-token-not-a-token-123");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/v1/alerts", ct)).StatusCode);

        var pending = await host.RaiseAsync(TestAlerts.Critical("api-1"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync("/v1/alerts", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsync($"/v1/actions/{pending.Id}/approve", null, ct)).StatusCode);
        Assert.Equal(ActionStates.PendingApproval, (await host.Get<ActionStore>().GetAsync(pending.Id, ct))!.State);

        var me = await analyst.GetFromJsonAsync<JsonElement>("/v1/me", ct);
        Assert.Equal("analyst", me.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Responder_ApprovesPendingAction_ItRunsAndTheAuditNamesThem()
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke).StartAsync();
        var ct = Ct;
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("api-2", jti: "jti-approve"), ct);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var detail = await responder.GetFromJsonAsync<JsonElement>("/v1/alerts/api-2", ct);
        var action = detail.GetProperty("actions")[0];
        Assert.Equal("pending_approval", action.GetProperty("state").GetString());
        Assert.Equal("created", detail.GetProperty("history")[0].GetProperty("change").GetString());
        Assert.Equal("critical", detail.GetProperty("alert").GetProperty("alert").GetProperty("severity").GetString());

        var id = action.GetProperty("id").GetGuid();
        var approve = await responder.PostAsync($"/v1/actions/{id}/approve", null, ct);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        await host.UntilStateAsync(id, ActionStates.Done);
        Assert.Equal(HttpStatusCode.Conflict, (await responder.PostAsync($"/v1/actions/{id}/approve", null, ct)).StatusCode);

        var audit = await responder.GetFromJsonAsync<JsonElement>($"/v1/audit?action_id={id}&kind=action.approved", ct);
        var entry = Assert.Single(audit.EnumerateArray());
        Assert.Equal("rex", entry.GetProperty("actor").GetString());
        Assert.Contains("pending_approval", entry.GetProperty("before_json").GetString());
        Assert.Contains("queued", entry.GetProperty("after_json").GetString());

        var snapshot = await responder.GetFromJsonAsync<JsonElement>("/v1/revocations", ct);
        Assert.Equal("jti-approve", snapshot.GetProperty("revocations")[0].GetProperty("jti").GetString());
    }

    [Fact]
    public async Task Responder_RejectsPendingAction_NothingIsSent()
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke).StartAsync();
        var ct = Ct;
        var id = (await host.RaiseAsync(TestAlerts.Critical("api-3"))).Id;
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var reject = await responder.PostAsJsonAsync($"/v1/actions/{id}/reject", new { reason = "known test account" }, ct);
        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        Assert.Equal(ActionStates.Rejected, (await host.Get<ActionStore>().GetAsync(id, ct))!.State);
        Assert.Empty((await host.Get<ZtStream.Responder.Revocation.RevocationStore>().SnapshotAsync(ct)).Revocations);
    }

    /// <summary>
    /// An action names the alert it answers, and that alert's page lists it: naming an alert nobody raised would file a
    /// revocation under a made-up cause (or another tenant's id). The automation path stores the alert before it makes
    /// the action, so a real alert is always there to name.
    /// </summary>
    [Fact]
    public async Task Trigger_NamingAnAlertThatIsNotStored_Is404NamingAlertId_AndNothingIsDone()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("api-known"), Ct);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var unknown = await responder.PostAsJsonAsync("/v1/actions", new { kind = "revoke_subject_sessions", subject_id = "jane", alert_id = "api-nobody-raised" }, Ct);

        var problem = await HttpProblem.ReadNamingAsync(unknown, HttpStatusCode.NotFound, "api-nobody-raised");
        Assert.Equal("alert_id", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "api-nobody-raised"), Ct));

        using var known = await responder.PostAsJsonAsync("/v1/actions", new { kind = "revoke_subject_sessions", subject_id = "jane", alert_id = "api-known" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        var listed = (await responder.GetFromJsonAsync<JsonElement>("/v1/alerts/api-known", Ct)).GetProperty("actions").EnumerateArray();
        Assert.Contains(listed, a => a.GetProperty("kind").GetString() == ActionKinds.RevokeSubjectSessions);
    }

    [Fact]
    public async Task Responder_TriggersIsolationThenReleasesIt()
    {
        var isolator = new RecordingIsolator();
        await using var host = await new ResponderTestHost().With<IWorkloadIsolator>(isolator).StartAsync();
        var ct = Ct;
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var bad = await responder.PostAsJsonAsync("/v1/actions", new { kind = "isolate_workload" }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("workload_id", await bad.Content.ReadAsStringAsync(ct));

        var trigger = await responder.PostAsJsonAsync("/v1/actions", new { kind = "isolate_workload", workload_id = "pod-42", @namespace = "shop", name = "cart", ttl_seconds = 600 }, ct);
        Assert.Equal(HttpStatusCode.Accepted, trigger.StatusCode);
        var id = (await trigger.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
        await host.UntilStateAsync(id, ActionStates.Active);

        var extend = await responder.PostAsJsonAsync($"/v1/actions/{id}/extend", new { ttl_seconds = 3600 }, ct);
        Assert.Equal(HttpStatusCode.OK, extend.StatusCode);
        var release = await responder.PostAsync($"/v1/actions/{id}/release", null, ct);
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        await host.UntilStateAsync(id, ActionStates.Released);
        Assert.Equal(["isolate pod-42", "release pod-42"], isolator.Calls);

        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var byActor = await analyst.GetFromJsonAsync<JsonElement>($"/v1/audit?actor=rex&action_id={id}", ct);
        Assert.Contains(byActor.EnumerateArray(), e => e.GetProperty("kind").GetString() == "action.extended");
        Assert.Contains(byActor.EnumerateArray(), e => e.GetProperty("kind").GetString() == "action.release_requested");
        Assert.All(byActor.EnumerateArray(), e => Assert.Equal("rex", e.GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task Verdict_FalsePositive_AppendsFeedbackForTheVerifierAndStopsFurtherActions()
    {
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical).StartAsync();
        var ct = Ct;
        var processor = host.Get<AlertProcessor>();
        var alert = TestAlerts.Critical("fp-1") with { Token = null };
        await processor.HandleAsync(alert, ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync("/v1/alerts/fp-1/verdict", new { verdict = "maybe" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsJsonAsync("/v1/alerts/nope/verdict", new { verdict = "false_positive" }, ct)).StatusCode);
        var response = await analyst.PostAsJsonAsync("/v1/alerts/fp-1/verdict", new { verdict = "false_positive", note = "pen test" }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var record = Assert.Single(host.EventLog.Appended(Topics.Feedback));
        var feedback = ContractJson.DeserializeFeedback(record.Value.Span);
        Assert.Equal("fp-1", feedback.AlertId);
        Assert.Equal("false_positive", feedback.Verdict);
        Assert.Equal("alice", record.Key);
        Assert.Equal(["policy/token_workload_mismatch"], feedback.Rules);
        Assert.Equal("ana", feedback.By);

        // The deduplicated alert fires again, now with a token: the verdict keeps the responder from acting.
        await processor.HandleAsync(TestAlerts.Critical("fp-1", count: 2), ct);
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "fp-1"), ct));
        var list = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?status=false_positive", ct);
        Assert.Equal("fp-1", list.GetProperty("items")[0].GetProperty("alert").GetProperty("id").GetString());
        var history = await host.Get<AlertStore>().HistoryAsync("fp-1", ct);
        Assert.Equal(["created", "verdict", "updated"], history.Select(h => h.Change));
    }

    [Fact]
    public async Task Alerts_ListFiltersAndPages()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var processor = host.Get<AlertProcessor>();
        for (var i = 0; i < 5; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"page-{i}", principal: i % 2 == 0 ? "bob" : "carol") with
            {
                LastSeen = new DateTimeOffset(2026, 3, 2, 8, 0, i, TimeSpan.Zero),
                Severity = i == 4 ? Severities.Medium : Severities.Critical,
            }, ct);
        }

        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var bob = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?principal=bob", ct);
        Assert.Equal(3, bob.GetProperty("items").GetArrayLength());
        var page = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?limit=2&offset=1", ct);
        Assert.Equal(["page-3", "page-2"], page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("alert").GetProperty("id").GetString()));
        var medium = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?severity=medium", ct);
        Assert.Equal("page-4", medium.GetProperty("items")[0].GetProperty("alert").GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync("/v1/alerts?since=yesterday", ct)).StatusCode);
    }
}
