namespace ZtStream.Verifier.Tests.Rules;

public sealed class RuleTestRunnerTests
{
    private static List<RuleTestResult> Run(string yaml) =>
        [.. new RuleTestRunner(Replay.FalcoSuite.Readers).Run(RuleTesting.One(yaml))];

    [Fact]
    public void WrongExpectation_FailsNamingTheTestAndWhy()
    {
        var results = Run(RuleTesting.DeniedRuleWithTests("r", """
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
            """));
        Assert.Equal([false, false, true], results.Select(r => r.Passed));
        Assert.Equal($"test.yaml:9: rule r, test 'says match but is a success': expected match, but the event did not match (rule revision {results[0].Rule.Revision})", results[0].ToString());
        Assert.Contains("expected no match, but it matched: Denied: a", results[1].Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// A test's event is the JSON a source would send. The YAML was turned into JSON through long and double:
    /// <c>12.0</c> became <c>12</c> (so a test of a regular expression passed that the same event sent live fails) and
    /// <c>12345678901234567890</c> became <c>1.2345678901234567E+19</c> (so a rule naming it could not be shown to match).
    /// </summary>
    [Theory]
    [InlineData("raw.n|re: '^12\\.0$'", "12.0", true)]
    [InlineData("raw.n|re: '^12$'", "12.0", false)]
    [InlineData("raw.n: 12", "12", true)]
    [InlineData("raw.n: 12345678901234567890", "12345678901234567890", true)]
    [InlineData("raw.n|re: '^1e3$'", "1e3", true)]
    [InlineData("raw.n: 12", "012", true)] // not JSON's number grammar: read as YAML's integer, as before
    public void CanonicalEvent_NumberIsKeptAsWritten(string item, string number, bool matches)
    {
        var e = "{kind: access.request, subject: {id: a}, raw: {n: " + number + "}}";
        var result = Assert.Single(Run($$"""
            id: r
            title: R
            severity: high
            detection:
              d:
                {{item}}
              condition: d
            tests:
              - name: t
                expect: match
                events: [{{e}}]
            """));
        Assert.True(matches == result.Passed, result.Detail);
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
                cloudtrail: {eventName: ConsoleLogin}
            """.Replace("verb: x", "action: x", StringComparison.Ordinal));
        Assert.All(results, r => Assert.False(r.Passed));
        Assert.StartsWith("its k8s-audit input is not valid: item 0, kind: data not recognized as a Kubernetes audit event", results[0].Detail, StringComparison.Ordinal);
        Assert.Contains("no reader for source format 'cloudtrail'", results[1].Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// A test's canonical events pass Ingest's event validator, as <c>POST /v1/events</c> would: an event live ingestion
    /// refuses fails its test naming item, field and reason, instead of passing on an event the rule can never see.
    /// </summary>
    [Theory]
    [InlineData("{kind: access.request, outcome: denied}", "item 0 (line 1), subject.id: required: an event needs subject.id or workload.id")]
    [InlineData("{kind: zt.alert, subject: {id: a}, outcome: denied}", "item 0 (line 1), kind: \"zt.alert\" is reserved")]
    [InlineData("{kind: access.request, subject: {id: a}, outcome: denied, status: 1200}", "item 0 (line 1), status: must be between 0 and 999 (is 1200)")]
    [InlineData("{kind: access.request, subject: {id: a}, workload: {name: w}, outcome: denied}", "item 0 (line 1), workload.id: required when workload is given")]
    public void CanonicalEventLiveWouldRefuse_FailsNamingItemFieldAndReason(string e, string reason)
    {
        var result = Assert.Single(Run(RuleTesting.DeniedRuleWithTests("r", $"""
            - name: refused live
              expect: match
              events: [{e}]
            """)));

        Assert.False(result.Passed);
        Assert.StartsWith("its events input is not valid: " + reason, result.Detail, StringComparison.Ordinal);
    }

    /// <summary>Events may be dated anywhere, yet one older than Ingest:MaxEventAge beside an event before it is refused as live.</summary>
    [Fact]
    public void CanonicalEvents_TimesCheckedOnlyAgainstEachOther()
    {
        var results = Run(RuleTesting.DeniedRuleWithTests("r", """
            - name: far future, in order
              expect: match
              events:
                - {kind: access.request, subject: {id: a}, outcome: denied, time: "2091-01-01T00:00:00Z"}
                - {kind: access.request, subject: {id: a}, outcome: denied, time: "2091-01-02T00:00:00Z"}
            - name: a year back after a later one
              expect: match
              events:
                - {kind: access.request, subject: {id: a}, outcome: success, time: "2026-06-01T00:00:00Z"}
                - {kind: access.request, subject: {id: a}, outcome: denied, time: "2025-06-01T00:00:00Z"}
            """));

        Assert.True(results[0].Passed, results[0].ToString());
        Assert.False(results[1].Passed);
        Assert.Contains("item 1 (line 2), time: 2025-06-01T00:00:00.0000000+00:00 is 365 days old; events older than 30 days are not accepted", results[1].Detail, StringComparison.Ordinal);
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

    [Fact]
    public void FalcoInput_IsMappedByTheFalcoReader_AndRawHoldsTheAlert()
    {
        // Falco's JSON output (json_output: true), as its http_output posts it.
        var results = Run("""
            id: shell-in-payments
            title: Shell in a payments container
            severity: critical
            techniques: [T1059]
            detection:
              shell:
                kind: runtime.alert
                raw.rule: Terminal shell in container
                raw.output_fields.k8s.ns.name: payments
              condition: shell
            tests:
              - name: shell in a payments pod
                expect: match
                falco:
                  output: "23:39:44.834631763: Notice A shell was spawned in a container (user=root container_id=5892b41bcf46 shell=sh)"
                  priority: Notice
                  rule: Terminal shell in container
                  source: syscall
                  time: "2021-01-14T23:39:44.834631763Z"
                  tags: [container, mitre_execution, shell, T1059]
                  hostname: node-1
                  output_fields:
                    container.id: 5892b41bcf46
                    evt.time: 1610667584834631763
                    k8s.ns.name: payments
                    k8s.pod.name: api-7d9
                    proc.cmdline: sh
                    user.name: root
              - name: the same rule in another namespace
                expect: no_match
                falco:
                  output: "23:40:00.000000000: Notice A shell was spawned in a container"
                  priority: Notice
                  rule: Terminal shell in container
                  time: "2021-01-14T23:40:00Z"
                  output_fields: {container.id: aa11bb22cc33, k8s.ns.name: shop, k8s.pod.name: web-1}
            """);
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
