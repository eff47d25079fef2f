using ZtStream.Platform.EventLog;

namespace ZtStream.EndToEnd;

/// <summary>Access events as a source sends them to a running binary's <c>/v1/events</c>, the way a user's shipper would.</summary>
internal static class IngestEvents
{
    /// <summary>
    /// A GET by <paramref name="subject"/> with a token that expired an hour ago: the policy alerts on it whatever the
    /// baseline, so each one is an alert the test can wait for.
    /// </summary>
    public static AccessEvent ExpiredTokenGet(string id, string subject, string jti, string route)
    {
        var now = DateTimeOffset.UtcNow;
        return new AccessEvent
        {
            Id = id,
            Time = now,
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = subject, Type = "user" },
            Token = new TokenInfo { Jti = jti, ExpiresAt = now.AddHours(-1) },
            Resource = new ResourceRef { Type = "http_route", Id = route },
            Action = "GET",
            Status = 200,
        };
    }

    /// <summary>
    /// <paramref name="subject"/>'s <paramref name="n"/>th ordinary GET from the shop's web pod with a valid token, within the
    /// last minute: traffic the Verifier scores and does not alert on.
    /// </summary>
    public static AccessEvent Benign(string subject, int n)
    {
        var now = DateTimeOffset.UtcNow;
        return new AccessEvent
        {
            Id = $"{subject}-benign-{n}-{Guid.NewGuid():N}",
            Time = now.AddSeconds(-60 + (n % 50)),
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = subject, Type = "user" },
            Token = new TokenInfo { Jti = $"jti-{subject}", ClientId = "shop-web", IssuedAt = now.AddMinutes(-10), ExpiresAt = now.AddMinutes(50) },
            Workload = new Workload { Id = "shop/web-1", Namespace = "shop", Name = "web-1" },
            Resource = new ResourceRef { Type = "http_route", Id = $"/api/orders/{n % 5}" },
            Action = "GET",
            Outcome = Outcomes.Success,
            Status = 200,
            Bytes = 900 + (n % 7),
        };
    }

    /// <summary>
    /// <paramref name="subject"/>'s token <paramref name="jti"/>, bound to shop/web-1 and valid for half an hour more, used
    /// three times there and then from another workload (shop/evil-7): a stolen token the Verifier alerts on (high), which
    /// a revocation can still stop.
    /// </summary>
    public static List<AccessEvent> StolenToken(string subject, string jti)
    {
        var now = DateTimeOffset.UtcNow;
        var token = new TokenInfo { Jti = jti, ClientId = "shop-web", IssuedAt = now.AddMinutes(-30), ExpiresAt = now.AddMinutes(30), BoundWorkload = "shop/web-1" };
        AccessEvent At(int i, string workload) => new()
        {
            Id = $"{subject}-{jti}-{i}",
            Time = now.AddSeconds(-20 + i),
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = subject, Type = "user" },
            Token = token,
            Workload = new Workload { Id = workload, Namespace = "shop", Name = workload[(workload.IndexOf('/', StringComparison.Ordinal) + 1)..] },
            Resource = new ResourceRef { Type = "http_route", Id = "/api/orders" },
            Action = "GET",
            Outcome = Outcomes.Success,
            Status = 200,
            Bytes = 512,
        };
        return [At(0, "shop/web-1"), At(1, "shop/web-1"), At(2, "shop/web-1"), At(3, "shop/evil-7")];
    }

    /// <summary>
    /// One principal on each of the log's <paramref name="partitions"/> (3, the default), the first named
    /// <paramref name="prefix"/>-PARTITION-N to land there: an attack on each, posted last, is alerted only after everything
    /// before it on every partition.
    /// </summary>
    public static List<string> OnePerPartition(string prefix, int partitions = 3) =>
        [.. Enumerable.Range(0, partitions).Select(p =>
            Enumerable.Range(0, 1000).Select(i => $"{prefix}-{p}-{i}").First(s => Murmur2Partitioner.PartitionFor(s, partitions) == p))];

    /// <summary>Posts <paramref name="events"/> as one JSON batch; the status and the parsed answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient ingest, List<AccessEvent> events)
    {
        using var response = await SendAsync(ingest, events);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    /// <summary>Posts <paramref name="events"/> as one JSON batch; the whole answer, headers too.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient ingest, List<AccessEvent> events)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(events, ContractsJsonContext.Default.ListAccessEvent));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await ingest.PostAsync(new Uri("/v1/events", UriKind.Relative), content, Ct);
    }

    /// <summary>Posts <paramref name="events"/> as one JSON batch and fails the test, with the answer, unless all were taken (202).</summary>
    public static async Task PostAcceptedAsync(HttpClient ingest, List<AccessEvent> events)
    {
        var (status, body) = await PostAsync(ingest, events);
        Assert.True(status == HttpStatusCode.Accepted, $"{events.Count} event(s){(events is [var first, ..] ? $" from {first.Id}" : "")}: {(int)status} {body}");
    }
}
