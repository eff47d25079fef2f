namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// SigmaHQ's <c>gcp/audit</c> rules and Falco's <c>gcp_auditlog</c> rules, loaded as published (TestData), on Cloud Audit
/// Logs entries of services other than GKE in Google's documented shapes (the Ingest tests' TestData/gcp-audit), read by
/// Ingest's reader as live ingestion reads them: the rules for IAM, Storage, Logging and Compute now fire.
/// </summary>
public sealed class CloudAuditEntryRulesTests
{
    private static readonly Lazy<IReadOnlyList<Rule>> Rules = new(() =>
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read(
            [Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq", "gcp-audit"),
             Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit", "rules", "gcp_auditlog_rules.plugins-HEAD.yaml")], errors));
        Assert.Empty(errors);
        Assert.Empty(result.Errors);
        return result.Rules;
    });

    private static List<AccessEvent> Entries() =>
        [.. File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "gcp-audit", "cloud-audit-entries.ndjson"))
            .Select(line => Assert.Single(IdpRecords.MapAll("k8s-audit", line)))];

    private static string[] Fired(AccessEvent e) =>
        [.. Rules.Value.Where(r => r.Enabled && r.Matches(e)).Select(r => r.Title).Order(StringComparer.Ordinal)];

    [Fact]
    public void PublicRules_FireOnDocumentedEntries_OfIamStorageLoggingAndCompute()
    {
        var entries = Entries();

        Assert.Equal(["GCP IAM principle modified", "Google Cloud IAM Policy Changed"], Fired(entries[0]));
        Assert.Contains("GCP IAM serviceAccount key created", Fired(entries[1]));
        Assert.Contains("GCP Bucket configured to be public", Fired(entries[3]));
        Assert.Contains("GCP Bucket permissions modified", Fired(entries[3]));
        Assert.Contains("Google Cloud Log Sink Disabled or Deleted", Fired(entries[4]));
        Assert.Contains("Google Cloud Logging Sink or Bucket Modified", Fired(entries[4]));
        Assert.Contains("Google Cloud Compute Firewall Ingress Allow All SSH", Fired(entries[7]));
        Assert.Contains("Google Cloud Firewall Modified or Deleted", Fired(entries[7]));
        Assert.Contains("GCP GCE Firewall rule modified", Fired(entries[7]));
    }

    [Fact]
    public void PublicRules_StayQuiet_OnAnApplicationsRequestOfTheSameMethod()
    {
        // An SDK's access.request naming the method carries no Cloud Audit Logs entry: no gcp rule reads it.
        var e = Entries()[0] with { Raw = null };

        Assert.Empty(Fired(e));
    }

    /// <summary>
    /// The built-in library alone (no rules of others loaded), on the same documented entries: the owner role given to an
    /// outside account, a service account key, a bucket opened to everyone, the sink that feeds ZtStream deleted and SSH
    /// opened to the internet each raise their rule; the refused key destruction, an object read and a table listed raise none.
    /// </summary>
    [Fact]
    public void BuiltinRules_FireOnDocumentedEntries_AndNotOnRefusedOrReadOnlyCalls()
    {
        var fired = RuleTesting.BuiltinFired(Entries());

        Assert.Equal(
            [
                ["gcp-privileged-role-granted"], ["gcp-long-lived-credential-created"], [], ["gcp-public-access-granted"],
                ["gcp-log-routing-impaired"], [], [], ["gcp-firewall-open-to-internet"],
            ],
            fired);
    }
}
