namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// An item accepted from its bytes borrows the request body (issue 12: no copy of it before the record); the record
/// appended must still be a copy of its own, since Ingest hands the body's pooled buffer back once the append returned.
/// </summary>
public sealed class EventAppenderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Parse_ItemAcceptedFromItsBytes_BorrowsTheBodyRatherThanCopyingIt()
    {
        var body = Encoding.UTF8.GetBytes("""[{"id":"a1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}]""");

        var item = Assert.Single(Parser().Parse(body, EventsFormat.Json).Items);

        Assert.True(MemoryMarshal.TryGetArray(item.Json!.Value, out var segment));
        Assert.Same(body, segment.Array);
        Assert.Equal(1, segment.Offset);
        Assert.Equal(body.Length - 2, segment.Count);
    }

    [Fact]
    public async Task AppendAsync_BodyReusedAfterTheAppend_RecordKeepsTheStampedEvent()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"id":"a1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}
            {"id":"a2","time":"2026-11-28T11:59:01Z","kind":"auth.login","subject":{"id":"amy"},"outcome":"success"}
            """);
        var items = Parser().Parse(body, EventsFormat.Json).Items;
        Assert.Equal(2, items.Count);
        var log = new KeepingLog();
        using var meters = new MeterFactory();
        var appender = new EventAppender(log, new IngestMetrics(meters), Microsoft.Extensions.Options.Options.Create(new IngestOptions()));

        await appender.AppendAsync(items, "src", SourceScope.None, CancellationToken.None);
        body.AsSpan().Fill((byte)'x');

        Assert.Collection(
            log.Records,
            r => AssertEvent(r, "a1", "bob"),
            r => AssertEvent(r, "a2", "amy"));

        static void AssertEvent(LogRecord record, string id, string subject)
        {
            var e = ContractJson.DeserializeEvent(record.Value.Span);
            Assert.Equal((id, subject, "src"), (e.Id, e.Subject?.Id, e.Source));
        }
    }

    private static EventBatchParser Parser() =>
        new(new EventValidator(Microsoft.Extensions.Options.Options.Create(new IngestOptions()), new FakeTimeProvider(Now)));

    /// <summary>A log that keeps what it was given: copies of the values, which are the caller's again once the append completed.</summary>
    private sealed class KeepingLog : IEventLog
    {
        public List<LogRecord> Records { get; } = [];

        public Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
        {
            Records.AddRange(records.Select(r => r with { Value = r.Value.ToArray() }));
            return Task.CompletedTask;
        }

        public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class MeterFactory : IMeterFactory
    {
        private readonly List<Meter> meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            meters.Add(meter);
            return meter;
        }

        public void Dispose() => meters.ForEach(m => m.Dispose());
    }
}
