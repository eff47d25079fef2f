namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Bounding an original object ends, whatever its shape: members that trimming cannot shrink below the bound (a kept
/// member larger than it, many long strings that are still long once clipped) leave a summary, not a loop.
/// </summary>
public sealed class RawObjectTests
{
    private static readonly TimeSpan Enough = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Bounded_AKeptMemberAloneOverTheBound_EndsAsASummary()
    {
        // Falco keeps "priority"; here it alone is larger than the bound, in a real alert whose rendered output can be clipped.
        var alert = JsonNode.Parse(TestData.Falco("terminal-shell.json"))!.AsObject();
        alert["priority"] = new string('p', 70_000);

        var (raw, trimmed) = await BoundAsync(alert, 64 * 1024, FalcoMapper.RawPlan);

        Assert.Equal(["$"], trimmed);
        Assert.True(raw.GetProperty("truncated").GetBoolean());
        Assert.Equal(Encoding.UTF8.GetByteCount(alert.ToJsonString()), raw.GetProperty("bytes").GetInt64());
    }

    /// <summary>
    /// Strings that stay over the bound once trimmed: 400 of 1,000 characters are ≈ 105 KB clipped to 256 each; 100 of
    /// 200 control characters are 120 KB of JSON (each written as six bytes) but too short to clip at all.
    /// </summary>
    [Theory]
    [InlineData(400, 1_000, 'a')]
    [InlineData(100, 200, '\u0001')]
    public async Task Bounded_StringsThatStayOverTheBound_EndAsASummary(int count, int length, char character)
    {
        var record = new JsonObject();
        for (var i = 0; i < count; i++)
        {
            record[$"field{i}"] = new string(character, length);
        }

        var (raw, trimmed) = await BoundAsync(record, 64 * 1024, RawObject.LargestFirst);

        Assert.Equal(["$"], trimmed);
        Assert.True(raw.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Bounded_ClippingEnough_TrimsTheLargestFirstAndNamesEachOnce()
    {
        var record = new JsonObject
        {
            ["small"] = "kept as it is",
            ["big"] = new string('b', 40_000),
            ["bigger"] = new string('c', 50_000),
            ["medium"] = new string('m', 1_000),
        };

        var (raw, trimmed) = await BoundAsync(record, 8 * 1024, RawObject.LargestFirst);

        Assert.Equal(["bigger", "big"], trimmed);
        Assert.Equal("kept as it is", raw.GetProperty("small").GetString());
        Assert.Equal(1_000, raw.GetProperty("medium").GetString()!.Length);
        Assert.Equal(new string('c', 256) + "…", raw.GetProperty("bigger").GetString());
    }

    private static async Task<(JsonElement Raw, IReadOnlyList<string>? Trimmed)> BoundAsync(JsonObject value, int maxBytes, RawTrimPlan plan)
    {
        using var document = JsonDocument.Parse(value.ToJsonString());
        var root = document.RootElement.Clone();
        return await Task.Run(
            () => (RawObject.Bounded(root, maxBytes, plan, out var trimmed), trimmed),
            Ct).WaitAsync(Enough, Ct);
    }
}
