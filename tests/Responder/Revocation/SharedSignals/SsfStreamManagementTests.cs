namespace ZtStream.Responder.Tests.Revocation.SharedSignals;

/// <summary>
/// Receivers register themselves through the SSF 1.0 stream-management API, verify their stream with a SET they check
/// with a standard JWT library against the published JWKS, and then receive revocations by push and by poll.
/// </summary>
public sealed class SsfStreamManagementTests : IDisposable
{
    private const string SiemToken = "siem-receiver-token-0123456789abcdef";
    private const string CrmToken = "crm-receiver-token-0123456789abcdefgh";
    private const string SiemAudience = "https://siem.example/ssf";
    private const string ApiToken = "responder-api-token-0123456789abcdef0123";
    private readonly SqliteFiles sqlite = new("ztstream-ssf-streams-");
    private readonly string database;
    private readonly HttpClient http = new();

    public SsfStreamManagementTests() => database = sqlite.NewPath();

    public void Dispose()
    {
        http.Dispose();
        sqlite.Dispose();
    }

    private Dictionary<string, string?> Settings(string defaultSubjects = "ALL", string siemPushEndpoint = "https://siem.example/ssf") => new()
    {
        ["Responder:Drivers:SharedSignals:Clients:siem:PushEndpoints:0"] = siemPushEndpoint,
        ["Store:Kind"] = "sqlite",
        ["Store:ConnectionString"] = database,
        ["Responder:Drivers:TokenRevokers:0"] = "ssf",
        ["Responder:Drivers:SharedSignals:Issuer"] = TransmitterHost.Issuer,
        ["Responder:Drivers:SharedSignals:SubjectIssuer"] = "https://idp.example.com/",
        ["Responder:Drivers:SharedSignals:Clients:siem:Token"] = SiemToken,
        ["Responder:Drivers:SharedSignals:Clients:siem:Audience"] = SiemAudience,
        ["Responder:Drivers:SharedSignals:Clients:crm:Token"] = CrmToken,
        ["Responder:Drivers:SharedSignals:Clients:crm:Audience"] = "https://crm.example/ssf",
        ["Responder:Drivers:SharedSignals:DefaultSubjects"] = defaultSubjects,
        ["Responder:Drivers:SharedSignals:InitialBackoff"] = "00:00:00.100",
        ["Responder:Drivers:SharedSignals:MaxBackoff"] = "00:00:00.300",
        ["Responder:Drivers:SharedSignals:PollInterval"] = "00:00:00.050",
        ["Responder:Drivers:SharedSignals:MinVerificationInterval"] = "00:01:00",
        ["Responder:ApiTokens:0:Name"] = "oncall",
        ["Responder:ApiTokens:0:Role"] = "responder",
        ["Responder:ApiTokens:0:Token"] = ApiToken,
    };

    private static RevokeSubjectSessions Revoke(string subject) => new()
    {
        ActionId = Guid.NewGuid(),
        SubjectId = subject,
        NotBefore = DateTimeOffset.UtcNow,
        Reason = "credential stuffing from 203.0.113.7",
        RequestedBy = "policy:end-sessions",
    };

    private async Task<HttpResponseMessage> SendAsync(TransmitterHost host, HttpMethod method, string path, string token, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(host.BaseAddress, path.TrimStart('/')));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request, Ct);
    }

    private async Task<JsonObject> CreateAsync(TransmitterHost host, string token, JsonObject body)
    {
        using var response = await SendAsync(host, HttpMethod.Post, "/ssf/streams", token, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    /// <summary>What a receiver does: validate with Microsoft.IdentityModel against the transmitter's published JWKS.</summary>
    /// <summary>
    /// Revokes <paramref name="revoke"/>'s sessions and waits until the push failed and said why (<paramref name="what"/>
    /// names that wait); the SET's one outbox row.
    /// </summary>
    private static async Task<OutboxItem> FailedPushAsync(TransmitterHost host, RevokeSubjectSessions revoke, string what)
    {
        await host.Transmitter.RevokeSubjectSessionsAsync(revoke, Ct);
        await Eventually.HoldsAsync(async () => (await host.Outbox.ForActionAsync(revoke.ActionId, Ct)).Single().LastError is not null, what);
        return Assert.Single(await host.Outbox.ForActionAsync(revoke.ActionId, Ct));
    }

    private static async Task<JsonObject> ValidateAsync(TransmitterHost host, string token, string audience) => (await host.ValidateSetAsync(token, audience)).Payload;

    [Fact]
    public async Task Receiver_RegistersVerifiesAndThenGetsARevocationByPushAndByPoll()
    {
        var ct = Ct;
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await TransmitterHost.StartAsync(Settings(siemPushEndpoint: $"http://127.0.0.1:{receiver.Port}/events"));

        // SSF discovery names the management endpoints.
        var metadata = (await http.GetFromJsonAsync<JsonObject>(new Uri(host.BaseAddress, ".well-known/ssf-configuration"), ct))!;
        Assert.Equal("https://ztstream.test/ssf/streams", metadata["configuration_endpoint"]!.GetValue<string>());
        Assert.Equal("https://ztstream.test/ssf/verify", metadata["verification_endpoint"]!.GetValue<string>());

        var push = await CreateAsync(host, SiemToken, new JsonObject
        {
            ["delivery"] = new JsonObject { ["method"] = "urn:ietf:rfc:8935", ["endpoint_url"] = $"http://127.0.0.1:{receiver.Port}/events", ["authorization_header"] = "Bearer siem-inbound" },
            ["events_requested"] = new JsonArray(SsfEventTypes.SessionRevoked, "urn:example:unknown"),
            ["description"] = "SIEM push",
        });
        Assert.Equal(TransmitterHost.Issuer, push["iss"]!.GetValue<string>());
        Assert.Equal(SiemAudience, push["aud"]!.GetValue<string>());
        Assert.Equal([SsfEventTypes.SessionRevoked], push["events_delivered"]!.AsArray().Select(e => e!.GetValue<string>()));
        var pushId = push["stream_id"]!.GetValue<string>();

        // Verification: the SET arrives at the receiver's endpoint and validates against the JWKS.
        using (var verify = await SendAsync(host, HttpMethod.Post, "/ssf/verify", SiemToken, new JsonObject { ["stream_id"] = pushId, ["state"] = "c3RhdGUtMQ" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, verify.StatusCode);
        }

        var verification = await receiver.TakeAsync("the verification SET");
        Assert.Equal("Bearer siem-inbound", verification.Authorization);
        var verified = await ValidateAsync(host, verification.Body, SiemAudience);
        Assert.Equal("c3RhdGUtMQ", verified["events"]![SsfEventTypes.Verification]!["state"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"format":"opaque","id":"{{pushId}}"}"""), verified["sub_id"]));

        // A second stream, polled: no delivery given means poll (SSF 1.0 §8.1.1.1).
        var poll = await CreateAsync(host, SiemToken, new JsonObject { ["events_requested"] = new JsonArray(SsfEventTypes.SessionRevoked) });
        Assert.Equal("urn:ietf:rfc:8936", poll["delivery"]!["method"]!.GetValue<string>());
        var pollPath = new Uri(poll["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;

        var revoke = Revoke("jane.smith@example.com");
        var result = await host.Transmitter.RevokeSubjectSessionsAsync(revoke, ct);
        Assert.True(result.Changed, result.Detail);

        var pushed = await receiver.TakeAsync("the revocation");
        var byPush = await ValidateAsync(host, pushed.Body, SiemAudience);
        Assert.NotNull(byPush["events"]![SsfEventTypes.SessionRevoked]);
        Assert.Equal("jane.smith@example.com", byPush["sub_id"]!["sub"]!.GetValue<string>());

        using var polled = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject { ["maxEvents"] = 10, ["returnImmediately"] = true });
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        var sets = (await polled.Content.ReadFromJsonAsync<JsonObject>(ct))!["sets"]!.AsObject();
        var (jti, set) = Assert.Single(sets);
        var byPoll = await ValidateAsync(host, set!.GetValue<string>(), SiemAudience);
        Assert.Equal(jti, byPoll["jti"]!.GetValue<string>());
        Assert.Equal(revoke.ActionId.ToString(), byPoll["txn"]!.GetValue<string>());

        // Not acknowledged: handed out again. Acknowledged: gone, and recorded as delivered.
        using var again = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject { ["ack"] = new JsonArray() });
        Assert.Equal([jti], (await again.Content.ReadFromJsonAsync<JsonObject>(ct))!["sets"]!.AsObject().Select(p => p.Key));
        using var after = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject { ["ack"] = new JsonArray(jti) });
        Assert.Empty((await after.Content.ReadFromJsonAsync<JsonObject>(ct))!["sets"]!.AsObject());
        var rows = await host.Outbox.ForActionAsync(revoke.ActionId, ct);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(SsfOutbox.Delivered, r.State));
    }

    [Fact]
    public async Task Streams_AreEachReceiversOwn_AndCanBeReadUpdatedReplacedAndDeleted()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        using var created = await SendAsync(host, HttpMethod.Post, "/ssf/streams", SiemToken, new JsonObject { ["description"] = "first" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["stream_id"]!.GetValue<string>();
        // The 201 names where the stream is read again (RFC 9110 §15.3.2), and reading it there gives the stream.
        Assert.Equal($"/ssf/streams?stream_id={id}", created.Headers.Location?.OriginalString);
        using var located = await SendAsync(host, HttpMethod.Get, created.Headers.Location!.OriginalString, SiemToken);
        Assert.Equal("first", (await located.Content.ReadFromJsonAsync<JsonObject>(Ct))!["description"]!.GetValue<string>());
        await CreateAsync(host, CrmToken, new JsonObject());

        using var list = await SendAsync(host, HttpMethod.Get, "/ssf/streams", SiemToken);
        Assert.Equal([id], (await list.Content.ReadFromJsonAsync<JsonArray>(Ct))!.Select(s => s!["stream_id"]!.GetValue<string>()));
        using var foreign = await SendAsync(host, HttpMethod.Get, $"/ssf/streams?stream_id={id}", CrmToken);
        await HttpProblem.ReadAsync(foreign, HttpStatusCode.NotFound);

        using var patched = await SendAsync(host, HttpMethod.Patch, "/ssf/streams", SiemToken, new JsonObject
        {
            ["stream_id"] = id,
            ["events_requested"] = new JsonArray(SsfEventTypes.CredentialChange),
        });
        var afterPatch = (await patched.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal([SsfEventTypes.CredentialChange], afterPatch["events_delivered"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("first", afterPatch["description"]!.GetValue<string>());

        using var badPatch = await SendAsync(host, HttpMethod.Patch, "/ssf/streams", SiemToken, new JsonObject { ["stream_id"] = id, ["iss"] = "https://forged.example" });
        Assert.Equal(HttpStatusCode.BadRequest, badPatch.StatusCode);

        using var replaced = await SendAsync(host, HttpMethod.Put, "/ssf/streams", SiemToken, new JsonObject { ["stream_id"] = id });
        var afterPut = (await replaced.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Null(afterPut["description"]);
        Assert.Equal(SecurityEventTokens.Supported, afterPut["events_delivered"]!.AsArray().Select(e => e!.GetValue<string>()));

        using var status = await SendAsync(host, HttpMethod.Post, "/ssf/status", SiemToken, new JsonObject { ["stream_id"] = id, ["status"] = "paused", ["reason"] = "maintenance" });
        Assert.Equal("""{"stream_id":"ID","status":"paused","reason":"maintenance"}""".Replace("ID", id, StringComparison.Ordinal), await status.Content.ReadAsStringAsync(Ct));
        using var read = await SendAsync(host, HttpMethod.Get, $"/ssf/status?stream_id={id}", SiemToken);
        Assert.Equal("paused", (await read.Content.ReadFromJsonAsync<JsonObject>(Ct))!["status"]!.GetValue<string>());

        using var deleted = await SendAsync(host, HttpMethod.Delete, $"/ssf/streams?stream_id={id}", SiemToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await SendAsync(host, HttpMethod.Get, $"/ssf/streams?stream_id={id}", SiemToken);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task StreamDeletedBetweenReadAndWrite_UpdateAndStatusAre404_NotAnsweredAsDone()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var id = (await CreateAsync(host, SiemToken, new JsonObject { ["description"] = "first" }))["stream_id"]!.GetValue<string>();

        // The store's update finds no row, as when the receiver's DELETE commits after this request read the stream.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}"))
        {
            await connection.OpenAsync(Ct);
            using var trigger = connection.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER ssf_stream_gone BEFORE UPDATE ON responder_ssf_streams BEGIN SELECT RAISE(IGNORE); END";
            await trigger.ExecuteNonQueryAsync(Ct);
        }

        using var patched = await SendAsync(host, HttpMethod.Patch, "/ssf/streams", SiemToken, new JsonObject { ["stream_id"] = id, ["description"] = "second" });
        using var status = await SendAsync(host, HttpMethod.Post, "/ssf/status", SiemToken, new JsonObject { ["stream_id"] = id, ["status"] = "paused" });

        foreach (var response in new[] { patched, status })
        {
            var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.NotFound);
            Assert.Equal(HttpProblem.TypeBase + "ssf-stream-not-found", problem.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task PushEndpoint_OutsideTheReceiversPushEndpoints_Is403AndChangesNothing()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await TransmitterHost.StartAsync(Settings());
        var loopback = $"http://127.0.0.1:{receiver.Port}/events";
        var polled = await CreateAsync(host, SiemToken, new JsonObject());
        var id = polled["stream_id"]!.GetValue<string>();

        // A receiver's token must not make ZtStream post anywhere it can reach: here, to another port on its own host.
        using var create = await SendAsync(host, HttpMethod.Post, "/ssf/streams", SiemToken, Push(loopback));
        using var patch = await SendAsync(host, HttpMethod.Patch, "/ssf/streams", SiemToken, Push(loopback, id));
        using var replace = await SendAsync(host, HttpMethod.Put, "/ssf/streams", SiemToken, Push(loopback, id));
        // crm has no PushEndpoints at all: it may only poll.
        using var crm = await SendAsync(host, HttpMethod.Post, "/ssf/streams", CrmToken, Push("https://crm.example/ssf/events"));

        foreach (var refused in new[] { create, patch, replace })
        {
            var problem = await HttpProblem.ReadAsync(refused, HttpStatusCode.Forbidden);
            Assert.Contains("endpoint_url", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.Contains("https://siem.example/ssf", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("Clients:siem:PushEndpoints", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await HttpProblem.ReadNamingAsync(crm, HttpStatusCode.Forbidden, "poll");
        using var list = await SendAsync(host, HttpMethod.Get, "/ssf/streams", SiemToken);
        var streams = (await list.Content.ReadFromJsonAsync<JsonArray>(Ct))!;
        Assert.Equal("urn:ietf:rfc:8936", Assert.Single(streams)!["delivery"]!["method"]!.GetValue<string>());

        // At or below an allowed entry, by whole path segments.
        using var below = await SendAsync(host, HttpMethod.Post, "/ssf/streams", SiemToken, Push("https://SIEM.example:443/ssf/events"));
        using var sibling = await SendAsync(host, HttpMethod.Post, "/ssf/streams", SiemToken, Push("https://siem.example/ssf-admin/events"));
        Assert.Equal(HttpStatusCode.Created, below.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, sibling.StatusCode);
        Assert.Empty(receiver.Pushed);
    }

    [Fact]
    public async Task PushStream_WhoseEndpointIsNoLongerAllowed_KeepsItsSetsUntilItIsAgain()
    {
        var ct = Ct;
        await using var receiver = await FakeReceiver.StartAsync();
        var allowed = Settings(siemPushEndpoint: $"http://127.0.0.1:{receiver.Port}/events");
        string streamId;
        await using (var first = await TransmitterHost.StartAsync(allowed))
        {
            var push = await CreateAsync(first, SiemToken, Push($"http://127.0.0.1:{receiver.Port}/events"));
            streamId = push["stream_id"]!.GetValue<string>();
        }

        // The operator narrows the receiver's PushEndpoints and restarts: the stream's SETs wait.
        var revoke = Revoke("jane.smith@example.com");
        await using (var narrowed = await TransmitterHost.StartAsync(Settings()))
        {
            Assert.True((await narrowed.Transmitter.RevokeSubjectSessionsAsync(revoke, ct)).Changed);
            var queued = Assert.Single(await narrowed.Outbox.ForActionAsync(revoke.ActionId, ct));
            Assert.EndsWith(streamId, queued.Receiver, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromMilliseconds(600), ct); // twelve delivery passes at 50 ms
            Assert.Empty(receiver.Pushed);
            Assert.Equal(SsfOutbox.Pending, Assert.Single(await narrowed.Outbox.ForActionAsync(revoke.ActionId, ct)).State);
        }

        // Allowed again: the same SET goes out.
        await using var restored = await TransmitterHost.StartAsync(allowed);
        var pushed = await receiver.OnlyPushAsync("the revocation held while the endpoint was not allowed");
        Assert.Equal("jane.smith@example.com", (await ValidateAsync(restored, pushed.Body, SiemAudience))["sub_id"]!["sub"]!.GetValue<string>());
        await Eventually.HoldsAsync(
            async () => (await restored.Outbox.ForActionAsync(revoke.ActionId, ct)).Single().State == SsfOutbox.Delivered,
            "the held SET recorded as delivered");
    }

    [Fact]
    public async Task Push_AnsweredWithARedirect_IsNotFollowed()
    {
        var ct = Ct;
        await using var elsewhere = await FakeReceiver.StartAsync();
        await using var redirecting = await FakeReceiver.StartAsync(status: 307, location: $"http://127.0.0.1:{elsewhere.Port}/events");
        var settings = Settings();
        settings["Responder:Drivers:SharedSignals:Receivers:siem-push:Endpoint"] = $"http://127.0.0.1:{redirecting.Port}/events";
        settings["Responder:Drivers:SharedSignals:Receivers:siem-push:Audience"] = SiemAudience;
        await using var host = await TransmitterHost.StartAsync(settings);
        var revoke = Revoke("jane.smith@example.com");

        await host.Transmitter.RevokeSubjectSessionsAsync(revoke, ct);

        // Retried (backoff 100–300 ms) and still pending: a 307 is not an acknowledgement, and not a place to send the SET.
        await Eventually.HoldsAsync(() => redirecting.Pushed.Count >= 2, "the push retried after the redirect");
        var row = Assert.Single(await host.Outbox.ForActionAsync(revoke.ActionId, ct));
        Assert.Equal(SsfOutbox.Pending, row.State);
        Assert.Contains("307", row.LastError, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Pushed);
    }

    /// <summary>
    /// The receiver writes the answer to a push: one that never ends is read only as far as an RFC 8935 error needs,
    /// so the refusal is recorded at once, not after the delivery's time limit with the whole answer held in memory.
    /// </summary>
    [Fact]
    public async Task Push_AnsweredWithAnEndlessBody_IsRecordedFromItsStart()
    {
        await using var endless = await LoopbackApp.StartAsync(app => app.MapPost("/events", async (HttpContext http) =>
        {
            http.Response.StatusCode = 400;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"err\":\"invalid_request\",\"description\":\"", http.RequestAborted);
            // 8 MiB, then it never ends.
            var filler = new string('x', 16 * 1024);
            for (var i = 0; i < 512; i++)
            {
                await http.Response.WriteAsync(filler, http.RequestAborted);
            }

            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        }));
        var settings = Settings();
        settings["Responder:Drivers:SharedSignals:Receivers:siem-push:Endpoint"] = new Uri(endless.BaseAddress, "events").ToString();
        settings["Responder:Drivers:SharedSignals:Receivers:siem-push:Audience"] = SiemAudience;
        settings["Responder:Drivers:SharedSignals:DeliveryTimeout"] = "00:02:00";
        await using var host = await TransmitterHost.StartAsync(settings);
        var revoke = Revoke("jane.smith@example.com");

        var row = await FailedPushAsync(host, revoke, "the push answered and recorded");
        Assert.StartsWith("rejected with 400", row.LastError, StringComparison.Ordinal);
    }

    /// <summary>
    /// The receiver owns its host name's DNS: an allowed name pointed at 127.0.0.1 (or a link-local or metadata address)
    /// must not make ZtStream post there. The SET waits, with the reason, and nothing reaches the address.
    /// </summary>
    [Fact]
    public async Task PushStream_ToAnAllowedHostNameResolvingToLoopback_IsNotDelivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var endpoint = $"http://localhost:{receiver.Port}/events";
        await using var host = await TransmitterHost.StartAsync(Settings(siemPushEndpoint: endpoint));
        await CreateAsync(host, SiemToken, Push(endpoint));
        var revoke = Revoke("jane.smith@example.com");

        var row = await FailedPushAsync(host, revoke, "the push tried and recorded why it failed");
        Assert.Equal(SsfOutbox.Pending, row.State);
        Assert.Contains("a loopback address", row.LastError, StringComparison.Ordinal);
        Assert.Empty(receiver.Pushed);
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.10.0.3", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "metadata")]
    [InlineData("100.100.100.200", "metadata")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("64:ff9b::7f00:1", "loopback")] // NAT64 (RFC 6052): 127.0.0.1 through the cluster's NAT64 gateway
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")] // NAT64 of 169.254.169.254, as DNS64 on an IPv6-only cluster answers
    [InlineData("2002:a9fe:a9fe::1", "link-local")] // 6to4 of 169.254.169.254
    [InlineData("::ffff:0:7f00:1", "loopback")] // IPv4-translated (SIIT)
    [InlineData("::a9fe:a9fe", "link-local")] // IPv4-compatible
    [InlineData("64:ff9b::cb00:710a", null)] // NAT64 of the public 203.0.113.10
    [InlineData("203.0.113.10", null)]
    [InlineData("10.20.30.40", null)]
    [InlineData("2001:db8::10", null)]
    public void Refusal_OfAnAddressAHostNameResolvesTo_NamesWhatItIs(string address, string? kind)
    {
        var why = SsfPushAddresses.Refusal(System.Net.IPAddress.Parse(address));

        if (kind is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(kind, why, StringComparison.Ordinal);
        }
    }

    private static JsonObject Push(string endpoint, string? streamId = null)
    {
        var body = new JsonObject { ["delivery"] = new JsonObject { ["method"] = "urn:ietf:rfc:8935", ["endpoint_url"] = endpoint } };
        if (streamId is not null)
        {
            body["stream_id"] = streamId;
        }

        return body;
    }

    [Theory]
    // A control character: a NUL PostgreSQL refuses, a header split, a terminal escape, a forged log line.
    [InlineData("/ssf/streams", """{"description":"SIEM\u0000"}""", "description", "must not hold a control character: U+0000 at position 4")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"https://siem.example/ssf","authorization_header":"Bearer x\r\nX-Injected: 1"}}""", "delivery.authorization_header", "must not hold a control character: U+000D at position 8")]
    [InlineData("/v1/ssf/signals", """{"event":"session-revoked","subject_id":"jane\u001b[2J"}""", "subject_id", "must not hold a control character: U+001B at position 4")]
    [InlineData("/v1/ssf/signals", """{"event":"credential-change","subject_id":"jane","reason":"lost\nforged line"}""", "reason", "must not hold a control character: U+000A at position 4")]
    // A bidi control: "alice\u202Etxt.exe" reads "aliceexe.txt"; an isolate.
    [InlineData("/ssf/streams", """{"description":"alice\u202Etxt.exe"}""", "description", "must not hold an invisible or bidirectional formatting character: U+202E at position 5")]
    [InlineData("/v1/ssf/signals", """{"event":"session-revoked","subject_id":"\u2066jane"}""", "subject_id", "must not hold an invisible or bidirectional formatting character: U+2066 at position 0")]
    // A zero-width character: "ad\u200Bmin" is not "admin"; in an array, named by its index.
    [InlineData("/v1/ssf/signals", """{"event":"session-revoked","subject_id":"ad\u200Bmin"}""", "subject_id", "must not hold an invisible or bidirectional formatting character: U+200B at position 2")]
    [InlineData("/ssf/streams", """{"events_requested":["https://schemas.openid.net/secevent/caep/event-type/session-revoked\uFEFF"]}""", "events_requested[0]", "must not hold an invisible or bidirectional formatting character: U+FEFF at position 67")]
    // A variation selector that varies nothing: after ASCII, at the start, doubled after an emoji it varies once.
    [InlineData("/v1/ssf/signals", """{"event":"session-revoked","subject_id":"admin\uFE0F"}""", "subject_id", "must not hold a variation selector except right after a character it varies: U+FE0F at position 5")]
    [InlineData("/ssf/streams", """{"description":"\uDB40\uDD00SIEM"}""", "description", "must not hold a variation selector except right after a character it varies: U+E0100 at position 0")]
    [InlineData("/ssf/streams", """{"description":"SIEM \u2764\uFE0F\uFE0F"}""", "description", "must not hold a variation selector except right after a character it varies: U+FE0F at position 7")]
    public async Task StreamOrSignal_WithAHiddenCharacter_Is400ListingTheMember_AndNothingIsKept(string path, string body, string member, string reason)
    {
        // What a receiver or a responder sends is stored (PostgreSQL refuses a NUL in text), audited, signed into SETs and
        // sent as a header: a character that shows nothing or turns the text around is refused, in the shape of every
        // other 400 (errors: index, field, reason), as the Responder's API does.
        await using var host = await TransmitterHost.StartAsync(Settings());
        var existing = await CreateAsync(host, SiemToken, new JsonObject { ["description"] = "before" });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseAddress, path.TrimStart('/')))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", path.StartsWith("/v1", StringComparison.Ordinal) ? ApiToken : SiemToken);

        using var response = await http.SendAsync(request, Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, $"{member}: {reason}");
        Assert.Equal(HttpProblem.TypeBase + "ssf-invalid-request", problem.GetProperty("type").GetString());
        Assert.Equal("The request is not valid", problem.GetProperty("title").GetString());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((0, member, reason), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString(), error.GetProperty("reason").GetString()));
        var streams = await host.Services.GetRequiredService<SsfStreamStore>().ForClientAsync("siem", Ct);
        Assert.Equal((existing["stream_id"]!.GetValue<string>(), "before"), (Assert.Single(streams).StreamId, streams[0].Description));
        Assert.Equal(0, await host.Outbox.PendingCountAsync(Ct));
    }

    [Fact]
    public async Task Stream_WithHiddenCharactersInTwoMembers_ListsBoth_AndVariationSequencesAreText()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());

        using var refused = await SendAsync(host, HttpMethod.Post, "/ssf/streams", SiemToken, JsonNode.Parse(
            """{"description":"ad\u200Bmin","events_requested":["x","y\u202E"]}"""));
        var problem = await HttpProblem.ReadAsync(refused, HttpStatusCode.BadRequest);
        Assert.Equal(
            ["description", "events_requested[1]"],
            problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));

        // A variation selector right after what it varies is text: a name with its registered ideograph (UTS #37), an
        // emoji's presentation and a keycap (emoji-variation-sequences.txt).
        const string Description = "\u845B\U000E0100 \u2764\uFE0F #\uFE0F\u20E3";
        var created = await CreateAsync(host, SiemToken, new JsonObject { ["description"] = Description });
        Assert.Equal(Description, created["description"]!.GetValue<string>());
    }

    /// <summary>
    /// SSF 1.0 §8.1 (stream management) and RFC 8936 §2.4 (poll) send JSON: a body of another type, or of none, is 415
    /// in the API's problem shape and nothing changes; a +json type or a charset is JSON still, as in the rest of the API.
    /// </summary>
    [Theory]
    [InlineData("/ssf/streams", """{"description":"after"}""", "text/plain; charset=utf-8", "PATCH")]
    [InlineData("/ssf/streams", """{"description":"after"}""", "application/x-www-form-urlencoded", "PUT")]
    [InlineData("/ssf/streams", """{"description":"new"}""", null)]
    [InlineData("/ssf/status", """{"stream_id":"STREAM","status":"paused"}""", "text/plain")]
    [InlineData("/ssf/verify", """{"stream_id":"STREAM"}""", "application/xml")]
    [InlineData("/ssf/poll/STREAM", """{"returnImmediately":true}""", "application/secevent+jwt")]
    [InlineData("/v1/ssf/signals", """{"event":"session-revoked","subject_id":"jane@example.com"}""", "text/plain")]
    public async Task Request_WithABodyThatIsNotSentAsJson_Is415_AndNothingChanges(string path, string body, string? contentType, string method = "POST")
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var existing = (await CreateAsync(host, SiemToken, new JsonObject { ["description"] = "before" }))["stream_id"]!.GetValue<string>();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Replace("STREAM", existing, StringComparison.Ordinal)));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(host.BaseAddress, path.Replace("STREAM", existing, StringComparison.Ordinal).TrimStart('/')))
        {
            Content = content,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", path.StartsWith("/v1", StringComparison.Ordinal) ? ApiToken : SiemToken);

        using var response = await http.SendAsync(request, Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.UnsupportedMediaType, "send the body as application/json");
        Assert.Equal(HttpProblem.TypeBase + "unsupported-media-type", problem.GetProperty("type").GetString());
        var stream = Assert.Single(await host.Services.GetRequiredService<SsfStreamStore>().ForClientAsync("siem", Ct));
        Assert.Equal((existing, "before", SsfStreamStatus.Enabled, null), (stream.StreamId, stream.Description, stream.Status, stream.VerifiedAt));
        Assert.Equal(0, await host.Outbox.PendingCountAsync(Ct));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    [InlineData("application/merge-patch+json")]
    public async Task Request_SentAsJsonOrAPlusJsonType_IsRead(string contentType)
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var existing = (await CreateAsync(host, SiemToken, new JsonObject { ["description"] = "before" }))["stream_id"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(host.BaseAddress, "ssf/streams"))
        {
            Content = new StringContent($$"""{"stream_id":"{{existing}}","description":"after"}""", Encoding.UTF8),
        };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiemToken);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("after", Assert.Single(await host.Services.GetRequiredService<SsfStreamStore>().ForClientAsync("siem", Ct)).Description);
    }

    [Theory]
    // A member of another type is refused, not dropped for its default: a push stream's authorization_header sent as a
    // number would push without one, a description as an object clear it.
    [InlineData("/ssf/streams", """{"description":5}""", "description", "must be a string")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"https://siem.example/ssf","authorization_header":5}}""", "delivery.authorization_header", "must be a string")]
    [InlineData("/ssf/streams", """{"delivery":"urn:ietf:rfc:8935"}""", "delivery", "must be an object")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:example:webhook"}}""", "delivery.method", "must be urn:ietf:rfc:8935 (push) or urn:ietf:rfc:8936 (poll); 'urn:example:webhook' is not supported")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:ietf:rfc:8935"}}""", "delivery.endpoint_url", "is required for push")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"siem.example/ssf"}}""", "delivery.endpoint_url", "must be an absolute http or https URL")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:ietf:rfc:8936","endpoint_url":"https://siem.example/ssf"}}""", "delivery.endpoint_url", "is set by the transmitter for poll delivery")]
    [InlineData("/ssf/streams", """{"delivery":{"method":"urn:ietf:rfc:8936","authorization_header":"Bearer x"}}""", "delivery.authorization_header", "is for push delivery only")]
    [InlineData("/ssf/streams", """{"events_requested":"https://schemas.openid.net/secevent/caep/event-type/session-revoked"}""", "events_requested", "must be an array of event type URIs")]
    [InlineData("/ssf/streams", """{"events_requested":["https://schemas.openid.net/secevent/caep/event-type/session-revoked",5]}""", "events_requested[1]", "must be a string")]
    [InlineData("/ssf/streams", """{"stream_id":5,"description":"after"}""", "stream_id", "must be a string", "PATCH")]
    [InlineData("/ssf/streams", """{"stream_id":"STREAM","description":{"text":"after"}}""", "description", "must be a string", "PUT")]
    [InlineData("/ssf/status", """{"stream_id":"STREAM","status":"paused","reason":5}""", "reason", "must be a string")]
    [InlineData("/ssf/status", """{"stream_id":"STREAM","status":1}""", "status", "must be a string")]
    [InlineData("/ssf/status", """{"stream_id":"STREAM","status":"stopped"}""", "status", "must be enabled, paused or disabled; was 'stopped'")]
    [InlineData("/ssf/verify", """{"stream_id":"STREAM","state":5}""", "state", "must be a string")]
    [InlineData("/ssf/poll/STREAM", """{"ack":"4f1c0de2"}""", "ack", "must be an array of jti strings")]
    [InlineData("/ssf/poll/STREAM", """{"setErrs":{"4f1c0de2":"invalid_key"}}""", "setErrs.4f1c0de2", "must be an object")]
    [InlineData("/ssf/poll/STREAM", """{"setErrs":{"4f1c0de2":{"description":"no err"}}}""", "setErrs.4f1c0de2.err", "is required")]
    [InlineData("/ssf/poll/STREAM", """{"maxEvents":-1}""", "maxEvents", "must be a whole number from 0")]
    [InlineData("/ssf/poll/STREAM", """{"maxEvents":"10"}""", "maxEvents", "must be a whole number from 0")]
    [InlineData("/ssf/poll/STREAM", """{"returnImmediately":"yes"}""", "returnImmediately", "must be true or false")]
    // A transmitter-supplied member is the transmitter's: sent back unchanged only, on create as on update.
    [InlineData("/ssf/streams", """{"stream_id":"my-own-id"}""", "stream_id", "is set by the transmitter")]
    [InlineData("/ssf/streams", """{"aud":"https://forged.example/ssf"}""", "aud", "is set by the transmitter")]
    [InlineData("/ssf/streams", """{"stream_id":"STREAM","iss":"https://forged.example"}""", "iss", "is set by the transmitter", "PATCH")]
    // The stream a request is about: required, and named once (not answered as a stream that does not exist).
    [InlineData("/ssf/verify", """{"state":"c3RhdGU"}""", "stream_id", "is required")]
    [InlineData("/ssf/status", """{"status":"disabled"}""", "stream_id", "is required")]
    [InlineData("/ssf/status?stream_id=STREAM&stream_id=STREAM", "", "stream_id", "is given 2 times: name one stream", "GET")]
    [InlineData("/ssf/streams?stream_id=STREAM&stream_id=STREAM", "", "stream_id", "is given 2 times: name one stream", "GET")]
    [InlineData("/ssf/streams", "", "stream_id", "is required", "DELETE")]
    // Longer than a stream keeps: refused naming the limit, not cut short.
    [InlineData("/ssf/streams", """{"description":"LONG"}""", "description", "must be at most 256 characters; was 257")]
    [InlineData("/ssf/status", """{"stream_id":"STREAM","status":"paused","reason":"LONG"}""", "reason", "must be at most 256 characters; was 257")]
    public async Task ManagementRequest_WithAMemberOfAnotherShape_Is400NamingIt_AndNothingChanges(string path, string body, string member, string reason, string method = "POST")
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var existing = (await CreateAsync(host, SiemToken, new JsonObject { ["description"] = "before" }))["stream_id"]!.GetValue<string>();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(host.BaseAddress, path.Replace("STREAM", existing, StringComparison.Ordinal).TrimStart('/')))
        {
            Content = body.Length == 0 ? null : new StringContent(
                body.Replace("STREAM", existing, StringComparison.Ordinal).Replace("LONG", new string('d', 257), StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiemToken);

        using var response = await http.SendAsync(request, Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, $"{member}: {reason}");
        Assert.Equal(HttpProblem.TypeBase + "ssf-invalid-request", problem.GetProperty("type").GetString());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((0, member), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));
        Assert.StartsWith(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var stream = Assert.Single(await host.Services.GetRequiredService<SsfStreamStore>().ForClientAsync("siem", Ct));
        Assert.Equal((existing, "before", SsfDelivery.PollMethod, SsfStreamStatus.Enabled, null), (stream.StreamId, stream.Description, stream.DeliveryMethod, stream.Status, stream.VerifiedAt));
        Assert.Equal(0, await host.Outbox.PendingCountAsync(Ct));
    }

    [Theory]
    [InlineData("""{"format":"email"}""", "subject.email", "is required for format email: a string")]
    [InlineData("""{"format":"iss_sub","iss":"https://idp.example.com/","sub":5}""", "subject.sub", "is required for format iss_sub: a string")]
    [InlineData("""{"format":"account","uri":"jane@example.com"}""", "subject.uri", "must be an acct: URI (RFC 7565)")]
    [InlineData("""{"format":5,"email":"jane@example.com"}""", "subject.format", "is required: a string naming the subject identifier's format (RFC 9493), e.g. email or iss_sub")]
    [InlineData("""{"format":"aliases","identifiers":[]}""", "subject.identifiers", "must be a non-empty array of subject identifiers")]
    [InlineData("""{"format":"aliases","identifiers":[{"format":"email","email":"jane@example.com"},{"format":"opaque"}]}""", "subject.identifiers[1].id", "is required for format opaque: a string")]
    [InlineData("""{"format":"complex","user":{"format":"complex","user":{"format":"opaque","id":"u"}}}""", "subject.user.format", "must be a simple format here: complex does not nest")]
    // A complex subject naming no member matches every complex subject (SSF 1.0 §8.1.3.1): one added is not "a subject".
    [InlineData("""{"format":"complex"}""", "subject", "is a complex subject naming none of user, device, session, application, tenant, org_unit, group")]
    [InlineData("\"jane@example.com\"", "subject", "must be a subject identifier (RFC 9493): an object with a format, e.g. {\"format\":\"email\",\"email\":\"…\"}")]
    public async Task SubjectAddedOrRemoved_ThatIdentifiesNoOne_Is400NamingTheMember_AndIsNotKept(string subject, string member, string reason)
    {
        // RFC 9493 gives each format its members: a subject without them would be kept, answered 200 and match nothing (or,
        // a complex one naming no member, every complex subject).
        await using var host = await TransmitterHost.StartAsync(Settings(defaultSubjects: "NONE"));
        var id = (await CreateAsync(host, SiemToken, new JsonObject()))["stream_id"]!.GetValue<string>();

        foreach (var path in new[] { "/ssf/subjects:add", "/ssf/subjects:remove" })
        {
            using var response = await SendAsync(host, HttpMethod.Post, path, SiemToken, new JsonObject { ["stream_id"] = id, ["subject"] = JsonNode.Parse(subject) });

            var error = await HttpProblem.ReadOneErrorAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal((member, reason), (error.GetProperty("field").GetString(), error.GetProperty("reason").GetString()));
        }

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}");
        await connection.OpenAsync(Ct);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM responder_ssf_stream_subjects";
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync(Ct))!);
    }

    [Fact]
    public async Task Poll_WithAnAckThatIsNoJti_IsRefusedWhole_AndTheSetIsHandedOutAgain()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var stream = await CreateAsync(host, SiemToken, new JsonObject());
        var pollPath = new Uri(stream["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;
        await host.Transmitter.RevokeSubjectSessionsAsync(Revoke("alice"), Ct);
        string jti;
        using (var first = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject()))
        {
            jti = Assert.Single((await first.Content.ReadFromJsonAsync<JsonObject>(Ct))!["sets"]!.AsObject()).Key;
        }

        using (var refused = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject { ["ack"] = new JsonArray(jti, 5) }))
        {
            var error = await HttpProblem.ReadOneErrorAsync(refused, HttpStatusCode.BadRequest);
            Assert.Equal("ack[1]", error.GetProperty("field").GetString());
        }

        using var again = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject());
        Assert.Equal([jti], (await again.Content.ReadFromJsonAsync<JsonObject>(Ct))!["sets"]!.AsObject().Select(s => s.Key));
    }

    [Fact]
    public async Task Management_WithoutAValidToken_Is401ProblemDocument()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());

        using var anonymous = await http.GetAsync(new Uri(host.BaseAddress, "ssf/streams"), Ct);
        using var wrong = await SendAsync(host, HttpMethod.Post, "/ssf/streams", "not-a-receiver-token-0123456789abcdef", new JsonObject());

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await HttpProblem.ReadAsync(wrong, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", wrong.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subjects_RemovedAreNotSignalledAndWithDefaultNoneOnlyAddedAre()
    {
        var ct = Ct;
        await using var host = await TransmitterHost.StartAsync(Settings(defaultSubjects: "NONE"));
        var stream = await CreateAsync(host, SiemToken, new JsonObject());
        var id = stream["stream_id"]!.GetValue<string>();
        var pollPath = new Uri(stream["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;
        JsonObject User(string sub) => new() { ["format"] = "iss_sub", ["iss"] = "https://idp.example.com/", ["sub"] = sub };

        using (var add = await SendAsync(host, HttpMethod.Post, "/ssf/subjects:add", SiemToken, new JsonObject { ["stream_id"] = id, ["subject"] = User("alice"), ["verified"] = true }))
        {
            Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        }

        await host.Transmitter.RevokeSubjectSessionsAsync(Revoke("alice"), ct);
        await host.Transmitter.RevokeSubjectSessionsAsync(Revoke("bob"), ct);
        using (var removed = await SendAsync(host, HttpMethod.Post, "/ssf/subjects:remove", SiemToken, new JsonObject { ["stream_id"] = id, ["subject"] = User("alice") }))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        await host.Transmitter.RevokeSubjectSessionsAsync(Revoke("alice"), ct);

        using var polled = await SendAsync(host, HttpMethod.Post, pollPath, SiemToken, new JsonObject());
        var subjects = new List<string>();
        foreach (var (_, set) in (await polled.Content.ReadFromJsonAsync<JsonObject>(ct))!["sets"]!.AsObject())
        {
            subjects.Add((await ValidateAsync(host, set!.GetValue<string>(), SiemAudience))["sub_id"]!["sub"]!.GetValue<string>());
        }

        Assert.Equal(["alice"], subjects);
    }

    [Fact]
    public async Task Verify_AskedAgainTooSoon_Is429WithRetryAfter()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var id = (await CreateAsync(host, SiemToken, new JsonObject()))["stream_id"]!.GetValue<string>();

        using var first = await SendAsync(host, HttpMethod.Post, "/ssf/verify", SiemToken, new JsonObject { ["stream_id"] = id });
        using var second = await SendAsync(host, HttpMethod.Post, "/ssf/verify", SiemToken, new JsonObject { ["stream_id"] = id });

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal((HttpStatusCode)429, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
    }

    [Fact]
    public async Task Signals_CredentialChangeAndAssuranceLevelChange_ReachTheStreamsThatAskedForThem()
    {
        var ct = Ct;
        await using var host = await TransmitterHost.StartAsync(Settings());
        var credentials = await CreateAsync(host, SiemToken, new JsonObject { ["events_requested"] = new JsonArray(SsfEventTypes.CredentialChange) });
        var assurance = await CreateAsync(host, CrmToken, new JsonObject { ["events_requested"] = new JsonArray(SsfEventTypes.AssuranceLevelChange) });

        using var credential = await SendAsync(host, HttpMethod.Post, "/v1/ssf/signals", ApiToken, new JsonObject
        {
            ["event"] = "credential-change",
            ["subject_id"] = "jane@example.com",
            ["credential_type"] = "fido2-roaming",
            ["change_type"] = "revoke",
            ["reason"] = "security key reported lost",
        });
        using var level = await SendAsync(host, HttpMethod.Post, "/v1/ssf/signals", ApiToken, new JsonObject
        {
            ["event"] = "assurance-level-change",
            ["subject_id"] = "jane@example.com",
            ["namespace"] = "NIST-AAL",
            ["current_level"] = "nist-aal1",
            ["previous_level"] = "nist-aal2",
        });
        using var invalid = await SendAsync(host, HttpMethod.Post, "/v1/ssf/signals", ApiToken, new JsonObject { ["event"] = "account-purged", ["subject_id"] = "x" });
        using var unauthorized = await SendAsync(host, HttpMethod.Post, "/v1/ssf/signals", SiemToken, new JsonObject { ["event"] = "credential-change", ["subject_id"] = "x" });

        Assert.Equal(HttpStatusCode.Accepted, credential.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, level.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        var siemSet = await PollOneAsync(host, credentials, SiemToken);
        var change = (await ValidateAsync(host, siemSet, SiemAudience))["events"]![SsfEventTypes.CredentialChange]!;
        Assert.Equal(("fido2-roaming", "revoke", "security key reported lost"), (change["credential_type"]!.GetValue<string>(), change["change_type"]!.GetValue<string>(), change["reason_admin"]!["en"]!.GetValue<string>()));
        var crmSet = await PollOneAsync(host, assurance, CrmToken);
        var downgrade = (await ValidateAsync(host, crmSet, "https://crm.example/ssf"))["events"]![SsfEventTypes.AssuranceLevelChange]!;
        Assert.Equal(("NIST-AAL", "nist-aal1", "nist-aal2", "decrease"), (downgrade["namespace"]!.GetValue<string>(), downgrade["current_level"]!.GetValue<string>(), downgrade["previous_level"]!.GetValue<string>(), downgrade["change_direction"]!.GetValue<string>()));
    }

    /// <summary>A refused signal is a 400 whose errors name each member at fault, as every other /v1 400 does.</summary>
    [Theory]
    [InlineData("""{"event":"credential-change","subject_id":"jane","reason":5}""", "reason", "must be a string")]
    [InlineData("""{"event":"credential-change","subject_id":"jane","reasn":"lost"}""", "reasn", "is not a member of a signal")]
    [InlineData("""{"event":"account-purged","subject_id":"jane"}""", "event", "must be session-revoked, credential-change or assurance-level-change")]
    [InlineData("""{"event":"session-revoked"}""", "subject_id", "is required")]
    [InlineData("""{"event":"credential-change","subject_id":"jane","change_type":"rotate"}""", "change_type", "must be create, revoke, update or delete")]
    [InlineData("""{"event":"assurance-level-change","subject_id":"jane"}""", "current_level", "is required for assurance-level-change")]
    [InlineData("""{"event":"assurance-level-change","subject_id":"jane","current_level":"nist-aal1","change_direction":"down"}""", "change_direction", "must be increase or decrease")]
    public async Task Signal_Refused_Is400WhoseErrorsNameTheMember(string body, string field, string reason)
    {
        await using var host = await TransmitterHost.StartAsync(Settings());

        using var response = await SendAsync(host, HttpMethod.Post, "/v1/ssf/signals", ApiToken, JsonNode.Parse(body)!.AsObject());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.EndsWith("/ssf-invalid-signal", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.Equal((0, field), (error["index"]!.GetValue<int>(), error["field"]!.GetValue<string>()));
        Assert.Contains(reason, error["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_AReceiverThatNeverAnswers_DelaysOnlyItsOwnSets()
    {
        var ct = Ct;
        // Accepts connections and never answers: every push to it hangs until the delivery timeout.
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var held = new System.Collections.Concurrent.ConcurrentQueue<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                held.Enqueue(await blackHole.AcceptTcpClientAsync(ct));
            }
        }, ct);
        await using var healthy = await FakeReceiver.StartAsync();
        var settings = Settings();
        // Configured receivers are tried in name order: the silent one first.
        settings["Responder:Drivers:SharedSignals:Receivers:a-silent:Endpoint"] = $"http://127.0.0.1:{((IPEndPoint)blackHole.LocalEndpoint).Port}/events";
        settings["Responder:Drivers:SharedSignals:Receivers:a-silent:Audience"] = "https://silent.example";
        settings["Responder:Drivers:SharedSignals:Receivers:b-healthy:Endpoint"] = $"http://127.0.0.1:{healthy.Port}/events";
        settings["Responder:Drivers:SharedSignals:Receivers:b-healthy:Audience"] = "https://healthy.example";
        settings["Responder:Drivers:SharedSignals:DeliveryTimeout"] = "00:02:00";
        await using var host = await TransmitterHost.StartAsync(settings);

        await host.Transmitter.RevokeSubjectSessionsAsync(Revoke("jane@example.com"), ct);
        await host.Transmitter.RevokeSubjectSessionsAsync(Revoke("joe@example.com"), ct);

        // Both SETs reach the healthy receiver while the silent one's first push is still hanging.
        await Eventually.HoldsAsync(() => healthy.Pushed.Count == 2, "the healthy receiver got both SETs");
        // The silent receiver was contacted too (its accept can trail the healthy pushes on a loaded machine); its push
        // is still hanging, as the delivery timeout is two minutes.
        await Eventually.HoldsAsync(() => !held.IsEmpty, "the silent receiver to be connected to");
        foreach (var client in held)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task SigningKey_RotatedKeyStaysPublishedForTheOverlapThenGoes()
    {
        var ct = Ct;
        var store = await MigratedStores.CreateAsync(new StoreOptions { SqlitePath = database }, new SsfMigrations());
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero));
        var options = new SharedSignalsOptions { Issuer = new Uri("https://ztstream.test"), KeyRotationInterval = TimeSpan.FromDays(30), KeyOverlap = TimeSpan.FromDays(2) };
        using var keys = new SsfSigningKeys(store, options, clock, NullLogger<SsfSigningKeys>.Instance);

        var first = await keys.GetAsync(ct);
        var signedBefore = SecurityEventTokens.Sign(new JsonObject { ["iss"] = "https://ztstream.test", ["jti"] = "j1" }, first);
        clock.Advance(TimeSpan.FromDays(30));
        var second = await keys.GetAsync(ct);
        var during = await keys.PublishedAsync(ct);
        clock.Advance(TimeSpan.FromDays(2));
        var after = await keys.PublishedAsync(ct);

        Assert.NotEqual(first.KeyId, second.KeyId);
        Assert.Equal([second.KeyId, first.KeyId], during.Select(k => k["kid"]!.GetValue<string>()));
        Assert.Equal([second.KeyId], after.Select(k => k["kid"]!.GetValue<string>()));
        // A SET signed with the old key still validates against the JWKS published during the overlap.
        var jwks = new JsonWebKeySet(new JsonObject { ["keys"] = new JsonArray([.. during.Select(k => k.DeepClone())]) }.ToJsonString());
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(signedBefore, new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.True(result.IsValid, result.Exception?.ToString());
    }

    [Fact]
    public async Task Jwks_AfterARotation_PublishesBothKeys()
    {
        await using var host = await TransmitterHost.StartAsync(Settings());
        var keys = host.Services.GetRequiredService<SsfSigningKeys>();
        var before = await keys.GetAsync(Ct);

        var after = await keys.RotateAsync(Ct);

        var jwks = JsonNode.Parse(await host.JwksAsync())!.AsObject();
        Assert.Equal([after.KeyId, before.KeyId], jwks["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()));
        Assert.All(jwks["keys"]!.AsArray(), k => Assert.Null(k!["d"]));
    }

    private async Task<string> PollOneAsync(TransmitterHost host, JsonObject stream, string token)
    {
        var path = new Uri(stream["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;
        using var polled = await SendAsync(host, HttpMethod.Post, path, token, new JsonObject());
        var (_, set) = Assert.Single((await polled.Content.ReadFromJsonAsync<JsonObject>(Ct))!["sets"]!.AsObject());
        return set!.GetValue<string>();
    }
}
