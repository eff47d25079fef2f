namespace ZtStream.Platform.Tests.Bus;

/// <summary>The command-bus contract on RabbitMQ: each test gets a virtual host of its own on the assembly's broker.</summary>
public sealed class RabbitMqCommandBusContractTests(RabbitMqFixture rabbitMq) : CommandBusContractTests
{
    internal override async Task<Dictionary<string, string?>> BusConfigurationAsync() => new()
    {
        ["Bus:Kind"] = "rabbitmq",
        ["Bus:RabbitMqUri"] = (await rabbitMq.CreateVirtualHostAsync(Ct)).ToString(),
    };
}
