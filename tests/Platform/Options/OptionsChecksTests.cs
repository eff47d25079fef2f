namespace ZtStream.Platform.Tests.Options;

public sealed class OptionsChecksTests
{
    [Fact]
    public void Bounds_AddOneLineNamingKeyAndValue_OnlyWhenBroken()
    {
        var problems = new List<string>();

        problems.AtLeast("S:Count", 0, 1);
        problems.AtLeast("S:Fine", 1, 1);
        problems.Positive("S:Interval", TimeSpan.Zero);
        problems.Positive("S:Delay", TimeSpan.FromMilliseconds(1));
        problems.NotNegative("S:WarmUp", TimeSpan.FromSeconds(-1));
        problems.NotNegative("S:Idle", TimeSpan.Zero);
        problems.NotNegative("S:Events", -2);
        problems.NotNegative("S:None", 0);

        Assert.Equal(
            [
                "S:Count must be at least 1 (is 0)",
                "S:Interval must be positive (is 00:00:00)",
                "S:WarmUp must not be negative (is -00:00:01)",
                "S:Events must not be negative (is -2)",
            ],
            problems);
    }

    [Fact]
    public void UniqueName_MissingOrRepeated_IsAProblem_ComparedAsTheSetCompares()
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        problems.UniqueName("S:Items:0:Name", "soc", seen);
        problems.UniqueName("S:Items:1:Name", " ", seen);
        problems.UniqueName("S:Items:2:Name", null, seen);
        problems.UniqueName("S:Items:3:Name", "SOC", seen);
        problems.UniqueName("S:Items:4:Name", "pager", seen);

        Assert.Equal(
            ["S:Items:1:Name is required", "S:Items:2:Name is required", "S:Items:3:Name 'SOC' is used twice"],
            problems);
        Assert.Equal(["soc", "pager"], seen);
    }
}
