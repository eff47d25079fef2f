using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Replay;

public sealed class ReplayCommandTests : IDisposable
{
    private readonly TempFolder temp = new("zt-replay-");

    public void Dispose() => temp.Dispose();

    /// <summary>A time as RFC 3339 §5.6 NOTE allows it too, with a lower-case <c>t</c> and <c>z</c>.</summary>
    private const string LowerCaseTime = "2026-11-30t10:00:00z";

    /// <summary>The settings a replay runs with unless a test gives its own: no model, so the rules alone decide.</summary>
    private static Dictionary<string, string?> NoModel => new() { ["Verifier:ModelEnabled"] = "false" };

    [Fact]
    public async Task SimulateThenReplay_Json_LastLineIsTheEvaluation()
    {
        var (events, labels, simErr) = await SimulateAsync("--principals", "120", "--days", "2", "--seed", "9", "--scenarios", "pod-exec,bulk-exfiltration");
        Assert.Contains("2 scenarios injected", simErr, StringComparison.Ordinal);

        var (code, output, _) = await ReplayAsync([events, "--labels", labels, "--json"]);
        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var last = JsonDocument.Parse(lines[^1]);
        var root = last.RootElement;
        Assert.Equal(["scenarios", "false_positives_per_1000_principal_days", "events", "alerts", "benign_events", "benign_events_alerted"], root.EnumerateObject().Select(p => p.Name));
        Assert.InRange(root.GetProperty("benign_events").GetInt64(), 1, root.GetProperty("events").GetInt64() - 2);
        foreach (var name in new[] { "pod-exec", "bulk-exfiltration" })
        {
            var s = root.GetProperty("scenarios").GetProperty(name);
            Assert.Equal(["detected", "severity", "events_to_detection", "alerted"], s.EnumerateObject().Select(p => p.Name));
            Assert.True(s.GetProperty("alerted").GetBoolean());
            Assert.True(s.GetProperty("detected").GetBoolean());
            Assert.Contains(s.GetProperty("severity").GetString(), new[] { "high", "critical" });
            Assert.True(s.GetProperty("events_to_detection").GetInt32() >= 1);
        }

        Assert.Equal(File.ReadLines(events).Count(), root.GetProperty("events").GetInt64());
        Assert.Equal(lines.Length - 1, lines.Take(lines.Length - 1).Count(l => l.Contains("\"dedup_key\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Replay_K8sAuditTraceWithInjectedReader_PrintsAlert()
    {
        var folder = FalcoSuite.Folder();
        Assert.NotNull(folder);

        var (code, output, err) = await ReplayAsync([Path.Combine(folder, "traces", "attach_cluster_admin_role.json"), "--format", "k8s-audit"]);
        Assert.True(code == 0, err.ToString());
        Assert.Contains("Binding to cluster-admin created: create clusterrolebinding some-reader-binding", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_OktaSystemLogFormat_ScoresTheIdpsSessionRevocationAsACriticalAlert()
    {
        var file = await FileOfLinesAsync("okta.ndjson", [
            """{"uuid":"a1","published":"2026-03-01 09:00:00.000000000","eventType":"user.session.start","actor":{"id":"00u9","type":"User","alternateId":"sam@acme.example"},"client":{"ipAddress":"198.51.100.7"},"outcome":{"result":"SUCCESS"},"authenticationContext":{"externalSessionId":"s-1"}}""",
            """{"uuid":"a2","published":"2026-03-01 09:05:00.000000000 UTC","eventType":"user.session.clear","actor":{"id":"00uadmin","type":"User","alternateId":"it-admin@acme.example"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u9","type":"User","alternateId":"sam@acme.example"}]}""",
        ]);

        var (alert, _) = await ReplayToOneAlertAsync(file, "okta");

        Assert.Equal("sam@acme.example", alert.GetProperty("principal").GetString());
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.Equal("idp_sessions_revoked", alert.GetProperty("reasons")[0].GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Replay_GkeAuditExport_ScoresLikeTheWebhooksEventsAndSaysWhatItSkipped()
    {
        // A Cloud Logging export of GKE's audit log: a privileged pod created, then an entry that names no service.
        var file = await FileOfLinesAsync("gke.ndjson", [
            """{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"ana@shop.example"},"requestMetadata":{"callerIp":"203.0.113.5","callerSuppliedUserAgent":"kubectl/v1.30.5"},"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/shop/pods/debug","request":{"@type":"core.k8s.io/v1.Pod","apiVersion":"v1","kind":"Pod","metadata":{"name":"debug"},"spec":{"containers":[{"name":"debug","image":"alpine","securityContext":{"privileged":true}}]}}},"insertId":"g-1","resource":{"type":"k8s_cluster","labels":{"cluster_name":"gke-shop"}},"timestamp":"2026-11-30T20:00:00Z"}""",
            """{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"ana@shop.example"},"methodName":"google.container.v1.ClusterManager.GetCluster","resourceName":"projects/p/locations/l/clusters/gke-shop"},"insertId":"g-2","timestamp":"2026-11-30T20:01:00Z"}""",
        ]);

        var (alert, err) = await ReplayToOneAlertAsync(file, "k8s-audit", exit: 1);

        Assert.Equal("ana@shop.example", alert.GetProperty("principal").GetString());
        Assert.Equal("k8s-privileged-container", alert.GetProperty("reasons")[0].GetProperty("rule").GetString());
        Assert.Contains("protoPayload.serviceName", err, StringComparison.Ordinal);
    }

    /// <summary>
    /// Replay maps a recorded file with the <c>Ingest</c> bounds and naming the live endpoint uses: with the defaults, a
    /// pod name the configured field limit clips live kept its whole length offline, and an Okta user configured to be
    /// named by id was named by login — another principal than the one live scoring keys.
    /// </summary>
    [Theory]
    [InlineData("falco", "Ingest:MaxFieldLength", "100")]
    [InlineData("okta", "Ingest:IdentitySubjects:okta", "user_id")]
    public async Task Replay_IngestSectionConfigured_MapsWithItLikeTheLiveEndpoint(string format, string setting, string value)
    {
        var file = Path.Combine(temp.Path, $"{format}.json");
        await File.WriteAllTextAsync(file, format == "falco"
            ? """{"uuid":"6f1e2d3c-0000-4000-8000-00000000a001","output":"A shell was spawned in a container","priority":"Critical","rule":"Terminal shell in container","time":"2026-11-30T20:00:00Z","source":"syscall","hostname":"node-1.example.com","output_fields":{"container.id":"3ad7b26ded6d","k8s.ns.name":"shop","proc.cmdline":"bash -i","k8s.pod.name":"web-"""
              + new string('x', 150) + "\"}}"
            : """
              {"uuid":"a1","published":"2026-03-01 09:00:00.000000000","eventType":"user.session.start","actor":{"id":"00u9","type":"User","alternateId":"sam@acme.example"},"client":{"ipAddress":"198.51.100.7"},"outcome":{"result":"SUCCESS"},"authenticationContext":{"externalSessionId":"s-1"}}
              {"uuid":"a2","published":"2026-03-01 09:05:00.000000000 UTC","eventType":"user.session.clear","actor":{"id":"00uadmin","type":"User","alternateId":"it-admin@acme.example"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u9","type":"User","alternateId":"sam@acme.example"}]}
              """, Ct);

        var (alert, _) = await ReplayToOneAlertAsync(file, format, new() { [setting] = value });

        var principal = alert.GetProperty("principal").GetString()!;
        if (format == "falco")
        {
            Assert.InRange(principal.Length, 1, 100);
            Assert.StartsWith("shop/web-xxx", principal, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("00u9", principal);
        }
    }

    /// <summary>An <c>Ingest</c> section that live would refuse at start is refused by replay the same way, not replaced by defaults.</summary>
    [Fact]
    public async Task Replay_InvalidIngestSection_ExitsTwoNamingTheKey()
    {
        var file = Path.Combine(temp.Path, "falco.json");
        await File.WriteAllTextAsync(file, """{"rule":"Terminal shell in container","priority":"Notice","time":"2026-11-30T20:00:00Z","output_fields":{"container.id":"3ad7b26ded6d"}}""", Ct);
        var (code, output, err) = await ReplayAsync(settings: new() { ["Ingest:MaxFieldLength"] = "10" }, args: [file, "--format", "falco"]);

        Assert.Equal(2, code);
        Assert.Contains("configuration error: Ingest:MaxFieldLength", err.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    /// <summary>
    /// Replay validates every canonical event as <c>POST /v1/events</c> does, with its messages: a line live ingestion would
    /// refuse is counted and named on stderr (file, line, field, reason), never scored. The old reader scored all but the
    /// principal-less line.
    /// </summary>
    [Fact]
    public async Task Replay_CanonicalEventsLiveWouldRefuse_AreReportedWithLineFieldAndReasonNotScored()
    {
        var file = await FileOfLinesAsync("recorded.ndjson", [
            """{"id":"e1","time":"2026-11-30T10:00:00Z","kind":"access.request","subject":{"id":"ana@example.com"},"action":"read","outcome":"denied"}""",
            """{"id":"e2","time":"2026-11-30T10:01:00Z","kind":"zt.alert","subject":{"id":"ana@example.com"},"outcome":"denied"}""",
            "",
            """{"id":"e3","time":"2026-11-30T10:02:00Z","kind":"access.request","subject":{"id":"ana@example.com"},"user_agent":"x","status":1200}""",
            """{"id":"e4","kind":"access.request","subject":{"id":"ana@example.com"}}""",
            """{"id":"e5","time":"2026-11-30T10:03:00Z","kind":"access.request","workload":{"name":"no-id"}}""",
            """{"id":"e6","time":"2026-09-01T10:00:00Z","kind":"access.request","subject":{"id":"ben@example.com"},"outcome":"denied"}""",
            """{"id":"e7","time":"2099-01-01T00:00:00Z","kind":"access.request","subject":{"id":"ben@example.com"},"outcome":"denied"}""",
            """{"id":"e8","time":"2026-11-30T10:04:00Z","kind":"access.request","subject":{"id":"ben@example.com"},"action":"read","outcome":"success"}""",
        ]);
        var (code, _, err) = await ReplayAsync([file]);

        Assert.Equal(1, code);
        var text = err.ToString();
        Assert.Contains($"ztstream replay: {file}: 8 input items: 2 events scored, 6 skipped", text, StringComparison.Ordinal);
        Assert.Contains("skipped 1 × kind: \"zt.alert\" is reserved", text, StringComparison.Ordinal);
        Assert.Contains("(item 1 (line 2))", text, StringComparison.Ordinal);
        Assert.Contains("skipped 1 × status: must be between 0 and 999 (is 1200) (item 2 (line 4))", text, StringComparison.Ordinal);
        Assert.Contains("skipped 1 × time: required (item 3 (line 5))", text, StringComparison.Ordinal);
        Assert.Contains("skipped 1 × workload.id: required when workload is given (item 4 (line 6))", text, StringComparison.Ordinal);
        Assert.Contains("skipped 1 × time: 2026-09-01T10:00:00.0000000+00:00 is 90 days old; events older than 30 days are not accepted (item 5 (line 7))", text, StringComparison.Ordinal);
        Assert.Matches(@"skipped 1 × time: 2099-01-01T00:00:00\.0000000\+00:00 is [0-9.]+ days ahead of the server clock; at most 5 minutes is accepted \(item 6 \(line 8\)\)", text);
    }

    /// <summary>
    /// A source's events pass the validator after their adapter, as on the live endpoint: an audit event recorded 90 days
    /// before the one the API server sent ahead of it would have been refused as too old, and is not scored.
    /// </summary>
    [Fact]
    public async Task Replay_SourceEventLiveWouldRefuseAfterMapping_IsReportedByItemNotScored()
    {
        var file = Path.Combine(temp.Path, "audit.json");
        await File.WriteAllTextAsync(file, """
            {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
              {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{"username":"ana@example.com"},"sourceIPs":["203.0.113.5"],"objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-11-30T10:00:00.000000Z","stageTimestamp":"2026-11-30T10:00:00.100000Z"},
              {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/secrets","verb":"list","user":{"username":"ben@example.com"},"sourceIPs":["203.0.113.6"],"objectRef":{"resource":"secrets","namespace":"shop","apiVersion":"v1"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-09-01T10:00:00.000000Z","stageTimestamp":"2026-09-01T10:00:00.100000Z"}
            ]}
            """, Ct);
        var (code, _, err) = await ReplayAsync([file, "--format", "k8s-audit"]);

        Assert.Equal(1, code);
        var text = err.ToString();
        Assert.Contains($"ztstream replay: {file}: 2 input items: 1 events scored, 1 skipped", text, StringComparison.Ordinal);
        Assert.Contains("skipped 1 × time: 2026-09-01T10:00:00.0000000+00:00 is 90 days old; events older than 30 days are not accepted (item 1)", text, StringComparison.Ordinal);
    }

    /// <summary>A file whose every item is refused evaluated nothing: that is a failure, not a clean replay without alerts.</summary>
    [Fact]
    public async Task Replay_EveryItemRefused_ExitsOneSayingNothingWasScored()
    {
        var file = await FileOfLinesAsync("refused.ndjson", [
            """{"id":"e-1","kind":"access.request","subject":{"id":"ana@example.com"}}""",
            """{"id":"e-2","time":"2026-11-30T10:01:00Z","kind":"access.request","status":1200,"subject":{"id":"ana@example.com"}}""",
        ]);
        var (code, output, err) = await ReplayAsync([file]);

        Assert.Equal(1, code);
        var lines = err.ToString().TrimEnd().Split('\n');
        Assert.All(lines, l => Assert.StartsWith("ztstream replay: ", l, StringComparison.Ordinal));
        Assert.Contains($"ztstream replay: {file}: 2 input items: 0 events scored, 2 skipped", lines);
        Assert.Equal($"ztstream replay: nothing in {file} could be scored", lines[^1]);
        Assert.Empty(output.ToString());
    }

    /// <summary>
    /// A skipped item fails the replay as it fails <c>rules backtest</c>: exit 1 beside scored events, so a script can tell a
    /// clean replay from one that dropped input. Before, replay exited 0 whatever it skipped while something was scored.
    /// </summary>
    [Theory]
    [InlineData(0, new[] { "read", "write" })]
    [InlineData(1, new[] { "read", "no-time" })]
    [InlineData(1, new[] { "no-time", "read", "write" })]
    [InlineData(1, new[] { "read", "status-1200", "write", "no-principal" })]
    public async Task Replay_ItemSkippedBesideScoredOnes_ExitsAsRulesBacktest(int expected, string[] items)
    {
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var file = await FileOfLinesAsync("mixed.ndjson", items.Select((item, i) =>
        {
            var time = start.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture);
            return item switch
            {
                "no-time" => $$$"""{"id":"e{{{i}}}","kind":"access.request","subject":{"id":"ana@example.com"}}""",
                "status-1200" => $$$"""{"id":"e{{{i}}}","time":"{{{time}}}","kind":"access.request","status":1200,"subject":{"id":"ana@example.com"}}""",
                "no-principal" => $$$"""{"id":"e{{{i}}}","time":"{{{time}}}","kind":"access.request","action":"read"}""",
                _ => $$$"""{"id":"e{{{i}}}","time":"{{{time}}}","kind":"access.request","subject":{"id":"ana@example.com"},"action":"{{{item}}}","outcome":"success"}""",
            };
        }));
        var (code, _, err) = await ReplayAsync([file]);
        var (backtest, _, backtestErr) = await CommandRun.RunAsync(new RulesCommand(Ingest.Sources.SourceFileReaders.All), NoModel, ["backtest", "--events", file]);

        Assert.True(code == expected, $"exit {code}:\n{err}");
        Assert.True(backtest == expected, $"backtest exit {backtest}:\n{backtestErr}");
        var skipped = items.Count(i => i is "no-time" or "status-1200" or "no-principal");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"ztstream replay: {file}: {items.Length} input items: {items.Length - skipped} events scored, {skipped} skipped"), err.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("could be scored", err.ToString(), StringComparison.Ordinal);
    }

    /// <summary>With labels, the evaluation of what was scored is still printed when an item was skipped, and the exit is 1.</summary>
    [Fact]
    public async Task Replay_LabelsAndASkippedItem_PrintsTheEvaluationAndExitsOne()
    {
        var (events, labels, _) = await SimulateAsync("--principals", "20", "--days", "1", "--seed", "3", "--scenarios", "pod-exec");
        await File.AppendAllLinesAsync(events, ["""{"id":"undated","kind":"access.request","subject":{"id":"ana@example.com"}}"""], Ct);
        var (code, output, err) = await ReplayAsync([events, "--labels", labels, "--json"]);

        Assert.True(code == 1, $"exit {code}:\n{err}");
        Assert.Contains("1 skipped", err.ToString(), StringComparison.Ordinal);
        using var last = JsonDocument.Parse(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.True(last.RootElement.GetProperty("scenarios").GetProperty("pod-exec").GetProperty("alerted").GetBoolean());
    }

    /// <summary>The configured bounds are the validator's too: an id within the default limit but over the configured one is refused.</summary>
    [Fact]
    public async Task Replay_IngestLimitConfigured_ValidatesWithIt()
    {
        var file = await FileOfLinesAsync("ids.ndjson", [
            """{"id":"short","time":"2026-11-30T10:00:00Z","kind":"access.request","subject":{"id":"ana@example.com"}}""",
            $$$"""{"id":"{{{new string('i', 40)}}}","time":"2026-11-30T10:01:00Z","kind":"access.request","subject":{"id":"ana@example.com"}}""",
        ]);
        var (code, _, err) = await ReplayAsync(settings: new() { ["Ingest:MaxIdLength"] = "32" }, args: [file]);

        Assert.Equal(1, code);
        Assert.Contains("1 events scored, 1 skipped", err.ToString(), StringComparison.Ordinal);
        Assert.Contains("skipped 1 × id: is 40 characters; the limit is 32 (item 1 (line 2))", err.ToString(), StringComparison.Ordinal);
    }

    /// <summary><c>ztstream replay FILE --format FORMAT</c> through the real readers: its one alert, and what it said on stderr.</summary>
    /// <summary>
    /// A folder or an empty path where a file belongs is named as such, with exit 2 and the usage line: before, a folder was
    /// said not to exist, which sent users looking for a typo.
    /// </summary>
    [Theory]
    [InlineData("FILE", "file '{dir}' is a folder: name a file in it")]
    [InlineData("--policy", "policy file '{dir}' is a folder: name a file in it")]
    [InlineData("--labels", "labels file '{dir}' is a folder: name a file in it")]
    [InlineData("EMPTY", "file is empty: name a file")]
    public async Task Replay_FolderOrEmptyPathForAFile_ExitsTwoSayingWhatItIs(string where, string expected)
    {
        var (events, _) = await AnasRecordingAsync();
        string[] args = where switch
        {
            "FILE" => [temp.Path],
            "EMPTY" => [""],
            _ => [events, where, temp.Path],
        };
        var (code, output, err) = await ReplayAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(output.ToString());
        var lines = err.ToString().TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal($"ztstream replay: {expected.Replace("{dir}", temp.Path, StringComparison.Ordinal)}", lines[0].TrimEnd());
        Assert.StartsWith("usage: ztstream replay <FILE> [options]", lines[1], StringComparison.Ordinal);
    }

    /// <summary>A labels file with a line that is no label: exit 2 naming the file and line, not an unhandled JSON exception.</summary>
    [Fact]
    public async Task Replay_LabelsLineThatIsNoLabel_ExitsTwoNamingTheLine()
    {
        var (events, labels) = await AnasRecordingAsync(AnasLabel() + "\r\n\r\nscenario,principal\r\n");
        var (code, _, err) = await ReplayAsync([events, "--labels", labels]);

        Assert.Equal(2, code);
        Assert.StartsWith($"ztstream replay: labels file '{labels}' line 3 is not a label", err.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A labels line that is JSON but lacks a member or holds null where a label holds a value: exit 2 naming the line and
    /// the member, in words. Before, a line without "scenario" ended the process with an unhandled ArgumentNullException
    /// (exit 134), and an array line was told with the deserializer's type name and zero-based positions.
    /// </summary>
    [Theory]
    [InlineData("""{"foo":1}""", "line 2 is not a label as 'ztstream simulate --labels' writes them: $: missing required members: ")]
    [InlineData("""{"scenario":null,"principal":"ana@example.com","start":"2026-11-30T10:00:00Z","event_ids":["e1"]}""", "line 2 is not a label as 'ztstream simulate --labels' writes them: scenario: required")]
    [InlineData("""{"scenario":"s","principal":"ana@example.com","start":"2026-11-30T10:00:00Z","event_ids":["e1",null]}""", "line 2 is not a label as 'ztstream simulate --labels' writes them: event_ids[1]: required")]
    [InlineData("[1,2]", "line 2 is not a label as 'ztstream simulate --labels' writes them: $: expected an object or null (line 1, byte 2)")]
    public async Task Replay_LabelsLineMissingAMember_ExitsTwoNamingLineAndMember(string line, string expected)
    {
        var (events, labels) = await AnasRecordingAsync(AnasLabel() + "\n" + line + "\n");
        var (code, _, err) = await ReplayAsync([events, "--labels", labels]);

        Assert.Equal(2, code);
        Assert.StartsWith($"ztstream replay: labels file '{labels}' {expected}", err.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ScenarioLabel", err.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A labels file without a label (empty, or blank lines: what <c>simulate --scenarios none</c> writes, or a wrong or
    /// truncated file) is said on stderr, and the evaluation, false positives only, still printed.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("\n\r\n")]
    public async Task Replay_LabelsFileWithoutALabel_WarnsNamingTheFileAndStillEvaluates(string content)
    {
        var (events, labels) = await AnasRecordingAsync(content);
        var (code, output, err) = await ReplayAsync([events, "--labels", labels, "--json"]);

        Assert.Equal(0, code);
        Assert.Equal(
            $"ztstream replay: warning: labels file '{labels}' holds no label: no scenario to detect, every alert counts as a false positive",
            err.ToString().Split('\n')[0].TrimEnd());
        using var report = JsonDocument.Parse(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(1, report.RootElement.GetProperty("events").GetInt64());
        Assert.Empty(report.RootElement.GetProperty("scenarios").EnumerateObject());
    }

    /// <summary>RFC 3339 §5.6 NOTE allows a lower-case <c>t</c> and <c>z</c>: in a recording's times and a label's start.</summary>
    [Fact]
    public async Task Replay_TimesWithLowerCaseTAndZ_AreRead()
    {
        var (events, labels) = await AnasRecordingAsync(AnasLabel(LowerCaseTime) + "\n", LowerCaseTime);
        var (code, output, err) = await ReplayAsync([events, "--labels", labels, "--json"]);

        Assert.Equal(0, code);
        Assert.Contains("1 events scored, 0 skipped", err.ToString(), StringComparison.Ordinal);
        using var report = JsonDocument.Parse(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(1, report.RootElement.GetProperty("events").GetInt64());
        Assert.True(report.RootElement.GetProperty("scenarios").TryGetProperty("pod-exec", out _));
    }

    /// <summary><c>ztstream replay</c> with <paramref name="args"/> through Ingest's readers, the model off and <paramref name="settings"/> besides.</summary>
    private static Task<(int Code, string Out, string Err)> ReplayAsync(string[] args, Dictionary<string, string?>? settings = null) =>
        CommandRun.RunAsync(new ReplayCommand(FalcoSuite.Readers), new Dictionary<string, string?>(settings ?? []) { ["Verifier:ModelEnabled"] = "false" }, args);

    /// <summary>A file <paramref name="name"/> in the test's folder holding <paramref name="lines"/>, one a line: its path.</summary>
    private async Task<string> FileOfLinesAsync(string name, IEnumerable<string> lines)
    {
        var file = Path.Combine(temp.Path, name);
        await File.WriteAllLinesAsync(file, lines, Ct);
        return file;
    }

    /// <summary>
    /// A recording of Ana's one request (<c>e1</c>, at <paramref name="time"/>), and beside it a labels file holding
    /// <paramref name="labels"/> when given: their paths.
    /// </summary>
    private async Task<(string Events, string Labels)> AnasRecordingAsync(string? labels = null, string time = "2026-11-30T10:00:00Z")
    {
        var events = Path.Combine(temp.Path, "events.ndjson");
        var labelsFile = Path.Combine(temp.Path, "labels.ndjson");
        await File.WriteAllTextAsync(events, $$$"""{"id":"e1","time":"{{{time}}}","kind":"access.request","subject":{"id":"ana@example.com"}}""" + "\n", Ct);
        if (labels is not null)
        {
            await File.WriteAllTextAsync(labelsFile, labels, Ct);
        }

        return (events, labelsFile);
    }

    /// <summary>The label of Ana's request as <c>simulate --labels</c> writes one: the <c>pod-exec</c> scenario from <paramref name="start"/>.</summary>
    private static string AnasLabel(string start = "2026-11-30T10:00:00Z") =>
        $$"""{"scenario":"pod-exec","principal":"ana@example.com","start":"{{start}}","event_ids":["e1"]}""";

    /// <summary><c>ztstream simulate</c> with <paramref name="args"/>: the events and labels files it wrote, and its stderr.</summary>
    private async Task<(string Events, string Labels, string Err)> SimulateAsync(params string[] args)
    {
        var events = Path.Combine(temp.Path, "events.ndjson");
        var labels = Path.Combine(temp.Path, "labels.ndjson");
        var (code, _, err) = await CommandRun.RunAsync(new SimulateCommand(), NoModel, [.. args, "--out", events, "--labels", labels]);
        Assert.Equal(0, code);
        return (events, labels, err.ToString());
    }

    /// <param name="exit">The exit code expected: 1 when the file holds an item the replay skips.</param>
    private static async Task<(JsonElement Alert, string Err)> ReplayToOneAlertAsync(
        string file, string format, Dictionary<string, string?>? settings = null, int exit = 0)
    {
        var (code, output, err) = await ReplayAsync([file, "--format", format], settings);
        Assert.True(code == exit, $"exit {code}:\n{err}");
        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("\"dedup_key\"", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(line);
        return (json.RootElement.Clone(), err.ToString());
    }

    [Fact]
    public async Task Replay_BadUsage_ListsEveryProblem()
    {
        var (code, _, err) = await CommandRun.RunAsync(new ReplayCommand(FalcoSuite.Readers), new Dictionary<string, string?> { ["Verifier:AlertThreshold"] = "0" }, ["missing.ndjson", "--format", "pcap", "--policy", "nope.yaml"]);
        Assert.Equal(2, code);
        var text = err.ToString();
        Assert.Contains("missing.ndjson", text, StringComparison.Ordinal);
        Assert.Contains("--format must be one of ndjson", text, StringComparison.Ordinal);
        Assert.Contains("nope.yaml", text, StringComparison.Ordinal);
        Assert.Contains("AlertThreshold", text, StringComparison.Ordinal);
    }
}
