using ZtStream.TestSupport.Metamorphic;


namespace ZtStream.Verifier.Tests.Authentication;

/// <summary>
/// Changes to identity-provider records that must not change what detection says about them (metamorphic relations):
/// a consistent renaming of every name and address (<see cref="Renaming"/>), another delivery path of the same records,
/// other spellings of times, members reordered or left out, a batch split across requests (<see cref="JsonMetamorphs"/>).
/// <see cref="Verdict"/> is what the Verifier says, in a form two runs can be compared by.
/// </summary>
internal static class IdpMetamorphs
{
    /// <summary>
    /// Every rule ZtStream loads for these providers: the built-in library, SigmaHQ's Okta, Auth0, Azure and GCP rules and
    /// Falco's okta and gcpaudit plugin rules — with the text they were loaded from.
    /// </summary>
    public static readonly Lazy<(IReadOnlyList<Rule> Rules, IReadOnlyList<string> Texts)> Loaded = new(() =>
    {
        var errors = new List<RuleLoadError>();
        var falco = Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit", "rules");
        var sources = RuleLoader.Builtin()
            .Concat(RuleLoader.Read(
                [
                    Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq"),
                    Path.Combine(falco, "okta_rules.plugins-HEAD.yaml"),
                    Path.Combine(falco, "gcp_auditlog_rules.plugins-HEAD.yaml"),
                ],
                errors))
            .ToList();
        Assert.Empty(errors);
        var rules = RuleLoader.Load(sources).Rules.Where(r => r.Enabled).ToList();
        Assert.Contains(rules, r => r.Format == RuleFormats.Falco);
        Assert.Contains(rules, r => r.Format == RuleFormats.Sigma);
        return (rules, [.. sources.Select(s => s.Text)]);
    });

    /// <summary>One alert as compared across runs: its principal, severity and each reason's detector, rule and score.</summary>
    public sealed record AlertVerdict(string Principal, string Severity, int Score, string Reasons);

    /// <summary>
    /// Every alert the Verifier raises on the events mapped from <paramref name="payloads"/> (each a request body of
    /// <paramref name="format"/>, in order), the Verifier holding every loaded rule; a refused item fails the test.
    /// </summary>
    public static List<AlertVerdict> Verdict(string format, IEnumerable<string> payloads, Func<string, string>? principalBack = null)
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Loaded.Value.Rules)));
        var verdicts = new List<AlertVerdict>();
        foreach (var payload in payloads)
        {
            foreach (var e in IdpRecords.MapAll(format, payload))
            {
                var result = engine.Score(e);
                if (result.Score > 0 && result.Alert is null)
                {
                    // What stayed below an alert counts as much: a finding lost or scored otherwise is a divergence.
                    verdicts.Add(new((principalBack ?? (p => p))(e.PrincipalKey), "-", result.Score, "-"));
                }

                if (result.Alert is { } alert)
                {
                    verdicts.Add(new(
                        (principalBack ?? (p => p))(alert.Principal),
                        alert.Severity,
                        alert.Score,
                        string.Join("; ", alert.Reasons.Select(r => $"{r.Detector}/{r.Rule}={r.Score}").Order(StringComparer.Ordinal))));
                }
            }
        }

        return verdicts;
    }

    /// <summary>
    /// A consistent renaming of <paramref name="scenario"/>: each name replaced by one of another length, case or script
    /// (non-ASCII, fullwidth), each address by one of another family or form that keeps which addresses share a network,
    /// drawn from <paramref name="random"/>; none of the names, old or new, occurs in any loaded rule's text.
    /// </summary>
    public static Renaming IdentityRenaming(IdpScenario scenario, Random random) => new(
        scenario.Names, scenario.Addresses, random, Renaming.IdentityName,
        name => Loaded.Value.Texts.Any(t => t.Contains(name, StringComparison.OrdinalIgnoreCase)));
}
