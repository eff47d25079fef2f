using System.Globalization;

namespace ZtStream.Platform.Tests.EventLog;

/// <summary>
/// What every <see cref="IEventLog"/> must do, run unchanged against each implementation. Each test uses its own
/// topic and consumer groups; single-key appends keep a test's records in one partition, so "nothing was handed
/// twice" shows as "the first records seen are the expected ones" without waiting for silence.
/// </summary>
public abstract partial class EventLogContractTests : IAsyncLifetime
{
    private readonly List<(CancellationTokenSource Stop, Task Running)> _consumers = [];
    private IEventLog? _log;

    protected string Topic { get; } = KafkaFixture.UniqueTopic();

    private protected IEventLog Log => _log ?? throw new InvalidOperationException("not initialised");

    /// <summary>The implementation under test, built from <paramref name="options"/> (which it may extend).</summary>
    private protected abstract IEventLog CreateLog(EventLogOptions options);

    /// <summary>Partitions the implementation actually gave <paramref name="topic"/>.</summary>
    private protected abstract int PartitionCount(IEventLog log, string topic);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Builds the log and its topic; first thing every test does (so a missing service skips the test itself).</summary>
    private protected async Task OpenAsync()
    {
        _log = CreateLog(new EventLogOptions { Partitions = 3, RetryBackoff = TimeSpan.FromMilliseconds(10), ShutdownDrainTimeout = TimeSpan.FromSeconds(2) });
        await _log.EnsureTopicsAsync([Topic], Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (stop, running) in _consumers)
        {
            await stop.CancelAsync();
            try
            {
                await running.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception)
            {
                // A consumer a test killed on purpose ends faulted; cleanup only needs it stopped.
            }

            stop.Dispose();
        }

        (_log as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Append_ThenConsume_HandsEveryRecordWithKeyValueAndHeaders()
    {
        await OpenAsync();
        var records = Enumerable.Range(0, 12)
            .Select(i => new LogRecord($"principal-{i % 4}", Encoding.UTF8.GetBytes($"value-{i}"), new Dictionary<string, string> { ["n"] = $"{i}", ["kind"] = "access" }))
            .ToList();
        await Log.AppendAsync(Topic, records, Ct);

        var handler = new RecordingHandler();
        Start(Group(), handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= records.Count, "every record was handled");

        var seen = handler.Handled.ToDictionary(r => Encoding.UTF8.GetString(r.Value.Span));
        Assert.Equal(records.Count, seen.Count);
        foreach (var (record, i) in records.Select((r, i) => (r, i)))
        {
            var got = seen[$"value-{i}"];
            Assert.Equal(Topic, got.Topic);
            Assert.Equal(record.Key, got.Key);
            Assert.Equal($"{i}", got.Headers["n"]);
            Assert.Equal("access", got.Headers["kind"]);
        }
    }

    [Fact]
    public async Task Append_SameKey_LandsOnItsMurmur2PartitionInOrder()
    {
        await OpenAsync();
        string[] keys = ["alice", "bob", "carol", "workload-7"];
        foreach (var round in Enumerable.Range(0, 5))
        {
            await Log.AppendAsync(Topic, [.. keys.Select(k => new LogRecord(k, Encoding.UTF8.GetBytes($"{k}:{round}")))], Ct);
        }

        var handler = new RecordingHandler();
        Start(Group(), handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= keys.Length * 5, "every record was handled");

        var partitions = PartitionCount(Log, Topic);
        foreach (var key in keys)
        {
            var mine = handler.Handled.Where(r => r.Key == key).ToList();
            Assert.Equal([.. Enumerable.Range(0, 5).Select(n => $"{key}:{n}")], mine.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
            Assert.All(mine, r => Assert.Equal(Murmur2Partitioner.PartitionFor(key, partitions), r.Partition));
            Assert.Equal(mine.Select(r => r.Offset).Order(), mine.Select(r => r.Offset));
        }
    }

    [Fact]
    public async Task Consume_TwoMembersOfOneGroup_SplitPartitionsAndSeeEachRecordOnce()
    {
        await OpenAsync();
        var group = Group();
        var first = new RecordingHandler();
        var second = new RecordingHandler();
        Start(group, first);
        Start(group, second);
        var partitions = PartitionCount(Log, Topic);
        await Eventually.HoldsAsync(
            () => first.AssignedPartitions.Count > 0 && second.AssignedPartitions.Count > 0
                && first.AssignedPartitions.Count + second.AssignedPartitions.Count == partitions,
            "both members own part of the topic");
        Assert.Empty(first.AssignedPartitions.Intersect(second.AssignedPartitions));

        var records = Enumerable.Range(0, 40).Select(i => new LogRecord($"principal-{i}", Encoding.UTF8.GetBytes($"{i}"))).ToList();
        await Log.AppendAsync(Topic, records, Ct);
        await Eventually.HoldsAsync(() => first.Handled.Count + second.Handled.Count >= records.Count, "every record was handled");

        var all = first.Handled.Concat(second.Handled).Select(r => Encoding.UTF8.GetString(r.Value.Span)).Order().ToList();
        Assert.Equal(records.Select(r => Encoding.UTF8.GetString(r.Value.Span)).Order(), all);
        Assert.All(first.Handled, r => Assert.Contains(r.Partition, first.AssignedPartitions));
        Assert.All(second.Handled, r => Assert.Contains(r.Partition, second.AssignedPartitions));
    }

    [Fact]
    public async Task Handle_ThrowsOnce_RecordIsHandedAgainInOrder()
    {
        await OpenAsync();
        await AppendOneKeyAsync(5);
        var handler = new RecordingHandler
        {
            OnRecord = (record, attempt, _) => Encoding.UTF8.GetString(record.Value.Span) == "2" && attempt == 1
                ? throw new InvalidOperationException("transient")
                : Task.CompletedTask,
        };
        Start(Group(), handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 5, "every record was handled");

        Assert.Equal(["0", "1", "2", "3", "4"], handler.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
        Assert.Equal(2, handler.AttemptsFor(handler.Handled[2]));
        Assert.Equal(1, handler.AttemptsFor(handler.Handled[3]));
    }

    [Fact]
    public async Task Handle_Poison_GoesToDeadLetterWithReasonAndConsumptionMovesOn()
    {
        await OpenAsync();
        await AppendOneKeyAsync(5);
        var handler = RecordingHandler.FailingOn("1", () => new PoisonRecordException("schema 9 is not supported"));
        var deadLetters = new RecordingHandler();
        Start(Group(), handler);
        Start(Group("dlq"), deadLetters, DeadLetterHeaders.TopicFor(Topic));

        await Eventually.HoldsAsync(() => handler.Handled.Count >= 4 && deadLetters.Handled.Count >= 1, "the good records were handled and the poison one dead-lettered");

        Assert.Equal(["0", "2", "3", "4"], handler.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
        var dead = Assert.Single(deadLetters.Handled);
        Assert.Equal("1", Encoding.UTF8.GetString(dead.Value.Span));
        Assert.Equal("principal-1", dead.Key);
        Assert.Contains("schema 9 is not supported", dead.Headers[DeadLetterHeaders.Reason], StringComparison.Ordinal);
        Assert.Equal(Topic, dead.Headers[DeadLetterHeaders.OriginalTopic]);
        Assert.Equal("first", dead.Headers["origin"]);
        var poisoned = handler.Handled[0].Offset + 1;
        Assert.Equal($"{poisoned}", dead.Headers[DeadLetterHeaders.OriginalOffset]);
        Assert.Equal($"{handler.Handled[0].Partition}", dead.Headers[DeadLetterHeaders.OriginalPartition]);
    }

    [Fact]
    public async Task Handle_KeepsFailing_DeadLetteredAfterMaxAttempts()
    {
        await OpenAsync();
        await AppendOneKeyAsync(3);
        var handler = RecordingHandler.FailingOn("0", () => new InvalidOperationException("store is down"));
        var deadLetters = new RecordingHandler();
        Start(Group(), handler, maxAttempts: 3);
        Start(Group("dlq"), deadLetters, DeadLetterHeaders.TopicFor(Topic));

        await Eventually.HoldsAsync(() => handler.Handled.Count >= 2 && deadLetters.Handled.Count >= 1, "the record was dead-lettered and the rest handled");

        var dead = Assert.Single(deadLetters.Handled);
        Assert.Equal(3, handler.AttemptsFor(int.Parse(dead.Headers[DeadLetterHeaders.OriginalPartition], CultureInfo.InvariantCulture), long.Parse(dead.Headers[DeadLetterHeaders.OriginalOffset], CultureInfo.InvariantCulture)));
        Assert.Contains("store is down", dead.Headers[DeadLetterHeaders.Reason], StringComparison.Ordinal);
        Assert.Equal(["1", "2"], handler.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    [Fact]
    public async Task Consume_AfterRestart_ResumesAfterHandledRecords()
    {
        await OpenAsync();
        var group = Group();
        await AppendOneKeyAsync(5);
        var before = new RecordingHandler();
        var (stop, running) = Start(group, before);
        await Eventually.HoldsAsync(() => before.Handled.Count >= 5, "the first consumer handled the backlog");
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await AppendOneKeyAsync(3, first: 5);
        var after = new RecordingHandler();
        Start(group, after);
        await Eventually.HoldsAsync(() => after.Handled.Count >= 3, "the restarted consumer handled the new records");

        Assert.Equal(["5", "6", "7"], after.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    [Fact]
    public async Task OnPartitionAssigned_ReturningAnOffset_ResumesThere()
    {
        await OpenAsync();
        await AppendOneKeyAsync(10);
        var partition = Murmur2Partitioner.PartitionFor("principal-1", PartitionCount(Log, Topic));
        var probe = new RecordingHandler();
        var (stopProbe, probing) = Start(Group("probe"), probe);
        await Eventually.HoldsAsync(() => probe.Handled.Count >= 10, "the probe read the partition");
        await stopProbe.CancelAsync();
        await probing.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var sixth = probe.Handled[6].Offset;

        var handler = new RecordingHandler { StartAt = (_, p) => p == partition ? sixth : null };
        Start(Group(), handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 4, "the records from the requested offset were handled");

        Assert.Equal(["6", "7", "8", "9"], handler.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    [Fact]
    public async Task Consume_MemberLeaves_RemainingMemberTakesOverAtTheCommittedOffset()
    {
        await OpenAsync();
        var group = Group();
        var leaving = new RecordingHandler();
        var staying = new RecordingHandler();
        var partitions = PartitionCount(Log, Topic);
        var (stopLeaving, leavingRuns) = Start(group, leaving);
        Start(group, staying);
        await Eventually.HoldsAsync(() => leaving.AssignedPartitions.Count > 0 && staying.AssignedPartitions.Count > 0, "both members own partitions");
        var keys = Enumerable.Range(0, 30).Select(i => $"principal-{i}").ToArray();
        await Log.AppendAsync(Topic, [.. keys.Select(k => new LogRecord(k, Encoding.UTF8.GetBytes(k)))], Ct);
        await Eventually.HoldsAsync(() => leaving.Handled.Count + staying.Handled.Count == 30, "the first batch was handled");

        await stopLeaving.CancelAsync();
        await leavingRuns.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await Eventually.HoldsAsync(() => staying.AssignedPartitions.Count == partitions, "the staying member owns every partition");
        await Log.AppendAsync(Topic, [.. keys.Select(k => new LogRecord(k, Encoding.UTF8.GetBytes(k + "-again")))], Ct);
        await Eventually.HoldsAsync(() => staying.Handled.Count(r => Encoding.UTF8.GetString(r.Value.Span).EndsWith("-again", StringComparison.Ordinal)) == 30, "the second batch was handled");

        Assert.True(leaving.RevokedCount > 0);

        // Nothing the leaving member handled is handed again: the new owner resumed at its committed offsets
        // (a re-delivered record would come before the second batch in its partition).
        Assert.Equal(60, leaving.Handled.Count + staying.Handled.Count);
    }

    [Fact]
    public async Task Stop_WhileHandling_RecordFinishesWithinTheDrainAndIsNotHandedAgain()
    {
        await OpenAsync();
        var group = Group();
        await AppendOneKeyAsync(3);
        var release = new TaskCompletionSource();
        var stopped = RecordingHandler.Holding("1", _ => release.Task, out var entered);
        var (stop, running) = Start(group, stopped);
        await entered.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await stop.CancelAsync();
        release.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(["0", "1"], stopped.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));

        await AssertNextConsumerIsHandedAsync(group, "2");
    }

    [Fact]
    public async Task Stop_HandlerOutlastsTheDrain_RecordIsHandedAgain()
    {
        await OpenAsync();
        var group = Group();
        await AppendOneKeyAsync(2);
        // Only the drain deadline ends the hold.
        var stuck = RecordingHandler.Holding("1", cancellationToken => Task.Delay(Timeout.Infinite, cancellationToken), out var entered);
        var (stop, running) = Start(group, stuck);
        await entered.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(["0"], stuck.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));

        await AssertNextConsumerIsHandedAsync(group, "1");
    }

    [Fact]
    public async Task Append_Nothing_IsANoOp()
    {
        await OpenAsync();
        await Log.AppendAsync(Topic, [], Ct);
        var handler = new RecordingHandler();
        Start(Group(), handler);
        await Log.AppendAsync(Topic, [new LogRecord("k", "x"u8.ToArray())], Ct);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= 1, "the one record was handled");
        Assert.Single(handler.Handled);
    }

    private protected static string Group(string name = "test") => KafkaFixture.UniqueGroup(name);

    /// <summary>A new consumer in <paramref name="group"/> is handed exactly <paramref name="values"/>: what the stopped one left.</summary>
    private async Task AssertNextConsumerIsHandedAsync(string group, params string[] values)
    {
        var next = new RecordingHandler();
        Start(group, next);
        await Eventually.HoldsAsync(() => next.Handled.Count >= values.Length, "the next consumer handled what the stopped one left");
        Assert.Equal(values, next.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    private protected (CancellationTokenSource Stop, Task Running) Start(string group, IRecordHandler handler, string? topic = null, int maxAttempts = 3)
    {
        var stop = new CancellationTokenSource();
        var running = Log.ConsumeAsync(new ConsumerSpec(group, [topic ?? Topic]) { MaxAttempts = maxAttempts }, handler, stop.Token);
        _consumers.Add((stop, running));
        return (stop, running);
    }

    /// <summary>Appends values first..first+count-1 under one key, so they share a partition and its order.</summary>
    private protected Task AppendOneKeyAsync(int count, int first = 0) =>
        Log.AppendAsync(
            Topic,
            [.. Enumerable.Range(first, count).Select(i => new LogRecord("principal-1", Encoding.UTF8.GetBytes($"{i}"), new Dictionary<string, string> { ["origin"] = "first" }))],
            Ct);

}
