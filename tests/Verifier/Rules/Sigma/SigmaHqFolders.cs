namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>Folders of TestData/sigma-hq loaded as one set, as <c>ztstream rules list</c> loads them: every file read, or the test fails.</summary>
internal static class SigmaHqFolders
{
    public static RuleLoadResult Load(params string[] folders)
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read([.. folders.Select(f => Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq", f))], errors));
        Assert.Empty(errors);
        return result;
    }
}
