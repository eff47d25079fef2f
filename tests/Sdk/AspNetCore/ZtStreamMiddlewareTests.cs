namespace ZtStream.Sdk.Tests.AspNetCore;

public sealed class ZtStreamMiddlewareTests
{
    private const string RevokedChallenge = "Bearer error=\"invalid_token\", error_description=\"revoked\"";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Action<ZtStreamOptions> Configure(Uri ingest, Uri? feed = null, Action<ZtStreamOptions>? more = null) => o =>
    {
        o.Endpoint = ingest;
        o.SourceKey = "app-key";
        o.FlushInterval = TimeSpan.FromMilliseconds(50);
        o.MinBackoff = TimeSpan.FromMilliseconds(5);
        o.MaxBackoff = TimeSpan.FromMilliseconds(20);
        o.Workload.Name = "orders-7d9f";
        o.Workload.Namespace = "shop";
        o.Workload.ServiceAccount = "orders";
        o.Revocations.Feed = feed;
        o.Revocations.MinReconnectDelay = TimeSpan.FromMilliseconds(20);
        o.Revocations.MaxReconnectDelay = TimeSpan.FromMilliseconds(200);
        more?.Invoke(o);
    };

    /// <summary>
    /// Connects and runs one revocation end to end with a generous bound, so the one-second bounds below measure the
    /// steady state rather than first-call start-up on a loaded machine.
    /// </summary>
    private static async Task WarmUpAsync(SampleApp app, FakeRevocationFeed feed)
    {
        await feed.WaitForStreamRequestsAsync(1, Patience);
        var token = SampleApp.Token("warm-up", "warm-up-jti");
        feed.Publish(jti: "warm-up-jti");
        Assert.NotNull(await app.PollUntilAsync("/api/orders", token, HttpStatusCode.Unauthorized, Patience));
    }

    [Fact]
    public async Task AuthenticatedRequest_EmitsAccessEventWithIdentityRouteAndWorkload()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress));
        var issuedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        var token = SampleApp.Token("alice", "jti-1", "session-1", issuedAt);

        using var response = await app.GetAsync("/api/orders", token, userAgent: "orders-cli/2.1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var anonymous = await app.GetAsync("/health", token: null);
        using var customer = await app.GetAsync("/api/customers/42", token);

        var events = await ingest.WaitForAcceptedAsync(_ => true, 2, Patience);
        var e = Assert.Single(events, x => x.Resource?.Id == "/api/orders");
        Assert.Equal(EventKinds.AccessRequest, e.Kind);
        Assert.Equal("alice", e.Subject?.Id);
        Assert.Equal("user", e.Subject?.Type);
        Assert.Equal("jti-1", e.Token?.Jti);
        Assert.Equal("web-portal", e.Token?.ClientId);
        Assert.Equal("session-1", e.Token?.SessionId);
        Assert.Equal(issuedAt.ToUnixTimeSeconds(), e.Token?.IssuedAt?.ToUnixTimeSeconds());
        Assert.Equal("http_route", e.Resource?.Type);
        Assert.Equal("GET", e.Action);
        Assert.Equal(200, e.Status);
        Assert.Equal(Outcomes.Success, e.Outcome);
        Assert.Equal(SampleApp.OrdersBody.Length, e.Bytes);
        Assert.Equal("orders-cli/2.1", e.UserAgent);
        Assert.Equal("127.0.0.1", e.Network?.SrcIp);
        Assert.Equal("shop/orders-7d9f", e.Workload?.Id);
        Assert.Equal("orders", e.Workload?.ServiceAccount);
        Assert.Equal("Bearer app-key", ingest.Requests[0].Authorization);
        Assert.Contains(events, x => x.Resource?.Id == "/api/customers/{id}");
        Assert.DoesNotContain(ingest.Accepted, x => x.Resource?.Id == "/health");
    }

    [Fact]
    public async Task RevokedJti_NextRequestWithThatTokenIs401WithinOneSecond_OtherTokensPass()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var feed = await FakeRevocationFeed.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress, feed.BaseAddress));
        var alice = SampleApp.Token("alice", "jti-alice", "s-alice");
        var bob = SampleApp.Token("bob", "jti-bob", "s-bob");
        await WarmUpAsync(app, feed);
        using (var before = await app.GetAsync("/api/orders", alice))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        feed.Publish(jti: "jti-alice");
        using var revoked = await app.PollUntilAsync("/api/orders", alice, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));

        Assert.NotNull(revoked);
        Assert.Equal(RevokedChallenge, revoked.Headers.WwwAuthenticate.ToString());
        using var other = await app.GetAsync("/api/orders", bob);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        var denied = await ingest.WaitForAcceptedAsync(e => e.Outcome == Outcomes.Denied && e.Token?.Jti == "jti-alice", 1, Patience);
        Assert.Equal("jti-alice", denied[0].Token?.Jti);
        Assert.Equal(401, denied[0].Status);
        Assert.Equal("/api/orders", denied[0].Resource?.Id);
    }

    [Fact]
    public async Task RevokedSessionAndSubject_RejectTheirTokens_NewerAndOtherTokensPass()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var feed = await FakeRevocationFeed.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress, feed.BaseAddress));
        var now = DateTimeOffset.UtcNow;
        var bobSession = SampleApp.Token("bob", "jti-bob-1", "s-bob");
        var bobOtherSession = SampleApp.Token("bob", "jti-bob-2", "s-bob-phone");
        var carolOld = SampleApp.Token("carol", "jti-carol-old", "s-carol-1", now.AddMinutes(-10));
        var carolNew = SampleApp.Token("carol", "jti-carol-new", "s-carol-2", now.AddMinutes(1));
        await WarmUpAsync(app, feed);

        feed.Publish(sessionId: "s-bob");
        feed.Publish(subjectId: "carol", notBefore: now);

        using var session = await app.PollUntilAsync("/api/orders", bobSession, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));
        using var subject = await app.PollUntilAsync("/api/orders", carolOld, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));
        Assert.NotNull(session);
        Assert.NotNull(subject);
        Assert.Equal(RevokedChallenge, subject.Headers.WwwAuthenticate.ToString());
        using var phone = await app.GetAsync("/api/orders", bobOtherSession);
        using var reissued = await app.GetAsync("/api/orders", carolNew);
        Assert.Equal(HttpStatusCode.OK, phone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reissued.StatusCode);
    }

    [Fact]
    public async Task LoginClaimSubject_IsSentWithItsClaim_AndItsPrincipalsRevocationRefusesIt_AnOpaqueSubKeepsItsCase()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var feed = await FakeRevocationFeed.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress, feed.BaseAddress, o => o.SubjectClaim = "preferred_username"));
        var issuedAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        var dana = SampleApp.Token("00u1dana", "jti-dana", "s-dana", issuedAt, preferredUsername: "Dana.Kowalski@Acme.Example");
        // No preferred_username: the subject is the token's sub, an opaque id that only looks like a login.
        var opaque = SampleApp.Token("Dana.Kowalski@Acme.Example", "jti-opaque", "s-opaque", issuedAt);
        await WarmUpAsync(app, feed);

        using (var first = await app.GetAsync("/api/orders", dana))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // Sent as the token wrote it, with the claim it came from: Ingest keys it in the one form of login names.
        var sent = await ingest.WaitForAcceptedAsync(e => e.Token?.Jti == "jti-dana", 1, Patience);
        Assert.Equal(("Dana.Kowalski@Acme.Example", "preferred_username"), (sent[0].Subject?.Id, sent[0].Subject?.Claim));

        // The Responder revokes the principal Ingest keyed: the login in lower case.
        feed.Publish(subjectId: "dana.kowalski@acme.example", notBefore: DateTimeOffset.UtcNow);
        using var refused = await app.PollUntilAsync("/api/orders", dana, HttpStatusCode.Unauthorized, Patience);
        Assert.NotNull(refused);
        Assert.Equal(RevokedChallenge, refused.Headers.WwwAuthenticate.ToString());

        using var other = await app.GetAsync("/api/orders", opaque);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        var opaqueSent = await ingest.WaitForAcceptedAsync(e => e.Token?.Jti == "jti-opaque", 1, Patience);
        Assert.Equal(("Dana.Kowalski@Acme.Example", "sub"), (opaqueSent[0].Subject?.Id, opaqueSent[0].Subject?.Claim));
    }

    /// <summary>
    /// A login the provider wrote outside ASCII: decomposed (A and a combining diaeresis), in fullwidth forms, with a
    /// capital dotted I, with a capital sigma at the end of a word. The Responder revokes the principal Ingest keyed (RFC
    /// 8265's UsernameCaseMapped form: width-mapped, lower case, NFC); the SDK folds the token's claim the same way, so
    /// the revocation refuses it. Lower-casing alone kept each of these apart from the revoked principal.
    /// </summary>
    [Theory]
    [InlineData("A\u0308rger@Acme.Example", "\u00E4rger@acme.example")]
    [InlineData("\uFF24\uFF41\uFF4E\uFF41@acme.example", "dana@acme.example")]
    [InlineData("\u0130pek@Acme.Example", "i\u0307pek@acme.example")]
    [InlineData("\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3@acme.example", "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2@acme.example")]
    public async Task NonAsciiLoginClaim_ItsFoldedPrincipalsRevocationRefusesIt(string claimed, string principal)
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var feed = await FakeRevocationFeed.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress, feed.BaseAddress, o => o.SubjectClaim = "preferred_username"));
        var token = SampleApp.Token("00u1user", "jti-folded", "s-folded", DateTimeOffset.UtcNow.AddMinutes(-10), preferredUsername: claimed);
        await WarmUpAsync(app, feed);
        using (var first = await app.GetAsync("/api/orders", token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        feed.Publish(subjectId: principal, notBefore: DateTimeOffset.UtcNow);

        using var refused = await app.PollUntilAsync("/api/orders", token, HttpStatusCode.Unauthorized, Patience);
        Assert.NotNull(refused);
        Assert.Equal(RevokedChallenge, refused.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task FeedDropped_ReconnectsWithLastEventIdAndAppliesWhatWasMissed()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var feed = await FakeRevocationFeed.StartAsync();
        feed.Publish(jti: "already-revoked");
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress, feed.BaseAddress));
        await feed.WaitForStreamRequestsAsync(1, Patience);
        feed.Publish(jti: "revoked-live");
        Assert.NotNull(await app.PollUntilAsync("/api/orders", SampleApp.Token("u", "revoked-live"), HttpStatusCode.Unauthorized, Patience));

        feed.DropStreams();
        feed.Publish(jti: "revoked-while-away");
        await feed.WaitForStreamRequestsAsync(2, Patience);

        Assert.NotNull(await app.PollUntilAsync("/api/orders", SampleApp.Token("u", "revoked-while-away"), HttpStatusCode.Unauthorized, Patience));
        Assert.Equal(["1", "2"], feed.StreamRequests.Take(2).ToArray());
        Assert.Equal(1, feed.SnapshotRequests);
        using var stillRevoked = await app.GetAsync("/api/orders", SampleApp.Token("u", "already-revoked"));
        Assert.Equal(HttpStatusCode.Unauthorized, stillRevoked.StatusCode);
    }

    [Fact]
    public async Task FeedUnreachable_FailOpenByDefault_FailClosedAnswers503()
    {
        await using var ingest = await FakeIngest.StartAsync();
        var nowhere = ZtStreamClientTests.ClosedPort();
        var token = SampleApp.Token("alice", "jti-1");
        await using (var open = await SampleApp.StartAsync(Configure(ingest.BaseAddress, nowhere)))
        {
            var factory = open.App.Services.GetRequiredService<IMeterFactory>();
            long unverified = 0;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "ztstream.sdk.requests.unverified")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "mode", Value: "fail_open" })
                    {
                        Interlocked.Add(ref unverified, value);
                    }
                }
            });
            listener.Start();

            using var allowed = await open.GetAsync("/api/orders", token);
            using var again = await open.GetAsync("/api/orders", token);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(2, Interlocked.Read(ref unverified));
        }

        await using var closed = await SampleApp.StartAsync(Configure(ingest.BaseAddress, nowhere, o => o.Revocations.FailClosed = true));
        using var refused = await closed.GetAsync("/api/orders", token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        using var anonymous = await closed.GetAsync("/health", token: null);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task IngestDown_AppKeepsServing()
    {
        await using var app = await SampleApp.StartAsync(Configure(ZtStreamClientTests.ClosedPort(), more: o => { o.MaxAttempts = 2; o.ShutdownTimeout = TimeSpan.FromMilliseconds(200); }));
        var token = SampleApp.Token("alice", "jti-1");
        for (var i = 0; i < 20; i++)
        {
            using var response = await app.GetAsync("/api/orders", token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task StreamWrites_AreCounted_AndAnUnhandledExceptionIsRecordedAsError()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress));
        var token = SampleApp.Token("alice", "jti-1");

        using var report = await app.GetAsync("/api/report", token);
        using var failed = await app.GetAsync("/api/fail", token);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);

        var events = await ingest.WaitForAcceptedAsync(_ => true, 2, Patience);
        Assert.Equal(3 * SampleApp.ReportChunk.Length, Assert.Single(events, e => e.Resource?.Id == "/api/report").Bytes);
        var error = Assert.Single(events, e => e.Resource?.Id == "/api/fail");
        Assert.Equal(Outcomes.Error, error.Outcome);
        Assert.Equal(500, error.Status);
    }

    [Fact]
    public async Task RevocationLatency_PublishToFirst401_IsReported()
    {
        await using var ingest = await FakeIngest.StartAsync();
        await using var feed = await FakeRevocationFeed.StartAsync();
        await using var app = await SampleApp.StartAsync(Configure(ingest.BaseAddress, feed.BaseAddress));
        await WarmUpAsync(app, feed);
        var samples = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var token = SampleApp.Token("alice", $"latency-{i}");
            using (var warm = await app.GetAsync("/api/orders", token))
            {
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            feed.Publish(jti: $"latency-{i}");
            using var revoked = await app.PollUntilAsync("/api/orders", token, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(1));
            Assert.NotNull(revoked);
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        TestContext.Current.TestOutputHelper?.WriteLine($"publish-to-401 over loopback (ms, includes one poll round trip): median {samples[5]:F1}, max {samples[^1]:F1}");
    }
}
