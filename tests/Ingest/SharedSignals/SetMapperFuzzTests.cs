using ZtStream.Ingest.SharedSignals;
using ZtStream.TestSupport.Fuzzing;

namespace ZtStream.Ingest.Tests.SharedSignals;

/// <summary>
/// The SET examples of the SSF, CAEP and RISC specifications in other valid shapes (a signed SET from another
/// transmitter need not look like the examples): whatever passes the validator's checks of the claims maps to events
/// without an exception.
/// </summary>
public sealed class SetMapperFuzzTests
{
    [Fact(Timeout = 300_000)]
    public async Task Map_SpecificationExamplesInOtherShapes_NeverThrow()
    {
        var vectors = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "SharedSignals", "TestData", "set-vectors.json")))!["vectors"]!
            .AsArray().Select(v => v!["set"]!).ToArray();
        var cancellation = TestContext.Current.CancellationToken;

        var mapped = await Task.Run(
            () =>
            {
                var random = new Random(20261130);
                var mapped = 0;
                for (var i = 0; i < 5000 && !cancellation.IsCancellationRequested; i++)
                {
                    var claims = JsonReshaper.Reshape(vectors[random.Next(vectors.Length)], random);
                    using var document = JsonDocument.Parse(claims.ToJsonString());
                    // What SetValidator guarantees before mapping: an object whose events claim is a non-empty object of objects.
                    if (document.RootElement.ValueKind != JsonValueKind.Object
                        || !document.RootElement.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Object
                        || !events.EnumerateObject().Any() || events.EnumerateObject().Any(e => e.Value.ValueKind != JsonValueKind.Object))
                    {
                        continue;
                    }

                    var set = new ValidatedSet("fuzz", "https://idp.example.com/", $"jti-{i}", DateTimeOffset.UnixEpoch.AddYears(56), document.RootElement.Clone());
                    mapped += SetMapper.Map(set, SourceMapOptions.Default, out _).Count;
                }

                return mapped;
            },
            cancellation).WaitAsync(cancellation);

        Assert.True(mapped > 1000, $"only {mapped} events mapped");
    }
}
