using System.Net.ServerSentEvents;

namespace ZtStream.TestSupport.Revocations;

/// <summary>
/// The revocation feed contract as an executable check, for any server claiming to speak it (the Responder, the
/// fake): the snapshot, the stream's event name, ids and data, and resumption from <c>Last-Event-ID</c>.
/// </summary>
public static class RevocationFeedContract
{
    /// <param name="http">Client whose base address is the feed (with any credential it needs already set).</param>
    /// <param name="revokeJti">Makes the server under test revoke the given token id.</param>
    /// <param name="cancellationToken">Bounds the whole check.</param>
    public static async Task VerifyAsync(HttpClient http, Func<string, Task> revokeJti, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var ct = timeout.Token;
        var first = $"contract-{Guid.NewGuid():N}";
        var second = $"contract-{Guid.NewGuid():N}";

        var before = await SnapshotAsync(http, ct);
        await revokeJti(first);
        var after = await SnapshotAsync(http, ct);
        var entry = Assert.Single(after.Revocations, r => r.Jti == first);
        Assert.True(entry.Version > before.Version, $"entry version {entry.Version} must be above the earlier snapshot's {before.Version}");
        Assert.True(after.Version >= entry.Version, "a snapshot's version covers its entries");

        // Resuming from the earlier snapshot replays the new entry, as event "revocation" with id = its version.
        var replayed = await FirstEntryAsync(http, before.Version, e => e.Jti == first, ct);
        Assert.Equal(RevocationFeed.EventName, replayed.EventType);
        Assert.Equal(entry.Version.ToString(CultureInfo.InvariantCulture), replayed.EventId);

        // Resuming from that entry skips it, and an entry added while connected is pushed.
        var live = FirstEntryAsync(http, entry.Version, _ => true, ct);
        await revokeJti(second);
        var pushed = await live;
        var pushedEntry = JsonSerializer.Deserialize(pushed.Data, ContractsJsonContext.Default.Revocation)!;
        Assert.Equal(second, pushedEntry.Jti);
        Assert.True(pushedEntry.Version > entry.Version);
    }

    private static async Task<RevocationSnapshot> SnapshotAsync(HttpClient http, CancellationToken ct)
    {
        using var response = await http.GetAsync(RevocationFeed.SnapshotPath, ct);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadAsByteArrayAsync(ct);
        return JsonSerializer.Deserialize(json, ContractsJsonContext.Default.RevocationSnapshot)
            ?? throw new InvalidOperationException("the snapshot was null");
    }

    private static async Task<SseItem<string>> FirstEntryAsync(HttpClient http, long lastEventId, Func<Revocation, bool> match, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RevocationFeed.StreamPath);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId.ToString(CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(ct))
        {
            if (item.EventType != RevocationFeed.EventName)
            {
                continue;
            }

            var entry = JsonSerializer.Deserialize(item.Data, ContractsJsonContext.Default.Revocation)
                ?? throw new InvalidOperationException("a feed entry was null");
            Assert.True(entry.Version > lastEventId, $"entry {entry.Version} was sent to a client resuming from {lastEventId}");
            if (match(entry))
            {
                return item;
            }
        }

        throw new InvalidOperationException("the stream ended before the expected entry");
    }
}
