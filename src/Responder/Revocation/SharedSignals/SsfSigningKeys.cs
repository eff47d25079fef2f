using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using ZtStream.Platform.Store;
using ZtStream.Responder.Drivers;

namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>The key SETs are signed with, and its public half as a JWK for the JWKS.</summary>
internal sealed record SsfSigningKey(string KeyId, string Algorithm, AsymmetricSecurityKey SecurityKey, AsymmetricAlgorithm Owner, JsonObject PublicJwk) : IDisposable
{
    public SigningCredentials Credentials => new(SecurityKey, Algorithm);

    public void Dispose() => Owner.Dispose();
}

/// <summary>
/// Supplies the signing key: the configured PEM file, else the one kept in the store, else a new one generated
/// and stored on first use (so receivers' cached JWKS stay valid across restarts and replicas).
/// </summary>
internal sealed class SsfSigningKeys(IStore store, SharedSignalsOptions options, TimeProvider time, ILogger<SsfSigningKeys> logger) : IDisposable
{
    private const string SelectKey = """
        SELECT kid AS KeyId, private_key_pem AS Pem
        FROM responder_ssf_keys
        WHERE algorithm = @Algorithm
        ORDER BY created_at, kid
        LIMIT 1
        """;

    private const string InsertKey = """
        INSERT INTO responder_ssf_keys (kid, algorithm, private_key_pem, created_at)
        VALUES (@KeyId, @Algorithm, @Pem, @CreatedAt)
        ON CONFLICT (kid) DO NOTHING
        """;

    private readonly SemaphoreSlim gate = new(1, 1);
    private SsfSigningKey? key;

    public async ValueTask<SsfSigningKey> GetAsync(CancellationToken cancellationToken)
    {
        if (key is not null)
        {
            return key;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            return key ??= await LoadAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<SsfSigningKey> LoadAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.SigningKeyPath))
        {
            return FromPem(await File.ReadAllTextAsync(options.SigningKeyPath, cancellationToken), options.SigningAlgorithm, options.KeyId);
        }

        await using var connection = await store.OpenAsync(cancellationToken);
        var stored = await connection.QueryFirstOrDefaultAsync<StoredKey>(new CommandDefinition(SelectKey, new { Algorithm = options.SigningAlgorithm }, cancellationToken: cancellationToken));
        if (stored is null)
        {
            var generated = Generate(options.SigningAlgorithm);
            await connection.ExecuteAsync(new CommandDefinition(
                InsertKey,
                new { generated.KeyId, Algorithm = options.SigningAlgorithm, generated.Pem, CreatedAt = time.GetUtcNow() },
                cancellationToken: cancellationToken));
            // Read back rather than use ours: a replica starting at the same moment may have stored its key first.
            stored = await connection.QueryFirstAsync<StoredKey>(new CommandDefinition(SelectKey, new { Algorithm = options.SigningAlgorithm }, cancellationToken: cancellationToken));
            if (stored.KeyId == generated.KeyId)
            {
                DriverLog.SigningKeyGenerated(logger, options.SigningAlgorithm, stored.KeyId);
            }
        }

        return FromPem(stored.Pem, options.SigningAlgorithm, stored.KeyId);
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
        key?.Dispose();
        gate.Dispose();
    }

    private sealed record StoredKey(string KeyId, string Pem);
}
