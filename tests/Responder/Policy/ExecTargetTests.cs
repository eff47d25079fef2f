namespace ZtStream.Responder.Tests.Policy;

public sealed class ExecTargetTests
{
    private const string IsolateOnExec = """
        rules:
          - name: exec-into-pod
            detector: policy
            rule: pod_exec
            severity: high
            action: isolate_workload
            mode: approval
        """;

    [Fact]
    public async Task ExecAlert_IsolatesThePodExecdInto_NotTheActorsWorkload()
    {
        await using var host = await new ResponderTestHost(IsolateOnExec).StartAsync();
        var ct = Ct;
        var alert = TestAlerts.Critical("exec-1", principal: "system:serviceaccount:ci:runner") with
        {
            Reasons = [new AlertReason(Detectors.Policy, "pod_exec", 80, "ci:runner ran exec in pod payments/db-0")],
            Workload = new AlertWorkload("ci/runner-7", "ci", "runner-7"),
            TargetWorkload = new AlertWorkload("payments/db-0", "payments", "db-0"),
        };

        await host.Get<AlertProcessor>().HandleAsync(alert, ct);

        var action = Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "exec-1"), ct));
        Assert.Equal((ActionKinds.IsolateWorkload, "payments/db-0", "payments", "db-0"), (action.Kind, action.WorkloadId, action.Namespace, action.WorkloadName));
    }

    [Fact]
    public async Task UserExec_WithoutAWorkloadOfItsOwn_StillIsolatesThePod()
    {
        await using var host = await new ResponderTestHost(IsolateOnExec).StartAsync();
        var ct = Ct;
        var alert = TestAlerts.Critical("exec-2", principal: "alice@acme.example") with
        {
            Reasons = [new AlertReason(Detectors.Policy, "pod_exec", 80, "alice ran exec in pod payments/db-0")],
            Workload = null,
            TargetWorkload = new AlertWorkload("payments/db-0", "payments", "db-0"),
        };

        await host.Get<AlertProcessor>().HandleAsync(alert, ct);

        var action = Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "exec-2"), ct));
        Assert.Equal("payments/db-0", action.WorkloadId);
    }
}
