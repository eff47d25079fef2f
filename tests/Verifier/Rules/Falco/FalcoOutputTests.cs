using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>A rule's <c>output</c> rendered for the event that matched, as Falco prints it: the alert reason's text.</summary>
public sealed class FalcoOutputTests
{
    [Fact]
    public void RenderOutput_PublishedRule_OnItsRegressionTrace()
    {
        var rule = Load(RulesFile(Rules050)).Rules.Single(r => r.Id == "Create Privileged Pod");
        var e = Trace("create_nginx_pod_privileged.json").Single();

        Assert.True(rule.Condition.Matches(e));
        Assert.Equal(
            "Pod started with privileged container (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-5cdcc99dbf-rgw6z resource=pods ns=default images=(nginx))",
            ((FalcoRuleMatcher)rule.Condition).RenderOutput(e));
    }

    [Fact]
    public void RenderOutput_MissingValuesAreNA_ListsInParentheses_PercentWithoutFieldKept()
    {
        var rule = Single("""
            - rule: out
              desc: d
              condition: ka.verb exists
              output: 100% sure (user=%ka.user.name ns=%ka.target.namespace groups=%ka.user.groups cmd=%ka.uri.param[command] obj=%jevt.value[/objectRef])
              priority: INFO
              source: k8s_audit
            """);
        const string json = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/nodes",
             "user":{"username":"root@example.com","groups":["a","b"]},"objectRef":{"resource":"nodes","apiVersion":"v1"}}
            """;

        Assert.Equal(
            "100% sure (user=root@example.com ns=<NA> groups=(a,b) cmd=<NA> obj={\"resource\":\"nodes\",\"apiVersion\":\"v1\"})",
            Render(rule, json));
    }

    [Fact]
    public void RenderOutput_NotAnAuditEvent_EveryFieldNA()
    {
        var rule = Single("""
            - rule: out
              desc: d
              condition: ka.verb exists
              output: user=%ka.user.name verb=%ka.verb
              priority: INFO
              source: k8s_audit
            """);
        var e = new RuleEvent(new AccessEvent { Id = "x", Time = DateTimeOffset.UnixEpoch, Kind = EventKinds.RuntimeAlert });

        Assert.Equal("user=<NA> verb=<NA>", ((FalcoRuleMatcher)rule.Condition).RenderOutput(e));
    }

    [Fact]
    public void OutputTemplate_IsKeptAsWritten()
    {
        var rule = Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == "Attach/Exec Pod");

        Assert.StartsWith("Attach/Exec to pod (user=%ka.user.name", ((FalcoRuleMatcher)rule.Condition).OutputTemplate, StringComparison.Ordinal);
    }
}
