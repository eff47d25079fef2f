namespace ZtStream.Responder.Tests.Actions;

/// <summary>
/// A command that no stored action sent (another tool on the bus) is recorded as the action it asks for, and that
/// action sends the same command again (docs/architecture.md, "Actions").
/// </summary>
public sealed class ActionCommandsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("k8s:prod/api-7", "prod", "api-7", "eu-1")]
    [InlineData("docker:3f9a", null, null, null)]
    public void FromCommand_Isolation_KeysTheActionToItsWorkload(string workload, string? ns, string? name, string? cluster)
    {
        var command = new IsolateWorkload
        {
            ActionId = Guid.NewGuid(), AlertId = "alert-9", WorkloadId = workload, Namespace = ns, Name = name, Cluster = cluster,
            ExpiresAt = Now.AddMinutes(30), Reason = "crypto miner", RequestedBy = "soar",
        };

        var action = ActionCommands.FromCommand(command, Now);

        Assert.Equal((ActionKinds.IsolateWorkload, ActionStates.Dispatched, "alert-9"), (action.Kind, action.State, action.AlertId));
        Assert.Equal((workload, ns, name, cluster), (action.WorkloadId, action.Namespace, action.WorkloadName, action.Cluster));
        Assert.Equal(workload, action.Principal);
        Assert.Equal(1800, action.TtlSeconds);
        Assert.Null(action.IsolationActionId);
    }

    [Fact]
    public void FromCommand_Release_KeysTheActionToItsWorkloadAndItsIsolation()
    {
        var isolation = Guid.NewGuid();
        var command = new ReleaseWorkload
        {
            ActionId = Guid.NewGuid(), IsolationActionId = isolation, WorkloadId = "k8s:staging/web-1", Namespace = "staging",
            Name = "web-1", Cluster = "staging", Reason = "false alarm", RequestedBy = "rex",
        };

        var action = ActionCommands.FromCommand(command, Now);

        Assert.Equal((ActionKinds.ReleaseWorkload, "k8s:staging/web-1"), (action.Kind, action.Principal));
        Assert.Equal(("k8s:staging/web-1", "staging", "web-1", "staging"), (action.WorkloadId, action.Namespace, action.WorkloadName, action.Cluster));
        Assert.Equal(isolation, action.IsolationActionId);
        Assert.Null(action.AlertId);
        Assert.Null(action.TtlSeconds);
    }

    [Fact]
    public void FromCommand_ThenToCommand_SendsTheSameWorkloadAgain()
    {
        var release = new ReleaseWorkload
        {
            ActionId = Guid.NewGuid(), IsolationActionId = Guid.NewGuid(), WorkloadId = "netns:edge-4", Cluster = "edge",
            Reason = "done", RequestedBy = "ops",
        };

        var sent = Assert.IsType<ReleaseWorkload>(ActionCommands.ToCommand(ActionCommands.FromCommand(release, Now), Now, TimeSpan.FromHours(1)));

        Assert.Equal(release, sent);
    }
}
