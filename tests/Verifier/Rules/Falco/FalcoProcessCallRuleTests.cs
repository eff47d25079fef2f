using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity/rules' process rules on the calls Tetragon's TracingPolicies report — <c>sys_ptrace</c> and
/// <c>security_ptrace_traceme</c>, <c>do_init_module</c> and <c>sys_finit_module</c>, <c>sys_socket</c> and
/// <c>security_socket_create</c>, <c>sys_unshare</c>, <c>sys_setns</c>, <c>sys_setuid</c> — and the capability sets
/// (<c>thread.cap_*</c>) of Tetragon's <c>process.cap</c>, in the export's shape, through Ingest's mapper: each stock rule
/// beside its near misses, in a pod and on the host, and what a call cannot answer refused naming it.
/// </summary>
public sealed class FalcoProcessCallRuleTests
{
    private static readonly Lazy<RuleLoadResult> All = new(() =>
        FalcoRuleLoader.LoadAll([StockFile(), RulesFile(IncubatingRules), RulesFile(SandboxRules)]));

    private static bool Fires(string rule, string line) => Assert.Single(All.Value.Rules, r => r.Id == rule).Condition.Matches(Event(line));

    /// <summary>Tetragon's capability names as <c>process.cap</c> lists them (CapabilitiesType), in the kernel's bit order.</summary>
    private const string RootCaps = "\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_KILL\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_NET_BIND_SERVICE\"";

    private static string Caps(string permitted, string? effective = null) =>
        $$""","cap":{"permitted":[{{permitted}}],"effective":[{{effective ?? permitted}}]}""";

    /// <summary>One call a policy reported: the hook, its arguments in the policy's order, the process's pod ("" on the host) and capabilities.</summary>
    private static string Kprobe(
        string function, string args, string pod = "", string caps = "", string binary = "/usr/bin/gdb", string? returned = null, string type = "process_kprobe", int uid = 0) => $$"""
        {"{{type}}":{"process":{"exec_id":"dHotbm9kZS1iOjcwMDAwMDAwMDAwOjUxMjA3","pid":51207,"uid":{{uid}},"cwd":"/work","binary":"{{binary}}","arguments":"-p 4242",
            "flags":"execve clone","start_time":"2026-12-01T10:00:00.000000000Z","auid":1000,{{pod}}"user":{"name":"dev"},"parent_exec_id":"dHotbm9kZS1iOjY5OTk5OTk5OTk5OjUxMjAw"{{caps}}},
          "parent":{"exec_id":"dHotbm9kZS1iOjY5OTk5OTk5OTk5OjUxMjAw","pid":51200,"uid":0,"cwd":"/work","binary":"/bin/bash","arguments":"-i","flags":"execve","start_time":"2026-12-01T09:59:00.000000000Z"},
          "function_name":"{{function}}","args":{{args}},{{(returned is null ? "" : $"\"return\":{returned},")}}"action":"KPROBE_ACTION_POST","policy_name":"process-calls"},
         "node_name":"node-b","time":"2026-12-01T10:00:01.000000000Z"}
        """;

    private static string Ptrace(long request, string pod = "", string binary = "/usr/bin/gdb") =>
        Kprobe("__x64_sys_ptrace", $$"""[{"int_arg":{{request}}},{"int_arg":4242}]""", pod, binary: binary);

    private static string Socket(int family, string pod, string function = "__x64_sys_socket", int kern = 0) =>
        Kprobe(function, function == "security_socket_create"
            ? $$"""[{"int_arg":{{family}}},{"int_arg":3},{"int_arg":768},{"int_arg":{{kern}}}]"""
            : $$"""[{"int_arg":{{family}}},{"int_arg":524291},{"int_arg":768}]""", pod, binary: "/usr/sbin/tcpdump");

    private static string ModuleLoad(string pod, string caps, string function = "do_init_module", string? returned = null) =>
        Kprobe(function, function == "do_init_module" ? """[{"module_arg":{"name":"rootkit","signature_ok":false,"tainted":["TAINT_UNSIGNED_MODULE"]}}]""" : """[{"int_arg":3}]""",
            pod, caps, "/usr/sbin/insmod", returned);

    [Fact]
    public void ThreeFiles_LoadTheProcessRulesTetragonsCallsAnswer_OnTheCallsAlone()
    {
        string[] calls = ["PTRACE attached to process", "PTRACE anti-debug attempt", "Linux Kernel Module Injection Detected", "Packet socket created in container", "Change namespace privileges via unshare"];
        Assert.All(calls, c => Assert.Equal([EventKinds.RuntimeProcess, EventKinds.RuntimeAlert], Assert.Single(All.Value.Rules, r => r.Id == c).Kinds));

        // Read on the call, never on an exec of the same process.
        Assert.False(Fires("PTRACE attached to process", Exec("/usr/bin/gdb", "-p 4242", Pod())));
    }

    [Theory]
    [InlineData(16, true)] // PTRACE_ATTACH
    [InlineData(0x4206, true)] // PTRACE_SEIZE
    [InlineData(4, true)] // PTRACE_POKETEXT
    [InlineData(5, true)] // PTRACE_POKEDATA
    [InlineData(13, true)] // PTRACE_SETREGS
    [InlineData(2, false)] // PTRACE_PEEKDATA
    [InlineData(7, false)] // PTRACE_CONT
    [InlineData(17, false)] // PTRACE_DETACH
    [InlineData(0, false)] // PTRACE_TRACEME
    [InlineData(999, false)] // no request libsinsp names
    public void PtraceAttached_FiresOnAnAttachOrAnInjection_InAPodAndOnTheHost(long request, bool fires)
    {
        Assert.Equal(fires, Fires("PTRACE attached to process", Ptrace(request, Pod())));
        Assert.Equal(fires, Fires("PTRACE attached to process", Ptrace(request)));
    }

    [Fact]
    public void PtraceAntiDebug_FiresOnTraceme_ByTheSyscallOrItsLsmHook_NotOnAnAttach()
    {
        Assert.True(Fires("PTRACE anti-debug attempt", Ptrace(0, Pod(), "/tmp/packed")));
        Assert.True(Fires("PTRACE anti-debug attempt", Kprobe("security_ptrace_traceme", "[]", binary: "/tmp/packed")));
        Assert.True(Fires("PTRACE anti-debug attempt", Kprobe("ptrace_traceme", "[]", Pod(), binary: "/tmp/packed", type: "process_lsm")));

        Assert.False(Fires("PTRACE anti-debug attempt", Ptrace(16, Pod())));
        Assert.False(Fires("PTRACE anti-debug attempt", Kprobe("security_ptrace_access_check", """[{"int_arg":2}]""", Pod())));
    }

    [Fact]
    public void PtraceOutput_NamesTheRequestAndTheCallAsFalcoPrintsThem()
    {
        var rule = (FalcoRuleMatcher)Assert.Single(All.Value.Rules, r => r.Id == "PTRACE attached to process").Condition;
        var output = rule.RenderOutput(Event(Ptrace(16, Pod())));
        Assert.StartsWith("Detected ptrace PTRACE_ATTACH attempt (proc_pcmdline=bash -i evt_type=ptrace user=dev user_uid=0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void KernelModuleInjection_FiresInAContainerWithSysModule_NotOnTheHostNorWithoutIt()
    {
        var sysModule = Caps(RootCaps + ",\"CAP_SYS_MODULE\",\"CAP_SYS_ADMIN\"");
        Assert.True(Fires("Linux Kernel Module Injection Detected", ModuleLoad(Pod(), sysModule)));
        Assert.True(Fires("Linux Kernel Module Injection Detected", ModuleLoad(Pod(), sysModule, "__x64_sys_finit_module", """{"int_arg":0}""")));

        Assert.False(Fires("Linux Kernel Module Injection Detected", ModuleLoad("", sysModule)));
        Assert.False(Fires("Linux Kernel Module Injection Detected", ModuleLoad(Pod(), Caps(RootCaps))));

        // Effective, not permitted: a capability the process may raise but does not hold is no CAP_SYS_MODULE.
        Assert.False(Fires("Linux Kernel Module Injection Detected", ModuleLoad(Pod(), Caps(RootCaps + ",\"CAP_SYS_MODULE\"", RootCaps))));

        // Without --enable-process-cred the export names no capability: thread.cap_effective has no value.
        Assert.False(Fires("Linux Kernel Module Injection Detected", ModuleLoad(Pod(), "")));
    }

    [Fact]
    public void PacketSocket_FiresOnAfPacketInAContainer_NotAnotherFamilyNorOnTheHostNorAKernelSocket()
    {
        Assert.True(Fires("Packet socket created in container", Socket(17, Pod())));
        Assert.True(Fires("Packet socket created in container", Socket(17, Pod(), "security_socket_create")));

        Assert.False(Fires("Packet socket created in container", Socket(2, Pod())));
        Assert.False(Fires("Packet socket created in container", Socket(10, Pod(), "security_socket_create")));
        Assert.False(Fires("Packet socket created in container", Socket(17, "")));
        Assert.False(Fires("Packet socket created in container", Socket(17, Pod(), "security_socket_create", kern: 1)));
    }

    [Fact]
    public void UnshareInAContainer_FiresWithoutCapSysAdminPermitted_NotWithItNorOnTheHostNorWhenRefused()
    {
        Assert.True(Fires("Change namespace privileges via unshare", Kprobe("__x64_sys_unshare", """[{"int_arg":268435456}]""", Pod(), Caps(RootCaps), "/usr/bin/unshare")));

        Assert.False(Fires("Change namespace privileges via unshare", Kprobe("__x64_sys_unshare", """[{"int_arg":268435456}]""", Pod(), Caps(RootCaps + ",\"CAP_SYS_ADMIN\""), "/usr/bin/unshare")));
        Assert.False(Fires("Change namespace privileges via unshare", Kprobe("__x64_sys_unshare", """[{"int_arg":268435456}]""", "", Caps(RootCaps), "/usr/bin/unshare")));
        Assert.False(Fires("Change namespace privileges via unshare", Kprobe("__x64_sys_unshare", """[{"int_arg":268435456}]""", Pod(), Caps(RootCaps), "/usr/bin/unshare", """{"int_arg":-1}""")));
    }

    [Fact]
    public void ExcessivelyCapableContainer_FiresOnItsFirstProcessWithAPowerfulCapability()
    {
        var first = Pod().Replace("\"pid\":17", "\"pid\":1", StringComparison.Ordinal);
        Assert.True(Fires("Launch Excessively Capable Container", Exec("/usr/bin/app", pod: first, extra: Caps(RootCaps + ",\"CAP_SYS_ADMIN\""))));
        Assert.True(Fires("Launch Excessively Capable Container", Exec("/usr/bin/app", pod: first, extra: Caps("\"CAP_NET_ADMIN\"", ""))));

        Assert.False(Fires("Launch Excessively Capable Container", Exec("/usr/bin/app", pod: first, extra: Caps(RootCaps))));
        Assert.False(Fires("Launch Excessively Capable Container", Exec("/usr/bin/app", pod: Pod(), extra: Caps(RootCaps + ",\"CAP_SYS_ADMIN\""))));
        Assert.False(Fires("Launch Excessively Capable Container", Exec("/usr/bin/app", pod: first)));
    }

    [Fact]
    public void ReleaseAgentEscape_FiresOnAWriteThereWithCapSysAdmin_NotWithoutIt()
    {
        static string Write(string caps, string path = "/sys/fs/cgroup/rdma/x/release_agent") => Kprobe(
            "security_file_permission", $$$"""[{"file_arg":{"path":"{{{path}}}","permission":"-rw-r--r--"}},{"int_arg":2}]""", Pod(), caps, "/bin/sh", """{"int_arg":0}""");

        Assert.True(Fires("Detect release_agent File Container Escapes", Write(Caps(RootCaps + ",\"CAP_SYS_ADMIN\""))));

        Assert.False(Fires("Detect release_agent File Container Escapes", Write(Caps(RootCaps))));
        Assert.False(Fires("Detect release_agent File Container Escapes", Write(Caps(RootCaps + ",\"CAP_SYS_ADMIN\""), "/sys/fs/cgroup/rdma/x/notify_on_release")));
    }

    [Theory]
    [InlineData("Non sudo setuid", "reads evt.arg.uid, which a setuid call does not carry: libsinsp prints the uid as the name the user database gives it")]
    [InlineData("Change thread namespace", "reads proc.exe, which a process exec does not carry")]
    [InlineData("Unexpected inbound connection source", "it requires evt.type in (accept, accept4, listen)")]
    public void AProcessRuleACallCannotAnswer_IsRefusedNamingWhy(string rule, string reason) =>
        Assert.Contains(All.Value.Errors, e => e.RuleId == rule && e.Reason.Contains(reason, StringComparison.Ordinal));

    [Fact]
    public void SetnsAndSetuid_AreReadAsLibsinspsExitAndEnterEvents()
    {
        var setns = Assert.Single(LoadRule("Setns", "evt.type=setns and evt.dir=< and proc.name=nsenter").Rules);
        Assert.True(setns.Condition.Matches(Event(Kprobe("__x64_sys_setns", """[{"int_arg":3},{"int_arg":1073741824}]""", Pod(), binary: "/usr/bin/nsenter"))));
        Assert.False(setns.Condition.Matches(Event(Kprobe("__x64_sys_setns", """[{"int_arg":3},{"int_arg":1073741824}]""", Pod(), binary: "/usr/bin/nsenter", returned: """{"int_arg":-1}"""))));
        Assert.False(setns.Condition.Matches(Event(Kprobe("__x64_sys_unshare", "[]", Pod(), binary: "/usr/bin/nsenter"))));

        var setuid = Assert.Single(LoadRule("Setuid", "evt.type=setuid and evt.dir=> and not user.uid=0").Rules);
        Assert.True(setuid.Condition.Matches(Event(Kprobe("__x64_sys_setuid", """[{"int_arg":0}]""", binary: "/tmp/exploit", uid: 1000))));
        Assert.False(setuid.Condition.Matches(Event(Kprobe("__x64_sys_setuid", """[{"int_arg":0}]""", binary: "/usr/bin/su"))));

        // An enter event has no result; an exit one is read both ways, so a test of it is refused.
        Assert.Contains("it requires", Assert.Single(LoadRule("Res", "evt.type=ptrace and evt.res=SUCCESS").Errors).Reason, StringComparison.Ordinal);
        Assert.Contains("depends on the call's result", Assert.Single(LoadRule("Res", "evt.type=setns and evt.rawres=0").Errors).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evt.type=socket and evt.arg.domain=AF_INET6", 10, true)]
    [InlineData("evt.type=socket and evt.arg[0]=AF_NETLINK", 16, true)]
    [InlineData("evt.type=socket and evt.arg.domain=AF_INET6", 2, false)]
    [InlineData("evt.type=socket and evt.arg.domain=42", 42, true)]
    [InlineData("evt.type=socket and evt.arg.type=524291 and evt.arg.proto=768", 17, true)]
    public void SocketArguments_ArePrintedAsLibsinspPrintsThem(string condition, int family, bool matches) =>
        Assert.Equal(matches, Assert.Single(LoadRule("Socket", condition).Rules).Condition.Matches(Event(Socket(family, Pod()))));

    [Theory]
    [InlineData("evt.type=ptrace and evt.arg.pid=4242", "reads evt.arg.pid, which a ptrace call does not carry")]
    [InlineData("evt.type=ptrace and evt.arg.addr=0", "reads evt.arg.addr, which a ptrace call does not carry: Tetragon's ptrace gives the request (evt.arg.request) only")]
    [InlineData("evt.type=socket and fd.name=x", "reads fd.name, which a socket created does not carry")]
    [InlineData("evt.type=unshare and evt.arg.flags contains CLONE_NEWUSER", "reads evt.arg.flags, which an unshare call does not carry")]
    public void AnArgumentTheCallDoesNotGive_IsRefusedNamingIt(string condition, string reason) =>
        Assert.Contains(reason, Assert.Single(LoadRule("Arg", condition).Errors).Reason, StringComparison.Ordinal);
}
