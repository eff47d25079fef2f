using ZtStream.Platform.Tests.EventLog.Kafka;

namespace ZtStream.Platform.Tests.EventLog;

/// <summary>What <c>ztstream dlq</c> relies on, run against each implementation: partition ranges, reads by offset, a group's committed offset.</summary>
public abstract class EventLogBrowserContractTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private protected string Topic { get; } = KafkaFixture.UniqueTopic("browse");

    private protected abstract IEventLog CreateLog();

    [Fact]
    public async Task PartitionsAndRead_AfterAppends_GiveEveryRecordByOffset()
    {
        var log = Open();
        var browser = (IEventLogBrowser)log;
        await log.EnsureTopicsAsync([Topic], Ct);
        await log.AppendAsync(Topic, [.. Enumerable.Range(0, 6).Select(i => new LogRecord("alice", Encoding.UTF8.GetBytes($"{i}"), new Dictionary<string, string> { ["n"] = $"{i}" }))], Ct);

        var partitions = await browser.PartitionsAsync(Topic, Ct);
        var holding = Assert.Single(partitions, p => p.End > p.Start);
        Assert.Equal(6, holding.End - holding.Start);
        var all = await browser.ReadAsync(Topic, holding.Partition, holding.Start, 100, Ct);
        var middle = await browser.ReadAsync(Topic, holding.Partition, holding.Start + 2, 3, Ct);

        Assert.Equal(["0", "1", "2", "3", "4", "5"], all.Select(r => Encoding.UTF8.GetString(r.Value.Span)));
        Assert.All(all, r => Assert.Equal("alice", r.Key));
        Assert.Equal(["2", "3", "4"], middle.Select(r => r.Headers["n"]));
        Assert.Equal([holding.Start + 2, holding.Start + 3, holding.Start + 4], middle.Select(r => r.Offset));
        Assert.Empty(await browser.ReadAsync(Topic, holding.Partition, holding.End, 10, Ct));
    }

    [Fact]
    public async Task CommitOffset_ThenCommitted_ReturnsItForThatGroupOnly()
    {
        var log = Open();
        var browser = (IEventLogBrowser)log;
        await log.EnsureTopicsAsync([Topic], Ct);
        await log.AppendAsync(Topic, [new LogRecord("alice", "x"u8.ToArray()), new LogRecord("alice", "y"u8.ToArray())], Ct);
        var partition = (await browser.PartitionsAsync(Topic, Ct)).Single(p => p.End > p.Start);
        var group = KafkaFixture.UniqueGroup("browse");

        Assert.Null(await browser.CommittedOffsetAsync(group, Topic, partition.Partition, Ct));
        await browser.CommitOffsetAsync(group, Topic, partition.Partition, partition.Start + 1, Ct);

        Assert.Equal(partition.Start + 1, await browser.CommittedOffsetAsync(group, Topic, partition.Partition, Ct));
        Assert.Null(await browser.CommittedOffsetAsync(group + "-other", Topic, partition.Partition, Ct));
    }

    public void Dispose()
    {
        _owned.ForEach(o => o.Dispose());
        GC.SuppressFinalize(this);
    }

    private protected T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private IEventLog Open()
    {
        var log = CreateLog();
        if (log is IDisposable disposable)
        {
            _owned.Insert(0, disposable);
        }

        return log;
    }
}

public sealed class FileEventLogBrowserTests : EventLogBrowserContractTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("zt-browse-").FullName;

    private protected override IEventLog CreateLog()
    {
        Own(new DeleteFolder(_folder));
        return new FileEventLog(new EventLogOptions { Kind = EventLogOptions.File, Path = _folder }, TimeProvider.System, NullLogger.Instance);
    }

    private sealed class DeleteFolder(string folder) : IDisposable
    {
        public void Dispose() => Directory.Delete(folder, recursive: true);
    }
}

public sealed class InProcessEventLogBrowserTests : EventLogBrowserContractTests
{
    private protected override IEventLog CreateLog() =>
        new InProcessEventLog(new EventLogOptions(), TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
}

public sealed class KafkaEventLogBrowserTests(KafkaFixture kafka) : EventLogBrowserContractTests
{
    private protected override IEventLog CreateLog() =>
        new KafkaEventLog(KafkaTestOptions.For(kafka, new EventLogOptions()), TimeProvider.System, NullLoggerFactory.Instance);
}
