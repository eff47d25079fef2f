using System.Text;
using ZtStream.Ingest.Sources;
using ZtStream.Platform.Hosting;

namespace ZtStream.Ingest.Tests.Sources;

/// <summary>Replay's file readers: every input item becomes an event or a reported skip, never nothing.</summary>
public sealed class SourceFileReadersTests
{
    private static readonly DateTimeOffset ReadAt = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static (List<Contracts.Events.AccessEvent> Events, List<SkippedItem> Skipped) Read(string format, string text)
    {
        var skipped = new List<SkippedItem>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var events = SourceFileReaders.All[format](stream, ReadAt, skipped.Add).ToList();
        return (events, skipped);
    }

    [Fact]
    public void K8sAudit_MixedLines_EveryBadItemReportedWithIndexFieldAndReason()
    {
        var text = string.Join('\n',
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","verb":"get","user":{"username":"alice"},"stageTimestamp":"2026-02-01T10:00:00Z"}""",
            """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}""",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-2","verb":"list","user":{}}""",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-3","verb":"list","user":{"username":"bob"}}""",
            "");

        var (events, skipped) = Read(SourceFileReaders.K8sAudit, text);

        Assert.Equal(["a-1", "a-3"], events.Select(e => e.Id));
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero), events[1].Time);
        Assert.Equal(
            [("item 1", "kind"), ("item 2", "user.username")],
            skipped.Select(s => (s.Where, s.Field)));
        Assert.All(skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
    }

    [Fact]
    public void K8sAudit_FirstLineBroken_ReadLineByLineAndTheBrokenLineIsReported()
    {
        var text = "{\"kind\":\"Event\",\"auditID\":\n"
            + """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b-1","verb":"get","user":{"username":"alice"}}""" + "\n";

        var (events, skipped) = Read(SourceFileReaders.K8sAudit, text);

        var e = Assert.Single(events);
        Assert.Equal(ReadAt, e.Time);
        var skip = Assert.Single(skipped);
        Assert.Equal("item 0 (line 1)", skip.Where);
        Assert.StartsWith("malformed JSON", skip.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Falco_NotAnAlert_Reported()
    {
        var (events, skipped) = Read(SourceFileReaders.Falco, """[{"rule":"Terminal shell in container","time":"2026-02-01T10:00:00Z","output_fields":{"k8s.pod.name":"p","k8s.ns.name":"n"}},{"message":"hello"}]""");

        Assert.Single(events);
        Assert.Equal(("item 1", "rule"), (skipped.Single().Where, skipped.Single().Field));
    }
}
