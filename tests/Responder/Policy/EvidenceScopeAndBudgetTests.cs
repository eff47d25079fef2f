namespace ZtStream.Responder.Tests.Policy;

/// <summary>
/// Actions only on what the evidence can speak for: an automatic revocation or isolation needs evidence whose sources
/// vouch for its target, isolation targets never come from process or host names in event data, and the blast-radius
/// budget holds across Responder instances.
/// </summary>
public sealed class EvidenceScopeAndBudgetTests(PostgresFixture postgres)
{
    private const string RevokeAndIsolate = """
        rules:
          - name: revoke-critical
            severity: critical
            action: revoke_token
            mode: automatic
          - name: isolate-critical
            severity: critical
            action: isolate_workload
            mode: automatic
        """;

    private static async Task<IReadOnlyList<ActionRecord>> ActionsOf(ResponderTestHost host, string alertId) =>
        await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: alertId), Ct);

    [Fact]
    public async Task UnscopedEvidence_AutomaticRevocation_WaitsForApprovalSayingWhy()
    {
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical).StartAsync();
        var forged = TestAlerts.Critical("forged-1", principal: "user:ceo", jti: "ceo-jti-1") with { EvidenceSources = ["some-app"], EvidenceScope = null };

        await host.Get<AlertProcessor>().HandleAsync(forged, Ct);

        var action = Assert.Single(await ActionsOf(host, "forged-1"));
        Assert.Equal((ResponseModes.Approval, ActionStates.PendingApproval), (action.Mode, action.State));
        Assert.Contains("the evidence does not vouch for subject user:ceo", action.Decision, StringComparison.Ordinal);
        Assert.Contains("some-app", action.Decision, StringComparison.Ordinal);
        Assert.Empty((await host.Get<ZtStream.Responder.Revocation.RevocationStore>().SnapshotAsync(Ct)).Revocations);
    }

    [Fact]
    public async Task EvidenceVouchingForTheSubjectOnly_RevokesAutomatically_ButTheIsolationWaits()
    {
        await using var host = await new ResponderTestHost(RevokeAndIsolate).With<IWorkloadIsolator>(new RecordingIsolator()).StartAsync();
        var alert = TestAlerts.Critical("half-1", workload: new AlertWorkload("shop/web-1", "shop", "web-1")) with { EvidenceScope = [SourceScopes.Subject] };

        await host.Get<AlertProcessor>().HandleAsync(alert, Ct);

        var actions = await ActionsOf(host, "half-1");
        Assert.Equal(ResponseModes.Automatic, actions.Single(a => a.Kind == "revoke_token").Mode);
        var isolation = actions.Single(a => a.Kind == "isolate_workload");
        Assert.Equal(ActionStates.PendingApproval, isolation.State);
        Assert.Contains("does not vouch for workload shop/web-1", isolation.Decision, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("require_evidence_scope: false\n", "")]
    [InlineData("", "    require_evidence_scope: false\n")]
    public async Task RequirementTurnedOff_ForThePolicyOrTheRule_UnscopedEvidenceActsAutomatically(string policyLevel, string ruleLevel)
    {
        var policy = policyLevel + "rules:\n  - name: revoke-critical\n    severity: critical\n    action: revoke_token\n    mode: automatic\n" + ruleLevel;
        await using var host = await new ResponderTestHost(policy).StartAsync();

        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("off-1") with { EvidenceScope = null }, Ct);

        Assert.Equal(ResponseModes.Automatic, Assert.Single(await ActionsOf(host, "off-1")).Mode);
    }

    [Theory]
    [InlineData("pid:1", null)]
    [InlineData("host", null)]
    [InlineData("shop/web-1", "pid:1")]
    [InlineData("netns:default", null)]
    [InlineData("/proc/1/ns/net", null)]
    public async Task Isolation_OfAProcessOrHostNameFromEventData_IsNeverProposed_AndTheAuditSaysWhy(string id, string? name)
    {
        var isolator = new RecordingIsolator();
        await using var host = await new ResponderTestHost(ResponseFlowTests.IsolateCritical).With<IWorkloadIsolator>(isolator).StartAsync();

        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("host-1", workload: new AlertWorkload(id, null, name)), Ct);

        Assert.Empty(await ActionsOf(host, "host-1"));
        Assert.Empty(isolator.Calls);
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(AlertId: "host-1", Kind: AuditKinds.Decision), Ct);
        Assert.Contains(audit, e => e.Summary.Contains("names a process or a host, not a workload", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Budget_TwoInstancesOnPostgresRaceForTheLastSlot_ExactlyOneActsAutomatically()
    {
        using var folder = new TempFolder();
        var database = await postgres.CreateDatabaseAsync(Ct);
        ResponderTestHost Instance(string name)
        {
            // Budget: 5 automatic actions a minute.
            return new ResponderTestHost(ResponseFlowTests.RevokeCritical, folder: Directory.CreateDirectory(Path.Combine(folder.Path, name)).FullName).OnPostgres(database).WithSetting("Responder:ConsumeAlerts", "false");
        }

        await using var first = await Instance("first").StartAsync();
        await using var second = await Instance("second").StartAsync();
        async Task FillAsync(string round)
        {
            for (var i = 0; i < 2; i++)
            {
                await first.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical($"fill-{round}-a{i}", principal: $"fa{round}{i}"), Ct);
                await second.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical($"fill-{round}-b{i}", principal: $"fb{round}{i}"), Ct);
            }
        }

        // Several rounds, each with a fresh last slot, so the two really meet at it.
        await FillAsync("start");
        for (var round = 0; round < 5; round++)
        {
            using var start = new ManualResetEventSlim();
            var a = Task.Run(() => { start.Wait(Ct); return first.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical($"race-{round}-a", principal: $"a{round}"), Ct); }, Ct);
            var b = Task.Run(() => { start.Wait(Ct); return second.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical($"race-{round}-b", principal: $"b{round}"), Ct); }, Ct);
            start.Set();
            await Task.WhenAll(a, b);

            var raced = (await ActionsOf(first, $"race-{round}-a")).Concat(await ActionsOf(first, $"race-{round}-b")).ToList();
            Assert.Equal(2, raced.Count);
            Assert.Equal(1, raced.Count(x => x.Mode == ResponseModes.Automatic));
            var held = raced.Single(x => x.Mode == ResponseModes.Approval);
            Assert.Contains("reached the global budget of 5", held.Decision, StringComparison.Ordinal);

            // A new window for the next round (both clocks), filled up to its last slot.
            first.Time.Advance(TimeSpan.FromMinutes(2));
            second.Time.Advance(TimeSpan.FromMinutes(2));
            await FillAsync(round.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
