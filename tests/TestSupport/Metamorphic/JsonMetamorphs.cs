namespace ZtStream.TestSupport.Metamorphic;

/// <summary>
/// Changes to a source's JSON records that must not change what detection says about them: every string passed through
/// a change (a renaming), members reordered, optional members left out or null, times written another way, a batch
/// split across requests. Shared by the in-process metamorphic tests and the end-to-end ones, which post the records to
/// a running <c>ztstream</c>.
/// </summary>
public static class JsonMetamorphs
{
    /// <summary>The first run's seed; <c>ZTSTREAM_TEST_METAMORPH_SEED</c> picks another, to reproduce or explore.</summary>
    public static readonly int Seed = Fuzzing.JsonReshaper.Setting("ZTSTREAM_TEST_METAMORPH_SEED", 20260302);

    /// <summary>Runs of each relation, each with the next seed; <c>ZTSTREAM_TEST_METAMORPH_RUNS</c> for more.</summary>
    public static readonly int Runs = Fuzzing.JsonReshaper.Setting("ZTSTREAM_TEST_METAMORPH_RUNS", 3);

    /// <summary>A copy of <paramref name="node"/> with every string value passed through <paramref name="change"/>.</summary>
    public static JsonNode Map(JsonNode node, Func<string, string> change) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Map(p.Value, change)))),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Map(x, change))]),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(change(v.GetValue<string>())),
        _ => node.DeepClone(),
    };

    /// <summary>A copy of <paramref name="node"/> with every object's members in an order drawn from <paramref name="random"/>.</summary>
    public static JsonNode Reorder(JsonNode node, Random random) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(_ => random.Next()).Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Reorder(p.Value, random))).ToList()),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Reorder(x, random))]),
        _ => node.DeepClone(),
    };

    /// <summary>
    /// A copy of <paramref name="node"/> with each member named in <paramref name="optional"/> (at any depth) removed or
    /// set to null, as <paramref name="random"/> draws; every member whose value is null removed or kept likewise.
    /// </summary>
    public static JsonNode Prune(JsonNode node, Random random, IReadOnlySet<string> optional) => node switch
    {
        JsonObject o => new JsonObject(o
            .Where(p => !((p.Value is null || optional.Contains(p.Key)) && random.Next(2) == 0))
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null || optional.Contains(p.Key) ? null : Prune(p.Value, random, optional)))
            .ToList()),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Prune(x, random, optional))]),
        _ => node.DeepClone(),
    };

    /// <summary>
    /// An ISO 8601 time written another way the vendors or their pipelines write it: no fraction, seven or nine digits,
    /// an offset other than Z, as <paramref name="random"/> draws.
    /// </summary>
    public static string Retime(string iso, Random random)
    {
        var t = DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);
        var local = t.ToOffset(TimeSpan.FromMinutes(random.Next(-11, 14) * 60 + (random.Next(2) * 30)));
        return random.Next(5) switch
        {
            0 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) is var s && t.Millisecond == 0 ? s : iso,
            1 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            2 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture),
            3 => local.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            _ => local.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture),
        };
    }

    /// <summary><paramref name="items"/> cut into consecutive batches of one to <paramref name="most"/>, as <paramref name="random"/> draws.</summary>
    public static List<List<T>> Split<T>(IReadOnlyList<T> items, Random random, int most)
    {
        var batches = new List<List<T>>();
        for (var i = 0; i < items.Count;)
        {
            var n = Math.Min(random.Next(1, most + 1), items.Count - i);
            batches.Add([.. items.Skip(i).Take(n)]);
            i += n;
        }

        return batches;
    }
}
