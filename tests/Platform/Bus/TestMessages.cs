namespace ZtStream.Platform.Tests.Bus;

// Message contracts of the bus tests: public, as MassTransit's serializer needs. RunId ties a message to the test that sent it.
public sealed record PingCommand(Guid RunId, Guid Id, string Text, int Number, DateTimeOffset At);

public sealed record ThingHappened(Guid RunId, Guid Id, string What);

/// <summary>Fails <see cref="FailTimes"/> attempts, then succeeds.</summary>
public sealed record FlakyCommand(Guid RunId, Guid Id, int FailTimes);

/// <summary>A command whose consumer's definition names its queue.</summary>
public sealed record RenamedCommand(Guid RunId, Guid Id);

/// <summary>A command nobody consumes.</summary>
public sealed record OrphanCommand(Guid Id);

/// <summary>A command two consumers claim, which makes sending it ambiguous.</summary>
public sealed record ContestedCommand(Guid Id);

/// <summary>What the consumers saw, shared with the test through the container.</summary>
public sealed class BusRecorder
{
    private readonly ConcurrentQueue<(string Consumer, object Message, Uri? InputAddress)> seen = new();
    private readonly ConcurrentDictionary<Guid, int> attempts = new();
    private readonly Lock gate = new();
    private readonly List<(Func<string, object, bool> Match, TaskCompletionSource Done)> waiters = [];

    public IReadOnlyList<(string Consumer, object Message, Uri? InputAddress)> Seen => [.. seen];

    public int AttemptOf(Guid id) => attempts.AddOrUpdate(id, 1, (_, n) => n + 1);

    public int Attempts(Guid id) => attempts.GetValueOrDefault(id);

    public void Record(string consumer, object message, Uri? inputAddress)
    {
        seen.Enqueue((consumer, message, inputAddress));
        lock (gate)
        {
            foreach (var waiter in waiters.Where(w => w.Match(consumer, message)).ToList())
            {
                waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>Completes when a consumer named <paramref name="consumer"/> has seen a message matching <paramref name="match"/>.</summary>
    public async Task WaitForAsync<T>(string consumer, Func<T, bool> match, TimeSpan? timeout = null)
    {
        bool Matches(string c, object m) => c == consumer && m is T t && match(t);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (seen.Any(s => Matches(s.Consumer, s.Message)))
            {
                return;
            }

            waiters.Add((Matches, done));
        }

        await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30), Ct);
    }

    public int Count<T>(string consumer, Func<T, bool> match) => seen.Count(s => s.Consumer == consumer && s.Message is T t && match(t));
}

/// <summary>Records every <typeparamref name="T"/> it consumes under its own class name, and does nothing else.</summary>
public abstract class RecordingConsumer<T>(BusRecorder recorder) : IConsumer<T>
    where T : class
{
    public Task Consume(ConsumeContext<T> context)
    {
        recorder.Record(GetType().Name, context.Message, context.ReceiveContext.InputAddress);
        return Task.CompletedTask;
    }
}

public sealed class PingConsumer(BusRecorder recorder) : RecordingConsumer<PingCommand>(recorder);

public sealed class AuditThingConsumer(BusRecorder recorder) : RecordingConsumer<ThingHappened>(recorder);

public sealed class CountThingConsumer(BusRecorder recorder) : RecordingConsumer<ThingHappened>(recorder);

public sealed class FlakyConsumer(BusRecorder recorder) : IConsumer<FlakyCommand>
{
    public Task Consume(ConsumeContext<FlakyCommand> context)
    {
        var attempt = recorder.AttemptOf(context.Message.Id);
        if (attempt <= context.Message.FailTimes)
        {
            throw new InvalidOperationException($"attempt {attempt} of {context.Message.Id} fails on purpose");
        }

        recorder.Record(nameof(FlakyConsumer), context.Message, context.ReceiveContext.InputAddress);
        return Task.CompletedTask;
    }
}

/// <summary>The retry policy lives with the consumer's definition, not in the handler: three retries, immediately.</summary>
public sealed class FlakyConsumerDefinition : ConsumerDefinition<FlakyConsumer>
{
    public const int Retries = 3;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<FlakyConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.UseMessageRetry(retry => retry.Immediate(Retries));
}

public sealed class FlakyFaultConsumer(BusRecorder recorder) : RecordingConsumer<Fault<FlakyCommand>>(recorder);

public sealed class ContestedConsumerA : IConsumer<ContestedCommand>
{
    public Task Consume(ConsumeContext<ContestedCommand> context) => Task.CompletedTask;
}

public sealed class ContestedConsumerB : IConsumer<ContestedCommand>
{
    public Task Consume(ConsumeContext<ContestedCommand> context) => Task.CompletedTask;
}

public sealed class RenamedConsumer(BusRecorder recorder) : RecordingConsumer<RenamedCommand>(recorder);

public sealed class RenamedConsumerDefinition : ConsumerDefinition<RenamedConsumer>
{
    public const string Queue = "zt-renamed-actions";

    public RenamedConsumerDefinition() => EndpointName = Queue;
}
