using ZtStream.Ingest.Sources.Tetragon;
using static ZtStream.Ingest.Tests.Sources.Tetragon.TetragonLines;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

/// <summary>
/// The opens a policy reports with their flags (<c>sys_openat</c>, <c>sys_open</c>, <c>sys_creat</c> as syscall kprobes,
/// Tetragon's <c>openat_write.yaml</c>): the path resolved as the kernel resolves it, the flags by their names, the
/// descriptor returned; each beside the record that is no open, and the record that cannot say which file opened refused
/// naming the field.
/// </summary>
public sealed class TetragonOpenCallsTests
{
    private static string Line(string function, string args, string? returned = """{"int_arg":3}""", string cwd = "/home/dev", string action = "KPROBE_ACTION_POST", bool pod = false) => $$"""
        {"process_kprobe":{"process":{"exec_id":"b3Blbg==","pid":4100,"uid":1000,"cwd":"{{cwd}}","binary":"/usr/bin/bash","arguments":"-i"
          {{(pod ? ""","pod":{"namespace":"shop","name":"cart-7f9","container":{"id":"containerd://0123456789abcdef0123","name":"cart"}}""" : "")}}},
          "function_name":"{{function}}","args":{{args}},{{(returned is null ? "" : $"\"return\":{returned},")}}"action":"{{action}}","policy_name":"sys-openat"},
         "node_name":"worker-1","time":"2026-12-07T10:00:00Z"}
        """;

    private static string[] Flags(AccessEvent e) => [.. e.Attributes![TetragonOpenCalls.FlagsAttribute].EnumerateArray().Select(f => f.GetString()!)];

    [Fact]
    public void SysOpenat_WithAnAbsolutePath_IsAnOpenatWithItsFlagsModeAndDescriptor()
    {
        // O_WRONLY|O_CREAT|O_TRUNC (0x241), mode 0644, in a pod.
        var e = Map(Line("__x64_sys_openat", """[{"int_arg":-100},{"string_arg":"/var/log/auth.log"},{"int_arg":577},{"int_arg":420}]""", pod: true));
        Assert.Equal(("openat", "/var/log/auth.log", "/var/log/auth.log"), (e.Attr(TetragonMapper.OperationAttribute), e.Attr("fd.name"), e.Attr(TetragonOpenCalls.NameAttribute)));
        Assert.Equal(["O_WRONLY", "O_CREAT", "O_TRUNC"], Flags(e));
        Assert.Equal((420L, 3L), (e.Attributes![TetragonOpenCalls.ModeAttribute].GetInt64(), e.Attributes[TetragonOpenCalls.DescriptorAttribute].GetInt64()));
        Assert.Equal("shop", e.Workload!.Namespace);

        // A read-only open: O_RDONLY|O_CLOEXEC, no mode captured.
        var read = Map(Line("__x64_sys_openat", """[{"int_arg":-100},{"string_arg":"/etc/passwd"},{"int_arg":524288}]"""));
        Assert.Equal(["O_RDONLY", "O_CLOEXEC"], Flags(read));
        Assert.False(read.Attributes!.ContainsKey(TetragonOpenCalls.ModeAttribute));
    }

    [Fact]
    public void SysOpenat_WithARelativePathAtFdCwd_ResolvesAgainstTheWorkingDirectory()
    {
        var e = Map(Line("__x64_sys_openat", """[{"int_arg":-100},{"string_arg":"../.bash_history"},{"int_arg":513}]""", cwd: "/root/work"));
        Assert.Equal(("/root/.bash_history", "../.bash_history"), (e.Attr("fd.name"), e.Attr(TetragonOpenCalls.NameAttribute)));
        Assert.Equal(["O_WRONLY", "O_TRUNC"], Flags(e));

        // sys_open has no dfd: a relative path is always the working directory's.
        Assert.Equal("/home/dev/notes.txt", Map(Line("__x64_sys_open", """[{"string_arg":"./notes.txt"},{"int_arg":0}]""")).Attr("fd.name"));
    }

    [Fact]
    public void SysOpenat_WithARelativePathAgainstAnotherDescriptor_IsTheItemsErrorNamingTheDescriptor()
    {
        var error = Refused(Line("__x64_sys_openat", """[{"int_arg":5},{"string_arg":"shadow"},{"int_arg":0}]"""));
        Assert.Equal("process_kprobe.args[0].int_arg", error.Field);
        Assert.Contains("directory descriptor 5", error.Reason, StringComparison.Ordinal);

        // An absolute path ignores the descriptor, as the kernel does.
        Assert.Equal("/etc/shadow", Map(Line("__x64_sys_openat", """[{"int_arg":5},{"string_arg":"/etc/shadow"},{"int_arg":0}]""")).Attr("fd.name"));

        // A relative path with no working directory to resolve it in.
        Assert.Equal("process_kprobe.process.cwd", Refused(Line("__x64_sys_openat", """[{"int_arg":-100},{"string_arg":"x"},{"int_arg":0}]""", cwd: "")).Field);
    }

    [Fact]
    public void SysOpenat_ThatFailedOrWasOverridden_IsNoOpen_WithoutItsReturn_IsTheItemsError()
    {
        var args = """[{"int_arg":-100},{"string_arg":"/etc/shadow"},{"int_arg":1}]""";
        Assert.Null(Map(Line("__x64_sys_openat", args, returned: """{"int_arg":-13}""")).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map(Line("__x64_sys_openat", args, action: "KPROBE_ACTION_OVERRIDE")).Attr(TetragonMapper.OperationAttribute));

        // Descriptor 0 is an open (stdin closed and reused), not a failure.
        Assert.Equal("openat", Map(Line("__x64_sys_openat", args, returned: """{"int_arg":0}""")).Attr(TetragonMapper.OperationAttribute));

        var error = Refused(Line("__x64_sys_openat", args, returned: null));
        Assert.Equal("process_kprobe.return.int_arg", error.Field);
    }

    [Theory]
    [InlineData("""[{"int_arg":-100}]""", "process_kprobe.args[1].string_arg")]
    [InlineData("""[{"int_arg":-100},{"string_arg":"/etc/passwd"}]""", "process_kprobe.args[2].int_arg")]
    [InlineData("""[{"int_arg":-100},{"string_arg":"/etc/passwd"},{"string_arg":"O_RDONLY"}]""", "process_kprobe.args[2].int_arg")]
    [InlineData("""[{"int_arg":-100},{"string_arg":""},{"int_arg":0}]""", "process_kprobe.args[1].string_arg")]
    public void SysOpenat_WithoutItsPathOrFlags_IsTheItemsErrorNamingTheArgument(string args, string field) =>
        Assert.Equal(field, Refused(Line("__x64_sys_openat", args)).Field);

    [Fact]
    public void SysCreat_IsACreatWithoutFlags_Arm64FlagsAreDecodedForArm64()
    {
        var creat = Map(Line("__x64_sys_creat", """[{"string_arg":"/dev/.hidden"},{"int_arg":493}]"""));
        Assert.Equal(("creat", "/dev/.hidden", 493L), (creat.Attr(TetragonMapper.OperationAttribute), creat.Attr("fd.name"), creat.Attributes![TetragonOpenCalls.ModeAttribute].GetInt64()));
        Assert.False(creat.Attributes.ContainsKey(TetragonOpenCalls.FlagsAttribute));

        // 0x4000 is O_DIRECTORY on arm64, O_DIRECT on x86-64.
        Assert.Equal(["O_RDONLY", "O_DIRECTORY"], Flags(Map(Line("__arm64_sys_openat", """[{"int_arg":-100},{"string_arg":"/etc"},{"int_arg":16384}]"""))));
        Assert.Equal(["O_RDONLY", "O_DIRECT"], Flags(Map(Line("__x64_sys_openat", """[{"int_arg":-100},{"string_arg":"/etc"},{"int_arg":16384}]"""))));

        // security_file_open names the file, not the open's flags: no open.
        Assert.Null(Map(Line("security_file_open", """[{"file_arg":{"path":"/etc/passwd","flags":""}}]""")).Attr(TetragonMapper.OperationAttribute));
    }
}
