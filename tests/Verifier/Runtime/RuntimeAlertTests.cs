using ZtStream.Ingest.Sources.Falco;

namespace ZtStream.Verifier.Tests.Runtime;

/// <summary>
/// Falco alerts, as Falco prints them (json_output) and mapped by Ingest's adapter, scored by priority band with the
/// rule's name and the ATT&amp;CK ids of its tags.
/// </summary>
public sealed class RuntimeAlertTests
{
    private static readonly VerifierOptions Options = new() { ModelEnabled = false };

    /// <summary>Falco's JSON output for one alert (fields as in Falco's documentation of json_output).</summary>
    internal static string FalcoJson(
        string rule = "Terminal shell in container",
        string priority = "Critical",
        string pod = "web-5c8d",
        string ns = "shop",
        string time = "2026-01-07T10:00:00.123456789Z",
        string tags = """["container","shell","mitre_execution","T1059"]""",
        string container = "3ad0c8f5e2a1") => $$$"""
        {"hostname":"node-3","output":"10:00:00.123456789: {{{priority}}} A shell was spawned in a container with an attached terminal (user=root user_loginuid=-1 {{{ns}}}/{{{pod}}} container={{{container}}} shell=bash parent=runc cmdline=bash terminal=34816)",
         "priority":"{{{priority}}}","rule":"{{{rule}}}","source":"syscall","tags":{{{tags}}},"time":"{{{time}}}",
         "output_fields":{"container.id":"{{{container}}}","container.image.repository":"registry.local/shop/web","container.image.tag":"2.1","evt.time":1767780000123456789,
           "k8s.ns.name":"{{{ns}}}","k8s.pod.name":"{{{pod}}}","proc.cmdline":"bash","proc.name":"bash","proc.pname":"runc","proc.tty":34816,"user.loginuid":-1,"user.name":"root"}}
        """;

    internal static AccessEvent Falco(string json) =>
        Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(json)).Events);

    [Theory]
    [InlineData("Emergency", Severities.Critical)]
    [InlineData("ALERT", Severities.Critical)]
    [InlineData("Critical", Severities.Critical)]
    [InlineData("Error", Severities.High)]
    [InlineData("Warning", Severities.Medium)]
    [InlineData("WARNING", Severities.Medium)]
    [InlineData("crit", Severities.Critical)]
    [InlineData("EMERG", Severities.Critical)]
    [InlineData("err", Severities.High)]
    public void FalcoAlert_PriorityBand_SetsTheSeverity(string priority, string severity)
    {
        var alert = new ScoringEngine(Options, DefaultPolicy.Load()).Score(Falco(FalcoJson(priority: priority))).Alert;

        Assert.NotNull(alert);
        Assert.Equal(severity, alert.Severity);
        Assert.Equal(Detectors.Runtime, alert.Detector);
        Assert.Equal("shop/web-5c8d", alert.Principal);
        Assert.Equal("shop/web-5c8d", alert.Workload?.Id);
    }

    [Theory]
    [InlineData("Notice")]
    [InlineData("Informational")]
    [InlineData("info")]
    [InlineData("Debug")]
    public void FalcoAlert_BelowWarning_RaisesNothingOnItsOwn(string priority)
    {
        var result = new ScoringEngine(Options, DefaultPolicy.Load()).Score(Falco(FalcoJson(priority: priority)));

        Assert.Null(result.Alert);
        Assert.Equal(0, result.Score);
    }

    [Fact]
    public void TerminalShellCritical_ReasonNamesRuleAndPod_TechniqueAndTacticFromTags()
    {
        var alert = new ScoringEngine(Options, DefaultPolicy.Load()).Score(Falco(FalcoJson())).Alert!;

        var reason = Assert.Single(alert.Reasons);
        Assert.Equal(Detectors.Runtime, reason.Detector);
        Assert.Equal("Terminal shell in container", reason.Rule);
        Assert.Equal(95, reason.Score);
        Assert.StartsWith("Falco rule \"Terminal shell in container\" (Critical) on pod shop/web-5c8d: 10:00:00.123456789: Critical A shell was spawned", reason.Text, StringComparison.Ordinal);
        Assert.Equal(["T1059"], reason.Techniques);
        Assert.Equal(["execution"], reason.Tactics);
        Assert.Equal(["T1059"], alert.Techniques);
        Assert.Equal(["execution"], alert.Tactics);
    }

    [Fact]
    public void FalcoTagsWithSubTechniquesAndSeveralTactics_AllKept_NonAttackTagsIgnored()
    {
        var e = Falco(FalcoJson(rule: "Read sensitive file untrusted", priority: "Warning",
            tags: """["maturity_stable","host","container","filesystem","mitre_credential_access","T1555","t1003.008","mitre_discovery","PCI_DSS_10.2.5"]"""));

        var f = RuntimeDetector.Read(e)!;

        Assert.Equal(["T1003.008", "T1555"], f.Techniques);
        Assert.Equal(["credential-access", "discovery"], f.Tactics);
    }

    [Fact]
    public void CanonicalRuntimeAlert_WithOnlyRawFalcoFields_IsScoredFromRaw()
    {
        using var raw = JsonDocument.Parse(FalcoJson(priority: "Error"));
        var e = new AccessEvent
        {
            Id = "rt-raw-1",
            Time = new DateTimeOffset(2026, 1, 7, 10, 0, 0, TimeSpan.Zero),
            Kind = EventKinds.RuntimeAlert,
            Workload = new Workload { Id = "shop/web-5c8d", Name = "web-5c8d", Namespace = "shop" },
            Raw = raw.RootElement.Clone(),
        };

        var alert = new ScoringEngine(Options, DefaultPolicy.Load()).Score(e).Alert!;

        Assert.Equal(Severities.High, alert.Severity);
        Assert.Equal("Terminal shell in container", alert.Reasons[0].Rule);
        Assert.Equal(["T1059"], alert.Techniques);
    }

    [Fact]
    public void RepeatedAlertsOnOnePod_OneDeduplicatedAlert()
    {
        var engine = new ScoringEngine(Options, DefaultPolicy.Load());
        var first = engine.Score(Falco(FalcoJson(time: "2026-01-07T10:00:00Z"))).Alert!;
        var second = engine.Score(Falco(FalcoJson(time: "2026-01-07T10:05:00Z"))).Alert!;

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Count);
    }

    [Fact]
    public void AnalystSuppressedFalcoRule_NoAlertForThatPod()
    {
        var engine = new ScoringEngine(Options, DefaultPolicy.Load());
        engine.ApplyFeedback(new AlertFeedback
        {
            Id = "fb-1",
            AlertId = "a",
            Verdict = "false_positive",
            Principal = "shop/web-5c8d",
            Rules = ["runtime/Terminal shell in container"],
            By = "ana",
            At = new DateTimeOffset(2026, 1, 7, 0, 0, 0, TimeSpan.Zero),
            ExpiresAt = new DateTimeOffset(2026, 1, 8, 0, 0, 0, TimeSpan.Zero),
        });

        Assert.Null(engine.Score(Falco(FalcoJson())).Alert);
        Assert.NotNull(engine.Score(Falco(FalcoJson(pod: "web-other"))).Alert);
    }

    [Fact]
    public void PluginSourceAlert_IsOnTheActor_ReasonNamesIt()
    {
        // Falco's k8saudit plugin: the alert is about the service account that listed the secrets, not Falco's node.
        var json = """
            {"hostname":"falco-k8saudit-0","output":"00:14:25.354008000: Critical Cluster secret accessed (verb=list user=system:serviceaccount:storefront:checkout resource=secrets ns=prod)",
             "output_fields":{"evt.time":1791332065354008000,"ka.target.namespace":"prod","ka.target.resource":"secrets","ka.user.name":"system:serviceaccount:storefront:checkout","ka.verb":"list"},
             "priority":"Critical","rule":"Cluster Secret Accessed via K8s API","source":"k8s_audit","tags":["k8s","T1552.007"],"time":"2026-10-07T00:14:25.354008000Z"}
            """;

        var alert = new ScoringEngine(Options, DefaultPolicy.Load()).Score(Falco(json)).Alert!;

        Assert.Equal("system:serviceaccount:storefront:checkout", alert.Principal);
        Assert.Equal(Severities.Critical, alert.Severity);
        var reason = Assert.Single(alert.Reasons, r => r.Detector == Detectors.Runtime);
        Assert.StartsWith("Falco rule \"Cluster Secret Accessed via K8s API\" (Critical) on service account system:serviceaccount:storefront:checkout: ", reason.Text, StringComparison.Ordinal);
        Assert.Equal(["T1552.007"], reason.Techniques);
    }

    [Theory]
    [InlineData("""{"hostname":"node-7","output":"Falco metrics snapshot","output_fields":{"evt.source":"syscall","falco.num_evts":123456},"priority":"Informational","rule":"Falco internal: metrics snapshot","source":"internal","time":"2026-01-07T10:00:00Z"}""")]
    [InlineData("""{"uuid":"0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","output":"This is a test from falcosidekick","priority":"Debug","rule":"Test rule","time":"2026-01-07T10:00:00Z","output_fields":{"proc.name":"falcosidekick","user.name":"falcosidekick"},"source":"internal","tags":["example","test"],"hostname":"falcosidekick"}""")]
    [InlineData("""{"output":"Falco internal: syscall event drop. 815 system calls dropped in last second.","output_fields":{"n_drops":"815","n_evts":"2270350"},"priority":"Debug","rule":"Falco internal: syscall event drop","time":"2026-01-07T10:00:00Z"}""")]
    public void FalcoHousekeepingOutput_StaysQuiet(string json)
    {
        var result = new ScoringEngine(Options, DefaultPolicy.Load()).Score(Falco(json));

        Assert.Null(result.Alert);
        Assert.Equal(0, result.Score);
    }

    [Fact]
    public void CriticalSyscallDropsFromAFalcoWithoutHostname_AlertOnTheUnnamedHost()
    {
        // Dropped syscalls blind Falco (an attacker can cause them); older Falco sends no hostname with the alert.
        var json = """{"priority":"Critical","rule":"Falco internal: syscall event drop","output":"Falco internal: syscall event drop. 41252 system calls dropped in last second.","output_fields":{"n_drops":41252,"n_evts":1204118},"time":"2026-01-07T10:00:00Z"}""";

        var alert = new ScoringEngine(Options, DefaultPolicy.Load()).Score(Falco(json)).Alert!;

        Assert.Equal("host", alert.Principal);
        Assert.StartsWith("Falco rule \"Falco internal: syscall event drop\" (Critical) on workload host", alert.Reasons[0].Text, StringComparison.Ordinal);
    }
}
