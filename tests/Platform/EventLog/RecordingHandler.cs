namespace ZtStream.Platform.Tests.EventLog;

/// <summary>Records what a consumer hands it; behaviour per record and per assignment is pluggable.</summary>
internal sealed class RecordingHandler : IRecordHandler
{
    private readonly ConcurrentQueue<ConsumedRecord> _handled = new();
    private readonly ConcurrentDictionary<(int Partition, long Offset), int> _attempts = new();
    private readonly ConcurrentDictionary<(string Topic, int Partition), bool> _assigned = new();

    /// <summary>Runs before a record counts as handled; throw to fail the attempt. Gets the attempt number (1-based).</summary>
    public Func<ConsumedRecord, int, CancellationToken, Task>? OnRecord { get; init; }

    /// <summary>What <see cref="OnPartitionAssignedAsync"/> answers.</summary>
    public Func<string, int, long?>? StartAt { get; init; }

    public IReadOnlyList<ConsumedRecord> Handled => [.. _handled];

    /// <summary>A handler that fails every attempt at a record whose value (UTF-8) is <paramref name="value"/>, and handles the others.</summary>
    public static RecordingHandler FailingOn(string value, Func<Exception> failure) => new()
    {
        OnRecord = (record, _, _) => Encoding.UTF8.GetString(record.Value.Span) == value ? throw failure() : Task.CompletedTask,
    };

    /// <summary>
    /// A handler that holds each record whose value (UTF-8) is <paramref name="value"/> — every record, where it is
    /// null — until <paramref name="hold"/> ends, as a lagging group or a slow handler does; <paramref name="reached"/>
    /// completes once it holds the first one.
    /// </summary>
    public static RecordingHandler Holding(string? value, Func<CancellationToken, Task> hold, out Task reached)
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reached = holding.Task;
        return new RecordingHandler
        {
            OnRecord = async (record, _, cancellationToken) =>
            {
                if (value is null || Encoding.UTF8.GetString(record.Value.Span) == value)
                {
                    holding.TrySetResult();
                    await hold(cancellationToken);
                }
            },
        };
    }

    public IReadOnlyCollection<int> AssignedPartitions => [.. _assigned.Keys.Select(k => k.Partition).Order()];

    public int RevokedCount;

    public int AttemptsFor(ConsumedRecord record) => AttemptsFor(record.Partition, record.Offset);

    public int AttemptsFor(int partition, long offset) => _attempts.GetValueOrDefault((partition, offset));

    public async Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        var attempt = _attempts.AddOrUpdate((record.Partition, record.Offset), 1, (_, n) => n + 1);
        if (OnRecord is not null)
        {
            await OnRecord(record, attempt, cancellationToken);
        }

        // Kept past the handler's return, so with a copy of its bytes: the log may reuse the record's own.
        _handled.Enqueue(record with { Value = record.Value.ToArray() });
    }

    public ValueTask<long?> OnPartitionAssignedAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        _assigned[(topic, partition)] = true;
        return ValueTask.FromResult(StartAt?.Invoke(topic, partition));
    }

    public ValueTask OnPartitionRevokedAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        _assigned.TryRemove((topic, partition), out _);
        Interlocked.Increment(ref RevokedCount);
        return ValueTask.CompletedTask;
    }
}
