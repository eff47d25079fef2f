namespace ZtStream.Platform.Tests.Bus;

public sealed class AddCommandBusTests
{
    [Fact]
    public async Task AddCommandBus_BadConfiguration_FailsAtStartListingEveryProblem()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Kind"] = "rabbitmq" });
        builder.Services.AddCommandConsumers(bus => bus.AddConsumer<PingConsumer>()).AddCommandBus(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Equal(["Bus:RabbitMqUri is required when Bus:Kind is rabbitmq"], error.Failures);
    }
}
