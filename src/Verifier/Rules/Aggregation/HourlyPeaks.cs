namespace ZtStream.Verifier.Rules.Aggregation;

/// <summary>
/// A group's own usual, for an aggregation with a <see cref="RuleBaseline"/>: the highest count the group reached in each
/// hour of event time over the last <see cref="RuleBaseline.Days"/> days, one small counter an hour in a ring
/// (<c>days × 24 + 1</c> of them: 169 × 2 bytes for a week). The usual is the median over those days of each day's
/// busiest hour — a median, so an attack on fewer than half the days does not raise it — and an hour in which the group
/// reached its baseline threshold is not learned at all (<see cref="Alerted"/>), so an attack lasting days does not
/// become the usual either. Before the group has been seen for the whole span there is no usual, and the rule's fixed
/// threshold holds; hours that reach it then are learned (a median of a week, most of it ordinary, is what the group
/// is). Single-threaded, like its book.
/// </summary>
internal sealed class HourlyPeaks
{
    /// <summary>An hour in which the group reached its baseline threshold: not part of the usual.</summary>
    public const ushort Alerted = ushort.MaxValue;

    private const long TicksPerHour = TimeSpan.TicksPerHour;

    // The hour h is at h % Length; the ring holds the hours (NewestHour - Length, NewestHour].
    private readonly ushort[] hours;

    // The usual as of one newest hour: it changes only when the hour does, and is asked for each matching event.
    private long usualAt = long.MinValue;
    private int? usual;

    public HourlyPeaks(int days, long ticks)
    {
        hours = new ushort[(days * 24) + 1];
        FirstHour = NewestHour = ticks / TicksPerHour;
    }

    private HourlyPeaks(ushort[] hours, long firstHour, long newestHour)
    {
        this.hours = hours;
        FirstHour = firstHour;
        NewestHour = newestHour;
    }

    public long FirstHour { get; private set; }

    public long NewestHour { get; private set; }

    public int Days => (hours.Length - 1) / 24;

    /// <summary>
    /// The median of the busiest learned hour of each of the last <see cref="Days"/> days before the newest hour; null
    /// while the group has been seen for less than that, or when every hour of those days was alerted.
    /// </summary>
    public int? Usual()
    {
        if (usualAt == NewestHour)
        {
            return usual;
        }

        usualAt = NewestHour;
        usual = null;
        if (FirstHour > NewestHour - (Days * 24))
        {
            return null;
        }

        Span<int> peaks = stackalloc int[Days];
        var n = 0;
        for (var d = 0; d < Days; d++)
        {
            var peak = -1;
            for (var k = 1; k <= 24; k++)
            {
                var c = hours[Slot(NewestHour - (d * 24) - k)];
                if (c != Alerted && c > peak)
                {
                    peak = c;
                }
            }

            if (peak >= 0)
            {
                peaks[n++] = peak;
            }
        }

        if (n == 0)
        {
            return null;
        }

        // The lower median of an even count: a tie between an ordinary day and an attacked one goes to the ordinary.
        peaks[..n].Sort();
        usual = peaks[(n - 1) / 2];
        return usual;
    }

    /// <summary>
    /// Moves the ring to the hour of <paramref name="ticks"/> (hours skipped saw nothing: 0), unless it is older than the
    /// newest; false when it is older than the ring holds.
    /// </summary>
    public bool Advance(long ticks)
    {
        var hour = ticks / TicksPerHour;
        if (hour > NewestHour)
        {
            for (var h = Math.Max(NewestHour + 1, hour - hours.Length + 1); h <= hour; h++)
            {
                hours[Slot(h)] = 0;
            }

            NewestHour = hour;
        }

        FirstHour = Math.Min(FirstHour, hour);
        return hour > NewestHour - hours.Length;
    }

    /// <summary>
    /// Learns <paramref name="count"/> as reached in the hour of <paramref name="ticks"/>, or marks that hour
    /// <see cref="Alerted"/> (for good: a later, smaller count in it does not make it ordinary).
    /// </summary>
    public void Learn(long ticks, int count, bool alerted)
    {
        if (!Advance(ticks))
        {
            return;
        }

        var hour = ticks / TicksPerHour;
        if (hour < NewestHour)
        {
            // A late event changes an hour the usual is made of.
            usualAt = long.MinValue;
        }

        ref var c = ref hours[Slot(hour)];
        if (alerted)
        {
            c = Alerted;
        }
        else if (c != Alerted)
        {
            c = (ushort)Math.Max(c, Math.Min(count, Alerted - 1));
        }
    }

    private int Slot(long hour) => (int)(((hour % hours.Length) + hours.Length) % hours.Length);

    public void Write(BinaryWriter w)
    {
        w.Write(FirstHour);
        w.Write(NewestHour);
        w.Write(hours.Length);
        foreach (var c in hours)
        {
            w.Write(c);
        }
    }

    public static HourlyPeaks Read(BinaryReader r)
    {
        var first = r.ReadInt64();
        var newest = r.ReadInt64();
        var length = r.ReadInt32();
        if (length < 25 || (length - 1) % 24 != 0 || length > (RuleBaseline.MaxDays * 24) + 1)
        {
            throw new InvalidDataException($"hourly peaks of {length} hours is not a whole number of days");
        }

        var hours = new ushort[length];
        for (var i = 0; i < length; i++)
        {
            hours[i] = r.ReadUInt16();
        }

        return new HourlyPeaks(hours, first, newest);
    }
}
