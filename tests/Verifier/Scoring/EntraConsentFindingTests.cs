namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// A consent given in the portal writes "Consent to application" and "Add delegated permission grant" (IngestTestData/entra,
/// portal-consent.ndjson): Ingest gives the pair one id, so the consent rules find it once, whichever record comes first;
/// a grant made straight through Graph, with no consent record, is a consent of its own and is found.
/// </summary>
public sealed class EntraConsentFindingTests
{
    private static string[] Lines() => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "entra", "portal-consent.ndjson"));

    private static (List<ScoreResult> Results, List<string> Matched) Score(params string[] records)
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet([.. RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => r.Enabled)])));
        var matched = new List<string>();
        engine.Rules.Matched = (rule, _, _) => matched.Add(rule.Id);
        return ([.. IdpRecords.MapAll("entra", string.Join("\n", records)).Select(e => engine.Score(ContractJson.Serialize(e)))], matched);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void Score_ConsentInThePortal_OneFinding_WhicheverRecordComesFirst(int first, int second)
    {
        var lines = Lines();

        var (results, matched) = Score(lines[first], lines[second]);

        Assert.Equal([false, true], results.Select(r => r.Duplicate));
        Assert.Equal(["identity-app-consent-risky"], matched);
    }

    [Fact]
    public void Score_GrantThroughGraph_FoundAlone_BesideAPortalConsent()
    {
        var (results, matched) = Score(Lines());

        Assert.Equal([false, true, false], results.Select(r => r.Duplicate));
        Assert.Equal(["identity-app-consent-risky", "identity-app-consent-risky"], matched);
    }
}
