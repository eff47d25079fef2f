namespace ZtStream.Verifier.Rules;

/// <summary>
/// Score of a rule match by severity. An alert is raised from 60 (<see cref="VerifierOptions.AlertThreshold"/>), so a
/// high or critical rule alerts on its own, while low and medium rules alert only together with other evidence
/// (another rule, a baseline, the model) on the same event.
/// </summary>
internal static class RuleScores
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";
    public const string Critical = "critical";

    /// <summary>The severities a rule may have.</summary>
    public static IReadOnlyList<string> Severities { get; } = [Low, Medium, High, Critical];

    public static int FromSeverity(string severity) => severity switch
    {
        Low => 30,
        Medium => 50,
        High => 75,
        Critical => 95,
        _ => 0,
    };

    /// <summary>The severity band a rule of its own score is listed under (the alert bands of <see cref="Contracts.Alerts.Severities"/>).</summary>
    public static string SeverityOf(int score) => Contracts.Alerts.Severities.FromScore(score);
}
