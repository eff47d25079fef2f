namespace ZtStream.Platform.Tests.EventLog.FileLog;

/// <summary>The event-log contract on the durable file log, in a temp folder of each test's own.</summary>
public sealed class FileEventLogContractTests : EventLogContractTests
{
    private protected override IEventLog CreateLog(EventLogOptions options) =>
        new FolderOwningLog(Directory.CreateTempSubdirectory("zt-filelog-").FullName, options);

    private protected override int PartitionCount(IEventLog log, string topic) => 3;

    /// <summary>The file log, and its folder removed when it is disposed.</summary>
    private sealed class FolderOwningLog(string folder, EventLogOptions options) : IEventLog, IDisposable
    {
        private readonly FileEventLog _inner = new(options with { Path = folder, Kind = EventLogOptions.File }, TimeProvider.System, NullLogger.Instance);

        public Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken) =>
            _inner.AppendAsync(topic, records, cancellationToken);

        public Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken) =>
            _inner.ConsumeAsync(spec, handler, cancellationToken);

        public Task EnsureTopicsAsync(IEnumerable<string> topics, CancellationToken cancellationToken) =>
            _inner.EnsureTopicsAsync(topics, cancellationToken);

        public void Dispose()
        {
            _inner.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
