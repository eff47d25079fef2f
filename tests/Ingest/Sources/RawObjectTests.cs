namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Bounding an original object ends, whatever its shape: members that trimming cannot shrink below the bound (a kept
/// member larger than it, many long strings that are still long once clipped) leave a summary, not a loop.
/// </summary>
public sealed class RawObjectTests
{
    private static readonly TimeSpan Enough = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Bounded_AKeptMemberAloneOverTheBound_WithoutFallback_EndsAsASummary()
    {
        // A plan that keeps "priority" whole and has no fallback; here it alone is larger than the bound, in a real alert
        // whose rendered output can be clipped.
        var alert = JsonNode.Parse(TestData.Falco("terminal-shell.json"))!.AsObject();
        alert["priority"] = new string('p', 70_000);
        var plan = new RawTrimPlan([], new HashSet<string>(["rule", "priority"], StringComparer.Ordinal));

        var (raw, trimmed) = await BoundAsync(alert, 64 * 1024, plan);

        Assert.Equal(["$"], trimmed);
        Assert.True(raw.GetProperty("truncated").GetBoolean());
        Assert.Equal(Encoding.UTF8.GetByteCount(alert.ToJsonString()), raw.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Bounded_AKeptMemberAloneOverTheBound_TrimsByTheFallbackInsteadOfASummary()
    {
        var alert = JsonNode.Parse(TestData.Falco("terminal-shell.json"))!.AsObject();
        alert["priority"] = new string('p', 70_000);
        var plan = new RawTrimPlan([], new HashSet<string>(["rule", "priority"], StringComparer.Ordinal),
            new RawTrimPlan([], new HashSet<string>(["rule"], StringComparer.Ordinal)));

        var (raw, trimmed) = await BoundAsync(alert, 64 * 1024, plan);

        Assert.Equal(["priority"], trimmed);
        Assert.Equal("Terminal shell in container", raw.GetProperty("rule").GetString());
        Assert.StartsWith("ppp", raw.GetProperty("priority").GetString(), StringComparison.Ordinal);
        Assert.Equal("alpine", raw.GetProperty("output_fields").GetProperty("k8s.pod.name").GetString());
    }

    /// <summary>
    /// Many long strings, none big alone: 400 of 1,000 characters (≈ 400 KB), 100 of 200 control characters (120 KB of
    /// JSON, each character written as six bytes), 100 of 1,000 characters the writer escapes (an HTML-sensitive "&lt;",
    /// a non-ASCII "é": six bytes each, though "é" is two bytes of UTF-8 as received). Every field is kept, clipped to an equal share; the list of cut paths
    /// stops at its cap and counts the rest.
    /// </summary>
    [Theory]
    [InlineData(400, 1_000, 'a')]
    [InlineData(100, 200, '\u0001')]
    [InlineData(100, 1_000, '<')]
    [InlineData(100, 1_000, 'é')]
    public async Task Bounded_ManyLongStrings_EachClippedToAShare_NoneLost(int count, int length, char character)
    {
        var record = new JsonObject();
        for (var i = 0; i < count; i++)
        {
            record[$"field{i}"] = new string(character, length);
        }

        var (raw, trimmed) = await BoundAsync(record, 64 * 1024, RawObject.LargestFirst);

        Assert.True(Encoding.UTF8.GetByteCount(raw.GetRawText()) <= 64 * 1024);
        Assert.Equal(count, raw.EnumerateObject().Count());
        Assert.All(raw.EnumerateObject(), f => Assert.StartsWith(new string(character, 8), f.Value.GetString(), StringComparison.Ordinal));
        Assert.All(raw.EnumerateObject(), f => Assert.EndsWith("…", f.Value.GetString(), StringComparison.Ordinal));
        Assert.Equal([.. Enumerable.Range(0, RawObject.MaxTrimmedPaths - 1).Select(i => $"field{i}"), $"+{count - RawObject.MaxTrimmedPaths + 1} more"], trimmed);
    }

    [Fact]
    public async Task Bounded_ClippingEnough_TrimsOnlyTheBigAndNamesEachOnceInDocumentOrder()
    {
        var record = new JsonObject
        {
            ["small"] = "kept as it is",
            ["big"] = new string('b', 40_000),
            ["bigger"] = new string('c', 50_000),
            ["medium"] = new string('m', 1_000),
        };

        var (raw, trimmed) = await BoundAsync(record, 8 * 1024, RawObject.LargestFirst);

        Assert.Equal(["big", "bigger"], trimmed);
        Assert.Equal("kept as it is", raw.GetProperty("small").GetString());
        Assert.Equal(1_000, raw.GetProperty("medium").GetString()!.Length);
        Assert.Equal(new string('c', 256) + "…", raw.GetProperty("bigger").GetString());
    }

    /// <summary>Forty levels deep, a small flag beside a big string at every level: the flags all survive, the strings are cut.</summary>
    [Fact]
    public async Task Bounded_DeepNesting_KeepsTheSmallFlagAtEveryLevel()
    {
        var root = new JsonObject();
        var level = root;
        for (var i = 0; i < 40; i++)
        {
            level["flag"] = i;
            level["blob"] = new string('z', 4_000);
            var next = new JsonObject();
            level["next"] = next;
            level = next;
        }

        var (raw, trimmed) = await BoundAsync(root, 64 * 1024, RawObject.LargestFirst);

        Assert.True(raw.GetRawText().Length <= 64 * 1024);
        var at = raw;
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(i, at.GetProperty("flag").GetInt32());
            at = at.GetProperty("next");
        }

        Assert.NotNull(trimmed);
        Assert.All(trimmed, p => Assert.Matches(@"^(next\.)*blob$|^\+\d+ more$", p));
    }

    /// <summary>An Okta record padded in debugContext.debugData: the actor, outcome and client stay.</summary>
    [Fact]
    public async Task Bounded_PaddedIdentityRecord_KeepsTheRecordsSmallFields()
    {
        var record = new JsonObject
        {
            ["uuid"] = "f2b0c2c4-0000-4000-8000-000000000001",
            ["eventType"] = "user.session.start",
            ["actor"] = new JsonObject { ["id"] = "00u1", ["alternateId"] = "mallory@example.com" },
            ["outcome"] = new JsonObject { ["result"] = "SUCCESS" },
            ["client"] = new JsonObject { ["ipAddress"] = "203.0.113.9", ["userAgent"] = new JsonObject { ["rawUserAgent"] = "curl/8" } },
            ["debugContext"] = new JsonObject { ["debugData"] = new JsonObject { ["requestUri"] = "/api/v1/authn", ["pad"] = new string('d', 100_000) } },
        };

        var (raw, trimmed) = await BoundAsync(record, 64 * 1024, RawObject.LargestFirst);

        Assert.Equal(["debugContext.debugData.pad"], trimmed);
        Assert.Equal("mallory@example.com", raw.GetProperty("actor").GetProperty("alternateId").GetString());
        Assert.Equal("SUCCESS", raw.GetProperty("outcome").GetProperty("result").GetString());
        Assert.Equal("/api/v1/authn", raw.GetProperty("debugContext").GetProperty("debugData").GetProperty("requestUri").GetString());
    }

    /// <summary>A member whose key alone is over the bound is cut, and its path is clipped so raw.trimmed stays small.</summary>
    [Fact]
    public async Task Bounded_HugeKey_TheMemberIsCut_ItsPathClipped()
    {
        var key = new string('k', 100_000);
        var record = new JsonObject { ["id"] = "x", ["details"] = new JsonObject { ["reason"] = "ok", [key] = 1 } };

        var (raw, trimmed) = await BoundAsync(record, 16 * 1024, RawObject.LargestFirst);

        Assert.Equal("ok", raw.GetProperty("details").GetProperty("reason").GetString());
        Assert.Equal(["details." + key[..(RawObject.MaxPathLength - "details.".Length)] + "…"], trimmed);
    }

    /// <summary>An array of tiny numbers larger than the bound: its last elements are cut, each by its index.</summary>
    [Fact]
    public async Task Bounded_HugeArrayOfScalars_KeepsItsFirstElements_NamesTheCutByIndex()
    {
        var record = new JsonObject { ["id"] = "x", ["values"] = new JsonArray([.. Enumerable.Range(0, 30_000).Select(i => (JsonNode)(i % 10))]) };

        var (raw, trimmed) = await BoundAsync(record, 16 * 1024, RawObject.LargestFirst);

        Assert.True(raw.GetRawText().Length <= 16 * 1024);
        var kept = raw.GetProperty("values").GetArrayLength();
        Assert.InRange(kept, 7_000, 8_200);
        Assert.Equal($"values[{kept}]", trimmed![0]);
        Assert.Equal($"+{30_000 - kept - RawObject.MaxTrimmedPaths + 1} more", trimmed[^1]);
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
