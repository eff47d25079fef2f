using ZtStream.Ingest.Sources.Azure;
using ZtStream.Verifier.Tests.Rules;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// Resource Manager logs a write, delete or action when it starts (<c>Start</c>/<c>Started</c>), sometimes when it is
/// accepted (<c>Accept</c>/<c>Accepted</c>, a long operation), and when it ends (<c>Success</c>/<c>Succeeded</c>,
/// <c>Failure</c>/<c>Failed</c>), all under one <c>correlationId</c> (docs/sources.md, "One operation, several records").
/// Ingest gives an operation's records one id, so the Verifier reads them as the stages of one access: the baselines count
/// it once, a rule that needs its end sees that end once, and a record that never gets its end is still an access.
/// </summary>
public sealed class AzureOperationStagesTests
{
    private const string Kim = "kim.lee@contoso.example";

    private static string[] Lines() => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "IngestTestData", "azure-activity", "activity-records.ndjson"));

    private static List<AccessEvent> Map(params string[] records)
    {
        var mapped = AzureActivityMapper.Map(Encoding.UTF8.GetBytes(string.Join("\n", records)));
        Assert.Empty(mapped.Errors);
        return [.. mapped.Events];
    }

    /// <summary>An engine with the enabled built-in rules and <paramref name="extra"/>, noting the id of each rule a scored event matched.</summary>
    private sealed class Scorer(params Rule[] extra)
    {
        public ScoringEngine Engine { get; } =
            new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet([.. RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => r.Enabled), .. extra])));

        public List<string> Matched { get; } = [];

        /// <summary>The caller's window: the accesses counted and how many of them were denied.</summary>
        public (int Count, int Denied) KimsWindow => (Engine.StateOf(Kim)!.WindowCount, Engine.StateOf(Kim)!.WindowDenied);

        /// <summary>Maps <paramref name="records"/> and scores their events in order, as the log hands them.</summary>
        public List<ScoreResult> Score(params string[] records)
        {
            Engine.Rules.Matched = (rule, _, _) => Matched.Add(rule.Id);
            return [.. Map(records).Select(e => Engine.Score(ContractJson.Serialize(e)))];
        }
    }

    [Fact]
    public void Score_StartedThenSucceeded_OneAccess_TheRuleOnce()
    {
        var lines = Lines();
        var scorer = new Scorer();

        var results = scorer.Score(lines[0], lines[1]);

        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Equal((1, 0), scorer.KimsWindow);
        Assert.Equal(1, scorer.Engine.EventsScored);
        Assert.Equal(["azure-privileged-role-assigned"], scorer.Matched);
    }

    [Fact]
    public void Score_SucceededBeforeItsStartedRecord_TheStartedIsARedelivery()
    {
        var lines = Lines();
        var scorer = new Scorer();

        var results = scorer.Score(lines[1], lines[0]);

        Assert.Equal([false, true], results.Select(r => r.Duplicate));
        Assert.Equal(1, scorer.KimsWindow.Count);
        Assert.Equal(["azure-privileged-role-assigned"], scorer.Matched);
    }

    /// <summary>
    /// The documented records: 15 records, 14 operations (the role assignment's Started and Succeeded records are one), 14
    /// accesses for the baselines; each of the ten rules they raise fires once.
    /// </summary>
    [Fact]
    public void Score_DocumentedRecords_OneAccessPerOperation()
    {
        var scorer = new Scorer();

        scorer.Score(Lines());

        Assert.Equal(14, scorer.Engine.EventsScored);
        Assert.Equal(10, scorer.Matched.Count);
        Assert.Equal(10, scorer.Matched.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>
    /// A long operation read through the REST API: its Accepted record, then hours later its Succeeded one, each with its own
    /// <c>eventDataId</c>: one access; before its end, a rule on the operation whatever its end matches the Accepted record,
    /// and a rule that needs the success waits for it.
    /// </summary>
    [Fact]
    public void Score_LongOperationAcceptedThenSucceeded_OneAccess_RulesMatchWhereTheyAreDecided()
    {
        var (accepted, succeeded) = (Rest("Accepted", "a7c03000-0000-4000-8000-0000000000e1", "2026-12-02T09:00:00Z"), Rest("Succeeded", "a7c03000-0000-4000-8000-0000000000e2", "2026-12-02T11:30:00Z"));
        var scorer = new Scorer(AnyEnd, NeedsSuccess);

        Assert.False(scorer.Score(accepted)[0].Duplicate);
        Assert.Equal(["run-command-any-end"], scorer.Matched);
        Assert.Equal(1, scorer.KimsWindow.Count);

        var second = scorer.Score(succeeded);
        Assert.False(second[0].Duplicate);
        Assert.Equal(["run-command-any-end", "azure-run-command", "run-command-succeeded"], scorer.Matched);
        Assert.Equal(1, scorer.Engine.EventsScored);
    }

    /// <summary>A Started record whose end never comes (or comes after its marker is forgotten) is still the caller's access, seen by the rules it decides.</summary>
    [Fact]
    public void Score_StartedRecordAlone_IsAnAccess_SeenByTheRulesItDecides()
    {
        var scorer = new Scorer(AnyEnd, NeedsSuccess);

        scorer.Score(Rest("Started", "a7c03000-0000-4000-8000-0000000000e3", "2026-12-02T09:00:00Z"));

        Assert.Equal(["run-command-any-end"], scorer.Matched);
        Assert.Equal(1, scorer.Engine.EventsScored);
        Assert.Equal(1, scorer.KimsWindow.Count);
    }

    [Fact]
    public void Score_StartedThenRefused_OneAccessCountedAsADenial_NoSuccessRule()
    {
        var scorer = new Scorer(AnyEnd, NeedsSuccess);

        scorer.Score(Rest("Started", "a7c03000-0000-4000-8000-0000000000e4", "2026-12-02T09:00:00Z"), Rest("Failed", "a7c03000-0000-4000-8000-0000000000e5", "2026-12-02T09:00:02Z", "Forbidden"));

        Assert.Equal((1, 1), scorer.KimsWindow);
        Assert.Equal(["run-command-any-end"], scorer.Matched);
    }

    /// <summary>Two operations of one correlation (a deployment) on two resources are two accesses.</summary>
    [Fact]
    public void Score_TwoResourcesOfOneCorrelation_TwoAccesses()
    {
        var scorer = new Scorer();
        var other = JsonNode.Parse(Rest("Succeeded", "a7c03000-0000-4000-8000-0000000000e7", "2026-12-02T09:00:03Z"))!;
        other["value"]![0]!["resourceId"] = "/subscriptions/a7c05000-0000-4000-8000-000000000001/resourceGroups/rg-ledger/providers/Microsoft.Compute/virtualMachines/vm-batch-08";

        scorer.Score(Rest("Succeeded", "a7c03000-0000-4000-8000-0000000000e6", "2026-12-02T09:00:02Z"), other.ToJsonString());

        Assert.Equal(2, scorer.Engine.EventsScored);
    }

    private static readonly Rule AnyEnd = Custom("run-command-any-end", "condition: ran");

    private static readonly Rule NeedsSuccess = Custom("run-command-succeeded", "ok:\n    outcome: success\n  condition: ran and ok");

    private static Rule Custom(string id, string tail) => RuleTesting.One(
        $"id: {id}\ntitle: {id}\nseverity: low\nscore: 5\ndetection:\n  ran:\n    kind: access.request\n    attributes.azure.operation_name: MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION\n  {tail}\n",
        id + ".yaml");

    /// <summary>A run command on a VM as the REST API lists it: one record of the operation, its status and its own event id.</summary>
    private static string Rest(string status, string eventDataId, string time, string subStatus = "") =>
        $$"""{"value":[{"caller":"{{Kim}}","claims":{"upn":"{{Kim}}","oid":"a7c0a000-0000-4000-8000-000000000011","tid":"a7c0e000-0000-4000-8000-000000000001"},"correlationId":"a7c01000-0000-4000-8000-0000000000e0","eventDataId":"{{eventDataId}}","category":{"value":"Administrative"},"eventTimestamp":"{{time}}","httpRequest":{"clientIpAddress":"203.0.113.41","method":"POST"},"level":"Informational","operationName":{"value":"Microsoft.Compute/virtualMachines/runCommand/action"},"resourceId":"/subscriptions/a7c05000-0000-4000-8000-000000000001/resourceGroups/rg-ledger/providers/Microsoft.Compute/virtualMachines/vm-batch-07","status":{"value":"{{status}}"},"subStatus":{"value":"{{subStatus}}"},"subscriptionId":"a7c05000-0000-4000-8000-000000000001","properties":{ } } ] }""";
}
