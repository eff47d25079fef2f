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

    /// <summary>The action the response policy takes on a pod-exec alert from <paramref name="principal"/>.</summary>
    private static async Task<ZtStream.Responder.Actions.ActionRecord> ActionOnExecAsync(string alertId, string principal, AlertWorkload? ownWorkload)
    {
        await using var host = await new ResponderTestHost(IsolateOnExec).StartAsync();
        var alert = TestAlerts.Critical(alertId, principal: principal) with
        {
            Reasons = [new AlertReason(Detectors.Policy, "pod_exec", 80, $"{principal} ran exec in pod payments/db-0")],
            Workload = ownWorkload,
            TargetWorkload = new AlertWorkload("payments/db-0", "payments", "db-0"),
        };

        return await host.RaiseAsync(alert);
    }

    [Fact]
    public async Task ExecAlert_IsolatesThePodExecdInto_NotTheActorsWorkload()
    {
        var action = await ActionOnExecAsync("exec-1", "system:serviceaccount:ci:runner", new AlertWorkload("ci/runner-7", "ci", "runner-7"));

        Assert.Equal((ActionKinds.IsolateWorkload, "payments/db-0", "payments", "db-0"), (action.Kind, action.WorkloadId, action.Namespace, action.WorkloadName));
    }

    [Fact]
    public async Task UserExec_WithoutAWorkloadOfItsOwn_StillIsolatesThePod()
    {
        var action = await ActionOnExecAsync("exec-2", "alice@acme.example", ownWorkload: null);

        Assert.Equal("payments/db-0", action.WorkloadId);
    }
}
