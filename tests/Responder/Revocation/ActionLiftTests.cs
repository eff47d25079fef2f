namespace ZtStream.Responder.Tests.Revocation;

/// <summary>
/// <c>POST /v1/actions/{id}/lift</c>: every entry a revocation put on the list is lifted by one request in one commit
/// (each with its <c>revocation.lifted</c> entry), or none is; each refusal is a problem document.
/// </summary>
public sealed class ActionLiftTests
{
    [Fact]
    public async Task Lift_TokenAndSession_BothLeaveTheList_OneAuditEntryEach_ARepeatChangesNothing()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var action = await RevocationAsync(host, "alert-lift-1", ("jti-7f3a", null), (null, "sid-19c2"));
        await RevocationAsync(host, null, ("jti-bystander", null));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var lifted = await responder.PostAsJsonAsync($"/v1/actions/{action.Id}/lift", new { reason = "the new laptop was hers" }, Ct);

        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        var body = await lifted.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(action.Id.ToString(), body.GetProperty("action_id").GetString());
        var lifts = body.GetProperty("lifts").EnumerateArray().ToList();
        Assert.Equal([("jti-7f3a", null), (null, "sid-19c2")], lifts.Select(l => (Text(l, "jti"), Text(l, "session_id"))));
        Assert.All(lifts, l => Assert.Equal("the new laptop was hers", Text(l, "reason")));
        Assert.Equal(["jti-bystander"], (await host.RevocationSnapshotAsync()).Revocations.Select(r => r.Jti));

        var audited = await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct);
        Assert.Equal(2, audited.Count);
        Assert.All(audited, e => Assert.Equal(("rex", action.Id.ToString(), "alert-lift-1"), (e.Actor, e.ActionId, e.AlertId)));

        // The same request again (a retry after a lost answer): the same lifts, nothing written.
        using var again = await responder.PostAsJsonAsync($"/v1/actions/{action.Id}/lift", new { reason = "the new laptop was hers" }, Ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var repeated = (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("lifts").EnumerateArray();
        Assert.Equal(lifts.Select(l => l.GetProperty("version").GetInt64()), repeated.Select(l => l.GetProperty("version").GetInt64()));
        Assert.Equal(2, (await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct)).Count);
        await host.AssertAuditIntactAsync();
    }

    [Fact]
    public async Task Lift_TheSecondEntrysAuditFails_NeitherEntryIsLifted_AndTheRetryLiftsBoth()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var action = await RevocationAsync(host, null, ("jti-2b81", null), (null, "sid-77d0"));
        await host.RefuseAuditEntriesAsync(AuditKinds.RevocationLifted, naming: "session sid-77d0");
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        // The test host answers through the platform's pipeline, as ztstream run does: a problem document, not an empty
        // 500 (before, the test server had no exception handler and the test had to go over Kestrel to see any answer).
        using (var failed = await responder.PostAsJsonAsync($"/v1/actions/{action.Id}/lift", new { reason = "wrong person" }, Ct))
        {
            var problem = await HttpProblem.ReadAsync(failed, HttpStatusCode.InternalServerError);
            Assert.Equal((500, $"/v1/actions/{action.Id}/lift"), (problem.GetProperty("status").GetInt32(), problem.GetProperty("instance").GetString()));
            Assert.Contains("failed on the server", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Before, the console lifted the token's entry, then failed on the session's: half a revocation lifted.
        Assert.Equal([("jti-2b81", null), (null, "sid-77d0")], (await host.RevocationSnapshotAsync()).Revocations.Select(r => (r.Jti, r.SessionId)));
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct));

        await host.AcceptAuditEntriesAsync();
        using (var retried = await responder.PostAsJsonAsync($"/v1/actions/{action.Id}/lift", new { reason = "wrong person" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        }

        Assert.Empty((await host.RevocationSnapshotAsync()).Revocations);
        Assert.Equal(2, (await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct)).Count);
    }

    /// <summary>
    /// A revocation whose driver failed, lifted: what the list took before an identity provider's driver failed is in
    /// force (the SDKs refuse the token), so lifting it lifts that; one whose list write failed listed nothing, and its
    /// lift is a 409 naming the failed state and its reason rather than a bare "nothing on the list".
    /// </summary>
    [Fact]
    public async Task Lift_AFailedRevocation_LiftsWhatTheListTook_OrSaysItFailedWithNothingToLift()
    {
        var idp = new CountingRevoker { FailuresLeft = int.MaxValue };
        await using var host = await new ResponderTestHost().With<ITokenRevoker>(idp).StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var partly = await TriggerAsync(responder, "jti-idp-down");
        await host.UntilStateAsync(partly, ActionStates.Failed);
        Assert.Equal(["jti-idp-down"], (await host.RevocationSnapshotAsync()).Revocations.Select(r => r.Jti));

        using (var lifted = await responder.PostAsJsonAsync($"/v1/actions/{partly}/lift", new { reason = "the IdP never revoked it; the user needs the token back" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
            Assert.Equal(["jti-idp-down"], (await lifted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("lifts").EnumerateArray().Select(l => Text(l, "jti")));
        }

        Assert.Empty((await host.RevocationSnapshotAsync()).Revocations);
        Assert.Equal(ActionStates.Failed, await host.StateOfAsync(partly));

        // The list itself refuses the entry: every attempt fails before anything is listed.
        await host.ExecuteSqlAsync("""
            CREATE TRIGGER refuse_revocations BEFORE INSERT ON responder_revocations
            BEGIN SELECT RAISE(ABORT, 'revocation list write refused'); END
            """);
        var unlisted = await TriggerAsync(responder, "jti-never-listed");
        await host.UntilStateAsync(unlisted, ActionStates.Failed);
        await host.ExecuteSqlAsync("DROP TRIGGER refuse_revocations");

        var refused = await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{unlisted}/lift", new { reason = "r" }, Ct), 409, "the action is failed (");
        Assert.Contains("revocation list write refused", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("nothing to lift", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct));
    }

    [Fact]
    public async Task Lift_Refusals_AreProblemDocuments_NamingWhy()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var done = await RevocationAsync(host, null, ("jti-c401", null));
        var pending = await host.StoreAsync(TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.PendingApproval, minutesAgo: 1) with { Jti = "jti-pending" });
        var isolation = await host.StoreAsync(TestActions.Manual(host, ActionKinds.IsolateWorkload, ActionStates.Active, minutesAgo: 1) with { WorkloadId = "shop/cart-5d9f" });
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var other = host.ClientFor(ResponderTestHost.AnalystToken);

        await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{Guid.NewGuid()}/lift", new { reason = "r" }, Ct), 404, "no action");
        await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{pending.Id}/lift", new { reason = "r" }, Ct), 409, "pending_approval");
        await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{isolation.Id}/lift", new { reason = "r" }, Ct), 409, "released");
        await AssertProblemAsync(await other.PostAsJsonAsync($"/v1/actions/{done.Id}/lift", new { reason = "r" }, Ct), 403, null);
        var missing = await responder.PostAsJsonAsync($"/v1/actions/{done.Id}/lift", new { }, Ct);
        Assert.Equal("reason", (await AssertProblemAsync(missing, 400, "reason")).GetProperty("errors")[0].GetProperty("field").GetString());
        await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{done.Id}/lift", new { reasn = "typo" }, Ct), 400, "reasn");
        Assert.Single((await host.RevocationSnapshotAsync()).Revocations);

        // Lifted by one responder, then asked again by another with another reason: a 409 naming who lifted it and why.
        var admin = host.ClientFor(ResponderTestHost.ResponderToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/v1/actions/{done.Id}/lift", new { reason = "a test token" }, Ct)).StatusCode);
        var conflict = await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{done.Id}/lift", new { reason = "another reason" }, Ct), 409, "lifted by rex");
        Assert.Contains("a test token", conflict.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // An entry past its expiry is not in force: nothing to lift.
        var expired = await RevocationAsync(host, null, ("jti-old", null));
        host.Time.Advance(TimeSpan.FromHours(2));
        await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/actions/{expired.Id}/lift", new { reason = "r" }, Ct), 409, "expired");
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct));
    }

    /// <summary>
    /// Both lifts — one entry by its version, every entry of an action — check the reason alike: missing, blank or past
    /// 2,000 characters is a 400 naming <c>reason</c>, and the entries stay in force. Before, the one entry's lift took a
    /// reason of any length into the audit trail.
    /// </summary>
    [Fact]
    public async Task LiftReason_MissingBlankOrTooLong_IsRefusedAlikeByBothLifts()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var action = await RevocationAsync(host, null, ("jti-5e21", null));
        var entry = Assert.Single((await host.RevocationSnapshotAsync()).Revocations);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        foreach (var path in new[] { $"/v1/revocations/{entry.Version}/lift", $"/v1/actions/{action.Id}/lift" })
        {
            foreach (var (body, why) in new (object Body, string Why)[] { (new { }, "required"), (new { reason = "  " }, "required"), (new { reason = new string('r', 2001) }, "at most 2000 characters") })
            {
                var problem = await AssertProblemAsync(await responder.PostAsJsonAsync(path, body, Ct), 400, why);
                var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
                Assert.Equal((0, "reason"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));
            }
        }

        Assert.Equal(["jti-5e21"], (await host.RevocationSnapshotAsync()).Revocations.Select(r => r.Jti));
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct));
    }

    /// <summary>
    /// An entry lifted already, lifted again by its version: a 409 whose <c>current_version</c> (a problem-details
    /// extension member) is the lift's version — the stream's id of the lift — and whose detail says when and why.
    /// </summary>
    [Fact]
    public async Task EntryLift_OfALiftedEntry_Is409_WithTheLiftsVersionAsCurrentVersion()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        await RevocationAsync(host, null, ("jti-0b7d", null));
        var entry = Assert.Single((await host.RevocationSnapshotAsync()).Revocations);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        using var first = await responder.PostAsJsonAsync($"/v1/revocations/{entry.Version}/lift", new { reason = "the token was rotated" }, Ct);
        var lift = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("version").GetInt64();

        var again = await AssertProblemAsync(await responder.PostAsJsonAsync($"/v1/revocations/{entry.Version}/lift", new { reason = "me too" }, Ct), 409, "the token was rotated");

        Assert.Equal(lift, again.GetProperty("current_version").GetInt64());
        Assert.True(lift > entry.Version);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), Ct));
    }

    /// <summary>Triggers a revocation of <paramref name="jti"/> by hand; answers its action's id.</summary>
    private static async Task<Guid> TriggerAsync(HttpClient responder, string jti)
    {
        using var answer = await responder.PostAsJsonAsync("/v1/actions", new { kind = ActionKinds.RevokeToken, jti, reason = "stolen laptop" }, Ct);
        Assert.True(answer.IsSuccessStatusCode, $"trigger answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(Ct)}");
        return (await answer.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    /// <summary>A done revocation filed under <paramref name="alertId"/> with one entry per (jti, session id) on the list, expiring in an hour.</summary>
    private static async Task<ActionRecord> RevocationAsync(ResponderTestHost host, string? alertId, params (string? Jti, string? Session)[] entries)
    {
        var action = await host.StoreAsync(TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Done, minutesAgo: 1) with { AlertId = alertId });
        foreach (var (jti, session) in entries)
        {
            await host.Get<RevocationStore>().AddAsync(
                new RevocationRequest(action.Id, jti is null ? RevocationStore.SessionEntry : RevocationStore.JtiEntry, jti, session, null, null, "t", host.Time.GetUtcNow().AddHours(1)),
                Ct);
        }

        return action;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string? detail)
    {
        using (response)
        {
            return detail is null
                ? await HttpProblem.ReadAsync(response, (HttpStatusCode)status)
                : await HttpProblem.ReadNamingAsync(response, (HttpStatusCode)status, detail);
        }
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;
}
