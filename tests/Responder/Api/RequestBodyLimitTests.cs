namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// What the REST API does with hostile bodies over real HTTP: too large (declared or chunked), too deep, in megabyte
/// strings. Each is a problem naming what was wrong, and the Responder goes on serving.
/// </summary>
public sealed class RequestBodyLimitTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Comment_BodyOverMaxBodyBytes_Is413NamingTheSetting_AndTheNextRequestIsServed(bool declareLength)
    {
        await using var host = await new ResponderTestHost { UseKestrel = true }
            .WithSetting("Responder:MaxBodyBytes", "65536").StartAsync();
        await host.Get<AlertProcessor>().HandleAsync(TestAlerts.Critical("big-1"), Ct);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        // Past the limit, but not so far that the client is still sending when the refusal comes (HTTP/1.1 cannot say stop).
        var huge = Encoding.UTF8.GetBytes("{\"text\":\"" + new string('a', 96 * 1024) + "\"}");

        using (var response = await analyst.SendAsync(Post("/v1/alerts/big-1/comments", huge, declareLength), Ct))
        {
            await HttpProblem.ReadNamingAsync(response, HttpStatusCode.RequestEntityTooLarge, "Responder:MaxBodyBytes");
        }

        using var served = await analyst.PostAsJsonAsync("/v1/alerts/big-1/comments", new { text = "still here" }, Ct);
        Assert.Equal(HttpStatusCode.Created, served.StatusCode);
    }

    [Theory]
    [InlineData("/v1/alerts/deep-1/comments")]
    [InlineData("/v1/suppressions")]
    [InlineData("/v1/actions")]
    public async Task Post_JsonNestedPastTheDepthLimit_Is400NamingTheDepth(string path)
    {
        await using var host = await new ResponderTestHost { UseKestrel = true }.StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        // An unknown member nested 100 deep: skipped members still count towards the reader's depth.
        var body = "{\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}";

        using var response = await responder.SendAsync(Post(path, Encoding.UTF8.GetBytes(body), declareLength: true), Ct);

        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("depth", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    private static HttpRequestMessage Post(string path, byte[] body, bool declareLength) =>
        new(HttpMethod.Post, path) { Content = NoLengthStream.Json(body, declareLength) };
}
