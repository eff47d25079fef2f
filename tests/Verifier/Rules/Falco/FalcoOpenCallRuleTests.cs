using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallCallRuleTests;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity/rules' rules on an open's flags (<c>evt.arg.flags contains O_TRUNC</c>, <c>O_CREAT</c>,
/// <c>evt.is_open_exec</c>) on the opens a TracingPolicy reports with their flags (<c>sys_openat</c>, <c>sys_open</c>,
/// <c>sys_creat</c> kprobes, Tetragon's <c>openat_write.yaml</c>) in the export's shape, through Ingest's mapper: each
/// stock rule beside its near misses (other flags, another directory, a failed open, a file access without flags, the
/// host), in a pod and on the host. The three files, the export line and the one-rule file are
/// <see cref="FalcoSyscallCallRuleTests"/>'s.
/// </summary>
public sealed class FalcoOpenCallRuleTests
{
    // The kernel's flags (include/uapi/asm-generic/fcntl.h).
    private const int WrOnly = 0x1, RdWr = 0x2, OCreat = 0x40, Trunc = 0x200, Append = 0x400, Directory = 0x10000;

    /// <summary>An <c>openat</c> at AT_FDCWD (the process's cwd is <c>/app</c>) with its flags, mode and the descriptor returned.</summary>
    private static string Openat(string path, int flags, int? mode = null, string binary = "/usr/bin/bash", string pod = "", int returned = 3, string function = "__x64_sys_openat") =>
        Call("process_kprobe", function,
            $$"""[{{(function.EndsWith("sys_open", StringComparison.Ordinal) ? "" : "{\"int_arg\":-100},")}}{"string_arg":"{{path}}","label":""},{"int_arg":{{flags}},"label":""}{{(mode is { } m ? $",{{\"int_arg\":{m}}}" : "")}}]""",
            binary, pod, returned: $$"""{"int_arg":{{returned}}}""");

    private static string Creat(string path, int mode, string binary = "/usr/bin/bash", string pod = "") =>
        Call("process_kprobe", "__x64_sys_creat", $$"""[{"string_arg":"{{path}}"},{"int_arg":{{mode}}} ]""", binary, pod, returned: """{"int_arg":4}""");

    /// <summary>A write by file monitoring's <c>security_file_permission</c>: the file, no flags.</summary>
    private static string Write(string path, string binary = "/usr/bin/bash", string pod = "") =>
        Call("process_kprobe", "security_file_permission", $$$"""[{"file_arg":{"path":"{{{path}}}","permission":"-rw-r--r--"}},{"int_arg":2}]""", binary, pod, returned: """{"int_arg":0}""");

    [Fact]
    public void ThreeFiles_LoadTheRulesOnAnOpensFlags_ReadingPolicyCalls()
    {
        string[] rules =
        [
            "Clear Log Activities", "Create files below dev", "Delete or rename shell history", "Create Hidden Files or Directories",
            "Container Drift Detected (open+create)", "Directory traversal monitored file read",
        ];
        Assert.All(rules, rule => Assert.Contains(EventKinds.RuntimeAlert, Assert.Single(All.Value.Rules, r => r.Id == rule).Kinds));
    }

    [Fact]
    public void ClearLogActivities_FiresOnATruncatingOpenOfALog_NotAnAppendNorAnotherFileNorAWriteWithoutFlags()
    {
        Assert.True(Fires("Clear Log Activities", Openat("/var/log/syslog", WrOnly | Trunc)));
        Assert.True(Fires("Clear Log Activities", Openat("../var/log/auth.log", WrOnly | OCreat | Trunc, 420, pod: Pod())));
        Assert.True(Fires("Clear Log Activities", Openat("/var/log/kern.log", RdWr | Trunc, function: "__x64_sys_open")));

        Assert.False(Fires("Clear Log Activities", Openat("/var/log/syslog", WrOnly | Append)));
        Assert.False(Fires("Clear Log Activities", Openat("/tmp/syslog.txt", WrOnly | Trunc)));
        Assert.False(Fires("Clear Log Activities", Openat("/var/log/syslog", WrOnly | Trunc, returned: -13)));
        Assert.False(Fires("Clear Log Activities", Write("/var/log/syslog")));

        // O_TRUNC without write access truncates nothing Falco's open_write reads.
        Assert.False(Fires("Clear Log Activities", Openat("/var/log/syslog", Trunc)));
    }

    [Fact]
    public void CreateFilesBelowDev_FiresOnAnOpenWithOCreatThere_NotWithoutItNorATtyNorADeviceTool()
    {
        Assert.True(Fires("Create files below dev", Openat("/dev/.rk", WrOnly | OCreat, 384, "/tmp/dropper")));
        Assert.True(Fires("Create files below dev", Openat("/dev/.rk", RdWr | OCreat, 384, "/tmp/dropper", Pod(), function: "__x64_sys_open")));

        Assert.False(Fires("Create files below dev", Openat("/dev/null", WrOnly, binary: "/tmp/dropper")));
        Assert.False(Fires("Create files below dev", Openat("/dev/tty5", WrOnly | OCreat, 384, "/tmp/dropper")));
        Assert.False(Fires("Create files below dev", Openat("/dev/.rk", WrOnly | OCreat, 384, "/usr/sbin/blkid")));
        Assert.False(Fires("Create files below dev", Openat("/dev/shm/x", WrOnly | OCreat, 384, "/tmp/dropper")));

        // libsinsp's creat event has no flags argument: evt.arg.flags has no value, as in Falco.
        Assert.False(Fires("Create files below dev", Creat("/dev/.rk", 384, "/tmp/dropper")));
    }

    [Fact]
    public void DeleteOrRenameShellHistory_FiresOnATruncatedHistory_NotAnAppendNorUnderDocker()
    {
        Assert.True(Fires("Delete or rename shell history", Openat("/root/.bash_history", WrOnly | OCreat | Trunc, 384)));
        Assert.True(Fires("Delete or rename shell history", Openat("/home/dev/.zsh_history", WrOnly | Trunc, pod: Pod())));

        Assert.False(Fires("Delete or rename shell history", Openat("/root/.bash_history", WrOnly | Append)));
        Assert.False(Fires("Delete or rename shell history", Openat("/var/lib/docker/overlay2/x/root/.bash_history", WrOnly | Trunc)));
        Assert.False(Fires("Delete or rename shell history", Openat("/root/.bash_history", WrOnly | Trunc, binary: "/usr/bin/dockerd")));
    }

    [Fact]
    public void CreateHiddenFiles_FiresOnAHiddenFileCreated_NotAVisibleOneNorAnOpenWithoutOCreat()
    {
        Assert.True(Fires("Create Hidden Files or Directories", Openat("/tmp/.x", WrOnly | OCreat, 420)));
        Assert.False(Fires("Create Hidden Files or Directories", Openat("/tmp/x", WrOnly | OCreat, 420)));
        Assert.False(Fires("Create Hidden Files or Directories", Openat("/tmp/.x", WrOnly, 420)));
        Assert.False(Fires("Create Hidden Files or Directories", Openat("/root/.cassandra/x", WrOnly | OCreat, 420)));
    }

    [Fact]
    public void ContainerDriftOpenCreate_FiresOnAnExecutableCreatedInAContainer_NotANonExecutableOneNorOnTheHost()
    {
        Assert.True(Fires("Container Drift Detected (open+create)", Openat("/tmp/miner", WrOnly | OCreat | Trunc, 493, pod: Pod())));
        Assert.True(Fires("Container Drift Detected (open+create)", Creat("/tmp/miner", 456, pod: Pod())));

        Assert.False(Fires("Container Drift Detected (open+create)", Openat("/tmp/notes", WrOnly | OCreat, 420, pod: Pod())));
        Assert.False(Fires("Container Drift Detected (open+create)", Openat("/tmp/miner", WrOnly | OCreat, 493)));

        // Without O_CREAT the mode is not the file's (the driver passes 0); without the mode captured, nothing says it.
        Assert.False(Fires("Container Drift Detected (open+create)", Openat("/tmp/miner", WrOnly, 493, pod: Pod())));
        Assert.False(Fires("Container Drift Detected (open+create)", Openat("/tmp/miner", WrOnly | OCreat, pod: Pod())));
    }

    [Fact]
    public void OpenFields_InAnOutput_AreLibsinspsPrinting()
    {
        var rule = Local("evt.type = openat", "open %evt.type %evt.arg.flags %evt.arg.mode %fd.name %fd.nameraw %fd.typechar %evt.is_open_write %evt.is_open_read %evt.arg.name");
        Assert.Equal("open openat O_TRUNC|O_CREAT|O_WRONLY 0644 /var/log/syslog ../var/log/syslog f true false /var/log/syslog",
            ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(Openat("../var/log/syslog", WrOnly | OCreat | Trunc, 420))));
        // The driver's O_TMPFILE mask holds O_DIRECTORY's bit: it prints O_TMPFILE and passes the mode, which this policy did not capture.
        Assert.Equal("open openat O_DIRECTORY|O_RDONLY|O_TMPFILE <NA> /etc /etc d false true /etc",
            ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(Openat("/etc", Directory))));
        Assert.Equal("open openat O_RDWR 0 /app/db /app/db f true true /app/db",
            ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(Openat("/app/db", RdWr))));
    }

    [Theory]
    [InlineData("evt.type = openat and evt.arg.dirfd = AT_FDCWD", "reads evt.arg.dirfd, which a file opened does not carry")]
    [InlineData("evt.type = open and evt.arg.dev = 0", "reads evt.arg.dev, which a file opened does not carry")]
    [InlineData("evt.type = openat and fd.ino = 5", "reads fd.ino, which a file opened does not carry")]
    [InlineData("evt.type = openat and evt.is_open_create = true", "reads evt.is_open_create, which a file opened does not carry: Tetragon's open does not say whether it created the file")]
    public void ACheckAnOpenCannotAnswer_IsALoadErrorNamingWhy(string condition, string reason)
    {
        var result = LoadRule("Open rule", condition);
        Assert.Contains(reason, Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ARuleOnAnOpensFlags_ReadsTheOpensOnly_AndIsRefusedWhenNothingElseCanReadIt()
    {
        // Which open it was, and its flags, the opens' own kprobes say; a file access does not, so the rule reads the opens.
        var rule = Assert.Single(LoadRule("Open rule", "evt.type = openat and evt.arg.flags contains O_TRUNC").Rules);
        Assert.True(rule.Condition.Matches(Event(Openat("/tmp/x", WrOnly | Trunc))));
        Assert.False(rule.Condition.Matches(Event(Openat("/tmp/x", WrOnly | Trunc, function: "__x64_sys_open"))));
        Assert.False(rule.Condition.Matches(Event(Write("/tmp/x"))));

        // A field no call gives stays refused, naming it.
        Assert.Contains("reads fd.ino, which a file opened does not carry", Assert.Single(LoadRule("Open rule", "evt.type = openat and evt.is_open_write = true and fd.ino = 5").Errors).Reason, StringComparison.Ordinal);
    }
}
