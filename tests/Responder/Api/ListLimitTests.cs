using System.Globalization;

namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// A <c>limit</c> above a list's cap is capped, as docs/response.md says, and the answer names the limit it applied: before,
/// <c>limit=5000</c> answered 1000 actions or 500 alerts with nothing to tell the page from the whole list, and a page of
/// 500 alerts — the cap — had no <c>next_cursor</c> even when more followed.
/// </summary>
public sealed class ListLimitTests
{
    [Theory]
    [InlineData("/v1/actions?limit=5000", "1000")]
    [InlineData("/v1/actions?limit=0", "1")]
    [InlineData("/v1/actions", "100")]
    [InlineData("/v1/suppressions?limit=1001", "1000")]
    [InlineData("/v1/suppressions", "200")]
    [InlineData("/v1/audit?limit=2147483647", "1000")]
    [InlineData("/v1/audit?limit=7", "7")]
    [InlineData("/v1/alerts?limit=501", "500")]
    [InlineData("/v1/alerts", "50")]
    public async Task List_AnyLimit_AnswersWithTheLimitItApplied(string path, string applied)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(applied, Assert.Single(response.Headers.GetValues("X-ZtStream-Limit")));
        if (path.StartsWith("/v1/alerts", StringComparison.Ordinal))
        {
            var page = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(int.Parse(applied, CultureInfo.InvariantCulture), page.GetProperty("limit").GetInt32());
        }
    }

    [Fact]
    public async Task ListAlerts_LimitAtOrAboveTheCapWithMoreStored_PageOfTheCapWithACursorToTheRest()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var store = host.Get<AlertStore>();
        for (var i = 0; i < 503; i++)
        {
            await store.UpsertAsync(TestAlerts.Critical($"cap-{i:D3}", $"sa-{i:D3}"), ct);
        }

        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var seen = new List<string>();
        var path = "/v1/alerts?limit=5000";
        for (var pages = 0; path is not null; pages++)
        {
            Assert.True(pages < 3, "the list ends within two pages");
            var page = await analyst.GetFromJsonAsync<JsonElement>(path, ct);
            seen.AddRange(ResponderTestHost.AlertIds(page));
            path = page.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String
                ? $"/v1/alerts?limit=5000&cursor={Uri.EscapeDataString(next.GetString()!)}"
                : null;
        }

        Assert.Equal(503, seen.Count);
        Assert.Equal(503, seen.Distinct(StringComparer.Ordinal).Count());
    }
}
