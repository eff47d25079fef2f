using Microsoft.IdentityModel.Tokens;
using ZtStream.Responder.Drivers;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>The key SETs are signed with, and its public half as a JWK for the JWKS.</summary>
internal sealed record SsfSigningKey(string KeyId, string Algorithm, AsymmetricSecurityKey SecurityKey, AsymmetricAlgorithm Owner, JsonObject PublicJwk) : IDisposable
{
    public SigningCredentials Credentials => new(SecurityKey, Algorithm);

    public void Dispose() => Owner.Dispose();
}

/// <summary>
/// Supplies the signing key: the configured PEM file, else the newest one kept in the store, else a new one generated
/// and stored on first use (so receivers' cached JWKS stay valid across restarts and replicas). With
/// <see cref="SharedSignalsOptions.KeyRotationInterval"/> a key that old is replaced by a new one; the replaced key
/// stays in the JWKS for <see cref="SharedSignalsOptions.KeyOverlap"/>, so SETs signed just before the change still
/// validate at receivers that fetched the JWKS before it.
/// </summary>
internal sealed class SsfSigningKeys(IStore store, SharedSignalsOptions options, TimeProvider time, ILogger<SsfSigningKeys> logger) : IDisposable
{
    // Other replicas' rotations are noticed within this.
    private static readonly TimeSpan RereadInterval = TimeSpan.FromMinutes(1);

    private const string SelectKeys = """
        SELECT kid AS KeyId, private_key_pem AS Pem, created_at AS CreatedAt
        FROM responder_ssf_keys
        WHERE algorithm = @Algorithm
        ORDER BY created_at DESC, kid DESC
        LIMIT 20
        """;

    private const string InsertKey = """
        INSERT INTO responder_ssf_keys (kid, algorithm, private_key_pem, created_at)
        VALUES (@KeyId, @Algorithm, @Pem, @CreatedAt)
        ON CONFLICT (kid) DO NOTHING
        """;

    private readonly SemaphoreSlim gate = new(1, 1);
    private KeyRing? ring;

    /// <summary>The key new SETs are signed with.</summary>
    public async ValueTask<SsfSigningKey> GetAsync(CancellationToken cancellationToken) => (await RingAsync(cancellationToken)).Current;

    /// <summary>The public keys receivers may need: the current one and those replaced less than the overlap ago.</summary>
    public async ValueTask<IReadOnlyList<JsonObject>> PublishedAsync(CancellationToken cancellationToken) => (await RingAsync(cancellationToken)).Published;

    /// <summary>Replaces the current key with a new one now (the old one stays published for the overlap).</summary>
    public async Task<SsfSigningKey> RotateAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.SigningKeyPath))
        {
            throw new InvalidOperationException("the signing key comes from SigningKeyPath; replace that file to rotate it");
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await StoreNewKeyAsync(cancellationToken);
            ring = await LoadAsync(cancellationToken);
            return ring.Current;
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask<KeyRing> RingAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (ring is { } current && current.FreshUntil > now)
        {
            return current;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (ring is { } again && again.FreshUntil > time.GetUtcNow())
            {
                return again;
            }

            ring = await LoadAsync(cancellationToken);
            return ring;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<KeyRing> LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!string.IsNullOrEmpty(options.SigningKeyPath))
        {
            var configured = FromPem(UserFiles.ReadText(options.SigningKeyPath, UserFiles.MaxPemFileBytes), options.SigningAlgorithm, options.KeyId);
            return new KeyRing(configured, [configured.PublicJwk], [configured], DateTimeOffset.MaxValue);
        }

        var stored = await StoredAsync(cancellationToken);
        if (stored.Count == 0 || (options.KeyRotationInterval is { } interval && stored[0].CreatedAt + interval <= now))
        {
            await StoreNewKeyAsync(cancellationToken);
            stored = await StoredAsync(cancellationToken);
        }

        // Newest first: it signs. An older key stays published until the key that replaced it is older than the overlap.
        var keys = new List<SsfSigningKey>();
        var published = new List<JsonObject>();
        for (var i = 0; i < stored.Count; i++)
        {
            if (i > 0 && stored[i - 1].CreatedAt + options.KeyOverlap <= now)
            {
                break;
            }

            var key = FromPem(stored[i].Pem, options.SigningAlgorithm, stored[i].KeyId);
            keys.Add(key);
            published.Add(key.PublicJwk);
        }

        var freshUntil = now + RereadInterval;
        if (options.KeyRotationInterval is { } rotation && stored[0].CreatedAt + rotation < freshUntil)
        {
            freshUntil = stored[0].CreatedAt + rotation;
        }

        return new KeyRing(keys[0], published, keys, freshUntil);
    }

    private async Task<List<StoredKey>> StoredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<StoredKey>(new CommandDefinition(SelectKeys, new { Algorithm = options.SigningAlgorithm }, cancellationToken: cancellationToken))];
    }

    private async Task StoreNewKeyAsync(CancellationToken cancellationToken)
    {
        var generated = Generate(options.SigningAlgorithm);
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            InsertKey,
            new { generated.KeyId, Algorithm = options.SigningAlgorithm, generated.Pem, CreatedAt = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        DriverLog.SigningKeyGenerated(logger, options.SigningAlgorithm, generated.KeyId);
    }

    private static (string KeyId, string Pem) Generate(string algorithm)
    {
        using AsymmetricAlgorithm created = algorithm == SharedSignalsOptions.Es256
            ? ECDsa.Create(ECCurve.NamedCurves.nistP256)
            : RSA.Create(2048);
        var pem = created.ExportPkcs8PrivateKeyPem();
        using var key = FromPem(pem, algorithm, keyId: null);
        return (key.KeyId, pem);
    }

    /// <summary>Reads a PEM private key of the algorithm's type; the kid defaults to the RFC 7638 thumbprint.</summary>
    internal static SsfSigningKey FromPem(string pem, string algorithm, string? keyId)
    {
        if (algorithm == SharedSignalsOptions.Es256)
        {
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
                var parameters = ec.ExportParameters(includePrivateParameters: false);
                if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                {
                    throw new ArgumentException("ES256 needs a P-256 key");
                }

                var x = Base64UrlEncoder.Encode(parameters.Q.X);
                var y = Base64UrlEncoder.Encode(parameters.Q.Y);
                var kid = keyId ?? Thumbprint($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}""");
                var jwk = new JsonObject { ["kty"] = "EC", ["use"] = "sig", ["alg"] = algorithm, ["kid"] = kid, ["crv"] = "P-256", ["x"] = x, ["y"] = y };
                return new SsfSigningKey(kid, SecurityAlgorithms.EcdsaSha256, new ECDsaSecurityKey(ec) { KeyId = kid }, ec, jwk);
            }
            catch
            {
                ec.Dispose();
                throw;
            }
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < 2048)
            {
                throw new ArgumentException($"RS256 needs an RSA key of at least 2048 bits (this one has {rsa.KeySize})");
            }

            var parameters = rsa.ExportParameters(includePrivateParameters: false);
            var n = Base64UrlEncoder.Encode(parameters.Modulus);
            var e = Base64UrlEncoder.Encode(parameters.Exponent);
            var kid = keyId ?? Thumbprint($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}""");
            var jwk = new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = algorithm, ["kid"] = kid, ["n"] = n, ["e"] = e };
            return new SsfSigningKey(kid, SecurityAlgorithms.RsaSha256, new RsaSecurityKey(rsa) { KeyId = kid }, rsa, jwk);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.</summary>
    private static string Thumbprint(string canonicalJwk) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJwk)));

    public void Dispose()
    {
        foreach (var key in ring?.Keys ?? [])
        {
            key.Dispose();
        }

        gate.Dispose();
    }

    private sealed class StoredKey
    {
        public string KeyId { get; set; } = "";

        public string Pem { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }
    }

    /// <summary>The keys in use: the current one signs, all are published; re-read from the store after <see cref="FreshUntil"/>.</summary>
    /// <remarks>A replaced ring is left to the garbage collector rather than disposed, so a SET being signed with it concurrently never holds a disposed key.</remarks>
    private sealed record KeyRing(SsfSigningKey Current, IReadOnlyList<JsonObject> Published, IReadOnlyList<SsfSigningKey> Keys, DateTimeOffset FreshUntil);
}
