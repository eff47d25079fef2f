using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallCallRuleTests;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// falcosecurity/rules' link, directory, rename and unlink rules on the kernel's path hooks a TracingPolicy reports
/// (<c>security_path_symlink</c>, <c>_link</c>, <c>_mkdir</c>, <c>_rename</c>, <c>_unlink</c>, <c>_rmdir</c>, kprobes or
/// LSM hooks) in the export's shape, through Ingest's mapper: each stock rule beside its near misses, in a pod and on the
/// host, and what the hook cannot say (which system call, its flags, its result) refused naming it. The three files, the
/// export line and the one-rule file are <see cref="FalcoSyscallCallRuleTests"/>'s.
/// </summary>
public sealed class FalcoPathCallRuleTests
{
    private static string PathArg(string path, string permission = "drwxr-xr-x") =>
        $$"""{"path_arg":{"mount":"","path":"{{path}}","flags":"","permission":"{{permission}}"},"label":""}""";

    private static string Hook(string hook, string lsm) => hook == "lsm" ? lsm : "security_" + lsm;

    /// <summary>A path hook's call: a kprobe (<c>security_path_*</c>, with its return 0) or an LSM hook (<c>path_*</c>).</summary>
    private static string PathCall(string name, string args, string binary, string pod, string hook) =>
        Call(hook == "lsm" ? "process_lsm" : "process_kprobe", Hook(hook, name), $"[{args}]", binary, pod, returned: hook == "lsm" ? null : """{"int_arg":0}""");

    /// <summary><c>ln -s target link</c>: the link's directory, the link (a dentry: its path within the mount) and the target.</summary>
    private static string Symlink(string target, string directory, string link, string binary = "/usr/bin/ln", string pod = "", string hook = "kprobe") =>
        PathCall("path_symlink", $$"""{{PathArg(directory)}},{{PathArg(link, "")}},{"string_arg":"{{target}}","label":""}""", binary, pod, hook);

    /// <summary><c>ln old new</c>: the existing file (a dentry), the new directory and the new link (a dentry).</summary>
    private static string Link(string old, string directory, string link, string binary = "/usr/bin/ln", string pod = "", string hook = "kprobe") =>
        PathCall("path_link", $"{PathArg(old, "-rw-r-----")},{PathArg(directory)},{PathArg(link, "")}", binary, pod, hook);

    private static string Mkdir(string directory, string entry, string binary = "/usr/bin/mkdir", string pod = "", string hook = "kprobe") =>
        PathCall("path_mkdir", $$"""{{PathArg(directory)}},{{PathArg(entry, "")}},{"uint_arg":493,"label":""}""", binary, pod, hook);

    private static string Rename(string oldDirectory, string old, string newDirectory, string entry, string binary = "/usr/bin/mv", string pod = "", string hook = "kprobe") =>
        PathCall("path_rename", $$"""{{PathArg(oldDirectory)}},{{PathArg(old, "-rwxr-xr-x")}},{{PathArg(newDirectory)}},{{PathArg(entry, "")}},{"uint_arg":0,"label":""}""", binary, pod, hook);

    private static string Remove(string hook, string directory, string entry, string binary = "/usr/bin/rm", string pod = "", string kind = "kprobe") =>
        PathCall(hook, $"{PathArg(directory)},{PathArg(entry, "-rwxr-xr-x")}", binary, pod, kind);

    /// <summary>The line's process run by another user.</summary>
    private static string AsUser(string line, int uid, string name) =>
        line.Replace("\"pid\":42101,\"uid\":0,", $"\"pid\":42101,\"uid\":{uid},\"user\":{{\"name\":\"{name}\"}},", StringComparison.Ordinal);

    [Fact]
    public void ThreeFiles_LoadTheStockRulesOfThePathCalls_ReadingPolicyCalls()
    {
        string[] rules = ["Create Symlink Over Sensitive Files", "Create Hardlink Over Sensitive Files", "Mkdir binary dirs", "Modify binary dirs"];
        Assert.All(rules, rule => Assert.Contains(EventKinds.RuntimeAlert, Assert.Single(All.Value.Rules, r => r.Id == rule).Kinds));

        // The shell history rule's truncation half reads an open's flags, which the opens' own kprobes give (FalcoOpenCallRuleTests).
        Assert.Contains(EventKinds.RuntimeAlert, Assert.Single(All.Value.Rules, r => r.Id == "Delete or rename shell history").Kinds);
    }

    [Theory]
    [InlineData("kprobe")]
    [InlineData("lsm")]
    public void CreateSymlinkOverSensitiveFiles_FiresOnALinkToShadowOrRoot_NotToAnotherFileNorARelativeTarget(string hook)
    {
        Assert.True(Fires("Create Symlink Over Sensitive Files", Symlink("/etc/shadow", "/tmp", "/tmp/s", hook: hook)));
        Assert.True(Fires("Create Symlink Over Sensitive Files", Symlink("/root", "/var/www/html", "/var/www/html/r", "/bin/busybox", Pod(), hook)));
        Assert.True(Fires("Create Symlink Over Sensitive Files", AsUser(Symlink("/etc/sudoers", "/home/alice", "/home/alice/x", hook: hook), 1000, "alice")));

        Assert.False(Fires("Create Symlink Over Sensitive Files", Symlink("/etc/hosts", "/tmp", "/tmp/s", hook: hook)));
        Assert.False(Fires("Create Symlink Over Sensitive Files", Symlink("/etc/shadow.bak", "/tmp", "/tmp/s", pod: Pod(), hook: hook)));

        // The target is as the process wrote it, as libsinsp's (PT_CHARBUF): a relative one names no listed file.
        Assert.False(Fires("Create Symlink Over Sensitive Files", Symlink("../etc/shadow", "/tmp", "/tmp/s", hook: hook)));

        // The exec of ln is no link made; a hard link is not a symbolic one.
        Assert.False(Fires("Create Symlink Over Sensitive Files", Exec("/usr/bin/ln", "-s /etc/shadow /tmp/s")));
        Assert.False(Fires("Create Symlink Over Sensitive Files", Link("/etc/shadow", "/tmp", "/tmp/s", hook: hook)));
    }

    [Theory]
    [InlineData("kprobe")]
    [InlineData("lsm")]
    public void CreateHardlinkOverSensitiveFiles_FiresOnALinkToShadow_NotToAnotherFileNorOneOnAnotherMount(string hook)
    {
        Assert.True(Fires("Create Hardlink Over Sensitive Files", Link("/etc/shadow", "/tmp", "/tmp/sh", hook: hook)));
        Assert.True(Fires("Create Hardlink Over Sensitive Files", AsUser(Link("/etc/pam.conf", "/var/tmp", "/var/tmp/p", "/bin/busybox", Pod(), hook), 101, "nginx")));

        Assert.False(Fires("Create Hardlink Over Sensitive Files", Link("/etc/hosts", "/tmp", "/tmp/h", hook: hook)));

        // /etc/shadow within a volume mounted at /host: the new directory is /host/tmp, the link /tmp/sh within the mount,
        // so the existing file is /host/etc/shadow, not the system's.
        Assert.False(Fires("Create Hardlink Over Sensitive Files", Link("/etc/shadow", "/host/tmp", "/tmp/sh", pod: Pod(), hook: hook)));
        Assert.True(Fires("Create Hardlink Over Sensitive Files", Link("/shadow", "/etc", "/l", pod: Pod(), hook: hook))); // a volume at /etc

        Assert.False(Fires("Create Hardlink Over Sensitive Files", Symlink("/etc/shadow", "/tmp", "/tmp/sh", hook: hook)));
    }

    [Theory]
    [InlineData("kprobe")]
    [InlineData("lsm")]
    public void MkdirBinaryDirs_FiresOnADirectoryBelowBin_NotElsewhereNorByAPackageManager(string hook)
    {
        Assert.True(Fires("Mkdir binary dirs", Mkdir("/usr/bin", "/usr/bin/.x", hook: hook)));
        Assert.True(Fires("Mkdir binary dirs", AsUser(Mkdir("/sbin", "/sbin/kit", "/bin/sh", Pod(), hook), 1000, "alice")));

        Assert.False(Fires("Mkdir binary dirs", Mkdir("/usr/local/bin", "/usr/local/bin/kit", hook: hook)));
        Assert.False(Fires("Mkdir binary dirs", Mkdir("/usr", "/usr/bin", hook: hook))); // /usr/bin itself: not below it
        Assert.False(Fires("Mkdir binary dirs", Mkdir("/usr/bin", "/usr/bin/.x", "/usr/bin/dpkg", hook: hook)));
        Assert.False(Fires("Mkdir binary dirs", Exec("/usr/bin/mkdir", "/usr/bin/.x")));
    }

    [Theory]
    [InlineData("kprobe")]
    [InlineData("lsm")]
    public void ModifyBinaryDirs_FiresOnARenameOrRemovalBelowBin_NotElsewhereNorByAPackageManager(string hook)
    {
        Assert.True(Fires("Modify binary dirs", Rename("/usr/bin", "/usr/bin/ls", "/tmp", "/tmp/ls", hook: hook)));
        Assert.True(Fires("Modify binary dirs", Rename("/tmp", "/tmp/ls", "/bin", "/bin/ls", "/bin/busybox", Pod(), hook)));
        Assert.True(Fires("Modify binary dirs", Remove("path_unlink", "/usr/sbin", "/usr/sbin/sshd", pod: Pod(), kind: hook)));
        Assert.True(Fires("Modify binary dirs", AsUser(Remove("path_rmdir", "/bin", "/bin/kit", kind: hook), 1000, "alice")));

        Assert.False(Fires("Modify binary dirs", Rename("/tmp", "/tmp/a", "/tmp", "/tmp/b", hook: hook)));
        Assert.False(Fires("Modify binary dirs", Remove("path_unlink", "/usr/local/bin", "/usr/local/bin/tool", kind: hook)));
        Assert.False(Fires("Modify binary dirs", Remove("path_unlink", "/usr/bin", "/usr/bin/sshd", "/usr/bin/rpm", kind: hook)));
        Assert.False(Fires("Modify binary dirs", Mkdir("/usr/bin", "/usr/bin/.x", hook: hook))); // a directory made is no modification
    }

    [Fact]
    public void APathCallTheKernelRefused_OrThePolicyOverrode_IsNoCall()
    {
        var refused = Symlink("/etc/shadow", "/tmp", "/tmp/s").Replace("\"return\":{\"int_arg\":0}", "\"return\":{\"int_arg\":-13}", StringComparison.Ordinal);
        var overridden = Symlink("/etc/shadow", "/tmp", "/tmp/s").Replace("\"action\":\"KPROBE_ACTION_POST\"", "\"action\":\"KPROBE_ACTION_OVERRIDE\"", StringComparison.Ordinal);

        Assert.False(Fires("Create Symlink Over Sensitive Files", refused));
        Assert.False(Fires("Create Symlink Over Sensitive Files", overridden));
    }

    [Theory]
    [InlineData("evt.type in (unlink, unlinkat, rmdir) and (evt.arg.path = /etc/passwd or evt.arg.name = /etc/passwd)", true)]
    [InlineData("evt.type in (unlink, unlinkat, rmdir) and (evt.arg.path = /etc/group or evt.arg.name = /etc/group)", false)]
    [InlineData("evt.type in (unlink, unlinkat, rmdir) and not fd.name exists and not evt.arg.target exists", true)]
    [InlineData("evt.type in (unlink, unlinkat, rmdir) and evt.dir = < and evt.failed in (true, false)", true)]
    public void Unlink_ReadsItsPath_AsEitherSystemCallNamesIt(string condition, bool fires) =>
        Assert.Equal(fires, Local(condition).Condition.Matches(Event(Remove("path_unlink", "/etc", "/etc/passwd"))));

    [Fact]
    public void PathCallFields_InAnOutput_AreTheFirstSystemCallsArguments()
    {
        var symlink = Local("evt.type in (symlink, symlinkat)", "call %evt.type %evt.arg.target %evt.arg.linkpath %evt.arg.linkdirfd %fd.name %evt.arg.flags %evt.args");
        Assert.Equal("call symlinkat /etc/shadow /var/www/s <NA> <NA> <NA> <NA>", ((FalcoRuleMatcher)symlink.Condition).RenderOutput(Event(Symlink("/etc/shadow", "/var/www", "/var/www/s"))));

        // An argument by its place in the event: symlink's and symlinkat's target are both the first after the result.
        Assert.True(Local("evt.type in (symlink, symlinkat) and evt.arg[1] = /etc/shadow").Condition.Matches(Event(Symlink("/etc/shadow", "/tmp", "/tmp/s"))));
        Assert.False(Local("evt.type in (symlink, symlinkat) and evt.arg[1] = /etc/shadow").Condition.Matches(Event(Symlink("/etc/hosts", "/tmp", "/tmp/s"))));

        var rename = Local("evt.type in (rename, renameat, renameat2)", "call %evt.type %evt.arg.oldpath %evt.arg.newpath %evt.arg.path");
        Assert.Equal("call renameat2 /usr/bin/ls /tmp/ls <NA>", ((FalcoRuleMatcher)rename.Condition).RenderOutput(Event(Rename("/usr/bin", "/usr/bin/ls", "/tmp", "/tmp/ls"))));
    }

    [Theory]
    [InlineData("evt.type = unlinkat and evt.arg.name startswith /etc/", "its condition on Tetragon's unlinks depends on which system call it was or on its result (evt.type = unlinkat for some), which Tetragon does not report: it may be unlinkat or unlink, each SUCCESS or EACCES")]
    // rm -r removes a directory with unlinkat (AT_REMOVEDIR), rmdir(1) with rmdir: the hook does not say which.
    [InlineData("evt.type in (unlink, unlinkat) and (evt.arg.name = /tmp/d or evt.arg.path = /tmp/d)", "its condition on Tetragon's directories removed depends on which system call it was or on its result (evt.type in (unlink, unlinkat) for some)")]
    [InlineData("evt.type in (unlink, unlinkat, rmdir) and evt.arg.path startswith /etc/", "its condition on Tetragon's unlinks depends on which system call it was or on its result (evt.arg.path startswith /etc/ for some)")]
    [InlineData("evt.type in (mkdir, mkdirat) and evt.res = SUCCESS", "its condition on Tetragon's directories made depends on which system call it was or on its result (evt.res = SUCCESS for some)")]
    [InlineData("evt.type in (mkdir, mkdirat) and evt.arg.mode contains S_IXUSR", "reads evt.arg.mode, which a directory made does not carry: Tetragon's path hook gives the paths, not the call's flags or mode")]
    [InlineData("evt.type in (link, linkat) and evt.arg.olddir = 3", "reads evt.arg.olddir, which a hard link does not carry: Tetragon's path hook gives the paths the kernel resolved")]
    [InlineData("evt.type in (symlink, symlinkat) and fs.path.name = /tmp/s", "reads fs.path.name, which a symbolic link does not carry")]
    [InlineData("evt.type in (rename, renameat, renameat2) and evt.args contains ls", "reads evt.args, which a rename does not carry")]
    [InlineData("evt.type in (rename, renameat, renameat2) and evt.arg.path = val(evt.arg.oldpath)", "reads evt.arg.path, which a rename does not carry: a comparison with another field is not decided at load")]
    [InlineData("evt.type in (unlink, unlinkat, rmdir) and evt.arg[1] = /etc/passwd", "reads evt.arg[1], which an unlink does not carry: Tetragon's path hook gives the paths the kernel resolved, not the directory descriptors")]
    public void ACheckAPathCallCannotAnswer_IsALoadErrorNamingWhy(string condition, string reason)
    {
        var result = LoadRule("Path rule", condition);

        Assert.Contains(reason, Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
        Assert.Empty(result.Rules);
    }
}
