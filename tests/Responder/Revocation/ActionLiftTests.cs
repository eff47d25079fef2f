using ZtStream.Contracts.Revocations;
using ZtStream.Contracts.Serialization;

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
        Assert.True((await host.Get<AuditLog>().VerifyAsync(null, Ct)).Intact);
    }

    [Fact]
    public async Task Lift_TheSecondEntrysAuditFails_NeitherEntryIsLifted_AndTheRetryLiftsBoth()
    {
        // Over Kestrel, so the failure is answered as a client sees it rather than rethrown into the test.
        await using var host = await new ResponderTestHost { UseKestrel = true }.StartAsync();
        var action = await RevocationAsync(host, null, ("jti-2b81", null), (null, "sid-77d0"));
        await host.ExecuteSqlAsync("""
            CREATE TRIGGER refuse_entries BEFORE INSERT ON responder_audit WHEN NEW.kind = 'revocation.lifted' AND NEW.summary LIKE '%session sid-77d0%'
            BEGIN SELECT RAISE(ABORT, 'audit write refused'); END
            """);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using (var failed = await responder.PostAsJsonAsync($"/v1/actions/{action.Id}/lift", new { reason = "wrong person" }, Ct))
        {
            Assert.True((int)failed.StatusCode >= 500, $"expected a server error, got {(int)failed.StatusCode}");
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

    [Fact]
    public async Task Lift_Refusals_AreProblemDocuments_NamingWhy()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var done = await RevocationAsync(host, null, ("jti-c401", null));
        var pending = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.PendingApproval, minutesAgo: 1) with { Jti = "jti-pending" };
        await host.Get<ActionStore>().TryInsertAsync(pending, Ct);
        var isolation = TestActions.Manual(host, ActionKinds.IsolateWorkload, ActionStates.Active, minutesAgo: 1) with { WorkloadId = "shop/cart-5d9f" };
        await host.Get<ActionStore>().TryInsertAsync(isolation, Ct);
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

    /// <summary>A done revocation filed under <paramref name="alertId"/> with one entry per (jti, session id) on the list, expiring in an hour.</summary>
    private static async Task<ActionRecord> RevocationAsync(ResponderTestHost host, string? alertId, params (string? Jti, string? Session)[] entries)
    {
        var action = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Done, minutesAgo: 1) with { AlertId = alertId };
        await host.Get<ActionStore>().TryInsertAsync(action, Ct);
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
