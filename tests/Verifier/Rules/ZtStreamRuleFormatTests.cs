using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>The ZtStream rule format (docs/rules.md): metadata, exceptions, aggregation, tests, and every error with file and line.</summary>
public sealed class ZtStreamRuleFormatTests
{
    private const string Valid = """
        id: k8s-exec
        title: Exec into a pod
        description: Someone ran a command in a container.
        severity: medium
        techniques: [T1609]
        tactics: [execution]
        tags: [kubernetes]
        detection:
          exec:
            kind: k8s.audit
            resource.type: pods/exec
          condition: exec
        exceptions:
          - subject.id|startswith: "system:serviceaccount:ci:"
          - raw.objectRef.namespace: sandbox
        """;

    /// <summary>The smallest valid detection, for tests whose error is in another section.</summary>
    private const string ActionX = "a:\n  action: x\ncondition: a";

    [Fact]
    public void Valid_LoadsEveryField()
    {
        var rule = One(Valid);
        Assert.Equal("k8s-exec", rule.Id);
        Assert.Equal("Exec into a pod", rule.Title);
        Assert.Equal(RuleFormats.ZtStream, rule.Format);
        Assert.Equal("medium", rule.Severity);
        Assert.Equal(50, rule.EffectiveScore);
        Assert.Equal(["T1609"], rule.Techniques);
        Assert.Equal(["execution"], rule.Tactics);
        Assert.Equal(["kubernetes"], rule.Tags);
        Assert.Equal(["k8s.audit"], rule.Kinds);
        Assert.Equal(new RuleOrigin("test.yaml", 1), rule.Origin);
        Assert.True(rule.Enabled);
    }

    [Fact]
    public void Exceptions_AllowListedEventsDoNotMatch()
    {
        var rule = One(Valid);
        Assert.True(rule.Matches(Audit("create", "pods", "shop", "web", subresource: "exec")));
        Assert.False(rule.Matches(Audit("create", "pods", "shop", "web", subresource: "exec", user: "system:serviceaccount:ci:runner")));
        Assert.False(rule.Matches(Audit("create", "pods", "sandbox", "web", subresource: "exec")));
    }

    [Fact]
    public void Score_OverridesSeverity_AndListsUnderItsBand()
    {
        var rule = One("""
            id: s
            title: S
            score: 92
            detection:
              a:
                action: x
              condition: a
            """);
        Assert.Equal(92, rule.EffectiveScore);
        Assert.Equal("critical", rule.Severity);
        Assert.Empty(rule.Kinds); // no kind in the detection: evaluated for every kind
    }

    [Fact]
    public void Kinds_AreInferredFromTheCondition()
    {
        var rule = One("""
            id: k
            title: K
            severity: low
            detection:
              audit:
                kind: [k8s.audit, runtime.alert]
              other:
                action: x
              condition: audit and (other or not other)
            """);
        Assert.Equal(["k8s.audit", "runtime.alert"], rule.Kinds);
        var negated = One("""
            id: n
            title: N
            severity: low
            detection:
              audit:
                kind: k8s.audit
              condition: not audit
            """);
        Assert.Empty(negated.Kinds);
    }

    [Theory]
    [InlineData("severity: high\nseverety: low", 2, "unknown key 'severety'")]
    [InlineData("severity: urgent", 1, "'severity' must be one of low, medium, high, critical")]
    [InlineData("score: 120", 1, "'score' must be 0–100")]
    [InlineData("severity: high\ntechniques: [T16]", 2, "technique 'T16' is not an ATT&CK technique id")]
    [InlineData("severity: high\ntactics: [sneaking]", 2, "tactic 'sneaking' is not an ATT&CK tactic")]
    [InlineData("enabled: true", 0, "'severity' (low, medium, high, critical) or 'score' (0–100) is required")]
    public void Metadata_Invalid_IsAnErrorWithItsLine(string metadata, int lineOffset, string message)
    {
        var error = Assert.Single(Errors($"""
            id: bad
            title: Bad
            {metadata}
            detection:
              a:
                action: x
              condition: a
            """));
        Assert.Equal("bad.yaml", error.File);
        Assert.Equal("bad", error.RuleId);
        Assert.Equal(lineOffset == 0 ? 1 : 2 + lineOffset, error.Line);
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlSyntaxError_NamesTheLine()
    {
        var error = Assert.Single(Errors("id: x\ntitle: T\nseverity: low\n  detection: {a: b\n"));
        Assert.Equal(4, error.Line);
        Assert.Contains("not valid YAML", error.Reason, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", Assert.Single(Errors("id: x\ntitle: [unclosed\nseverity: low\n")).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateId_SecondDefinitionIsAnError_FirstStays()
    {
        var result = RuleLoader.Load([new RuleSource("a.yaml", Valid), new RuleSource("b.yaml", Valid)]);
        Assert.Single(result.Rules);
        var error = Assert.Single(result.Errors);
        Assert.Equal("b.yaml", error.File);
        Assert.Contains("already defined at a.yaml:1", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OneBadRule_OthersInTheSameFileStillLoad()
    {
        var result = RuleLoader.Load([new RuleSource("many.yaml", Valid + "\n---\nid: broken\ntitle: B\nseverity: low\ndetection:\n  a:\n    nofield: 1\n  condition: a\n")]);
        Assert.Equal("k8s-exec", Assert.Single(result.Rules).Id);
        var error = Assert.Single(result.Errors);
        Assert.Equal("broken", error.RuleId);
        Assert.Equal(22, error.Line);
    }

    /// <summary>An invalid <c>aggregation</c> or <c>tests</c> block is an error naming what is wrong in it.</summary>
    [Theory]
    [InlineData("aggregation:\n    function: average\n    window: 5m\n    threshold: 3", "function must be count or distinct_count")]
    [InlineData("aggregation:\n    function: distinct_count\n    window: 5m\n    threshold: 3", "distinct_count needs 'field'")]
    [InlineData("aggregation:\n    window: 5 minutes\n    threshold: 3", "must be a duration")]
    [InlineData("aggregation:\n    window: 10\n    threshold: 3", "is not a duration (e.g. 90s, 15m, 1h, 2d)")] // TimeSpan would read ten days
    [InlineData("aggregation:\n    window: Infinitym\n    threshold: 3", "is not a duration of at most 3650 days")] // threw out of the loader
    [InlineData("aggregation:\n    window: 5m\n    threshold: 0", "threshold' must be a whole number")]
    [InlineData("aggregation:\n    window: 5m", "'threshold' is required")]
    [InlineData("aggregation:\n    window: 5m\n    threshold: 2\n    by: [x]", "unknown aggregation key 'by'")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: 7", "'baseline' must be a map")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: {minimum: 25, maximum: 1000, weeks: 1}", "unknown baseline key 'weeks'")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: {maximum: 1000}", "baseline 'minimum' (the lowest threshold, however quiet a group) is required")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: {minimum: 25}", "baseline 'maximum' (the highest threshold, however busy a group) is required")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: {days: 29, minimum: 25, maximum: 1000}", "baseline 'days' must be a whole number from 1 to 28 (is '29')")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: {factor: 0.5, minimum: 25, maximum: 1000}", "baseline 'factor' must be a number from 1 to 100 (is '0.5')")]
    [InlineData("aggregation:\n    window: 1h\n    threshold: 100\n    baseline: {minimum: 200, maximum: 1000}", "must hold the aggregation's threshold (100)")]
    [InlineData("tests:\n  - name: t\n    expect: maybe\n    events: [{kind: x}]", "'expect' must be match or no_match")]
    [InlineData("tests:\n  - name: t\n    expect: match", "needs exactly one input")]
    [InlineData("tests:\n  - expect: match\n    events: [{kind: x}]", "a test needs a 'name'")]
    public void Block_Invalid_IsAnErrorNamingTheProblem(string block, string message)
    {
        var error = ErrorOf(ActionX, block, id: "bad");
        Assert.Contains(message, error.Reason, StringComparison.Ordinal);
    }
}
