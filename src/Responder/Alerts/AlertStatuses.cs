namespace ZtStream.Responder.Alerts;

/// <summary>
/// Triage status of an alert: open → acknowledged → in progress → closed, where closed is one of three resolutions
/// (true positive, false positive, benign). <see cref="Closed"/> is a filter that matches the three.
/// </summary>
internal static class AlertStatuses
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string InProgress = "in_progress";
    public const string TruePositive = "true_positive";
    public const string FalsePositive = "false_positive";
    public const string Benign = "benign";

    /// <summary>Filter value only: any of the closed resolutions.</summary>
    public const string Closed = "closed";

    public static readonly string[] All = [Open, Acknowledged, InProgress, TruePositive, FalsePositive, Benign];

    public static readonly string[] ClosedOnes = [TruePositive, FalsePositive, Benign];

    public static bool IsKnown(string? status) => status is not null && All.Contains(status, StringComparer.Ordinal);

    public static bool IsClosed(string? status) => status is not null && ClosedOnes.Contains(status, StringComparer.Ordinal);
}
