using System.Data.Common;

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
        await RefuseAsync(host, AuditKinds.Decision);

        await Assert.ThrowsAnyAsync<DbException>(() => service.CreateAsync(pending, "policy:test", Ct));

        Assert.Null(await host.Get<ActionStore>().GetAsync(pending.Id, Ct));

        await AllowAsync(host);
        var (stored, created) = await service.CreateAsync(pending, "policy:test", Ct);
        Assert.True(created);
        Assert.Equal(ActionStates.PendingApproval, stored.State);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: pending.Id.ToString(), Kind: AuditKinds.Decision), Ct));
    }

    [Fact]
    public async Task Approval_AuditWriteFails_TheActionStaysPending_AndNoCommandIsSent()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var pending = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.PendingApproval, minutesAgo: 2) with { Jti = "jti-held" };
        await host.Get<ActionStore>().TryInsertAsync(pending, Ct);
        await RefuseAsync(host, AuditKinds.Approved);

        await Assert.ThrowsAnyAsync<DbException>(() => host.Get<ActionService>().ApproveAsync(pending.Id, "rex", Ct));

        Assert.Equal(ActionStates.PendingApproval, await host.StateOfAsync(pending.Id));
        Assert.False(host.Harness.Sent.Select<RevokeToken>().Any());
    }

    [Fact]
    public async Task Completion_AuditWriteFails_TheActionIsNotMarkedDone_AndALaterCompletionIsRecordedOnce()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var service = host.Get<ActionService>();
        var dispatched = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.Dispatched, minutesAgo: 1) with { Jti = "jti-in-flight" };
        await host.Get<ActionStore>().TryInsertAsync(dispatched, Ct);
        await RefuseAsync(host, AuditKinds.Completed);

        await Assert.ThrowsAnyAsync<DbException>(() => service.CompleteAsync(dispatched, new WorkDone("revoked", Changed: true), Ct));

        Assert.Equal(ActionStates.Dispatched, await host.StateOfAsync(dispatched.Id));

        await AllowAsync(host);
        var (change, after) = await service.CompleteAsync(dispatched, new WorkDone("revoked", Changed: true), Ct);
        Assert.Equal(ActionChange.Done, change);
        Assert.Equal(ActionStates.Done, after!.State);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: dispatched.Id.ToString(), Kind: AuditKinds.Completed), Ct));
    }

    private static Task RefuseAsync(ResponderTestHost host, string kind) => ExecuteAsync(host, $"""
        CREATE TRIGGER refuse_entries BEFORE INSERT ON responder_audit WHEN NEW.kind = '{kind}'
        BEGIN SELECT RAISE(ABORT, 'audit write refused'); END
        """);

    private static Task AllowAsync(ResponderTestHost host) => ExecuteAsync(host, "DROP TRIGGER refuse_entries");

    private static async Task ExecuteAsync(ResponderTestHost host, string sql)
    {
        await using var connection = await host.Get<IStore>().OpenAsync(Ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: Ct));
    }
}
