namespace ZtStream.Verifier.Replay;

/// <summary>
/// What <c>replay</c> could not score — every item its reader could not map or Ingest's event validator refused, as live
/// ingestion would have — said as it happens and summed up at the end, on stderr so stdout stays the alerts. As it
/// happens: the first <see cref="ShownAsTheyHappen"/> skipped items one line each (where and why), then how many more
/// every <see cref="CountEvery"/>, so an input that never ends (a pipe, a growing file) still says what it skips and a
/// flood of bad lines cannot flood the terminal. At the end: grouped by field and reason with a count and the first
/// places it happened, and where event times came from when the source gave none.
/// </summary>
internal sealed class SkipReport : IDisposable
{
    /// <summary>Skipped items written one line each as they happen, before only their count is.</summary>
    public const int ShownAsTheyHappen = 20;

    /// <summary>How often the count of skipped items not shown one by one is written, while there are new ones.</summary>
    public static readonly TimeSpan CountEvery = TimeSpan.FromSeconds(10);

    private const int PlacesShown = 5;
    private const int ReasonsShown = 20;

    private readonly Dictionary<(string Field, string Reason), (int Count, List<string> Places)> reasons = [];
    private readonly SortedDictionary<string, int> timeSources = new(StringComparer.Ordinal);
    private readonly CliContext context;
    private readonly string file;
    private readonly ITimer timer;
    private readonly Lock writing = new();
    private int notShown;
    private string? lastWhere;

    /// <summary>Says skipped items on the stderr of <paramref name="context"/>'s command as they happen, naming <paramref name="file"/>.</summary>
    public SkipReport(CliContext context, string file)
    {
        this.context = context;
        this.file = file;
        // A timer rather than the next item: a flood that stops while the input waits (a pipe) is still counted.
        timer = context.Time.CreateTimer(_ => WriteNotShown(), null, CountEvery, CountEvery);
    }

    /// <summary>Items skipped: an item refused for several reasons (each said) is one item.</summary>
    public int Skipped { get; private set; }

    public void Add(SkippedItem item)
    {
        lock (writing)
        {
            Count(item);
        }
    }

    /// <summary>Counts an event dated by a fallback (the adapter's <c>ingest.time_source</c> attribute).</summary>
    public void TimeFrom(string source) => timeSources[source] = timeSources.GetValueOrDefault(source) + 1;

    /// <summary>The summary, once the input has ended; the items counted since the last count are in it.</summary>
    public async Task WriteAsync(long scored)
    {
        await timer.DisposeAsync();
        lock (writing)
        {
            notShown = 0;
        }

        await context.ErrorAsync(string.Create(CultureInfo.InvariantCulture,
            $"{file}: {scored + Skipped} input items: {scored} events scored, {Skipped} skipped"));
        var shown = 0;
        foreach (var ((field, reason), (count, places)) in reasons.OrderByDescending(r => r.Value.Count).ThenBy(r => r.Key.Field, StringComparer.Ordinal))
        {
            if (shown++ == ReasonsShown)
            {
                await context.ErrorAsync(string.Create(CultureInfo.InvariantCulture, $"  … and {reasons.Count - ReasonsShown} more reasons"));
                break;
            }

            var more = count > places.Count ? ", …" : string.Empty;
            await context.ErrorAsync(string.Create(CultureInfo.InvariantCulture,
                $"  skipped {count} × {field}: {reason} ({string.Join(", ", places)}{more})"));
        }

        if (timeSources.Count > 0)
        {
            var parts = timeSources.Select(t => string.Create(CultureInfo.InvariantCulture, $"{Describe(t.Key)} {t.Value}"));
            await context.ErrorAsync(string.Create(CultureInfo.InvariantCulture,
                $"{timeSources.Values.Sum()} events carried no primary timestamp; time taken from {string.Join(", ", parts)}"));
        }
    }

    public void Dispose() => timer.Dispose();

    private void Count(SkippedItem item)
    {
        // A reader reports an item's reasons one after another under the same place: the item is counted once.
        var newItem = item.Where != lastWhere;
        if (newItem)
        {
            Skipped++;
            lastWhere = item.Where;
        }

        var key = (item.Field, item.Reason);
        if (!reasons.TryGetValue(key, out var entry))
        {
            entry = (0, []);
        }

        if (entry.Places.Count < PlacesShown)
        {
            entry.Places.Add(item.Where);
        }

        reasons[key] = (entry.Count + 1, entry.Places);
        if (Skipped > ShownAsTheyHappen)
        {
            notShown += newItem ? 1 : 0;
            return;
        }

        context.Error.WriteLine(context.Line($"{file}: skipped {item.Where}: {item.Field}: {item.Reason}"));
        if (newItem && Skipped == ShownAsTheyHappen)
        {
            context.Error.WriteLine(context.Line(string.Create(CultureInfo.InvariantCulture,
                $"{file}: further skipped items are counted every {CountEvery.TotalSeconds:0} s and summed up at the end")));
        }
    }

    private void WriteNotShown()
    {
        lock (writing)
        {
            if (notShown > 0)
            {
                context.Error.WriteLine(context.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{file}: {notShown} more skipped ({Skipped} so far)")));
                notShown = 0;
            }
        }
    }

    private static string Describe(string source) => source switch
    {
        "previous_event" => "the previous event",
        "read" => "the time the file was read (no earlier event)",
        "received" => "the arrival time",
        _ => source,
    };
}
