using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// libsinsp's fields on a Tetragon exec (falcosecurity/libs sinsp_filtercheck_thread.cpp, _container, _k8s): each with
/// Falco's meaning where the record gives it, and a load error naming the field where it cannot.
/// </summary>
public sealed class FalcoSyscallFieldTests
{
    private const string AllFields =
        "%evt.type|%evt.dir|%evt.res|%proc.name|%proc.exepath|%proc.args|%proc.cmdline|%proc.cwd|%proc.pid|%proc.pname|%proc.pexepath|%proc.pcmdline|%proc.ppid"
        + "|%proc.aname[0]|%proc.aname[1]|%proc.acmdline[1]|%user.name|%user.uid|%user.loginuid|%container.id|%container.name|%container.image"
        + "|%container.image.repository|%container.image.tag|%k8s.ns.name|%k8s.pod.name|%k8s.pod.label[app]|%evt.source|%fd.name|%proc.tty";

    private static string Render(string line, string output = AllFields)
    {
        var rule = FalcoTestData.Single($"""
            - rule: Every exec
              desc: renders the fields
              condition: spawned_process
              output: "{output}"
              priority: INFO
            - macro: spawned_process
              condition: evt.type in (execve, execveat) and evt.dir=<
            """);
        return ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(line));
    }

    [Fact]
    public void Fields_OfAnExecInAPod_HaveFalcosMeaning()
    {
        var line = Exec("/usr/lib/apt/apt.systemd.daily", "update", Pod(image: "registry.example.com:5000/payments/checkout:2.4.1"), cwd: "/dev/shm");

        Assert.Equal(
            "execve|<|SUCCESS|apt.systemd.dai|/usr/lib/apt/apt.systemd.daily|update|apt.systemd.dai update|/dev/shm/|42101|bash|/bin/bash|bash -c entrypoint.sh|42099"
            + "|apt.systemd.dai|bash|bash -c entrypoint.sh|root|0|-1|4f1c9a2b7e3d|checkout|registry.example.com:5000/payments/checkout:2.4.1"
            + "|registry.example.com:5000/payments/checkout|2.4.1|payments|checkout-7d9f8c-x2x4q|checkout|syscall|<NA>|<NA>",
            Render(line));
    }

    [Fact]
    public void Fields_OfAHostExecWithoutArgumentsParentOrUser_AreHostEmptyOrMissing()
    {
        var line = Exec("/usr/bin/id", arguments: null, parent: null, uid: 1000, user: null, cwd: "/");

        Assert.Equal(
            "execve|<|SUCCESS|id|/usr/bin/id||id|/|42101|<NA>|<NA>|<NA>|<NA>|id|<NA>|<NA>|<NA>|1000|-1|host|host|<NA>|<NA>|<NA>|<NA>|<NA>|<NA>|syscall|<NA>|<NA>",
            Render(line));
    }

    [Theory]
    [InlineData("docker.io/library/nginx@sha256:0b1c2d3e", "docker.io/library/nginx|<NA>")]
    [InlineData("nginx", "nginx|<NA>")]
    [InlineData("quay.io/calico/node:v3.27.0@sha256:0b1c2d3e", "quay.io/calico/node|v3.27.0")]
    public void ContainerImage_SplitsRepositoryAndTag_WithoutTheDigest(string image, string expected) =>
        Assert.Equal(expected, Render(Exec("/bin/sh", pod: Pod(image: image)), "%container.image.repository|%container.image.tag"));

    [Fact]
    public void ProcName_IsCutTo15Bytes_AsTheKernelsComm_SoTheStockListsMatch()
    {
        var rule = FalcoTestData.Single("""
            - rule: Package manager
              desc: a stock list names apt.systemd.daily as its comm
              condition: evt.type = execve and proc.name in (dpkg-preconfigu, apt.systemd.dai) and proc.cmdline startswith "dpkg-preconfigu -f"
              output: "%proc.name"
              priority: INFO
              source: syscall
            """);

        Assert.True(rule.Condition.Matches(Event(Exec("/usr/sbin/dpkg-preconfigure", "-f noninteractive /var/cache/apt/archives/x.deb"))));
        Assert.False(rule.Condition.Matches(Event(Exec("/usr/sbin/dpkg-reconfigure", "-f noninteractive tzdata"))));
    }

    [Fact]
    public void ProcessAndParent_ArgumentsWithSpaces_AreArgvJoined_WithoutTetragonsQuotes()
    {
        // sh -c "python3 'my script.py' --verbose": argv[2] of sh and argv[1] of python3 hold a space, which Tetragon quotes.
        var line = Exec("/usr/bin/python3", " \"my script.py\" --verbose", parent: "\"binary\":\"/bin/sh\",\"arguments\":\"-c \\\"python3 'my script.py' --verbose\\\"\",\"pid\":42099");

        Assert.Equal(
            "my script.py --verbose|python3 my script.py --verbose|sh|/bin/sh|sh -c python3 'my script.py' --verbose|python3 my script.py --verbose|sh -c python3 'my script.py' --verbose",
            Render(line, "%proc.args|%proc.cmdline|%proc.pname|%proc.pexepath|%proc.pcmdline|%proc.acmdline[0]|%proc.acmdline[1]"));
    }

    [Fact]
    public void Parent_WithoutArguments_IsItsNameAlone()
    {
        var line = Exec("/bin/sh", "-c true", parent: "\"binary\":\"/usr/bin/containerd-shim-runc-v2\",\"pid\":900");

        Assert.Equal(
            "containerd-shim|/usr/bin/containerd-shim-runc-v2|containerd-shim|containerd-shim|/usr/bin/containerd-shim-runc-v2|/bin/sh",
            Render(line, "%proc.pname|%proc.pexepath|%proc.pcmdline|%proc.aname[1]|%proc.aexepath[1]|%proc.aexepath[0]"));
    }

    [Theory]
    [InlineData("proc.pname exists", false)]
    [InlineData("proc.pcmdline exists", false)]
    [InlineData("not proc.pname in (sh, bash)", true)]
    [InlineData("proc.cmdline = \"id -u\"", true)]
    public void NoParent_LeavesEveryParentFieldWithoutAValue(string condition, bool matches)
    {
        var rule = FalcoTestData.Single($"""
            - rule: Parent
              desc: x
              condition: evt.type = execve and {condition}
              output: "%proc.pname"
              priority: INFO
            """);

        Assert.Equal(matches, rule.Condition.Matches(Event(Exec("/usr/bin/id", "-u", parent: null))));
        Assert.Equal("<NA>", ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(Exec("/usr/bin/id", "-u", parent: null))));
    }

    [Theory]
    [InlineData("", "1000")]
    [InlineData(",\"binary_properties\":{\"setuid\":0}", "0")]
    [InlineData(",\"process_credentials\":{\"uid\":1000,\"euid\":0,\"suid\":0,\"fsuid\":0}", "0")]
    public void UserUid_IsTheEffectiveUid_AsLibsinspsIs(string extra, string uid) =>
        Assert.Equal(uid, Render(Exec("/usr/bin/passwd", uid: 1000, user: "ops", extra: extra), "%user.uid"));

    [Fact]
    public void ProcVpid_IsThePidInTheProcesssOwnNamespace()
    {
        Assert.Equal("17|42101", Render(Exec("/app/server", pod: Pod()), "%proc.vpid|%proc.pid"));
        Assert.Equal("42101|42101", Render(Exec("/usr/sbin/sshd"), "%proc.vpid|%proc.pid"));
        Assert.Equal("<NA>|42101", Render(Exec("/app/server", extra: ",\"docker\":\"4f1c9a2b7e3d5c6\""), "%proc.vpid|%proc.pid"));
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "evt.type = kill and fd.name = /etc/shadow", "its condition is never true on a system call ZtStream sees (Tetragon's process_exec: evt.type execve, evt.dir <, evt.res SUCCESS; Tetragon's file writes (an open for writing): evt.type openat/open/openat2; Tetragon's file reads (an open for reading): evt.type openat/open/openat2; Tetragon's connections: evt.type connect; Tetragon's mode changes: evt.type chmod/fchmodat/fchmod" },
        { "evt.type = kill and proc.name = gdb", "Tetragon's symbolic links: evt.type symlinkat/symlink; Tetragon's hard links: evt.type linkat/link; Tetragon's directories made: evt.type mkdirat/mkdir; Tetragon's renames: evt.type renameat2/renameat/rename; Tetragon's unlinks: evt.type unlinkat/unlink; Tetragon's directories removed: evt.type unlinkat/rmdir; Tetragon's ptrace calls: evt.type ptrace; Tetragon's sockets created: evt.type socket; Tetragon's setuid calls: evt.type setuid; Tetragon's kernel modules loaded: evt.type init_module/finit_module; Tetragon's setns calls: evt.type setns; Tetragon's unshare calls: evt.type unshare; Tetragon's opens (sys_openat): evt.type openat; Tetragon's opens (sys_open): evt.type open; Tetragon's files created (sys_creat): evt.type creat): it requires evt.type = kill" },
        { "evt.type in (execve, execveat) and evt.dir = >", "it requires evt.dir = >" },
        { "evt.type = execveat", "it requires evt.type = execveat" },
        { "evt.type = execve and evt.res startswith E", "it requires evt.res startswith E" },
        { "evt.type = execve and fd.name = /etc/shadow", "reads fd.name, which a process exec does not carry: a process exec opens no file or socket" },
        { "evt.type = execve and proc.aexepath[2] = /usr/sbin/nginx", "reads proc.aexepath[2], which a process exec does not carry: libsinsp's is the executed file's canonical path" },
        { "evt.type = execve and proc.aexepath = /usr/sbin/nginx", "reads proc.aexepath, which a process exec does not carry: libsinsp's is the executed file's canonical path" },
        { "evt.type = execve and proc.aexe[2] endswith java", "reads proc.aexe, which a process exec does not carry: it is argv[0]" },
        { "evt.type = execve and proc.sname = sshd", "reads proc.sname, which a process exec does not carry: Tetragon names a process's parent and ancestors, but not which of them leads its session" },
        { "evt.type = execve and proc.exe startswith ./", "reads proc.exe, which a process exec does not carry: it is argv[0]" },
        { "evt.type = execve and proc.exepath startswith /dev/shm/", "reads proc.exepath, which a process exec does not carry: libsinsp's is the executed file's canonical path, symlinks resolved" },
        { "evt.type = execve and proc.pexepath = /bin/sh", "reads proc.pexepath, which a process exec does not carry: libsinsp's is the executed file's canonical path" },
        { "evt.type = execve and proc.aexepath[1] = /bin/sh", "reads proc.aexepath[1], which a process exec does not carry: libsinsp's is the executed file's canonical path" },
        { "evt.type = execve and thread.vtid = 1", "reads thread.vtid, which a process exec does not carry" },
        { "evt.type = execve and ka.verb = create", "field 'ka.verb' is a k8saudit plugin field, read from Kubernetes audit events: a rule of source syscall cannot use it" },
        { "evt.type = execve and json.value[/verb] = create", "field 'json.value' is a json plugin field, which reads a plugin's event: a rule of source syscall reads system calls" },
        { "evt.type = execve and proc.nmae = sh", "unknown field 'proc.nmae' (not a syscall field)" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Condition_AnExecCannotAnswer_IsALoadErrorNamingWhy(string condition, string reason)
    {
        var result = LoadRule("Exec rule", condition);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("local_rules.yaml", 1, "Exec rule"), (error.File, error.Line, error.RuleId));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Rules);
    }

    [Theory]
    [InlineData("evt.type = execve or (evt.type = kill and fd.name = /etc/shadow)", true)]
    [InlineData("evt.type in (execve, kill) and not (evt.type = kill and fd.name startswith /etc)", true)]
    [InlineData("(evt.type = kill and fd.name = /etc/shadow) or proc.name = nc", true)]
    [InlineData("(evt.type = kill and fd.name = /etc/shadow) or proc.name = ncat", false)]
    public void Condition_PartsAnExecNeverReaches_AreDecidedAtLoad_AsLibsinspNeverReadsThem(string condition, bool matchesNc)
    {
        var rule = FalcoTestData.Single($"""
            - rule: Mixed
              desc: x
              condition: {condition}
              output: o
              priority: WARNING
              source: syscall
            """);

        Assert.Equal(matchesNc, rule.Condition.Matches(Event(Exec("/usr/bin/nc", "-l 4444"))));
    }

    [Theory]
    [InlineData("k8s_audit", "proc.name = sh", "field 'proc.name' is a syscall field, read from Tetragon's process execs: a rule of source k8s_audit cannot use it")]
    [InlineData("okta", "fd.name = /etc/shadow", "field 'fd.name' is a syscall field, read from Tetragon's process execs: a rule of source okta cannot use it")]
    public void SyscallField_InAnotherSourcesRule_IsAnError(string source, string condition, string reason)
    {
        var result = FalcoTestData.Load(("local_rules.yaml", $"""
            - rule: Wrong source
              desc: x
              condition: {condition}
              output: o
              priority: WARNING
              source: {source}
            """));

        Assert.Contains(reason, Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }
}
