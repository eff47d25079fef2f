using ZtStream.TestSupport.Metamorphic;

namespace ZtStream.EndToEnd.Runtime;

/// <summary>
/// Falco's alerts as Falco and falcosidekick really post them, to <c>/v1/sources/falco</c> of one running
/// <c>ztstream run</c>: <c>http_output</c> (one alert a request, the key as the Basic password of the URL) with and
/// without <c>output</c> and <c>tags</c> (<c>json_include_output_property</c>, <c>json_include_tags_property</c>), output
/// fields missing, <c>null</c> or <c>&lt;NA&gt;</c>, no <c>hostname</c>, times with nanoseconds; falcosidekick's webhook
/// (its <c>uuid</c>, a custom field, Go's time); a pod, a container outside Kubernetes and the host itself. Then the
/// same alerts with every pod, namespace, container, image, node, user, address and uuid renamed consistently: the
/// Responder lists the same alerts on the renamed workloads, with the same severities, scores, counts and rules.
/// </summary>
public sealed class FalcoOverHttpEndToEndTests() : ProcessTests("zt-e2e-falco-http-")
{
    private const string ApiToken = "e2e-falco-http-token-0123456789abcdef0123456789";

    /// <summary>Names that must stay DNS labels (or paths of them) when renamed: Kubernetes objects, images, container ids.</summary>
    private static readonly string[] Labels =
    [
        "payments", "ledger", "checkout-7d9f8b6c5-x2kqp", "ledger-db-0", "checkout-app", "ledger-db-main", "billing-worker",
        "northwind", "checkout-svc", "pg-ledger",
    ];

    /// <summary>Names Linux and Docker write as they like: host names and users, which may become upper case.</summary>
    private static readonly string[] Free = ["gke-prod-pool-1-a7c3", "worker-node-a", "build-box-17", "appuser", "deploy-bot"];

    private static readonly string[] ContainerIds = ["3ad7b26ded6d", "51c0a7e3f9b2", "9f2c1e4b7a10"];

    private static readonly string[] Uuids = ["0c3e5a1f-6d2b-4f8e-9a7c-1b2d3e4f5a6b", "7e9f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"];

    private static readonly string[] Addresses = ["198.51.100.23", "203.0.113.50", "192.0.2.140"];

    [Fact]
    public async Task HttpOutputAndFalcosidekick_PodContainerAndHost_RenamedConsistently_SameAlerts()
    {
        var ct = Ct;
        var db = Processes.SqlitePath;
        var key = await Processes.AddSourceAsync("falco-prod", ["--sqlite", db, "--kinds", "runtime.alert"], ct);
        var run = await Processes.RunAsync("ztstream", [
            "--sqlite", db, "--set", "Verifier:ModelEnabled=false",
            .. ZtStreamApi.ApiToken("analyst", ApiToken),
        ], ct);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

        var t0 = DateTimeOffset.UtcNow.AddMinutes(-20);
        var random = new Random(JsonMetamorphs.Seed);
        var renaming = new Renaming([.. Labels, .. Free, .. ContainerIds, .. Uuids], Addresses, random, WorkloadName);
        var alerts = Alerts(t0);

        // Falco's http_output authenticates with the URL's user and password; falcosidekick sends a header it was given.
        using var falco = new HttpClient { BaseAddress = run.Url };
        falco.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("falco:" + key)));
        using var sidekick = ZtStreamApi.Client(run.Url, key);
        foreach (var (bySidekick, alert) in alerts)
        {
            await ZtStreamApi.PostAcceptedAsync(bySidekick ? sidekick : falco, "/v1/sources/falco", alert.ToJsonString(), ct);
        }

        foreach (var (bySidekick, alert) in alerts)
        {
            var renamed = JsonMetamorphs.Reorder(renaming.Apply(alert), random);
            await ZtStreamApi.PostAcceptedAsync(bySidekick ? sidekick : falco, "/v1/sources/falco", renamed.ToJsonString(), ct);
        }

        await AlertVerdicts.SameAsync(api, [("renamed", renaming)],
            [
                "payments/checkout-7d9f8b6c5-x2kqp runtime/Drop and execute new binary in container",
                "payments/checkout-7d9f8b6c5-x2kqp runtime/Read sensitive file untrusted",
                "ledger/ledger-db-0 runtime/Unexpected outbound connection destination",
                "ledger/ledger-db-0 runtime/Contact K8S API Server From Container",
                "container:9f2c1e4b7a10 runtime/Outbound Connection to C2 Servers",
                "host:worker-node-a runtime/Write below etc",
                "host:build-box-17 runtime/Clear Log Activities",
                "host:build-box-17 runtime/Sudo Potential Privilege Escalation",
            ],
            () => Processes.Output, ct);

        // A Notice alert is recorded, not raised: neither copy's pod has an alert of it.
        Assert.DoesNotContain(await ZtStreamApi.AllAlertsAsync(api, ct), a => a.GetProperty("reasons").EnumerateArray().Any(r => r.GetProperty("rule").GetString() == "Terminal shell in container"));
    }

    /// <summary>
    /// A new name for one of the scenario's: a container id stays twelve hex digits and a uuid a uuid; a Kubernetes name
    /// or an image's path part stays a lower-case DNS label, longer or shorter; a host or user name may also turn upper case.
    /// </summary>
    private static string WorkloadName(string name, Random random)
    {
        var token = (char)('a' + random.Next(26)) + random.Next(100, 9_999_999).ToString(CultureInfo.InvariantCulture);
        if (ContainerIds.Contains(name))
        {
            return string.Concat(Enumerable.Range(0, 12).Select(_ => "0123456789abcdef"[random.Next(16)]));
        }

        if (Guid.TryParse(name, out _))
        {
            return Guid.NewGuid().ToString();
        }

        return random.Next(Free.Contains(name) ? 3 : 2) switch
        {
            0 => name + "-" + token + "-" + token,
            1 => token,
            _ => (name + "-" + token).ToUpperInvariant(),
        };
    }

    /// <summary>
    /// The alerts, in the order Falco raised them, each with whether falcosidekick (true) or Falco's http_output posts it;
    /// written from Falco's documented JSON output and falcosidekick's payload, not taken from any fixture.
    /// </summary>
    private static List<(bool Sidekick, JsonObject Alert)> Alerts(DateTimeOffset t0)
    {
        // Falco writes the time with nanoseconds; falcosidekick decodes it into Go's time and writes it again without
        // trailing zeros.
        static string Nanos(DateTimeOffset t, int ns) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + ns.ToString("D9", CultureInfo.InvariantCulture) + "Z";
        static string Go(DateTimeOffset t, int ns) => Nanos(t, ns)[..^1].TrimEnd('0').TrimEnd('.') + "Z";
        static long EvtTime(DateTimeOffset t, int ns) => (t.ToUnixTimeSeconds() * 1_000_000_000L) + ns;

        JsonObject Pod(string ns, string pod, string id, string name, string repo, string tag) => new()
        {
            ["container.id"] = id, ["container.name"] = name, ["container.image.repository"] = repo, ["container.image.tag"] = tag,
            ["k8s.ns.name"] = ns, ["k8s.pod.name"] = pod,
        };

        JsonObject Alert(string rule, string priority, DateTimeOffset at, int ns, JsonObject fields, string? hostname, string? output, string[]? tags, string? time = null)
        {
            fields["evt.time"] = EvtTime(at, ns);
            var alert = new JsonObject
            {
                ["output"] = output is null ? null : Nanos(at, ns)[11..29] + ": " + priority + " " + output,
                ["priority"] = priority,
                ["rule"] = rule,
                ["source"] = "syscall",
                ["time"] = time ?? Nanos(at, ns),
                ["output_fields"] = fields,
                ["hostname"] = hostname,
                ["tags"] = tags is null ? null : new JsonArray([.. tags.Select(t => JsonValue.Create(t))]),
            };

            // Without json_include_output_property / json_include_tags_property, or before Falco wrote a hostname, the member is not there.
            foreach (var absent in alert.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                alert.Remove(absent);
            }

            return alert;
        }

        var checkout = () => Pod("payments", "checkout-7d9f8b6c5-x2kqp", "3ad7b26ded6d", "checkout-app", "ghcr.io/northwind/checkout-svc", "1.4.2");
        var ledger = () => Pod("ledger", "ledger-db-0", "51c0a7e3f9b2", "ledger-db-main", "registry.northwind.test/ledger/pg-ledger", "15.4");
        string[] dropTags = ["maturity_stable", "container", "process", "mitre_persistence", "TA0003", "PCI_DSS_11.5.1"];
        const string Node = "gke-prod-pool-1-a7c3";

        var drop = checkout();
        drop["proc.cmdline"] = "xmrig --donate-level 1";
        drop["proc.exepath"] = "/tmp/xmrig";
        drop["user.name"] = "appuser";
        drop["user.loginuid"] = -1;
        var dropAgain = drop.DeepClone().AsObject();

        // json_include_output_property: false and json_include_tags_property: false. It comes first: an alert's update is
        // published when it gets worse and at counts 1, 2, 4 … (docs/detection.md), so a third, milder rule on the pod
        // would wait for a fourth alert to be listed.
        var read = checkout();
        read["fd.name"] = "/etc/shadow";
        read["proc.name"] = "cat";
        read["user.name"] = "appuser";

        // Output fields Falco could not fill: null, or not output at all (no proc.cmdline).
        var outbound = ledger();
        outbound["container.image.tag"] = null;
        outbound["user.name"] = null;
        outbound["fd.cip"] = "192.0.2.140";
        outbound["fd.sip"] = "203.0.113.50";
        outbound["fd.sport"] = 5432;

        var shell = ledger();
        shell["proc.name"] = "bash";
        shell["user.name"] = "appuser";

        // falcosidekick: its uuid, a custom field (customfields), Go's time.
        var apiServer = ledger();
        apiServer["fd.name"] = "198.51.100.23:51834->10.96.0.1:443";
        apiServer["environment"] = "production";

        // A container Docker runs on a host without Kubernetes, reported by a Falco that sent no hostname.
        var c2 = new JsonObject
        {
            ["container.id"] = "9f2c1e4b7a10", ["container.name"] = "billing-worker",
            ["container.image.repository"] = "registry.northwind.test/billing/billing-worker", ["container.image.tag"] = "2.0.1",
            ["k8s.ns.name"] = null, ["k8s.pod.name"] = null, ["fd.name"] = "192.0.2.140:40312->203.0.113.50:4444", ["user.name"] = "deploy-bot",
        };

        // The host itself: container.id "host"; an older Falco writes the missing Kubernetes fields as <NA>.
        var etc = new JsonObject { ["container.id"] = "host", ["container.name"] = "host", ["k8s.ns.name"] = null, ["k8s.pod.name"] = null, ["fd.name"] = "/etc/sudoers.d/deploy-bot", ["user.name"] = "deploy-bot" };
        var clear = new JsonObject { ["container.id"] = "host", ["container.name"] = "host", ["fd.name"] = "/var/log/auth.log", ["user.name"] = "deploy-bot", ["environment"] = "production" };
        var sudo = new JsonObject { ["container.id"] = "host", ["container.name"] = "host", ["k8s.ns.name"] = "<NA>", ["k8s.pod.name"] = "<NA>", ["proc.cmdline"] = "sudoedit -s \\", ["user.name"] = "appuser" };

        return
        [
            (false, Alert("Read sensitive file untrusted", "Warning", t0, 900_000_001, read, Node, null, null)),
            (false, Alert("Drop and execute new binary in container", "Critical", t0.AddMinutes(1), 123_456_789, drop, Node, "Executing binary not part of base image (proc_exe=/tmp/xmrig user=appuser container=checkout-app image=ghcr.io/northwind/checkout-svc:1.4.2 k8s_ns=payments k8s_pod=checkout-7d9f8b6c5-x2kqp)", dropTags)),
            (false, Alert("Drop and execute new binary in container", "Critical", t0.AddSeconds(100), 5, dropAgain, Node, "Executing binary not part of base image (proc_exe=/tmp/xmrig user=appuser container=checkout-app k8s_pod=checkout-7d9f8b6c5-x2kqp)", dropTags)),
            (false, Alert("Unexpected outbound connection destination", "Error", t0.AddMinutes(2), 42, outbound, Node, "Disallowed outbound connection destination (connection=192.0.2.140:40312->203.0.113.50:5432 container=ledger-db-main)", ["network", "mitre_exfiltration", "T1041"])),
            (false, Alert("Terminal shell in container", "Notice", t0.AddMinutes(3), 1, shell, Node, "A shell was spawned in a container with an attached terminal (user=appuser ledger-db-main)", ["container", "shell", "mitre_execution", "T1059"])),
            (true, Uuid(Alert("Contact K8S API Server From Container", "Warning", t0.AddMinutes(4), 120_000_000, apiServer, Node, "Unexpected connection to K8s API Server from container (connection=198.51.100.23:51834->10.96.0.1:443 container=ledger-db-main)", ["network", "k8s", "container", "mitre_discovery", "T1565"], Go(t0.AddMinutes(4), 120_000_000)), 0)),
            (false, Alert("Outbound Connection to C2 Servers", "Error", t0.AddMinutes(5), 7_000_000, c2, hostname: null, "Outbound connection to C2 server (connection=192.0.2.140:40312->203.0.113.50:4444 user=deploy-bot container=billing-worker)", ["network", "mitre_command_and_control", "TA0011"])),
            (false, Alert("Write below etc", "Error", t0.AddMinutes(6), 314_159_265, etc, "worker-node-a", "File below /etc opened for writing (user=deploy-bot file=/etc/sudoers.d/deploy-bot container_id=host)", ["filesystem", "mitre_persistence", "T1098"])),
            (true, Uuid(Alert("Clear Log Activities", "Warning", t0.AddMinutes(7), 500_000_000, clear, "build-box-17", "Log files were tampered (file=/var/log/auth.log user=deploy-bot)", ["file", "mitre_defense_evasion", "T1070"], Go(t0.AddMinutes(7), 500_000_000)), 1)),
            (false, Alert("Sudo Potential Privilege Escalation", "Critical", t0.AddMinutes(8), 999_999_999, sudo, "build-box-17", "Detect Sudo Privilege Escalation Exploit (CVE-2021-3156) (user=appuser parent=bash cmdline=sudoedit -s \\ k8s.ns=<NA> k8s.pod=<NA> container=host)", ["filesystem", "mitre_privilege_escalation", "T1548.003"])),
        ];
    }

    private static JsonObject Uuid(JsonObject alert, int n)
    {
        alert["uuid"] = Uuids[n];
        return alert;
    }
}
