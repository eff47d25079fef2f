namespace ZtStream.EndToEnd.SharedSignals;

/// <summary>
/// The real binary, every role in one process on the embedded seams, with the shipped response policy: a CAEP
/// session-revoked SET pushed by a transmitter whose JWKS is served on loopback ends the subject's sessions in the
/// revocation feed the SDK follows; the same SET again revokes nothing more, also after the process was killed and
/// started again; a SET for another audience is refused.
/// </summary>
public sealed class SharedSignalsReceiverEndToEndTests() : ProcessTests("zt-e2e-ssf-")
{
    private const string Audience = "https://ztstream.e2e/ssf";

    [Fact]
    public async Task SessionRevokedSet_RevokesTheSubjectsSessionsOnce_AndAWrongAudienceIsRefused()
    {
        var ct = Ct;
        await using var transmitter = await TestTransmitter.StartAsync("https://idp.e2e.example/");

        // The IdP's push key may send identity events only; through the SSF endpoint they then vouch for their subject.
        var key = await Processes.AddSourceAsync("okta-ssf", ["--kinds", "auth.*"], ct);

        string[] run = [
            "--set", $"Responder:PolicyPath={ShippedResponsePolicy()}",
            "--set", "Responder:SchedulerInterval=00:00:01",
            "--set", "Responder:Feed:Token=" + FeedToken,
            "--set", "Ingest:Ssf:Transmitters:okta:Issuer=" + transmitter.Issuer,
            "--set", "Ingest:Ssf:Transmitters:okta:JwksUri=" + transmitter.JwksUri,
            "--set", "Ingest:Ssf:Transmitters:okta:Audience=" + Audience,
        ];
        var node = await Processes.RunAsync("ztstream", run, ct);
        using var http = new HttpClient { BaseAddress = node.Url, Timeout = TimeSpan.FromSeconds(30) };
        var subject = new JsonObject { ["format"] = "iss_sub", ["iss"] = transmitter.Issuer, ["sub"] = "jane.smith@example.com" };
        var set = transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, subject, new JsonObject
        {
            ["event_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["initiating_entity"] = "admin",
            ["reason_admin"] = new JsonObject { ["en"] = "Account takeover suspected" },
        }));

        using (var pushed = await PushAsync(http, set, key, ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, pushed.StatusCode);
        }

        List<JsonElement> revoked = [];
        Assert.True(
            await Eventually.WithinAsync(async () => (revoked = await SubjectRevocationsAsync(http, "jane.smith@example.com", ct)).Count > 0, TimeSpan.FromSeconds(90), ct),
            "the subject's sessions never appeared in the revocation feed:\n" + node.Output);
        var entry = Assert.Single(revoked);
        Assert.True(entry.GetProperty("not_before").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        var version = (await SnapshotAsync(http, ct)).GetProperty("version").GetInt64();

        // The same SET again (a transmitter retrying): acknowledged, and nothing more is revoked.
        using (var again = await PushAsync(http, set, key, ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        Assert.Single(await SubjectRevocationsAsync(http, "jane.smith@example.com", ct));
        Assert.Equal(version, (await SnapshotAsync(http, ct)).GetProperty("version").GetInt64());

        // Killed and started again on the same store: the replay window survived, so the SET is still a duplicate.
        node.Kill();
        var restarted = await Processes.RunAsync("ztstream-restarted", run, ct);
        using var httpAfter = new HttpClient { BaseAddress = restarted.Url, Timeout = TimeSpan.FromSeconds(30) };
        using (var afterRestart = await PushAsync(httpAfter, set, key, ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, afterRestart.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        Assert.Single(await SubjectRevocationsAsync(httpAfter, "jane.smith@example.com", ct));
        Assert.Equal(version, (await SnapshotAsync(httpAfter, ct)).GetProperty("version").GetInt64());

        // A SET addressed to someone else.
        var other = transmitter.Sign(transmitter.Claims("https://other-receiver.example/", TestTransmitter.SessionRevoked, subject.DeepClone().AsObject()));
        using var refused = await PushAsync(httpAfter, other, key, ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = await refused.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("invalid_audience", error.GetProperty("err").GetString());
    }

    private const string FeedToken = "e2e-ssf-feed-token-0123456789abcdef0123456789";

    private static async Task<HttpResponseMessage> PushAsync(HttpClient http, string set, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ssf/events") { Content = new StringContent(set, Encoding.ASCII) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/secevent+jwt");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request, ct);
    }

    private static async Task<JsonElement> SnapshotAsync(HttpClient http, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/revocations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FeedToken);
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    private static async Task<List<JsonElement>> SubjectRevocationsAsync(HttpClient http, string subject, CancellationToken ct) =>
        [.. (await SnapshotAsync(http, ct)).GetProperty("revocations").EnumerateArray()
            .Where(r => r.TryGetProperty("subject_id", out var s) && s.GetString() == subject)];

    /// <summary>infra/config/response.yaml, the policy docker-compose runs, found from the test's output folder.</summary>
    private static string ShippedResponsePolicy()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "infra", "config", "response.yaml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("infra/config/response.yaml was not found above " + AppContext.BaseDirectory);
    }
}
