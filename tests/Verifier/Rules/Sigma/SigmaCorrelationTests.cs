using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// Sigma correlation rules (Sigma correlation rules specification 2.0) read beside the rules they reference and
/// evaluated on Kubernetes audit events: event_count, value_count, temporal, temporal_ordered, chains, aliases,
/// generate, conditions as bounds, and every way a correlation can be wrong as an error naming file, line and rule.
/// </summary>
public sealed class SigmaCorrelationTests
{
    // Spec-style base rules: a UUID id, a human name, a kubernetes/audit logsource.
    private static readonly string Denied = SigmaSamples.DeniedRequest("5638f7c0-ac70-491d-8465-2a65075e0d86", "denied_request", "low", "Denied API request");

    private const string SecretRead = """
        title: Secret read
        id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
        name: secret_read
        logsource:
            product: kubernetes
            service: audit
        detection:
            selection:
                verb: get
                objectRef.resource: secrets
                responseStatus.code: 200
            condition: selection
        level: low
        """;

    private static string Correlation(string type, string rules, string rest, string id = "c0e95725-7320-415d-80f7-004da920fc11", string extra = "") => $"""
        title: Correlated {type}
        id: {id}
        {extra}correlation:
            type: {type}
            rules:
        {string.Join('\n', rules.Split(',').Select(r => "        - " + r.Trim()))}
        {rest}
        level: high
        tags:
            - attack.discovery
            - attack.t1613
        """;

    internal static string ManyDenied(string condition = "gte: 5", string groupBy = "- user.username", string extra = "") =>
        Correlation("event_count", "denied_request", $"""
                group-by:
                    {groupBy}
                timespan: 10m
                condition:
                    {condition}
            """, extra: extra);

    internal static RuleLoadResult Load(params string[] files) =>
        RuleLoader.Load(files.Select((f, i) => new RuleSource($"set{i}.yml", f)));

    internal static RuleDetector Detector(params string[] files)
    {
        var result = Load(files);
        Assert.Empty(result.Errors);
        return new RuleDetector(new RuleSetHolder(new RuleSet(result.Rules)));
    }

    private static List<Contribution> Evaluate(RuleDetector detector, AccessEvent e)
    {
        var output = new List<Contribution>();
        detector.Evaluate(e, output);
        return output;
    }

    private static AccessEvent DeniedAt(int minute, string user = "eve@example.com", string ns = "payments") =>
        Audit("get", "secrets", ns, "db", user: user, code: 403, time: Events.T0.AddMinutes(minute));

    private static AccessEvent ReadAt(int minute, string user = "eve@example.com") =>
        Audit("get", "secrets", "payments", "db", user: user, code: 200, time: Events.T0.AddMinutes(minute));

    [Fact]
    public void EventCount_SameFile_AlertsOnlyFromTheThreshold_AsTheCorrelation()
    {
        var detector = Detector(Denied + "\n---\n" + ManyDenied());
        for (var i = 0; i < 4; i++)
        {
            // The base rule is referenced without generate: it raises nothing of its own.
            Assert.Empty(Evaluate(detector, DeniedAt(i)));
        }

        var fifth = Assert.Single(Evaluate(detector, DeniedAt(4)));
        Assert.Equal("c0e95725-7320-415d-80f7-004da920fc11", fifth.Rule);
        Assert.Equal(RuleScores.FromSeverity("high"), fifth.Score);
        Assert.Equal(["T1613"], fifth.Techniques);
        Assert.Equal(["discovery"], fifth.Tactics);
        Assert.Equal("Correlated event_count: 5 events of denied_request within 10 min by user.username=eve@example.com (threshold 5) (rule c0e95725-7320-415d-80f7-004da920fc11)", fifth.Text);

        // Another user's count starts from nothing.
        Assert.Empty(Evaluate(detector, DeniedAt(5, user: "bob@example.com")));
    }

    [Fact]
    public void EventCount_OutsideTheTimespan_DoesNotCount()
    {
        var detector = Detector(Denied, ManyDenied());
        for (var i = 0; i < 4; i++)
        {
            Evaluate(detector, DeniedAt(i * 4));
        }

        // Minutes 0, 4, 8, 12, 16: never five within ten minutes.
        Assert.Empty(Evaluate(detector, DeniedAt(16)));
    }

    [Fact]
    public void Reference_ById_InAnotherFile_CorrelationReadFirst()
    {
        var byId = ManyDenied().Replace("- denied_request", "- 5638f7c0-ac70-491d-8465-2a65075e0d86", StringComparison.Ordinal);
        var detector = Detector(byId, Denied);
        for (var i = 0; i < 4; i++)
        {
            Assert.Empty(Evaluate(detector, DeniedAt(i)));
        }

        Assert.Contains("5 events of 5638f7c0-ac70-491d-8465-2a65075e0d86", Assert.Single(Evaluate(detector, DeniedAt(4))).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_True_TheBaseRuleAlsoRaises()
    {
        var detector = Detector(Denied, ManyDenied(extra: "generate: true\n"));
        var first = Assert.Single(Evaluate(detector, DeniedAt(0)));
        Assert.Equal("5638f7c0-ac70-491d-8465-2a65075e0d86", first.Rule);

        // Inside the correlation section, as some tools write it, too.
        var inside = Detector(Denied, ManyDenied().Replace("    timespan: 10m", "    timespan: 10m\n    generate: true", StringComparison.Ordinal));
        Assert.Single(Evaluate(inside, DeniedAt(0)));
    }

    [Fact]
    public void UnreferencedSigmaRules_StillRaise()
    {
        var detector = Detector(Denied, SecretRead, ManyDenied());
        Assert.Equal("4d0a2c83-c62c-4ed4-b475-c7e23a9269b8", Assert.Single(Evaluate(detector, ReadAt(0))).Rule);
    }

    [Theory]
    [InlineData("gt: 4", 5)]
    [InlineData("gte: 3", 3)]
    [InlineData("eq: 2", 2)]
    public void Conditions_LowerBounds_MatchFromTheirCount(string condition, int from)
    {
        var detector = Detector(Denied, ManyDenied(condition));
        for (var i = 1; i < from; i++)
        {
            Assert.Empty(Evaluate(detector, DeniedAt(i)));
        }

        Assert.Single(Evaluate(detector, DeniedAt(from)));
    }

    [Fact]
    public void Conditions_Range_MatchesWhileTheCountIsInside_NotPastIt()
    {
        // "101 to 200" in the specification, scaled: gt 2, lte 4.
        var detector = Detector(Denied, ManyDenied("gt: 2\n        lte: 4"));
        Assert.Empty(Evaluate(detector, DeniedAt(0)));
        Assert.Empty(Evaluate(detector, DeniedAt(1)));
        Assert.Contains("3 events of denied_request within 10 min by user.username=eve@example.com (condition gte 3, lte 4)", Assert.Single(Evaluate(detector, DeniedAt(2))).Text, StringComparison.Ordinal);
        Assert.Single(Evaluate(detector, DeniedAt(3)));
        Assert.Empty(Evaluate(detector, DeniedAt(4)));
        Assert.Empty(Evaluate(detector, DeniedAt(5)));

        // eq is a range of one.
        var eq = Detector(Denied, ManyDenied("eq: 2"));
        Assert.Empty(Evaluate(eq, DeniedAt(0)));
        Assert.Contains("(condition eq 2)", Assert.Single(Evaluate(eq, DeniedAt(1))).Text, StringComparison.Ordinal);
        Assert.Empty(Evaluate(eq, DeniedAt(2)));
    }

    [Fact]
    public void Conditions_Neq_SkipsThatCount()
    {
        var detector = Detector(Denied, ManyDenied("gte: 2\n        neq: 3"));
        Assert.Empty(Evaluate(detector, DeniedAt(0)));
        Assert.Single(Evaluate(detector, DeniedAt(1)));
        Assert.Empty(Evaluate(detector, DeniedAt(2)));
        Assert.Single(Evaluate(detector, DeniedAt(3)));
    }

    [Theory]
    [InlineData("lt: 5")]
    [InlineData("lte: 5")]
    [InlineData("neq: 5")]
    public void Conditions_WithoutALowerBound_AreRefusedSayingWhy(string condition)
    {
        var error = Assert.Single(Load(Denied, ManyDenied(condition)).Errors);
        Assert.Equal("set1.yml", error.File);
        Assert.Equal("c0e95725-7320-415d-80f7-004da920fc11", error.RuleId);
        Assert.Contains("needs a lower bound (gt, gte or eq)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ValueCount_DistinctValuesOfTheField_PerGroup()
    {
        var valueCount = Correlation("value_count", "denied_request", """
                group-by:
                    - user.username
                timespan: 1h
                condition:
                    field: objectRef.namespace
                    gte: 3
            """);
        var detector = Detector(Denied, valueCount);
        Assert.Empty(Evaluate(detector, DeniedAt(0, ns: "a")));
        Assert.Empty(Evaluate(detector, DeniedAt(1, ns: "a")));
        Assert.Empty(Evaluate(detector, DeniedAt(2, ns: "b")));
        Assert.Empty(Evaluate(detector, DeniedAt(3, ns: "c", user: "bob@example.com")));
        var third = Assert.Single(Evaluate(detector, DeniedAt(4, ns: "c")));
        Assert.Equal("Correlated value_count: 3 distinct objectRef.namespace (a, b, c) in events of denied_request within 1 h by user.username=eve@example.com (threshold 3) (rule c0e95725-7320-415d-80f7-004da920fc11)", third.Text);
    }

    [Fact]
    public void Temporal_EveryRuleWithinTheTimespan_InAnyOrder()
    {
        var temporal = Correlation("temporal", "secret_read, denied_request", """
                group-by:
                    - user.username
                timespan: 5m
            """);
        var detector = Detector(Denied + "\n---\n" + SecretRead, temporal);
        Assert.Empty(Evaluate(detector, ReadAt(0)));
        Assert.Empty(Evaluate(detector, DeniedAt(1, user: "bob@example.com")));
        var both = Assert.Single(Evaluate(detector, DeniedAt(2)));
        Assert.Contains("all of secret_read, denied_request matched within 5 min by user.username=eve@example.com", both.Text, StringComparison.Ordinal);

        // Too far apart.
        var late = Detector(Denied + "\n---\n" + SecretRead, temporal);
        Evaluate(late, DeniedAt(0));
        Assert.Empty(Evaluate(late, ReadAt(6)));
    }

    [Fact]
    public void Temporal_WithACondition_ThatManyOfItsRules()
    {
        var impersonation = SecretRead.Replace("name: secret_read", "name: pod_exec", StringComparison.Ordinal)
            .Replace("4d0a2c83-c62c-4ed4-b475-c7e23a9269b8", "pod-exec-id", StringComparison.Ordinal)
            .Replace("objectRef.resource: secrets", "objectRef.subresource: exec", StringComparison.Ordinal);
        var twoOfThree = Correlation("temporal", "denied_request, secret_read, pod_exec", """
                group-by: [user.username]
                timespan: 5m
                condition:
                    gte: 2
            """);
        var detector = Detector(Denied, SecretRead, impersonation, twoOfThree);
        Assert.Empty(Evaluate(detector, DeniedAt(0)));
        Assert.Empty(Evaluate(detector, DeniedAt(1)));
        Assert.Contains("2 of denied_request, secret_read, pod_exec matched (denied_request, secret_read)", Assert.Single(Evaluate(detector, ReadAt(2))).Text, StringComparison.Ordinal);

        // The expression form some tools write is refused, saying what to write instead.
        var expression = twoOfThree.Replace("condition:\n        gte: 2", "condition: denied_request and secret_read", StringComparison.Ordinal);
        Assert.NotEqual(twoOfThree, expression);
        Assert.Contains("a temporal condition is a count of the rules that matched ({gte: 3} for all of them)", Assert.Single(Load(Denied, SecretRead, impersonation, expression).Errors).Reason, StringComparison.Ordinal);

        var tooMany = twoOfThree.Replace("gte: 2", "gte: 4", StringComparison.Ordinal);
        Assert.Contains("at most 3", Assert.Single(Load(Denied, SecretRead, impersonation, tooMany).Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_ACorrelationTwoOthersReference_CountsEachEventOnce()
    {
        var inner = Correlation("event_count", "denied_request", "    group-by: [user.username]\n    timespan: 10m\n    condition: {gte: 2}", id: "inner");
        var first = Correlation("event_count", "inner", "    group-by: [user.username]\n    timespan: 10m\n    condition: {gte: 2}", id: "outer-1");
        var second = Correlation("event_count", "inner", "    group-by: [user.username]\n    timespan: 10m\n    condition: {gte: 2}", id: "outer-2");
        var detector = Detector(Denied, inner, first, second);

        // inner matches from the second denial on; each outer counts inner's matches: the third denial is their second.
        Assert.Empty(Evaluate(detector, DeniedAt(0)));
        Assert.Empty(Evaluate(detector, DeniedAt(1)));
        Assert.Equal(["outer-1", "outer-2"], Evaluate(detector, DeniedAt(2)).Select(c => c.Rule).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TemporalOrdered_OnlyInTheOrderWritten()
    {
        var ordered = Correlation("temporal_ordered", "denied_request, secret_read", """
                group-by:
                    - user.username
                timespan: 10m
            """);
        var detector = Detector(Denied, SecretRead, ordered);
        Assert.Empty(Evaluate(detector, ReadAt(0)));
        Assert.Empty(Evaluate(detector, DeniedAt(1)));
        var inOrder = Assert.Single(Evaluate(detector, ReadAt(2)));
        Assert.Equal("Correlated temporal_ordered: denied_request then secret_read matched in order within 10 min by user.username=eve@example.com (rule c0e95725-7320-415d-80f7-004da920fc11)", inOrder.Text);

        var reversed = Detector(Denied, SecretRead, ordered);
        Evaluate(reversed, ReadAt(0));
        Assert.Empty(Evaluate(reversed, DeniedAt(1)));

        // One event both steps match is one step, not the whole sequence; a second such event completes it.
        var anyGet = SecretRead.Replace("\n        responseStatus.code: 200", "", StringComparison.Ordinal);
        Assert.NotEqual(SecretRead, anyGet);
        var both = Detector(Denied, anyGet, ordered);
        Assert.Empty(Evaluate(both, DeniedAt(0)));
        Assert.Single(Evaluate(both, DeniedAt(1)));
    }

    [Fact]
    public void Chain_SpecExample_ManyFailuresThenASuccess()
    {
        // The specification's example: temporal_ordered over an event_count correlation, all in one file, outer first.
        var file = """
            title: Many denied then a secret read
            id: b180ead8-d58f-40b2-ae54-c8940995b9b6
            correlation:
                type: temporal_ordered
                rules:
                    - many_denied
                    - secret_read
                group-by:
                    - user.username
                timespan: 10m
            level: critical
            ---
            title: Many denied requests
            id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
            name: many_denied
            correlation:
                type: event_count
                rules:
                    - denied_request
                group-by:
                    - user.username
                timespan: 10m
                condition:
                    gte: 3
            ---

            """ + Denied + "\n---\n" + SecretRead;
        var loaded = Load(file);
        Assert.Empty(loaded.Errors);
        Assert.Equal(4, loaded.Rules.Count);
        Assert.Equal(["b180ead8-d58f-40b2-ae54-c8940995b9b6"], loaded.Rules.Where(r => r.Generates).Select(r => r.Id));
        var detector = new RuleDetector(new RuleSetHolder(new RuleSet(loaded.Rules)));

        Assert.Empty(Evaluate(detector, ReadAt(0)));
        Assert.Empty(Evaluate(detector, DeniedAt(1)));
        Assert.Empty(Evaluate(detector, DeniedAt(2)));
        Assert.Empty(Evaluate(detector, DeniedAt(3)));
        var alert = Assert.Single(Evaluate(detector, ReadAt(4)));
        Assert.Equal("b180ead8-d58f-40b2-ae54-c8940995b9b6", alert.Rule);
        Assert.Equal(RuleScores.FromSeverity("critical"), alert.Score);
    }

    [Fact]
    public void SpecExample_OnAnUnmappedLogsource_EveryDocumentSaysWhyItDidNotLoad()
    {
        // The specification's closing example as written: Windows security events, which ZtStream has no mapping for.
        static string WindowsLogon(string title, string id, string name, int legacy, int current) => $"""
            title: {title}
            id: {id}
            name: {name}
            logsource:
                product: windows
                service: security
            detection:
                selection:
                    EventID:
                        - {legacy}
                        - {current}
                condition: selection
            """;

        var errors = Load("""
            title: Correlation - Multiple Failed Logins Followed by Successful Login
            id: b180ead8-d58f-40b2-ae54-c8940995b9b6
            status: experimental
            correlation:
                type: temporal_ordered
                rules:
                    - multiple_failed_login
                    - successful_login
                group-by:
                    - User
                timespan: 10m
            level: high
            ---
            title: Multiple failed logons
            id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
            name: multiple_failed_login
            correlation:
                type: event_count
                rules:
                    - failed_login
                group-by:
                    - User
                timespan: 10m
                condition:
                    gte: 10
            ---

            """ + WindowsLogon("Single failed login", "53ba33fd-3a50-4468-a5ef-c583635cfa92", "failed_login", 529, 4625)
            + "\n---\n" + WindowsLogon("Successful login", "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8", "successful_login", 528, 4624)).Errors;
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.Equal("set0.yml", e.File));
        Assert.Equal(2, errors.Count(e => e.Reason.Contains("product: windows, service: security", StringComparison.Ordinal)));
        var count = Assert.Single(errors, e => e.RuleId == "a8418a5a-5fc4-46b5-b23b-6c73beb19d41");
        Assert.Equal(20, count.Line);
        Assert.Equal("references 'failed_login', a rule that did not load (set0.yml:31: its own error says why)", count.Reason);
        var ordered = Assert.Single(errors, e => e.RuleId == "b180ead8-d58f-40b2-ae54-c8940995b9b6");
        Assert.Equal((7, "references correlation 'multiple_failed_login', which did not load"), (ordered.Line, ordered.Reason));
    }

    [Fact]
    public void Aliases_GroupEventsOfDifferentFields()
    {
        // Who was denied, and whose name a later secret carries: an alias relates them.
        var aliased = Correlation("temporal", "denied_request, secret_read", """
                group-by:
                    - actor
                timespan: 10m
                aliases:
                    actor:
                        denied_request: user.username
                        secret_read: objectRef.name
            """);
        var detector = Detector(Denied, SecretRead, aliased);
        Evaluate(detector, DeniedAt(0, user: "db"));
        var both = Assert.Single(Evaluate(detector, ReadAt(1, user: "someone-else@example.com")));
        Assert.Contains("by actor=db", both.Text, StringComparison.Ordinal);

        var other = Detector(Denied, SecretRead, aliased);
        Evaluate(other, DeniedAt(0, user: "mallory"));
        Assert.Empty(Evaluate(other, ReadAt(1)));
    }

    [Fact]
    public void GroupBy_MissingField_TheEventIsNotCounted()
    {
        var detector = Detector(Denied, ManyDenied("gte: 2", groupBy: "- impersonatedUser.username"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(Evaluate(detector, DeniedAt(i)));
        }

        var impersonated = """{"impersonatedUser":{"username":"system:admin"}}""";
        Assert.Empty(Evaluate(detector, Audit("get", "secrets", code: 403, extra: impersonated, time: Events.T0.AddMinutes(6))));
        Assert.Contains("by impersonatedUser.username=system:admin", Assert.Single(Evaluate(detector,
            Audit("get", "secrets", code: 403, extra: impersonated, time: Events.T0.AddMinutes(7)))).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupBy_Empty_OneGroupForEveryEvent()
    {
        var detector = Detector(Denied, ManyDenied("gte: 2", groupBy: "[]"));
        Assert.Empty(Evaluate(detector, DeniedAt(0, user: "a@example.com")));
        Assert.EndsWith("within 10 min (threshold 2) (rule c0e95725-7320-415d-80f7-004da920fc11)", Assert.Single(Evaluate(detector, DeniedAt(1, user: "b@example.com"))).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void State_SurvivesACheckpointIntoANewEngine()
    {
        ScoringEngine Engine() => new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Load(Denied, ManyDenied("gte: 3")).Rules)));
        var engine = Engine();
        Assert.Null(engine.Score(DeniedAt(0)).Alert);
        Assert.Null(engine.Score(DeniedAt(1)).Alert);

        var restored = Engine();
        restored.Restore(engine.Checkpoint());
        Assert.Equal(1, restored.Rules.Aggregations.GroupCount);
        var alert = Assert.IsType<Alert>(restored.Score(DeniedAt(2)).Alert);
        Assert.Contains(alert.Reasons, r => r.Rule == "c0e95725-7320-415d-80f7-004da920fc11" && r.Text.Contains("3 events of denied_request", StringComparison.Ordinal));

        Assert.Null(Engine().Score(DeniedAt(2)).Alert);
    }

    [Fact]
    public void State_OfAChangedCorrelation_IsDropped()
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Load(Denied, ManyDenied("gte: 3")).Rules)));
        engine.Score(DeniedAt(0));
        engine.Score(DeniedAt(1));
        var changed = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Load(Denied, ManyDenied("gte: 3", groupBy: "- objectRef.namespace")).Rules)));
        changed.Restore(engine.Checkpoint());
        Assert.Null(changed.Score(DeniedAt(2)).Alert);
    }

    [Fact]
    public void Kinds_AreTheReferencedRulesKinds()
    {
        var correlation = Assert.Single(Load(Denied, ManyDenied()).Rules, r => r.Correlation is not null);
        Assert.Equal([EventKinds.K8sAudit], correlation.Kinds);
    }

    [Theory]
    [InlineData("rules:\n        - nobody", 6, "references 'nobody', but no loaded rule has that id or name")]
    [InlineData("timespan: 10m", 0, "a correlation needs 'timespan'")]
    [InlineData("group-by:\n        - user.username", 0, "a correlation needs 'group-by'")]
    [InlineData("condition:\n        gte: 5", 0, "a event_count correlation needs 'condition'")]
    [InlineData("type: event_count", 0, "a correlation needs 'type'")]
    public void Errors_NameFileLineAndRule(string remove, int line, string reason)
    {
        var text = ManyDenied();
        var broken = remove.StartsWith("rules:", StringComparison.Ordinal)
            ? text.Replace("- denied_request", "- nobody", StringComparison.Ordinal)
            : text.Replace("    " + remove + "\n", "", StringComparison.Ordinal).Replace("    " + remove, "", StringComparison.Ordinal);
        Assert.NotEqual(text, broken);
        var error = Assert.Single(Load(Denied, broken).Errors);
        Assert.Equal("set1.yml", error.File);
        Assert.Equal("c0e95725-7320-415d-80f7-004da920fc11", error.RuleId);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        if (line > 0)
        {
            Assert.Equal(line, error.Line);
        }
    }

    [Fact]
    public void Errors_AReferencedRuleThatDidNotLoad_IsNamedAsSuch()
    {
        var unmapped = Denied.Replace("product: kubernetes", "product: windows", StringComparison.Ordinal);
        var errors = Load(unmapped, ManyDenied()).Errors;
        Assert.Equal(2, errors.Count);
        Assert.Contains("has no field mapping", errors[0].Reason, StringComparison.Ordinal);
        Assert.Equal(6, errors[0].Line);
        Assert.Equal("references 'denied_request', a rule that did not load (set0.yml:6: its own error says why)", errors[1].Reason);
    }

    [Theory]
    [InlineData("type: event_counts", "correlation type 'event_counts' is not supported")]
    [InlineData("type: value_mean", "correlation type 'value_mean' is not supported")]
    [InlineData("typo: x", "unknown correlation key 'typo'")]
    public void Errors_UnsupportedTypeOrKey(string change, string reason)
    {
        var text = change.StartsWith("type", StringComparison.Ordinal)
            ? ManyDenied().Replace("type: event_count", change, StringComparison.Ordinal)
            : ManyDenied().Replace("    timespan: 10m", "    timespan: 10m\n    " + change, StringComparison.Ordinal);
        var error = Assert.Single(Load(Denied, text).Errors);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal("c0e95725-7320-415d-80f7-004da920fc11", error.RuleId);
    }

    [Theory]
    // The specification's timespan is a number and a lowercase unit. A bare number once read as days (TimeSpan's d),
    // and infinity or a span past what a TimeSpan holds threw out of the loader instead of naming the rule.
    [InlineData("10", "is not a duration (e.g. 90s, 15m, 1h, 2d)")]
    [InlineData("'10'", "is not a duration (e.g. 90s, 15m, 1h, 2d)")]
    [InlineData("1w", "is not a duration (e.g. 90s, 15m, 1h, 2d)")]
    [InlineData("1H", "is not a duration (e.g. 90s, 15m, 1h, 2d)")]
    [InlineData("Infinitys", "is not a duration of at most 3650 days")]
    [InlineData("1e300d", "is not a duration of at most 3650 days")]
    [InlineData("99999999d", "is not a duration of at most 3650 days")]
    [InlineData("1e-9s", "must be a positive duration")]
    [InlineData("0s", "must be a positive duration")]
    [InlineData("-5m", "must be a positive duration")]
    public void Errors_TimespanOutsideTheSpecification_IsRefusedNamingIt(string timespan, string reason)
    {
        var text = ManyDenied().Replace("timespan: 10m", "timespan: " + timespan, StringComparison.Ordinal);
        var error = Assert.Single(Load(Denied, text).Errors);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains("'timespan'", error.Reason, StringComparison.Ordinal);
        Assert.Equal("c0e95725-7320-415d-80f7-004da920fc11", error.RuleId);
    }

    [Theory]
    [InlineData("90m", 90)]
    [InlineData("1.5h", 90)]
    [InlineData("01:30:00", 90)]
    public void Timespan_UnitsAndClockForm_AreThatLong(string timespan, int minutes)
    {
        var text = ManyDenied().Replace("timespan: 10m", "timespan: " + timespan, StringComparison.Ordinal);
        var result = Load(Denied, text);
        Assert.Empty(result.Errors);
        var correlation = Assert.Single(result.Rules, r => r.Id == "c0e95725-7320-415d-80f7-004da920fc11");
        Assert.Equal(TimeSpan.FromMinutes(minutes), correlation.Correlation!.Counting.Window);
    }

    [Fact]
    public void Errors_ValueCountWithoutField_TemporalWithOneRule()
    {
        var noField = ManyDenied().Replace("type: event_count", "type: value_count", StringComparison.Ordinal);
        Assert.Contains("needs the condition's 'field'", Assert.Single(Load(Denied, noField).Errors).Reason, StringComparison.Ordinal);
        var lonely = Correlation("temporal", "denied_request", "    group-by: [user.username]\n    timespan: 5m");
        Assert.Contains("relates two or more rules", Assert.Single(Load(Denied, lonely).Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_Cycle_NamesIt_Once()
    {
        var a = Correlation("event_count", "corr-b", "    group-by: [user.username]\n    timespan: 5m\n    condition: {gte: 2}", id: "corr-a");
        var b = Correlation("event_count", "corr-a", "    group-by: [user.username]\n    timespan: 5m\n    condition: {gte: 2}", id: "corr-b");
        var errors = Load(a, b).Errors;
        Assert.Contains(errors, e => e.RuleId == "corr-a" && e.Reason.Contains("cycle: corr-a → corr-b → corr-a", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.RuleId == "corr-b" && e.Reason.Contains("references correlation 'corr-a', which did not load", StringComparison.Ordinal));
        Assert.Equal(2, errors.Count);

        var self = Correlation("event_count", "corr-s", "    group-by: [user.username]\n    timespan: 5m\n    condition: {gte: 2}", id: "corr-s");
        Assert.Contains("cycle: corr-s → corr-s", Assert.Single(Load(self).Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_AmbiguousName_AliasWithoutAField_AggregatingRule()
    {
        var twin = Denied.Replace("5638f7c0-ac70-491d-8465-2a65075e0d86", "another-id", StringComparison.Ordinal);
        Assert.Contains("which names 2 rules (set0.yml:1, set1.yml:1)", Assert.Single(Load(Denied, twin, ManyDenied()).Errors).Reason, StringComparison.Ordinal);

        var alias = Correlation("temporal", "denied_request, secret_read", """
                group-by: [actor]
                timespan: 10m
                aliases:
                    actor:
                        denied_request: user.username
            """);
        Assert.Contains("alias 'actor' gives no field for rule 'secret_read'", Assert.Single(Load(Denied, SecretRead, alias).Errors).Reason, StringComparison.Ordinal);

        var aggregating = """
            id: zt-burst
            title: Burst
            severity: low
            detection:
              d:
                kind: k8s.audit
                status: 403
              condition: d
            aggregation:
              group_by: [subject.id]
              window: 5m
              threshold: 3
            """;
        var onIt = ManyDenied().Replace("- denied_request", "- zt-burst", StringComparison.Ordinal);
        Assert.Contains("a rule with its own aggregation", Assert.Single(Load(aggregating, onIt).Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_TooManyRules_TooDeepAChain_TooLargeACount()
    {
        var many = Correlation("temporal", string.Join(", ", Enumerable.Range(0, RuleLimits.MaxCorrelationRules + 1).Select(i => $"r{i}")),
            "    group-by: [user.username]\n    timespan: 5m");
        Assert.Contains($"at most {RuleLimits.MaxCorrelationRules} rules", Assert.Single(Load(many).Errors).Reason, StringComparison.Ordinal);

        var chain = new List<string> { Denied };
        for (var i = 0; i <= RuleLimits.MaxCorrelationChain; i++)
        {
            chain.Add(Correlation("event_count", i == 0 ? "denied_request" : $"chain-{i - 1}", "    group-by: [user.username]\n    timespan: 5m\n    condition: {gte: 2}", id: $"chain-{i}"));
        }

        var errors = Load([.. chain]).Errors;
        Assert.Contains(errors, e => e.Reason.Contains($"nest deeper than {RuleLimits.MaxCorrelationChain} levels", StringComparison.Ordinal));

        var huge = ManyDenied($"gte: {RuleLimits.MaxCount + 1}");
        Assert.Contains($"from 0 to {RuleLimits.MaxCount}", Assert.Single(Load(Denied, huge).Errors).Reason, StringComparison.Ordinal);
    }
}
