namespace ZtStream.Ingest.Tests.RateLimiting;

/// <summary>
/// A source may bring at most Ingest:MaxNewPrincipalsPerMinute new principals a minute: past it, over HTTP, its
/// requests that would bring more are 429 (nothing taken, Retry-After to the next minute), while its known principals
/// and every other source go on.
/// </summary>
public sealed class NewPrincipalCapTests
{
    [Fact]
    public async Task FloodOfMadeUpIdentities_429ForThatSourceOnly_KnownPrincipalsAndOtherSourcesGoOn_NextMinuteAgain()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 10, TimeSpan.Zero));
        await using var server = await IngestServer.StartInProcessAsync(new(IngestServer.AnyAge) { ["Ingest:MaxNewPrincipalsPerMinute"] = "5" }, time);
        var flooder = await server.AddSourceAsync("flooder");
        var steady = await server.AddSourceAsync("steady");
        string Batch(string prefix, int count, int first = 0) =>
            Payloads.Array([.. Enumerable.Range(first, count).Select(i => Payloads.Event($"{prefix}-{Guid.NewGuid():N}", time.GetUtcNow(), subject: $"user:{prefix}-{i}"))]);

        using (var firstFive = await server.PostAsync("/v1/events", Batch("fake", 5), flooder))
        {
            Assert.Equal(HttpStatusCode.Accepted, firstFive.StatusCode);
        }

        using var sixth = await server.PostAsync("/v1/events", Batch("fake", 3, first: 5), flooder);
        var problem = await HttpProblem.ReadTypedAsync(sixth, HttpStatusCode.TooManyRequests, "too-many-new-principals");
        Assert.Equal(TimeSpan.FromSeconds(50), sixth.Headers.RetryAfter?.Delta);
        Assert.Contains("may bring 5 new principals a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The principals it already brought are known: their events pass; another source's new ones too.
        using (var known = await server.PostAsync("/v1/events", Batch("fake", 5), flooder))
        {
            Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        }

        using (var other = await server.PostAsync("/v1/events", Batch("real", 5), steady))
        {
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(50));
        using (var nextMinute = await server.PostAsync("/v1/events", Batch("fake", 3, first: 5), flooder))
        {
            Assert.Equal(HttpStatusCode.Accepted, nextMinute.StatusCode);
        }

        var logged = await server.ReadLoggedAsync(18);
        Assert.Equal(18, logged.Count);
        Assert.Equal(13, logged.Select(r => r.Event.PrincipalKey).Distinct().Count());
    }

    [Theory]
    [InlineData(-90)]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(120)]
    public async Task WallClockSteps_NeitherRefillTheSourcesMinuteNorHoldItBack(int stepMinutes)
    {
        var time = new SteppedFakeClock(new DateTimeOffset(2026, 11, 30, 10, 0, 10, TimeSpan.Zero));
        await using var server = await IngestServer.StartInProcessAsync(new(IngestServer.AnyAge) { ["Ingest:MaxNewPrincipalsPerMinute"] = "5" }, time);
        var flooder = await server.AddSourceAsync("flooder");
        var next = 0;
        string Batch(int count) =>
            Payloads.Array([.. Enumerable.Range(next, count).Select(i => Payloads.Event($"fake-{Guid.NewGuid():N}", time.GetUtcNow(), subject: $"user:fake-{next++}"))]);

        using (var firstFive = await server.PostAsync("/v1/events", Batch(5), flooder))
        {
            Assert.Equal(HttpStatusCode.Accepted, firstFive.StatusCode);
        }

        // An NTP step or a resumed snapshot moves the wall clock into another minute; 20 s pass by the monotonic clock.
        time.Offset = TimeSpan.FromMinutes(stepMinutes);
        time.Advance(TimeSpan.FromSeconds(20));
        next = 5;
        using (var afterStep = await server.PostAsync("/v1/events", Batch(3), flooder))
        {
            await HttpProblem.ReadTypedAsync(afterStep, HttpStatusCode.TooManyRequests, "too-many-new-principals");
            Assert.Equal(TimeSpan.FromSeconds(30), afterStep.Headers.RetryAfter?.Delta);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        next = 5;
        using var nextMinute = await server.PostAsync("/v1/events", Batch(3), flooder);
        Assert.Equal(HttpStatusCode.Accepted, nextMinute.StatusCode);
    }
}
