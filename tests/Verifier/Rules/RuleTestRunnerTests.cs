using ZtStream.Verifier.Rules;
using ZtStream.Verifier.Rules.Testing;

namespace ZtStream.Verifier.Tests.Rules;

public sealed class RuleTestRunnerTests
{
    private static List<RuleTestResult> Run(string yaml) =>
        [.. new RuleTestRunner(Replay.FalcoSuite.Readers).Run(RuleTesting.One(yaml))];

    [Fact]
    public void WrongExpectation_FailsNamingTheTestAndWhy()
    {
        var results = Run("""
            id: r
            title: Denied
            severity: high
            detection:
              d:
                outcome: denied
              condition: d
            tests:
              - name: says match but is a success
                expect: match
                events:
                  - {kind: access.request, subject: {id: a}, outcome: success}
              - name: says no match but is denied
                expect: no_match
                events:
                  - {kind: access.request, subject: {id: a}, outcome: denied}
              - name: right
                expect: match
                events:
                  - {kind: access.request, subject: {id: a}, outcome: denied}
            """);
        Assert.Equal([false, false, true], results.Select(r => r.Passed));
        Assert.Equal("test.yaml:9: rule r, test 'says match but is a success': expected match, but the event did not match", results[0].ToString());
        Assert.Contains("expected no match, but it matched: Denied: a", results[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void InputThatMapsToNoEvent_FailsInsteadOfPassingVacuously()
    {
        var results = Run("""
            id: r
            title: R
            severity: high
            detection:
              d:
                verb: x
                kind: k8s.audit
              condition: d
            tests:
              - name: not an audit event
                expect: no_match
                k8s_audit: {kind: Pod, metadata: {name: x}}
              - name: unknown source
                expect: no_match
                okta: {eventType: user.session.start}
            """.Replace("verb: x", "action: x", StringComparison.Ordinal));
        Assert.All(results, r => Assert.False(r.Passed));
        Assert.Equal("its k8s-audit input maps to no event", results[0].Detail);
        Assert.Contains("no reader for source format 'okta'", results[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregation_LastEventDecides()
    {
        var results = Run("""
            id: burst
            title: Burst
            severity: high
            detection:
              d:
                outcome: denied
              condition: d
            aggregation:
              group_by: [subject.id]
              window: 1m
              threshold: 2
            tests:
              - name: second denial reaches the threshold
                expect: match
                events:
                  - {kind: access.request, subject: {id: a}, outcome: denied}
                  - {kind: access.request, subject: {id: a}, outcome: denied}
              - name: a later success does not match even though the group is over the threshold
                expect: no_match
                events:
                  - {kind: access.request, subject: {id: a}, outcome: denied}
                  - {kind: access.request, subject: {id: a}, outcome: denied}
                  - {kind: access.request, subject: {id: a}, outcome: success}
            """);
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
