using ZtStream.Contracts;
using ZtStream.Platform.EventLog.FileLog;
using ZtStream.Platform.Options;

namespace ZtStream.EndToEnd.Embedded;

/// <summary>
/// The file event log's own files, as a real <c>ztstream run</c> wrote them, replaced by what a damaged disk, a restore
/// gone wrong or a hand edit leaves — a named pipe, a folder, a 2 GiB file — before a new process starts on the folder.
/// The start stops with one line naming the file and what it is (exit 1, as for any damaged file of the log), or, for a
/// segment's index, which is only a shortcut, the segment is scanned instead; never a start that waits on the pipe for
/// good, reads the big file into memory, or leaves records out without a word.
/// </summary>
public sealed class EventLogFilesTests(EventLogFilesTests.WrittenLog written) : IClassFixture<EventLogFilesTests.WrittenLog>, IAsyncDisposable
{
    private const string Partitions = "topics/zt.events.v1/partitions";
    private const string Offsets = "offsets.log";
    private const string LockPid = "lock.pid";
    private const string FirstSegment = "topics/zt.events.v1/0/00000000000000000000.log";

    /// <summary>A topic the run holds no record of (the alerts' dead-letter topic): one a start makes again when it is gone.</summary>
    private const string EmptyTopic = "topics/zt.alerts.dlq.v1";

    private readonly ZtStreamProcesses processes = new("zt-e2e-logfiles-");

    public ValueTask DisposeAsync() => processes.DisposeAsync();

    [Theory]
    [InlineData(Partitions, OddFiles.Fifo)]
    [InlineData(Partitions, OddFiles.Folder)]
    [InlineData(Partitions, OddFiles.Huge)]
    [InlineData(Offsets, OddFiles.Fifo)]
    [InlineData(Offsets, OddFiles.Huge)]
    [InlineData(LockPid, OddFiles.Fifo)]
    [InlineData(FirstSegment, OddFiles.Folder)]
    public async Task Start_LogFileReplaced_ExitsOneWithOneLineNamingItAndWhatItIs(string file, string kind)
    {
        var ct = Ct;
        var path = await ReplaceAsync(file, kind);

        await StartRefusedAsync(path, kind, ct);
    }

    /// <summary>
    /// The files the log writes beside their place and renames over it (<c>offsets.log.tmp</c> when the journal is
    /// compacted, a new topic's <c>partitions.tmp</c>) with a named pipe or a folder in their place: refused at start as the
    /// log's other files are. Before, the start waited on the pipe for good (opening it to write waits for a reader).
    /// </summary>
    [Theory]
    [InlineData(Offsets + ".tmp", OddFiles.Fifo)]
    [InlineData(Offsets + ".tmp", OddFiles.Folder)]
    [InlineData(EmptyTopic + "/partitions.tmp", OddFiles.Fifo)]
    [InlineData(EmptyTopic + "/partitions.tmp", OddFiles.Folder)]
    public async Task Start_LogTemporaryFileIsNoFile_ExitsOneWithOneLineNamingItAndWhatItIs(string file, string kind)
    {
        var ct = Ct;
        Copy();
        var path = Path.Combine(LogFolder, file);
        if (file.StartsWith(EmptyTopic, StringComparison.Ordinal))
        {
            // Gone but for the temporary file a start that crashed while making it left: the start makes the topic again.
            Directory.Delete(Path.Combine(LogFolder, EmptyTopic), recursive: true);
            Directory.CreateDirectory(Path.Combine(LogFolder, EmptyTopic));
        }

        await OddFiles.MakeAtAsync(kind, path);

        await StartRefusedAsync(path, kind, ct);
    }

    /// <summary>
    /// A named pipe in place of the <c>.index.tmp</c> of every partition's active segment: a segment that fills is sealed
    /// without its index (a warning names it) and the appends go on, then a new process scans that segment and serves every
    /// record once. Before, the writer waited on the pipe for good and every append after it was refused.
    /// </summary>
    [Fact]
    public async Task Append_SegmentIndexTemporaryIsANamedPipe_SealsWithoutItAndEveryRecordIsReadOnce()
    {
        var ct = Ct;
        Copy();
        List<string> pipes = [];
        foreach (var partition in Directory.GetDirectories(Path.Combine(LogFolder, "topics", Topics.Events)))
        {
            var active = Directory.GetFiles(partition, "*.log").Order(StringComparer.Ordinal).Last();
            pipes.Add(await OddFiles.MakeAtAsync(OddFiles.Fifo, Path.ChangeExtension(active, ".index.tmp")));
        }

        var run = await processes.StartAsync("run", written.RunArguments(processes.Folder.FullName), waitForListening: true, ct);
        // As many again as the fixture wrote, which sealed several segments of each partition: these seal the active ones.
        await written.PostAsync(run.Url, from: WrittenLog.Events);
        await run.StopCleanlyAsync(ct);
        Assert.Contains(pipes, pipe => run.Output.Contains($"'{pipe}' {OddFiles.Refusal(OddFiles.Fifo)}", StringComparison.Ordinal));

        var restarted = await processes.StartAsync("run", written.RunArguments(processes.Folder.FullName), waitForListening: true, ct);
        await restarted.StopCleanlyAsync(ct);

        Assert.Equal(Ids(2 * WrittenLog.Events), await EventIdsAsync(ct));
    }

    /// <summary>
    /// A sealed segment's index damaged the ways a disk, a restore or a hand edit leaves one — bytes changed, cut short,
    /// grown a little or far past what an index of the segment can be, emptied, or another segment's index copied over it —
    /// is no index of it: a new process scans the segment, writes its index again (a warning names it and why) and serves
    /// every record once.
    /// </summary>
    [Theory]
    [InlineData("garbled")]
    [InlineData("truncated")]
    [InlineData("grown")]
    [InlineData("oversized")]
    [InlineData("emptied")]
    [InlineData("another segment's")]
    public async Task Start_SegmentIndexDamaged_SegmentScannedIndexWrittenAgainEveryRecordReadOnce(string damage)
    {
        var ct = Ct;
        Copy();
        var indexes = Directory.GetFiles(Path.Combine(LogFolder, "topics", Topics.Events), "*.index", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).ToArray();
        var index = indexes[0];
        var original = await File.ReadAllBytesAsync(index, ct);
        byte[] damaged = damage switch
        {
            "garbled" => [.. original.Select((b, i) => i == original.Length / 2 ? (byte)~b : b)],
            "truncated" => original[..(original.Length / 2)],
            "grown" => [.. original, .. new byte[16]],
            "oversized" => [.. original, .. new byte[1024 * 1024]],
            "emptied" => [],
            // Of another partition's first segment: the same first offset (0), another segment's records.
            _ => await File.ReadAllBytesAsync(indexes.First(i => Path.GetFileName(i) == Path.GetFileName(index) && i != index), ct),
        };
        Assert.NotEqual(original, damaged);
        await File.WriteAllBytesAsync(index, damaged, ct);

        var run = await processes.StartAsync("run", written.RunArguments(processes.Folder.FullName), waitForListening: true, ct);
        await run.StopCleanlyAsync(ct);

        Assert.Contains($"{index} was no index of its segment", run.Output, StringComparison.Ordinal);
        Assert.Equal(original, await File.ReadAllBytesAsync(index, ct));
        Assert.Equal(Ids(WrittenLog.Events), await EventIdsAsync(ct));
    }

    /// <summary>A start on the copied log that stops with one line naming <paramref name="path"/> and what it is, exit 1.</summary>
    private async Task StartRefusedAsync(string path, string kind, CancellationToken ct)
    {
        // A start that waits on the pipe, reads the 2 GiB into memory or starts without the segment never exits.
        var run = await processes.RunToExitAsync("run", written.RunArguments(processes.Folder.FullName), 1, TimeSpan.FromSeconds(120), ct);

        var line = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("ztstream run: ", StringComparison.Ordinal));
        Assert.Contains($"'{path}' {OddFiles.Refusal(kind)}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
    }

    private string LogFolder => Path.Combine(processes.Folder.FullName, "eventlog");

    /// <summary>The ids of the events the fixture writes, first <paramref name="count"/>, in order.</summary>
    private static List<string> Ids(int count) => [.. Enumerable.Range(0, count).Select(WrittenLog.EventId).Order(StringComparer.Ordinal)];

    /// <summary>The id of every event record of the copied log, in order (<see cref="EventLogRecords.ReadEventsAsync"/>).</summary>
    private async Task<List<string>> EventIdsAsync(CancellationToken ct) =>
        [.. (await EventLogRecords.ReadEventsAsync(LogFolder, ct)).Events.Select(e => e.Id).Order(StringComparer.Ordinal)];

    /// <summary>
    /// A sealed segment's index that is a named pipe is no index: the segment is scanned, as when its index is missing, and
    /// the process serves. Before, the start waited on the pipe for good.
    /// </summary>
    [Fact]
    public async Task Start_SegmentIndexIsANamedPipe_SegmentScannedAndTheProcessServes()
    {
        var ct = Ct;
        Copy();
        var index = Directory.GetFiles(Path.Combine(processes.Folder.FullName, "eventlog", "topics", "zt.events.v1"), "*.index", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).First();
        File.Delete(index);
        await OddFiles.MakeAtAsync(OddFiles.Fifo, index);

        // Waits until it listens (60 s at most): a start held on the pipe fails here.
        var run = await processes.StartAsync("run", written.RunArguments(processes.Folder.FullName), waitForListening: true, ct);

        using var http = new HttpClient { BaseAddress = run.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), ct)).StatusCode);
    }

    /// <summary>The log the fixture wrote, copied into this test's folder, with <paramref name="file"/> replaced by a <paramref name="kind"/>.</summary>
    private async Task<string> ReplaceAsync(string file, string kind)
    {
        Copy();
        var path = Path.Combine(processes.Folder.FullName, "eventlog", file);
        Assert.True(File.Exists(path), $"the run wrote no {file}");
        File.Delete(path);
        return await OddFiles.MakeAtAsync(kind, path);
    }

    private void Copy()
    {
        foreach (var source in Directory.EnumerateFiles(written.Folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(processes.Folder.FullName, Path.GetRelativePath(written.Folder, source));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
    }

    /// <summary>
    /// A log written once by a real <c>ztstream run</c> on its embedded defaults, with segments small enough that some are
    /// sealed with an index, stopped with SIGTERM: its folder (the event log and the store) is what each test copies.
    /// </summary>
    public sealed class WrittenLog : IAsyncLifetime
    {
        /// <summary>Events one <see cref="PostAsync"/> posts.</summary>
        public const int Events = 90;

        private readonly ZtStreamProcesses processes = new("zt-e2e-logfiles-written-");
        private string key = "";

        public string Folder => processes.Folder.FullName;

        /// <summary>The id of event <paramref name="n"/>.</summary>
        public static string EventId(int n) => string.Create(CultureInfo.InvariantCulture, $"log-writer-{n}");

        /// <summary><c>ztstream run</c> on the store and the event log in <paramref name="folder"/>.</summary>
        public string[] RunArguments(string folder) =>
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder, "ztstream.db"), "--set", "EventLog:SegmentBytes=4096"];

        public async ValueTask InitializeAsync()
        {
            var ct = TestContext.Current.CancellationToken;
            key = await processes.AddSourceAsync("log-writer", ["--sqlite", Path.Combine(Folder, "ztstream.db")], ct);
            var run = await processes.StartAsync("run", RunArguments(Folder), waitForListening: true, ct);
            await PostAsync(run.Url, from: 0);
            await run.StopCleanlyAsync(ct);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(Folder, "eventlog", "topics", "zt.events.v1"), "*.index", SearchOption.AllDirectories));
        }

        /// <summary>
        /// Posts <see cref="Events"/> events numbered from <paramref name="from"/> to the Ingest at <paramref name="url"/> (a run
        /// of this log or a copy of it, whose store holds the source), each batch taken whole.
        /// </summary>
        public async Task PostAsync(Uri url, int from)
        {
            using var ingest = new HttpClient { BaseAddress = url };
            ingest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            // In batches: a segment is sealed, and its index written, when an append finds it full.
            var now = DateTimeOffset.UtcNow;
            foreach (var batch in Enumerable.Range(from, Events).Chunk(6))
            {
                List<AccessEvent> events = [.. batch.Select(n => new AccessEvent
                {
                    Id = EventId(n),
                    Time = now.AddSeconds(-90 + (n % Events)),
                    Kind = EventKinds.AccessRequest,
                    Subject = new Subject { Id = $"user:writer-{n % 6}@example.com", Type = "user" },
                    Resource = new ResourceRef { Type = "http_route", Id = $"/api/orders/{n % 5}" },
                    Action = "GET",
                    Outcome = Outcomes.Success,
                    Status = 200,
                })];
                await IngestEvents.PostAcceptedAsync(ingest, events);
            }
        }

        public ValueTask DisposeAsync() => processes.DisposeAsync();
    }
}
