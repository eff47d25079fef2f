using ZtStream.Verifier.Rules.Aggregation;

namespace ZtStream.Verifier.Tests.Rules.Aggregation;

/// <summary>A group's usual busiest hour: the median of each day's busiest learned hour, on event time.</summary>
public sealed class HourlyPeaksTests
{
    private static readonly long Start = new DateTimeOffset(2024, 5, 6, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    private static long At(int day, int hour, int minute = 0) =>
        Start + TimeSpan.FromDays(day).Ticks + TimeSpan.FromHours(hour).Ticks + TimeSpan.FromMinutes(minute).Ticks;

    /// <summary>A week whose busiest hours were <paramref name="peaks"/>, each at 09:00, and some quieter hours around them.</summary>
    private static HourlyPeaks Week(params int[] peaks)
    {
        var p = new HourlyPeaks(7, At(0, 0));
        for (var d = 0; d < peaks.Length; d++)
        {
            p.Learn(At(d, 8), peaks[d] / 2, alerted: false);
            p.Learn(At(d, 9), peaks[d], alerted: false);
            p.Learn(At(d, 9, 30), peaks[d] - 1, alerted: false);
        }

        p.Advance(At(7, 0));
        return p;
    }

    [Fact]
    public void Usual_IsTheMedianOfEachDaysBusiestHour_SoThreeBusyDaysDoNotRaiseIt()
    {
        Assert.Equal(5, Week(5, 4, 500, 5, 700, 5, 900).Usual());
        Assert.Equal(6, Week(9, 6, 5, 7, 4, 8, 3).Usual());
    }

    [Fact]
    public void Usual_IsNullUntilTheGroupWasSeenForTheWholeSpan()
    {
        var p = new HourlyPeaks(7, At(0, 9));
        p.Learn(At(0, 9), 4, alerted: false);
        p.Advance(At(7, 8));
        Assert.Null(p.Usual());

        p.Advance(At(7, 9));
        Assert.Equal(0, p.Usual());
    }

    [Fact]
    public void AlertedHour_IsNotLearned_NorALaterSmallerCountInIt()
    {
        var p = new HourlyPeaks(1, At(0, 0));
        p.Learn(At(0, 3), 2, alerted: false);
        p.Learn(At(0, 4), 40, alerted: true);
        p.Learn(At(0, 4, 50), 7, alerted: false);
        p.Advance(At(1, 0));

        Assert.Equal(2, p.Usual());
    }

    [Fact]
    public void LateEvent_IsLearnedInItsOwnHour_AndChangesTheUsual()
    {
        var p = new HourlyPeaks(1, At(0, 0));
        p.Learn(At(0, 5), 3, alerted: false);
        p.Advance(At(1, 0));
        Assert.Equal(3, p.Usual());

        p.Learn(At(0, 7), 9, alerted: false);

        Assert.Equal(9, p.Usual());
        Assert.Equal(At(1, 0) / TimeSpan.TicksPerHour, p.NewestHour);
    }

    [Fact]
    public void SilenceLongerThanTheSpan_LeavesAUsualOfNothing()
    {
        var p = Week(50, 50, 50, 50, 50, 50, 50);
        p.Advance(At(30, 0));

        Assert.Equal(0, p.Usual());
    }

    [Fact]
    public void Checkpoint_KeepsTheHours()
    {
        var p = Week(5, 4, 500, 6, 700, 5, 900);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            p.Write(w);
        }

        stream.Position = 0;
        var read = HourlyPeaks.Read(new BinaryReader(stream));

        Assert.Equal(p.Usual(), read.Usual());
        Assert.Equal((p.FirstHour, p.NewestHour, p.Days), (read.FirstHour, read.NewestHour, read.Days));
    }
}
