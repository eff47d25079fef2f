using ZtStream.Ingest.Sources.Tetragon;
using ZtStream.Verifier.Runtime;

namespace ZtStream.Verifier.Tests.Runtime;

/// <summary>Tetragon's events as Ingest maps them: a policy's event is a runtime finding named as Tetragon's; an exec is none.</summary>
public sealed class TetragonRuntimeTests
{
    private const string Kprobe = """{"process_kprobe":{"process":{"exec_id":"dHotdnItMQ","binary":"/usr/bin/cat","pod":{"namespace":"payments","name":"checkout-0"}},"function_name":"security_file_permission","args":[{"file_arg":{"path":"/etc/shadow"}}],"policy_name":"file-monitoring","message":"sensitive file read","tags":["T1003.008","mitre_credential_access"]},"node_name":"node-a","time":"2026-11-30T09:00:00Z"}""";

    private static AccessEvent Map(string json) => Assert.Single(TetragonMapper.Map(Encoding.UTF8.GetBytes(json)).Events);

    [Fact]
    public void Read_APolicysEvent_IsAFindingNamedAsTetragonsWithItsTagsAndMessage()
    {
        var e = Map(Kprobe);

        var finding = Assert.IsType<RuntimeFinding>(RuntimeDetector.Read(e));
        var contribution = RuntimeDetector.Contribution(e, finding);

        Assert.Equal(("file-monitoring", RuntimeDetector.WarningScore), (finding.Rule, finding.Score));
        Assert.Equal(["T1003.008"], finding.Techniques);
        Assert.Equal(["credential-access"], finding.Tactics);
        Assert.Equal("Tetragon policy \"file-monitoring\" (Warning) on pod payments/checkout-0: sensitive file read", contribution.Text);
    }

    [Fact]
    public void Read_AnExec_IsNoFinding()
    {
        var e = Map("""{"process_exec":{"process":{"exec_id":"dHotdnItMg","binary":"/bin/bash","pod":{"namespace":"payments","name":"checkout-0"}}},"node_name":"node-a","time":"2026-11-30T09:00:00Z"}""");

        Assert.Null(RuntimeDetector.Read(e));
    }
}
