namespace ZtStream.Platform.Tests.Bus;

/// <summary>What the command bus must do, run unchanged on MassTransit's in-memory transport and on RabbitMQ.</summary>
public abstract class CommandBusContractTests : IAsyncDisposable
{
    private readonly Guid runId = Guid.NewGuid();
    private readonly BusRecorder recorder = new();
    private IHost? host;

    /// <summary>Section <c>Bus</c> for this test: a transport, and on RabbitMQ a virtual host of the test's own.</summary>
    internal abstract Task<Dictionary<string, string?>> BusConfigurationAsync();

    [Fact]
    public async Task Send_Command_ReachesItsOneConsumerQueueWithItsPayload()
    {
        var bus = await StartAsync();
        var command = new PingCommand(runId, Guid.NewGuid(), "revoke jti-42 ✓", 42, new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.FromHours(1)));
        var next = command with { Id = Guid.NewGuid(), Text = "second" };

        await bus.SendAsync(command, Ct);
        await recorder.WaitForAsync<PingCommand>(nameof(PingConsumer), p => p.Id == command.Id);
        await bus.SendAsync(next, Ct);
        await recorder.WaitForAsync<PingCommand>(nameof(PingConsumer), p => p.Id == next.Id);

        var received = Assert.Single(recorder.Seen, s => s.Message is PingCommand p && p.Id == command.Id);
        Assert.Equal(command, received.Message);
        Assert.Equal("ping", received.InputAddress!.Segments[^1]);
    }

    [Fact]
    public async Task Send_ConsumerDefinitionNamingItsQueue_GoesToThatQueue()
    {
        var bus = await StartAsync();
        var command = new RenamedCommand(runId, Guid.NewGuid());

        await bus.SendAsync(command, Ct);

        await recorder.WaitForAsync<RenamedCommand>(nameof(RenamedConsumer), r => r.Id == command.Id);
        Assert.Equal(RenamedConsumerDefinition.Queue, recorder.Seen.Single(s => s.Message is RenamedCommand r && r.Id == command.Id).InputAddress!.Segments[^1]);
    }

    [Fact]
    public async Task Publish_Event_ReachesEverySubscriber()
    {
        var bus = await StartAsync();
        var happened = new ThingHappened(runId, Guid.NewGuid(), "token revoked");

        await bus.PublishAsync(happened, Ct);

        await recorder.WaitForAsync<ThingHappened>(nameof(AuditThingConsumer), t => t.Id == happened.Id);
        await recorder.WaitForAsync<ThingHappened>(nameof(CountThingConsumer), t => t.Id == happened.Id);
        Assert.Equal(
            ["audit-thing", "count-thing"],
            recorder.Seen.Where(s => s.Message is ThingHappened t && t.Id == happened.Id).Select(s => s.InputAddress!.Segments[^1]).Order());
    }

    [Fact]
    public async Task Consumer_AlwaysThrowing_EndsInFaultAfterItsRetries()
    {
        var bus = await StartAsync();
        var command = new FlakyCommand(runId, Guid.NewGuid(), FailTimes: int.MaxValue);

        await bus.SendAsync(command, Ct);

        await recorder.WaitForAsync<Fault<FlakyCommand>>(nameof(FlakyFaultConsumer), f => f.Message.Id == command.Id);
        Assert.Equal(1 + FlakyConsumerDefinition.Retries, recorder.Attempts(command.Id));
        var fault = (Fault<FlakyCommand>)recorder.Seen.Single(s => s.Message is Fault<FlakyCommand> f && f.Message.Id == command.Id).Message;
        Assert.Contains("fails on purpose", fault.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, recorder.Count<FlakyCommand>(nameof(FlakyConsumer), f => f.Id == command.Id));
    }

    [Fact]
    public async Task Consumer_FailingTwiceThenSucceeding_IsConsumedOnceWithoutFault()
    {
        var bus = await StartAsync();
        var flaky = new FlakyCommand(runId, Guid.NewGuid(), FailTimes: 2);
        var doomed = new FlakyCommand(runId, Guid.NewGuid(), FailTimes: int.MaxValue);

        await bus.SendAsync(flaky, Ct);
        await recorder.WaitForAsync<FlakyCommand>(nameof(FlakyConsumer), f => f.Id == flaky.Id);

        // A fault for the flaky command would have been published before this one's: once it arrives, none can still come.
        await bus.SendAsync(doomed, Ct);
        await recorder.WaitForAsync<Fault<FlakyCommand>>(nameof(FlakyFaultConsumer), f => f.Message.Id == doomed.Id);

        Assert.Equal(3, recorder.Attempts(flaky.Id));
        Assert.Equal(1, recorder.Count<FlakyCommand>(nameof(FlakyConsumer), f => f.Id == flaky.Id));
        Assert.Equal(0, recorder.Count<Fault<FlakyCommand>>(nameof(FlakyFaultConsumer), f => f.Message.Id == flaky.Id));
    }

    [Fact]
    public async Task Send_CommandWithoutConsumer_FailsNamingIt()
    {
        var bus = await StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bus.SendAsync(new OrphanCommand(Guid.NewGuid()), Ct));

        Assert.Contains(nameof(OrphanCommand), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CommandWithTwoConsumers_FailsInsteadOfPickingOne()
    {
        var bus = await StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => bus.SendAsync(new ContestedCommand(Guid.NewGuid()), Ct));

        Assert.Contains("contested-consumer-a", error.Message, StringComparison.Ordinal);
        Assert.Contains("contested-consumer-b", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    private async Task<ICommandBus> StartAsync()
    {
        var builder = TestHosts.Builder(await BusConfigurationAsync());
        builder.Services.AddSingleton(recorder);
        builder.Services.AddCommandConsumers(bus =>
        {
            bus.AddConsumer<PingConsumer>();
            bus.AddConsumer<AuditThingConsumer>();
            bus.AddConsumer<CountThingConsumer>();
            bus.AddConsumer<FlakyConsumer, FlakyConsumerDefinition>();
            bus.AddConsumer<FlakyFaultConsumer>();
            bus.AddConsumer<RenamedConsumer, RenamedConsumerDefinition>();
            bus.AddConsumer<ContestedConsumerA>();
            bus.AddConsumer<ContestedConsumerB>();
        });
        builder.Services.AddCommandBus(builder.Configuration);
        host = builder.Build();
        await host.StartAsync(Ct);
        return host.Services.GetRequiredService<ICommandBus>();
    }
}
