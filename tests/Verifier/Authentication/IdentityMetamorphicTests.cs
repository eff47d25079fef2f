using ZtStream.TestSupport.Metamorphic;
using static ZtStream.TestSupport.Metamorphic.JsonMetamorphs;
using static ZtStream.Verifier.Tests.Authentication.IdpMetamorphs;

namespace ZtStream.Verifier.Tests.Authentication;

/// <summary>
/// Detection gives the same answer on the same behaviour written another way: an identity provider's records of several
/// attacks, renamed consistently, carried by another of the vendor's delivery paths, or reshaped as the vendor's other
/// writers shape them, raise the same alerts — same principals (named back through the renaming), severities, scores,
/// detectors and rules — from the identity detector, the built-in library, SigmaHQ's and Falco's plugin rules.
/// Each case is drawn from a seed named in its failure (<c>ZTSTREAM_TEST_METAMORPH_SEED</c> picks another run).
/// </summary>
public sealed class IdentityMetamorphicTests
{

    public static TheoryData<string> Formats => new("okta", "entra", "auth0");

    /// <summary>The provider's records as one request of its most common path (Okta's API page, Entra's export, Auth0's stream).</summary>
    private static string Body(string format, IEnumerable<JsonNode> records) => format switch
    {
        "entra" => new JsonObject { ["records"] = new JsonArray([.. records.Select(r => r.DeepClone())]) }.ToJsonString(),
        _ => new JsonArray([.. records.Select(r => r.DeepClone())]).ToJsonString(),
    };

    private static void Same(List<AlertVerdict> expected, List<AlertVerdict> actual, string what)
    {
        if (!expected.SequenceEqual(actual))
        {
            Assert.Fail($"{what}:\nexpected\n  {string.Join("\n  ", expected)}\nactual\n  {string.Join("\n  ", actual)}");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Scenario_RaisesEachAttack(string format)
    {
        var scenario = IdpScenario.Of(format);
        var verdict = Verdict(format, [Body(format, scenario.Records)]);

        var reasons = string.Join("\n", verdict.Select(v => v.Principal + " " + v.Reasons));
        // A first sign-in from another country alone (45) stays below an alert; on a new device (Entra names it) it is one.
        string[] rules = [AuthenticationDetector.SuccessAfterFailures, AuthenticationDetector.MfaFatigue, AuthenticationDetector.SessionHijack, "identity-password-spray", .. format == "entra" ? [AuthenticationDetector.NewCountry] : Array.Empty<string>()];
        foreach (var rule in rules)
        {
            Assert.True(reasons.Contains("/" + rule + "=", StringComparison.Ordinal), $"no {rule} in\n{reasons}");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void ConsistentRenaming_OfEveryNameAndAddress_SameAlerts_OnPrincipalsThatMapBack(string format)
    {
        EachRun(format, (scenario, expected, seed, random) =>
        {
            var renaming = IdentityRenaming(scenario, random);
            var renamed = scenario.Records.Select(r => renaming.Apply(r));
            Same(expected, Verdict(format, [Body(format, renamed)], renaming.Back), $"{format}, seed {seed}, renaming {renaming}");
        });
    }

    /// <summary>
    /// The same records through each delivery path the vendor offers: Okta's System Log API pages, Event Hook deliveries
    /// and EventBridge events; Entra's diagnostic export, an Event Hubs batch, Log Analytics rows and Graph pages; Auth0's
    /// log-stream webhook, EventBridge events and Management API pages — each split into requests as the path sends them.
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void EachDeliveryPath_SameAlerts(string format)
    {
        EachRun(format, (scenario, expected, seed, random) =>
        {
            foreach (var (path, payloads) in IdpDeliveryPaths.Of(format, scenario.Records, random))
            {
                Same(expected, Verdict(format, payloads), $"{format} through {path}, seed {seed}");
            }
        });
    }

    /// <summary>
    /// The same records with times written with and without fractions, nanoseconds or an offset; members no rule reads
    /// left out or null; members in another order; an address in its IPv4-mapped IPv6 form and a login in capitals or
    /// fullwidth letters in some records only (one client and one user, as the providers compare them); the records
    /// split across requests in their order.
    /// </summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void Reshaped_TimesMembersAndBatches_SameAlerts(string format)
    {
        EachRun(format, (scenario, expected, seed, random) =>
        {
            var reshaped = scenario.Records
                .Select(r => Reorder(Prune(RetimeAll(Respell(r, scenario, random), random), random, IdpScenario.Unread), random))
                .ToList();
            var payloads = Split(reshaped, random, 7).Select(b => Body(format, b));
            Same(expected, Verdict(format, payloads), $"{format} reshaped, seed {seed}");
        });
    }

    /// <summary>
    /// <paramref name="check"/> once a run, each with its own seed and <see cref="Random"/>, given the scenario of
    /// <paramref name="format"/> and its verdict as written.
    /// </summary>
    private static void EachRun(string format, Action<IdpScenario, List<AlertVerdict>, int, Random> check)
    {
        var scenario = IdpScenario.Of(format);
        var expected = Verdict(format, [Body(format, scenario.Records)]);
        for (var run = 0; run < Runs; run++)
        {
            check(scenario, expected, Seed + run, new Random(Seed + run));
        }
    }

    /// <summary>Each address and login of <paramref name="record"/> written, as <paramref name="random"/> draws, as it is or in another form of the same value.</summary>
    private static JsonNode Respell(JsonNode record, IdpScenario scenario, Random random) => Map(record, s => random.Next(3) switch
    {
        0 when scenario.Addresses.Contains(s) => "::ffff:" + s,
        1 when s.Contains('@', StringComparison.Ordinal) => s.ToUpperInvariant(),
        2 when s.Contains('@', StringComparison.Ordinal) => new string([.. s.Select(c => c is >= 'a' and <= 'z' ? (char)(c + 0xFEE0) : c)]),
        _ => s,
    });

    private static readonly string[] TimeMembers = ["published", "time", "createdDateTime", "date"];

    private static JsonNode RetimeAll(JsonNode node, Random random) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(
            p.Key,
            TimeMembers.Contains(p.Key) && p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? JsonValue.Create(Retime(v.GetValue<string>(), random))
                : p.Value is null ? null : RetimeAll(p.Value, random)))),
        _ => node.DeepClone(),
    };
}
