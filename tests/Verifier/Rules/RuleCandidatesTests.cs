using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// A rule is asked of an event only when the event has the attribute the rule cannot match without: what a rule needs is
/// read from its condition, never from what it could need, so nothing it would match is skipped.
/// </summary>
public sealed class RuleCandidatesTests
{
    [Theory]
    [InlineData("s:\n  kind: access.request\n  attributes.gcp.service_name: iam.googleapis.com\ncondition: s", "attributes.gcp.service_name")]
    [InlineData("s:\n  attributes.gcp.method_name|endswith: SetIamPolicy\n  outcome: success\ncondition: s", "attributes.gcp.method_name")]
    [InlineData("a:\n  kind: access.request\nb:\n  attributes.x|exists: true\ncondition: a and b", "attributes.x")]
    [InlineData("a:\n  attributes.x: 1\nb:\n  attributes.x: 2\ncondition: a or b", "attributes.x")]
    [InlineData("a:\n  attributes.x|contains|all: [p, q]\ncondition: a", "attributes.x")]
    public void AConditionThatCannotBeTrueWithoutAnAttribute_NamesIt(string detection, string attribute) =>
        Assert.Equal(attribute, RuleCandidates.Gate(Detection(detection))?.Text);

    [Theory]
    [InlineData("s:\n  kind: access.request\n  action: GET\ncondition: s")] // no attribute at all
    [InlineData("s:\n  attributes.x: null\ncondition: s")] // null matches the absent field
    [InlineData("s:\n  attributes.x: [a, null]\ncondition: s")]
    [InlineData("s:\n  attributes.x|exists: false\ncondition: s")]
    [InlineData("s:\n  attributes.x|neq: a\ncondition: s")]
    [InlineData("a:\n  kind: access.request\nb:\n  attributes.x: a\ncondition: a and not b")]
    [InlineData("a:\n  attributes.x: 1\nb:\n  attributes.y: 2\ncondition: a or b")] // either attribute will do
    [InlineData("a:\n  attributes.x: 1\nb:\n  action: GET\ncondition: a or b")]
    [InlineData("s:\n  raw.protoPayload.serviceName: iam.googleapis.com\ncondition: s")] // only attributes are gates
    public void AConditionThatCanBeTrueWithoutTheAttribute_NamesNone(string detection) =>
        Assert.Null(RuleCandidates.Gate(Detection(detection)));

    [Theory]
    [InlineData("gcp-", 10, 3)]
    [InlineData("aws-", 12, 2)]
    [InlineData("azure-", 10, 1)]
    public void TheBuiltinCloudRules_ShareTheirLookUps_AndApplicationRequestsSkipThem(string prefix, int atLeast, int lookUps)
    {
        var set = new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules);
        var candidates = set.For(EventKinds.AccessRequest);
        var area = Enumerable.Range(0, candidates.Rules.Length).Where(i => candidates.Rules[i].Id.StartsWith(prefix, StringComparison.Ordinal)).ToList();

        Assert.True(area.Count >= atLeast, $"{area.Count} {prefix} rules");
        Assert.All(area, i => Assert.True(candidates.GateOf[i] >= 0, candidates.Rules[i].Id));
        // All of them, at most as many look-ups as distinct attributes they start from.
        Assert.InRange(area.Select(i => candidates.GateOf[i]).Distinct().Count(), 1, lookUps);
        Assert.All(candidates.Gates, g => Assert.StartsWith("attributes.", g.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void ARuleWhoseAttributeIsMissing_IsSkipped_AndOneThatMatchesTheAbsentAttribute_StillMatches()
    {
        var rules = RuleLoader.Load([
            new RuleSource("needs.yaml", Rule("needs-x", "attributes.x: alpha")),
            new RuleSource("absent.yaml", Rule("absent-x", "attributes.x: null")),
            new RuleSource("other.yaml", Rule("needs-y", "attributes.y|exists: true")),
        ]).Rules;
        var detector = new RuleDetector(new RuleSetHolder(new RuleSet(rules)));

        Assert.Equal(["absent-x"], Matched(detector, Request(null)));
        Assert.Equal(["absent-x"], Matched(detector, Request(new() { ["z"] = Json("1") })));
        Assert.Equal(["needs-x"], Matched(detector, Request(new() { ["x"] = Json("\"alpha\"") })));
        Assert.Equal(["absent-x", "needs-y"], Matched(detector, Request(new() { ["y"] = Json("null") })));
        Assert.Equal(["needs-x", "needs-y"], Matched(detector, Request(new() { ["x"] = Json("\"alpha\""), ["y"] = Json("1") })));
    }

    [Fact]
    public void EveryBuiltinRule_MatchesOnlyEventsThatHaveItsAttribute()
    {
        // The embedded tests run through the same skip (RuleTestRunner): a match test whose event lacked the attribute
        // would fail. This checks the library has such tests for every gated rule, so the skip is exercised for each.
        var gated = RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => RuleCandidates.Gate(r) is not null).ToList();

        Assert.NotEmpty(gated);
        Assert.All(gated, r => Assert.Contains(r.Tests, t => t.ExpectMatch));
    }

    private static string Rule(string id, string item) => $"""
        id: {id}
        title: {id}
        severity: high
        detection:
          s:
            kind: access.request
            {item}
          condition: s
        """;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static AccessEvent Request(Dictionary<string, JsonElement>? attributes) => new()
    {
        Id = "r-" + Guid.NewGuid().ToString("N"),
        Time = Events.T0,
        Kind = EventKinds.AccessRequest,
        Subject = new Subject { Id = "alice@example.com" },
        Action = "GET",
        Attributes = attributes,
    };

    private static List<string> Matched(RuleDetector detector, AccessEvent e)
    {
        var output = new List<Contribution>();
        detector.Evaluate(e, output);
        return [.. output.Select(c => c.Rule).Order(StringComparer.Ordinal)];
    }
}
