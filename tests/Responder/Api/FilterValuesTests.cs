namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// A list filter whose value is none the API knows is a 400 naming the filter and the values it takes: before, <c>severity=High</c>
/// or <c>state=pending</c> matched nothing and answered 200 with an empty list, which reads as "there are none".
/// </summary>
public sealed class FilterValuesTests
{
    [Theory]
    [InlineData("/v1/alerts?severity=High", "severity")]
    [InlineData("/v1/alerts?severity=severe&principal=sa-5", "severity")]
    [InlineData("/v1/actions?state=pending", "state")]
    [InlineData("/v1/actions?kind=isolate", "kind")]
    public Task ListWithUnknownFilterValue_Is400NamingTheFilterAndItsValues(string path, string field) =>
        AssertOneBadFieldAsync(path, field, "must be one of ");

    [Theory]
    [InlineData("/v1/alerts?severity=critical", 5)]
    [InlineData("/v1/alerts?severity=low", 0)]
    [InlineData("/v1/actions?state=pending_approval", -1)]
    [InlineData("/v1/actions?kind=isolate_workload", -1)]
    public async Task ListWithKnownFilterValue_Answers200(string path, int alerts)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        await TechniqueFilterTests.StoreSampleAsync(host.Get<AlertProcessor>(), ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (alerts >= 0)
        {
            var page = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal(alerts, page.GetProperty("items").GetArrayLength());
        }
    }

    /// <summary>
    /// A query parameter the list does not take — a misspelt filter — is a 400 naming it: before, <c>principle=sa-5</c> was
    /// dropped and the whole queue answered 200 as if filtered.
    /// </summary>
    [Theory]
    [InlineData("/v1/alerts?principle=sa-5", "principle")]
    [InlineData("/v1/alerts?status=open&severty=high", "severty")]
    [InlineData("/v1/alerts/stats?bucket=6", "bucket")]
    [InlineData("/v1/actions?alertid=a-1", "alertid")]
    [InlineData("/v1/audit?kinds=action.approved", "kinds")]
    [InlineData("/v1/suppressions?states=all", "states")]
    public Task ListWithUnknownParameter_Is400NamingIt(string path, string field) =>
        AssertOneBadFieldAsync(path, field, "is not a parameter of ");

    /// <summary>
    /// A parameter given twice is a 400 naming it: before, the first value was taken and the other dropped, so a playbook
    /// asking for <c>severity=high&amp;severity=critical</c> got only the high alerts, answered 200 as if that were all.
    /// </summary>
    [Theory]
    [InlineData("/v1/alerts?severity=high&severity=critical", "severity")]
    [InlineData("/v1/alerts?limit=5&status=open&limit=500", "limit")]
    [InlineData("/v1/alerts/stats?buckets=6&buckets=12", "buckets")]
    [InlineData("/v1/actions?state=done&state=pending_approval", "state")]
    [InlineData("/v1/audit?kind=action.approved&kind=action.rejected", "kind")]
    [InlineData("/v1/suppressions?principal=sa-5&principal=sa-6", "principal")]
    public Task ListWithAParameterGivenTwice_Is400NamingIt(string path, string field) =>
        AssertOneBadFieldAsync(path, field, "is given 2 times");

    /// <summary>
    /// The queue's paging (<c>limit</c>, <c>offset</c>, <c>cursor</c>) is not the stream's: a 400 naming it, where before
    /// the stream answered 200 and dropped it, so a client resuming with a page's cursor silently started from now.
    /// </summary>
    [Theory]
    [InlineData("limit=5", "limit")]
    [InlineData("offset=7", "offset")]
    [InlineData("severity=high&Cursor=abc", "Cursor")]
    public async Task AlertStreamWithPaging_Is400NamingIt(string query, string field)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.GetAsync("/v1/alerts/stream?" + query, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        var error = problem.GetProperty("errors")[0];
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.StartsWith("is not a parameter of ", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Every parameter docs/response.md lists for each list, in any letter case, is still taken.</summary>
    [Theory]
    [InlineData("/v1/alerts?status=open&severity=critical&principal=sa-5&detector=d&assignee=none&namespace=shop&technique=T1611&since=2026-01-01T00:00:00Z&until=2030-01-01T00:00:00Z&limit=5&offset=0")]
    [InlineData("/v1/alerts?Severity=critical")]
    [InlineData("/v1/alerts/stats?since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&buckets=6")]
    [InlineData("/v1/actions?state=active&kind=revoke_token&alert_id=a-1&limit=5&offset=0")]
    [InlineData("/v1/audit?action_id=a&alert_id=b&principal=c&actor=d&kind=e&since=2026-01-01T00:00:00Z&until=2030-01-01T00:00:00Z&limit=5")]
    [InlineData("/v1/suppressions?state=all&alert_id=a-1&principal=sa-5&limit=5")]
    public async Task ListWithEveryDocumentedParameter_Answers200(string path)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>GET <paramref name="path"/> over the sample queue answers a 400 problem with one error, on <paramref name="field"/>.</summary>
    private static async Task AssertOneBadFieldAsync(string path, string field, string reason)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        await TechniqueFilterTests.StoreSampleAsync(host.Get<AlertProcessor>(), ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.GetAsync(path, ct);

        var error = await HttpProblem.ReadOneErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.StartsWith(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
