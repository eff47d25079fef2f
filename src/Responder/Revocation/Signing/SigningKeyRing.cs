namespace ZtStream.Responder.Revocation.Signing;

/// <summary>A key the Responder signs with (SETs, the revocation feed), and its public half as a JWK for the JWKS.</summary>
internal sealed record SigningKey(string KeyId, string Algorithm, AsymmetricSecurityKey SecurityKey, AsymmetricAlgorithm Owner, JsonObject PublicJwk) : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new();

    public SigningCredentials Credentials => new(SecurityKey, Algorithm);

    /// <summary>
    /// The one signer: a JWS in compact serialisation (RFC 7515) of <paramref name="claims"/>, explicitly typed
    /// (<paramref name="type"/> in <c>typ</c>, RFC 8725 §3.11) and naming this key in <c>kid</c>.
    /// </summary>
    public string Sign(string claims, string type) =>
        Handler.CreateToken(claims, Credentials, new Dictionary<string, object> { ["typ"] = type });

    public void Dispose() => Owner.Dispose();
}

/// <summary>
/// Where a <see cref="SigningKeyRing"/> takes its keys: the configured PEM files (the first signs, every one is
/// published), else the keys kept in <paramref name="Table"/>, generated and stored on first use.
/// </summary>
/// <param name="Purpose">What the keys sign, for the log line of a generated key.</param>
/// <param name="Table">The store table of generated keys (<c>kid</c>, <c>algorithm</c>, <c>private_key_pem</c>, <c>created_at</c>).</param>
/// <param name="KeyId">The <c>kid</c> of a single configured PEM key; defaults to its RFC 7638 thumbprint.</param>
/// <param name="RotationInterval">A stored key older than this is replaced; null: never.</param>
/// <param name="Overlap">How long a replaced stored key is still published.</param>
internal sealed record SigningKeySettings(
    string Purpose, string Table, string Algorithm, IReadOnlyList<string> KeyPaths, string? KeyId, TimeSpan? RotationInterval, TimeSpan Overlap);

/// <summary>
/// Supplies the signing key: the configured PEM file(s), else the newest one kept in the store, else a new one generated
/// and stored on first use (so verifiers' cached JWKS stay valid across restarts and replicas). With
/// <see cref="SigningKeySettings.RotationInterval"/> a key that old is replaced by a new one; the replaced key
/// stays in the JWKS for <see cref="SigningKeySettings.Overlap"/>, so what was signed just before the change still
/// validates at verifiers that fetched the JWKS before it. Each use (Shared Signals, the revocation feed) is a subclass
/// only so that both can be resolved from one container.
/// </summary>
internal abstract class SigningKeyRing(IStore store, SigningKeySettings options, TimeProvider time, ILogger logger) : IDisposable
{
    public const string Rs256 = "RS256";
    public const string Es256 = "ES256";

    // Other replicas' rotations are noticed within this.
    private static readonly TimeSpan RereadInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The table of generated keys the queries below read and write, as the migration of a component that keeps one
    /// creates it (portable SQL, <see cref="Migration.Portable(string, int, string, string)"/>).
    /// </summary>
    public static string CreateTable(string table) => $$"""
        CREATE TABLE {{table}} (
            kid             TEXT   NOT NULL PRIMARY KEY,
            algorithm       TEXT   NOT NULL,
            private_key_pem TEXT   NOT NULL,
            created_at      {time} NOT NULL
        );
        """;

    // The table name is a constant of the subclass, never input.
    private readonly string SelectKeys = $"""
        SELECT kid AS KeyId, private_key_pem AS Pem, created_at AS CreatedAt
        FROM {options.Table}
        WHERE algorithm = @Algorithm
        ORDER BY created_at DESC, kid DESC
        LIMIT 20
        """;

    private readonly string InsertKey = $"""
        INSERT INTO {options.Table} (kid, algorithm, private_key_pem, created_at)
        VALUES (@KeyId, @Algorithm, @Pem, @CreatedAt)
        ON CONFLICT (kid) DO NOTHING
        """;

    private readonly SemaphoreSlim gate = new(1, 1);
    private KeyRing? ring;

    /// <summary>The key new SETs are signed with.</summary>
    public async ValueTask<SigningKey> GetAsync(CancellationToken cancellationToken) => (await RingAsync(cancellationToken)).Current;

    /// <summary>The public keys receivers may need: the current one and those replaced less than the overlap ago.</summary>
    public async ValueTask<IReadOnlyList<JsonObject>> PublishedAsync(CancellationToken cancellationToken) => (await RingAsync(cancellationToken)).Published;

    /// <summary>Replaces the current key with a new one now (the old one stays published for the overlap).</summary>
    public async Task<SigningKey> RotateAsync(CancellationToken cancellationToken)
    {
        if (options.KeyPaths.Count > 0)
        {
            throw new InvalidOperationException("the signing key comes from a configured file; replace that file to rotate it");
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
        if (ring is { } current && Fresh(current))
        {
            return current;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (ring is { } again && Fresh(again))
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
        if (options.KeyPaths.Count > 0)
        {
            var configured = options.KeyPaths
                .Select(path => FromPem(UserFiles.ReadText(path, UserFiles.MaxPemFileBytes), options.Algorithm, options.KeyPaths.Count == 1 ? options.KeyId : null))
                .ToList();
            return new KeyRing(configured[0], [.. configured.Select(k => k.PublicJwk)], configured, time.GetTimestamp(), TimeSpan.MaxValue, DateTimeOffset.MaxValue);
        }

        var stored = await StoredAsync(cancellationToken);
        if (stored.Count == 0 || (options.RotationInterval is { } interval && stored[0].CreatedAt + interval <= now))
        {
            await StoreNewKeyAsync(cancellationToken);
            stored = await StoredAsync(cancellationToken);
        }

        // Newest first: it signs. An older key stays published until the key that replaced it is older than the overlap.
        var keys = new List<SigningKey>();
        var published = new List<JsonObject>();
        for (var i = 0; i < stored.Count; i++)
        {
            if (i > 0 && stored[i - 1].CreatedAt + options.Overlap <= now)
            {
                break;
            }

            var key = FromPem(stored[i].Pem, options.Algorithm, stored[i].KeyId);
            keys.Add(key);
            published.Add(key.PublicJwk);
        }

        var rotateAt = options.RotationInterval is { } rotation ? stored[0].CreatedAt + rotation : DateTimeOffset.MaxValue;
        return new KeyRing(keys[0], published, keys, time.GetTimestamp(), RereadInterval, rotateAt);
    }

    private async Task<List<StoredKey>> StoredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<StoredKey>(new CommandDefinition(SelectKeys, new { Algorithm = options.Algorithm }, cancellationToken: cancellationToken))];
    }

    private async Task StoreNewKeyAsync(CancellationToken cancellationToken)
    {
        var generated = Generate(options.Algorithm);
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            InsertKey,
            new { generated.KeyId, Algorithm = options.Algorithm, generated.Pem, CreatedAt = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        DriverLog.SigningKeyGenerated(logger, options.Algorithm, generated.KeyId, options.Purpose, options.Table);
    }

    private static (string KeyId, string Pem) Generate(string algorithm)
    {
        using AsymmetricAlgorithm created = algorithm == Es256
            ? ECDsa.Create(ECCurve.NamedCurves.nistP256)
            : RSA.Create(2048);
        var pem = created.ExportPkcs8PrivateKeyPem();
        using var key = FromPem(pem, algorithm, keyId: null);
        return (key.KeyId, pem);
    }

    /// <summary>A JWKS document (RFC 7517 §5) of <paramref name="published"/>.</summary>
    public static string Jwks(IReadOnlyList<JsonObject> published) =>
        new JsonObject { ["keys"] = new JsonArray([.. published.Select(k => k.DeepClone())]) }.ToJsonString();

    /// <summary>What is wrong with the PEM key file at <paramref name="path"/> (named <paramref name="setting"/>), or null when it holds a usable key.</summary>
    public static string? KeyProblem(string path, string setting, string algorithm, string? keyId = null)
    {
        if (UserFiles.ReadProblem(path, setting, UserFiles.MaxPemFileBytes) is { } problem)
        {
            return problem;
        }

        try
        {
            FromPem(UserFiles.ReadText(path, UserFiles.MaxPemFileBytes), algorithm, keyId).Dispose();
            return null;
        }
        catch (IOException exception)
        {
            return $"{setting} {exception.Message}";
        }
        catch (Exception exception) when (exception is ArgumentException or CryptographicException)
        {
            return $"{setting} '{path}' holds no usable {algorithm} private key: {exception.Message}";
        }
    }

    /// <summary>Reads a PEM private key of the algorithm's type; the kid defaults to the RFC 7638 thumbprint.</summary>
    internal static SigningKey FromPem(string pem, string algorithm, string? keyId)
    {
        if (algorithm == Es256)
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
                return new SigningKey(kid, SecurityAlgorithms.EcdsaSha256, new ECDsaSecurityKey(ec) { KeyId = kid }, ec, jwk);
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
            return new SigningKey(kid, SecurityAlgorithms.RsaSha256, new RsaSecurityKey(rsa) { KeyId = kid }, rsa, jwk);
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
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

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

    /// <summary>
    /// The keys in use: the current one signs, all are published; re-read from the store <paramref name="RereadAfter"/>
    /// after <paramref name="ReadAt"/> (a monotonic timestamp: how often to look is a span of time, which a wall-clock
    /// step must not stretch), or once the wall clock reaches <paramref name="RotateAt"/>, the current key's rotation date.
    /// </summary>
    /// <remarks>A replaced ring is left to the garbage collector rather than disposed, so a SET being signed with it concurrently never holds a disposed key.</remarks>
    private sealed record KeyRing(
        SigningKey Current, IReadOnlyList<JsonObject> Published, IReadOnlyList<SigningKey> Keys, long ReadAt, TimeSpan RereadAfter, DateTimeOffset RotateAt);

    private bool Fresh(KeyRing kept) => time.GetElapsedTime(kept.ReadAt) < kept.RereadAfter && time.GetUtcNow() < kept.RotateAt;
}
