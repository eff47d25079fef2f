namespace ZtStream.Responder.Tests.Revocation.SharedSignals;

public sealed class SharedSignalsTransmitterTests : IDisposable
{
    private readonly SqliteFiles sqlite = new("ztstream-ssf-");
    private readonly string database;

    public SharedSignalsTransmitterTests() => database = sqlite.NewPath();

    public void Dispose() => sqlite.Dispose();

    private static RevokeSubjectSessions SubjectWide(Guid id) => new()
    {
        ActionId = id,
        SubjectId = "jane.smith@example.com",
        NotBefore = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000),
        Reason = "Impossible travel: 2 logins 9,000 km apart in 5 minutes",
        RequestedBy = "policy:impossible-travel",
    };

    private static RevokeToken OneSession(Guid id) => new()
    {
        ActionId = id,
        SessionId = "dMTlD|1600802906337.16|16008.16",
        Jti = "tok-1",
        SubjectId = "99beb27c-c1c2-4955-882a-e0dc4996fcbc",
        Reason = "token used from an unbound workload",
        RequestedBy = "alice@soc",
    };

    private static async Task<JsonWebToken> ValidateAsync(TransmitterHost host, string token) => (await host.ValidateSetAsync(token)).Token;

    private static JsonObject Payload(JsonWebToken token) =>
        JsonNode.Parse(Base64UrlEncoder.Decode(token.EncodedPayload))!.AsObject();

    private static JsonArray Vectors()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Revocation", "SharedSignals", "session-revoked-vectors.json");
        return JsonNode.Parse(File.ReadAllText(path))!["vectors"]!.AsArray();
    }

    [Fact]
    public async Task RevokeSubjectSessions_ReceiverGetsSetThatValidatesAgainstPublishedJwks()
    {
        var ct = Ct;
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await TransmitterHost.StartAsync(TransmitterHost.Settings(database, receiver.Port));
        var id = Guid.NewGuid();

        var result = await host.Transmitter.RevokeSubjectSessionsAsync(SubjectWide(id), ct);

        Assert.True(result.Changed, result.Detail);
        var pushed = await receiver.OnlyPushAsync("the SET");
        Assert.Equal("application/secevent+jwt", pushed.ContentType);
        Assert.Equal("Bearer receiver-secret", pushed.Authorization);

        var token = await ValidateAsync(host, pushed.Body);
        Assert.Equal("secevent+jwt", token.Typ);
        Assert.Equal("RS256", token.Alg);
        var jwks = JsonNode.Parse(await host.JwksAsync())!;
        Assert.Equal(jwks["keys"]![0]!["kid"]!.GetValue<string>(), token.Kid);
        Assert.Null(jwks["keys"]![0]!["d"]);

        var claims = Payload(token);
        Assert.Equal(TransmitterHost.Issuer, claims["iss"]!.GetValue<string>());
        Assert.Equal(TransmitterHost.Audience, claims["aud"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", claims["jti"]!.GetValue<string>());
        Assert.InRange(claims["iat"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        Assert.Equal(id.ToString(), claims["txn"]!.GetValue<string>());
        Assert.Null(claims["sub"]);
        Assert.Null(claims["exp"]);
        Assert.Equal(
            JsonNode.Parse("""{"format":"iss_sub","iss":"https://idp.example.com/","sub":"jane.smith@example.com"}"""),
            claims["sub_id"],
            JsonNode.DeepEquals);

        var events = claims["events"]!.AsObject();
        var (type, body) = Assert.Single(events);
        Assert.Equal(SsfEventTypes.SessionRevoked, type);
        Assert.Equal(1_790_000_000, body!["event_timestamp"]!.GetValue<long>());
        Assert.Equal("policy", body["initiating_entity"]!.GetValue<string>());
        Assert.Equal("Impossible travel: 2 logins 9,000 km apart in 5 minutes", body["reason_admin"]!["en"]!.GetValue<string>());

        var rows = await host.WaitForOutboxAsync(id, r => r.All(i => i.State == SsfOutbox.Delivered), ct);
        Assert.Equal(claims["jti"]!.GetValue<string>(), Assert.Single(rows).Jti);
    }

    [Fact]
    public async Task SetShape_MatchesTheSpecVectors()
    {
        var ct = Ct;
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await TransmitterHost.StartAsync(TransmitterHost.Settings(database, receiver.Port));
        await host.Transmitter.RevokeTokenAsync(OneSession(Guid.NewGuid()), ct);
        var claims = Payload(await ValidateAsync(host, (await receiver.OnlyPushAsync("the SET")).Body));

        var vectors = Vectors();
        Assert.Equal(4, vectors.Count);
        var topLevel = vectors.SelectMany(v => v!["set"]!.AsObject().Select(p => p.Key)).ToHashSet();
        var eventMembers = vectors.SelectMany(v => v!["set"]!["events"]![SsfEventTypes.SessionRevoked]!.AsObject().Select(p => p.Key)).ToHashSet();
        // Every claim and event member we send appears in the spec's own session-revoked examples, and every
        // claim those examples all carry, we carry too.
        Assert.Subset(topLevel, claims.Select(p => p.Key).ToHashSet());
        var required = vectors.Select(v => v!["set"]!.AsObject().Select(p => p.Key).ToHashSet()).Aggregate((a, b) => [.. a.Intersect(b)]);
        Assert.Superset(required, claims.Select(p => p.Key).ToHashSet());
        var ours = claims["events"]![SsfEventTypes.SessionRevoked]!.AsObject();
        Assert.Subset(eventMembers, ours.Select(p => p.Key).ToHashSet());
        Assert.Equal(JsonValueKind.Number, ours["event_timestamp"]!.GetValueKind());
        Assert.Equal("admin", ours["initiating_entity"]!.GetValue<string>());

        // Complex subject as in the vectors: a session (opaque) and its user (iss_sub).
        var complexVector = vectors.Select(v => v!["set"]!["sub_id"]!).First(s => s["format"]!.GetValue<string>() == "complex" && s["session"] is not null);
        var subject = claims["sub_id"]!;
        Assert.Equal("complex", subject["format"]!.GetValue<string>());
        Assert.Equal(complexVector["session"]!.AsObject().Select(p => p.Key).Order(), subject["session"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(complexVector["user"]!.AsObject().Select(p => p.Key).Order(), subject["user"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal("dMTlD|1600802906337.16|16008.16", subject["session"]!["id"]!.GetValue<string>());
        Assert.Equal("99beb27c-c1c2-4955-882a-e0dc4996fcbc", subject["user"]!["sub"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReceiverDown_SetIsDeliveredOnceItComesBack_AcrossARestart()
    {
        var ct = Ct;
        int port;
        await using (var probe = await FakeReceiver.StartAsync())
        {
            port = probe.Port;
        }

        var settings = TransmitterHost.Settings(database, port);
        var id = Guid.NewGuid();
        string queuedJti;
        string keyId;
        await using (var first = await TransmitterHost.StartAsync(settings))
        {
            Assert.True((await first.Transmitter.RevokeTokenAsync(OneSession(id), ct)).Changed);
            var rows = await first.WaitForOutboxAsync(id, r => r.Count == 1 && r[0].Attempts >= 2, ct);
            Assert.Equal(SsfOutbox.Pending, rows[0].State);
            Assert.NotNull(rows[0].LastError);
            queuedJti = rows[0].Jti;
            keyId = JsonNode.Parse(await first.JwksAsync())!["keys"]![0]!["kid"]!.GetValue<string>();
        }

        // The Responder "restarts" (a new service provider on the same store), then the receiver comes back.
        await using var second = await TransmitterHost.StartAsync(settings);
        await using var receiver = await FakeReceiver.StartAsync(port);

        var token = await ValidateAsync(second, (await receiver.OnlyPushAsync("the queued SET")).Body);
        Assert.Equal(queuedJti, token.Id);
        Assert.Equal(keyId, token.Kid);
        var rows2 = await second.WaitForOutboxAsync(id, r => r[0].State == SsfOutbox.Delivered, ct);
        Assert.Null(rows2[0].LastError);
        Assert.Single(receiver.Pushed);
    }

    [Fact]
    public async Task Receiver400_IsRecordedAsAPermanentFailureAndNotRetried()
    {
        var ct = Ct;
        await using var receiver = await FakeReceiver.StartAsync(status: 400, errorBody: """{"err":"invalid_audience","description":"aud is not ours"}""");
        await using var host = await TransmitterHost.StartAsync(TransmitterHost.Settings(database, receiver.Port));
        var id = Guid.NewGuid();

        await host.Transmitter.RevokeSubjectSessionsAsync(SubjectWide(id), ct);

        var rows = await host.WaitForOutboxAsync(id, r => r.Count == 1 && r[0].State == SsfOutbox.Failed, ct);
        Assert.Contains("invalid_audience — aud is not ours", rows[0].LastError, StringComparison.Ordinal);
        Assert.Equal(1, rows[0].Attempts);
        Assert.Equal(0, await host.Services.GetRequiredService<SsfDeliveryService>().DeliverDueAsync(ct));
        Assert.Single(receiver.Pushed);
    }

    [Fact]
    public async Task SameActionTwice_QueuesOneSet()
    {
        var ct = Ct;
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await TransmitterHost.StartAsync(TransmitterHost.Settings(database, receiver.Port));
        var id = Guid.NewGuid();

        var first = await host.Transmitter.RevokeSubjectSessionsAsync(SubjectWide(id), ct);
        var second = await host.Transmitter.RevokeSubjectSessionsAsync(SubjectWide(id), ct);

        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Contains("already queued", second.Detail, StringComparison.Ordinal);
        Assert.Single(await host.Outbox.ForActionAsync(id, ct));
    }

    [Fact]
    public async Task Es256KeyFromPem_SignsWithItsThumbprintAndPublishesIt()
    {
        var ct = Ct;
        var pemPath = database + ".pem";
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(pemPath, ec.ExportPkcs8PrivateKeyPem(), ct);
        }

        try
        {
            await using var receiver = await FakeReceiver.StartAsync();
            var settings = TransmitterHost.Settings(database, receiver.Port);
            settings["Responder:Drivers:SharedSignals:SigningAlgorithm"] = "ES256";
            settings["Responder:Drivers:SharedSignals:SigningKeyPath"] = pemPath;
            await using var host = await TransmitterHost.StartAsync(settings);

            await host.Transmitter.RevokeSubjectSessionsAsync(SubjectWide(Guid.NewGuid()), ct);
            var token = await ValidateAsync(host, (await receiver.OnlyPushAsync("the SET")).Body);
            Assert.Equal("ES256", token.Alg);
            var key = JsonNode.Parse(await host.JwksAsync())!["keys"]![0]!;
            Assert.Equal("EC", key["kty"]!.GetValue<string>());
            Assert.Equal("P-256", key["crv"]!.GetValue<string>());
            var jwk = new JsonWebKey(key.ToJsonString());
            Assert.Equal(Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), token.Kid);
        }
        finally
        {
            File.Delete(pemPath);
        }
    }

    [Fact]
    public async Task SsfConfiguration_IsPublishedAtTheWellKnownPaths()
    {
        var ct = Ct;
        await using var host = await TransmitterHost.StartAsync(TransmitterHost.Settings(database, 9));
        using var http = new HttpClient();

        foreach (var path in new[] { ".well-known/ssf-configuration", ".well-known/ssf-configuration/responder" })
        {
            using var response = await http.GetAsync(new Uri(host.BaseAddress, path), ct);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var metadata = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!;
            Assert.Equal("1_0", metadata["spec_version"]!.GetValue<string>());
            Assert.Equal(TransmitterHost.Issuer, metadata["issuer"]!.GetValue<string>());
            Assert.Equal(TransmitterHost.Issuer + "/.well-known/jwks.json", metadata["jwks_uri"]!.GetValue<string>());
            Assert.Equal(["urn:ietf:rfc:8935", "urn:ietf:rfc:8936"], metadata["delivery_methods_supported"]!.AsArray().Select(m => m!.GetValue<string>()));
            // Without Clients no receiver can register a stream, so no management endpoint is advertised.
            Assert.Null(metadata["configuration_endpoint"]);
        }
    }
}
