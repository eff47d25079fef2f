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
        problems.Between("S:Low", 0, 1, 20);
        problems.Between("S:High", 21, 1, 20);
        problems.Between("S:Edge", 20, 1, 20);

        Assert.Equal(
            [
                "S:Count must be at least 1 (is 0)",
                "S:Interval must be positive (is 00:00:00)",
                "S:WarmUp must not be negative (is -00:00:01)",
                "S:Events must not be negative (is -2)",
                "S:Low must be 1–20 (is 0)",
                "S:High must be 1–20 (is 21)",
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

    [Fact]
    public void HttpUrl_OnlyAnAbsoluteHttpOrHttpsUrl_Passes_UnsetOnlyWhenOptional()
    {
        var problems = new List<string>();

        problems.HttpUrl("S:Hook", new Uri("https://hooks.example.test/x"));
        problems.HttpUrl("S:Local", new Uri("http://127.0.0.1:8080/"));
        problems.HttpUrl("S:Optional", null);
        problems.HttpUrl("S:Required", null, required: true);
        problems.HttpUrl("S:Ftp", new Uri("ftp://files.example.test/"));
        problems.HttpUrl("S:Relative", new Uri("/hooks", UriKind.Relative));

        Assert.Equal(
            [
                "S:Required is required",
                "S:Ftp must be an absolute http(s) URL (got 'ftp://files.example.test/')",
                "S:Relative must be an absolute http(s) URL (got '/hooks')",
            ],
            problems);
    }

    [Fact]
    public void Sha256Hex_OnlySixtyFourHexDigits_Pass()
    {
        var problems = new List<string>();

        problems.Sha256Hex("S:Upper", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08");
        problems.Sha256Hex("S:Lower", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        problems.Sha256Hex("S:Short", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0");
        problems.Sha256Hex("S:NotHex", "zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        problems.Sha256Hex("S:Empty", "");

        Assert.Equal(
            [
                "S:Short must be 64 hex digits (SHA-256 of the token)",
                "S:NotHex must be 64 hex digits (SHA-256 of the token)",
                "S:Empty must be 64 hex digits (SHA-256 of the token)",
            ],
            problems);
    }

    [Fact]
    public void BackoffRange_FirstAboveZero_OrZeroWhereAllowed_AndTheLongestNotShorter()
    {
        var problems = new List<string>();
        var second = TimeSpan.FromSeconds(1);

        problems.BackoffRange("S:Initial", second, "S:Max", 30 * second);
        problems.BackoffRange("S:Same", second, "S:SameMax", second);
        problems.BackoffRange("S:Zero", TimeSpan.Zero, "S:ZeroMax", second);
        problems.BackoffRange("S:MayBeZero", TimeSpan.Zero, "S:MayBeZeroMax", second, firstMayBeZero: true);
        problems.BackoffRange("S:Negative", -second, "S:NegativeMax", second, firstMayBeZero: true);
        problems.BackoffRange("S:Long", 10 * second, "S:Short", 5 * second);

        Assert.Equal(
            [
                "S:Zero must be positive (is 00:00:00)",
                "S:Negative must not be negative (is -00:00:01)",
                "S:Short must be at least S:Long (is 00:00:05; S:Long is 00:00:10)",
            ],
            problems);
    }
}
