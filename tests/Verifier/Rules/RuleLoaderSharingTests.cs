namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// A start loaded the rule library once per reader — the options' validation, the response policy's rule references,
/// the Verifier's rule set — each parse and compile the start's most costly step. The same files, read again, now give
/// the loaded rules again; a changed file is loaded anew, so a reload still sees it. Alone in its collection: another
/// test's load between two calls here would be the last one.
/// </summary>
[Collection(nameof(RuleLoaderSharingTests))]
[CollectionDefinition(nameof(RuleLoaderSharingTests), DisableParallelization = true)]
public sealed class RuleLoaderSharingTests : IDisposable
{
    private readonly TempFolder temp = new("zt-rules-shared-");

    public void Dispose() => temp.Dispose();

    [Fact]
    public void LoadConfigured_SameFilesReadAgain_GivesTheLoadedRules_AChangedFileLoadsAnew()
    {
        var file = Path.Combine(temp.Path, "mine.yaml");
        File.WriteAllText(file, RuleTesting.Minimal("mine"));
        var first = RuleLoader.LoadConfigured(new RuleOptions { Paths = [temp.Path] });

        // Another options record naming the same files, as each reader binds its own.
        Assert.Same(first, RuleLoader.LoadConfigured(new RuleOptions { Paths = [temp.Path] }));

        File.WriteAllText(file, RuleTesting.Minimal("yours"));
        var changed = RuleLoader.LoadConfigured(new RuleOptions { Paths = [temp.Path] });
        Assert.NotSame(first, changed);
        Assert.Contains(changed.Rules, r => r.Id == "yours");
        Assert.DoesNotContain(changed.Rules, r => r.Id == "mine");

        var staged = RuleLoader.LoadConfigured(new RuleOptions { Paths = [temp.Path], Staged = ["yours"] });
        Assert.NotSame(changed, staged);
        Assert.True(staged.Rules.Single(r => r.Id == "yours").Staged);
        Assert.NotSame(staged, RuleLoader.LoadConfigured(new RuleOptions { Paths = [temp.Path], Builtin = false, Staged = ["yours"] }));
    }
}
