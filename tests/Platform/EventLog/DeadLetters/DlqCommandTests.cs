using ZtStream.Platform.EventLog.DeadLetters;
using ZtStream.TestSupport.Cli;

namespace ZtStream.Platform.Tests.EventLog.DeadLetters;

/// <summary><c>ztstream dlq</c> against a file log that really dead-lettered records through a consumer.</summary>
public sealed class DlqCommandTests : IDisposable
{
    private const string Topic = "zt.orders.v1";
    private readonly TempFolder _temp = new("zt-dlq-");

    [Fact]
    public async Task ListShowReplay_APoisonRecord_IsExplainedAndSentBackOnce()
    {
        await DeadLetterAsync(("alice", "good-1"), ("bob", "poison"), ("alice", "good-2"));

        var (code, output, _) = await RunAsync("list", Topic);
        Assert.Equal(0, code);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("\tbob\t", StringComparison.Ordinal));
        Assert.Contains($"{Topic}/", line, StringComparison.Ordinal);
        Assert.Contains("\twaiting\t", line, StringComparison.Ordinal);
        Assert.Contains("poison: bad amount", line, StringComparison.Ordinal);
        var position = line.Split('\t')[0];

        (code, output, _) = await RunAsync("show", "zt.orders.dlq.v1", position);
        Assert.Equal(0, code);
        Assert.Contains("zt-dlq-reason: poison: bad amount", output, StringComparison.Ordinal);
        Assert.Contains("source: shop", output, StringComparison.Ordinal);
        Assert.EndsWith("poison", output.TrimEnd(), StringComparison.Ordinal);

        (code, output, _) = await RunAsync("replay", Topic);
        Assert.Equal(0, code);
        Assert.Contains("replayed 1 record(s)", output, StringComparison.Ordinal);

        // Nothing new since: a second replay sends nothing, and the record shows as replayed.
        (code, output, _) = await RunAsync("replay", Topic);
        Assert.Contains("replayed 0 record(s)", output, StringComparison.Ordinal);
        (_, output, _) = await RunAsync("list", Topic);
        Assert.Contains("\treplayed\t", output, StringComparison.Ordinal);

        using var log = OpenLog();
        var partition = Murmur2Partitioner.PartitionFor("bob", 3);
        var back = (await log.ReadAsync(Topic, partition, 0, 10, Ct)).Where(r => Encoding.UTF8.GetString(r.Value.Span) == "poison").ToList();
        Assert.Equal(2, back.Count);
        var replayed = back[1];
        Assert.Equal("bob", replayed.Key);
        Assert.Equal("shop", replayed.Headers["source"]);
        Assert.DoesNotContain(replayed.Headers.Keys, k => k == DeadLetterHeaders.Reason);
        Assert.StartsWith("zt.orders.dlq.v1/", replayed.Headers[DlqCommand.ReplayedFromHeader], StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_BesideTheProcessThatOwnsTheLog_Reads()
    {
        await DeadLetterAsync(("bob", "poison"));
        using var owner = OpenLog();

        var (code, output, _) = await RunAsync("list", Topic);

        Assert.Equal(0, code);
        Assert.Contains("1 record(s) held", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WhileAnotherProcessOwnsTheLog_ExitsOneSayingWhy()
    {
        await DeadLetterAsync(("bob", "poison"));
        using var owner = OpenLog();

        var (code, _, error) = await RunAsync("replay", Topic);

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("ztstream dlq replay: ", line, StringComparison.Ordinal);
        Assert.Contains("in use by another process", line, StringComparison.Ordinal);
        Assert.EndsWith("Stop it to replay, then start it again: replayed records are read from there.", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list", "zt.ordres.v1")]
    [InlineData("replay", "zt.ordres.dlq.v1")]
    public async Task ATopicTheLogDoesNotHold_ExitsOneNamingIt_NotZeroRecordsHeld(params string[] args)
    {
        await DeadLetterAsync(("bob", "poison"));

        var (code, output, error) = await RunAsync(args);

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"ztstream dlq {args[0]}: the log holds no topic zt.ordres.dlq.v1; ", line, StringComparison.Ordinal);
        Assert.Contains("zt.events.dlq.v1", line, StringComparison.Ordinal);
        Assert.DoesNotContain("record(s)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("replay")]
    public async Task AFolderThatHoldsNoLog_ExitsOneNamingIt_AndReplayCreatesNothingThere(string verb)
    {
        var missing = Path.Combine(_temp.Path, "no-log-here");

        var (code, output, error) = await RunInAsync(missing, verb, Topic);

        Assert.Equal(1, code);
        Assert.Equal([$"ztstream dlq {verb}: no event log at {missing}"], Lines(error));
        Assert.DoesNotContain("record(s)", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task List_ZtStreamsOwnDeadLetterTopicBeforeAnythingWasDeadLettered_IsZeroHeld()
    {
        var (code, output, _) = await RunAsync("list", "zt.events.v1");

        Assert.Equal(0, code);
        Assert.Contains("zt.events.dlq.v1: 0 record(s) held", output, StringComparison.Ordinal);
    }

    /// <summary>A position past what the dead-letter topic holds is no record: show and replay say so, exit 1, send nothing.</summary>
    [Theory]
    [InlineData("show", "zt.orders.dlq.v1", "0:9999")]
    [InlineData("replay", "zt.orders.v1", "2:5000")]
    public async Task ShowOrReplay_PositionWithNoRecord_ExitsOneNamingIt(string command, string topic, string position)
    {
        await DeadLetterAsync(("bob", "poison"));

        var (code, output, error) = await RunAsync(command, topic, position);

        Assert.Equal(1, code);
        Assert.Equal([$"ztstream dlq {command}: {(command == "show" ? topic : "zt.orders.dlq.v1")} has no record at {position}"], Lines(error));
        Assert.DoesNotContain("replayed", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'purge'", "purge", "zt.orders.v1")]
    [InlineData("PARTITION:OFFSET", "show", "zt.orders.v1")]
    [InlineData("'zero:one' is not a PARTITION:OFFSET position", "show", "zt.orders.v1", "zero:one")]
    [InlineData("'7' is not a PARTITION:OFFSET position", "replay", "zt.orders.v1", "0:1", "7")]
    [InlineData("TOPIC", "list")]
    [InlineData("--limit must be a whole number", "list", "zt.orders.v1", "--limit", "-3")]
    public async Task BadUsage_ExitsTwoNamingTheProblemWithTheUsage(string problem, params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.Contains("usage: ztstream dlq", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PrintsTheUsageAndSucceeds()
    {
        var (code, output, _) = await RunAsync("replay", "--help");

        Assert.Equal(0, code);
        Assert.Contains("PARTITION:OFFSET", output, StringComparison.Ordinal);
        Assert.Contains("not replayed yet", output, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private FileEventLog OpenLog() =>
        new(new EventLogOptions { Kind = EventLogOptions.File, Path = _temp.Path, RetryBackoff = TimeSpan.FromMilliseconds(5) }, TimeProvider.System, NullLogger.Instance);

    /// <summary>Appends the records and lets a consumer dead-letter every one whose value is "poison".</summary>
    private async Task DeadLetterAsync(params (string Key, string Value)[] records)
    {
        using var log = OpenLog();
        await log.AppendAsync(Topic, [.. records.Select(r => new LogRecord(r.Key, Encoding.UTF8.GetBytes(r.Value), new Dictionary<string, string> { ["source"] = "shop" }))], Ct);
        var handler = RecordingHandler.FailingOn("poison", () => new PoisonRecordException("bad amount"));
        using var stop = new CancellationTokenSource();
        var running = log.ConsumeAsync(new ConsumerSpec("orders", [Topic]), handler, stop.Token);
        var poisoned = records.Count(r => r.Value == "poison");
        await Eventually.HoldsAsync(() => handler.Handled.Count == records.Length - poisoned, "the good records were handled");
        await Eventually.HoldsAsync(() => log.ReadAsync("zt.orders.dlq.v1", Murmur2Partitioner.PartitionFor("bob", 3), 0, 10, Ct).Result.Count == poisoned, "the poison records were dead-lettered");
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunInAsync(_temp.Path, args);

    private static string[] Lines(string text) => text.TrimEnd().Split('\n');

    private static Task<(int Code, string Out, string Err)> RunInAsync(string folder, params string[] args) =>
        CommandRun.RunAsync(new DlqCommand(), new Dictionary<string, string?> { ["EventLog:Kind"] = "file", ["EventLog:Path"] = folder }, args);
}
