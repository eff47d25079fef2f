namespace ZtStream.Platform.Tests.EventLog;

public sealed class EventLogOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_NoProblems() => Assert.Empty(EventLogOptionsValidator.Validate(new EventLogOptions()));

    [Fact]
    public void Validate_UnknownKind_NamesTheKinds()
    {
        var problem = Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { Kind = "rabbit" }));
        Assert.Equal("EventLog:Kind 'rabbit' is not one of file, memory (inprocess), kafka", problem);
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
    public void Validate_NegativeTailBytes_SaysZeroTurnsTheTailOff()
    {
        var problem = Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { TailBytes = -1 }));
        Assert.Equal("EventLog:TailBytes must not be negative (is -1; 0 turns the in-memory tail off)", problem);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public void Validate_KafkaCloseTimeoutNotPositive_IsAProblem(string timeout)
    {
        var problem = Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { KafkaCloseTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal($"EventLog:KafkaCloseTimeout must be positive (is {timeout})", problem);
    }

    [Theory]
    [InlineData("prod-eu.")]
    [InlineData("tenant_42-")]
    [InlineData("A")]
    public void Validate_KafkaPrefixOfTopicNameCharacters_NoProblems(string prefix) =>
        Assert.Empty(EventLogOptionsValidator.Validate(new EventLogOptions { KafkaPrefix = prefix }));

    [Theory]
    [InlineData("prod eu.")]
    [InlineData("prod/eu.")]
    [InlineData("zt:")]
    [InlineData("t\u00e9nant.")]
    public void Validate_KafkaPrefixWithOtherCharacters_NamesTheRule(string prefix)
    {
        var problem = Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { KafkaPrefix = prefix }));
        Assert.Equal($"EventLog:KafkaPrefix '{prefix}' must be at most 200 letters, digits, '.', '_' or '-' (Kafka's topic name characters)", problem);
    }

    [Fact]
    public void Validate_KafkaPrefixTooLongForKafkasNames_IsAProblem() =>
        Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { KafkaPrefix = new string('p', 201) }));

    [Fact]
    public void Validate_UnknownFsyncPolicy_NamesThePolicies()
    {
        var problem = Assert.Single(EventLogOptionsValidator.Validate(new EventLogOptions { Fsync = "sometimes" }));
        Assert.Equal("EventLog:Fsync 'sometimes' is not one of group, always, os", problem);
    }

    [Fact]
    public void AddEventLog_NoSection_RegistersTheFileLogBesideTheSqliteStoreOnce()
    {
        using var folder = new TempFolder("zt-addeventlog-");
        using (var provider = new ServiceCollection().AddLogging().AddEventLog(Config(new() { ["Store:SqlitePath"] = Path.Combine(folder.Path, "zt.db") })).BuildServiceProvider())
        {
            var log = Assert.IsType<FileEventLog>(provider.GetRequiredService<IEventLog>());
            Assert.Same(log, provider.GetRequiredService<IEventLog>());
            Assert.Equal(Path.Combine(folder.Path, "eventlog"), log.Root);
            Assert.Equal(EventLogOptions.FsyncGroup, provider.GetRequiredService<EventLogOptions>().Fsync);
            Assert.Contains(provider.GetServices<IHostedService>(), s => s is EventLogTopicsInitializer);
        }

        Assert.True(Directory.Exists(Path.Combine(folder.Path, "eventlog", "topics")));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("inprocess")]
    [InlineData("InProcess")]
    public void AddEventLog_MemoryOrItsOldName_RegistersTheMemoryLog(string kind)
    {
        using var provider = new ServiceCollection().AddLogging().AddEventLog(Config(new() { ["EventLog:Kind"] = kind })).BuildServiceProvider();

        Assert.IsType<InProcessEventLog>(provider.GetRequiredService<IEventLog>());
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
            ["EventLog:KafkaCloseTimeout"] = "00:00:20",
        });
        using var provider = new ServiceCollection().AddLogging().AddEventLog(configuration).BuildServiceProvider();

        Assert.IsType<KafkaEventLog>(provider.GetRequiredService<IEventLog>());
        var options = provider.GetRequiredService<EventLogOptions>();
        Assert.Equal(6, options.Partitions);
        Assert.Equal("1000", options.KafkaSettings["socket.timeout.ms"]);
        Assert.Equal(TimeSpan.FromSeconds(20), options.KafkaCloseTimeout);
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
