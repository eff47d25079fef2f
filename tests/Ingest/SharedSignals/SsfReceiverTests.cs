using Microsoft.IdentityModel.JsonWebTokens;
using ZtStream.TestSupport.Logging;
using ZtStream.TestSupport.Telemetry;

namespace ZtStream.Ingest.Tests.SharedSignals;

/// <summary>RFC 8935 push and RFC 8936 poll into Ingest, with SETs signed by a test transmitter whose JWKS is served on loopback.</summary>
public sealed class SsfReceiverTests : IAsyncLifetime
{
    private const string Audience = "https://ztstream.test/ssf";
    private TestTransmitter transmitter = null!;

    public async ValueTask InitializeAsync() => transmitter = await TestTransmitter.StartAsync();

    public async ValueTask DisposeAsync() => await transmitter.DisposeAsync();

    private Dictionary<string, string?> Settings(bool poll = false, string? sources = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ingest:Ssf:Transmitters:idp:Issuer"] = transmitter.Issuer,
            ["Ingest:Ssf:Transmitters:idp:JwksUri"] = transmitter.JwksUri.ToString(),
            ["Ingest:Ssf:Transmitters:idp:Audience"] = Audience,
            ["Ingest:Ssf:JwksRefetchInterval"] = "00:00:00",
        };
        if (poll)
        {
            settings["Ingest:Ssf:Transmitters:idp:PollEndpoint"] = transmitter.PollUri.ToString();
            settings["Ingest:Ssf:Transmitters:idp:PollAuthorization"] = "Bearer " + TestTransmitter.PollSecret;
            settings["Ingest:Ssf:PollInterval"] = "00:00:00.100";
        }

        if (sources is not null)
        {
            settings["Ingest:Ssf:Transmitters:idp:Sources:0"] = sources;
        }

        return settings;
    }

    private static JsonObject User(string sub) => new() { ["format"] = "iss_sub", ["iss"] = "https://idp.test/tenant-1/", ["sub"] = sub };

    /// <summary>The claims of a session-revoked SET about jane@example.com that pass every check, each time with a jti of its own.</summary>
    private JsonObject JaneRevoked() => transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("jane@example.com"));

    private static async Task<HttpResponseMessage> PushAsync(IngestServer server, string set, string? key, string? contentType = "application/secevent+jwt")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SsfPushEndpoint.Path) { Content = new StringContent(set, Encoding.ASCII) };
        request.Content.Headers.ContentType = null;
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await server.Client.SendAsync(request, Ct);
    }

    /// <summary>A 429 problem with Retry-After whose detail names <paramref name="setting"/>; disposes the response.</summary>
    private static async Task AssertTooManyAsync(HttpResponseMessage response, string setting)
    {
        using (response)
        {
            await HttpProblem.ReadNamingAsync(response, HttpStatusCode.TooManyRequests, setting);
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }

    private static async Task<(string Err, JsonElement Body)> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("description").GetString()));
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        return (body.GetProperty("err").GetString()!, body);
    }

    /// <summary>Pushes <paramref name="set"/>, which must be refused with <paramref name="expected"/>; <paramref name="why"/> names the case in a failure.</summary>
    private static async Task<JsonElement> AssertRefusedAsync(IngestServer server, string key, string why, string set, string expected)
    {
        using var response = await PushAsync(server, set, key);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: answered {(int)response.StatusCode}");
        var (err, body) = await ErrorAsync(response);
        Assert.True(expected == err, $"{why}: expected {expected}, got {err} ({body})");
        return body;
    }

    /// <summary>
    /// A session-revoked SET about <paramref name="user"/>, its event five seconds old with <paramref name="members"/>
    /// beside its time, pushed by the source okta-ssf: answered 202, one event logged and one received SET recorded.
    /// </summary>
    private async Task<(JsonObject Claims, AccessEvent Event, ReceivedSet Audit)> PushedSessionRevokedAsync(string user, JsonObject? members = null)
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("okta-ssf");
        var payload = new JsonObject { ["event_timestamp"] = DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeSeconds() };
        foreach (var (name, value) in members ?? new JsonObject())
        {
            payload[name] = value?.DeepClone();
        }

        var claims = transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User(user), payload);

        using var response = await PushAsync(server, transmitter.Sign(claims), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        return (claims, e, Assert.Single(await server.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(10, Ct)));
    }

    [Fact]
    public async Task Push_SessionRevokedSet_Is202AndTheEventIsInTheLogAndTheAudit()
    {
        var (claims, e, audit) = await PushedSessionRevokedAsync("jane.smith@example.com", new JsonObject
        {
            ["initiating_entity"] = "admin",
            ["reason_admin"] = new JsonObject { ["en"] = "Account takeover suspected", ["de"] = "Kontoübernahme vermutet" },
        });

        Assert.Equal(EventKinds.AuthSessionRevoked, e.Kind);
        Assert.Equal("jane.smith@example.com", e.Subject?.Id);
        Assert.Equal("okta-ssf", e.Source);
        Assert.Equal($"ssf:idp:{claims["jti"]}", e.Id);
        Assert.Equal("ssf:idp", e.Attr(IdentityAttributes.IdpName));
        Assert.Equal(TestTransmitter.SessionRevoked, e.Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("Account takeover suspected", e.Attr("ssf.reason_admin"));
        Assert.Equal("admin", e.Attr("ssf.initiating_entity"));
        Assert.Equal(claims["jti"]!.GetValue<string>(), e.Raw!.Value.GetProperty("jti").GetString());
        Assert.Equal((SsfReceivedStore.Accepted, "idp", "push", "okta-ssf", "jane.smith@example.com"), (audit.Outcome, audit.Transmitter, audit.Delivery, audit.Source, audit.Subject));
    }

    /// <summary>
    /// RFC 8935 §2 pushes a SET as application/secevent+jwt; application/jwt (RFC 7519 §10.3.1) is a JWT's own type, and
    /// a parameter or the letter case changes nothing. A body of any other type, or of none, is refused with 415 before
    /// it is read: nothing is kept or recorded.
    /// </summary>
    [Theory]
    [InlineData("application/secevent+jwt", HttpStatusCode.Accepted)]
    [InlineData("Application/SecEvent+JWT; charset=utf-8", HttpStatusCode.Accepted)]
    [InlineData("application/jwt", HttpStatusCode.Accepted)]
    [InlineData("text/plain; charset=utf-8", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, HttpStatusCode.UnsupportedMediaType)]
    public async Task Push_ContentType_OnlyASetsMediaTypeIsRead(string? contentType, HttpStatusCode expected)
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("okta-ssf");

        using var response = await PushAsync(server, transmitter.Sign(JaneRevoked()), key, contentType);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.UnsupportedMediaType)
        {
            var problem = await HttpProblem.ReadNamingAsync(response, expected, "application/secevent+jwt");
            Assert.Equal(HttpProblem.TypeBase + "unsupported-media-type", problem.GetProperty("type").GetString());
            Assert.Empty(await server.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(10, Ct));
        }
    }

    /// <summary>
    /// A transmitter reports what happened to a subject it names: a right-to-left override in the address is written out
    /// and the SET accepted, as a source adapter's event is, in the event and in the audit of received SETs alike.
    /// </summary>
    [Fact]
    public async Task Push_ASubjectWithAnInvisibleCharacter_IsAcceptedWithItEscaped()
    {
        var (_, e, audit) = await PushedSessionRevokedAsync("jane\u202E.smith@example.com");

        Assert.Equal(@"jane\u202E.smith@example.com", e.Subject?.Id);
        Assert.Equal(["subject.id"], e.List("ingest.escaped"));
        Assert.Equal((SsfReceivedStore.Accepted, @"jane\u202E.smith@example.com"), (audit.Outcome, audit.Subject));
    }

    [Fact]
    public async Task Push_ASetLargerThanTheConfiguredRawBound_IsKeptWithItsRawTrimmedToThatBound()
    {
        var settings = Settings();
        settings["Ingest:MaxRawBytes"] = "1024";
        await using var server = await IngestServer.StartInProcessAsync(settings);
        var key = await server.AddSourceAsync("okta-ssf");
        var claims = transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("lee.park@example.com"), new JsonObject
        {
            ["initiating_entity"] = "policy",
            ["reason_admin"] = new JsonObject { ["en"] = "Session ended by policy: " + new string('x', 3000) },
        });

        using var response = await PushAsync(server, transmitter.Sign(claims), key);

        // The SET is mapped with Ingest's own bounds, as every other source is: its original object is trimmed to
        // Ingest:MaxRawBytes instead of refused by the validator for exceeding it.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal("lee.park@example.com", e.Subject?.Id);
        Assert.InRange(JsonMarshal.GetRawUtf8Value(e.Raw!.Value).Length, 1, 1024);
        Assert.Equal(claims["jti"]!.GetValue<string>(), e.Raw!.Value.GetProperty("jti").GetString());
    }

    [Fact]
    public async Task Push_SetsForMoreNewSubjectsThanTheSourceMayBring_Is429NamingTheSettingAndNothingKept()
    {
        var settings = Settings();
        settings["Ingest:MaxNewPrincipalsPerMinute"] = "2";
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await IngestServer.StartInProcessAsync(settings, time);
        var key = await server.AddSourceAsync("flood");
        string Revoked(string sub) => transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User(sub), new JsonObject()));

        foreach (var sub in new[] { "new-1@example.com", "new-2@example.com" })
        {
            using var accepted = await PushAsync(server, Revoked(sub), key);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var third = Revoked("new-3@example.com");
        await AssertTooManyAsync(await PushAsync(server, third, key), "Ingest:MaxNewPrincipalsPerMinute");

        // A subject already seen still gets through.
        using (var known = await PushAsync(server, Revoked("new-1@example.com"), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        }

        // Nothing of the refused SET was kept or remembered: pushed again after the minute, it is taken.
        Assert.DoesNotContain(await server.ReadLoggedAsync(3), r => r.Event.Subject?.Id == "new-3@example.com");
        time.Advance(TimeSpan.FromSeconds(61));
        using var again = await PushAsync(server, third, key);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Contains(await server.ReadLoggedAsync(4), r => r.Event.Subject?.Id == "new-3@example.com");
    }

    [Fact]
    public async Task Push_MoreSetsThanTheSourceRate_Is429NamingTheSetting_RefusedSetsCountToo_OtherSourcesServed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Settings();
        settings["Ingest:RatePerSecond"] = "1";
        settings["Ingest:RateBurst"] = "2";
        await using var server = await IngestServer.StartInProcessAsync(settings, time);
        var key = await server.AddSourceAsync("pusher");
        var other = await server.AddSourceAsync("calm");
        string Revoked(string sub) => transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User(sub), new JsonObject()));

        using (var good = await PushAsync(server, Revoked("a@example.com"), key))
        using (var bad = await PushAsync(server, "not.a.set", key))
        {
            Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.BadRequest), (good.StatusCode, bad.StatusCode));
        }

        await AssertTooManyAsync(await PushAsync(server, Revoked("b@example.com"), key), "Ingest:RatePerSecond");

        using (var calm = await PushAsync(server, Revoked("c@example.com"), other))
        {
            Assert.Equal(HttpStatusCode.Accepted, calm.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        using var later = await PushAsync(server, Revoked("b@example.com"), key);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
    }

    [Fact]
    public async Task Push_TheSameSetTwice_IsAcknowledgedTwiceButAppendedOnce()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var set = transmitter.Sign(JaneRevoked());

        using var first = await PushAsync(server, set, key);
        using var second = await PushAsync(server, set, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Single(await server.ReadLoggedAsync(1, quiet: TimeSpan.FromMilliseconds(500)));
        var audit = await server.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(10, Ct);
        Assert.Equal([SsfReceivedStore.Duplicate, SsfReceivedStore.Accepted], audit.Select(a => a.Outcome));
    }

    /// <summary>
    /// A transmitter that retries before its first push was answered (or two replicas of it) delivers one SET on
    /// several connections at once: one delivery appends it, every other is acknowledged as the duplicate it is.
    /// </summary>
    [Fact]
    public async Task Push_TheSameSetOnManyConnectionsAtOnce_IsAppendedOnceAndEveryDeliveryAcknowledged()
    {
        const int Deliveries = 12;
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var set = transmitter.Sign(JaneRevoked());
        using (var warm = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("john@example.com"))), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, warm.StatusCode);
        }

        using var start = new ManualResetEventSlim();
        var pushes = Enumerable.Range(0, Deliveries).Select(_ => Task.Run(async () =>
        {
            start.Wait(Ct);
            using var response = await PushAsync(server, set, key);
            return response.StatusCode;
        })).ToList();
        start.Set();

        Assert.All(await Task.WhenAll(pushes), status => Assert.Equal(HttpStatusCode.Accepted, status));
        var logged = await server.ReadLoggedAsync(2, quiet: TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, logged.Count(r => r.Event.Subject?.Id == "jane@example.com"));
        var audit = (await server.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(Deliveries + 1, Ct)).Take(Deliveries).ToList();
        Assert.Single(audit, a => a.Outcome == SsfReceivedStore.Accepted);
        Assert.Equal(Deliveries - 1, audit.Count(a => a.Outcome == SsfReceivedStore.Duplicate));
    }

    [Fact]
    public async Task Push_TheSameSetAfterARestart_IsStillADuplicate()
    {
        using var folder = new TempFolder("ztstream-ssf-restart-");
        var set = transmitter.Sign(JaneRevoked());
        string key;
        await using (var before = await IngestServer.StartInProcessAsync(Settings(), folder: folder.Path))
        {
            key = await before.AddSourceAsync("idp");
            using var accepted = await PushAsync(before, set, key);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await using var after = await IngestServer.StartInProcessAsync(Settings(), folder: folder.Path);
        using var again = await PushAsync(after, set, key);

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Empty(await after.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(300)));
        Assert.Equal(SsfReceivedStore.Duplicate, (await after.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(1, Ct))[0].Outcome);
    }

    /// <summary>
    /// A delivery that died holding the SET's jti after the wall clock stepped back an hour (or at a replica whose clock
    /// was an hour ahead) left a claim an hour ahead: the SET's redelivery takes it over and is kept at once, instead of
    /// being answered "try again" for the hour, by which time the transmitter may have given the SET up.
    /// </summary>
    [Fact]
    public async Task Push_ASetWhoseClaimADeadDeliveryLeftAnHourAhead_IsAcceptedAndAppended()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var claims = JaneRevoked();
        var received = server.Services.GetRequiredService<SsfReceivedStore>();
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync(
            transmitter.Issuer, (string)claims["jti"]!, DateTimeOffset.UtcNow.AddHours(1), SsfReceiver.ClaimLease, Ct));

        using var response = await PushAsync(server, transmitter.Sign(claims), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(await server.ReadLoggedAsync(1, quiet: TimeSpan.FromMilliseconds(300)));
        Assert.Equal(SsfReceivedStore.Accepted, (await received.RecentAsync(1, Ct))[0].Outcome);
    }

    /// <summary>
    /// The receiver forgets jtis older than the replay window at most once an hour, and the hour is measured on the
    /// monotonic clock: after the wall clock stepped back a day, the next SET an hour later still prunes, instead of no
    /// prune for the day.
    /// </summary>
    [Fact]
    public async Task Push_AnHourAfterTheWallClockSteppedBackADay_ForgetsJtisPastTheReplayWindow()
    {
        var time = new SteppedFakeClock(DateTimeOffset.UtcNow);
        await using var server = await IngestServer.StartInProcessAsync(Settings(), time);
        var key = await server.AddSourceAsync("idp");
        var received = server.Services.GetRequiredService<SsfReceivedStore>();
        string Revoked(string sub) => transmitter.Sign(transmitter.Claims(
            Audience, TestTransmitter.SessionRevoked, User(sub), new JsonObject { ["event_timestamp"] = time.GetUtcNow().ToUnixTimeSeconds() }, issuedAt: time.GetUtcNow()));
        using (var first = await PushAsync(server, Revoked("a@example.com"), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        // A jti received eight days ago, past the default seven-day window once the clock has stepped back a day and an hour passed.
        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync(transmitter.Issuer, "eight-days-old", time.GetUtcNow().AddDays(-8), SsfReceiver.ClaimLease, Ct));
        await received.KeepAsync(transmitter.Issuer, "eight-days-old", Ct);
        time.Offset = TimeSpan.FromDays(-1);
        time.Advance(TimeSpan.FromMinutes(61));

        using (var second = await PushAsync(server, Revoked("b@example.com"), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        Assert.Equal(JtiClaim.Claimed, await received.ClaimAsync(transmitter.Issuer, "eight-days-old", time.GetUtcNow(), SsfReceiver.ClaimLease, Ct));
    }

    [Fact]
    public async Task Push_WrongAudience_Is400InvalidAudienceAndNothingIsAppended()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var set = transmitter.Sign(transmitter.Claims("https://someone-else.example/ssf", TestTransmitter.SessionRevoked, User("jane@example.com")));

        using var response = await PushAsync(server, set, key);

        var (err, body) = await ErrorAsync(response);
        Assert.Equal(SetErrors.InvalidAudience, err);
        Assert.Equal("https://ztstream.io/problems/ssf-invalid-audience", body.GetProperty("type").GetString());
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(200)));
        var audit = Assert.Single(await server.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(10, Ct));
        Assert.Equal((SsfReceivedStore.Rejected, SetErrors.InvalidAudience), (audit.Outcome, audit.Error));
    }

    [Fact]
    public async Task Push_BadSets_AreRefusedWithTheRfc8935CodeThatFits()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        using var stranger = RSA.Create(2048);
        var unknownIssuer = JaneRevoked();
        unknownIssuer["iss"] = "https://not-configured.example/";
        var old = transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("jane@example.com"), issuedAt: DateTimeOffset.UtcNow.AddDays(-8));
        var future = transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("jane@example.com"), issuedAt: DateTimeOffset.UtcNow.AddHours(1));
        var noJti = JaneRevoked();
        noJti.Remove("jti");
        var noEvents = JaneRevoked();
        noEvents["events"] = new JsonObject();
        var hs256 = new JsonWebTokenHandler().CreateToken(JaneRevoked().ToJsonString(), new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256), new Dictionary<string, object> { ["typ"] = "secevent+jwt" });
        var unsigned = Base64UrlEncoder.Encode("""{"alg":"none","typ":"secevent+jwt"}""") + "." + Base64UrlEncoder.Encode(JaneRevoked().ToJsonString()) + ".";

        (string Set, string Err)[] cases =
        [
            ("not a token", SetErrors.InvalidRequest),
            (transmitter.Sign(JaneRevoked(), typ: "JWT"), SetErrors.InvalidRequest),
            (transmitter.Sign(unknownIssuer), SetErrors.InvalidIssuer),
            (transmitter.Sign(JaneRevoked(), with: stranger), SetErrors.AuthenticationFailed),
            (transmitter.Sign(JaneRevoked(), with: stranger, kid: "unknown-kid"), SetErrors.InvalidKey),
            (transmitter.Sign(old), SetErrors.InvalidRequest),
            (transmitter.Sign(future), SetErrors.InvalidRequest),
            (transmitter.Sign(noJti), SetErrors.InvalidRequest),
            (transmitter.Sign(noEvents), SetErrors.InvalidRequest),
            (hs256, SetErrors.InvalidKey),
            (unsigned, SetErrors.InvalidKey),
        ];

        foreach (var (set, expected) in cases)
        {
            await AssertRefusedAsync(server, key, $"{set[..Math.Min(40, set.Length)]}…", set, expected);
        }
    }

    /// <summary>
    /// A SET naming a kid its transmitter does not publish is refused as signed with an unknown key, even when its
    /// signature verifies with a key the transmitter does publish: the kid names the key used (RFC 7515 §4.1.4), and the
    /// verifier shared with Pub/Sub push tokens no longer falls back to trying every key. Nothing is appended.
    /// </summary>
    [Theory]
    [InlineData("retired-key")]
    [InlineData("TEST-KEY-1")]
    [InlineData("test-key-1 ")]
    public async Task Push_SetNamingAKidNotPublished_IsInvalidKeyEvenSignedWithAPublishedKey(string kid)
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");

        var body = await AssertRefusedAsync(server, key, kid, transmitter.Sign(JaneRevoked(), kid: kid), SetErrors.InvalidKey);

        Assert.Contains($"no key with kid '{kid}' in the JWKS of transmitter 'idp'", body.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>A SET naming no kid names no key: any key the transmitter publishes for its alg may verify it.</summary>
    [Fact]
    public async Task Push_SetWithoutAKid_IsVerifiedWithThePublishedKeyAndAccepted()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");

        using var response = await PushAsync(server, transmitter.SignRaw("""{"alg":"RS256","typ":"secevent+jwt"}""", JaneRevoked().ToJsonString()), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(await server.ReadLoggedAsync(1));
    }

    /// <summary>
    /// What RFC 7515, RFC 8725 and SSF 1.0 tell a SET recipient to refuse, each signed so that only that one rule is
    /// broken: none of them is accepted, and each is answered with the RFC 8935 code that fits.
    /// </summary>
    [Fact]
    public async Task Push_SetsTheJwsAndSsfRulesForbid_AreRefusedAndNothingIsAppended()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        using var attacker = RSA.Create(2048);
        var expiring = JaneRevoked();
        expiring["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var noAudience = JaneRevoked();
        noAudience.Remove("aud");
        var notYetValid = JaneRevoked();
        notYetValid["nbf"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        // RFC 8725 §2.1: the RSA public key (as published) used as an HMAC secret.
        var confused = TestJws.Sign(new JsonObject { ["alg"] = "HS256", ["typ"] = "secevent+jwt", ["kid"] = transmitter.KeyId }, JaneRevoked(), secret: Encoding.UTF8.GetBytes(transmitter.Jwks()));

        (string Why, string Set, string Err)[] cases =
        [
            // SSF 1.0: the exp claim MUST NOT be used in SSF SETs (defence against confusion with other JWTs).
            ("exp", transmitter.Sign(expiring), SetErrors.InvalidRequest),
            // RFC 7515 §4.1.11: a crit extension the recipient does not understand makes the JWS invalid.
            ("crit", transmitter.SignWithHeader(new JsonObject { ["crit"] = new JsonArray("urn:example:must-understand"), ["urn:example:must-understand"] = true }, JaneRevoked()), SetErrors.InvalidRequest),
            ("crit-not-array", transmitter.SignWithHeader(new JsonObject { ["crit"] = "exp" }, JaneRevoked()), SetErrors.InvalidRequest),
            // RFC 8725 §3.10: keys named by the token itself (jwk, jku, x5u) are never trusted.
            ("jwk", transmitter.SignWithHeader(new JsonObject { ["kid"] = "attacker", ["jwk"] = TestJws.PublicJwk(attacker, "attacker") }, JaneRevoked(), with: attacker), SetErrors.InvalidKey),
            ("jku", transmitter.SignWithHeader(new JsonObject { ["kid"] = "attacker", ["jku"] = "https://attacker.example/jwks.json" }, JaneRevoked(), with: attacker), SetErrors.InvalidKey),
            ("x5u", transmitter.SignWithHeader(new JsonObject { ["kid"] = "attacker", ["x5u"] = "https://attacker.example/cert.pem" }, JaneRevoked(), with: attacker), SetErrors.InvalidKey),
            ("hs256-public-key", confused, SetErrors.InvalidKey),
            ("no aud", transmitter.Sign(noAudience), SetErrors.InvalidAudience),
            // RFC 7519 §4.1.5: not to be accepted before nbf (beyond the clock skew).
            ("nbf in the future", transmitter.Sign(notYetValid), SetErrors.InvalidRequest),
            // RFC 7517 §4.4, RFC 8725 §3.1: the key is published for RS256; PS256 with it is another algorithm.
            ("alg-not-the-keys", transmitter.SignWithHeader(new JsonObject { ["alg"] = SecurityAlgorithms.RsaSsaPssSha256 }, JaneRevoked()), SetErrors.InvalidKey),
        ];

        foreach (var (why, set, expected) in cases)
        {
            await AssertRefusedAsync(server, key, why, set, expected);
        }

        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(500)));
    }

    /// <summary>RFC 8417 §2.2: toe is when the event happened; an event without its own event_timestamp happened then, not at iat.</summary>
    [Fact]
    public async Task Push_ASetWithAToeAndNoEventTimestamp_IsLoggedAtTheToe()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("okta-ssf");
        var toe = DateTimeOffset.UtcNow.AddMinutes(-3);
        var claims = transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("jane.smith@example.com"), new JsonObject(), issuedAt: toe.AddMinutes(2));
        claims["toe"] = toe.ToUnixTimeSeconds();

        using var response = await PushAsync(server, transmitter.Sign(claims), key);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(toe.ToUnixTimeSeconds()), Assert.Single(await server.ReadLoggedAsync(1)).Event.Time);
    }

    /// <summary>
    /// A registered claim or header member of another JSON type than RFC 7515 and RFC 7519 give it: refused as
    /// invalid_request with a description naming the member and what it must be, not the JWT library's message, which
    /// hides the token and names neither.
    /// </summary>
    [Theory]
    [InlineData("iss", "5", "the SET's iss claim must be a string, not a number")]
    [InlineData("aud", "5", "the SET's aud claim must be a string or an array of strings, not a number")]
    [InlineData("aud", """["https://ztstream.test/ssf",7]""", "the SET's aud claim must be a string or an array of strings, not an array holding a number")]
    [InlineData("jti", """["a"]""", "the SET's jti claim must be a string, not an array")]
    [InlineData("iat", "null", "the SET's iat claim must be a number, not null")]
    [InlineData("nbf", "\"soon\"", "the SET's nbf claim must be a number, not a string")]
    [InlineData("kid", "5", "the SET's kid header must be a string, not a number")]
    [InlineData("txn", "5", "the SET's txn claim must be a string (RFC 8417 §2.2)")]
    [InlineData("toe", "\"yesterday\"", "the SET's toe claim must be a time in seconds (RFC 8417 §2.2)")]
    public async Task Push_AMemberOfAnotherJsonType_IsInvalidRequestNamingIt(string member, string json, string description)
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "secevent+jwt", ["kid"] = "{kid}" };
        var claims = JaneRevoked();
        (member == "kid" ? header : claims)[member] = JsonNode.Parse(json);

        var body = await AssertRefusedAsync(server, key, member, transmitter.SignRaw(header.ToJsonString(), claims.ToJsonString()), SetErrors.InvalidRequest);

        Assert.Equal(description, body.GetProperty("description").GetString());
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>
    /// RFC 8725 §3.11, SSF 1.0: another JWT the transmitter signs with the same key — an ID token, which often carries no
    /// typ, an RFC 9068 access token — is not a SET even with a SET's claims: only typ secevent+jwt is one.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("at+jwt")]
    [InlineData("secevent")]
    [InlineData("application/jwt")]
    public async Task Push_AJwtOfTheTransmitterTypedOtherwise_IsInvalidRequestAndNothingIsAppended(string? typ)
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var header = typ is null ? """{"alg":"RS256","kid":"{kid}"}""" : $$"""{"alg":"RS256","typ":"{{typ}}","kid":"{kid}"}""";

        var body = await AssertRefusedAsync(server, key, typ ?? "no typ", transmitter.SignRaw(header, JaneRevoked().ToJsonString()), SetErrors.InvalidRequest);

        Assert.Contains("typ", body.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(200)));
    }

    /// <summary>
    /// RFC 7515 §5.2 and RFC 7519 §4: a header or claims object naming a member twice may be refused, and must be here,
    /// since parsers disagree on which copy counts. Each SET is signed by the configured transmitter and would pass every
    /// other check if only the last copy were read.
    /// </summary>
    [Fact]
    public async Task Push_ASetNamingAMemberTwice_IsInvalidRequestAndNothingIsAppended()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string header = """{"alg":"RS256","typ":"secevent+jwt","kid":"{kid}"}""";
        string Claims(string aud, string subject, string events) =>
            $$"""{"iss":"{{transmitter.Issuer}}","jti":"{{Guid.NewGuid():N}}","iat":{{now}},{{aud}},"sub_id":{{subject}},"events":{{events}}}""";
        const string ours = "\"aud\":\"" + Audience + "\"";
        const string subject = """{"format":"email","email":"ana@example.com"}""";
        var revoked = $$$"""{"{{{TestTransmitter.SessionRevoked}}}":{"event_timestamp":{{{now}}}}}""";

        (string Why, string Set)[] cases =
        [
            ("aud twice, ours last", transmitter.SignRaw(header, Claims("\"aud\":\"https://rp.example.com/other\"," + ours, subject, revoked))),
            ("aud twice, ours first", transmitter.SignRaw(header, Claims(ours + ",\"aud\":\"https://rp.example.com/other\"", subject, revoked))),
            ("subject's email twice", transmitter.SignRaw(header, Claims(ours, """{"format":"email","email":"ana@example.com","email":"ben@example.com"}""", revoked))),
            ("event named twice", transmitter.SignRaw(header, Claims(ours, subject, $$$"""{"{{{TestTransmitter.SessionRevoked}}}":{},"{{{TestTransmitter.SessionRevoked}}}":{"event_timestamp":{{{now}}}}}"""))),
            ("typ twice in the header", transmitter.SignRaw("""{"alg":"RS256","typ":"JWT","typ":"secevent+jwt","kid":"{kid}"}""", Claims(ours, subject, revoked))),
            ("alg twice in the header", transmitter.SignRaw("""{"alg":"none","alg":"RS256","typ":"secevent+jwt","kid":"{kid}"}""", Claims(ours, subject, revoked))),
        ];

        foreach (var (why, set) in cases)
        {
            var body = await AssertRefusedAsync(server, key, why, set, SetErrors.InvalidRequest);
            Assert.Contains("named twice", body.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(500)));
    }

    [Theory]
    [InlineData("enc", SecurityAlgorithms.RsaSha256)] // RFC 7517 §4.2: a key published for encryption verifies no signature.
    [InlineData("sig", SecurityAlgorithms.RsaSha512)] // RFC 7517 §4.4: a key published for RS512 verifies no RS256 signature.
    public async Task Push_SignedWithAKeyPublishedForOtherUse_IsInvalidKey(string use, string keyAlgorithm)
    {
        transmitter.KeyUse = use;
        transmitter.KeyAlgorithm = keyAlgorithm;
        var settings = Settings();
        settings["Ingest:Ssf:Transmitters:idp:Algorithms:0"] = SecurityAlgorithms.RsaSha256;
        settings["Ingest:Ssf:Transmitters:idp:Algorithms:1"] = SecurityAlgorithms.RsaSha512;
        await using var server = await IngestServer.StartInProcessAsync(settings);
        var key = await server.AddSourceAsync("idp");

        using var response = await PushAsync(server, transmitter.Sign(JaneRevoked()), key);

        Assert.Equal(SetErrors.InvalidKey, (await ErrorAsync(response)).Err);
    }

    [Fact]
    public async Task Push_ManyUnknownKids_RefetchTheJwksAtMostOncePerInterval()
    {
        var settings = Settings();
        settings["Ingest:Ssf:JwksRefetchInterval"] = "00:10:00";
        await using var server = await IngestServer.StartInProcessAsync(settings);
        var key = await server.AddSourceAsync("idp");
        using var attacker = RSA.Create(2048);
        using (var first = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("a@example.com"))), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        for (var i = 0; i < 20; i++)
        {
            using var response = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("a@example.com")), with: attacker, kid: $"unknown-{i}"), key);
            Assert.Equal(SetErrors.InvalidKey, (await ErrorAsync(response)).Err);
        }

        // Unknown kids cannot turn pushes into requests against the transmitter's JWKS endpoint.
        Assert.Equal(1, transmitter.JwksFetches);
    }

    [Fact]
    public async Task Push_WithoutASourceKey_Is401AuthenticationFailed()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var set = transmitter.Sign(JaneRevoked());

        using var response = await PushAsync(server, set, key: null);

        var body = await HttpProblem.ReadAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("https://ztstream.io/problems/ssf-authentication-failed", body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Push_FromASourceTheTransmitterDoesNotAllow_IsAccessDenied()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings(sources: "okta-ssf"));
        var other = await server.AddSourceAsync("falco");
        var set = transmitter.Sign(JaneRevoked());

        using var response = await PushAsync(server, set, other);

        Assert.Equal(SetErrors.AccessDenied, (await ErrorAsync(response)).Err);
    }

    [Fact]
    public async Task Push_FromAKeyScopedToIdentityEvents_VouchesForTheSubject_OutsideTheScope_IsAccessDeniedAndNothingAppended()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var idp = await server.AddSourceAsync("okta-ssf", new ZtStream.Ingest.Sources.Scopes.SourceScope(Kinds: ["auth.*"]));
        var narrow = await server.AddSourceAsync("okta-hr-only", new ZtStream.Ingest.Sources.Scopes.SourceScope(Subjects: ["*@hr.example.com"]));

        using var accepted = await PushAsync(server, transmitter.Sign(JaneRevoked()), idp);
        using var refused = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("ceo@example.com"))), narrow);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var (err, body) = await ErrorAsync(refused);
        Assert.Equal(SetErrors.AccessDenied, err);
        Assert.Contains("outside the scope of source okta-hr-only", body.GetProperty("description").GetString(), StringComparison.Ordinal);
        var read = Assert.Single(await server.ReadLoggedAsync(1, quiet: TimeSpan.FromMilliseconds(500)));
        Assert.Equal([SourceScopes.Subject, SourceScopes.Workload], read.Event.SourceScope);
    }

    /// <summary>A key that speaks for one cluster (<c>--cluster</c>) pushing a SET: a session of a directory is no cluster's, so it is refused rather than labelled.</summary>
    [Fact]
    public async Task Push_FromAKeyLabelledWithACluster_IsAccessDeniedNamingWhy_AndNothingAppended()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var labelled = await server.AddSourceAsync("ssf-in-prod-eu", new ZtStream.Ingest.Sources.Scopes.SourceScope(Cluster: "prod-eu"));

        using var refused = await PushAsync(server, transmitter.Sign(JaneRevoked()), labelled);

        var (err, body) = await ErrorAsync(refused);
        Assert.Equal(SetErrors.AccessDenied, err);
        Assert.Contains("attributes.k8s.cluster: outside the scope of source ssf-in-prod-eu: its key speaks for cluster prod-eu (--cluster)", body.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Push_AfterTheTransmitterRotatesItsKey_RefetchesTheJwksAndAccepts()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        using var first = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("a@example.com"))), key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(1, transmitter.JwksFetches);

        transmitter.RotateKey("test-key-2");
        using var second = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User("b@example.com"))), key);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(2, transmitter.JwksFetches);
        Assert.Equal(2, (await server.ReadLoggedAsync(2)).Count);
    }

    [Fact]
    public async Task Push_SpecExampleSets_MapToTheirKindsAndSubjects()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "SharedSignals", "TestData", "set-vectors.json")))!["vectors"]!.AsArray();
        var expected = new List<(string Jti, string Kind, string Subject)>();
        foreach (var vector in vectors)
        {
            var claims = vector!["set"]!.AsObject().DeepClone().AsObject();
            // Unsigned claim sets in the specifications: addressed and dated for this receiver, then signed.
            var jti = Guid.NewGuid().ToString("N");
            claims["iss"] = transmitter.Issuer;
            claims["aud"] = Audience;
            claims["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            claims["jti"] = jti;
            foreach (var (_, payload) in claims["events"]!.AsObject())
            {
                if (payload!.AsObject().ContainsKey("event_timestamp"))
                {
                    payload["event_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                }
            }

            using var response = await PushAsync(server, transmitter.Sign(claims), key);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{vector["title"]}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            var type = claims["events"]!.AsObject().Single().Key;
            if (Expected(type) is { } kind)
            {
                expected.Add((jti, kind, ExpectedSubject(vector["set"]!["sub_id"]!)));
            }
        }

        var read = await server.ReadLoggedAsync(expected.Count);
        Assert.Equal(expected.Count, read.Count);
        foreach (var (jti, kind, subject) in expected)
        {
            var e = Assert.Single(read, r => r.Event.Id == $"ssf:idp:{jti}").Event;
            Assert.Equal(kind, e.Kind);
            Assert.Equal(subject, e.Subject?.Id);
        }
    }

    /// <summary>
    /// A transmitter that names a user by address, in whatever case, alone or among aliases or in a complex subject, reaches
    /// the principal the identity provider's own records of that user are logged on: Entra's sign-in of the same user.
    /// </summary>
    [Fact]
    public async Task Push_SetsNamingAUserByAddressInAnyCase_AreLoggedOnThePrincipalOfTheUsersSignIns()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var signIn = $$$"""
            {"records":[{"time":"{{{now}}}","category":"SignInLogs","properties":{"id":"5f000000-0000-4000-8000-0000000000e1","createdDateTime":"{{{now}}}",
              "userPrincipalName":"Kim.Lee@Contoso.example","userId":"3c000000-0000-4000-8000-0000000000e1","ipAddress":"198.51.100.41","status":{"errorCode":0} } }]}
            """;
        var subjects = new JsonObject[]
        {
            new() { ["format"] = "email", ["email"] = "KIM.LEE@CONTOSO.EXAMPLE" },
            new()
            {
                ["format"] = "aliases",
                ["identifiers"] = new JsonArray(
                    new JsonObject { ["format"] = "iss_sub", ["iss"] = transmitter.Issuer, ["sub"] = "3c000000-0000-4000-8000-0000000000e1" },
                    new JsonObject { ["format"] = "email", ["email"] = "kim.lee@Contoso.Example" }),
            },
            new()
            {
                ["format"] = "complex",
                ["user"] = new JsonObject { ["format"] = "email", ["email"] = "Kim.Lee@contoso.example" },
                ["session"] = new JsonObject { ["format"] = "opaque", ["id"] = "sess-e1" },
            },
        };

        using (var entra = await server.PostAsync("/v1/sources/entra", signIn, key))
        {
            await IngestAnswer.AcceptedAsync(entra, 1);
        }

        foreach (var subject in subjects)
        {
            using var response = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.SessionRevoked, subject)), key);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var logged = await server.ReadLoggedAsync(4);
        Assert.Equal(4, logged.Count);
        Assert.All(logged, r => Assert.Equal("kim.lee@contoso.example", r.Record.Key));
        Assert.Equal("3c000000-0000-4000-8000-0000000000e1", Assert.Single(logged, r => r.Event.Id.StartsWith("ssf:", StringComparison.Ordinal) && r.Event.Attr(IdentityAttributes.IdpUserId) is not null).Event.Attr(IdentityAttributes.IdpUserId));
    }

    [Fact]
    public async Task Push_CredentialCompromiseAndDeviceCompliance_CarryTheirFindings()
    {
        await using var server = await IngestServer.StartInProcessAsync(Settings());
        var key = await server.AddSourceAsync("idp");
        var device = new JsonObject
        {
            ["format"] = "complex",
            ["user"] = new JsonObject { ["format"] = "email", ["email"] = "joe@example.com" },
            ["device"] = new JsonObject { ["format"] = "opaque", ["id"] = "dev-42" },
            ["session"] = new JsonObject { ["format"] = "opaque", ["id"] = "sess-7" },
        };

        using var compromise = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, TestTransmitter.CredentialCompromise, User("joe@example.com"), new JsonObject { ["credential_type"] = "password" })), key);
        using var compliance = await PushAsync(server, transmitter.Sign(transmitter.Claims(Audience, "https://schemas.openid.net/secevent/caep/event-type/device-compliance-change", device, new JsonObject { ["current_status"] = "not-compliant", ["previous_status"] = "compliant", ["event_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() })), key);

        Assert.Equal(HttpStatusCode.Accepted, compromise.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, compliance.StatusCode);
        var events = (await server.ReadLoggedAsync(2)).Select(r => r.Event).ToList();
        var risk = Assert.Single(events, e => e.Kind == EventKinds.AuthRisk);
        Assert.Equal(["credential_compromise"], risk.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("high", risk.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("password", risk.Attr(IdentityAttributes.Factor));
        var context = Assert.Single(events, e => e.Kind == EventKinds.AuthContextChange);
        Assert.Equal("joe@example.com", context.Subject?.Id);
        Assert.Equal("sess-7", context.Token?.SessionId);
        Assert.Equal("dev-42", context.Attr(IdentityAttributes.DeviceId));
        Assert.False(context.Flag(IdentityAttributes.DeviceCompliant));
        Assert.Equal("device_compliance", context.Attr(IdentityAttributes.Change));
    }

    [Fact]
    public async Task Poll_AcknowledgesKeptSetsAndReportsRefusedOnes()
    {
        var good = JaneRevoked();
        var bad = transmitter.Claims("https://elsewhere.example/", TestTransmitter.SessionRevoked, User("jane@example.com"));
        transmitter.Queue(good["jti"]!.GetValue<string>(), transmitter.Sign(good));
        transmitter.Queue(bad["jti"]!.GetValue<string>(), transmitter.Sign(bad));

        await using var server = await IngestServer.StartInProcessAsync(Settings(poll: true));

        var read = Assert.Single(await server.ReadLoggedAsync(1));
        Assert.Equal("ssf:idp", read.Event.Source);
        Assert.Equal($"ssf:idp:{good["jti"]}", read.Event.Id);
        await WaitAsync(() => transmitter.Pending == 0, "both SETs were acknowledged or reported");
        Assert.Contains(good["jti"]!.GetValue<string>(), transmitter.Acknowledged);
        Assert.Equal(SetErrors.InvalidAudience, transmitter.Errors[bad["jti"]!.GetValue<string>()]);
        var audit = await server.Services.GetRequiredService<SsfReceivedStore>().RecentAsync(10, Ct);
        Assert.All(audit, a => Assert.Equal("poll", a.Delivery));
    }

    /// <summary>
    /// A transmitter that ignores <c>maxEvents</c> and answers more than <c>PollMaxEvents</c> × (<c>MaxSetBytes</c> +
    /// 1 KiB) is not read: none of its SETs is taken or acknowledged, so it keeps them all, and once it answers within
    /// the bound every one of them is kept once and acknowledged.
    /// </summary>
    [Fact]
    public async Task Poll_AnAnswerLargerThanTheBound_IsNotRead_AndNothingInItIsLost()
    {
        const int Sets = 20;
        var jtis = new List<string>();
        for (var i = 0; i < Sets; i++)
        {
            var claims = transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User($"user-{i}@example.com"));
            jtis.Add(claims["jti"]!.GetValue<string>());
            transmitter.Queue(jtis[^1], transmitter.Sign(claims));
        }

        transmitter.IgnoreMaxEvents = true;
        var settings = Settings(poll: true);
        // 2 × (1024 + 1024) + 4096 bytes: 20 signed SETs are more than twice that.
        settings["Ingest:Ssf:Transmitters:idp:PollMaxEvents"] = "2";
        settings["Ingest:Ssf:MaxSetBytes"] = "1024";
        await using var server = await IngestServer.StartInProcessAsync(settings);

        await WaitAsync(() => transmitter.Polls >= 3, "the transmitter was polled three times");
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(300)));
        Assert.Empty(transmitter.Acknowledged);
        Assert.Equal(Sets, transmitter.Pending);

        transmitter.IgnoreMaxEvents = false;
        await WaitAsync(() => transmitter.Pending == 0, "every SET was acknowledged");
        var logged = await server.ReadLoggedAsync(Sets, quiet: TimeSpan.FromMilliseconds(300));
        Assert.Equal(jtis.Select(j => "ssf:idp:" + j).Order(), logged.Select(r => r.Event.Id).Order());
        Assert.Equal(jtis.Order(), transmitter.Acknowledged.Distinct().Order());
    }

    /// <summary>
    /// A poll answer that trickles in is given up at <c>HttpTimeout</c> like one that never comes; its SETs, neither
    /// taken nor acknowledged, come again in the next poll and are kept once.
    /// </summary>
    [Fact]
    public async Task Poll_AnAnswerThatTrickles_IsGivenUpAtTheTimeout_AndItsSetsAreKeptFromTheNextPoll()
    {
        var claims = Enumerable.Range(0, 3).Select(i => transmitter.Claims(Audience, TestTransmitter.SessionRevoked, User($"slow-{i}@example.com"))).ToList();
        foreach (var c in claims)
        {
            transmitter.Queue(c["jti"]!.GetValue<string>(), transmitter.Sign(c));
        }

        transmitter.TricklePolls = 1;
        var settings = Settings(poll: true);
        settings["Ingest:Ssf:HttpTimeout"] = "00:00:01";
        await using var server = await IngestServer.StartInProcessAsync(settings);

        await WaitAsync(() => transmitter.Pending == 0, "every SET was acknowledged");
        Assert.True(transmitter.Polls >= 2, $"the trickled poll was followed by another ({transmitter.Polls} polls)");
        var logged = await server.ReadLoggedAsync(claims.Count, quiet: TimeSpan.FromMilliseconds(300));
        Assert.Equal(claims.Select(c => $"ssf:idp:{c["jti"]}").Order(), logged.Select(r => r.Event.Id).Order());
    }

    /// <summary>
    /// RFC 8936's <c>moreAvailable</c> asks for the next poll at once; a transmitter that says it with no SETs (a bug,
    /// or one that wants Ingest to spin) is polled at <c>PollInterval</c> instead of in a loop without pause.
    /// </summary>
    [Fact]
    public async Task Poll_MoreAvailableWithNoSets_WaitsForThePollInterval()
    {
        transmitter.AlwaysMoreAvailable = true;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Settings(poll: true);
        settings["Ingest:Ssf:PollInterval"] = "00:00:30";
        await using var server = await IngestServer.StartInProcessAsync(settings, time);

        await WaitAsync(() => transmitter.Polls >= 1, "the transmitter was polled");
        Assert.False(await Eventually.WithinAsync(() => Task.FromResult(transmitter.Polls > 1), TimeSpan.FromMilliseconds(500), Ct),
            $"polled {transmitter.Polls} times before the poll interval passed");

        time.Advance(TimeSpan.FromSeconds(30));
        await WaitAsync(() => transmitter.Polls >= 2, "the transmitter was polled again after the poll interval");
    }

    /// <summary>
    /// A transmitter's JWKS URL answering with a redirect to another host would let that host choose the keys SETs are
    /// checked with: the redirect is not followed, and a SET signed by the key found there is refused.
    /// </summary>
    [Fact]
    public async Task Push_WhenTheJwksUrlRedirectsToAnotherHost_TheKeysThereAreNotTrusted()
    {
        await using var redirector = await LoopbackApp.StartAsync(app => app.MapGet("/jwks.json", () => Results.Redirect(transmitter.JwksUri.ToString())));
        var settings = Settings();
        settings["Ingest:Ssf:Transmitters:idp:JwksUri"] = new Uri(redirector.BaseAddress, "jwks.json").ToString();
        await using var server = await IngestServer.StartInProcessAsync(settings);
        var key = await server.AddSourceAsync("idp");

        using var response = await PushAsync(server, transmitter.Sign(JaneRevoked()), key);

        var (err, body) = await ErrorAsync(response);
        Assert.Equal(SetErrors.InvalidKey, err);
        Assert.Contains("redirecting to " + transmitter.JwksUri, body.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, transmitter.JwksFetches);
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>
    /// A poll carries the transmitter's credential and acknowledgements: a poll endpoint answering with a redirect
    /// elsewhere is not followed, so nothing reaches the other address.
    /// </summary>
    [Fact]
    public async Task Poll_WhenThePollEndpointRedirectsElsewhere_NothingIsSentThere()
    {
        var redirected = 0;
        var reached = 0;
        await using var elsewhere = await LoopbackApp.StartAsync(app => app.MapPost("/poll", () =>
        {
            Interlocked.Increment(ref reached);
            return Results.Json(new JsonObject { ["sets"] = new JsonObject(), ["moreAvailable"] = false });
        }));
        await using var redirector = await LoopbackApp.StartAsync(app => app.MapPost("/poll", () =>
        {
            Interlocked.Increment(ref redirected);
            return Results.Redirect(new Uri(elsewhere.BaseAddress, "poll").ToString(), permanent: false, preserveMethod: true);
        }));
        var settings = Settings(poll: true);
        settings["Ingest:Ssf:Transmitters:idp:PollEndpoint"] = new Uri(redirector.BaseAddress, "poll").ToString();

        await using var server = await IngestServer.StartInProcessAsync(settings);

        // A second poll starts only once the first is over, whatever it did with the redirect.
        await WaitAsync(() => Volatile.Read(ref redirected) >= 2, "the poll endpoint was asked twice");
        Assert.Equal(0, Volatile.Read(ref reached));
    }

    /// <summary>
    /// A poll endpoint answering something other than JSON (text/plain, a login portal's HTML) is not read, even when
    /// the body would parse: it is said once per cause with its status and type, counted each time, and retried; a SET
    /// in it is taken only once the transmitter answers JSON (here in another letter case, with a parameter).
    /// </summary>
    [Fact]
    public async Task Poll_AnAnswerThatIsNotJson_IsNotRead_SaidOncePerCause_AndCounted()
    {
        var claims = JaneRevoked();
        var answer = new JsonObject
        {
            ["sets"] = new JsonObject { [claims["jti"]!.GetValue<string>()] = transmitter.Sign(claims) },
            ["moreAvailable"] = false,
        }.ToJsonString();
        var polls = 0;
        var json = false;
        await using var portal = await LoopbackApp.StartAsync(app => app.MapPost("/poll", () =>
            Volatile.Read(ref json) ? Results.Text(answer, "Application/JSON; Charset=UTF-8")
            : Interlocked.Increment(ref polls) <= 2 ? Results.Text(answer, "text/plain")
            : Results.Text("<html><body>Sign in to continue</body></html>", "text/html; charset=utf-8")));
        using var refused = new CountedMeasurements(IngestMetrics.MeterName, "ztstream.ingest.events.rejected", new("reason", "unsupported_media_type"));
        using var log = new CapturedLog();
        var settings = Settings(poll: true);
        settings["Ingest:Ssf:Transmitters:idp:PollEndpoint"] = new Uri(portal.BaseAddress, "poll").ToString();
        await using var server = await IngestServer.StartInProcessAsync(settings, logs: log);

        await WaitAsync(() => Volatile.Read(ref polls) >= 4, "the transmitter was polled four times");
        Assert.Empty(await server.ReadLoggedAsync(0, quiet: TimeSpan.FromMilliseconds(300)));
        var said = log.Lines.Where(l => l.Id.Id == 3021).Select(l => l.Message).ToList();
        Assert.Equal(2, said.Count);
        Assert.Contains("answered 200 with Content-Type text/plain", said[0], StringComparison.Ordinal);
        Assert.Contains("answered 200 with Content-Type text/html; charset=utf-8", said[1], StringComparison.Ordinal);
        Assert.True(refused.Total >= 4, $"{refused.Total} answers counted as refused");

        Volatile.Write(ref json, true);
        var read = Assert.Single(await server.ReadLoggedAsync(1));
        Assert.Equal($"ssf:idp:{claims["jti"]}", read.Event.Id);
    }

    /// <summary>
    /// A proxy in front of the transmitter answers its error page poll after poll: the failure is said once per reason
    /// while it lasts (not on every attempt), a new reason is said when it comes, and the loop goes on polling.
    /// </summary>
    [Fact]
    public async Task Poll_ARepeatedFailure_IsSaidOncePerReason_WhileItLasts()
    {
        var polls = 0;
        await using var proxy = await LoopbackApp.StartAsync(app => app.MapPost("/poll", () =>
            Results.Text("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html",
                statusCode: Interlocked.Increment(ref polls) <= 3 ? StatusCodes.Status502BadGateway : StatusCodes.Status503ServiceUnavailable)));
        using var log = new CapturedLog();
        var settings = Settings(poll: true);
        settings["Ingest:Ssf:Transmitters:idp:PollEndpoint"] = new Uri(proxy.BaseAddress, "poll").ToString();
        await using var server = await IngestServer.StartInProcessAsync(settings, logs: log);

        await WaitAsync(() => Volatile.Read(ref polls) >= 5, "the transmitter was polled five times");
        var said = log.Lines.Where(l => l.Id.Id == 3015).Select(l => l.Message).ToList();
        Assert.Equal(2, said.Count);
        Assert.Contains("the poll endpoint answered 502", said[0], StringComparison.Ordinal);
        Assert.Contains("the poll endpoint answered 503", said[1], StringComparison.Ordinal);
    }

    private static string? Expected(string type) => type switch
    {
        _ when type.EndsWith("/session-revoked", StringComparison.Ordinal) => EventKinds.AuthSessionRevoked,
        _ when type.EndsWith("/token-claims-change", StringComparison.Ordinal) => EventKinds.AuthContextChange,
        _ when type.EndsWith("/assurance-level-change", StringComparison.Ordinal) => EventKinds.AuthContextChange,
        _ when type.EndsWith("/device-compliance-change", StringComparison.Ordinal) => EventKinds.AuthContextChange,
        _ when type.EndsWith("/credential-change", StringComparison.Ordinal) => EventKinds.AuthCredentialChange,
        _ when type.EndsWith("/account-credential-change-required", StringComparison.Ordinal) => EventKinds.AuthCredentialChange,
        _ when type.EndsWith("/session-established", StringComparison.Ordinal) || type.EndsWith("/session-presented", StringComparison.Ordinal) => EventKinds.AuthLogin,
        _ when type.EndsWith("/risk-level-change", StringComparison.Ordinal) || type.EndsWith("/credential-compromise", StringComparison.Ordinal) => EventKinds.AuthRisk,
        _ when type.Contains("/risc/event-type/account-", StringComparison.Ordinal) || type.Contains("/identifier-", StringComparison.Ordinal) => EventKinds.AuthAccountChange,
        _ => null,
    };

    /// <summary>What RFC 9493 names as the subject: a user first, else a session or device, else the identifier itself.</summary>
    private static string ExpectedSubject(JsonNode subId)
    {
        var format = subId["format"]!.GetValue<string>();
        return format switch
        {
            "email" => subId["email"]!.GetValue<string>(),
            "iss_sub" => subId["sub"]!.GetValue<string>(),
            "opaque" => subId["id"]!.GetValue<string>(),
            "phone_number" => subId["phone_number"]!.GetValue<string>(),
            "jwt_id" => "jti:" + subId["jti"]!.GetValue<string>(),
            "saml_assertion_id" => "saml_assertion:" + subId["assertion_id"]!.GetValue<string>(),
            "complex" when subId["user"] is { } user => ExpectedSubject(user),
            "complex" when subId["session"] is { } session => "session:" + ExpectedSubject(session),
            "complex" when subId["device"] is { } device => "device:" + ExpectedSubject(device),
            _ => subId.AsObject().First(p => p.Key != "format").Value!.GetValue<string>(),
        };
    }

    private static Task WaitAsync(Func<bool> condition, string what) => Eventually.HoldsAsync(condition, what, TimeSpan.FromSeconds(30));

    /// <summary>
    /// The SET examples of the SSF, CAEP and RISC specifications in other valid shapes (a signed SET from another
    /// transmitter need not look like the examples): whatever passes the validator's checks of the claims maps to
    /// events without an exception.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Map_SpecificationExamplesInOtherShapes_NeverThrow()
    {
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "SharedSignals", "TestData", "set-vectors.json")))!["vectors"]!
            .AsArray().Select(v => v!["set"]!).ToArray();
        var mapped = 0;

        await JsonReshaper.RunAsync(5000, 20261130, (i, random) =>
        {
            using var document = JsonDocument.Parse(JsonReshaper.Reshape(vectors[random.Next(vectors.Length)], random).ToJsonString());
            // What SetValidator guarantees before mapping: an object whose events claim is a non-empty object of objects.
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Object
                && events.EnumerateObject().Any() && events.EnumerateObject().All(e => e.Value.ValueKind == JsonValueKind.Object))
            {
                var set = new ValidatedSet("fuzz", "https://idp.example.com/", $"jti-{i}", DateTimeOffset.UnixEpoch.AddYears(56), document.RootElement.Clone());
                mapped += SetMapper.Map(set, SourceMapOptions.Default, out _).Count;
            }
        }, TestContext.Current.CancellationToken);

        Assert.True(mapped > 1000, $"only {mapped} events mapped");
    }
}
