namespace ZtStream.Platform.Tests.Bus;

public sealed class AddCommandBusTests
{
    [Fact]
    public async Task AddCommandBus_BadConfiguration_FailsAtStartListingEveryProblem()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?> { ["Bus:Kind"] = "rabbitmq" });
        builder.Services.AddCommandConsumers(bus => bus.AddConsumer<PingConsumer>()).AddCommandBus(builder.Configuration);

        var error = await TestHosts.RefusedAtStartAsync(builder);

        Assert.Equal(["Bus:RabbitMqUri is required when Bus:Kind is rabbitmq"], error.Failures);
    }

    [Fact]
    public void AddCommandBus_MassTransitsUsageReport_IsOff()
    {
        var builder = TestHosts.Builder();
        builder.Services.AddCommandConsumers(bus => bus.AddConsumer<PingConsumer>()).AddCommandBus(builder.Configuration);
        using var host = builder.Build();

        // On, MassTransit sends its version, the host's OS and cloud and the bus's endpoint names to masstransit.io.
        Assert.False(host.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
