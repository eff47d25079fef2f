using ZtStream.TestSupport.Rules;

namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// An object padded past <c>Ingest:MaxRawBytes</c> (a huge annotation, thousands of labels, a long env value, many
/// containers, a deep template, escaped Unicode) keeps its small, security-relevant fields on <c>raw</c> and in the
/// <c>k8s.request_object</c> copy: only the padding is cut, and each cut is named by its exact path.
/// </summary>
public sealed class K8sAuditPaddingTests
{
    private const int Bound = 64 * 1024;

    public static TheoryData<Padding, string[]> Shapes => new()
    {
        { Padding.HugeAnnotation, ["requestObject.metadata.annotations.example.com/notes"] },
        { Padding.HugeEnvInPrivilegedContainer, ["requestObject.spec.containers[0].env[0].value"] },
        { Padding.DeepTemplate, ["requestObject.spec.jobTemplate.spec.template.metadata.annotations.example.com/notes"] },

        // Eight annotations of 39 KB of JSON each (each "é", control character, emoji and quote escaped): clipping seven,
        // largest first and in document order on a tie, is enough.
        { Padding.EscapedUnicode, [.. Enumerable.Range(0, 7).Select(i => $"requestObject.metadata.annotations.example.com/n{i}")] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_PaddedPrivilegedPod_KeepsThePrivilegedContainer_AndNamesExactlyThePaddingCut(Padding padding, string[] cut)
    {
        var e = Map(PaddedAudit.PrivilegedPodCreated(padding));

        var spec = PodSpec(e.Raw!.Value.GetProperty("requestObject"));
        AssertPrivilegedContainerIntact(spec);
        Assert.Equal(cut, Trimmed(e));
    }

    /// <summary>Forty equal env values: only as many as needed are clipped, the first ones, and the privileged container is whole.</summary>
    [Fact]
    public void Map_ManyPaddedContainers_ClipsOnlyAsManyEnvValuesAsNeeded_InDocumentOrder()
    {
        var e = Map(PaddedAudit.PrivilegedPodCreated(Padding.ManyContainersPrivilegedLast));

        var spec = e.Raw!.Value.GetProperty("requestObject").GetProperty("spec");
        AssertPrivilegedContainerIntact(spec);
        var trimmed = Trimmed(e);
        Assert.InRange(trimmed.Count, 1, 39);
        Assert.Equal(Enumerable.Range(0, trimmed.Count).Select(i => $"requestObject.spec.containers[{i}].env[0].value"), trimmed);
        var values = spec.GetProperty("containers").EnumerateArray().Take(40).Select(c => c.GetProperty("env")[0].GetProperty("value").GetString()!).ToList();
        Assert.All(values.Take(trimmed.Count), v => Assert.Equal(new string('p', 256) + "…", v));
        Assert.All(values.Skip(trimmed.Count), v => Assert.Equal(2 * 1024, v.Length));
    }

    [Fact]
    public void Map_FiveThousandLabels_DropsTheLastLabels_NamesThemUpToTheCap_AndKeepsTheSpec()
    {
        var e = Map(PaddedAudit.PrivilegedPodCreated(Padding.ManyLabels));

        var requestObject = e.Raw!.Value.GetProperty("requestObject");
        AssertPrivilegedContainerIntact(requestObject.GetProperty("spec"));
        var labels = requestObject.GetProperty("metadata").GetProperty("labels").EnumerateObject().Select(l => l.Name).ToList();
        Assert.InRange(labels.Count, 1_000, 4_999);

        // Labels of one size: the first ones are kept, in order; the cut ones are named from the first cut on.
        Assert.Equal(Enumerable.Range(0, labels.Count).Select(i => $"example.com/l{i:D4}"), labels);
        var trimmed = Trimmed(e);
        Assert.Equal(RawObject.MaxTrimmedPaths, trimmed.Count);
        Assert.Equal(Enumerable.Range(labels.Count, RawObject.MaxTrimmedPaths - 1).Select(i => $"requestObject.metadata.labels.example.com/l{i:D4}"), trimmed[..^1]);
        Assert.Equal($"+{5_000 - labels.Count - (RawObject.MaxTrimmedPaths - 1)} more", trimmed[^1]);
    }

    [Fact]
    public void Map_SixtyKiBRequestAndSixtyKiBResponse_BothKeepTheirSpecs()
    {
        var pod = PaddedAudit.PrivilegedPod(Padding.HugeAnnotation);
        pod["metadata"]!["annotations"]!["example.com/notes"] = new string('x', 60 * 1024);
        var e = Map(PaddedAudit.Event("create", "pods", null, "team-a", "debug", "mallory@example.com", pod, pod.DeepClone()));

        AssertPrivilegedContainerIntact(PodSpec(e.Raw!.Value.GetProperty("requestObject")));
        AssertPrivilegedContainerIntact(PodSpec(e.Raw.Value.GetProperty("responseObject")));
        // One clipped is enough: the request's, first in document order of two equal strings.
        Assert.Equal(["requestObject.metadata.annotations.example.com/notes"], Trimmed(e));
    }

    [Theory]
    [InlineData(Padding.HugeAnnotation)]
    [InlineData(Padding.ManyLabels)]
    [InlineData(Padding.HugeEnvInPrivilegedContainer)]
    [InlineData(Padding.ManyContainersPrivilegedLast)]
    [InlineData(Padding.EscapedUnicode)]
    public void Map_PaddedPrivilegedPod_TheRequestObjectAttributeKeepsTheSpecToo(Padding padding)
    {
        var e = Map(PaddedAudit.PrivilegedPodCreated(padding));

        var copy = e.Attributes!["k8s.request_object"];
        Assert.True(copy.GetRawText().Length <= SourceMapOptions.Default.MaxObjectBytes);
        AssertPrivilegedContainerIntact(copy.GetProperty("spec"));
    }

    [Fact]
    public void Map_SamePaddedRecordTwice_TrimsIdentically()
    {
        var record = PaddedAudit.PrivilegedPodCreated(Padding.ManyContainersPrivilegedLast);

        var first = Map(record);
        var second = Map(record);

        Assert.Equal(first.Raw!.Value.GetRawText(), second.Raw!.Value.GetRawText());
        Assert.Equal(Trimmed(first), Trimmed(second));
    }

    /// <summary>Mapped as the webhook delivers it; <c>raw</c> within the bound and valid JSON (it was parsed back).</summary>
    private static AccessEvent Map(JsonObject record)
    {
        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(record.ToJsonString())));
        Assert.InRange(Encoding.UTF8.GetByteCount(e.Raw!.Value.GetRawText()), 1, Bound);
        Assert.Equal("mallory@example.com", e.Raw.Value.GetProperty("user").GetProperty("username").GetString());
        return e;
    }

    private static List<string> Trimmed(AccessEvent e) =>
        [.. e.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()!)];

    private static JsonElement PodSpec(JsonElement requestObject) =>
        requestObject.GetProperty("kind").GetString() == "CronJob"
            ? requestObject.GetProperty("spec").GetProperty("jobTemplate").GetProperty("spec").GetProperty("template").GetProperty("spec")
            : requestObject.GetProperty("spec");

    private static void AssertPrivilegedContainerIntact(JsonElement spec)
    {
        Assert.Equal("default", spec.GetProperty("serviceAccountName").GetString());
        var shell = spec.GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "shell");
        Assert.True(shell.GetProperty("securityContext").GetProperty("privileged").GetBoolean());
        Assert.Equal("alpine:3.20", shell.GetProperty("image").GetString());
        Assert.Equal(["sh", "-c", "sleep infinity"], shell.GetProperty("command").EnumerateArray().Select(a => a.GetString()));
    }
}
