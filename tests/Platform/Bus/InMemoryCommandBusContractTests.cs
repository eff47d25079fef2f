namespace ZtStream.Platform.Tests.Bus;

/// <summary>The command-bus contract on MassTransit's in-memory transport (the embedded default); each test has its own bus.</summary>
public sealed class InMemoryCommandBusContractTests : CommandBusContractTests
{
    internal override Task<Dictionary<string, string?>> BusConfigurationAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["Bus:Kind"] = "inmemory" });
}
