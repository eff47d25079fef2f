using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Loaded rules scoring events in the engine: contributions, alerts, reload between events, aggregation state in checkpoints.</summary>
public sealed class RuleDetectorTests
{
    private const string Privileged = """
        id: k8s-privileged-pod
        title: Privileged container created
        severity: high
        techniques: [T1611]
        detection:
          create:
            kind: k8s.audit
            action: create
          privileged:
            all_containers.securityContext.privileged: true
          condition: create and privileged
        """;

    private const string Burst = """
        id: denied-burst
        title: Denied burst
        severity: high
        detection:
          denied:
            kind: k8s.audit
            status: 403
          condition: denied
        aggregation:
          function: distinct_count
          field: raw.objectRef.namespace
          group_by: [subject.id]
          window: 10m
          threshold: 3
        """;

    private static ScoringEngine Engine(params string[] rules) =>
        new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(RuleLoader.Load(rules.Select((r, i) => new RuleSource($"r{i}.yaml", r))).Rules)));

    // A Deployment: the policy's own admission checks look at Pods only, so the rule is the one detector that fires.
    private static AccessEvent PrivilegedPod(string ns = "payments", string name = "x", DateTimeOffset? time = null) =>
        Audit("create", "deployments", ns, name, apiGroup: "apps", time: time,
            extra: """{"requestObject":{"kind":"Deployment","spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy"},{"name":"app","image":"busybox","securityContext":{"privileged":true}}]}}}}}""");

    private static string Medium(string id, string techniques) => $"""
        id: {id}
        title: {id}
        severity: medium
        techniques: [{techniques}]
        detection:
          create:
            kind: k8s.audit
            action: create
          condition: create
        """;

    [Fact]
    public void TwoRules_SameTechniqueOnOneEvent_CountOnce_TheWeakerKeepsItsReasonWithNoScore()
    {
        var result = Engine(Privileged, Medium("another-escape", "T1611")).Score(PrivilegedPod());

        var alert = Assert.IsType<Alert>(result.Alert);
        Assert.Equal(75, result.Score);
        var weaker = Assert.Single(alert.Reasons, r => r.Rule == "another-escape");
        Assert.Equal(0, weaker.Score);
        Assert.EndsWith("; counted once, with rule k8s-privileged-pod", weaker.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("T1610", 88)] // another technique: two findings, combined
    [InlineData("T1611, T1610", 88)] // evidence of one more technique is a finding of its own
    public void TwoRules_NotTheSameTechniques_BothCount(string techniques, int score)
    {
        var result = Engine(Privileged, Medium("deploy", techniques)).Score(PrivilegedPod());

        Assert.Equal(score, result.Score);
        Assert.All(result.Alert!.Reasons, r => Assert.True(r.Score > 0, r.Text));
    }

    [Fact]
    public void TwoMediumRules_WithoutTechniques_BothCountAndAlert()
    {
        var noTechnique = Medium("a", "T1").Replace("techniques: [T1]\n", "", StringComparison.Ordinal);
        var result = Engine(noTechnique, noTechnique.Replace("id: a", "id: b", StringComparison.Ordinal)).Score(PrivilegedPod());

        Assert.Equal(75, result.Score);
        Assert.NotNull(result.Alert);
    }

    [Fact]
    public void HighRule_Match_RaisesAnAlertExplainedByTitleAndValues()
    {
        var result = Engine(Privileged).Score(PrivilegedPod());
        var alert = Assert.IsType<Alert>(result.Alert);
        Assert.Equal(Detectors.Rule, alert.Detector);
        var reason = Assert.Single(alert.Reasons, r => r.Detector == Detectors.Rule);
        Assert.Equal("k8s-privileged-pod", reason.Rule);
        Assert.Equal(75, reason.Score);
        Assert.Equal("Privileged container created: create deployment payments/x, containers[app].securityContext.privileged=true (rule k8s-privileged-pod)", reason.Text);
    }

    [Fact]
    public void LowRule_AloneDoesNotAlert_ButContributes()
    {
        var engine = Engine(Privileged.Replace("severity: high", "severity: low", StringComparison.Ordinal));
        var result = engine.Score(PrivilegedPod());
        Assert.Null(result.Alert);
        Assert.Equal(30, result.Score);
    }

    [Fact]
    public void OtherKinds_AreNotEvaluated()
    {
        var engine = Engine(Privileged);
        Assert.Empty(engine.Rules.Rules.Current.For(EventKinds.AccessRequest).Rules);
        Assert.Single(engine.Rules.Rules.Current.For(EventKinds.K8sAudit).Rules);
        Assert.Equal(0, engine.Score(Events.Read(Events.T0)).Score);
    }

    [Fact]
    public void Swap_TakesEffectOnTheNextEvent()
    {
        var holder = new RuleSetHolder(RuleSet.Empty);
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: holder);
        Assert.Null(engine.Score(PrivilegedPod(name: "a")).Alert);
        holder.Swap(new RuleSet([One(Privileged)], version: 1));
        Assert.NotNull(engine.Score(PrivilegedPod(name: "b")).Alert);
        holder.Swap(RuleSet.Empty);
        Assert.Null(engine.Score(PrivilegedPod(name: "c", time: Events.T0.AddDays(2))).Alert);
    }

    [Fact]
    public void DisabledRule_IsLoadedButNeverScores()
    {
        var engine = Engine(Privileged + "\nenabled: false\n");
        Assert.Single(engine.Rules.Rules.Current.Rules);
        Assert.Null(engine.Score(PrivilegedPod()).Alert);
    }

    [Fact]
    public void Aggregation_DistinctValuesWithinTheWindow_MatchAtTheThreshold()
    {
        var engine = Engine(Burst);
        Assert.Equal(0, engine.Score(Audit("list", "secrets", "a", code: 403, time: Events.T0)).Score);
        Assert.Equal(0, engine.Score(Audit("list", "secrets", "a", code: 403, time: Events.T0.AddMinutes(1))).Score);
        Assert.Equal(0, engine.Score(Audit("list", "secrets", "b", code: 403, time: Events.T0.AddMinutes(2))).Score);
        var third = engine.Score(Audit("list", "secrets", "c", code: 403, time: Events.T0.AddMinutes(3)));
        var reason = Assert.Single(Assert.IsType<Alert>(third.Alert).Reasons);
        Assert.Equal("Denied burst: 3 distinct raw.objectRef.namespace (a, b, c) within 10 min by subject.id=alice@example.com (threshold 3) (rule denied-burst)", reason.Text);

        // Another user starts from nothing; the first user's namespaces age out of the window.
        Assert.Equal(0, engine.Score(Audit("list", "secrets", "d", code: 403, user: "bob@example.com", time: Events.T0.AddMinutes(4))).Score);
        Assert.Equal(0, engine.Score(Audit("list", "secrets", "d", code: 403, time: Events.T0.AddMinutes(30))).Score);
    }

    [Fact]
    public void Aggregation_DistinctCountOfAListField_CountsEveryElement()
    {
        var engine = Engine("""
            id: read-many
            title: Read many
            severity: high
            detection:
              read:
                kind: access.request
                attributes.read|exists: true
              condition: read
            aggregation:
              function: distinct_count
              field: attributes.read
              group_by: [subject.id]
              window: 5m
              threshold: 4
            """);
        AccessEvent Read(int minute, params string[] names) => new()
        {
            Id = Guid.NewGuid().ToString(),
            Time = Events.T0.AddMinutes(minute),
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = "ci-runner" },
            Attributes = new Dictionary<string, JsonElement> { ["read"] = JsonSerializer.SerializeToElement(names) },
        };

        // One call naming three, then one naming two of the same: three distinct, under the threshold.
        Assert.Equal(0, engine.Score(Read(0, "/a", "/b", "/c")).Score);
        Assert.Equal(0, engine.Score(Read(1, "/b", "/c")).Score);
        var fourth = engine.Score(Read(2, "/c", "/d"));
        var reason = Assert.Single(Assert.IsType<Alert>(fourth.Alert).Reasons);
        Assert.StartsWith("Read many: 4 distinct attributes.read (/a, /b, /c, /d) within 5 min", reason.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregation_ServiceAccountOfTwoClusters_CountsInEachCluster_APersonEverywhere()
    {
        // The same service account name in staging and prod is two accounts: their refusals are two groups.
        var engine = Engine(Burst);
        const string account = "system:serviceaccount:web:frontend";
        AccessEvent Denied(string ns, string cluster, string user, int minute) =>
            ManagedClusters.InCluster(Audit("list", "secrets", ns, code: 403, user: user, time: Events.T0.AddMinutes(minute)), cluster);

        Assert.Equal(0, engine.Score(Denied("a", "staging", account, 0)).Score);
        Assert.Equal(0, engine.Score(Denied("b", "staging", account, 1)).Score);
        Assert.Equal(0, engine.Score(Denied("c", "prod", account, 2)).Score);
        Assert.Equal(0, engine.Score(Denied("d", "prod", account, 3)).Score);
        var third = engine.Score(Denied("e", "prod", account, 4));
        Assert.Contains(Assert.IsType<Alert>(third.Alert).Reasons, r => r.Text.Contains("3 distinct raw.objectRef.namespace (c, d, e)", StringComparison.Ordinal));

        // A person is one principal in every cluster: their refusals add up across clusters.
        Assert.Equal(0, engine.Score(Denied("a", "staging", "carol@example.com", 5)).Score);
        Assert.Equal(0, engine.Score(Denied("b", "prod", "carol@example.com", 6)).Score);
        Assert.NotNull(engine.Score(Denied("c", "dev", "carol@example.com", 7)).Alert);
    }

    [Fact]
    public void Aggregation_StateSurvivesACheckpoint()
    {
        var engine = Engine(Burst);
        engine.Score(Audit("list", "secrets", "a", code: 403, time: Events.T0));
        engine.Score(Audit("list", "secrets", "b", code: 403, time: Events.T0.AddMinutes(1)));
        var checkpoint = engine.Checkpoint();

        var restored = Engine(Burst);
        restored.Restore(checkpoint);
        Assert.Equal(1, restored.Rules.Aggregations.GroupCount);
        Assert.NotNull(restored.Score(Audit("list", "secrets", "c", code: 403, time: Events.T0.AddMinutes(2))).Alert);

        var cold = Engine(Burst);
        Assert.Null(cold.Score(Audit("list", "secrets", "c", code: 403, time: Events.T0.AddMinutes(2))).Alert);
    }

    [Fact]
    public void Aggregation_ChangedDefinition_DiscardsTheOldState()
    {
        var engine = Engine(Burst);
        engine.Score(Audit("list", "secrets", "a", code: 403, time: Events.T0));
        engine.Score(Audit("list", "secrets", "b", code: 403, time: Events.T0.AddMinutes(1)));
        var changed = Engine(Burst.Replace("window: 10m", "window: 20m", StringComparison.Ordinal));
        changed.Restore(engine.Checkpoint());
        Assert.Null(changed.Score(Audit("list", "secrets", "c", code: 403, time: Events.T0.AddMinutes(2))).Alert);
    }

    [Fact]
    public void Checkpoint_FormatOne_IsStillRead()
    {
        var engine = Engine(Burst).Warmed();

        // The bindings the history derived are appended elsewhere; an older engine's checkpoint had no such state.
        engine.Links.Delivered(engine.Links.Outbox.Count);
        var v1 = CheckpointFormats.AsFormatOne(engine.Checkpoint());
        var restored = Engine(Burst);
        restored.Restore(v1);
        Assert.Equal(engine.PrincipalCount, restored.PrincipalCount);
        Assert.Equal(engine.EventsScored, restored.EventsScored);
        Assert.Equal(0, restored.Rules.Aggregations.GroupCount);
    }

    [Fact]
    public void Aggregation_GroupsAreBounded()
    {
        var book = new Verifier.Rules.Aggregation.AggregationBook();
        var rule = One(Burst);
        const int max = Verifier.Rules.Aggregation.AggregationBook.MaxGroupsPerRule;

        // All inside one window: the least recently seen twentieth makes room.
        for (var i = 0; i < max + 500; i++)
        {
            book.Observe(rule, rule.Aggregation!, $"user-{i}", "ns", Events.T0.AddMilliseconds(i).UtcTicks, out _, out _);
        }

        Assert.InRange(book.GroupCount, max - (max / 20), max);

        // Much later: the expired groups go first, all of them.
        var later = Events.T0.AddHours(1);
        for (var i = 0; i < max; i++)
        {
            book.Observe(rule, rule.Aggregation!, $"late-{i}", "ns", later.AddMilliseconds(i).UtcTicks, out _, out _);
        }

        Assert.InRange(book.GroupCount, max / 2, max);
    }

    [Fact]
    public void Aggregation_EntriesAreBoundedOverAllGroups()
    {
        // The largest threshold a rule may name, in more groups than the entries' budget holds.
        var book = new Verifier.Rules.Aggregation.AggregationBook();
        var rule = One(Burst.Replace("  function: distinct_count\n  field: raw.objectRef.namespace\n", "", StringComparison.Ordinal)
            .Replace("threshold: 3", "threshold: 100000", StringComparison.Ordinal).Replace("window: 10m", "window: 1d", StringComparison.Ordinal));
        Assert.Equal(RuleAggregation.Count, rule.Aggregation!.Function);
        const int budget = Verifier.Rules.Aggregation.AggregationBook.MaxEntriesPerRule;
        var groups = (budget / 100_000) + 3;
        var matched = false;
        for (var g = 0; g < groups; g++)
        {
            for (var i = 0; i < 100_000; i++)
            {
                matched = book.Observe(rule, rule.Aggregation, $"user-{g}", null, Events.T0.AddMilliseconds((g * 100_000) + i).UtcTicks, out _, out _);
                Assert.True(book.EntryCount <= budget);
            }

            // Each group still reaches its threshold: the groups evicted are the others, least recently seen first.
            Assert.True(matched, $"group {g}");
        }

        Assert.InRange(book.EntryCount, budget - (budget / 10), budget);
    }
}
