namespace ZtStream.EndToEnd.Pipeline;

/// <summary>
/// An event id is unique within the source that sent it. Against a real <c>ztstream run</c>: a low-trust source that
/// sends, first, the id the orders service will use next does not make the Verifier pass over the orders service's
/// event — its alert is raised — while the orders service's own retry of that event is still scored once.
/// </summary>
public sealed class EventIdsPerSourceOverHttpTests() : ProcessTests("zt-e2e-ids-")
{
    private const string ApiToken = "ids-per-source-viewer-token-0123456789abcdef";
    private const string Dana = "user:dana@shop.example";

    [Fact]
    public async Task AnotherSourceSendsTheIdFirst_TheEventIsStillAlerted_AndItsOwnRetryIsScoredOnce()
    {
        var ct = Ct;
        string[] seams = ["--sqlite", Processes.SqlitePath];
        var webKey = await Processes.AddSourceAsync("shop-web", ["--kinds", "access.request", "--subjects", "user:*@web.example", .. seams], ct);
        var ordersKey = await Processes.AddSourceAsync("orders-api", ["--kinds", "access.request", "--subjects", "user:*@shop.example", .. seams], ct);
        var run = await Processes.RunAsync(
            "run",
            [.. seams,
             .. ZtStreamApi.ApiToken("viewer", ApiToken)],
            ct);
        using var web = ZtStreamApi.Client(run.Url, webKey);
        using var orders = ZtStreamApi.Client(run.Url, ordersKey);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        // The web source's ordinary requests, under the id the orders service numbers its next event with: from enough of
        // its own users that one shares Dana's partition (the log has three), as an attacker would pick them.
        await IngestEvents.PostAcceptedAsync(web, [.. Enumerable.Range(0, 24).Select(i => IngestEvents.Benign($"user:m{i}@web.example", 1) with { Id = "ord-000042" })]);
        var expired = IngestEvents.ExpiredTokenGet("ord-000042", Dana, "jti-dana", "/api/orders/42");
        await IngestEvents.PostAcceptedAsync(orders, [expired]);
        var first = Assert.Single(await ZtStreamApi.WaitForAlertsAsync(api, Dana, 1, ct, output: () => run.Output)).GetProperty("alert");
        Assert.Equal(["ord-000042"], first.GetProperty("evidence_event_ids").EnumerateArray().Select(e => e.GetString()));

        // The orders service retries its batch (its answer was lost), then sends its next event: the alert's second
        // occurrence is that next event, not the retry.
        await IngestEvents.PostAcceptedAsync(orders, [expired]);
        await IngestEvents.PostAcceptedAsync(orders, [IngestEvents.ExpiredTokenGet("ord-000043", Dana, "jti-dana", "/api/orders/43")]);
        var twice = false;
        JsonElement alert = default;
        await Eventually.WithinAsync(async () => twice = (alert = (await ZtStreamApi.AlertsAsync(api, Dana, ct))[0].GetProperty("alert")).GetProperty("count").GetInt32() >= 2, ZtStreamApi.Timeout, ct);
        Assert.True(twice, $"the alert on {Dana} did not reach count 2:\n{run.Output}");
        Assert.Equal(["ord-000042", "ord-000043"], alert.GetProperty("evidence_event_ids").EnumerateArray().Select(e => e.GetString()));
    }
}
