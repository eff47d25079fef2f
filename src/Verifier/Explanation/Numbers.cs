namespace ZtStream.Verifier.Explanation;

/// <summary>How reasons write their numbers: invariant culture, binary units, one decimal.</summary>
internal static class Numbers
{
    public static string Bytes(double bytes) => bytes switch
    {
        >= 1024d * 1024 * 1024 * 1024 => Fmt(bytes / (1024d * 1024 * 1024 * 1024), "TB"),
        >= 1024d * 1024 * 1024 => Fmt(bytes / (1024d * 1024 * 1024), "GB"),
        >= 1024d * 1024 => Fmt(bytes / (1024d * 1024), "MB"),
        >= 1024d => Fmt(bytes / 1024d, "KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B"),
    };

    public static string One(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Hour(int hour) => string.Create(CultureInfo.InvariantCulture, $"{hour:00}:00");

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan d) => d.TotalDays >= 1
        ? One(d.TotalDays) + " days"
        : d.TotalHours >= 1 ? One(d.TotalHours) + " h" : d.TotalMinutes >= 1 ? One(d.TotalMinutes) + " min" : One(d.TotalSeconds) + " s";

    private static string Fmt(double v, string unit) => v.ToString("0.0", CultureInfo.InvariantCulture) + " " + unit;
}
