using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// The metric correlation types (value_sum, value_avg, value_min, value_max, value_median, value_percentile: the
/// SigmaHQ specification's tests/correlation examples and pySigma's types) over Kubernetes audit events and GKE's Cloud
/// Audit Logs entries: what each computes, the condition's operators (fractions too, and upper bounds alone), the
/// timespan's edge, values that are no numbers, the state through a checkpoint, and every way one can be wrong.
/// </summary>
public sealed class SigmaCorrelationMetricTests
{
    private const string Id = "7b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a40";

    // Scaling a Deployment: the replica count asked for is a number in the request body.
    private static readonly string Scaled = SigmaSamples.KubernetesAudit(
        "e2a4c6d8-0b1d-4f3a-9c5e-7a9b1c3d5e7f", "Deployment scaled", "verb: patch\nobjectRef.resource: deployments", "informational", name: "deployment_scaled");

    private static string Metric(string type, string condition, string timespan = "10m", string groupBy = "- user.username") => $"""
        title: Replicas {type}
        id: {Id}
        correlation:
            type: {type}
            rules:
                - deployment_scaled
            group-by:
                {groupBy}
            timespan: {timespan}
            condition:
                field: requestObject.spec.replicas
        {string.Join('\n', condition.Split('\n').Select(l => "        " + l))}
        level: high
        """;

    private static RuleLoadResult Load(params string[] files) => SigmaCorrelationTests.Load(files);

    private static RuleDetector Detector(params string[] files) => SigmaCorrelationTests.Detector(files);

    private static string? Text(RuleDetector detector, AccessEvent e)
    {
        var output = new List<Contribution>();
        detector.Evaluate(e, output);
        var mine = output.Where(c => c.Rule == Id).ToList();
        return mine.Count == 0 ? null : Assert.Single(mine).Text;
    }

    /// <summary>A scale of a deployment to <paramref name="replicas"/> (JSON as written: a number, text, true, or null to leave it out).</summary>
    private static AccessEvent ScaledTo(string? replicas, double minute, string user = "eve@example.com") =>
        Audit("patch", "deployments", "shop", "web", user: user, time: Events.T0.AddMinutes(minute),
            extra: replicas is null ? """{"requestObject":{"spec":{}}}""" : """{"requestObject":{"spec":{"replicas":""" + replicas + "}}}");

    [Fact]
    public void ValueSum_AddsTheFieldPerGroupWithinTheTimespan()
    {
        var detector = Detector(Scaled, Metric("value_sum", "gt: 50"));
        Assert.Null(Text(detector, ScaledTo("10", 0)));
        Assert.Null(Text(detector, ScaledTo("20", 1)));
        Assert.Null(Text(detector, ScaledTo("40", 2, user: "bob@example.com")));
        Assert.Equal(
            $"Replicas value_sum: sum of requestObject.spec.replicas 55 over 3 events of deployment_scaled within 10 min by user.username=eve@example.com (condition gt 50) (rule {Id})",
            Text(detector, ScaledTo("25", 3)));
    }

    [Fact]
    public void ValueAvg_SpecExample_FractionalAverages_AndTheAverageFallingBack()
    {
        // tests/correlation/value_avg.yml: the average of a field over the group's events, gt 500.
        var detector = Detector(Scaled, Metric("value_avg", "gt: 500"));
        Assert.Null(Text(detector, ScaledTo("400", 0)));
        Assert.EndsWith("average of requestObject.spec.replicas 550.5 over 2 events of deployment_scaled within 10 min by user.username=eve@example.com (condition gt 500) (rule " + Id + ")",
            Text(detector, ScaledTo("701", 1)), StringComparison.Ordinal);
        Assert.Null(Text(detector, ScaledTo("100", 2)));

        // A fractional bound: 2.5 is an average's value.
        var fraction = Detector(Scaled, Metric("value_avg", "gte: 2.5"));
        Assert.Null(Text(fraction, ScaledTo("2", 0)));
        Assert.Contains("average of requestObject.spec.replicas 2.5 over 2 events", Text(fraction, ScaledTo("3", 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void ValueMaxAndMin_AnUpperBoundAlone_IsAPropertyOfEventsThatHappened()
    {
        // tests/correlation/value_max.yml: the maximum reaching a bound.
        var max = Detector(Scaled, Metric("value_max", "gte: 100"));
        Assert.Null(Text(max, ScaledTo("3", 0)));
        Assert.Contains("maximum of requestObject.spec.replicas 120 over 2 events", Text(max, ScaledTo("120", 1)), StringComparison.Ordinal);
        Assert.Contains("maximum of requestObject.spec.replicas 120 over 3 events", Text(max, ScaledTo("2", 2)), StringComparison.Ordinal);

        // Scaled to zero, or almost: the group's minimum under 1, with no lower bound.
        var min = Detector(Scaled, Metric("value_min", "lt: 1"));
        Assert.Null(Text(min, ScaledTo("3", 0)));
        Assert.Contains("minimum of requestObject.spec.replicas 0 over 2 events", Text(min, ScaledTo("0", 1)), StringComparison.Ordinal);
        Assert.Contains("minimum of requestObject.spec.replicas 0 over 1 events", Text(min, ScaledTo("0", 1, user: "bob@example.com")), StringComparison.Ordinal);
    }

    [Fact]
    public void ValueMedianAndPercentile_InterpolateBetweenTheClosestRanks()
    {
        Assert.Equal(2.5, CorrelationMetric.PercentileOf([4, 1, 3, 2], 50));
        Assert.Equal(61.6, CorrelationMetric.PercentileOf([100, 1, 2, 3, 4], 90), 10);
        Assert.Equal(1, CorrelationMetric.PercentileOf([3, 1, 2], 0));
        Assert.Equal(3, CorrelationMetric.PercentileOf([3, 1, 2], 100));
        Assert.Equal(7, CorrelationMetric.PercentileOf([7], 95));

        var median = Detector(Scaled, Metric("value_median", "gte: 10"));
        Assert.Null(Text(median, ScaledTo("1", 0)));
        Assert.Null(Text(median, ScaledTo("3", 1)));
        Assert.Null(Text(median, ScaledTo("30", 2)));
        Assert.Null(Text(median, ScaledTo("12", 3)));
        Assert.Contains("median of requestObject.spec.replicas 12 over 5 events", Text(median, ScaledTo("20", 4)), StringComparison.Ordinal);

        var p90 = Detector(Scaled, Metric("value_percentile", "percentile: 90\ngt: 50"));
        foreach (var (r, minute) in new[] { ("1", 0), ("2", 1), ("3", 2), ("4", 3) })
        {
            Assert.Null(Text(p90, ScaledTo(r, minute)));
        }

        Assert.Contains("90th percentile of requestObject.spec.replicas 61.6 over 5 events of deployment_scaled within 10 min by user.username=eve@example.com (condition gt 50)",
            Text(p90, ScaledTo("100", 4)), StringComparison.Ordinal);
    }

    [Fact]
    public void Conditions_ARangeAndNeq_EveryOperatorMustHold()
    {
        var range = Detector(Scaled, Metric("value_sum", "gt: 10\nlte: 20\nneq: 15"));
        Assert.Null(Text(range, ScaledTo("10", 0)));
        Assert.Contains("(condition gt 10, lte 20, neq 15)", Text(range, ScaledTo("2", 1)), StringComparison.Ordinal);
        Assert.Null(Text(range, ScaledTo("3", 2)));
        Assert.NotNull(Text(range, ScaledTo("5", 3)));
        Assert.Null(Text(range, ScaledTo("1", 4)));

        var eq = Detector(Scaled, Metric("value_max", "eq: 7"));
        Assert.Null(Text(eq, ScaledTo("6", 0)));
        Assert.NotNull(Text(eq, ScaledTo("7", 1)));
    }

    [Fact]
    public void Timespan_AValueExactlyATimespanOld_HasLeft()
    {
        var detector = Detector(Scaled, Metric("value_sum", "gte: 60"));
        Assert.Null(Text(detector, ScaledTo("30", 0)));
        Assert.Null(Text(detector, ScaledTo("30", 10)));
        Assert.Contains("sum of requestObject.spec.replicas 60 over 2 events", Text(detector, ScaledTo("30", 19.99)), StringComparison.Ordinal);

        // An event older than the window its group has seen adds nothing and matches nothing.
        Assert.Null(Text(detector, ScaledTo("500", 1)));
    }

    [Fact]
    public void NoNumber_Missing_Text_Boolean_Null_AddNothingAndMatchNothing_NumericTextCounts()
    {
        var detector = Detector(Scaled, Metric("value_sum", "gte: 10"));
        Assert.Null(Text(detector, ScaledTo("\"forty\"", 0)));
        Assert.Null(Text(detector, ScaledTo("true", 1)));
        Assert.Null(Text(detector, ScaledTo("null", 2)));
        Assert.Null(Text(detector, ScaledTo(null, 3)));
        Assert.Null(Text(detector, ScaledTo("\"NaN\"", 4)));
        Assert.Null(Text(detector, ScaledTo("\"1e400\"", 5)));
        Assert.Null(Text(detector, ScaledTo("4", 6)));

        // Numbers written as text (as JSON carries 64-bit integers) are numbers: 4 + 6 = 10, nothing before counted.
        Assert.Contains("sum of requestObject.spec.replicas 10 over 2 events", Text(detector, ScaledTo("\"6\"", 7)), StringComparison.Ordinal);
        Assert.Contains("sum of requestObject.spec.replicas 12.5 over 3 events", Text(detector, ScaledTo("\"2.5e0\"", 8)), StringComparison.Ordinal);
    }

    [Fact]
    public void State_IsBoundedPerGroup_TheLatestValuesKept()
    {
        var result = Load(Scaled, Metric("value_sum", "gt: 1000000", timespan: "30d"));
        var rule = Assert.Single(result.Rules, r => r.Id == Id);
        var book = new AggregationBook();
        List<double>? window = null;
        for (var i = 0; i < AggregationBook.MaxMetricValues + 5; i++)
        {
            window = book.ObserveMetric(rule, rule.Correlation!.Counting, "eve", i, Events.T0.AddSeconds(i).UtcTicks);
        }

        Assert.Equal(AggregationBook.MaxMetricValues, window!.Count);
        Assert.Equal(5, window[0]);
        Assert.Equal(AggregationBook.MaxMetricValues, book.EntryCount);
    }

    [Fact]
    public void State_SurvivesACheckpointIntoANewEngine_AndACountOnlyBookIsWrittenAsBefore()
    {
        ScoringEngine Engine() => new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Load(Scaled, Metric("value_sum", "gt: 51")).Rules)));
        var engine = Engine();
        Assert.Null(engine.Score(ScaledTo("30", 0)).Alert);
        Assert.Null(engine.Score(ScaledTo("\"20.5\"", 1)).Alert);

        var restored = Engine();
        restored.Restore(engine.Checkpoint());
        var alert = Assert.IsType<Alert>(restored.Score(ScaledTo("1", 2)).Alert);
        Assert.Contains(alert.Reasons, r => r.Rule == Id && r.Text.Contains("sum of requestObject.spec.replicas 51.5 over 3 events", StringComparison.Ordinal));
        Assert.Null(Engine().Score(ScaledTo("1", 2)).Alert);

        // A book with no metric values keeps the layout older engines wrote and read: the rule count first.
        Assert.Equal(BitConverter.GetBytes(0), WrittenBytes.Of(new AggregationBook().Write));
    }

    [Fact]
    public void State_AnOlderBook_WithCountsOnly_IsStillRead()
    {
        // Written as a book before metric values: rule count, then per rule its id, fingerprint and groups.
        var rule = Assert.Single(Load(Scaled, Metric("value_sum", "gt: 50")).Rules, r => r.Id == Id);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(1);
            w.Write("other-rule");
            w.Write("count|...");
            w.Write(1);
            w.Write("eve");
            w.Write(Events.T0.UtcTicks);
            w.Write(2);
            w.Write(Events.T0.UtcTicks);
            w.Write(Events.T0.UtcTicks);
            w.Write(0);
        }

        ms.Position = 0;
        var book = new AggregationBook();
        book.Read(new BinaryReader(ms));
        Assert.Equal(1, book.GroupCount);
        Assert.Equal(2, book.EntryCount);

        // Metric state starts fresh beside it, and is written with its values.
        Assert.NotNull(book.ObserveMetric(rule, rule.Correlation!.Counting, "eve", 3, Events.T0.UtcTicks));
        var copy = new AggregationBook();
        copy.Read(WrittenBytes.Reader(book.Write));
        Assert.Equal(3, copy.EntryCount);
        Assert.Equal([3, 4], copy.ObserveMetric(rule, rule.Correlation!.Counting, "eve", 4, Events.T0.AddMinutes(1).UtcTicks));
    }

    [Theory]
    [InlineData("value_sum", "gt: 5", "correlation needs the condition's 'field'")]
    [InlineData("value_avg", "field: requestObject.spec.replicas", "the condition needs a bound on the value_avg")]
    [InlineData("value_percentile", "field: requestObject.spec.replicas\n        gt: 5", "a value_percentile correlation needs the condition's 'percentile' (0–100)")]
    [InlineData("value_percentile", "field: requestObject.spec.replicas\n        percentile: 101\n        gt: 5", "'percentile' must be from 0 to 100 (is 101)")]
    [InlineData("value_avg", "field: requestObject.spec.replicas\n        percentile: 90\n        gt: 5", "the condition's 'percentile' belongs to value_percentile; value_avg has none")]
    [InlineData("event_count", "percentile: 90\n        gt: 5", "the condition's 'percentile' belongs to value_percentile; event_count has none")]
    [InlineData("value_max", "field: requestObject.spec.replicas\n        gt: many", "condition 'gt' must be a number (is 'many')")]
    [InlineData("value_max", "field: requestObject.spec.replicas\n        gt: .inf", "condition 'gt' must be a number (is '.inf')")]
    [InlineData("value_min", "field: requestObject.spec.replicas\n        below: 5", "unknown condition 'below'")]
    [InlineData("value_min", "field: [a, b]\n        gt: 5", "the condition's 'field' must name one field")]
    [InlineData("value_mean", "field: requestObject.spec.replicas\n        gt: 5", "correlation type 'value_mean' is not supported (supported: event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_min, value_max, value_median, value_percentile)")]
    public void Errors_NameFileLineAndRule(string type, string condition, string reason)
    {
        var text = $"""
            title: Broken
            id: {Id}
            correlation:
                type: {type}
                rules: [deployment_scaled]
                group-by: [user.username]
                timespan: 10m
                condition:
                    {condition}
            """;
        var error = Assert.Single(Load(Scaled, text).Errors);
        Assert.Equal("set1.yml", error.File);
        Assert.Equal(Id, error.RuleId);
        Assert.True(error.Line > 0);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_GiveEachRuleItsOwnNumericField()
    {
        // Replicas asked for by a scale, or allowed by a new autoscaler: one sum per user across both rules.
        var created = SigmaSamples.KubernetesAudit("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "Autoscaler created", "verb: create\nobjectRef.resource: horizontalpodautoscalers", "informational", name: "autoscaler_created");
        var aliased = $"""
            title: Replicas asked for
            id: {Id}
            correlation:
                type: value_sum
                rules: [deployment_scaled, autoscaler_created]
                group-by: [user.username]
                timespan: 10m
                aliases:
                    replicas:
                        deployment_scaled: requestObject.spec.replicas
                        autoscaler_created: requestObject.spec.maxReplicas
                condition:
                    field: replicas
                    gte: 50
            level: high
            """;
        var detector = Detector(Scaled, created, aliased);
        Assert.Null(Text(detector, ScaledTo("20", 0)));
        var create = Audit("create", "horizontalpodautoscalers", "shop", "web", user: "eve@example.com", time: Events.T0.AddMinutes(1), apiGroup: "autoscaling",
            extra: """{"requestObject":{"spec":{"minReplicas":1,"maxReplicas":30}}}""");
        Assert.Contains("sum of replicas 50 over 2 events of deployment_scaled, autoscaler_created", Text(detector, create), StringComparison.Ordinal);
    }

    [Fact]
    public void Field_ResolvesThroughTheLogsource_AnUnknownGcpFieldIsAnError()
    {
        var gcpRule = """
            title: Secrets listed
            id: 0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70
            name: gke_secrets_listed
            logsource:
                product: gcp
                service: gcp.audit
            detection:
                selection:
                    gcp.audit.method_name: io.k8s.core.v1.secrets.list
                condition: selection
            level: informational
            """;
        var bad = $"""
            title: Many secrets listed
            id: {Id}
            correlation:
                type: value_sum
                rules: [gke_secrets_listed]
                group-by: [gcp.audit.authentication_info.principal_email]
                timespan: 1h
                condition:
                    field: gcp.audit.num_items
                    gt: 100
            """;
        var error = Assert.Single(Load(gcpRule, bad).Errors);
        Assert.Contains("gcp.audit.num_items", error.Reason, StringComparison.Ordinal);
        Assert.Empty(Load(gcpRule, bad.Replace("gcp.audit.num_items", "gcp.audit.num_response_items", StringComparison.Ordinal)).Errors);
    }
}
