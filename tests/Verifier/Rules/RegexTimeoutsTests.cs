using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ZtStream.TestSupport.Faults;
using ZtStream.TestSupport.Logging;
using ZtStream.Verifier.Rules.Detection;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>A regular expression that runs out of matching time still counts as no match, but is counted and logged.</summary>
public sealed class RegexTimeoutsTests
{
    [Fact]
    public void Test_PatternRunsOutOfTime_NoMatch_CountedForTheRule()
    {
        // A lookahead needs the backtracking engine, and (a+)+ before a failing end backtracks exponentially.
        var rule = $"rule-{Guid.NewGuid():N}";
        var test = RegexTest.Compile("^(a+)+(?!x)$", ignoreCase: false, multiline: false, singleline: false, rule);
        using var counted = new CountedTimeouts(rule);

        var matched = test.Test(new Leaf(LeafKind.String, new string('a', 40) + "!", default), null!);

        Assert.False(matched);
        Assert.Equal(1, counted.Total);
    }

    [Fact]
    public void Record_SameRuleWithinAMinute_LogsOnce_ThenSaysHowManyWereNotLogged()
    {
        var rule = $"rule-{Guid.NewGuid():N}";
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var time = new FakeTimeProvider();
        var timeouts = new RegexTimeouts(factory.CreateLogger<RegexTimeouts>(), time);
        using var counted = new CountedTimeouts(rule);

        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));
        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));
        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));
        time.Advance(TimeSpan.FromMinutes(1));
        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));
        timeouts.Record("another-rule", "x+", TimeSpan.FromMilliseconds(50));

        Assert.Equal(4, counted.Total);
        var lines = log.Lines.Where(l => l.Id.Id == 4055).Select(l => l.Message).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains(rule, lines[0], StringComparison.Ordinal);
        Assert.Contains("'(a+)+'", lines[0], StringComparison.Ordinal);
        Assert.Contains("50 ms", lines[0], StringComparison.Ordinal);
        Assert.Contains("(0 more since", lines[0], StringComparison.Ordinal);
        Assert.Contains("(2 more since", lines[1], StringComparison.Ordinal);
        Assert.Contains("another-rule", lines[2], StringComparison.Ordinal);
    }

    /// <summary>
    /// The minute between warnings is measured on the monotonic clock: after the wall clock steps back an hour, the next
    /// timeout a minute later is logged, not held back for the hour; a step forward does not log sooner.
    /// </summary>
    [Theory]
    [InlineData(-60)]
    [InlineData(-2)]
    [InlineData(60)]
    public void Record_WallClockStepped_LogsAgainAfterAMinuteNotTheStep(int stepMinutes)
    {
        var rule = $"rule-{Guid.NewGuid():N}";
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var time = new SteppedFakeClock(DateTimeOffset.UtcNow);
        var timeouts = new RegexTimeouts(factory.CreateLogger<RegexTimeouts>(), time);

        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));
        time.Offset = TimeSpan.FromMinutes(stepMinutes);
        time.Advance(TimeSpan.FromSeconds(30));
        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));
        Assert.Single(log.Lines, l => l.Id.Id == 4055);

        time.Advance(TimeSpan.FromSeconds(30));
        timeouts.Record(rule, "(a+)+", TimeSpan.FromMilliseconds(50));

        var lines = log.Lines.Where(l => l.Id.Id == 4055).Select(l => l.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("(1 more since", lines[1], StringComparison.Ordinal);
    }

    /// <summary>The timeouts counter's measurements tagged with one rule.</summary>
    private sealed class CountedTimeouts : IDisposable
    {
        private readonly MeterListener listener = new();
        private long total;

        public CountedTimeouts(string rule)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == RegexTimeouts.CounterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "rule" && Equals(tag.Value, rule))
                    {
                        Interlocked.Add(ref total, value);
                    }
                }
            });
            listener.Start();
        }

        public long Total => Interlocked.Read(ref total);

        public void Dispose() => listener.Dispose();
    }
}
