using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Rules.Backtest;

/// <summary>
/// <c>ztstream rules backtest</c> as a rules repository's reviewer runs it: per rule, how often it would have fired on
/// recorded events, on whom and when, and with <c>--against</c> what a change adds and removes. Every expectation is
/// counted by hand from the events written here.
/// </summary>
public sealed class RulesBacktestTests : IDisposable
{
    private readonly TempFolder dir = new();

    public void Dispose() => dir.Dispose();

    private const string Denied = """
        id: denied
        title: Denied request
        severity: high
        detection:
          d:
            kind: access.request
            outcome: denied
          condition: d
        """;

    private const string Never = """
        id: never
        title: Never fires
        severity: low
        detection:
          d:
            kind: access.request
            action: nuke
          condition: d
        """;

    private const string Off = """
        id: off
        title: Switched off
        severity: low
        enabled: false
        detection:
          d:
            kind: access.request
          condition: d
        """;

    /// <summary>Two denials of one subject within 10 minutes.</summary>
    private const string Burst = """
        id: burst
        title: Burst of denials
        severity: high
        detection:
          d:
            kind: access.request
            outcome: denied
          condition: d
        aggregation:
          group_by: [subject.id]
          window: 10m
          threshold: 2
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Event(string id, string time, string subject, string outcome, string action = "read") =>
        $$"""{"id":"{{id}}","time":"2026-11-30T{{time}}Z","kind":"access.request","subject":{"id":"{{subject}}"},"action":"{{action}}","outcome":"{{outcome}}"}""";

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) =>
        CommandRun.RunAsync(new RulesCommand(Replay.FalcoSuite.Readers), [], ["backtest", .. args]);

    /// <summary>The JSON objects printed, by rule id, and the summary (the last line).</summary>
    private static (Dictionary<string, JsonElement> Rules, JsonElement Summary) Json(string output) => CommandRun.JsonLines(output);

    private static string[] Strings(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!)];

    [Fact]
    public async Task Ndjson_EachRuleCountsMatchesPrincipalsTimesAndSamples_SilentAndDisabledRulesListedToo()
    {
        // A staged rule proves itself on traffic before it counts live: the backtest counts its matches, marked staged.
        var staged = Denied.Replace("id: denied", "id: denied-staged\nstaged: true", StringComparison.Ordinal);
        var rules = Write("rules.yaml", string.Join("\n---\n", Denied, Never, Off, staged));
        var events = Write("events.ndjson", string.Join('\n',
            Event("e1", "10:00:00", "alice", "denied"),
            Event("e2", "10:01:00", "alice", "denied"),
            Event("e3", "10:02:00", "bob", "denied"),
            Event("e4", "10:03:00", "carol", "allowed"),
            // The same event delivered twice: the Verifier scores it once, and so does the backtest.
            Event("e1", "10:00:00", "alice", "denied"),
            Event("e5", "10:05:00", "dave", "denied")) + "\n");

        var (code, output, _) = await Run(rules, "--events", events, "--samples", "2", "--json");

        Assert.Equal(0, code);
        var (byId, summary) = Json(output);
        Assert.Equal(["denied", "never", "off", "denied-staged"], byId.Keys);
        var denied = byId["denied"];
        Assert.Equal(4, denied.GetProperty("matches").GetInt32());
        Assert.Equal(4, denied.GetProperty("events").GetInt32());
        Assert.Equal(3, denied.GetProperty("principals").GetInt32());
        Assert.Equal("2026-11-30T10:00:00Z", denied.GetProperty("first").GetString());
        Assert.Equal("2026-11-30T10:05:00Z", denied.GetProperty("last").GetString());
        Assert.Equal(["e1", "e2"], Strings(denied, "samples"));
        Assert.Equal(0, byId["never"].GetProperty("matches").GetInt32());
        Assert.Equal(JsonValueKind.Null, byId["never"].GetProperty("first").ValueKind);
        Assert.False(byId["off"].GetProperty("enabled").GetBoolean());
        Assert.Equal(0, byId["off"].GetProperty("matches").GetInt32());
        Assert.False(denied.GetProperty("staged").GetBoolean());
        Assert.True(byId["denied-staged"].GetProperty("staged").GetBoolean());
        Assert.Equal(4, byId["denied-staged"].GetProperty("matches").GetInt32());
        Assert.Equal("""{"events":6,"refused":0,"rules":4,"matched":2,"silent":2,"failed":0}""", summary.GetRawText());

        var (textCode, text, _) = await Run(rules, "--events", events);
        Assert.Equal(0, textCode);
        Assert.Matches(@"^denied\s+[0-9a-f]{12}\s+4\s+4\s+3\s+2026-11-30T10:00:00Z 2026-11-30T10:05:00Z e1, e2, e3, e5$", text.Split('\n')[1].TrimEnd());
        Assert.Matches(@"^off\s+[0-9a-f]{12}\s+0\s+0\s+0\s+- +- +- \(disabled\)$", text.Split('\n')[3].TrimEnd());
        Assert.EndsWith("e1, e2, e3, e5 (staged)", text.Split('\n')[4].TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("6 events backtested, 0 refused; 4 rules: 2 matched, 2 matched nothing; 0 failed", text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    /// <summary>
    /// An aggregation matches every event that brings or keeps its group over the threshold; live alerting folds those
    /// into one alert, so the backtest counts one firing per group per window — here two for alice (a burst, then another
    /// more than the window later), none for bob (one denial), while the events it matched are all counted.
    /// </summary>
    [Fact]
    public async Task Aggregation_ThresholdCrossing_CountsOncePerGroupAndWindow()
    {
        var rules = Write("burst.yaml", Burst);
        var events = Write("events.ndjson", string.Join('\n',
            Event("a1", "10:00:00", "alice", "denied"),
            Event("a2", "10:01:00", "alice", "denied"),
            Event("b1", "10:01:30", "bob", "denied"),
            Event("a3", "10:02:00", "alice", "denied"),
            Event("a4", "10:03:00", "alice", "denied"),
            Event("a5", "10:30:00", "alice", "denied"),
            Event("a6", "10:31:00", "alice", "denied")));

        var (code, output, _) = await Run(rules, "--events", events, "--json");

        Assert.Equal(0, code);
        var burst = Json(output).Rules["burst"];
        Assert.Equal(2, burst.GetProperty("matches").GetInt32());
        Assert.Equal(4, burst.GetProperty("events").GetInt32());
        Assert.Equal(["a2", "a6"], Strings(burst, "samples"));
        Assert.Equal(1, burst.GetProperty("principals").GetInt32());
        Assert.Equal("2026-11-30T10:01:00Z", burst.GetProperty("first").GetString());
    }

    /// <summary>
    /// A changed rule, an added one and a removed one, over the same events: per rule id both revisions, and the events
    /// only the new set or only the old set matched, with samples; a rule file of either side that fails is named, exit 1.
    /// </summary>
    [Fact]
    public async Task Against_ReportsWhatTheChangeAddsAndRemoves_PerRule()
    {
        var newRules = Write("new.yaml", string.Join("\n---\n", Denied, Burst));
        var oldRules = Write("old.yaml", Denied.Replace("outcome: denied", "outcome: denied\n    subject.id: alice", StringComparison.Ordinal) + "\n---\n" + """
            id: gone
            title: Gone
            severity: low
            detection:
              d:
                kind: access.request
                action: read
              condition: d
            """);
        var events = Write("events.ndjson", string.Join('\n',
            Event("e1", "10:00:00", "alice", "denied"),
            Event("e2", "10:01:00", "alice", "denied"),
            Event("e3", "10:02:00", "bob", "denied"),
            Event("e4", "10:03:00", "carol", "allowed", action: "write")));

        var (code, output, _) = await Run(newRules, "--events", events, "--against", oldRules, "--json");

        Assert.Equal(0, code);
        var (byId, summary) = Json(output);
        Assert.Equal(["denied", "burst", "gone"], byId.Keys);
        var denied = byId["denied"];
        Assert.Equal("changed", denied.GetProperty("change").GetString());
        Assert.NotEqual(denied.GetProperty("old_revision").GetString(), denied.GetProperty("revision").GetString());
        Assert.Equal((3, 2), (denied.GetProperty("matches").GetInt32(), denied.GetProperty("old_matches").GetInt32()));
        Assert.Equal("""{"events":1,"samples":["e3"]}""", denied.GetProperty("only_new").GetRawText());
        Assert.Equal("""{"events":0,"samples":[]}""", denied.GetProperty("only_old").GetRawText());
        var burst = byId["burst"];
        Assert.Equal("added", burst.GetProperty("change").GetString());
        Assert.Equal(JsonValueKind.Null, burst.GetProperty("old_revision").ValueKind);
        Assert.Equal("""{"events":1,"samples":["e2"]}""", burst.GetProperty("only_new").GetRawText());
        var gone = byId["gone"];
        Assert.Equal("removed", gone.GetProperty("change").GetString());
        Assert.Equal(JsonValueKind.Null, gone.GetProperty("revision").ValueKind);
        Assert.Equal("""{"events":3,"samples":["e1","e2","e3"]}""", gone.GetProperty("only_old").GetRawText());
        Assert.Equal("""{"events":4,"refused":0,"rules":2,"matched":2,"silent":0,"against_rules":2,"added":1,"removed":1,"changed":1,"only_new":2,"only_old":3,"failed":0}""",
            summary.GetRawText());

        var (textCode, text, _) = await Run(newRules, "--events", events, "--against", oldRules);
        Assert.Equal(0, textCode);
        Assert.Matches(@"^denied\s+changed\s+[0-9a-f]{12} → [0-9a-f]{12}\s+2 → 3\s+1\s+0\s+only new: e3$", text.Split('\n')[1].TrimEnd());
        Assert.Matches(@"^gone\s+removed\s+[0-9a-f]{12} → -\s+3 → -\s+0\s+3\s+only old: e1, e2, e3$", text.Split('\n')[3].TrimEnd());

        var broken = Write("broken.yaml", "id: broken\ntitle: B\nseverity: high\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n");
        var (failed, failure, _) = await Run(newRules, "--events", events, "--against", oldRules, broken);
        Assert.Equal(1, failed);
        Assert.Contains($"FAILED (against) {broken}:6: rule 'broken':", failure, StringComparison.Ordinal);
    }

    /// <summary>
    /// A Kubernetes API server's EventList, mapped as the audit webhook maps it: an item live ingestion would refuse (90 days
    /// older than the one before it) is reported with its index and reason, counted, and the run exits 1; the rest count.
    /// </summary>
    [Fact]
    public async Task K8sAuditEventList_RefusedItemReportedWithItsIndex_OthersCounted()
    {
        var rules = Write("k8s.yaml", """
            id: secret-deleted
            title: Secret deleted
            severity: high
            detection:
              d:
                kind: k8s.audit
                action: delete
                resource.type: secrets
              condition: d
            """);
        static string Audit(string id, string verb, string user, string resource, string time) =>
            $$"""{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{id}}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/{{resource}}","verb":"{{verb}}","user":{"username":"{{user}}"},"sourceIPs":["203.0.113.5"],"objectRef":{"resource":"{{resource}}","namespace":"shop","name":"x","apiVersion":"v1"},"responseStatus":{"code":200},"requestReceivedTimestamp":"{{time}}","stageTimestamp":"{{time}}"}""";
        var events = Write("audit.json", $$"""
            {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
              {{Audit("a-1", "delete", "ana@example.com", "secrets", "2026-11-30T10:00:00.000000Z")}},
              {{Audit("a-2", "list", "ana@example.com", "pods", "2026-11-30T10:01:00.000000Z")}},
              {{Audit("a-3", "delete", "ben@example.com", "secrets", "2026-09-01T10:00:00.000000Z")}},
              {{Audit("a-4", "delete", "cleo@example.com", "secrets", "2026-11-30T11:00:00.000000Z")}}
            ]}
            """);

        var (code, output, error) = await Run(rules, "--events", events, "--format", "k8s-audit", "--json");

        Assert.Equal(1, code);
        var (byId, summary) = Json(output);
        Assert.Equal(2, byId["secret-deleted"].GetProperty("matches").GetInt32());
        // A sample is the event id, which digests the auditID with the request (docs/sources.md).
        var ids = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(events, TestContext.Current.CancellationToken))).Events
            .ToDictionary(e => e.Attributes!["k8s.audit_id"].GetString()!, e => e.Id);
        Assert.Equal([ids["a-1"], ids["a-4"]], Strings(byId["secret-deleted"], "samples"));
        Assert.Equal(2, byId["secret-deleted"].GetProperty("principals").GetInt32());
        Assert.Equal(3, summary.GetProperty("events").GetInt32());
        Assert.Equal(1, summary.GetProperty("refused").GetInt32());
        var lines = error.TrimEnd().Split('\n');
        Assert.StartsWith($"ztstream rules backtest: {events}: skipped item 2: time: 2026-09-01T10:00:00.0000000+00:00 is 90 days old", lines[0], StringComparison.Ordinal);
        Assert.Contains($"ztstream rules backtest: {events}: 4 input items: 3 events scored, 1 skipped", lines);
    }

    /// <summary>
    /// Okta's System Log (an array of LogEvents) under a Sigma rule of Okta's logsource: a session cleared by an
    /// administrator is about the user whose session it was, so the two events are on two principals.
    /// </summary>
    [Fact]
    public async Task OktaLogEvents_SigmaRule_CountsEachEventOnTheUserItConcerns()
    {
        var rules = Write("okta.yml", """
            title: Okta session cleared
            id: 2f3b0c55-1111-4a2b-9c3d-000000000001
            status: test
            logsource:
                product: okta
                service: okta
            detection:
                selection:
                    eventtype: user.session.clear
                condition: selection
            level: medium
            """);
        var events = Write("okta.json", """
            [{"uuid":"a1","published":"2026-11-29T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00u9","type":"User","alternateId":"sam@acme.example"},"client":{"ipAddress":"198.51.100.7"},"outcome":{"result":"SUCCESS"}},
             {"uuid":"a2","published":"2026-11-29T09:05:00.000Z","eventType":"user.session.clear","actor":{"id":"00uadmin","type":"User","alternateId":"it-admin@acme.example"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u9","type":"User","alternateId":"sam@acme.example"}]},
             {"uuid":"a3","published":"2026-11-29T09:06:00.000Z","eventType":"user.session.clear","actor":{"id":"00uadmin","type":"User","alternateId":"it-admin@acme.example"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u7","type":"User","alternateId":"kim@acme.example"}]}]
            """);

        var (code, output, _) = await Run(rules, "--events", events, "--format", "okta", "--json");

        Assert.Equal(0, code);
        var (byId, summary) = Json(output);
        var rule = byId["2f3b0c55-1111-4a2b-9c3d-000000000001"];
        Assert.Equal("sigma", rule.GetProperty("format").GetString());
        Assert.Equal((2, 2), (rule.GetProperty("matches").GetInt32(), rule.GetProperty("principals").GetInt32()));
        Assert.Equal(["a2", "a3"], Strings(rule, "samples"));
        Assert.Equal(3, summary.GetProperty("events").GetInt32());
    }

    [Theory]
    [InlineData(new[] { "--help" }, "--against <PATH>")]
    [InlineData(new[] { "-h" }, "--events <FILE> (REQUIRED)")]
    public async Task Help_ExitsZeroDescribingTheCommand(string[] args, string expected)
    {
        var (code, output, _) = await Run(args);
        Assert.Equal(0, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadUsage => new()
    {
        { [], "Option '--events' is required" },
        { ["--events", "EVENTS", "--format", "csv"], "--format must be one of ndjson|" },
        { ["--events", "EVENTS", "--samples", "-1"], "--samples" },
        { ["--events", "EVENTS", "--against"], "--against" },
        { ["--events", "EVENTS", "--nosuch"], "unknown option '--nosuch'" },
        { ["--events", "MISSING"], "--events file" },
    };

    [Theory]
    [MemberData(nameof(BadUsage))]
    public async Task BadUsage_ExitsTwoWithOneLinePerProblem(string[] args, string named)
    {
        var events = Write("events.ndjson", Event("e1", "10:00:00", "alice", "denied") + "\n");
        var rules = Write("rules.yaml", Denied);
        string[] resolved = [rules, .. args.Select(a => a switch { "EVENTS" => events, "MISSING" => Path.Combine(dir.Path, "missing.ndjson"), _ => a })];

        var (code, _, error) = await Run(resolved);

        Assert.Equal(2, code);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Contains("usage: ztstream rules backtest", error, StringComparison.Ordinal);
    }
}
