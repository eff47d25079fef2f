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
    public async Task ListWithUnknownFilterValue_Is400NamingTheFilterAndItsValues(string path, string field)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        await TechniqueFilterTests.StoreSampleAsync(host.Get<AlertProcessor>(), ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.StartsWith("must be one of ", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

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
}
