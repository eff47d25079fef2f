namespace ZtStream.Verifier.Replay;

/// <summary>
/// What <c>replay</c> could not score — every item its reader could not map or Ingest's event validator refused, as live
/// ingestion would have — grouped by field and reason with a count and the first places it happened, and where event times
/// came from when the source gave none. Written to stderr so stdout stays the alerts.
/// </summary>
internal sealed class SkipReport
{
    private const int PlacesShown = 5;
    private const int ReasonsShown = 20;

    private readonly Dictionary<(string Field, string Reason), (int Count, List<string> Places)> reasons = [];
    private readonly SortedDictionary<string, int> timeSources = new(StringComparer.Ordinal);

    public int Skipped { get; private set; }

    public void Add(SkippedItem item)
    {
        Skipped++;
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
    }

    /// <summary>Counts an event dated by a fallback (the adapter's <c>ingest.time_source</c> attribute).</summary>
    public void TimeFrom(string source) => timeSources[source] = timeSources.GetValueOrDefault(source) + 1;

    public async Task WriteAsync(TextWriter error, string file, long scored)
    {
        await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"replay: {file}: {scored + Skipped} input items: {scored} events scored, {Skipped} skipped"));
        var shown = 0;
        foreach (var ((field, reason), (count, places)) in reasons.OrderByDescending(r => r.Value.Count).ThenBy(r => r.Key.Field, StringComparer.Ordinal))
        {
            if (shown++ == ReasonsShown)
            {
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"replay:   … and {reasons.Count - ReasonsShown} more reasons"));
                break;
            }

            var more = count > places.Count ? ", …" : string.Empty;
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"replay:   skipped {count} × {field}: {reason} ({string.Join(", ", places)}{more})"));
        }

        if (timeSources.Count > 0)
        {
            var parts = timeSources.Select(t => string.Create(CultureInfo.InvariantCulture, $"{Describe(t.Key)} {t.Value}"));
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"replay: {timeSources.Values.Sum()} events carried no primary timestamp; time taken from {string.Join(", ", parts)}"));
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
