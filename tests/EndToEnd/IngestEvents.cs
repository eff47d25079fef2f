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

    /// <summary>Posts <paramref name="events"/> as one JSON batch; the status and the parsed answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient ingest, List<AccessEvent> events)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(events, ContractsJsonContext.Default.ListAccessEvent));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await ingest.PostAsync(new Uri("/v1/events", UriKind.Relative), content, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    /// <summary>Posts <paramref name="events"/> as one JSON batch and fails the test, with the answer, unless all were taken (202).</summary>
    public static async Task PostAcceptedAsync(HttpClient ingest, List<AccessEvent> events)
    {
        var (status, body) = await PostAsync(ingest, events);
        Assert.True(status == HttpStatusCode.Accepted, $"{events.Count} event(s){(events is [var first, ..] ? $" from {first.Id}" : "")}: {(int)status} {body}");
    }
}
