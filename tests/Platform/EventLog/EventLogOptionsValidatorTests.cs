using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.EventLog.Kafka;
using ZtStream.Platform.Options;

namespace ZtStream.Platform.Tests.EventLog;

public sealed class EventLogOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_NoProblems() => Assert.Empty(EventLogOptionsValidator.Validate(new EventLogOptions()));

    [Fact]
    public void Validate_UnknownKind_NamesTheKinds()
    {
        var problem = Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { Kind = "rabbit" }));
        Assert.Equal("EventLog:Kind 'rabbit' is not one of inprocess, kafka", problem);
    }

    [Fact]
    public void Validate_SeveralProblems_ListsEveryOne()
    {
        var problems = EventLogOptionsValidator.Validate(new EventLogOptions
        {
            Kind = "kafka",
            Partitions = 0,
            MaxQueuedRecords = 0,
            AppendTimeout = TimeSpan.Zero,
        });

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("EventLog:BootstrapServers is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("EventLog:Partitions", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("EventLog:MaxQueuedRecords", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("EventLog:AppendTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void AddEventLog_NoSection_RegistersTheInProcessLogOnce()
    {
        using var provider = new ServiceCollection().AddLogging().AddEventLog(Config([])).BuildServiceProvider();

        var log = provider.GetRequiredService<IEventLog>();
        Assert.IsType<InProcessEventLog>(log);
        Assert.Same(log, provider.GetRequiredService<IEventLog>());
        Assert.Contains(provider.GetServices<IHostedService>(), s => s is EventLogTopicsInitializer);
    }

    [Fact]
    public void AddEventLog_KafkaSection_RegistersKafkaWithBoundSettings()
    {
        var configuration = Config(new()
        {
            ["EventLog:Kind"] = "Kafka",
            ["EventLog:BootstrapServers"] = "127.0.0.1:1",
            ["EventLog:Partitions"] = "6",
            ["EventLog:KafkaSettings:socket.timeout.ms"] = "1000",
        });
        using var provider = new ServiceCollection().AddLogging().AddEventLog(configuration).BuildServiceProvider();

        Assert.IsType<KafkaEventLog>(provider.GetRequiredService<IEventLog>());
        var options = provider.GetRequiredService<EventLogOptions>();
        Assert.Equal(6, options.Partitions);
        Assert.Equal("1000", options.KafkaSettings["socket.timeout.ms"]);
    }

    [Fact]
    public void AddEventLog_InvalidSection_FailsAtStartWithEveryProblem()
    {
        var configuration = Config(new() { ["EventLog:Kind"] = "kafka", ["EventLog:Partitions"] = "0" });
        using var provider = new ServiceCollection().AddLogging().AddEventLog(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(2, error.Failures.Count());
    }

    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
