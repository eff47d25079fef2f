using ZtStream.TestSupport.Rules;
using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// Detection rules as a user runs them: one <c>ztstream run</c> process on the embedded seams with a rules folder.
/// A Kubernetes audit event posted to Ingest's webhook endpoint raises an alert from a built-in rule; a rule file
/// dropped into the folder while the process runs scores the next events; a broken file keeps the rules in force; a
/// managed cluster's event in its cloud's envelope raises the same alert as the webhook's.
/// </summary>
public sealed class RulesThroughTheBinaryTests() : ProcessTests("zt-e2e-rules-")
{
    private const string ApiToken = "e2e-rules-token-0123456789abcdef0123456789abcd";
    private static readonly TimeSpan Timeout = ZtStreamApi.Timeout;

    /// <summary>A folder <paramref name="name"/> in the test's own, made now: where its rules (or its broken ones) are written.</summary>
    private string FolderOfItsOwn(string name) => Directory.CreateDirectory(Path.Combine(Processes.Folder.FullName, name)).FullName;

    [Fact]
    public async Task AuditEvent_AlertsFromABuiltinRule_AndRuleFilesReloadLive()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("rules");
        var db = Processes.SqlitePath;
        using var pipeline = await StartPipelineAsync("ztstream", "apiserver", rules, db, ct, "--set", "Verifier:Rules:ReloadDelay=00:00:00.2");
        var (run, _, http, api) = pipeline;

        // A built-in rule: a privileged DaemonSet created by a user (the API server's webhook body: an EventList).
        await Post(http, Audit("create", "daemonsets", "team-a", "node-agent", "mallory@example.com", "apps",
            """{"apiVersion":"apps/v1","kind":"DaemonSet","spec":{"template":{"spec":{"containers":[{"name":"agent","image":"alpine","securityContext":{"privileged":true}}]}}}}"""), ct);
        var alert = await WaitForRuleAlert(api, "mallory@example.com", "k8s-privileged-container", ct);
        Assert.Equal("rule", alert.GetProperty("detector").GetString());

        // The same rule on managed clusters' events, in their clouds' envelopes: the rules read the native event's paths,
        // and GKE's Cloud Audit Logs entry is mapped to them.
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        // AKS: an Event Hubs message of diagnostic-settings records, the event as a string.
        var aks = PaddedAudit.Event("create", "pods", null, "team-a", "debug", "aks@example.com",
            JsonNode.Parse("""{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"debug","image":"alpine","securityContext":{"privileged":true}}]}}"""));
        await Post(http, $$$"""
            {"records":[{"time":"{{{now}}}","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1","category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"log":{{{JsonSerializer.Serialize(aks.ToJsonString())}}},"stream":"stdout","pod":"kube-apiserver-1"}}]}
            """, ct);

        // GKE: a Pub/Sub push of a Cloud Audit Logs entry.
        var entry = """
            {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"gke@example.com"},"requestMetadata":{"callerIp":"203.0.113.77","callerSuppliedUserAgent":"kubectl/v1.31.0"},"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/team-a/pods/debug","request":{"@type":"core.k8s.io/v1.Pod","apiVersion":"v1","kind":"Pod","metadata":{"name":"debug","namespace":"team-a"},"spec":{"containers":[{"name":"debug","image":"alpine","securityContext":{"privileged":true}}]}}},"insertId":"INSERT-ID","resource":{"type":"k8s_cluster","labels":{"cluster_name":"gke-1","project_id":"p","location":"europe-west1"}},"timestamp":"NOW","labels":{"authorization.k8s.io/decision":"allow"}}
            """.Replace("INSERT-ID", Guid.NewGuid().ToString(), StringComparison.Ordinal).Replace("NOW", now, StringComparison.Ordinal);
        await Post(http, $$$"""{"message":{"data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(entry))}}}","messageId":"1"},"subscription":"projects/p/subscriptions/s"}""", ct);
        await WaitForRuleAlert(api, "aks@example.com", "k8s-privileged-container", ct);
        await WaitForRuleAlert(api, "gke@example.com", "k8s-privileged-container", ct);

        // A rule dropped into the folder scores the events after the reload.
        await File.WriteAllTextAsync(Path.Combine(rules, "configmap-delete.yaml"), """
            id: team-configmap-deleted
            title: Config map deleted in a team namespace
            severity: critical
            techniques: [T1485]
            detection:
              delete:
                kind: k8s.audit
                action: delete
                resource.type: configmaps
              condition: delete
            """, ct);
        await WaitForOutput(run, "version 1", ct);
        await Post(http, Audit("delete", "configmaps", "team-a", "settings", "trudy@example.com", null, null), ct);
        var reason = await WaitForRuleAlert(api, "trudy@example.com", "team-configmap-deleted", ct);
        Assert.Equal("critical", reason.GetProperty("severity").GetString());

        // A broken file: the reload is refused, the rules in force keep scoring.
        await File.WriteAllTextAsync(Path.Combine(rules, "broken.yaml"), "id: broken\ntitle: B\nseverity: high\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n", ct);
        await WaitForOutput(run, "not reloaded", ct);
        Assert.Contains("broken.yaml:6", run.Output, StringComparison.Ordinal);
        await Post(http, Audit("delete", "configmaps", "team-b", "settings", "victor@example.com", null, null), ct);
        await WaitForRuleAlert(api, "victor@example.com", "team-configmap-deleted", ct);
    }

    /// <summary>
    /// A privileged pod padded with an 80 KiB annotation, past Ingest:MaxRawBytes: the process trims the padding, not the
    /// spec, so the built-in rule still alerts, and the alert also names the padding.
    /// </summary>
    [Fact]
    public async Task PaddedPrivilegedPod_PostedToTheWebhook_StillRaisesThePrivilegedContainerAlert()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("rules");
        var db = Processes.SqlitePath;
        using var pipeline = await StartPipelineAsync("ztstream", "apiserver", rules, db, ct);
        var (_, _, http, api) = pipeline;

        var padded = PaddedAudit.PrivilegedPodCreated(Padding.HugeAnnotation, "mallory@example.com");
        await Post(http, AuditEvents.EventList([padded]).ToJsonString(), ct);

        var alert = await WaitForRuleAlert(api, "mallory@example.com", "k8s-privileged-container", ct);
        Assert.Equal("rule", alert.GetProperty("detector").GetString());
        Assert.Contains("requestObject.metadata.annotations.example.com/notes", await WaitForRuleReasonText(api, "mallory@example.com", "k8s-padded-request-object", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigmaCorrelation_FromRulesPaths_AlertsOnlyPastTheThreshold_CountingAcrossARestart_ItsRuleRaisingNothingAlone()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("sigma");

        // The correlation in one file, the rule it references (by name) in another; the rule is high, so were it to
        // raise alerts of its own they would show.
        await File.WriteAllTextAsync(Path.Combine(rules, "mr_denied_burst.yml"), """
            title: Burst of denied API requests
            id: e2e-denied-burst
            correlation:
                type: event_count
                rules:
                    - k8s_denied
                group-by:
                    - user.username
                timespan: 1h
                condition:
                    gte: 3
            level: critical
            tags:
                - attack.discovery
                - attack.t1613
            """, ct);
        await File.WriteAllTextAsync(Path.Combine(rules, "k8s_denied.yml"), SigmaSamples.DeniedRequest("e2e-k8s-denied", "k8s_denied", "high"), ct);
        var db = Path.Combine(Processes.Folder.FullName, "zt-sigma.db");
        using var pipeline = await StartPipelineAsync("run-1", "apiserver", rules, db, ct);
        var (run, key, http, api) = pipeline;

        const string User = "eve@example.com";
        await Post(http, Audit("get", "secrets", "team-a", "db", User, null, null, code: 403), ct);
        await Post(http, Audit("list", "secrets", "team-b", "", User, null, null, code: 403), ct);

        // A built-in rule's alert on the same principal, posted after: once it is there, the two denials were scored.
        await Post(http, Audit("create", "daemonsets", "team-a", "node-agent", User, "apps",
            """{"apiVersion":"apps/v1","kind":"DaemonSet","spec":{"template":{"spec":{"containers":[{"name":"agent","image":"alpine","securityContext":{"privileged":true}}]}}}}"""), ct);
        await WaitForRuleAlert(api, User, "k8s-privileged-container", ct);
        var before = await api.GetStringAsync(new Uri($"/v1/alerts?principal={Uri.EscapeDataString(User)}&limit=50", UriKind.Relative), ct);
        Assert.DoesNotContain("e2e-denied-burst", before, StringComparison.Ordinal);
        Assert.DoesNotContain("e2e-k8s-denied", before, StringComparison.Ordinal);

        // The count survives a restart: the third denial, posted to a new process on the same store, completes it.
        await run.StopCleanlyAsync(ct);
        var restarted = await StartAsync("run-2", rules, db, ct);
        using var http2 = ZtStreamApi.Client(restarted.Url, key);
        using var api2 = ZtStreamApi.Client(restarted.Url, ApiToken);
        await Post(http2, Audit("get", "configmaps", "team-c", "settings", User, null, null, code: 403), ct);
        var (alert, text) = await ZtStreamApi.WaitForReasonAsync(api2, User, "rule", "e2e-denied-burst", ct);
        Assert.Equal("Burst of denied API requests: 3 events of k8s_denied within 1 h by user.username=eve@example.com (threshold 3) (rule e2e-denied-burst)", text);
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
    }

    /// <summary>One <c>ztstream run</c> on the SQLite file <paramref name="db"/> with <paramref name="rules"/> as Verifier:Rules:Paths.</summary>
    [Fact]
    public async Task IdentityProviderSigmaRules_FromTheRulesFolder_AlertOnEventsPostedToEachProvidersEndpoint()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("sigma");
        await File.WriteAllTextAsync(Path.Combine(rules, "okta_proxy_session.yml"), SigmaRule("6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b01", "okta", "okta", """
            eventtype: user.session.start
            securitycontext.isproxy: 'true'
            """), ct);
        await File.WriteAllTextAsync(Path.Combine(rules, "auth0_refresh_reuse.yml"), SigmaRule("6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b02", "auth0", "oidc_oauth2", """
            data.type: ferrt
            """), ct);
        await File.WriteAllTextAsync(Path.Combine(rules, "entra_strong_auth_failed.yml"), SigmaRule("6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b03", "azure", "signinlogs", """
            ResultType: 500121
            """), ct);

        // What a security team runs first on the folder: every rule loads.
        var list = await Processes.RunToExitAsync("rules-list", ["rules", "list", rules, "--json"], 0, Timeout, ct);
        Assert.Equal("""{"loaded":3,"failed":0}""", list.LastStandardOutputLine);

        var db = Processes.SqlitePath;
        using var pipeline = await StartPipelineAsync("ztstream", "idp", rules, db, ct);
        var (_, _, http, api) = pipeline;
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        // Okta: an event hook delivery.
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook($$$"""
            {"uuid":"{{{Guid.NewGuid()}}}","published":"{{{now}}}","eventType":"user.session.start","actor":{"id":"00u1","type":"User","alternateId":"ines.proxy@example.org"},
             "client":{"ipAddress":"185.220.101.4"},"outcome":{"result":"SUCCESS"},"securityContext":{"isProxy":true,"asOrg":"tor exit"}}
            """), ct);

        // Auth0: a log stream's webhook body.
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/auth0", $$$"""
            [{"log_id":"900{{{Guid.NewGuid():N}}}","data":{"date":"{{{now}}}","type":"ferrt","description":"Unsuccessful Refresh Token exchange, reused refresh token detected",
              "client_id":"AaiyAPdpYdesoKnqjj8HJqRn4T5titww","ip":"192.0.2.44","user_id":"auth0|6501f2c3","user_name":"rita.reuse@example.com"}}]
            """, ct);

        // Entra ID: a diagnostic-settings export.
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/entra", $$$"""
            {"records":[{"time":"{{{now}}}","operationName":"Sign-in activity","category":"SignInLogs","resultType":"500121","tenantId":"72f988bf-0000-4000-8000-2d7cd011db47",
              "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"{{{now}}}","userPrincipalName":"kim.mfa@contoso.example","appId":"00000002-0000-0ff1-ce00-000000000000",
              "ipAddress":"203.0.113.77","status":{"errorCode":500121,"additionalDetails":"MFA denied; user declined the authentication"} } }]}
            """, ct);

        var okta = await WaitForRuleAlert(api, "ines.proxy@example.org", "6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b01", ct);
        Assert.Equal("high", okta.GetProperty("severity").GetString());
        await WaitForRuleAlert(api, "rita.reuse@example.com", "6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b02", ct);
        await WaitForRuleAlert(api, "kim.mfa@contoso.example", "6f2a8c14-0e7d-4b3a-9c51-2d8e4f6a1b03", ct);
    }

    /// <summary>
    /// A reviewer's question about a rule change, asked of the built binary: the changed rule over a recorded NDJSON file,
    /// against the rules before the change — what it now matches that it did not.
    /// </summary>
    [Fact]
    public async Task RulesBacktest_OfTheBinary_OnARecordedFile_SaysWhatAChangeAdds()
    {
        var ct = Ct;
        var before = Path.Combine(Processes.Folder.FullName, "before.yaml");
        var after = Path.Combine(Processes.Folder.FullName, "after.yaml");
        const string Rule = "id: denied\ntitle: Denied\nseverity: high\ndetection:\n  d:\n    kind: access.request\n    outcome: denied\n{0}  condition: d\n";
        await File.WriteAllTextAsync(before, string.Format(CultureInfo.InvariantCulture, Rule, "    subject.id: alice\n"), ct);
        await File.WriteAllTextAsync(after, string.Format(CultureInfo.InvariantCulture, Rule, ""), ct);
        var events = Path.Combine(Processes.Folder.FullName, "events.ndjson");
        await File.WriteAllLinesAsync(events, [
            """{"id":"e1","time":"2026-11-30T10:00:00Z","kind":"access.request","subject":{"id":"alice"},"action":"read","outcome":"denied"}""",
            """{"id":"e2","time":"2026-11-30T10:01:00Z","kind":"access.request","subject":{"id":"bob"},"action":"read","outcome":"denied"}""",
        ], ct);

        var backtest = await Processes.RunToExitAsync("rules-backtest", ["rules", "backtest", after, "--events", events, "--against", before, "--json"], 0, Timeout, ct);

        Assert.Equal("""{"events":2,"refused":0,"rules":1,"matched":1,"silent":0,"against_rules":1,"added":0,"removed":0,"changed":1,"only_new":1,"only_old":0,"failed":0}""",
            backtest.LastStandardOutputLine);
        Assert.Contains("\"only_new\":{\"events\":1,\"samples\":[\"e2\"]}", backtest.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FalcoOktaRules_ListedAndTestedByTheCli_AlertOnOktaEventsWithTheirRenderedOutput()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("falco");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "okta_rules.plugins-HEAD.yaml"), Path.Combine(rules, "okta_rules.yaml"));

        var list = await Processes.RunToExitAsync("rules-list", ["rules", "list", rules, "--json"], 0, Timeout, ct);
        // 21 rules, 9 of them disabled in the file (`enabled: false`): listed as such, so a reload can tell a disabled rule from a removed one.
        Assert.Equal("""{"loaded":21,"failed":0}""", list.LastStandardOutputLine);
        Assert.Equal(9, list.Output.Split('\n').Count(l => l.Contains("\"enabled\":false", StringComparison.Ordinal)));
        var test = await Processes.RunToExitAsync("rules-test", ["rules", "test", rules], 0, Timeout, ct);
        Assert.Equal("0 tests passed, 0 failed; 21 rules (21 without tests), 0 load errors", test.LastStandardOutputLine);

        // A local rule naming a field the okta plugin does not define: the CLI says which, and fails.
        var bad = Path.Combine(Processes.Folder.FullName, "okta_local.yaml");
        await File.WriteAllTextAsync(bad, """
            - rule: Sign-in from a proxy
              desc: d
              condition: okta.evt.type = user.session.start and okta.security.isproxy = true
              output: "proxy sign-in by %okta.actor.alternateid"
              priority: WARNING
              source: okta
            """, ct);
        var failing = await Processes.RunToExitAsync("rules-list-bad", ["rules", "list", rules, bad], 1, Timeout, ct);
        Assert.Contains("unknown field 'okta.security.isproxy'", failing.Output, StringComparison.Ordinal);

        var db = Processes.SqlitePath;
        // The reason is the rule and its rendered output. The shipped rules are NOTICE and WARNING (scores 30 and 50): alerting on each alone takes a lower threshold.
        using var pipeline = await StartPipelineAsync("ztstream", "okta-prod", rules, db, ct, "--set", "Verifier:AlertThreshold=25");
        var (_, _, http, api) = pipeline;
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-2);

        // An event hook delivery: a lock-out, then (as the System Log API lists them) three failed MFA challenges in two minutes.
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", OktaEventHook(OktaLog("user.account.lock", "ola.lock@example.org", "00u7ola", t0, "FAILURE", "LOCKED_OUT")), ct);
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", "[" + string.Join(',', Enumerable.Range(0, 3).Select(i =>
            OktaLog("user.authentication.auth_via_mfa", "mia.mfa@example.org", "00u7mia", t0.AddSeconds(40 * i), "FAILURE", "INVALID_CREDENTIALS"))) + "]", ct);

        Assert.StartsWith("User has been locked out in OKTA: A user has been locked out in OKTA (user=Ola Lock, ip=203.0.113.61) (rule ", await WaitForRuleReasonText(api, "ola.lock@example.org", "User has been locked out in OKTA", ct), StringComparison.Ordinal);
        Assert.StartsWith("Too many failed MFA in last 5min: A user has failed MFA too many times in last 5min (user='Mia Mfa' last_reason='INVALID_CREDENTIALS' countLast300=3) (rule ", await WaitForRuleReasonText(api, "mia.mfa@example.org", "Too many failed MFA in last 5min", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FalcoOktaMfaCounts_SurviveARestart_TheThirdDeniedPushInANewProcessRaisingTheAlert()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("falco-mfa");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "okta_rules.plugins-HEAD.yaml"), Path.Combine(rules, "okta_rules.yaml"));
        var db = Path.Combine(Processes.Folder.FullName, "zt-mfa.db");
        string[] threshold = ["--set", "Verifier:AlertThreshold=25"];
        using var pipeline = await StartPipelineAsync("run-1", "okta-prod", rules, db, ct, threshold);
        var (run, key, http, api) = pipeline;
        const string Login = "pia.push@example.org";
        const string Rule = "Too many denied MFA Pushes in last 5min";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-3);

        // Two denied pushes, then the same actor locked out: once the lock-out's alert is there, both pushes were scored.
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", "[" + string.Join(',', Enumerable.Range(0, 2).Select(i =>
            OktaLog("user.mfa.okta_verify.deny_push", Login, "00u7pia", t0.AddSeconds(40 * i), "FAILURE", "User rejected Okta push verify"))) + "]", ct);
        await ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/okta", "[" + OktaLog("user.account.lock", Login, "00u7pia", t0.AddSeconds(60), "FAILURE", "LOCKED_OUT") + "]", ct);
        await WaitForRuleAlert(api, Login, "User has been locked out in OKTA", ct);
        var before = await api.GetStringAsync(new Uri($"/v1/alerts?principal={Uri.EscapeDataString(Login)}&limit=50", UriKind.Relative), ct);
        Assert.DoesNotContain(Rule, before, StringComparison.Ordinal);

        // The counts survive a restart: the third push, posted to a new process on the same store, is the third counted.
        await run.StopCleanlyAsync(ct);
        var restarted = await StartAsync("run-2", rules, db, ct, threshold);
        using var http2 = ZtStreamApi.Client(restarted.Url, key);
        using var api2 = ZtStreamApi.Client(restarted.Url, ApiToken);
        await ZtStreamApi.PostAcceptedAsync(http2, "/v1/sources/okta", "[" + OktaLog("user.mfa.okta_verify.deny_push", Login, "00u7pia", t0.AddSeconds(80), "FAILURE", "User rejected Okta push verify") + "]", ct);
        Assert.StartsWith(Rule + ": A user has denied too many MFA pushes in last 5min (user='Pia Push' reason='User rejected Okta push verify' countLast300=3) (rule ", await WaitForRuleReasonText(api2, Login, Rule, ct), StringComparison.Ordinal);
    }

    /// <summary>An Okta System Log LogEvent as Okta's API reference shows one.</summary>
    private static string OktaLog(string eventType, string login, string id, DateTimeOffset at, string result, string reason)
    {
        var name = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(login[..login.IndexOf('@', StringComparison.Ordinal)].Replace('.', ' '));
        return $$"""
            {"uuid":"{{Guid.NewGuid()}}","published":"{{at.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","eventType":"{{eventType}}","version":"0","severity":"INFO","displayMessage":"Okta event",
             "actor":{"id":"{{id}}","type":"User","alternateId":"{{login}}","displayName":"{{name}}"},
             "client":{"ipAddress":"203.0.113.61","userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"SAFARI"},"zone":"null","device":"Computer"},
             "outcome":{"result":"{{result}}","reason":"{{reason}}"},"transaction":{"type":"WEB","id":"{{Guid.NewGuid():N}}"} }
            """;
    }

    [Fact]
    public async Task GcpAuditSigmaRule_ListedAndTestedByTheCli_AlertsOnAGkeEntry_NotOnTheWebhooksEvent()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("sigma-gcp");
        const string RuleId = "5d0f9b7e-2c41-4e8a-b6d3-9a1e7c4f2b10";
        var secretDeleted = GkeEntry("io.k8s.core.v1.secrets.delete", "core/v1/namespaces/shop/secrets/db-password", "deployer@retail-prod.iam.gserviceaccount.com");
        var secretRead = GkeEntry("io.k8s.core.v1.secrets.get", "core/v1/namespaces/shop/secrets/db-password", "deployer@retail-prod.iam.gserviceaccount.com");
        await File.WriteAllTextAsync(Path.Combine(rules, "gcp_gke_secret_deleted.yml"), $$"""
            {{SigmaRule(RuleId, "gcp", "gcp.audit", "gcp.audit.method_name: io.k8s.core.v*.secrets.delete\ngcp.audit.authentication_info.principal_email|endswith: .gserviceaccount.com")}}
            tests:
                - name: deleted by a GCP service account
                  expect: match
                  k8s_audit: {{secretDeleted}}
                - name: read
                  expect: no_match
                  k8s_audit: {{secretRead}}
            """, ct);

        // What a security team runs first on the folder: the rule loads and its tests pass, through the binary.
        var list = await Processes.RunToExitAsync("rules-list", ["rules", "list", rules, "--json"], 0, Timeout, ct);
        Assert.Equal("""{"loaded":1,"failed":0}""", list.LastStandardOutputLine);
        var test = await Processes.RunToExitAsync("rules-test", ["rules", "test", rules], 0, Timeout, ct);
        Assert.Contains("2 tests passed, 0 failed", test.Output, StringComparison.Ordinal);

        // A field no GCP audit entry has is refused, naming it.
        var broken = FolderOfItsOwn("sigma-gcp-broken");
        await File.WriteAllTextAsync(Path.Combine(broken, "typo.yml"), SigmaRule("5d0f9b7e-2c41-4e8a-b6d3-9a1e7c4f2b11", "gcp", "gcp.audit", "gcp.audit.methodname: x"), ct);
        var refused = await Processes.RunToExitAsync("rules-list-broken", ["rules", "list", broken], 1, Timeout, ct);
        Assert.Contains("field 'gcp.audit.methodname' is not a field of Elastic's GCP audit mapping", refused.Output, StringComparison.Ordinal);

        var db = Path.Combine(Processes.Folder.FullName, "zt-gcp.db");
        using var pipeline = await StartPipelineAsync("ztstream", "gke", rules, db, ct);
        var (run, key, http, api) = pipeline;

        // The webhook's event of the same call by another principal, then a built-in rule's trigger on that principal:
        // once that alert is there, the secret deletion was scored, and the gcp.audit rule did not fire on it.
        const string WebhookUser = "system:serviceaccount:shop:deployer";
        await Post(http, Audit("delete", "secrets", "shop", "db-password", WebhookUser, null, null), ct);
        await Post(http, Audit("create", "daemonsets", "shop", "node-agent", WebhookUser, "apps",
            """{"apiVersion":"apps/v1","kind":"DaemonSet","spec":{"template":{"spec":{"containers":[{"name":"agent","image":"alpine","securityContext":{"privileged":true}}]}}}}"""), ct);

        // GKE: the LogEntry as a log sink's push delivers it.
        await Post(http, secretDeleted.Replace("2026-12-01T03:20:00Z", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), StringComparison.Ordinal), ct);
        var (alert, reason) = await ZtStreamApi.WaitForReasonAsync(api, "deployer@retail-prod.iam.gserviceaccount.com", "rule", RuleId, ct);
        Assert.Equal("high", alert.GetProperty("severity").GetString());
        Assert.StartsWith("Rule 10 of gcp: ", reason, StringComparison.Ordinal);

        await WaitForRuleAlert(api, WebhookUser, "k8s-privileged-container", ct);
        var webhook = await api.GetStringAsync(new Uri($"/v1/alerts?principal={Uri.EscapeDataString(WebhookUser)}&limit=50", UriKind.Relative), ct);
        Assert.DoesNotContain(RuleId, webhook, StringComparison.Ordinal);
    }

    /// <summary>
    /// An IAM policy change in the project that runs the clusters, as Cloud Audit Logs writes it (Resource Manager's
    /// <c>SetIamPolicy</c>, pushed by Pub/Sub): SigmaHQ's rule (with its set's licence file) and Falco's gcp_auditlog rules,
    /// loaded as published, fire on it, and the alert the API returns credits each to its author under its licence, while
    /// a site's own rule of the same call claims none.
    /// </summary>
    [Fact]
    public async Task PublicGcpRules_OnAProjectsIamPolicyChange_AlertCreditingTheirAuthorsAndLicences()
    {
        var ct = Ct;
        var rules = FolderOfItsOwn("gcp-rules");
        var sigma = Directory.CreateDirectory(Path.Combine(rules, "sigmahq")).FullName;
        var data = Path.Combine(AppContext.BaseDirectory, "TestData");
        File.Copy(Path.Combine(data, "sigma-hq", "gcp_iam_policy_changed.yml"), Path.Combine(sigma, "gcp_iam_policy_changed.yml"));
        File.Copy(Path.Combine(data, "sigma-hq", "LICENSE.md"), Path.Combine(sigma, "LICENSE.md"));
        var falco = Directory.CreateDirectory(Path.Combine(rules, "falco")).FullName;
        File.Copy(Path.Combine(data, "gcp_auditlog_rules.plugins-HEAD.yaml"), Path.Combine(falco, "gcp_auditlog_rules.yaml"));
        var site = Directory.CreateDirectory(Path.Combine(rules, "site")).FullName;
        await File.WriteAllTextAsync(Path.Combine(site, "owner-granted.yaml"), """
            id: site-project-owner-granted
            title: Project owner granted
            severity: high
            detection:
              grant:
                kind: access.request
                attributes.gcp.method_name: SetIamPolicy
                raw.logEntry.protoPayload.serviceData.policyDelta.bindingDeltas.role: roles/owner
              condition: grant
            """, ct);

        var db = Path.Combine(Processes.Folder.FullName, "zt-gcp-project.db");
        using var pipeline = await StartPipelineAsync("ztstream", "gcp-project", rules, db, ct);
        var (_, _, http, api) = pipeline;

        const string Admin = "alice.admin@example.com";
        var entry = """
            {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"ADMIN"},"requestMetadata":{"callerIp":"198.51.100.23","callerSuppliedUserAgent":"google-cloud-sdk gcloud/498.0.0"},"serviceName":"cloudresourcemanager.googleapis.com","methodName":"SetIamPolicy","authorizationInfo":[{"resource":"projects/shop-prod-4711","permission":"resourcemanager.projects.setIamPolicy","granted":true}],"resourceName":"projects/shop-prod-4711","serviceData":{"@type":"type.googleapis.com/google.iam.v1.logging.AuditData","policyDelta":{"bindingDeltas":[{"action":"ADD","role":"roles/owner","member":"user:mallory@example.net"}]}}},"insertId":"INSERT-ID","resource":{"type":"project","labels":{"project_id":"shop-prod-4711"}},"timestamp":"NOW","severity":"NOTICE","logName":"projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Factivity"}
            """.Replace("ADMIN", Admin, StringComparison.Ordinal).Replace("INSERT-ID", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("NOW", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await Post(http, $$$"""{"message":{"data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(entry))}}}","messageId":"7"},"subscription":"projects/shop-prod-4711/subscriptions/ztstream"}""", ct);

        await WaitForRuleAlert(api, Admin, "a738c8ee-3914-4f1f-ac26-034364a29b79", ct);
        await WaitForRuleAlert(api, Admin, "GCP IAM principle modified", ct);
        var (alert, _) = await ZtStreamApi.WaitForReasonAsync(api, Admin, "rule", "site-project-owner-granted", ct);
        var credits = alert.GetProperty("reasons").EnumerateArray()
            .Where(r => r.GetProperty("detector").GetString() == "rule")
            .ToDictionary(r => r.GetProperty("rule").GetString()!, r => Assert.Single(r.GetProperty("credits").EnumerateArray().ToList()));

        var sigmaHq = credits["a738c8ee-3914-4f1f-ac26-034364a29b79"];
        Assert.Equal(("Google Cloud IAM Policy Changed", "Ivan Saakov", "DRL-1.1"),
            (sigmaHq.GetProperty("title").GetString(), sigmaHq.GetProperty("author").GetString(), sigmaHq.GetProperty("license").GetString()));
        Assert.StartsWith("https://github.com/SigmaHQ/Detection-Rule-License", sigmaHq.GetProperty("license_url").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, sigmaHq.GetProperty("references").GetArrayLength());

        var falcoRule = credits["GCP IAM principle modified"];
        Assert.Equal(("The Falco Authors", "Apache-2.0"), (falcoRule.GetProperty("author").GetString(), falcoRule.GetProperty("license").GetString()));

        var siteRule = credits["site-project-owner-granted"];
        Assert.Equal("Project owner granted", siteRule.GetProperty("title").GetString());
        Assert.False(siteRule.TryGetProperty("author", out _));
        Assert.False(siteRule.TryGetProperty("license", out _));
    }

    /// <summary>A GKE Cloud Audit Logs entry of <paramref name="method"/> on <paramref name="resourceName"/>, on one line.</summary>
    private static string GkeEntry(string method, string resourceName, string principal) => $$$"""
        {"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"{{{principal}}}"},"serviceName":"k8s.io","methodName":"{{{method}}}","resourceName":"{{{resourceName}}}","authorizationInfo":[{"resource":"{{{resourceName}}}","permission":"{{{method}}}","granted":true}]},"insertId":"{{{Guid.NewGuid()}}}","resource":{"type":"k8s_cluster","labels":{"project_id":"retail-prod","location":"us-central1","cluster_name":"checkout"}},"timestamp":"2026-12-01T03:20:00Z","logName":"projects/retail-prod/logs/cloudaudit.googleapis.com%2Factivity"}
        """;

    /// <summary>A Sigma rule in SigmaHQ's layout whose selection is <paramref name="selection"/>.</summary>
    private static string SigmaRule(string id, string product, string service, string selection) => $"""
        title: Rule {id[^2..]} of {product}
        id: {id}
        status: test
        logsource:
            product: {product}
            service: {service}
        detection:
            selection:
        {string.Join('\n', selection.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "        " + l))}
            condition: selection
        level: high
        """;

    /// <summary>
    /// A source key for <paramref name="source"/> in the store <paramref name="db"/>, then <c>ztstream run</c> on that
    /// store with <paramref name="rules"/>: the process, the key, and clients for Ingest (the key) and the API.
    /// </summary>
    private async Task<Pipeline> StartPipelineAsync(string name, string source, string rules, string db, CancellationToken ct, params string[] extra)
    {
        var key = await Processes.AddSourceAsync(source, ["--sqlite", db], ct);
        var run = await StartAsync(name, rules, db, ct, extra);
        return new Pipeline(run, key, ZtStreamApi.Client(run.Url, key), ZtStreamApi.Client(run.Url, ApiToken));
    }

    private Task<ZtStreamProcess> StartAsync(string name, string rules, string db, CancellationToken ct, params string[] extra) =>
        Processes.RunAsync(name, [
            "--sqlite", db,
            "--set", "Verifier:ModelEnabled=false",
            "--set", $"Verifier:Rules:Paths:0={rules}",
            .. ZtStreamApi.ApiToken("analyst", ApiToken),
            .. extra,
        ], ct);

    /// <summary>The API server's webhook body: an EventList of one event, answered with <paramref name="code"/>.</summary>
    private static string Audit(string verb, string resource, string ns, string name, string user, string? apiGroup, string? requestObject, int code = 200) =>
        AuditEvents.EventList([PaddedAudit.Event(verb, resource, apiGroup, ns, name, user, requestObject is null ? null : JsonNode.Parse(requestObject), code: code)]).ToJsonString();

    private static Task Post(HttpClient http, string body, CancellationToken ct) => ZtStreamApi.PostAcceptedAsync(http, "/v1/sources/k8s-audit", body, ct);

    private static async Task<JsonElement> WaitForRuleAlert(HttpClient api, string principal, string rule, CancellationToken ct) =>
        (await ZtStreamApi.WaitForReasonAsync(api, principal, "rule", rule, ct)).Alert;

    private static async Task<string> WaitForRuleReasonText(HttpClient api, string principal, string rule, CancellationToken ct) =>
        (await ZtStreamApi.WaitForReasonAsync(api, principal, "rule", rule, ct)).Text;

    private static async Task WaitForOutput(ZtStreamProcess process, string text, CancellationToken ct) =>
        Assert.True(
            await Eventually.WithinAsync(() => Task.FromResult(process.Output.Contains(text, StringComparison.Ordinal)), Timeout, ct),
            $"'{text}' not logged within {Timeout.TotalSeconds} s:\n{process.Output}");

    private sealed record Pipeline(ZtStreamProcess Run, string Key, HttpClient Ingest, HttpClient Api) : IDisposable
    {
        public void Dispose()
        {
            Ingest.Dispose();
            Api.Dispose();
        }
    }
}
