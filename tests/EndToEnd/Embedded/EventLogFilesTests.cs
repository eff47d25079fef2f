using ZtStream.TestSupport.Files;

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

        var run = await processes.StartAsync("run", written.RunArguments(processes.Folder.FullName), waitForListening: false, ct);
        // A start that waits on the pipe, reads the 2 GiB into memory or starts without the segment never gets past here.
        var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(120), ct);

        Assert.True(code == 1, $"exit {code}:\n{run.Output}");
        var line = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("ztstream: ", StringComparison.Ordinal));
        Assert.Contains($"'{path}' {OddFiles.Refusal(kind)}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
    }

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
        private readonly ZtStreamProcesses processes = new("zt-e2e-logfiles-written-");

        public string Folder => processes.Folder.FullName;

        /// <summary><c>ztstream run</c> on the store and the event log in <paramref name="folder"/>.</summary>
        public string[] RunArguments(string folder) =>
            ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Path.Combine(folder, "ztstream.db"), "--set", "EventLog:SegmentBytes=4096"];

        public async ValueTask InitializeAsync()
        {
            var ct = TestContext.Current.CancellationToken;
            var key = await processes.AddSourceAsync("log-writer", ["--sqlite", Path.Combine(Folder, "ztstream.db")], ct);
            var run = await processes.StartAsync("run", RunArguments(Folder), waitForListening: true, ct);
            using (var ingest = new HttpClient { BaseAddress = run.Url })
            {
                ingest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
                // In batches: a segment is sealed, and its index written, when an append finds it full.
                var now = DateTimeOffset.UtcNow;
                foreach (var batch in Enumerable.Range(0, 90).Chunk(6))
                {
                    List<AccessEvent> events = [.. batch.Select(n => new AccessEvent
                    {
                        Id = $"log-writer-{n}",
                        Time = now.AddSeconds(-90 + n),
                        Kind = EventKinds.AccessRequest,
                        Subject = new Subject { Id = $"user:writer-{n % 6}@example.com", Type = "user" },
                        Resource = new ResourceRef { Type = "http_route", Id = $"/api/orders/{n % 5}" },
                        Action = "GET",
                        Outcome = Outcomes.Success,
                        Status = 200,
                    })];
                    var (status, body) = await IngestEvents.PostAsync(ingest, events);
                    Assert.True(status == HttpStatusCode.Accepted, body.ToString());
                }
            }

            await run.TerminateAsync();
            Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromSeconds(60), ct));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(Folder, "eventlog", "topics", "zt.events.v1"), "*.index", SearchOption.AllDirectories));
        }

        public ValueTask DisposeAsync() => processes.DisposeAsync();
    }
}
