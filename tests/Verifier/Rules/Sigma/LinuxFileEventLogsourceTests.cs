using static ZtStream.Verifier.Tests.Rules.Sigma.TetragonCalls;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: linux, category: file_event</c>: Sigma's taxonomy field names (Sysmon for Linux's FileCreate) on the file
/// writes a TracingPolicy reported (<see cref="TetragonCalls"/>): never a read, an open, a mapping, a connection, an exec
/// or another source's event, and the names Tetragon has no value for refused by name.
/// </summary>
public sealed class LinuxFileEventLogsourceTests
{
    private const string Linux = "product: linux\ncategory: file_event";

    private static Rule Inline(string detection) => SigmaIdp.Inline(Linux, detection);

    [Fact]
    public void TargetFilename_IsTheFileWritten_ByAKprobeAnLsmHookOrATruncate()
    {
        var rule = Inline("selection:\n  TargetFilename|startswith: /etc/cron.d/\ncondition: selection");

        Assert.Equal([EventKinds.RuntimeAlert], rule.Kinds);
        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/tee", "/etc/cron.d/job")));
        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/tee", "/etc/cron.d/job", type: "process_lsm", pod: false)));
        Assert.True(rule.Fires(Format, Truncate("/usr/bin/truncate", "/etc/cron.d/job")));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/tee", "/etc/cron.daily/job")));
    }

    [Fact]
    public void AReadAnOpenOrAMapping_IsNoFileEvent()
    {
        var rule = Inline("selection:\n  TargetFilename: /etc/shadow\ncondition: selection");

        Assert.True(rule.Fires(Format, FilePermission("/usr/bin/vipw", "/etc/shadow", mask: 2)));
        Assert.False(rule.Fires(Format, FilePermission("/usr/bin/cat", "/etc/shadow", mask: 4)));
        Assert.False(rule.Fires(Format, FileCall("/usr/bin/cat", "security_file_open", "/etc/shadow")));
        Assert.False(rule.Fires(Format, FileCall("/usr/bin/cat", "file_open", "/etc/shadow", type: "process_lsm")));
        Assert.False(rule.Fires(Format, FileCall("/usr/bin/cat", "security_mmap_file", "/etc/shadow")));
    }

    [Fact]
    public void TheProcessFields_AreTheWritingProcesss_WithOrWithoutAUser()
    {
        var write = FilePermission("/usr/bin/redis-server", "/root/.ssh/authorized_keys", arguments: "*:6379", user: "redis");

        Assert.True(Inline("selection:\n  Image|endswith: /redis-server\n  CommandLine: 'redis-server *:6379'\n  User: redis\ncondition: selection").Fires(Format, write));
        Assert.False(Inline("selection:\n  User: root\ncondition: selection").Fires(Format, write));
        Assert.False(Inline("selection:\n  User: root\ncondition: selection").Fires(Format, FilePermission("/usr/bin/tee", "/x", user: null)));
    }

    [Fact]
    public void OnlyWrites_AreRead_AlsoUnderNot()
    {
        var everything = Inline("filter:\n  TargetFilename: /nothing\ncondition: not filter");

        Assert.True(everything.Fires(Format, FilePermission("/usr/bin/tee", "/tmp/x")));
        Assert.False(everything.Fires(Format, FilePermission("/usr/bin/cat", "/tmp/x", mask: 4)));
        Assert.False(everything.Fires(Format, TcpConnect("/usr/bin/curl", "203.0.113.9", 443)));
        Assert.False(everything.Fires(Format, TetragonExecs.Exec("/usr/bin/touch", "/tmp/x")));
        Assert.False(everything.Fires(Format, TetragonExecs.Kprobe("/usr/bin/cat", "/etc/shadow")));
        Assert.False(everything.Matches(RuleTesting.Audit("create", "pods")));
    }

    [Theory]
    [InlineData("CreationUtcTime", "never when it was created")]
    [InlineData("Hashes", "no hash of the file")]
    [InlineData("sha256", "no hash of the file")]
    public void AFieldWithoutAValue_IsAnErrorNamingItAndWhy(string field, string why) =>
        SigmaIdp.AssertNoValueIn(Linux, "a Linux file event (Tetragon's file writes)", field, why);

    [Fact]
    public void AnUnknownField_IsAnErrorListingTheFields()
    {
        Assert.StartsWith(
            "field 'FileMode' is not a field of a Linux file event (Tetragon's file writes) (its fields are TargetFilename, Image, ",
            SigmaIdp.ErrorOf(Linux, "selection:\n  FileMode|contains: s\ncondition: selection").Reason,
            StringComparison.Ordinal);
    }
}
