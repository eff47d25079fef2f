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
        var text = string.Join("\n", problems.Failures!);
        Assert.Contains("Verifier:AlertThreshold", text, StringComparison.Ordinal);
        Assert.Contains("Verifier:Window", text, StringComparison.Ordinal);
        Assert.Contains("SpikeFactor", text, StringComparison.Ordinal);
        Assert.Contains("RateMinimum", text, StringComparison.Ordinal);
        Assert.Contains("PolicyPath", text, StringComparison.Ordinal);
    }
}
