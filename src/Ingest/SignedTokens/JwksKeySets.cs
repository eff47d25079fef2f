using System.Net.Http.Headers;

namespace ZtStream.Ingest.SignedTokens;

/// <summary>
/// A signing key from a JWKS with the <c>alg</c> it is published for (RFC 7517 §4.4), null when the JWKS names none:
/// a key is used with that one algorithm only (RFC 8725 §3.1).
/// </summary>
internal sealed record PublishedKey(SecurityKey Key, string? Algorithm)
{
    public bool Verifies(string algorithm) => Algorithm is null || string.Equals(Algorithm, algorithm, StringComparison.Ordinal);
}

/// <summary>A JWKS could not be fetched and no key of it may be used; ask again after <see cref="RetryAfter"/>.</summary>
internal sealed class JwksUnavailableException(string message, TimeSpan retryAfter, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// How a verifier wants a JWKS kept: <paramref name="CacheTime"/> when the answer has no <c>Cache-Control</c> max-age,
/// which is honoured up to <paramref name="MaxCacheTime"/>; an unknown <c>kid</c> refetches, and a failed fetch is
/// retried, at most once per <paramref name="RefetchInterval"/>; <paramref name="KeepStaleOnFailure"/> keeps the keys
/// already known in use while the JWKS cannot be fetched (else nothing is verified until it can).
/// </summary>
internal sealed record JwksPolicy(TimeSpan CacheTime, TimeSpan MaxCacheTime, TimeSpan RefetchInterval, TimeSpan Timeout, bool KeepStaleOnFailure);

/// <summary>
/// Signing keys fetched from JWKS URLs and cached by URL, for every verifier of signed tokens in Ingest (SETs of Shared
/// Signals transmitters, Google's Pub/Sub push tokens). Fetches of one URL are serialised, and bounded: a key id not in
/// the cache refetches, and a failed fetch is tried again, at most once per <see cref="JwksPolicy.RefetchInterval"/>,
/// so unknown kids or an outage cannot make Ingest hammer the publisher. A fetch follows no redirect off the JWKS URL's
/// host and reads at most 1 MiB (<see cref="PublisherHttp"/>).
/// </summary>
internal sealed class JwksKeySets(IHttpClientFactory httpClients, TimeProvider time, ILogger<JwksKeySets> logger) : IDisposable
{
    public const string HttpClientName = "ztstream-jwks";

    /// <summary>The largest JWKS read (also by <c>ztstream check</c>); a larger one is refused, not read further.</summary>
    public const int MaxJwksBytes = 1024 * 1024;

    private readonly ConcurrentDictionary<Uri, Entry> cache = new();
    private readonly ConcurrentDictionary<Uri, Failure> failures = new();
    private readonly ConcurrentDictionary<Uri, SemaphoreSlim> gates = new();

    // Fetch and failure times are monotonic timestamps: a cache lifetime and the refetch limit are spans of time, so a
    // step of the wall clock neither keeps a JWKS for the length of a step back nor forbids a refetch until it passes.
    private sealed record Entry(IReadOnlyList<PublishedKey> Keys, long FetchedAt, TimeSpan Lifetime);

    private sealed record Failure(long At, Exception Exception);

    /// <summary>
    /// The keys published at <paramref name="uri"/> (of <paramref name="owner"/>, for messages); <paramref name="refresh"/>
    /// asks for a refetch (an unknown kid), rate-limited.
    /// </summary>
    /// <exception cref="JwksUnavailableException">The JWKS could not be fetched and no key of it may be used.</exception>
    public async Task<IReadOnlyList<PublishedKey>> GetAsync(Uri uri, string owner, JwksPolicy policy, bool refresh, CancellationToken cancellationToken)
    {
        if (Fresh(uri, refresh, policy) is { } hit)
        {
            return hit;
        }

        var gate = gates.GetOrAdd(uri, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Another request may have fetched while this one waited.
            if (Fresh(uri, refresh, policy) is { } fetched)
            {
                return fetched;
            }

            var now = time.GetTimestamp();
            if (failures.TryGetValue(uri, out var recent) && time.GetElapsedTime(recent.At, now) < policy.RefetchInterval)
            {
                return StaleOrThrow(uri, owner, policy, recent, now);
            }

            try
            {
                var (keys, lifetime) = await FetchAsync(uri, policy, cancellationToken);
                cache[uri] = new Entry(keys, now, lifetime);
                failures.TryRemove(uri, out _);
                IngestLog.JwksFetched(logger, owner, keys.Count, lifetime);
                return keys;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or ArgumentException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                var failure = new Failure(now, exception);
                failures[uri] = failure;
                return StaleOrThrow(uri, owner, policy, failure, now);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private IReadOnlyList<PublishedKey> StaleOrThrow(Uri uri, string owner, JwksPolicy policy, Failure failure, long now)
    {
        if (policy.KeepStaleOnFailure && cache.TryGetValue(uri, out var stale))
        {
            // Keep the keys we know: a JWKS outage must not stop tokens signed with them.
            IngestLog.JwksFetchFailed(logger, failure.Exception, owner, stale.Keys.Count);
            return stale.Keys;
        }

        IngestLog.JwksUnavailable(logger, failure.Exception, owner, uri.ToString());
        var wait = policy.RefetchInterval - time.GetElapsedTime(failure.At, now);
        throw new JwksUnavailableException(
            $"the JWKS of {owner} ({uri}) could not be fetched: {failure.Exception.Message}", wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait, failure.Exception);
    }

    private IReadOnlyList<PublishedKey>? Fresh(Uri uri, bool refresh, JwksPolicy policy)
    {
        if (!cache.TryGetValue(uri, out var entry))
        {
            return null;
        }

        var age = time.GetElapsedTime(entry.FetchedAt);
        return age < (refresh ? policy.RefetchInterval : entry.Lifetime) ? entry.Keys : null;
    }

    private async Task<(IReadOnlyList<PublishedKey> Keys, TimeSpan Lifetime)> FetchAsync(Uri uri, JwksPolicy policy, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(policy.Timeout);
        using var response = await PublisherHttp.GetAsync(httpClients.CreateClient(HttpClientName), uri, deadline.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"answered {(int)response.StatusCode}");
        }

        var json = Encoding.UTF8.GetString(await PublisherHttp.ReadAtMostAsync(response.Content, MaxJwksBytes, "the JWKS", deadline.Token));

        // Key by key, so each signing key keeps the alg it was published for; keys for encryption (use "enc") are left out.
        List<PublishedKey> keys = [];
        foreach (var published in new JsonWebKeySet(json).Keys)
        {
            var one = new JsonWebKeySet();
            one.Keys.Add(published);
            keys.AddRange(one.GetSigningKeys().Select(k => new PublishedKey(k, string.IsNullOrEmpty(published.Alg) ? null : published.Alg)));
        }

        return (keys, Lifetime(response.Headers.CacheControl, policy));
    }

    /// <summary>
    /// How long the answer may be used: its <c>max-age</c> (Google's keys say several hours) within the policy's bounds,
    /// no longer than the refetch interval when it may not be stored, else the policy's own time.
    /// </summary>
    internal static TimeSpan Lifetime(CacheControlHeaderValue? cacheControl, JwksPolicy policy)
    {
        if (cacheControl is { NoStore: true } or { NoCache: true })
        {
            return policy.RefetchInterval;
        }

        if (cacheControl?.MaxAge is not { } maxAge)
        {
            return policy.CacheTime;
        }

        return maxAge < policy.RefetchInterval ? policy.RefetchInterval : maxAge > policy.MaxCacheTime ? policy.MaxCacheTime : maxAge;
    }

    public void Dispose()
    {
        foreach (var gate in gates.Values)
        {
            gate.Dispose();
        }
    }
}
