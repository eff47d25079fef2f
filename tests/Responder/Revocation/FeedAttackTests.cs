using ZtStream.Responder.Revocation.SharedSignals;

namespace ZtStream.Responder.Tests.Revocation;

/// <summary>
/// The revocation feed and the SSF stream API asked by an outsider over real HTTP: bearer credentials that are too
/// long, empty, of another scheme or doubled, and query strings the endpoints do not take or cannot parse. Each is a
/// problem naming what was wrong, and no feed is served to a caller who did not present its credential as given.
/// </summary>
public sealed class FeedAttackTests : IAsyncLifetime
{
    private const string SiemToken = "siem-receiver-token-0123456789abcdef";

    private ResponderTestHost host = null!;

    public async ValueTask InitializeAsync() =>
        host = await new ResponderTestHost { UseKestrel = true }
            .WithSharedSignalsReceiver(SiemToken)
            .StartAsync();

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData(RevocationFeed.SnapshotPath)]
    [InlineData(RevocationFeed.StreamPath)]
    [InlineData(SsfStreamEndpoints.StreamsPath)]
    public async Task BadBearerCredentials_Are401Problems(string path)
    {
        var token = path.StartsWith("/ssf/", StringComparison.Ordinal) ? SiemToken : ResponderTestHost.FeedToken;
        string[][] presented =
        [
            ["Bearer " + new string('a', 8000)],
            ["Bearer " + token + new string('a', 8000)],
            ["Bearer"],
            ["Bearer "],
            ["Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("feed:" + token))],
            ["Bearer " + token + "x"],
            ["Bearer " + token[..^1]],
            // Two credentials, one of them valid: neither is taken.
            ["Bearer " + token, "Bearer not-a-token"],
        ];
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        foreach (var headers in presented)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            foreach (var header in headers)
            {
                request.Headers.TryAddWithoutValidation("Authorization", header);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path} with '{string.Join(" | ", headers)[..Math.Min(40, string.Join(" | ", headers).Length)]}…': answered {(int)response.StatusCode}");
            Assert.Equal(HttpProblem.MediaType, response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>
    /// A query the feed cannot serve as asked is refused naming the parameter, never answered as if it had not been
    /// sent: a misspelt <c>action_id</c> would otherwise answer the whole list for one action's entries.
    /// </summary>
    [Theory]
    [InlineData(RevocationFeed.SnapshotPath, "?action_id=not-a-uuid", "action_id")]
    [InlineData(RevocationFeed.SnapshotPath, "?action_id=6f9619ff-8b86-d011-b42d-00cf4fc964ff&action_id=6f9619ff-8b86-d011-b42d-00cf4fc964fe", "action_id")]
    [InlineData(RevocationFeed.SnapshotPath, "?actionid=6f9619ff-8b86-d011-b42d-00cf4fc964ff", "actionid")]
    [InlineData(RevocationFeed.SnapshotPath, "?format=json", "format")]
    [InlineData(RevocationFeed.SnapshotPath, "?action_id=%00", "action_id")]
    [InlineData(RevocationFeed.StreamPath, "?last_event_id=-1", "Last-Event-ID")]
    [InlineData(RevocationFeed.StreamPath, "?last_event_id=99999999999999999999999", "Last-Event-ID")]
    [InlineData(RevocationFeed.StreamPath, "?since=5", "since")]
    [InlineData(RevocationFeed.StreamPath, "?format=JWS", "format")]
    public async Task Feed_QueryItCannotServe_Is400NamingTheParameter(string path, string query, string parameter)
    {
        using var feed = host.ClientFor(ResponderTestHost.FeedToken);

        using var response = await feed.GetAsync(path + query, HttpCompletionOption.ResponseHeadersRead, Ct);

        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == parameter);
    }
}
