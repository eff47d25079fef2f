namespace ZtStream.Verifier.Tests;

public sealed class VerifierOptionsTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Empty(VerifierOptionsValidator.Validate(new VerifierOptions()));

    [Fact]
    public void Validate_ListsEveryProblem()
    {
        var problems = new VerifierOptionsValidator().Validate(null, new VerifierOptions
        {
            AlertThreshold = 0,
            Window = TimeSpan.Zero,
            SpikeFactor = 1,
            RateMinimum = 0,
            PolicyPath = "/nonexistent/policy.yaml",
        });
        Assert.True(problems.Failed);
        ProblemList.AssertNames(problems.Failures!, "Verifier:AlertThreshold", "Verifier:Window", "SpikeFactor", "RateMinimum", "PolicyPath");
    }

    [Theory]
    [InlineData(0, 50_000, "Verifier:Workers must be 1–64 (is 0)")]
    [InlineData(65, 50_000, "Verifier:Workers must be 1–64 (is 65)")]
    [InlineData(4, 3, "Verifier:MaxPrincipals and MaxOpenAlerts must be at least Workers (4): each worker keeps a share")]
    public void Validate_Workers_OutOfRangeOrMoreThanTheCaps_SaysSo(int workers, int maxPrincipals, string problem) =>
        Assert.Contains(problem, VerifierOptionsValidator.Validate(new VerifierOptions { Workers = workers, MaxPrincipals = maxPrincipals }));

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void Validate_Workers_InRange_IsValid(int workers) =>
        Assert.Empty(VerifierOptionsValidator.Validate(new VerifierOptions { Workers = workers }));

    [Fact]
    public void Validate_BadRuleFile_ListsFileLineAndReason()
    {
        using var dir = new TempFolder("zt-badrule-");
        var bad = Path.Combine(dir.Path, "bad.yaml");
        File.WriteAllText(bad, "id: x\ntitle: X\nseverity: extreme\ndetection:\n  s:\n    action: a\n  condition: s\n");
        var result = new VerifierOptionsValidator().Validate(null, new VerifierOptions { Rules = new Verifier.Rules.RuleOptions { Paths = [bad, Path.Combine(dir.Path, "missing")] } });
        Assert.True(result.Failed);
        Assert.Contains($"Verifier:Rules: {bad}:3: rule 'x': 'severity' must be one of low, medium, high, critical (is 'extreme')", result.Failures!);
        Assert.Contains(result.Failures!, f => f.StartsWith("Verifier:Rules: " + Path.Combine(dir.Path, "missing"), StringComparison.Ordinal) && f.EndsWith("no such file or directory", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultRules_AreValid() => Assert.False(new VerifierOptionsValidator().Validate(null, new VerifierOptions()).Failed);
}
