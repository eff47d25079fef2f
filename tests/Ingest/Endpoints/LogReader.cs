using System.Collections.Concurrent;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Reads a topic from the start with a fresh consumer group, as the Verifier would.</summary>
internal static class LogReader
{
    public sealed record Read(AccessEvent Event, ConsumedRecord Record);

    /// <summary>
    /// Everything on <paramref name="topic"/> once at least <paramref name="expected"/> records arrived, then a short
    /// quiet period so that extra (duplicate) records would be seen too.
    /// </summary>
    public static async Task<IReadOnlyList<Read>> ReadAsync(IEventLog log, string topic, int expected, TimeSpan? quiet = null)
    {
        var records = new ConcurrentQueue<Read>();
        using var stop = new CancellationTokenSource();
        var handler = new Collector(records);
        var consuming = log.ConsumeAsync(new ConsumerSpec($"test-{Guid.NewGuid():N}", [topic]), handler, stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // Long enough for a duplicate appended with the originals to be delivered as well.
        await Task.Delay(quiet ?? TimeSpan.FromMilliseconds(300));
        await stop.CancelAsync();
        try
        {
            await consuming;
        }
        catch (OperationCanceledException)
        {
        }

        return [.. records];
    }

    private sealed class Collector(ConcurrentQueue<Read> records) : IRecordHandler
    {
        public Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
        {
            // Kept past the handler's return, so with a copy of its bytes: the log may reuse the record's own.
            records.Enqueue(new Read(ContractJson.DeserializeEvent(record.Value.Span), record with { Value = record.Value.ToArray() }));
            return Task.CompletedTask;
        }
    }
}
