using System.Diagnostics;

namespace ZtStream.EndToEnd.Pipeline;

/// <summary>
/// The one binary with its embedded defaults (in-process log, SQLite, in-memory bus), driven only over HTTP as a user
/// would: Falco's JSON alert posted to <c>/v1/sources/falco</c> becomes a critical alert on the pod, with the ATT&amp;CK
/// technique of its tags, in the Responder's API; and the pod's service account, tainted by it, alerts when its token is
/// used from another pod afterwards.
/// </summary>
public sealed class RuntimeAlertOverHttpTests() : ProcessTests("zt-e2e-runtime-")
{
    private const string ApiToken = "e2e-analyst-token-0123456789abcdef0123456789";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task FalcoCriticalTerminalShell_PostedToIngest_CriticalAlertForThePodWithItsTechnique_AndTaintsItsServiceAccount()
    {
        var ct = Ct;
        string[] seams = ["--sqlite", Processes.SqlitePath];
        var falcoKey = await Processes.AddSourceAsync("falco", seams, ct);
        var auditKey = await Processes.AddSourceAsync("kube-apiserver", seams, ct);
        var run = await Processes.RunAsync("run", [.. seams,
            .. ZtStreamApi.ApiToken("analyst", ApiToken, "soc")], ct);
        using var falco = ZtStreamApi.Client(run.Url, falcoKey);
        using var audit = ZtStreamApi.Client(run.Url, auditKey);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        var now = DateTimeOffset.UtcNow;
        var pod = $"web-{Guid.NewGuid():N}"[..12];
        const string serviceAccount = "system:serviceaccount:shop:web";

        // The service account's bound token used from the pod (the API server's audit webhook), so the pod is known to run as it.
        await ZtStreamApi.PostAcceptedAsync(audit, "/v1/sources/k8s-audit", AuditEvent($"use-{pod}", now.AddMinutes(-5), pod, "10.4.2.17"), ct);

        // Falco's http_output: one alert as JSON.
        var posted = Stopwatch.StartNew();
        await ZtStreamApi.PostAcceptedAsync(falco, "/v1/sources/falco", FalcoAlert(pod, now), ct);
        var alert = await WaitForAsync(api, $"/v1/alerts?technique=T1059&principal=shop/{pod}", items => items.Count > 0 ? items[0] : null, ct);
        var seconds = posted.Elapsed.TotalSeconds;
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture, $"Falco alert → stored critical alert in {seconds:0.0} s"));

        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.Equal("runtime", alert.GetProperty("detector").GetString());
        Assert.Equal($"shop/{pod}", alert.GetProperty("workload").GetProperty("id").GetString());
        Assert.Equal(["T1059"], alert.GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["execution"], alert.GetProperty("tactics").EnumerateArray().Select(t => t.GetString()));
        var reason = alert.GetProperty("reasons")[0];
        Assert.Equal("Terminal shell in container", reason.GetProperty("rule").GetString());
        Assert.Equal(["T1059"], reason.GetProperty("techniques").EnumerateArray().Select(t => t.GetString()));

        // The service account's token used from another pod afterwards. The taint reaches the service account's partition
        // through the event log, a moment after the Falco alert: each attempt is a new request, as a live cluster's would be.
        var attempt = 0;
        var tainted = await WaitForAsync(api, $"/v1/alerts?principal={Uri.EscapeDataString(serviceAccount)}&technique=T1550", items =>
        {
            var matching = items.Where(a => a.GetProperty("reasons").EnumerateArray().Any(r => r.GetProperty("rule").GetString() == "tainted_service_account")).ToList();
            return matching.Count > 0 ? matching[0] : null;
        }, ct, async () =>
        {
            attempt++;
            await ZtStreamApi.PostAcceptedAsync(audit, "/v1/sources/k8s-audit", AuditEvent($"elsewhere-{pod}-{attempt}", DateTimeOffset.UtcNow, "batch-77f9", "10.4.9.3"), ct);
        });

        var taint = tainted.GetProperty("reasons").EnumerateArray().First(r => r.GetProperty("rule").GetString() == "tainted_service_account");
        Assert.Contains($"{serviceAccount}: its workload shop/{pod} raised Falco \"Terminal shell in container\" (Critical)", taint.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("now used from workload shop/batch-77f9 (10.4.9.3)", taint.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(tainted.GetProperty("severity").GetString(), new[] { "high", "critical" });
    }

    private static string FalcoAlert(string pod, DateTimeOffset at)
    {
        var time = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);
        var clock = at.UtcDateTime.ToString("HH:mm:ss.fffffff'00'", CultureInfo.InvariantCulture);
        var nanos = (at.ToUnixTimeMilliseconds() * 1_000_000).ToString(CultureInfo.InvariantCulture);
        return $$$"""
            {"hostname":"node-3","output":"{{{clock}}}: Critical A shell was spawned in a container with an attached terminal (evt_type=execve user=root user_uid=0 user_loginuid=-1 process=bash proc_exepath=/usr/bin/bash parent=runc command=bash terminal=34816 exe_flags=EXE_WRITABLE container_id=3ad0c8f5e2a1 container_name=web k8s_ns=shop k8s_pod_name={{{pod}}})",
             "priority":"Critical","rule":"Terminal shell in container","source":"syscall",
             "tags":["T1059","container","maturity_stable","mitre_execution","shell"],"time":"{{{time}}}",
             "output_fields":{"container.id":"3ad0c8f5e2a1","container.name":"web","container.image.repository":"registry.local/shop/web","container.image.tag":"2.1",
               "evt.time":{{{nanos}}},"evt.type":"execve","k8s.ns.name":"shop","k8s.pod.name":"{{{pod}}}","proc.cmdline":"bash","proc.exepath":"/usr/bin/bash",
               "proc.name":"bash","proc.pname":"runc","proc.tty":34816,"user.loginuid":-1,"user.name":"root","user.uid":0}}
            """;
    }

    private static string AuditEvent(string id, DateTimeOffset at, string pod, string ip)
    {
        var time = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        return $$$"""
        {"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[
         {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{{id}}}","stage":"ResponseComplete",
          "requestURI":"/api/v1/namespaces/shop/configmaps/web-settings","verb":"get",
          "user":{"username":"system:serviceaccount:shop:web","uid":"6f1b0a2c-8d43-4d1e-9a55-2f5c0c3e7b10",
                  "groups":["system:serviceaccounts","system:serviceaccounts:shop","system:authenticated"],
                  "extra":{"authentication.kubernetes.io/pod-name":["{{{pod}}}"],"authentication.kubernetes.io/node-name":["node-3"]}},
          "sourceIPs":["{{{ip}}}"],"userAgent":"web/2.1 (linux/amd64) kubernetes/client-go",
          "objectRef":{"resource":"configmaps","namespace":"shop","name":"web-settings","apiVersion":"v1"},
          "responseStatus":{"metadata":{},"code":200},
          "requestReceivedTimestamp":"{{{time}}}","stageTimestamp":"{{{time}}}",
          "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"web\""}}]}
        """;
    }

    /// <summary>Polls the alerts API with <paramref name="api"/> until <paramref name="pick"/> finds one; <paramref name="between"/> runs before each retry.</summary>
    private static async Task<JsonElement> WaitForAsync(
        HttpClient api, string path, Func<List<JsonElement>, JsonElement?> pick, CancellationToken ct, Func<Task>? between = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (between is not null)
            {
                await between();
            }

            using var response = await api.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var items = page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("alert").Clone()).ToList();
            if (pick(items) is { } found)
            {
                return found;
            }

            Assert.True(clock.Elapsed < Deadline, $"no matching alert at {path} within {Deadline.TotalSeconds} s");
            await Task.Delay(250, ct);
        }
    }
}
