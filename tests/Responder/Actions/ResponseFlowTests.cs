namespace ZtStream.Responder.Tests.Actions;

public sealed class ResponseFlowTests
{
    internal const string RevokeCritical = """
        rules:
          - name: revoke-critical
            severity: critical
            action: revoke_token
            mode: automatic
        budget:
          max_automatic: 5
          max_automatic_per_namespace: 5
          window: 1m
        """;

    internal const string IsolateCritical = """
        rules:
          - name: isolate-critical
            severity: critical
            action: isolate_workload
            mode: automatic
        isolation:
          default_ttl: 10m
        approval:
          expires_after: 30m
        """;

    [Fact]
    public async Task CriticalAlert_AutomaticPolicy_OneRevokeTokenOnTheFeed_EvenWhenDeliveredTwice()
    {
        await using var host = await new ResponderTestHost(RevokeCritical).StartAsync();
        var alert = TestAlerts.Critical("a-1", jti: "jti-stolen");

        await host.PublishAlertAsync(alert);
        await host.PublishAlertAsync(alert);
        await Eventually.HoldsAsync(() => Task.FromResult(host.EventLog.Handled == 2), "both deliveries handled");

        var actions = host.Get<ActionStore>();
        await Eventually.HoldsAsync(
            async () => (await actions.QueryAsync(new ActionQuery(AlertId: "a-1"), default)).SingleOrDefault()?.State == ActionStates.Done,
            "the revocation is done");
        Assert.True(await host.Harness.Consumed.Any<RevokeToken>(Ct));
        Assert.False(await host.Harness.Published.Any<Fault<RevokeToken>>(Ct));
        Assert.Single(host.Harness.Consumed.Select<RevokeToken>());
        Assert.Single(await actions.QueryAsync(new ActionQuery(AlertId: "a-1"), default));

        var snapshot = await host.Get<RevocationStore>().SnapshotAsync(default);
        var entry = Assert.Single(snapshot.Revocations);
        Assert.Equal("jti-stolen", entry.Jti);
        Assert.Equal(snapshot.Version, entry.Version);

        var history = await host.Get<AlertStore>().HistoryAsync("a-1", default);
        Assert.Single(history);
    }

    /// <summary>
    /// The Verifier completes an occurrence (a Kubernetes request's outcome, scored after its first stage) without counting
    /// it again: the same count with a reason more is stored; the same alert delivered again, or the older one, is not.
    /// </summary>
    [Fact]
    public async Task SameCountCompletedWithAReason_UpdatesTheAlert_ItsRedeliveryDoesNot()
    {
        await using var host = await new ResponderTestHost(RevokeCritical).StartAsync();
        var processor = host.Get<AlertProcessor>();
        var first = TestAlerts.Critical("a-7");
        var completed = first with { Reasons = [.. first.Reasons, new AlertReason(Detectors.Rule, "k8s-pod-exec", 40, "exec into a pod")] };

        Assert.Equal(AlertUpsertOutcome.Created, await processor.HandleAsync(first, default));
        Assert.Equal(AlertUpsertOutcome.Updated, await processor.HandleAsync(completed, default));
        Assert.Equal(AlertUpsertOutcome.Duplicate, await processor.HandleAsync(completed, default));
        Assert.Equal(AlertUpsertOutcome.Duplicate, await processor.HandleAsync(first, default));

        var stored = await host.Get<AlertStore>().GetAsync("a-7", default);
        Assert.Equal(1, stored!.Alert.Count);
        Assert.Equal(["token_workload_mismatch", "k8s-pod-exec"], stored.Alert.Reasons.Select(r => r.Rule));
    }

    [Fact]
    public async Task DeduplicatedAlert_HigherCount_UpdatesAlertButKeepsOneAction()
    {
        await using var host = await new ResponderTestHost(RevokeCritical).StartAsync();
        var processor = host.Get<AlertProcessor>();

        Assert.Equal(AlertUpsertOutcome.Created, await processor.HandleAsync(TestAlerts.Critical("a-2"), default));
        Assert.Equal(AlertUpsertOutcome.Updated, await processor.HandleAsync(TestAlerts.Critical("a-2", count: 3) with { Score = 99 }, default));
        Assert.Equal(AlertUpsertOutcome.Duplicate, await processor.HandleAsync(TestAlerts.Critical("a-2", count: 2), default));

        var stored = await host.Get<AlertStore>().GetAsync("a-2", default);
        Assert.Equal(3, stored!.Alert.Count);
        Assert.Equal(99, stored.Alert.Score);
        var history = await host.Get<AlertStore>().HistoryAsync("a-2", default);
        Assert.Equal(["created", "updated"], history.Select(h => h.Change));
        Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "a-2"), default));
    }

    [Fact]
    public async Task BlastRadius_FiftyCriticalAlertsInAMinute_FiveAutomaticFortyFiveWaitingOneStorm()
    {
        await using var host = await new ResponderTestHost(RevokeCritical).StartAsync();
        var processor = host.Get<AlertProcessor>();

        for (var i = 0; i < 50; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"burst-{i}", principal: $"user-{i}"), default);
            host.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var all = await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 1000), default);
        Assert.Equal(50, all.Count);
        Assert.Equal(5, all.Count(a => a.Mode == "automatic"));
        Assert.Equal(45, all.Count(a => a.State == ActionStates.PendingApproval));
        Assert.All(all.Where(a => a.State == ActionStates.PendingApproval), a => Assert.Contains("blast-radius budget", a.Decision));
        var storms = await host.Get<AlertStore>().QueryAsync(new AlertQuery(Detector: Detectors.Responder), default);
        var storm = Assert.Single(storms);
        Assert.Equal(45, storm.Alert.Count);
        // Five actions revoked: a command the scheduler re-sent (its first send not yet completed when the fake clock
        // passed RedispatchAfter) is the same action again, so actions are counted, not messages.
        await Eventually.HoldsAsync(
            () => Task.FromResult(host.Harness.Consumed.Select<RevokeToken>().Select(m => m.Context.Message.ActionId).Distinct().Count() == 5),
            "five revocations consumed");
    }

    /// <summary>Isolates automatically, at most two workloads of one namespace in five minutes.</summary>
    internal const string IsolateTwoPerNamespace = """
        rules:
          - name: isolate
            severity: high
            action: isolate_workload
            mode: automatic
        budget:
          max_automatic: 10
          max_automatic_per_namespace: 2
          window: 5m
        """;

    [Fact]
    public async Task BlastRadius_PerNamespaceBudget_HoldsOnlyThatNamespace()
    {
        await using var host = await new ResponderTestHost(IsolateTwoPerNamespace).With<IWorkloadIsolator>(new RecordingIsolator()).StartAsync();
        var processor = host.Get<AlertProcessor>();
        for (var i = 0; i < 4; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"ns-a-{i}", workload: new AlertWorkload($"pod-a-{i}", "shop", $"pod-a-{i}")), default);
        }

        await processor.HandleAsync(TestAlerts.Critical("ns-b-0", workload: new AlertWorkload("pod-b-0", "billing", "pod-b-0")), default);

        var all = await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 100), default);
        Assert.Equal(2, all.Count(a => a.Namespace == "shop" && a.Mode == "automatic"));
        Assert.Equal(2, all.Count(a => a.Namespace == "shop" && a.State == ActionStates.PendingApproval));
        Assert.Equal("automatic", all.Single(a => a.Namespace == "billing").Mode);
    }

    [Fact]
    public async Task Isolation_PastItsTtl_IsReleasedAndTheAuditShowsBoth()
    {
        var isolator = new RecordingIsolator();
        await using var host = await new ResponderTestHost(IsolateCritical).With<IWorkloadIsolator>(isolator).StartAsync();
        var isolation = await host.RaiseAsync(TestAlerts.Critical("ttl-1", workload: new AlertWorkload("pod-7", "shop", "cart-7")));
        await host.UntilStateAsync(isolation.Id, ActionStates.Active);
        Assert.True(isolator.IsIsolated("pod-7"));
        var active = await host.Get<ActionStore>().GetAsync(isolation.Id, default);
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMinutes(10), active!.ExpiresAt);

        await host.PassAsync(TimeSpan.FromMinutes(9));
        Assert.Equal(ActionStates.Active, await host.StateOfAsync(isolation.Id));
        await host.PassAsync(TimeSpan.FromMinutes(2));

        await host.UntilStateAsync(isolation.Id, ActionStates.Released);
        Assert.False(isolator.IsIsolated("pod-7"));
        Assert.Equal(["isolate pod-7", "release pod-7"], isolator.Calls);
        Assert.True(await host.Harness.Consumed.Any<ReleaseWorkload>(Ct));
        Assert.False(await host.Harness.Published.Any<Fault<ReleaseWorkload>>(Ct));

        var audit = host.Get<AuditLog>();
        var trail = await audit.QueryAsync(new AuditQuery(ActionId: isolation.Id.ToString()), default);
        Assert.Contains(trail, e => e.Kind == AuditKinds.Completed && e.Summary.Contains("isolate_workload", StringComparison.Ordinal));
        Assert.Contains(trail, e => e.Kind == AuditKinds.ReleaseRequested && e.Actor == "ttl");
        var release = await audit.QueryAsync(new AuditQuery(Kind: AuditKinds.Completed, AlertId: "ttl-1"), default);
        Assert.Contains(release, e => e.Summary.StartsWith("release_workload", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolation_Extended_IsNotReleasedAtTheOldTime()
    {
        var isolator = new RecordingIsolator();
        await using var host = await new ResponderTestHost(IsolateCritical).With<IWorkloadIsolator>(isolator).StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("ext-1", workload: new AlertWorkload("pod-8", "shop", "cart-8")))).Id;
        await host.UntilStateAsync(id, ActionStates.Active);

        host.Time.Advance(TimeSpan.FromMinutes(8));
        var (change, extended) = await host.Get<ActionService>().ExtendAsync(id, TimeSpan.FromHours(1), "rex", default);
        Assert.Equal(ActionChange.Done, change);
        await host.PassAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(ActionStates.Active, await host.StateOfAsync(id));
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMinutes(55), extended!.ExpiresAt);
    }

    [Fact]
    public async Task Command_FailingEveryAttempt_EndsAsActionFailedWithTheReason()
    {
        var isolator = new RecordingIsolator { FailuresLeft = int.MaxValue };
        await using var host = await new ResponderTestHost(IsolateCritical).With<IWorkloadIsolator>(isolator).StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("fail-1", workload: new AlertWorkload("pod-9", "shop", "cart-9")))).Id;

        await host.UntilStateAsync(id, ActionStates.Failed);
        var failed = await host.Get<ActionStore>().GetAsync(id, default);
        Assert.Contains("the isolation API answered 500", failed!.Error);
        Assert.Contains("gave up after 3 attempts", failed.Error);
        Assert.Equal(3, isolator.Calls.Count);
        Assert.True(await host.Harness.Published.Any<ActionFailed>(x => x.Context.Message.ActionId == id, Ct));
        var trail = await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: id.ToString()), default);
        Assert.Equal(2, trail.Count(e => e.Kind == AuditKinds.AttemptFailed));
        Assert.Single(trail, e => e.Kind == AuditKinds.Failed);
    }

    [Fact]
    public async Task Command_FailingOnce_SucceedsOnRetry()
    {
        var revoker = new CountingRevoker { FailuresLeft = 1 };
        await using var host = await new ResponderTestHost(RevokeCritical).With<ITokenRevoker>(revoker).StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("retry-1"))).Id;

        await host.UntilStateAsync(id, ActionStates.Done);
        Assert.Equal(2, revoker.Calls);
        var done = await host.Get<ActionStore>().GetAsync(id, default);
        Assert.Contains("revocation-list", done!.Detail);
        Assert.Contains("counting: revoked at the IdP", done.Detail);
        Assert.Single((await host.Get<RevocationStore>().SnapshotAsync(default)).Revocations);
    }

    [Fact]
    public async Task Isolation_WithoutAnyIsolator_FailsAtOnceWithAClearReason()
    {
        await using var host = await new ResponderTestHost(IsolateCritical).StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("noiso-1", workload: new AlertWorkload("pod-1", "shop", "cart-1")))).Id;

        await host.UntilStateAsync(id, ActionStates.Failed);
        var failed = await host.Get<ActionStore>().GetAsync(id, default);
        Assert.Contains("no workload isolator is configured", failed!.Error);
        Assert.Equal(1, failed.Attempts);
    }

    [Fact]
    public async Task SameCommandDeliveredTwice_DoesTheWorkOnce()
    {
        var revoker = new CountingRevoker();
        await using var host = await new ResponderTestHost().With<ITokenRevoker>(revoker).StartAsync();
        var command = new RevokeToken { ActionId = Guid.NewGuid(), Jti = "jti-twice", Reason = "test", RequestedBy = "cli" };
        var bus = host.Get<IBus>();

        await bus.Publish(command, Ct);
        await host.UntilStateAsync(command.ActionId, ActionStates.Done);
        await bus.Publish(command, Ct);
        await Eventually.HoldsAsync(() => Task.FromResult(host.Harness.Consumed.Select<RevokeToken>().Count() == 2), "second consumed");

        Assert.Equal(1, revoker.Calls);
        Assert.Single((await host.Get<RevocationStore>().SnapshotAsync(default)).Revocations);
        Assert.Equal("manual", (await host.Get<ActionStore>().GetAsync(command.ActionId, default))!.Mode);
    }

    [Fact]
    public async Task PendingApproval_PastItsExpiry_Expires()
    {
        const string policy = """
            rules:
              - name: ask
                action: revoke_subject_sessions
                mode: approval
            approval:
              expires_after: 30m
            """;
        await using var host = await new ResponderTestHost(policy).StartAsync();
        var pending = await host.RaiseAsync(TestAlerts.Critical("exp-1"));
        Assert.Equal(ActionStates.PendingApproval, pending.State);
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMinutes(30), pending.ApprovalExpiresAt);

        await host.PassAsync(TimeSpan.FromMinutes(29));
        Assert.Equal(ActionStates.PendingApproval, await host.StateOfAsync(pending.Id));
        await host.PassAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(ActionStates.Expired, await host.StateOfAsync(pending.Id));
        var (change, _) = await host.Get<ActionService>().ApproveAsync(pending.Id, "rex", default);
        Assert.Equal(ActionChange.Conflict, change);
    }

    [Fact]
    public async Task ProtectedSubject_AutomaticRule_WaitsForApproval()
    {
        const string policy = """
            rules:
              - name: revoke
                action: revoke_token
                mode: automatic
            protected:
              subjects: ["svc-*"]
            """;
        await using var host = await new ResponderTestHost(policy).StartAsync();
        var action = await host.RaiseAsync(TestAlerts.Critical("prot-1", principal: "svc-payments"));
        Assert.Equal(ActionStates.PendingApproval, action.State);
        Assert.Contains("protected", action.Decision);
    }

    [Fact]
    public async Task Restart_OnTheSameStore_KeepsPendingAndActiveActions()
    {
        using var folder = new TempFolder();
        const string policy = """
            rules:
              - name: isolate
                action: isolate_workload
                mode: automatic
              - name: ask
                action: revoke_subject_sessions
                mode: approval
            isolation:
              default_ttl: 10m
            """;
        var isolator = new RecordingIsolator();
        Guid isolationId, pendingId;
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using (var first = await new ResponderTestHost(policy, time, folder.Path).With<IWorkloadIsolator>(isolator).StartAsync())
        {
            await first.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("rs-1", workload: new AlertWorkload("pod-3", "shop", "cart-3")), default);
            var actions = await first.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "rs-1"), default);
            isolationId = actions.Single(a => a.Kind == ActionKinds.IsolateWorkload).Id;
            pendingId = actions.Single(a => a.Kind == ActionKinds.RevokeSubjectSessions).Id;
            await first.UntilStateAsync(isolationId, ActionStates.Active);
        }

        await using var second = await new ResponderTestHost(policy, time, folder.Path).With<IWorkloadIsolator>(isolator).StartAsync();
        Assert.Equal(ActionStates.Active, await second.StateOfAsync(isolationId));
        Assert.Equal(ActionStates.PendingApproval, await second.StateOfAsync(pendingId));

        var (change, _) = await second.Get<ActionService>().ApproveAsync(pendingId, "rex", default);
        Assert.Equal(ActionChange.Done, change);
        await second.UntilStateAsync(pendingId, ActionStates.Done);
        await second.PassAsync(TimeSpan.FromMinutes(11));
        await second.UntilStateAsync(isolationId, ActionStates.Released);
        Assert.False(isolator.IsIsolated("pod-3"));
    }
}
