using Microsoft.IdentityModel.Tokens;

namespace ZtStream.Ingest.SharedSignals;

/// <summary>
/// A signing key from a transmitter's JWKS with the <c>alg</c> it is published for (RFC 7517 §4.4), null when the JWKS
/// names none: a key is used with that one algorithm only (RFC 8725 §3.1).
/// </summary>
internal sealed record PublishedKey(SecurityKey Key, string? Algorithm)
{
    public bool Verifies(string algorithm) => Algorithm is null || string.Equals(Algorithm, algorithm, StringComparison.Ordinal);
}

/// <summary>The transmitter's JWKS could not be fetched and none is cached.</summary>
internal sealed class SsfKeysUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Each transmitter's signing keys, fetched from its <c>JwksUri</c> and cached for <see cref="SsfReceiverOptions.JwksCacheTime"/>.
/// A SET signed with a key id not in the cache refetches (a transmitter rotating its key), but at most once per
/// <see cref="SsfReceiverOptions.JwksRefetchInterval"/>; when a refetch fails the keys already known stay in use.
/// </summary>
internal sealed class SsfKeySets(IHttpClientFactory httpClients, IOptions<SsfReceiverOptions> options, TimeProvider time, ILogger<SsfKeySets> logger) : IDisposable
{
    public const string HttpClientName = "ztstream-ssf-receiver";

    private readonly ConcurrentDictionary<string, Entry> cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> gates = new(StringComparer.OrdinalIgnoreCase);

    private sealed record Entry(IReadOnlyList<PublishedKey> Keys, DateTimeOffset FetchedAt);

    /// <summary>The transmitter's keys; <paramref name="refresh"/> asks for a refetch (an unknown kid), rate-limited.</summary>
    public async Task<IReadOnlyList<PublishedKey>> GetAsync(string transmitter, SsfTransmitterOptions settings, bool refresh, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (Fresh(transmitter, refresh, o) is { } hit)
        {
            return hit;
        }

        var gate = gates.GetOrAdd(transmitter, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Another request may have fetched while this one waited.
            if (Fresh(transmitter, refresh, o) is { } fetched)
            {
                return fetched;
            }

            try
            {
                var keys = await FetchAsync(settings.JwksUri!, o.HttpTimeout, cancellationToken);
                cache[transmitter] = new Entry(keys, time.GetUtcNow());
                IngestLog.JwksFetched(logger, transmitter, keys.Count);
                return keys;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or ArgumentException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                if (cache.TryGetValue(transmitter, out var stale))
                {
                    // Keep the keys we know: a JWKS outage must not stop SETs signed with them.
                    cache[transmitter] = stale with { FetchedAt = time.GetUtcNow() - o.JwksCacheTime + o.JwksRefetchInterval };
                    IngestLog.JwksFetchFailed(logger, exception, transmitter, stale.Keys.Count);
                    return stale.Keys;
                }

                throw new SsfKeysUnavailableException($"the JWKS of transmitter '{transmitter}' ({settings.JwksUri}) could not be fetched: {exception.Message}", exception);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private IReadOnlyList<PublishedKey>? Fresh(string transmitter, bool refresh, SsfReceiverOptions o)
    {
        if (!cache.TryGetValue(transmitter, out var entry))
        {
            return null;
        }

        var age = time.GetUtcNow() - entry.FetchedAt;
        return age < (refresh ? o.JwksRefetchInterval : o.JwksCacheTime) ? entry.Keys : null;
    }

    private async Task<IReadOnlyList<PublishedKey>> FetchAsync(Uri uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var response = await httpClients.CreateClient(HttpClientName).GetAsync(uri, deadline.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"answered {(int)response.StatusCode}");
        }

        var json = await response.Content.ReadAsStringAsync(deadline.Token);
        if (json.Length > 1024 * 1024)
        {
            throw new InvalidOperationException("the JWKS is larger than 1 MiB");
        }

        // Key by key, so each signing key keeps the alg it was published for; keys for encryption (use "enc") are left out.
        List<PublishedKey> keys = [];
        foreach (var published in new JsonWebKeySet(json).Keys)
        {
            var one = new JsonWebKeySet();
            one.Keys.Add(published);
            keys.AddRange(one.GetSigningKeys().Select(k => new PublishedKey(k, string.IsNullOrEmpty(published.Alg) ? null : published.Alg)));
        }

        return keys;
    }

    public void Dispose()
    {
        foreach (var gate in gates.Values)
        {
            gate.Dispose();
        }
    }
}
