using ZtStream.Sdk.Configuration;

namespace ZtStream.Sdk.Tests.Configuration;

public sealed class WorkloadIdentityTests
{
    [Fact]
    public void ApplyEnvironment_ZtStreamVariablesBeforeKubernetesOnes_ConfigurationFirst()
    {
        var env = new Dictionary<string, string>
        {
            ["POD_NAME"] = "orders-7d9f",
            ["ZTSTREAM_WORKLOAD_NAME"] = "orders-override",
            ["POD_NAMESPACE"] = "shop",
            ["SERVICE_ACCOUNT"] = "orders-sa",
            ["NODE_NAME"] = "node-1",
        };
        var options = new ZtStreamWorkloadOptions { ServiceAccount = "from-config" };
        WorkloadIdentity.ApplyEnvironment(options, n => env.GetValueOrDefault(n));
        var workload = WorkloadIdentity.ToWorkload(options);

        Assert.NotNull(workload);
        Assert.Equal("shop/orders-override", workload.Id);
        Assert.Equal("orders-override", workload.Name);
        Assert.Equal("shop", workload.Namespace);
        Assert.Equal("from-config", workload.ServiceAccount);
        Assert.Equal("node-1", workload.Node);
    }

    [Fact]
    public void ToWorkload_NothingKnown_IsNull()
    {
        var options = new ZtStreamWorkloadOptions();
        WorkloadIdentity.ApplyEnvironment(options, _ => null);
        Assert.Null(WorkloadIdentity.ToWorkload(options));
    }
}
