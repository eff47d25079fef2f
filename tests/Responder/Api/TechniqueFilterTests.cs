namespace ZtStream.Responder.Tests.Api;

/// <summary><c>GET /v1/alerts?technique=</c>: exact technique, or a technique and all its sub-techniques.</summary>
public sealed class TechniqueFilterTests
{
    internal static async Task StoreSampleAsync(AlertProcessor processor, CancellationToken ct)
    {
        await processor.HandleAsync(TestAlerts.WithTechniques("t-secrets", "sa-1", "T1552.007"), ct);
        await processor.HandleAsync(TestAlerts.WithTechniques("t-exec", "sa-2", "T1609"), ct);
        await processor.HandleAsync(TestAlerts.WithTechniques("t-escape", "sa-3", "T1610", "T1611"), ct);
        await processor.HandleAsync(TestAlerts.WithTechniques("t-creds", "sa-4", "T1552"), ct);
        await processor.HandleAsync(TestAlerts.Critical("t-none", "sa-5"), ct);
    }

    internal static async Task<List<string>> IdsAsync(AlertStore store, string technique, CancellationToken ct) =>
        [.. (await store.QueryAsync(new AlertQuery(Technique: technique), ct)).Select(a => a.Alert.Id).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task ListAlerts_ByTechnique_ExactOrWithSubTechniques()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        await StoreSampleAsync(host.Get<AlertProcessor>(), ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        async Task<List<string>> ListAsync(string technique)
        {
            var page = await analyst.GetFromJsonAsync<JsonElement>($"/v1/alerts?technique={technique}", ct);
            return [.. ResponderTestHost.AlertIds(page).Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["t-creds", "t-secrets"], await ListAsync("T1552"));
        Assert.Equal(["t-secrets"], await ListAsync("T1552.007"));
        Assert.Equal(["t-exec"], await ListAsync("t1609"));
        Assert.Equal(["t-escape"], await ListAsync("T1611"));
        Assert.Empty(await ListAsync("T1078"));
        var both = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?technique=T1611&principal=sa-3", ct);
        Assert.Equal(["T1610", "T1611"], both.GetProperty("items")[0].GetProperty("alert").GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));

        foreach (var bad in new[] { "T15", "T1552.7", "TA0006", "T1552%25", "execution" })
        {
            using var response = await analyst.GetAsync($"/v1/alerts?technique={bad}", ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("technique", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UpdatedAlert_ItsTechniqueRowsFollowTheLatestAlert()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var processor = host.Get<AlertProcessor>();
        var store = host.Get<AlertStore>();
        await processor.HandleAsync(TestAlerts.WithTechniques("t-grow", "sa-9", "T1609"), ct);

        await processor.HandleAsync(TestAlerts.WithTechniques("t-grow", "sa-9", "T1609", "T1552.007") with { Count = 2 }, ct);

        Assert.Equal(["t-grow"], await IdsAsync(store, "T1552", ct));
        Assert.Equal(["t-grow"], await IdsAsync(store, "T1609", ct));
        Assert.Equal(["T1552.007", "T1609"], (await store.GetAsync("t-grow", ct))!.Alert.Techniques);
    }
}
