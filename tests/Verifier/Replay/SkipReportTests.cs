using Microsoft.Extensions.Time.Testing;
using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Replay;

public sealed class SkipReportTests
{
    /// <summary>The context the runner gives the command at <paramref name="command"/>: its lines on stderr go under that path.</summary>
    private static CliContext Context(StringWriter error, TimeProvider time, string command) =>
        new(TextWriter.Null, error, new ConfigurationBuilder().Build(), time) { Command = command };

    /// <summary>
    /// A skipped item is said when it is skipped, with where and why: an input that never ends (a pipe) still tells what
    /// it skips. Before, nothing was said until the input ended, so for a pipe never.
    /// </summary>
    [Fact]
    public void Add_AnItemSkipped_SaysItAtOnceWithItsLineAndReason()
    {
        using var error = new StringWriter();
        using var report = new SkipReport(Context(error, new FakeTimeProvider(), "ztstream rules backtest"), "feed.ndjson");

        report.Add(new SkippedItem("item 2 (line 4)", "status", "must be between 0 and 999 (is 1200)"));

        Assert.Equal(["ztstream rules backtest: feed.ndjson: skipped item 2 (line 4): status: must be between 0 and 999 (is 1200)"], CommandRun.Lines(error.ToString()));
    }

    /// <summary>
    /// A flood of bad lines: the first ones one line each, then only how many more, once per interval while there are new
    /// ones; the summary at the end still groups every one of them.
    /// </summary>
    [Fact]
    public async Task Add_AFlood_FirstOnesShownThenCountedPerIntervalAndAllSummedUpAtTheEnd()
    {
        using var error = new StringWriter();
        var time = new FakeTimeProvider();
        using var report = new SkipReport(Context(error, time, "ztstream replay"), "feed.ndjson");

        for (var i = 1; i <= 1000; i++)
        {
            report.Add(new SkippedItem($"item {i - 1} (line {i})", "time", "required"));
        }

        var asTheyHappen = CommandRun.Lines(error.ToString());
        Assert.Equal(SkipReport.ShownAsTheyHappen + 1, asTheyHappen.Length);
        Assert.Equal("ztstream replay: feed.ndjson: skipped item 19 (line 20): time: required", asTheyHappen[SkipReport.ShownAsTheyHappen - 1]);
        Assert.Contains("further skipped items are counted every 10 s", asTheyHappen[^1], StringComparison.Ordinal);

        time.Advance(SkipReport.CountEvery);
        Assert.Equal("ztstream replay: feed.ndjson: 980 more skipped (1000 so far)", CommandRun.Lines(error.ToString())[^1]);

        // Nothing new: nothing more said.
        time.Advance(SkipReport.CountEvery);
        Assert.Equal(asTheyHappen.Length + 1, CommandRun.Lines(error.ToString()).Length);

        report.Add(new SkippedItem("item 1000 (line 1001)", "time", "required"));
        await report.WriteAsync(scored: 5);

        var end = CommandRun.Lines(error.ToString())[(asTheyHappen.Length + 1)..];
        Assert.Equal("ztstream replay: feed.ndjson: 1006 input items: 5 events scored, 1001 skipped", end[0]);
        Assert.Equal("ztstream replay:   skipped 1001 × time: required (item 0 (line 1), item 1 (line 2), item 2 (line 3), item 3 (line 4), item 4 (line 5), …)", end[1]);
        Assert.Equal(2, end.Length);
    }

    /// <summary>
    /// One item the validator refuses for three reasons (a Kubernetes audit event fed as canonical NDJSON: no id, no time,
    /// no subject) is one skipped item of one read: each reason is still said and grouped. Before, each reason counted as
    /// an item, and one line was summed up as "3 input items: 0 events scored, 3 skipped".
    /// </summary>
    [Fact]
    public async Task WriteAsync_AnItemWithSeveralReasons_CountsOneItem()
    {
        using var error = new StringWriter();
        using var report = new SkipReport(Context(error, new FakeTimeProvider(), "ztstream replay"), "audit.json");

        report.Add(new SkippedItem("item 0 (line 1)", "id", "required"));
        report.Add(new SkippedItem("item 0 (line 1)", "time", "required"));
        report.Add(new SkippedItem("item 0 (line 1)", "subject.id", "required"));
        report.Add(new SkippedItem("item 1 (line 2)", "id", "required"));
        await report.WriteAsync(scored: 3);

        Assert.Equal(2, report.Skipped);
        var lines = CommandRun.Lines(error.ToString());
        Assert.Equal(4, lines.Count(l => l.Contains(": skipped item ", StringComparison.Ordinal)));
        Assert.Contains("ztstream replay: audit.json: 5 input items: 3 events scored, 2 skipped", lines);
        Assert.Contains("ztstream replay:   skipped 2 × id: required (item 0 (line 1), item 1 (line 2))", lines);
    }
}
