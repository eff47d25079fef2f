using System.Text.Json.Nodes;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Each identity provider's published example, posted the way the provider posts it, lands in the event log mapped.</summary>
public sealed class IdentitySourceEndpointTests
{
    public static TheoryData<string, string, string, int> Examples => new()
    {
        { "/v1/sources/okta", "okta", "event-hook-delivery.json", 2 },
        { "/v1/sources/okta", "okta", "system-log-mfa-push.json", 3 },
        { "/v1/sources/entra", "entra", "signin-records.json", 4 },
        { "/v1/sources/entra", "entra", "audit-records.json", 4 },
        { "/v1/sources/keycloak", "keycloak", "user-events.json", 7 },
        { "/v1/sources/keycloak", "keycloak", "admin-events.json", 3 },
        { "/v1/sources/auth0", "auth0", "log-stream.json", 10 },

        // Shapes from third-party logs (TestData/ORIGIN-identity.md).
        { "/v1/sources/okta", "okta", "third-party-shapes.ndjson", 15 },
        { "/v1/sources/okta", "okta", "event-hook-factor-reset.json", 1 },
        { "/v1/sources/entra", "entra", "third-party-signins.json", 3 },
        { "/v1/sources/entra", "entra", "us-time.ndjson", 2 },
        { "/v1/sources/entra", "entra", "log-analytics-text-dynamics.ndjson", 2 },
        { "/v1/sources/entra", "entra", "graph-beta-page.json", 2 },
        { "/v1/sources/entra", "entra", "third-party-audits.json", 3 },
        { "/v1/sources/entra", "entra", "identity-protection.json", 5 },
        { "/v1/sources/entra", "entra", "identity-protection-rows.ndjson", 2 },
        { "/v1/sources/keycloak", "keycloak", "third-party-events.ndjson", 8 },
        { "/v1/sources/auth0", "auth0", "third-party-stream.json", 10 },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Post_VendorExample_Returns202AndEveryRecordIsInTheLogWithItsSourceAndIdp(string path, string vendor, string file, int count)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync($"{vendor}-prod");

        var contentType = file.EndsWith(".ndjson", StringComparison.Ordinal) ? "application/x-ndjson" : "application/json";
        using var response = await server.PostAsync(path, TestData.Idp(vendor, file), key, contentType);

        await IngestAnswer.AcceptedAsync(response, count);

        // Beside each failed sign-in from an address, its twins keyed by the address and by the tenant; beside an
        // administrator's reset of another user, its twin keyed by the administrator; beside an Okta session start naming
        // its browser's device token, its twin keyed by the token (AddressTwins).
        var twins = Ingest.Sources.SourceFileReaders.All[vendor](
            new MemoryStream(TestData.Idp(vendor, file)), DateTimeOffset.UtcNow, _ => { }, new ConfigurationBuilder().AddInMemoryCollection(IngestServer.AnyAge).Build())
            .Sum(e => (AddressTwins.Of(e) is null ? 0 : 1) + (AddressTwins.TenantOf(e, $"{vendor}-prod") is null ? 0 : 1) + (AddressTwins.ActorOf(e) is null ? 0 : 1) + (AddressTwins.DeviceOf(e) is null ? 0 : 1));
        var read = await server.ReadLoggedAsync(count + twins);
        Assert.Equal(count + twins, read.Count);
        Assert.All(read, r =>
        {
            Assert.Equal($"{vendor}-prod", r.Event.Source);
            Assert.Equal(vendor, r.Event.Attr(IdentityAttributes.IdpName));
            Assert.Equal(r.Event.PrincipalKey, r.Record.Key);
        });
        Assert.Equal(count, read.Count(r => r.Event.Raw is not null));
        var failureTwins = read.Where(r => r.Event.Raw is null && !r.Event.Id.EndsWith("@actor", StringComparison.Ordinal) && !r.Event.Id.EndsWith("@device", StringComparison.Ordinal)).ToList();
        Assert.All(failureTwins, r => Assert.Matches("^(ip|tenant|source):", r.Record.Key));
        Assert.Equal(failureTwins.Count(r => r.Record.Key.StartsWith("ip:", StringComparison.Ordinal)), failureTwins.Count(r => !r.Record.Key.StartsWith("ip:", StringComparison.Ordinal)));
        // An actor twin is keyed by the administrator the original names.
        Assert.All(read.Where(r => r.Event.Raw is null && r.Event.Id.EndsWith("@actor", StringComparison.Ordinal)),
            r => Assert.Equal(read.Single(o => o.Event.Id + "@actor" == r.Event.Id).Event.Attr(IdentityAttributes.Actor), r.Record.Key));
        // A device twin is keyed by the device token the original names.
        Assert.All(read.Where(r => r.Event.Raw is null && r.Event.Id.EndsWith("@device", StringComparison.Ordinal)),
            r => Assert.Equal("device:" + read.Single(o => o.Event.Id + "@device" == r.Event.Id).Event.Attr(IdentityAttributes.DeviceToken), r.Record.Key));
    }

    /// <summary>
    /// Text that is not valid UTF-8 — an escaped lone surrogate, a byte no UTF-8 text holds (a pipeline that re-encoded the
    /// log as Latin-1) — in a record whose raw fits, and in one whose raw is trimmed (a 70,000-character description).
    /// </summary>
    public static TheoryData<byte[], bool> NotUtf8 => new()
    {
        { "\\ud800"u8.ToArray(), false },
        { new byte[] { 0xE9 }, false },
        { "\\ud800"u8.ToArray(), true },
        { new byte[] { 0xE9 }, true },
    };

    [Theory]
    [MemberData(nameof(NotUtf8))]
    public async Task PostAuth0_TextThatIsNotUtf8InAFieldKeptOnlyInRaw_RefusesThatRecordAndAcceptsTheOthers(byte[] text, bool padded)
    {
        // The first record's hostname is not mapped, only kept in raw; such text there cannot be written to the log (a lone
        // surrogate) or read from it as text, so its record is refused by index like any text that is not valid UTF-8, and
        // the request is not failed as a whole.
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("auth0");
        var stream = TestData.Idp("auth0", "log-stream.json");
        if (padded)
        {
            stream = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(stream).Replace("\"Successful login\"", $"\"{new string('z', 70_000)}\"", StringComparison.Ordinal));
        }

        var at = stream.AsSpan().IndexOf("\"acme.eu.auth0.com"u8) + 1;
        byte[] body = [.. stream.AsSpan(0, at), .. text, .. stream.AsSpan(at)];

        using var response = await server.PostAsync("/v1/sources/auth0", body, key);

        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal(9, problem.GetProperty("accepted").GetInt32());
        var error = Assert.Single(ProblemErrors.Of(problem));
        Assert.Equal((0, "$", JsonPayload.InvalidText), (error.Index, error.Field, error.Reason));
    }

    [Fact]
    public async Task PostOkta_ARecordWithAPaddedUserAgent_IsAcceptedWithTheAgentCutAndWholeInRaw()
    {
        // Any client chooses its User-Agent and Okta logs it as sent (client.userAgent.rawUserAgent): refused for its length,
        // every push of a fatigue attack sent with a 3,000-character agent would go unseen.
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta");
        var agent = "python-requests/2.31.0 " + new string('A', 3_000);
        var log = JsonNode.Parse(TestData.Idp("okta", "system-log-mfa-push.json"))!.AsArray();
        log[0]!["client"]!["userAgent"]!["rawUserAgent"] = agent;

        using var response = await server.PostAsync("/v1/sources/okta", log.ToJsonString(), key);

        await IngestAnswer.AcceptedAsync(response, 3);
        var e = (await server.ReadLoggedAsync(3)).Single(r => r.Event.Id == "0b6f2c60-0871-11ef-9a51-1b8c6c2b0a01").Event;
        Assert.Equal(2_048, e.UserAgent!.Length);
        Assert.Equal(agent[..2_047] + "…", e.UserAgent);
        Assert.Equal(agent, e.Raw!.Value.GetProperty("client").GetProperty("userAgent").GetProperty("rawUserAgent").GetString());
    }

    [Fact]
    public async Task PostEntra_AGraphRequestForALongPath_IsAcceptedWithThePathBoundedAndTwoSuchPathsKeptApart()
    {
        // A caller chooses the path it requests, and Graph logs it with its 404: a 3,000-character probe is still seen, its
        // resource id the head, "…" and a digest of the whole, as the audit adapter bounds a long object name.
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("entra");
        var records = JsonNode.Parse(TestData.Idp("entra", "graph-activity-records.json"))!;
        records["records"]![0]!["properties"]!["requestUri"] = "https://graph.microsoft.com/v1.0/users/" + new string('a', 3_000) + "x";
        records["records"]![1]!["properties"]!["requestUri"] = "https://graph.microsoft.com/v1.0/users/" + new string('a', 3_000) + "y";

        using var response = await server.PostAsync("/v1/sources/entra", records.ToJsonString(), key);

        await IngestAnswer.AcceptedAsync(response, 6);
        var read = (await server.ReadLoggedAsync(6)).Select(r => r.Event).ToList();
        var probes = read.Where(e => e.Id is "0c1d6a10-1111-4e3f-985a-000000000001" or "0c1d6a10-2222-4e3f-985a-000000000002").ToList();
        Assert.Equal(2, probes.Count);
        Assert.All(probes, e => Assert.InRange(e.Resource!.Id!.Length, 1, 2_048));
        Assert.All(probes, e => Assert.Contains("…", e.Resource!.Id!, StringComparison.Ordinal));
        Assert.NotEqual(probes[0].Resource!.Id, probes[1].Resource!.Id);
    }

    [Fact]
    public async Task PostOkta_EventHook_ProducesTheLoginWithItsSessionAndTheMfaStep()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta");

        using var response = await server.PostAsync("/v1/sources/okta", TestData.Idp("okta", "event-hook-delivery.json"), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var events = (await server.ReadLoggedAsync(2)).Select(r => r.Event).OrderBy(e => e.Time).ToList();
        Assert.Equal([EventKinds.AuthLogin, EventKinds.AuthMfa], events.Select(e => e.Kind));
        Assert.All(events, e => Assert.Equal("jane.doe@acme.example", e.Subject?.Id));
        Assert.All(events, e => Assert.Equal("102bZDNFfWaQSyEZQuDgWt-uQ", e.Token?.SessionId));
        Assert.Equal("success", events[1].Attr(IdentityAttributes.MfaResult));
    }

    [Fact]
    public async Task PostKeycloak_WithSubjectsAsUserIds_KeysEventsByTheIdTheTokensCarry()
    {
        // Keycloak's access tokens carry the user id as sub; with Ingest:IdentitySubjects:keycloak=user_id its events
        // land on that principal, and the login name is kept beside it.
        await using var server = await IngestServer.StartInProcessAsync(new(IngestServer.AnyAge) { ["Ingest:IdentitySubjects:keycloak"] = "user_id" });
        var key = await server.AddSourceAsync("keycloak");

        using var response = await server.PostAsync("/v1/sources/keycloak", TestData.Idp("keycloak", "user-events.json"), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var login = (await server.ReadLoggedAsync(7)).First(r => r.Event.Action == "LOGIN");
        Assert.Equal("3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b", login.Event.Subject?.Id);
        Assert.Equal("3f6b2d1e-8c4a-4b7e-9a2f-1d3c5e7f9a0b", login.Record.Key);
        Assert.Equal("alice", login.Event.Attr(IdentityAttributes.IdpLogin));
    }

    [Fact]
    public async Task GetOkta_VerificationChallengeWithTheSourceKey_EchoesTheChallenge()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("okta");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sources/okta");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-okta-verification-challenge", "X8rW9t7b0lZc3nYf2kPq");

        using var response = await server.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("X8rW9t7b0lZc3nYf2kPq", body.GetProperty("verification").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Fact]
    public async Task GetOkta_WithoutKeyOrWithoutChallenge_IsAProblemDocument()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("okta");
        var ct = Ct;

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/v1/sources/okta");
        anonymous.Headers.Add("x-okta-verification-challenge", "abc");
        using var unauthorized = await server.Client.SendAsync(anonymous, ct);
        using var noChallenge = new HttpRequestMessage(HttpMethod.Get, "/v1/sources/okta");
        noChallenge.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var badRequest = await server.Client.SendAsync(noChallenge, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(Problem.MediaType, unauthorized.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("abc", await unauthorized.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        await HttpProblem.ReadNamingAsync(badRequest, HttpStatusCode.BadRequest, "x-okta-verification-challenge");
    }

    [Fact]
    public async Task PostEntra_MixedRecords_Answers207NamingTheBadRecordsAndKeepsTheGoodOnes()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("entra");
        var body = """
            {"records":[
              {"category":"SignInLogs","properties":{"id":"e-0","createdDateTime":"2025-01-01T00:00:00Z","userPrincipalName":"a@contoso.example","status":{"errorCode":0}}},
              {"category":"SignInLogs","properties":{"id":"e-1","createdDateTime":"soon","userPrincipalName":"a@contoso.example","status":{"errorCode":0}}},
              {"category":"SignInLogs","properties":{"id":"e-2","createdDateTime":"2025-01-01T00:00:01Z","userPrincipalName":"a@contoso.example","status":{"errorCode":50126}}}
            ]}
            """;

        using var response = await server.PostAsync("/v1/sources/entra", body, key);

        var error = Assert.Single(await IngestAnswer.PartlyAcceptedAsync(response, "e-0", "e-2"));
        Assert.Equal((1, "properties.createdDateTime"), (error.Index, error.Field));
        Assert.Equal(2, (await server.ReadLoggedAsync(2)).Count);
    }

    [Fact]
    public async Task PostOkta_LogEventWithoutUuidOrPublished_PostedTwice_IsOneIdDatedOnArrival()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await IngestServer.StartInProcessAsync(time: time);
        var key = await server.AddSourceAsync("okta");
        var body = """
            [{"eventType":"user.mfa.factor.deactivate","actor":{"id":"00u3nd0e2example","type":"User","alternateId":"ren.okafor@umbra.example"},
              "client":{"ipAddress":"203.0.113.144"},"outcome":{"result":"SUCCESS"},
              "target":[{"id":"00u3nd0e2example","type":"User","alternateId":"ren.okafor@umbra.example"}]}]
            """;

        using var first = await server.PostAsync("/v1/sources/okta", body, key);
        var arrived = time.GetUtcNow();
        time.Advance(TimeSpan.FromMinutes(3));
        using var again = await server.PostAsync("/v1/sources/okta", body, key);

        await IngestAnswer.AcceptedAsync(first, 1);
        await IngestAnswer.AcceptedAsync(again, 1);
        var logged = (await server.ReadLoggedAsync(2)).Select(r => r.Event).ToList();
        Assert.Single(logged.Select(e => e.Id).Distinct());
        Assert.StartsWith("okta-", logged[0].Id, StringComparison.Ordinal);
        Assert.Equal(arrived, logged[0].Time);
        Assert.Equal("received", logged[0].Attributes!["ingest.time_source"].GetString());
    }

    [Fact]
    public async Task PostOkta_SessionStartsNamingADeviceToken_AreLoggedWithTheirDeviceTwin_RefusedOnesWithTheirAddressAndTenantTwins()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta-prod");
        const string body = """
            [{"uuid":"d7f10000-0000-4000-8000-000000000001","published":"2024-07-09T09:00:00.000Z","eventType":"user.session.start",
              "actor":{"id":"00ud7f10000000000001","type":"User","alternateId":"ana@acme.example"},"client":{"ipAddress":"198.51.100.20"},
              "outcome":{"result":"SUCCESS"},"debugContext":{"debugData":{"dtHash":"9c1e5a7b3d2f4e6a"}}},
             {"uuid":"d7f10000-0000-4000-8000-000000000002","published":"2024-07-09T09:01:00.000Z","eventType":"user.session.start",
              "actor":{"id":"00ud7f10000000000002","type":"User","alternateId":"ben@acme.example"},"client":{"ipAddress":"198.51.100.21"},
              "outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"debugContext":{"debugData":{"dtHash":"9c1e5a7b3d2f4e6a"}}}]
            """;

        using var response = await server.PostAsync("/v1/sources/okta", body, key);

        await IngestAnswer.AcceptedAsync(response, 2);
        var read = await server.ReadLoggedAsync(5);
        Assert.Equal(
            [("ana@acme.example", "d7f10000-0000-4000-8000-000000000001"), ("device:9c1e5a7b3d2f4e6a", "d7f10000-0000-4000-8000-000000000001@device"),
             ("ben@acme.example", "d7f10000-0000-4000-8000-000000000002"), ("ip:198.51.100.21", "d7f10000-0000-4000-8000-000000000002@address"),
             ("source:okta-prod", "d7f10000-0000-4000-8000-000000000002@tenant")],
            read.Select(r => (r.Record.Key, r.Event.Id)));
        var device = read[1].Event;
        Assert.Equal(("ana@acme.example", "d7f10000-0000-4000-8000-000000000001", "okta-prod"),
            (device.Attr(AddressTwins.Account), device.Attr(AddressTwins.TwinOf), device.Source));
    }

    [Fact]
    public async Task PostEntra_LogAnalyticsQueryAnswer_KeepsTheFullRowsAndNamesTheShortOne()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("entra");

        using var response = await server.PostAsync("/v1/sources/entra", TestData.Idp("entra", "log-analytics-query.json"), key);

        var error = Assert.Single(await IngestAnswer.PartlyAcceptedAsync(response, "e0000000-0000-4000-8000-000000000060", "e0000000-0000-4000-8000-000000000061"));
        Assert.Equal((2, "$"), (error.Index, error.Field));
        // The failed sign-in, its address and tenant twins, and the successful one.
        var read = await server.ReadLoggedAsync(4);
        Assert.Equal(4, read.Count);
        Assert.Contains(read, r => r.Event.Subject?.Id == "ip:203.0.113.60");
        Assert.Contains(read, r => r.Event.Id == "e0000000-0000-4000-8000-000000000060@tenant");
    }

    [Fact]
    public async Task PostAuth0_WithoutKey_Is401AndProducesNothing()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);

        using var response = await server.PostAsync("/v1/sources/auth0", TestData.Idp("auth0", "log-stream.json"), key: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(200)));
    }
}
