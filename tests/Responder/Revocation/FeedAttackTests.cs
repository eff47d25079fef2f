using System.Net.Sockets;
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
            await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized, $"{path} with '{string.Join(" | ", headers)[..Math.Min(40, string.Join(" | ", headers).Length)]}…'");
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
    [InlineData(RevocationFeed.StreamPath, "?last_event_id=-1", "last_event_id")]
    [InlineData(RevocationFeed.StreamPath, "?last_event_id=99999999999999999999999", "last_event_id")]
    [InlineData(RevocationFeed.StreamPath, "?since=5", "since")]
    [InlineData(RevocationFeed.StreamPath, "?format=JWS", "format")]
    public async Task Feed_QueryItCannotServe_Is400NamingTheParameter(string path, string query, string parameter)
    {
        using var feed = host.ClientFor(ResponderTestHost.FeedToken);

        using var response = await feed.GetAsync(path + query, HttpCompletionOption.ResponseHeadersRead, Ct);

        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == parameter);
    }

    /// <summary>
    /// The SSF stream API's <c>stream_id</c> in the query, as an outsider holding a receiver's token might send it: a
    /// control character, ten thousand characters, twice, empty. Each is a 4xx problem, never a 500, and no stream
    /// is touched.
    /// </summary>
    [Theory]
    [InlineData("GET", SsfStreamEndpoints.StreamsPath)]
    [InlineData("DELETE", SsfStreamEndpoints.StreamsPath)]
    [InlineData("GET", SsfStreamEndpoints.StatusPath)]
    public async Task Ssf_StreamIdQueriesNoStreamHas_Are4xxProblems(string method, string path)
    {
        using var siem = host.ClientFor(SiemToken);
        using (var created = await siem.PostAsync(SsfStreamEndpoints.StreamsPath, JsonContent.Create(new { }), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var query in new[] { "?stream_id=%00", "?stream_id=%1b%5b2J", "?stream_id=" + new string('a', 10_000), "?stream_id=a&stream_id=b", "?stream_id=" })
        {
            using var response = await siem.SendAsync(new HttpRequestMessage(new HttpMethod(method), path + query), Ct);
            var code = (int)response.StatusCode;
            var what = $"{method} {path}{query[..Math.Min(30, query.Length)]}";
            if (code is >= 200 and < 300 && query == "?stream_id=" && method == "GET")
            {
                // An empty stream_id is no stream_id: the receiver's own streams, as SSF 1.0 §8.1.1.2 reads it.
                continue;
            }

            Assert.True(code is >= 400 and < 500, $"{what}: answered {code} {await response.Content.ReadAsStringAsync(Ct)}");
            Assert.Equal(HttpProblem.MediaType, response.Content.Headers.ContentType?.MediaType);
        }

        var streams = await siem.GetFromJsonAsync<JsonElement>(SsfStreamEndpoints.StreamsPath, Ct);
        Assert.Equal(1, streams.GetArrayLength());
    }

    /// <summary>
    /// A stream request whose client never reads what it is sent (a small receive window, nothing read) holds only its
    /// own connection: while it stalls with megabytes pending, another reader of the same credential receives every new
    /// entry, and the snapshot is answered.
    /// </summary>
    [Fact]
    public async Task Stream_AClientThatNeverReads_StallsOnlyItself_OtherReadersGetEveryEntry()
    {
        await using var wall = await new ResponderTestHost { UseKestrel = true, UseWallClock = true }.StartAsync();
        using var stalled = new TcpClient { ReceiveBufferSize = 1024 };
        await stalled.ConnectAsync(wall.BaseAddress!.Host, wall.BaseAddress.Port, Ct);
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {RevocationFeed.StreamPath} HTTP/1.1\r\nHost: {wall.BaseAddress.Authority}\r\nAuthorization: Bearer {ResponderTestHost.FeedToken}\r\n\r\n"), Ct);

        using var feed = wall.ClientFor(ResponderTestHost.FeedToken);
        using var response = await feed.GetAsync(RevocationFeed.StreamPath, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        // About 3 MB of events: more than the stalled connection's buffers on both ends hold.
        var store = wall.Get<RevocationStore>();
        var reason = new string('r', 1900);
        const int Entries = 1500;
        for (var i = 0; i < Entries; i++)
        {
            await store.AddAsync(new RevocationRequest(Guid.NewGuid(), RevocationStore.SubjectEntry, null, null, $"subject-{i}", null, reason, DateTimeOffset.UtcNow.AddHours(1)), Ct);
        }

        wall.Services.GetRequiredKeyedService<ZtStream.Platform.WakeSignal>(RevocationFeedEndpoints.WakeKey).Set();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var last = $"\"subject-{Entries - 1}\"";
        while (await reader.ReadLineAsync(timeout.Token) is { } line && !line.Contains(last, StringComparison.Ordinal))
        {
        }

        Assert.False(timeout.IsCancellationRequested, "the reader did not get the last entry while another stream stalled");
        using var snapshot = await feed.GetAsync(RevocationFeed.SnapshotPath, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
    }
}
