namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Whom a loaded rule's matches are owed to: SigmaHQ's rules (Detection Rule License 1.1, declared by the set's licence
/// file), Falco's (Apache-2.0, the rules file's header), a site's own rules (nothing declared: nothing claimed).
/// </summary>
public sealed class RuleCreditsTests
{
    private static string TestData(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    private static RuleLoadResult Load(params string[] paths)
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read(paths, errors));
        Assert.Empty(errors);
        return result;
    }

    [Fact]
    public void SigmaHqRule_IsCreditedToItsAuthor_UnderTheSetsLicence()
    {
        var rule = Load(TestData("sigma-hq", "gcp-audit", "gcp_iam_policy_changed.yml")).Rules.Single();

        var credit = Assert.Single(rule.Credits);
        Assert.Equal((rule.Id, "Google Cloud IAM Policy Changed", "Ivan Saakov", "DRL-1.1"), (credit.Id, credit.Title, credit.Author, credit.License));
        Assert.Equal("https://github.com/SigmaHQ/Detection-Rule-License/blob/main/LICENSE.Detection.Rules.md", credit.LicenseUrl);
        Assert.Equal(rule.References, credit.References);
        Assert.NotEmpty(credit.References);
    }

    [Fact]
    public void FalcoRule_IsCreditedToTheFilesCopyrightHolder_UnderItsHeadersLicence()
    {
        var rules = Load(TestData("falco-k8s-audit", "rules", "gcp_auditlog_rules.plugins-HEAD.yaml")).Rules;

        var credit = Assert.Single(rules.Single(r => r.Id == "GCP IAM principle modified").Credits);
        Assert.Equal(("The Falco Authors", "Apache-2.0", "https://www.apache.org/licenses/LICENSE-2.0"), (credit.Author, credit.License, credit.LicenseUrl));
    }

    [Fact]
    public void SiteRule_WithoutAuthorOrLicence_ClaimsNone_AndARulesOwnLicenceComesFirst()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "site.yaml"), """
            id: site-sink-deleted
            title: Audit sink deleted
            severity: high
            detection:
              s:
                attributes.gcp.method_name|endswith: DeleteSink
              condition: s
            """);
        var site = Assert.Single(Load(folder.Path).Rules.Single().Credits);
        Assert.Equal(("site-sink-deleted", "Audit sink deleted", null, null), (site.Id, site.Title, site.Author, site.License));
        Assert.Empty(site.References);

        // A licence file beside the rules speaks for them; a rule's own license field for itself.
        File.WriteAllText(Path.Combine(folder.Path, "LICENSE"), "MIT License\n\nCopyright (c) 2026 Example Security Team\n");
        File.WriteAllText(Path.Combine(folder.Path, "own.yaml"), """
            id: site-own-licence
            title: Own licence
            author: Priya Nair
            license: CC0-1.0
            severity: high
            detection:
              s:
                action: delete
              condition: s
            """);
        var rules = Load(folder.Path).Rules;
        Assert.Equal("MIT", rules.Single(r => r.Id == "site-sink-deleted").Credits[0].License);
        var own = rules.Single(r => r.Id == "site-own-licence").Credits[0];
        Assert.Equal(("Priya Nair", "CC0-1.0", null), (own.Author, own.License, own.LicenseUrl));
    }

    [Fact]
    public void Correlation_CreditsItselfAndTheRulesItCorrelates()
    {
        var correlation = Load(TestData("sigma-hq")).Rules.First(r => r.Correlation is not null);

        Assert.True(correlation.Credits.Count >= 2);
        Assert.Equal(correlation.Id, correlation.Credits[0].Id);
        Assert.All(correlation.Credits, c => Assert.Equal("DRL-1.1", c.License));
        Assert.Contains(correlation.Credits, c => c.Id == correlation.Correlation!.Inputs[0].Rule.Id);
    }

    [Theory]
    [InlineData("# Detection Rule License (DRL) 1.1\n\nPermission is hereby granted", "DRL-1.1")]
    [InlineData("Detection Rule License (DRL) 1.0", "DRL-1.0")]
    [InlineData("                                 Apache License\n                           Version 2.0, January 2004", "Apache-2.0")]
    [InlineData("GPL-3.0-only\n", "GPL-3.0-only")]
    [InlineData("\n                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n", "GNU GENERAL PUBLIC LICENSE")]
    public void Recognise_NamesTheLicenceALicenceFileHolds(string text, string expected) =>
        Assert.Equal(expected, RuleCredits.Recognise(text));
}
