using System.Text.RegularExpressions;
using ZtStream.Ingest.Sources.Falco;
using ZtStream.TestSupport.Metamorphic;
using static ZtStream.TestSupport.Metamorphic.JsonMetamorphs;
using static ZtStream.Verifier.Tests.Authentication.IdpMetamorphs;

namespace ZtStream.Verifier.Tests.Runtime;

/// <summary>
/// Falco's alerts give the same verdict whichever way Falco's output reaches Ingest: its stdout JSON lines in one body,
/// <c>http_output</c> posting each alert alone, or falcosidekick's webhook (each alone, with the <c>uuid</c> it adds,
/// custom fields in <c>output_fields</c> and the time as Go writes it again, trailing zeros of the fraction dropped);
/// members in any order. Every alert of the Falco fixtures, mapped and scored by the Verifier with the default policy
/// and the built-in rules; each run draws from a seed named in its failure.
/// </summary>
public sealed class FalcoMetamorphicTests
{

    private static readonly string[] Files =
        ["event-generator-0.37.jsonl", "stock-network-rules.jsonl", "documented-shapes.jsonl", "older-falco.jsonl", "plugin-sources.jsonl", "sidekick-shapes.jsonl"];

    /// <summary>Every alert of the fixtures, one JSON object each, in file order.</summary>
    private static List<JsonObject> Alerts() =>
    [
        .. Files.SelectMany(f => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "falco", f)))
            .Where(l => l.TrimStart().StartsWith('{'))
            .Select(l => JsonNode.Parse(l)!.AsObject()),
    ];

    /// <summary>What the Verifier says of the bodies: each item refused (by its reason's field), each event's score and alert.</summary>
    private static List<string> Verdict(IEnumerable<string> bodies)
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, DefaultPolicy.Load(), rules: new RuleSetHolder(new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules)));
        var verdict = new List<string>();
        var refused = new List<string>();
        foreach (var body in bodies)
        {
            var result = FalcoMapper.Map(Encoding.UTF8.GetBytes(body));
            refused.AddRange(result.Errors.Select(e => "refused " + e.Field));
            foreach (var e in result.Events)
            {
                var r = engine.Score(e);
                verdict.Add($"{e.PrincipalKey} {e.Time:O} {r.Score} {r.Alert?.Severity} {string.Join(",", r.Alert?.Reasons.Select(x => $"{x.Detector}/{x.Rule}={x.Score}") ?? [])}");
            }
        }

        return [.. verdict, .. refused.Order(StringComparer.Ordinal)];
    }

    /// <summary>Falco's <c>time</c> as falcosidekick writes it again (Go's RFC 3339 with nanoseconds: trailing zeros dropped).</summary>
    private static JsonObject Sidekick(JsonObject alert, int n)
    {
        var copy = alert.DeepClone().AsObject();
        copy["uuid"] ??= $"5d1ec1c0-0000-4000-8000-{n:D12}";
        if (copy["time"] is JsonValue t && t.GetValueKind() == JsonValueKind.String)
        {
            copy["time"] = Regex.Replace(t.GetValue<string>(), @"\.(\d*?)0+Z$", m => m.Groups[1].Length == 0 ? "Z" : "." + m.Groups[1].Value + "Z", RegexOptions.None, TimeSpan.FromSeconds(1));
        }

        if (copy["output_fields"] is JsonObject fields)
        {
            fields["environment"] = "production";
        }

        return copy;
    }

    [Fact]
    public void StdoutHttpOutputAndFalcosidekick_InAnyMemberOrder_SameVerdict()
    {
        var alerts = Alerts();
        var expected = Verdict([string.Join('\n', alerts.Select(a => a.ToJsonString()))]);
        Assert.Contains(expected, v => v.Contains('=', StringComparison.Ordinal));
        for (var run = 0; run < Runs; run++)
        {
            var seed = Seed + run;
            var random = new Random(seed);
            Assert.Equal(expected, Verdict(alerts.Select(a => Reorder(a, random).ToJsonString())));
            var sidekick = Verdict(alerts.Select((a, i) => Reorder(Sidekick(a, i), random).ToJsonString()));
            if (!expected.SequenceEqual(sidekick))
            {
                Assert.Fail($"falcosidekick, seed {seed}:\nexpected\n  {string.Join("\n  ", expected)}\nactual\n  {string.Join("\n  ", sidekick)}");
            }
        }
    }
}
