namespace ZtStream.Responder.Tests.Actions;

/// <summary>An action's state change and the audit entry that records it commit together, or neither does.</summary>
public sealed class ActionAuditTests
{
    [Fact]
    public async Task Decision_AuditWriteFails_NoActionIsStored_AndDecidingAgainStoresItOnce()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var service = host.Get<ActionService>();
        var pending = TestActions.Manual(host, ActionKinds.RevokeSubjectSessions, ActionStates.PendingApproval, minutesAgo: 0) with { SubjectId = "carol" };
        await host.RefuseAuditEntriesAsync(AuditKinds.Decision);

        await Assert.ThrowsAnyAsync<DbException>(() => service.CreateAsync(pending, "policy:test", Ct));

        Assert.Null(await host.Get<ActionStore>().GetAsync(pending.Id, Ct));

        await host.AcceptAuditEntriesAsync();
        var (stored, created) = await service.CreateAsync(pending, "policy:test", Ct);
        Assert.True(created);
        Assert.Equal(ActionStates.PendingApproval, stored.State);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: pending.Id.ToString(), Kind: AuditKinds.Decision), Ct));
    }

    [Fact]
    public async Task Approval_AuditWriteFails_TheActionStaysPending_AndNoCommandIsSent()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var pending = await host.StoreAsync(TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.PendingApproval, minutesAgo: 2) with { Jti = "jti-held" });
        await host.RefuseAuditEntriesAsync(AuditKinds.Approved);

        await Assert.ThrowsAnyAsync<DbException>(() => host.Get<ActionService>().ApproveAsync(pending.Id, "rex", Ct));

        Assert.Equal(ActionStates.PendingApproval, await host.StateOfAsync(pending.Id));
        Assert.False(host.Harness.Sent.Select<RevokeToken>().Any());
    }

    [Fact]
    public async Task Completion_AuditWriteFails_TheActionIsNotMarkedDone_AndALaterCompletionIsRecordedOnce()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var service = host.Get<ActionService>();
        var dispatched = await host.StoreAsync(TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Dispatched, minutesAgo: 1) with { Jti = "jti-in-flight" });
        await host.RefuseAuditEntriesAsync(AuditKinds.Completed);

        await Assert.ThrowsAnyAsync<DbException>(() => service.CompleteAsync(dispatched, new WorkDone("revoked", Changed: true), Ct));

        Assert.Equal(ActionStates.Dispatched, await host.StateOfAsync(dispatched.Id));

        await host.AcceptAuditEntriesAsync();
        var (change, after) = await service.CompleteAsync(dispatched, new WorkDone("revoked", Changed: true), Ct);
        Assert.Equal(ActionChange.Done, change);
        Assert.Equal(ActionStates.Done, after!.State);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: dispatched.Id.ToString(), Kind: AuditKinds.Completed), Ct));
    }

    /// <summary>
    /// A response storm's count and the entry recording it commit together: before, the storm alert was stored first,
    /// so a refused <c>alert.storm</c> entry left the storm counted with no entry, and the alert's redelivery (the held
    /// action was never stored, so it is decided again) counted the same action a second time, again with no entry.
    /// </summary>
    [Fact]
    public async Task Storm_AuditWriteFails_NoCountIsKept_AndTheRedeliveryCountsTheHeldActionOnceWithItsEntry()
    {
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical).StartAsync();
        var processor = host.Get<AlertProcessor>();
        for (var i = 0; i < 5; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"within-budget-{i}", principal: $"user-{i}"), Ct);
        }

        var held = TestAlerts.Critical("past-budget", principal: "mallory");
        await host.RefuseAuditEntriesAsync(AuditKinds.StormRaised);

        await Assert.ThrowsAnyAsync<DbException>(() => processor.HandleAsync(held, Ct));

        Assert.Empty(await host.Get<AlertStore>().QueryAsync(new AlertQuery(Detector: Detectors.Responder), Ct));

        await host.AcceptAuditEntriesAsync();
        await processor.HandleAsync(held, Ct);
        await processor.HandleAsync(held, Ct);
        await processor.HandleAsync(TestAlerts.Critical("past-budget-too", principal: "trudy"), Ct);

        var storm = Assert.Single(await host.Get<AlertStore>().QueryAsync(new AlertQuery(Detector: Detectors.Responder), Ct));
        Assert.Equal(2, storm.Alert.Count);
        var entries = await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: storm.Alert.Id), Ct);
        Assert.Equal([AuditKinds.StormRaised, AuditKinds.AlertUpdated], entries.Select(e => e.Kind));
        var actions = await host.Get<ActionStore>().QueryAsync(new ActionQuery(State: ActionStates.PendingApproval), Ct);
        Assert.Equal(
            actions.Select(a => a.Id.ToString()).Order(StringComparer.Ordinal),
            entries.Select(e => e.ActionId!).Order(StringComparer.Ordinal));
    }
}
