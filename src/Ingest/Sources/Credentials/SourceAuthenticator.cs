namespace ZtStream.Ingest.Sources.Credentials;

/// <summary>
/// Turns an <c>Authorization: Bearer</c> value into the source it belongs to, with its scope. Verified keys are
/// remembered for <see cref="IngestOptions.CredentialCacheTime"/> so the store is not asked on every request (a
/// revocation or a scope change takes effect within that time); unknown keys are not remembered, so random guesses
/// cannot fill memory.
/// </summary>
internal sealed class SourceAuthenticator(SourceCredentialStore credentials, IOptions<IngestOptions> options, TimeProvider time)
{
    private readonly Remembered<AuthenticatedSource> verified = new(time);
    private readonly Remembered<SourceScope> scopes = new(time);
    private readonly Remembered<AuthenticatedSource> active = new(time);

    /// <summary>
    /// The scope of a source already authenticated by name (a SET pushed with its key): from what its authentication
    /// remembered, else from the store, remembered as long as a verified key.
    /// </summary>
    public async ValueTask<SourceScope> ScopeOfAsync(string name, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (scopes.TryGet(name, now, out var hit))
        {
            return hit;
        }

        var scope = await credentials.FindScopeAsync(name, cancellationToken);
        scopes.Set(name, scope, now, options.Value.CredentialCacheTime);
        return scope;
    }

    /// <summary>
    /// The active source <paramref name="name"/> with its scope, or null (unknown or revoked): for a source authenticated
    /// by other means than its key (a Pub/Sub push token), remembered as long as a verified key.
    /// </summary>
    public ValueTask<AuthenticatedSource?> FindActiveByNameAsync(string name, CancellationToken cancellationToken) =>
        RememberedOrFoundAsync(active, name, static (store, name, ct) => store.FindActiveByNameAsync(name, ct), cancellationToken);

    /// <summary>The source name, or null for a missing, malformed, unknown or revoked key.</summary>
    public async ValueTask<string?> AuthenticateAsync(string? authorization, CancellationToken cancellationToken) =>
        (await AuthenticateSourceAsync(authorization, cancellationToken))?.Name;

    /// <summary>The source and its scope, or null for a missing, malformed, unknown or revoked key.</summary>
    public async ValueTask<AuthenticatedSource?> AuthenticateSourceAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (!TryReadBearer(authorization, out var key))
        {
            return null;
        }

        return await RememberedOrFoundAsync(
            verified, SourceKeys.Hash(key), static (store, hash, ct) => store.FindActiveSourceAsync(hash, ct), cancellationToken);
    }

    /// <summary>
    /// The source remembered under <paramref name="key"/>, else the one <paramref name="find"/> reads from the store:
    /// remembered with its scope (so <see cref="ScopeOfAsync"/> need not ask again), or forgotten when the store no
    /// longer has it. <paramref name="find"/> is static and takes the key, so a cache hit allocates nothing.
    /// </summary>
    private async ValueTask<AuthenticatedSource?> RememberedOrFoundAsync(
        Remembered<AuthenticatedSource> cache,
        string key,
        Func<SourceCredentialStore, string, CancellationToken, Task<AuthenticatedSource?>> find,
        CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (cache.TryGet(key, now, out var hit))
        {
            return hit;
        }

        var source = await find(credentials, key, cancellationToken);
        if (source is null)
        {
            cache.Remove(key);
            return null;
        }

        cache.Set(key, source, now, options.Value.CredentialCacheTime);
        scopes.Set(source.Name, source.Scope, now, options.Value.CredentialCacheTime);
        return source;
    }

    /// <summary>Forgets cached keys (after a revocation made in this process).</summary>
    public void Forget()
    {
        verified.Clear();
        active.Clear();
    }

    /// <summary>
    /// The key from <c>Bearer KEY</c>, or from <c>Basic base64(name:KEY)</c> — what clients that can only put
    /// credentials in the URL send (Falco's http_output: <c>https://falco:KEY@ingest/v1/sources/falco</c>).
    /// </summary>
    internal static bool TryReadBearer(string? authorization, out string key)
    {
        key = string.Empty;
        if (authorization is null || authorization.Length > 2 * SourceKeys.MaxKeyLength + 16)
        {
            return false;
        }

        ReadOnlySpan<char> value;
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            value = authorization.AsSpan(7).Trim();
        }
        else if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            Span<byte> decoded = stackalloc byte[authorization.Length];
            if (!Convert.TryFromBase64Chars(authorization.AsSpan(6).Trim(), decoded, out var length))
            {
                return false;
            }

            var pair = System.Text.Encoding.UTF8.GetString(decoded[..length]);
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            value = colon < 0 ? [] : pair.AsSpan(colon + 1);
        }
        else
        {
            return false;
        }

        if (value.IsEmpty || value.Length > SourceKeys.MaxKeyLength)
        {
            return false;
        }

        key = value.ToString();
        return true;
    }

    /// <summary>
    /// Answers found in the store, each kept until its time to live from when it was found ends (none kept for a zero
    /// one), measured on the monotonic clock: a step back of the wall clock must not keep a revoked key for the step.
    /// </summary>
    private sealed class Remembered<T>(TimeProvider time)
    {
        private readonly ConcurrentDictionary<string, (T Value, long FoundAt, TimeSpan Ttl)> entries = new(StringComparer.Ordinal);

        public bool TryGet(string key, long now, out T value)
        {
            if (entries.TryGetValue(key, out var hit) && time.GetElapsedTime(hit.FoundAt, now) < hit.Ttl)
            {
                value = hit.Value;
                return true;
            }

            value = default!;
            return false;
        }

        /// <param name="foundAt">A monotonic timestamp taken before the store was asked, so a revocation made during the read is not kept longer.</param>
        public void Set(string key, T value, long foundAt, TimeSpan ttl)
        {
            if (ttl > TimeSpan.Zero)
            {
                entries[key] = (value, foundAt, ttl);
            }
        }

        public void Remove(string key) => entries.TryRemove(key, out _);

        public void Clear() => entries.Clear();
    }
}
