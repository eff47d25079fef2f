using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Revocations;
using ZtStream.Contracts.Serialization;
using ZtStream.Responder.Revocation;
using ZtStream.Responder.Revocation.Signing;
using ZtStream.Sdk;
using ZtStream.Sdk.Revocations;

namespace ZtStream.Benchmarks.Responder;

/// <summary>
/// What signing costs the revocation feed: one entry rendered plain (as the unsigned feed sends it), signed by the
/// Responder (once per entry for every stream, and once per keep-alive per stream), and verified by the SDK (once per
/// message per application). One operation = one message.
/// </summary>
[MemoryDiagnoser]
public class SignedFeedBenchmarks : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "zt-bench-feed-" + Guid.NewGuid().ToString("N"));
    private readonly ZtStreamRevocationOptions sdk = new();
    private FeedSigningKeys keys = null!;
    private FeedSigner signer = null!;
    private FeedSignatures signatures = null!;
    private FeedItem item = null!;
    private string signed = "";
    private DateTimeOffset now;

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(folder);
        var pem = Path.Combine(folder, "feed.pem");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(pem, key.ExportPkcs8PrivateKeyPem());
        }

        var options = Options.Create(new RevocationFeedOptions { SigningKeyPaths = [pem] });
        keys = new FeedSigningKeys(null!, options, TimeProvider.System, NullLogger<FeedSigningKeys>.Instance);
        signer = new FeedSigner(keys, options, TimeProvider.System);
        signer.ReadyAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        signatures = FeedSignatures.Parse(signer.JwksAsync(CancellationToken.None).GetAwaiter().GetResult());
        now = DateTimeOffset.UtcNow;
        item = new FeedItem(
            42,
            new Revocation
            {
                Version = 42, Jti = "5f0c6f3e-9a1b-4c2d-8e7f-0a1b2c3d4e5f", RevokedAt = now, ExpiresAt = now.AddHours(1),
                Reason = "impossible travel: sign-in from two countries 40 minutes apart", ActionId = Guid.NewGuid().ToString(),
            },
            null);
        signed = signer.Sign(RevocationFeed.EventName, item.Version, JsonSerializer.SerializeToNode(item.Entry!, ContractsJsonContext.Default.Revocation));
    }

    [Benchmark(Baseline = true)]
    public string Plain() => JsonSerializer.Serialize(item.Entry!, ContractsJsonContext.Default.Revocation);

    [Benchmark]
    public string Sign() => signer.Event(item);

    [Benchmark]
    public long Verify() => signatures.Verify(signed, RevocationFeed.EventName, sdk, now).Version;

    public void Dispose()
    {
        signatures?.Dispose();
        keys?.Dispose();
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}
