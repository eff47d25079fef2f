namespace ZtStream.Verifier.Model;

/// <summary>The per-event feature vector the anomaly model sees (names are used in its reasons).</summary>
internal static class ModelFeatures
{
    public static readonly string[] Names =
    [
        "bytes (log)",
        "requests in window (log)",
        "distinct resources in window (log)",
        "denials in window (log)",
        "denied",
        "write",
        "new resource",
        "new data class",
        "new source",
        "hour rarity",
    ];

    public static int Count => Names.Length;

    public static void Fill(float[] v, PrincipalState s, in EventFacts f)
    {
        v[0] = MathF.Log(1 + f.Bytes);
        v[1] = MathF.Log(1 + s.WindowCount);
        v[2] = MathF.Log(1 + s.WindowResources.Count);
        v[3] = MathF.Log(1 + s.WindowDenied);
        v[4] = f.Denied ? 1 : 0;
        v[5] = f.Write ? 1 : 0;
        v[6] = f.NewResource ? 1 : 0;
        v[7] = f.NewDataClass ? 1 : 0;
        v[8] = f.NewWorkload || f.NewIp || f.NewAgent ? 1 : 0;
        var max = 1;
        foreach (var h in s.HourCounts)
        {
            max = Math.Max(max, h);
        }

        v[9] = 1 - ((float)s.HourCounts[f.Hour] / max);
    }
}
