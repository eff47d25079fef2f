namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// A batch is counted in items, not in errors: an item with several bad fields is one rejected item — in the problem's
/// detail, against <c>Ingest:MaxItemsPerBatch</c>, and in the numbering of the items after it.
/// </summary>
public sealed class BatchCountTests
{
    [Fact]
    public void ItemCount_AnItemWithSeveralErrors_CountsOnce()
    {
        var result = new MapResult([], [new ItemError(0, "id", "required"), new ItemError(0, "time", "required"), new ItemError(2, "kind", "unknown")]);

        Assert.Equal(2, result.ItemCount);
    }

    [Fact]
    public async Task PostEvents_OneItemWithThreeBadFields_DetailCountsOneItemAndListsEachField()
    {
        await using var server = await IngestServer.StartAsync(TestLogs.Create(TestLogs.InProcess, new KafkaFixture()));
        var key = await server.AddSourceAsync("counted");

        using var response = await server.PostAsync("/v1/events", """[{"kind":"access"}]""", key);

        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("All 1 item(s) were rejected", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.True(errors.Count >= 3, $"each bad field is named: {problem}");
        Assert.All(errors, e => Assert.Equal(0, e.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task PostEvents_AsManyItemsAsTheLimitEachWithSeveralErrors_IsNotTooLarge()
    {
        await using var server = await IngestServer.StartAsync(TestLogs.Create(TestLogs.InProcess, new KafkaFixture()), new() { ["Ingest:MaxItemsPerBatch"] = "2" });
        var key = await server.AddSourceAsync("limit");

        using var response = await server.PostAsync("/v1/events", """[{"kind":"access"},{"kind":"access"}]""", key);

        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("All 2 item(s) were rejected", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
