namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// Both event streams take where to resume from the <c>Last-Event-ID</c> header or, for a client that cannot set it,
/// a query parameter. A position that is not one is a 400 naming what the caller sent — the parameter it typed, not a
/// header it never set.
/// </summary>
public sealed class ResumePositionTests
{
    [Theory]
    [InlineData("/v1/alerts/stream?since_version=abc", null, "since_version")]
    [InlineData("/v1/alerts/stream", "abc", "Last-Event-ID")]
    [InlineData("/v1/revocations/stream?last_event_id=-1", null, "last_event_id")]
    [InlineData("/v1/revocations/stream", "1.5", "Last-Event-ID")]
    public async Task Stream_AResumePositionThatIsNotOne_Is400NamingWhatWasSent(string path, string? header, string field)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var client = host.ClientFor(ResponderTestHost.AnalystToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", header);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, field);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
    }
}
