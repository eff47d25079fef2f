namespace ZtStream.Platform.Tests.EventLog;

/// <summary>
/// How long the bytes on either side of the log live (issue 12): an appended value is the caller's again once the append
/// completed, and a handed record's value is the handler's only until it returns, so a log may pool both.
/// </summary>
public abstract partial class EventLogContractTests
{
    private const int LifetimeRecords = 600; // more than two of a local consumer's batches, so their memory is reused

    [Fact]
    public async Task Append_CallerOverwritesTheValuesBufferAfterwards_RecordsKeepTheirBytes()
    {
        await OpenAsync();
        // Every value a slice of one buffer, as a caller that rents one for a whole request appends them.
        var values = Enumerable.Range(0, 20).Select(LifetimeValue).ToArray();
        var buffer = Encoding.UTF8.GetBytes(string.Concat(values));
        var records = new List<LogRecord>();
        var at = 0;
        foreach (var value in values)
        {
            records.Add(new LogRecord("principal-1", buffer.AsMemory(at, value.Length)));
            at += value.Length;
        }

        await Log.AppendAsync(Topic, records, Ct);
        buffer.AsSpan().Fill((byte)'#');

        var handler = new RecordingHandler();
        Start(Group(), handler);
        await Eventually.HoldsAsync(() => handler.Handled.Count >= values.Length, "every record was handled");
        Assert.Equal(values, handler.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    [Fact]
    public async Task Handle_AnotherGroupReadsOnWhileAHandlerWaits_ItsValueStaysIntactUntilItReturns()
    {
        await OpenAsync();
        await AppendLifetimeRecordsAsync();
        var changed = new ConcurrentQueue<string>();
        var release = new TaskCompletionSource();
        var waiting = new TaskCompletionSource();
        var holding = new RecordingHandler
        {
            OnRecord = async (record, _, cancellationToken) =>
            {
                var before = Encoding.UTF8.GetString(record.Value.Span);
                if (record.Offset == 0)
                {
                    waiting.TrySetResult();
                    await release.Task.WaitAsync(cancellationToken);
                }

                if (Encoding.UTF8.GetString(record.Value.Span) != before)
                {
                    changed.Enqueue($"offset {record.Offset}");
                }
            },
        };
        Start(Group("holding"), holding);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // Another group reads every record, batch after batch, while the first record's handler has not returned.
        var other = new RecordingHandler();
        Start(Group("other"), other);
        await Eventually.HoldsAsync(() => other.Handled.Count >= LifetimeRecords, "the other group handled every record");
        release.SetResult();

        await Eventually.HoldsAsync(() => holding.Handled.Count >= LifetimeRecords, "the holding group handled every record");
        Assert.Empty(changed);
        Assert.Equal(Enumerable.Range(0, LifetimeRecords).Select(LifetimeValue), holding.Handled.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
    }

    [Fact]
    public async Task Handle_KeepsACopyOfEachValue_CopiesHoldTheRightBytesAfterTheLogReusedItsMemory()
    {
        await OpenAsync();
        await AppendLifetimeRecordsAsync();
        var copies = new ConcurrentQueue<byte[]>();
        var keeping = new RecordingHandler { OnRecord = (record, _, _) => { copies.Enqueue(record.Value.ToArray()); return Task.CompletedTask; } };
        Start(Group("keeping"), keeping);
        await Eventually.HoldsAsync(() => copies.Count >= LifetimeRecords, "every record was copied");

        // Two more groups read everything again: whatever memory held the first group's records now holds others.
        var again = new[] { new RecordingHandler(), new RecordingHandler() };
        foreach (var handler in again)
        {
            Start(Group("again"), handler);
        }

        await Eventually.HoldsAsync(() => again.All(h => h.Handled.Count >= LifetimeRecords), "the other groups handled every record");
        Assert.Equal(Enumerable.Range(0, LifetimeRecords).Select(LifetimeValue), copies.Select(c => Encoding.UTF8.GetString(c)));
    }

    /// <summary>Each value its own (its number, then a letter of its own repeated), about a kilobyte like an access event.</summary>
    private static string LifetimeValue(int i) => $"{i:D4}|" + new string((char)('a' + (i % 26)), 900 + (i % 50));

    private Task AppendLifetimeRecordsAsync() =>
        Log.AppendAsync(Topic, [.. Enumerable.Range(0, LifetimeRecords).Select(i => new LogRecord("principal-1", Encoding.UTF8.GetBytes(LifetimeValue(i))))], Ct);
}
