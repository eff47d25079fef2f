using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Verifier.Tests.Rules;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// A cluster whose audit policy records <c>RequestReceived</c>: the webhook sends a request's first stage in one body and
/// the stage with its response in a later one, under the same <c>auditID</c>, so the same event id (IngestTestData/k8s-audit/clusters,
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
    public void Score_StagesInSeparateBodiesAcrossARestart_EachRuleCountsTheRequestOnce(string rule, string[] expected) =>
        AssertCountedOnceAcrossARestart(rule, expected);

    /// <summary>
    /// As above, stamped by a source as Ingest stamps it, across the restart that upgrades a checkpoint whose recent ids
    /// and stage markers were keyed by the event id alone (format 10): the later stages still find their first.
    /// </summary>
    [Theory]
    [MemberData(nameof(RulesAndWhereTheyCount))]
    public void Score_StagesApartAcrossAnUpgradeFromIdsKeyedAlone_EachRuleCountsTheRequestOnce(string rule, string[] expected)
    {
        var first = Body(1);
        AssertCountedOnceAcrossARestart(rule, expected, upgrade: KeyedAlone);

        // Each id of the first body, and the marker its stage left, as a format 10 engine keyed them.
        byte[] KeyedAlone(byte[] checkpoint) => CheckpointFormats.AsFormatTen(checkpoint, [.. first.SelectMany(e => new[]
        {
            (ScoringEngine.IdKey(e), StableHash.Of(e.Id)),
            (RequestStages.AwaitingOutcome(e, ScoringEngine.IdKey(e)), RequestStages.AwaitingOutcome(e, StableHash.Of(e.Id))),
        }).Where(k => k.Item1 != 0)]);
    }

    /// <summary>
    /// The same bodies exported without <c>auditID</c>: Ingest derives each request's id from what its stages share, so
    /// across the bodies and the restart each rule still counts the request once, and a body delivered again is a redelivery.
    /// </summary>
    [Theory]
    [MemberData(nameof(RulesAndWhereTheyCount))]
    public void Score_StagesInSeparateBodiesWithoutAuditId_EachRuleCountsTheRequestOnce(string rule, string[] expected) =>
        AssertCountedOnceAcrossARestart(rule, expected, withoutIds: true);

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

    /// <summary>
    /// An exec the built-in library's rule and the default policy both see, its answer in a later body than its first stage:
    /// one alert, with the policy's reason and the rule's, the score and the count it has when the bodies come as one and
    /// the request is scored once (before, the outcome was scored alone: the rule's reason never reached the alert, and a
    /// request whose stages each stayed under the threshold raised none).
    /// </summary>
    [Fact]
    public void Score_ExecAnsweredInALaterBody_TheAlertOfTheRequestScoredOnce()
    {
        var bodies = Enumerable.Range(1, 3).Select(i => JsonNode.Parse(File.ReadAllText(BodyPath(i)))!).ToList();
        var together = AuditEvents.EventList(bodies.SelectMany(b => b["items"]!.AsArray()).Select(i => i!));

        var apart = AlertOf(Exec, [.. bodies.Select(b => b.ToJsonString())]);
        var once = AlertOf(Exec, [together.ToJsonString()]);

        Assert.Contains(once.Reasons, r => r.Detector == "rule");
        Assert.Equal(
            (once.Score, once.Count, string.Join(",", once.Reasons.Select(r => r.Rule).Order(StringComparer.Ordinal))),
            (apart.Score, apart.Count, string.Join(",", apart.Reasons.Select(r => r.Rule).Order(StringComparer.Ordinal))));
    }

    /// <summary>The last alert on the request given the <c>auditID</c> <paramref name="id"/> an engine with the built-in library and the default policy publishes.</summary>
    private static Alert AlertOf(string id, List<string> bodies)
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, DefaultPolicy.Load(), rules: new RuleSetHolder(new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules)));
        Alert? last = null;
        foreach (var body in bodies)
        {
            foreach (var e in RuleTesting.MappedAll(body))
            {
                if (engine.Score(ContractJson.Serialize(e)).Alert is { } alert && GivenId(e) == id && alert.EvidenceEventIds.Contains(e.Id))
                {
                    last = alert;
                }
            }
        }

        return last ?? throw new InvalidOperationException($"no alert on {id}");
    }

    /// <summary>The <c>auditID</c> the request was given; its event id is a digest of it and the request.</summary>
    private static string? GivenId(AccessEvent e) => e.Attributes?["k8s.audit_id"].GetString();

    private static ScoringEngine Engine(RuleSetHolder? rules) => new(new VerifierOptions { ModelEnabled = false }, rules: rules);

    /// <summary>
    /// Scores the first body with and without <paramref name="rule"/>, restarts both engines from their checkpoints (each
    /// passed through <paramref name="upgrade"/> when given), then scores the second, the third and the second again:
    /// the rule's part of the score (what the engine with it scores above the one without, both restarted alike) falls on
    /// <paramref name="expected"/> ("body:auditID"), and the body delivered again is a redelivery throughout.
    /// </summary>
    private static void AssertCountedOnceAcrossARestart(string rule, string[] expected, bool withoutIds = false, Func<byte[], byte[]>? upgrade = null)
    {
        upgrade ??= checkpoint => checkpoint;
        var engines = (With: Engine(new RuleSetHolder(new RuleSet([Rule(rule)]))), Without: Engine(null));
        var matched = new List<string>();

        Score(engines, 1, matched, withoutIds);
        var restarted = (With: Engine(engines.With.Rules.Rules), Without: Engine(null));
        restarted.With.Restore(upgrade(engines.With.Checkpoint()));
        restarted.Without.Restore(upgrade(engines.Without.Checkpoint()));
        Score(restarted, 2, matched, withoutIds);
        Score(restarted, 3, matched, withoutIds);
        var again = Score(restarted, 2, matched, withoutIds);

        Assert.Equal(expected, matched);
        Assert.All(again, r => Assert.True(r.Duplicate));
    }

    /// <summary>
    /// Scores one body's events as the log hands them (bytes) with both engines (the same one twice for no comparison); adds
    /// "body:id" for each event the rule scored (the request's <c>auditID</c>, also when the body was sent without it).
    /// </summary>
    private static List<ScoreResult> Score((ScoringEngine With, ScoringEngine Without) engines, int body, List<string> matched, bool withoutIds = false)
    {
        var results = new List<ScoreResult>();
        var written = Body(body);
        foreach (var (e, id) in (withoutIds ? Body(body, withoutIds: true) : written).Zip(written.Select(GivenId)))
        {
            var bytes = ContractJson.Serialize(e);
            var result = engines.With.Score(bytes);
            results.Add(result);
            if (!ReferenceEquals(engines.With, engines.Without) && result.Score > engines.Without.Score(bytes).Score)
            {
                matched.Add($"{body}:{id}");
            }
        }

        return results;
    }

    /// <summary>One body's events as the endpoint maps them, stamped with the cluster's source as Ingest stamps them.</summary>
    private static List<AccessEvent> Body(int body, bool withoutIds = false)
    {
        var payload = File.ReadAllBytes(BodyPath(body));
        if (withoutIds)
        {
            var list = JsonNode.Parse(payload)!;
            foreach (var item in list["items"]!.AsArray())
            {
                item!.AsObject().Remove("auditID");
            }

            payload = Encoding.UTF8.GetBytes(list.ToJsonString());
        }

        return [.. RuleTesting.MappedAll(payload).Select(e => e with { Source = "kube-prod-eu" })];
    }

    private static string BodyPath(int body) => Path.Combine(AppContext.BaseDirectory, "IngestTestData", "k8s-audit", "clusters", $"stages-apart-{body}.json");

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
