namespace ZtStream.Verifier.Rules;

/// <summary>
/// Score of a rule match by severity. An alert is raised from 60 (<see cref="VerifierOptions.AlertThreshold"/>), so a
/// high or critical rule alerts on its own, while low and medium rules alert only together with other evidence
/// (another rule, a baseline, the model) on the same event.
/// </summary>
internal static class RuleScores
{
    /// <summary>The severities a rule may have: the alerts' (<see cref="Contracts.Alerts.Severities"/>).</summary>
    public static IReadOnlyList<string> Severities { get; } =
        [Contracts.Alerts.Severities.Low, Contracts.Alerts.Severities.Medium, Contracts.Alerts.Severities.High, Contracts.Alerts.Severities.Critical];

    public static int FromSeverity(string severity) => severity switch
    {
        Contracts.Alerts.Severities.Low => 30,
        Contracts.Alerts.Severities.Medium => 50,
        Contracts.Alerts.Severities.High => 75,
        Contracts.Alerts.Severities.Critical => 95,
        _ => 0,
    };

    /// <summary>The severity band a rule of its own score is listed under (the alert bands of <see cref="Contracts.Alerts.Severities"/>).</summary>
    public static string SeverityOf(int score) => Contracts.Alerts.Severities.FromScore(score);
}
