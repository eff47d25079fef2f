using ZtStream.Verifier.Rules.Sigma;
using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonExecs;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: linux, category: process_creation</c>: Sigma's taxonomy field names (Sysmon for Linux's) on Tetragon's
/// execs as Ingest maps them (<see cref="TetragonExecs"/>), and the names no exec has a value for refused by name.
/// </summary>
public sealed class LinuxProcessCreationLogsourceTests
{
    private const string Linux = "product: linux\ncategory: process_creation";

    private static Rule Inline(string detection) => SigmaIdp.Inline(Linux, detection);

    private static string Error(string logsource, string detection) =>
        SigmaIdp.ErrorOf(logsource, detection).Reason;

    [Fact]
    public void Logsource_IsTheProcessesStarted_ByCategoryAndProductAlone()
    {
        Assert.Equal([EventKinds.RuntimeProcess], Inline("selection:\n  Image|endswith: /curl\ncondition: selection").Kinds);
        Assert.Equal([EventKinds.RuntimeProcess], SigmaIdp.Inline("category: process_creation\nproduct: Linux", "selection:\n  Image|endswith: /curl\ncondition: selection").Kinds);

        // Another category of Linux, Linux without a category, a service beside it, or the category of another product: no mapping.
        Assert.StartsWith("logsource (category: file_delete, product: linux, service: -) has no field mapping", Error("product: linux\ncategory: file_delete", "selection:\n  TargetFilename: x\ncondition: selection"), StringComparison.Ordinal);
        Assert.StartsWith("logsource (category: -, product: linux, service: -) has no field mapping", Error("product: linux", "selection:\n  Image: x\ncondition: selection"), StringComparison.Ordinal);
        Assert.StartsWith("logsource (category: process_creation, product: linux, service: auditd) has no field mapping", Error(Linux + "\nservice: auditd", "selection:\n  Image: x\ncondition: selection"), StringComparison.Ordinal);
        Assert.StartsWith("logsource (category: process_creation, product: windows, service: -) has no field mapping", Error("product: windows\ncategory: process_creation", "selection:\n  Image: x\ncondition: selection"), StringComparison.Ordinal);
        Assert.Contains("category: process_creation, product: linux", Error("product: linux", "selection:\n  Image: x\ncondition: selection"), StringComparison.Ordinal);
    }

    [Fact]
    public void Image_IsTheBinarysPath_InAPodOrOnTheNode()
    {
        var rule = Inline("selection:\n  Image: /usr/bin/curl\ncondition: selection");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "-s https://example.com")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", null, pod: false, parent: null)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/wget", "https://example.com/curl")));
    }

    [Fact]
    public void CommandLine_IsArgvJoined_WithArgv0AsTheNameOrAsThePath()
    {
        // Sysmon for Linux and auditd write argv as run: a shell's argv[0] is the name typed, a script's the path it ran.
        // Tetragon keeps the binary and argv[1..]: both forms are read.
        var byName = Inline("selection:\n  CommandLine: 'chmod 644 /etc/apparmor.d/x'\ncondition: selection");
        var byPath = Inline("selection:\n  CommandLine|startswith: '/usr/bin/chmod 644 '\ncondition: selection");
        var exec = Exec("/usr/bin/chmod", "644 /etc/apparmor.d/x");

        Assert.True(byName.Fires(Format, exec));
        Assert.True(byPath.Fires(Format, exec));
        Assert.False(byName.Fires(Format, Exec("/usr/bin/chmod", "600 /etc/apparmor.d/x")));
        Assert.False(byPath.Fires(Format, Exec("/bin/chmod", "644 /etc/apparmor.d/x")));

        // Without arguments, the command line is argv[0] alone.
        Assert.True(Inline("selection:\n  CommandLine: id\ncondition: selection").Fires(Format, Exec("/usr/bin/id", null)));
        Assert.True(Inline("selection:\n  CommandLine: /usr/bin/id\ncondition: selection").Fires(Format, Exec("/usr/bin/id", null)));
        Assert.False(Inline("selection:\n  CommandLine|endswith: ' '\ncondition: selection").Fires(Format, Exec("/usr/bin/id", null)));
    }

    [Fact]
    public void CommandLine_IsArgvAsRun_NotTetragonsQuoting()
    {
        // sh -c 'echo aGk= | base64 -d | bash': argv[2] holds spaces, which Tetragon writes between quotes.
        var rule = Inline("selection:\n  CommandLine|endswith: '| bash'\ncondition: selection");

        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c \"echo aGk= | base64 -d | bash\"")));
        Assert.False(rule.Fires(Format, Exec("/bin/sh", "-c \"echo aGk= | base64 -d | bash -x\"")));
        Assert.True(Inline("selection:\n  CommandLine: 'python3 my script.py'\ncondition: selection").Fires(Format, Exec("/usr/bin/python3", " \"my script.py\"")));
    }

    [Fact]
    public void AFilterOnEitherForm_ExcludesTheExec()
    {
        var rule = Inline("""
            selection:
              Image|endswith: /chmod
              CommandLine|contains: /etc/
            filter_name:
              CommandLine|startswith: 'chmod 0775 /etc/landscape/'
            filter_path:
              CommandLine|startswith: '/bin/chmod 0700 /etc/ssl/private'
            condition: selection and not 1 of filter_*
            """);

        Assert.True(rule.Fires(Format, Exec("/usr/bin/chmod", "777 /etc/passwd")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/chmod", "0775 /etc/landscape/")));
        Assert.False(rule.Fires(Format, Exec("/bin/chmod", "0700 /etc/ssl/private")));
    }

    [Fact]
    public void ParentImageAndCommandLine_AreTheParents_AndAnExecWithoutAParentHasNone()
    {
        var byName = Inline("selection:\n  ParentCommandLine: 'bash -i'\ncondition: selection");
        var byPath = Inline("selection:\n  ParentCommandLine|endswith: '/bin/sh /usr/sbin/update-shells'\ncondition: selection");
        var image = Inline("selection:\n  ParentImage|startswith: /tmp/\ncondition: selection");
        var notJava = Inline("selection:\n  Image|endswith: /sh\nfilter:\n  ParentImage|endswith: /java\ncondition: selection and not filter");

        Assert.True(byName.Fires(Format, Exec("/usr/bin/whoami", null, "/usr/bin/bash", "-i")));
        Assert.False(byName.Fires(Format, Exec("/usr/bin/whoami", null, "/usr/bin/bash", "-c whoami")));
        Assert.False(byName.Fires(Format, Exec("/usr/bin/whoami", null, parent: null)));
        Assert.True(byPath.Fires(Format, Exec("/usr/bin/chmod", "--reference=/etc/shells /etc/shells", "/bin/sh", "/usr/sbin/update-shells")));
        Assert.False(byPath.Fires(Format, Exec("/usr/bin/chmod", "--reference=/etc/shells /etc/shells", "/bin/sh", "/usr/sbin/other")));
        Assert.True(image.Fires(Format, Exec("/bin/sh", "-c id", "/tmp/.x/agent")));
        Assert.False(image.Fires(Format, Exec("/bin/sh", "-c id", "/usr/sbin/cron")));
        Assert.False(image.Fires(Format, Exec("/bin/sh", "-c id", parent: null)));

        // A filter on the parent excludes nothing it cannot see: without a parent, the shell still matches.
        Assert.True(notJava.Fires(Format, Exec("/bin/sh", "-c id", parent: null)));
        Assert.False(notJava.Fires(Format, Exec("/bin/sh", "-c id", "/usr/lib/jvm/bin/java", "-jar app.jar")));
    }

    [Fact]
    public void CurrentDirectoryUserAndIds_AreTheExecsOwn()
    {
        var exec = Exec("/usr/bin/python3", "-c 'import pty'", cwd: "/var/www/html", uid: 33, user: "www-data");

        Assert.True(Inline("selection:\n  CurrentDirectory: /var/www/html\ncondition: selection").Fires(Format, exec));
        Assert.False(Inline("selection:\n  CurrentDirectory: /tmp\ncondition: selection").Fires(Format, exec));
        Assert.True(Inline("selection:\n  User: www-data\ncondition: selection").Fires(Format, exec));
        Assert.False(Inline("selection:\n  User: root\ncondition: selection").Fires(Format, exec));

        // Tetragon names the user only with its username metadata on: without it, no user to match.
        Assert.False(Inline("selection:\n  User: root\ncondition: selection").Fires(Format, Exec("/usr/bin/id", null, user: null)));

        var pid = IdpRecords.Map(Format, exec).Raw!.Value.GetProperty("process_exec").GetProperty("process").GetProperty("pid").GetInt64();
        Assert.True(Inline($"selection:\n  ProcessId: {pid}\ncondition: selection").Fires(Format, exec));
        Assert.True(Inline($"selection:\n  ParentProcessId: {pid - 10000}\ncondition: selection").Fires(Format, exec));
        Assert.False(Inline($"selection:\n  ProcessId: {pid + 1}\ncondition: selection").Fires(Format, exec));
    }

    [Fact]
    public void OnlyProcessCreations_AreRead_NeverAPolicysCallNorAnotherSourcesEvent()
    {
        var rule = Inline("selection:\n  Image|endswith: /cat\n  CommandLine|contains: /etc/shadow\ncondition: selection");
        var everything = Inline("filter:\n  Image: /nothing\ncondition: not filter");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/cat", "/etc/shadow")));
        Assert.False(rule.Fires(Format, Kprobe("/usr/bin/cat", "/etc/shadow")));
        Assert.True(everything.Fires(Format, Exec("/usr/bin/cat", "/etc/hosts")));
        Assert.False(everything.Fires(Format, Kprobe("/usr/bin/cat", "/etc/hosts")));
        Assert.False(everything.Matches(RuleTesting.Audit("get", "secrets")));
    }

    [Theory]
    [InlineData("LogonId", "no logon session")]
    [InlineData("OriginalFileName", "version resource")]
    [InlineData("Hashes", "no hash of the binary")]
    [InlineData("sha256", "no hash of the binary")]
    [InlineData("IntegrityLevel", "integrity level")]
    [InlineData("TerminalSessionId", "no terminal session")]
    public void AFieldWithoutAValueInAnExec_IsAnErrorNamingItAndWhy(string field, string why) =>
        SigmaIdp.AssertNoValueIn(Linux, "a Linux process creation (Tetragon's process_exec)", field, why);

    [Fact]
    public void AnUnknownField_IsAnErrorListingTheFields()
    {
        var reason = Error(Linux, "selection:\n  proc.name: curl\ncondition: selection");

        Assert.StartsWith("field 'proc.name' is not a field of a Linux process creation (its fields are Image, CommandLine, ", reason, StringComparison.Ordinal);
    }
}
