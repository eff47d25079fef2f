using ZtStream.Ingest.Sources.Tetragon;
using static ZtStream.Ingest.Tests.Sources.Tetragon.TetragonLines;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

/// <summary>
/// The process calls a policy reports (<c>tetragon.operation</c> <c>ptrace</c>, <c>socket</c>, <c>setuid</c>,
/// <c>init_module</c>, <c>setns</c>, <c>unshare</c>), read from the hooks of Tetragon's example policies with their
/// arguments in the policy's order: each beside the record that is not that call, and the record whose arguments do not
/// say what the call asked refused naming the argument.
/// </summary>
public sealed class TetragonProcessCallTests
{
    private static string Line(string function, string args, string type = "process_kprobe", string? returned = null, string action = "KPROBE_ACTION_POST") => $$"""
        {"{{type}}":{"process":{"exec_id":"cHJvYw==","pid":5120,"uid":1000,"binary":"/usr/bin/strace","arguments":"-p 1"},
          "function_name":"{{function}}","args":{{args}},{{(returned is null ? "" : $"\"return\":{returned},")}}"action":"{{action}}","policy_name":"process-calls"},
         "node_name":"worker-2","time":"2026-12-02T08:00:00Z"}
        """;

    private static long Number(AccessEvent e, string key) => e.Attributes![key].GetInt64();

    [Fact]
    public void SysPtrace_IsAPtraceWithItsRequestAndPid_ItsTracemeHookAPtraceTraceme()
    {
        var e = Map(Line("__x64_sys_ptrace", """[{"int_arg":16},{"int_arg":1}]"""));
        Assert.Equal("ptrace", e.Attr(TetragonMapper.OperationAttribute));
        Assert.Equal((16L, 1L), (Number(e, TetragonProcessCalls.PtraceRequestAttribute), Number(e, TetragonProcessCalls.PtracePidAttribute)));

        var traceme = Map(Line("security_ptrace_traceme", "[]"));
        Assert.Equal(("ptrace", 0L), (traceme.Attr(TetragonMapper.OperationAttribute), Number(traceme, TetragonProcessCalls.PtraceRequestAttribute)));

        // The call asked is the enter event: a request the kernel then refused is still one.
        Assert.Equal("ptrace", Map(Line("__arm64_sys_ptrace", """[{"int_arg":16}]""", returned: """{"int_arg":-1}""")).Attr(TetragonMapper.OperationAttribute));

        // security_ptrace_access_check's mode is no request: /proc reads ask it too.
        Assert.Null(Map(Line("security_ptrace_access_check", """[{"int_arg":2}]""")).Attr(TetragonMapper.OperationAttribute));
    }

    [Theory]
    [InlineData("""[]""", "process_kprobe.args[0].int_arg")]
    [InlineData("""[{"file_arg":{"path":"/etc/passwd"}}]""", "process_kprobe.args[0].int_arg")]
    [InlineData("""[{"int_arg":"sixteen"}]""", "process_kprobe.args[0].int_arg")]
    public void SysPtrace_WithoutItsRequest_IsTheItemsErrorNamingIt(string args, string field)
    {
        var error = Refused(Line("__x64_sys_ptrace", args));
        Assert.Equal(field, error.Field);
        Assert.Contains("ptrace's request", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Socket_IsASocketWithFamilyTypeAndProtocol_NotAKernelSocket()
    {
        var e = Map(Line("__x64_sys_socket", """[{"int_arg":17},{"int_arg":3},{"int_arg":768}]"""));
        Assert.Equal("socket", e.Attr(TetragonMapper.OperationAttribute));
        Assert.Equal((17L, 3L, 768L), (Number(e, TetragonProcessCalls.SocketFamilyAttribute), Number(e, TetragonProcessCalls.SocketTypeAttribute), Number(e, TetragonProcessCalls.SocketProtocolAttribute)));

        var lsm = Map(Line("socket_create", """[{"int_arg":2},{"int_arg":1},{"int_arg":6},{"int_arg":0}]""", "process_lsm"));
        Assert.Equal(("socket", 2L), (lsm.Attr(TetragonMapper.OperationAttribute), Number(lsm, TetragonProcessCalls.SocketFamilyAttribute)));
        Assert.Null(Map(Line("security_socket_create", """[{"int_arg":16},{"int_arg":3},{"int_arg":0},{"int_arg":1}]""")).Attr(TetragonMapper.OperationAttribute));

        Assert.Equal("process_lsm.args[0].int_arg", Refused(Line("socket_create", """[{"sock_arg":{"family":"AF_INET"}}]""", "process_lsm")).Field);
    }

    [Fact]
    public void ModuleLoad_IsAnInitModuleWithItsName_TheSyscallOnlyWhenItSucceeded()
    {
        var e = Map(Line("do_init_module", """[{"module_arg":{"name":"nf_tables","signature_ok":true}}]"""));
        Assert.Equal(("init_module", "nf_tables"), (e.Attr(TetragonMapper.OperationAttribute), e.Attr(TetragonProcessCalls.ModuleAttribute)));

        Assert.Equal("init_module", Map(Line("__x64_sys_finit_module", """[{"int_arg":3}]""", returned: """{"int_arg":0}""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map(Line("__x64_sys_finit_module", """[{"int_arg":3}]""", returned: """{"int_arg":-17}""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map(Line("__x64_sys_init_module", "[]", action: "KPROBE_ACTION_OVERRIDE")).Attr(TetragonMapper.OperationAttribute));

        // free_module unloads; security_kernel_module_request asks the kernel's helper to load: neither is init_module().
        Assert.Null(Map(Line("free_module", """[{"module_arg":{"name":"nf_tables"}}]""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map(Line("security_kernel_module_request", """[{"string_arg":"net-pf-17"}]""")).Attr(TetragonMapper.OperationAttribute));

        var error = Refused(Line("do_init_module", """[{"module_arg":{"signature_ok":true}}]"""));
        Assert.Equal(("process_kprobe.args[0].module_arg.name", true), (error.Field, error.Reason.Contains("the module loaded", StringComparison.Ordinal)));
    }

    [Fact]
    public void SetuidSetnsUnshare_AreNamed_SetuidWithItsUid()
    {
        var setuid = Map(Line("__x64_sys_setuid", """[{"int_arg":0}]"""));
        Assert.Equal(("setuid", 0L), (setuid.Attr(TetragonMapper.OperationAttribute), Number(setuid, TetragonProcessCalls.NewUidAttribute)));
        Assert.Equal("setuid", Map(Line("__sys_setuid", """[{"int_arg":65534}]""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Equal("process_kprobe.args[0].int_arg", Refused(Line("__x64_sys_setuid", "[]")).Field);

        Assert.Equal("setns", Map(Line("__x64_sys_setns", """[{"int_arg":3},{"int_arg":0}]""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Equal("unshare", Map(Line("__x64_sys_unshare", """[{"int_arg":268435456}]""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map(Line("__x64_sys_unshare", """[{"int_arg":268435456}]""", returned: """{"int_arg":-1}""")).Attr(TetragonMapper.OperationAttribute));

        // A tracepoint or a uprobe of the same name is no such call.
        Assert.Null(Map(Line("__x64_sys_setns", "[]", "process_uprobe")).Attr(TetragonMapper.OperationAttribute));
    }
}
