namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// Each credential the Responder accepts opens only the door it was issued for (RFC 8725 §3.9, audience separation):
/// the feed token reads the revocation feed and nothing else, an SSF receiver's token manages its own streams and
/// nothing else, and an API token is not an SSF receiver's credential.
/// </summary>
public sealed class CredentialSeparationTests
{
    private const string SiemToken = "siem-receiver-token-0123456789abcdef";

    [Fact]
    public async Task EachCredential_ReplayedAgainstAnotherEndpoint_Is401()
    {
        await using var host = await new ResponderTestHost()
            .WithSharedSignalsReceiver(SiemToken)
            .StartAsync();
        var ct = Ct;
        var feed = host.ClientFor(ResponderTestHost.FeedToken);
        var siem = host.ClientFor(SiemToken);
        var api = host.ClientFor(ResponderTestHost.ResponderToken);

        // Each works where it belongs, so a 401 below is the credential's door, not a broken host.
        Assert.Equal(HttpStatusCode.OK, (await feed.GetAsync(RevocationFeed.SnapshotPath, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await siem.GetAsync(SsfStreamEndpoints.StreamsPath, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/alerts", ct)).StatusCode);

        (string Who, HttpResponseMessage Response)[] replays =
        [
            ("feed token on the API", await feed.GetAsync("/v1/alerts", ct)),
            ("feed token on the SSF stream API", await feed.GetAsync(SsfStreamEndpoints.StreamsPath, ct)),
            ("feed token on the manual signal", await feed.PostAsync(SsfStreamEndpoints.SignalsPath, JsonContent.Create(new { @event = "session-revoked", subject_id = "alice" }), ct)),
            ("SSF receiver token on the API", await siem.GetAsync("/v1/me", ct)),
            ("SSF receiver token on the feed", await siem.GetAsync(RevocationFeed.SnapshotPath, ct)),
            ("SSF receiver token on the manual signal", await siem.PostAsync(SsfStreamEndpoints.SignalsPath, JsonContent.Create(new { @event = "session-revoked", subject_id = "alice" }), ct)),
            ("API token on the SSF stream API", await api.GetAsync(SsfStreamEndpoints.StreamsPath, ct)),
            ("API token creating an SSF stream", await api.PostAsync(SsfStreamEndpoints.StreamsPath, JsonContent.Create(new { }), ct)),
        ];

        foreach (var (who, response) in replays)
        {
            await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized, who);
            response.Dispose();
        }
    }
}
