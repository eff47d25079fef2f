namespace ZtStream.Host.Tests.Check;

/// <summary>
/// <c>ztstream check</c> compares the clusters Ingest's sources are labelled with or limited to (docs/sources.md "Clusters")
/// with those the isolation driver acts in (docs/drivers.md): a warning for either side without the other, naming source
/// or driver and cluster, and the exit code of a check that passed (docs/operations.md).
/// </summary>
public sealed class CheckClusterCoverageTests
{
    [Fact]
    public async Task LabelledSourceNoDriverServes_AndDriverClusterNoSourceNames_WarnBoth_ExitZero()
    {
        using var folder = new TempFolder("zt-check-");
        await SourcesAsync(folder, "add", "kube-prod-eu", "--kinds", "k8s.audit", "--cluster", "prod-eu");

        var (code, output, error) = await CheckAsync(folder, Nftables("prod-us"));

        Assert.True(code == 0, output + error);
        var warnings = Warnings(output);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, l => l.Contains("source kube-prod-eu: labels its records with cluster prod-eu", StringComparison.Ordinal)
            && l.Contains("nftables isolator acts in prod-us", StringComparison.Ordinal));
        Assert.Contains(warnings, l => l.Contains("driver nftables: acts in cluster prod-us (Responder:Drivers:Nftables:Cluster)", StringComparison.Ordinal));
        Assert.Equal("all checks passed; 2 warning(s)", output.TrimEnd().Split('\n')[^1].Trim());
    }

    [Fact]
    public async Task SourceLimitedToClusters_EachNamedOneUnserved_WarnsPerCluster_AMatchingPatternDoesNot()
    {
        using var folder = new TempFolder("zt-check-");
        await SourcesAsync(folder, "add", "eks-audit", "--kinds", "k8s.audit", "--clusters", "staging-*,PROD-EU");
        await SourcesAsync(folder, "add", "gke-audit", "--kinds", "k8s.audit", "--clusters", "gke-*");

        var (code, output, error) = await CheckAsync(folder, ["--set", "Responder:Drivers:Isolation=docker", "--set", "Responder:Drivers:Docker:Cluster=staging-a"]);

        Assert.True(code == 0, output + error);
        var warnings = Warnings(output);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, l => l.Contains("source eks-audit: may speak for cluster PROD-EU (--clusters)", StringComparison.Ordinal));
        Assert.Contains(warnings, l => l.Contains("source gke-audit: may speak for clusters matching gke-* (--clusters)", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, l => l.Contains("staging", StringComparison.Ordinal) && l.Contains("source eks-audit: may speak for clusters matching", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoIsolationDriver_ALabelledSourceIsWarnedOf_SayingSo()
    {
        using var folder = new TempFolder("zt-check-");
        await SourcesAsync(folder, "add", "falco-prod", "--kinds", "runtime.alert", "--cluster", "prod");

        var (code, output, _) = await CheckAsync(folder, []);

        Assert.Equal(0, code);
        var warning = Assert.Single(Warnings(output));
        Assert.Contains("source falco-prod: labels its records with cluster prod (--cluster), and no isolation driver is configured (Responder:Drivers:Isolation is none)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EverySideNamesTheOther_OneOkLine_NoWarning_ARevokedSourceCountsForNothing()
    {
        using var folder = new TempFolder("zt-check-");
        await SourcesAsync(folder, "add", "kube-prod", "--kinds", "k8s.audit", "--cluster", "prod");
        var (code, output, error) = await CheckAsync(folder, Nftables("prod"));

        Assert.True(code == 0, output + error);
        Assert.Empty(Warnings(output));
        Assert.Contains(output.Split('\n'), l => l.StartsWith("ok    clusters", StringComparison.Ordinal));
        Assert.Equal("all checks passed", output.TrimEnd().Split('\n')[^1].Trim());

        // Revoked, the source sends nothing: the driver's cluster is named by no source.
        await SourcesAsync(folder, "revoke", "kube-prod");
        (code, output, _) = await CheckAsync(folder, Nftables("prod"));

        Assert.Equal(0, code);
        Assert.Contains("driver nftables: acts in cluster prod", Assert.Single(Warnings(output)), StringComparison.Ordinal);
    }

    private static string[] Nftables(string cluster) => ["--set", "Responder:Drivers:Isolation=nftables", "--set", $"Responder:Drivers:Nftables:Cluster={cluster}"];

    private static List<string> Warnings(string output) => [.. output.Split('\n').Where(l => l.StartsWith("warn  clusters", StringComparison.Ordinal))];

    private static async Task SourcesAsync(TempFolder folder, params string[] args)
    {
        var (code, output, error) = await CliRun.RunAsync(["sources", .. args, "--sqlite", CliRun.Database(folder)]);
        Assert.True(code == 0, output + error);
    }

    private static Task<(int Code, string Out, string Err)> CheckAsync(TempFolder folder, string[] args) =>
        CliRun.RunAsync(["check", .. CliRun.DataIn(folder), .. args]);
}
