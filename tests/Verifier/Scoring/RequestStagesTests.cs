using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Verifier.Tests.Rules;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// A cluster whose audit policy records <c>RequestReceived</c>: the webhook sends a request's first stage in one body and
/// the stage with its response in a later one, under the same <c>auditID</c> (IngestTestData/k8s-audit/clusters,
/// <c>stages-apart-*.json</c>: a refused privileged pod create, an exec answered in the second body and ended in the third).
/// Each body is mapped as the endpoint maps one request's body, and the Verifier restarts from its checkpoint between the
/// first and the second: a rule that matches the request whatever its answer counts it once, at its first stage; a rule
/// that needs its response, or leaves some answers out, sees that response once; a body delivered again changes nothing.
/// </summary>
public sealed class RequestStagesTests
{
    private const string Create = "9d3b6f20-1c4e-4a8b-b7d2-0000000000a1";
    private const string Exec = "9d3b6f20-1c4e-4a8b-b7d2-0000000000a2";

    public static TheoryData<string, string[]> RulesAndWhereTheyCount => new()
    {
        // Matches the request whatever its answer: at the first stage, not again.
        { "pod-created", [$"1:{Create}"] },
        // Needs the refusal, which only the second body tells.
        { "pod-create-refused", [$"2:{Create}"] },
        // Leaves refusals out: the first stage cannot tell, so the rule waits for the second body, which says it was
        // refused — as it never fires when both stages come in one body.
        { "pod-created-unless-refused", [] },
        // falcosecurity's rules: Create Privileged Pod reads the ResponseComplete stage, Attach/Exec Pod the ResponseStarted one.
        { "Create Privileged Pod", [$"2:{Create}"] },
        { "Attach/Exec Pod", [$"2:{Exec}"] },
    };

    [Theory]
    [MemberData(nameof(RulesAndWhereTheyCount))]
    public void Score_StagesInSeparateBodiesAcrossARestart_EachRuleCountsTheRequestOnce(string rule, string[] expected)
    {
        // The rule's part of a score: what an engine with the rule scores above one without it, both restarted alike.
        var engines = (With: Engine(new RuleSetHolder(new RuleSet([Rule(rule)]))), Without: Engine(null));
        var matched = new List<string>();

        Score(engines, 1, matched);
        var restarted = (With: Engine(engines.With.Rules.Rules), Without: Engine(null));
        restarted.With.Restore(engines.With.Checkpoint());
        restarted.Without.Restore(engines.Without.Checkpoint());
        Score(restarted, 2, matched);
        Score(restarted, 3, matched);
        var again = Score(restarted, 2, matched);

        Assert.Equal(expected, matched);
        Assert.All(again, r => Assert.True(r.Duplicate));
    }

    [Fact]
    public void Score_RefusalToldByALaterStage_CountsAsADenialNotAsAnotherRequest()
    {
        var engine = Engine(null);

        Score((engine, engine), 1, []);
        Score((engine, engine), 2, []);
        Score((engine, engine), 3, []);

        var state = engine.StateOf("vera.stone@example.com")!;
        Assert.Equal((1, 1), (state.WindowCount, state.WindowDenied));
        Assert.Equal(1, engine.StateOf("oren.blake@example.com")!.WindowCount);
        Assert.Equal(2, engine.EventsScored);
    }

    private static ScoringEngine Engine(RuleSetHolder? rules) => new(new VerifierOptions { ModelEnabled = false }, rules: rules);

    /// <summary>
    /// Scores one body's events as the log hands them (bytes) with both engines (the same one twice for no comparison); adds
    /// "body:id" for each event the rule scored.
    /// </summary>
    private static List<ScoreResult> Score((ScoringEngine With, ScoringEngine Without) engines, int body, List<string> matched)
    {
        var payload = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "k8s-audit", "clusters", $"stages-apart-{body}.json"));
        var mapped = K8sAuditMapper.Map(payload);
        Assert.Empty(mapped.Errors);
        var results = new List<ScoreResult>();
        foreach (var e in mapped.Events)
        {
            var bytes = ContractJson.Serialize(e);
            var result = engines.With.Score(bytes);
            results.Add(result);
            if (!ReferenceEquals(engines.With, engines.Without) && result.Score > engines.Without.Score(bytes).Score)
            {
                matched.Add($"{body}:{e.Id}");
            }
        }

        return results;
    }

    private static Rule Rule(string name) => name switch
    {
        "pod-created" => RuleTesting.Detection("""
              create:
                kind: k8s.audit
                action: create
                resource.type: pods
              condition: create
            """),
        "pod-create-refused" => RuleTesting.Detection("""
              refused:
                kind: k8s.audit
                action: create
                resource.type: pods
                outcome: denied
              condition: refused
            """),
        "pod-created-unless-refused" => RuleTesting.Detection("""
              create:
                kind: k8s.audit
                action: create
                resource.type: pods
              refused:
                outcome: denied
              condition: create and not refused
            """),
        _ => Load(RulesFile(RulesHead)).Rules.Single(r => r.Id == name),
    };
}
