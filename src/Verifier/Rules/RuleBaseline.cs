namespace ZtStream.Verifier.Rules;

/// <summary>
/// An aggregation judged against each group's own usual rather than one fixed threshold: once a group has been seen
/// for <see cref="Days"/> days, it matches at <see cref="Factor"/> × its usual busiest hour (the median over those days
/// of each day's busiest hour, <see cref="Aggregation.HourlyPeaks"/>), never under <see cref="Minimum"/> nor over
/// <see cref="Maximum"/>; until then at the aggregation's threshold.
/// </summary>
/// <param name="Days">The days of history a group needs, and that its usual is the median of.</param>
/// <param name="Factor">How far above its usual a group's count must be.</param>
/// <param name="Minimum">The lowest threshold, however quiet the group's usual.</param>
/// <param name="Maximum">The highest threshold, however busy the group's usual: a count this high always matches.</param>
internal sealed record RuleBaseline(int Days, double Factor, int Minimum, int Maximum)
{
    public const int DefaultDays = 7;
    public const double DefaultFactor = 3;
    public const int MaxDays = 28;
    public const double MaxFactor = 100;

    /// <summary>The threshold for a group whose usual busiest hour is <paramref name="usual"/>.</summary>
    public int Threshold(int usual) => (int)Math.Clamp(Math.Ceiling(Factor * usual), Minimum, Maximum);

    /// <summary>How the threshold came about, for a reason's words.</summary>
    public string Explain(int threshold, int? usual) => usual is { } u
        ? $"threshold {threshold}: {Numbers.One(Factor)} × the group's usual busiest hour, {u} (the median of its last {Days} days), at least {Minimum}, at most {Maximum}"
        : $"threshold {threshold}: under {Days} days of the group's history";

    public string Fingerprint => string.Create(CultureInfo.InvariantCulture, $"baseline:{Days},{Factor},{Minimum},{Maximum}");
}
