namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// Sigma rules for the identity providers, written in SigmaHQ's style with the field names SigmaHQ's Okta, Auth0 and
/// Azure rules use (TestData/sigma-idp), and provider records mapped by the readers <c>ztstream replay --format</c> uses.
/// </summary>
internal static class SigmaIdp
{
    private static readonly Lazy<IReadOnlyDictionary<string, Rule>> Rules =
        new(() => RuleTesting.Folder(Folder()).ToDictionary(r => Path.GetFileNameWithoutExtension(r.Origin.File), StringComparer.Ordinal));

    public static string Folder() => Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-idp");

    public static IReadOnlyCollection<Rule> All => [.. Rules.Value.Values];

    /// <summary>The rule of TestData/sigma-idp/*/<paramref name="file"/>.yml.</summary>
    public static Rule Rule(string file) => Rules.Value[file];

    /// <summary>True when any event the reader maps from <paramref name="json"/> (address twins included) matches.</summary>
    public static bool Fires(this Rule rule, string format, string json) => IdpRecords.MapAll(format, json).Exists(rule.Matches);

    /// <summary>A Sigma rule of <paramref name="logsource"/> (YAML under <c>logsource:</c>) whose detection is <paramref name="detection"/>.</summary>
    public static string RuleText(string logsource, string detection) => $"""
        title: T
        id: 00000000-0000-4000-8000-000000000001
        logsource:
        {RuleTesting.Indent(logsource)}
        detection:
        {RuleTesting.Indent(detection)}
        level: high
        """;

    /// <summary>The Sigma rule of <paramref name="logsource"/> whose detection is <paramref name="detection"/>; fails the test on any load error.</summary>
    public static Rule Inline(string logsource, string detection) => RuleTesting.One(RuleText(logsource, detection));

    /// <summary>The one error of loading the Sigma rule of <paramref name="logsource"/> whose detection is <paramref name="detection"/>.</summary>
    public static RuleLoadError ErrorOf(string logsource, string detection) => Assert.Single(RuleTesting.Errors(RuleText(logsource, detection)));

    /// <summary>
    /// A selection on <paramref name="field"/> in a rule of <paramref name="logsource"/> is refused: the field has no value in
    /// <paramref name="events"/> (the logsource's events, as the error names them), for the reason <paramref name="why"/>.
    /// </summary>
    public static void AssertNoValueIn(string logsource, string events, string field, string why)
    {
        var reason = ErrorOf(logsource, $"selection:\n  {field}: x\ncondition: selection").Reason;

        Assert.StartsWith($"field '{field}' has no value in {events}: ", reason, StringComparison.Ordinal);
        Assert.Contains(why, reason, StringComparison.Ordinal);
    }
}
