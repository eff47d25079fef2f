namespace ZtStream.Verifier.Tests.Replay;

public sealed class FalcoSuiteDataTests
{
    [Fact]
    public void Suite_IsFound_WithEveryExpectation()
    {
        var folder = FalcoSuite.Folder();

        Assert.NotNull(folder);
        Assert.Equal(66, FalcoSuite.Expectations(folder).Count());
    }
}
