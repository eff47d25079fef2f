namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>SigmaHQ's Linux process-creation rules as shipped in TestData/sigma-hq/linux-process-creation, loaded once.</summary>
internal static class SigmaHqLinuxProcessCreationFolder
{
    private static readonly Lazy<RuleLoadResult> Loaded = new(() =>
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read([Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq", "linux-process-creation")], errors));
        Assert.Empty(errors);
        return result;
    });

    public static RuleLoadResult Set => Loaded.Value;

    public static Rule Rule(string id) => Set.Rules.Single(r => r.Id == id);
}
