using System.Text;
using BenchmarkDotNet.Attributes;
using ZtStream.Verifier.Scoring;

namespace ZtStream.Benchmarks.Scoring;

/// <summary>
/// The slot hash of <see cref="EventReader"/>'s string cache over the values it caches (kinds, principals, resources,
/// agents, addresses, 9–80 bytes): eight bytes a step (<see cref="EightBytes"/>, what the reader does) against the FNV-1a
/// byte-at-a-time loop it replaced (<see cref="ByteAtATime"/>). One operation = every value once.
/// </summary>
[MemoryDiagnoser]
public class InternHashBenchmarks
{
    private static readonly byte[][] Values =
    [
        .. new[]
        {
            "access.data", "access.request", "auth.login", "k8s.exec", "success", "denied", "GET", "user", "secret", "pii",
            "user-00042", "user-00917@example.com", "system:serviceaccount:shop:cart", "svc-billing-exporter",
            "10.12.0.17", "2001:db8::7334", "shop/cart-5c8d-x2x8q", "cart-5c8d-x2x8q", "registry.local/shop/web:2.1",
            "table/customers", "bucket/finance-reports/2026/q4.parquet", "t-0d1f8a2c-4b7e-4d55-9a61-3f0c2e9b7d14",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    [Benchmark(Baseline = true)]
    public ulong ByteAtATime()
    {
        ulong total = 0;
        foreach (var value in Values)
        {
            var h = 2166136261u;
            foreach (var b in value)
            {
                h = (h ^ b) * 16777619u;
            }

            total += h;
        }

        return total;
    }

    [Benchmark]
    public ulong EightBytes()
    {
        ulong total = 0;
        foreach (var value in Values)
        {
            total += EventReader.InternHash(value);
        }

        return total;
    }
}
