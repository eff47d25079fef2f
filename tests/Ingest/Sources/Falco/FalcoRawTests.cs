namespace ZtStream.Ingest.Tests.Sources.Falco;

/// <summary>The Falco alert kept on <c>raw</c>: as Falco printed it, unwrapped from falcosidekick's CloudEvent, bounded.</summary>
public sealed class FalcoRawTests
{
    [Fact]
    public void Map_FalcoJsonLine_RawIsTheAlertAsPrinted()
    {
        var bytes = TestData.Falco("terminal-shell.json");

        var e = Assert.Single(FalcoMapper.Map(bytes).Events);

        using var original = JsonDocument.Parse(bytes);
        Assert.True(JsonElement.DeepEquals(original.RootElement, e.Raw!.Value));
    }

    [Fact]
    public void Map_CloudEventFromSidekick_RawIsTheAlertInsideData()
    {
        var alert = JsonNode.Parse(TestData.Falco("sidekick-webhook.json"))!;
        var cloudEvent = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = "7f0c3f55-2b7e-4d4a-9d3e-7a2c3bb1e0aa",
            ["source"] = "https://falco.org",
            ["type"] = "falco.rule.output.v1",
            ["datacontenttype"] = "application/json",
            ["data"] = alert.DeepClone(),
        };

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(cloudEvent.ToJsonString())).Events);

        Assert.Equal(alert["rule"]!.GetValue<string>(), e.Raw!.Value.GetProperty("rule").GetString());
        Assert.False(e.Raw.Value.TryGetProperty("specversion", out _));
    }

    [Fact]
    public void Map_HugeOutputFields_TrimsTheBiggestFieldsButKeepsTheWorkload()
    {
        var alert = new JsonObject
        {
            ["time"] = "2026-02-27T09:15:02.123456789Z",
            ["rule"] = "Read sensitive file untrusted",
            ["priority"] = "Warning",
            ["source"] = "syscall",
            ["hostname"] = "worker-7",
            ["tags"] = new JsonArray("filesystem", "mitre_credential_access", "T1555"),
            ["output"] = "09:15:02.123456789: Warning Sensitive file opened for reading by non-trusted program " + new string('o', 6_000),
            ["output_fields"] = new JsonObject
            {
                ["k8s.pod.name"] = "ledger-0",
                ["k8s.ns.name"] = "payments",
                ["container.id"] = "0123456789ab",
                ["proc.cmdline"] = "cat " + new string('a', 30_000),
                ["proc.env"] = new string('e', 30_000),
                ["fd.name"] = "/etc/shadow",
            },
        };

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert.ToJsonString()), new SourceMapOptions(MaxRawBytes: 8 * 1024)).Events);

        var raw = e.Raw!.Value;
        Assert.True(raw.GetRawText().Length <= 8 * 1024);
        var fields = raw.GetProperty("output_fields");
        Assert.Equal("ledger-0", fields.GetProperty("k8s.pod.name").GetString());
        Assert.Equal("payments", fields.GetProperty("k8s.ns.name").GetString());
        Assert.Equal("/etc/shadow", fields.GetProperty("fd.name").GetString());
        Assert.Equal(["T1555"], raw.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Where(t => t!.StartsWith('T')));
        var trimmed = e.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains("output_fields.proc.cmdline", trimmed);
        Assert.Contains("output_fields.proc.env", trimmed);
        Assert.Equal("Read sensitive file untrusted", raw.GetProperty("rule").GetString());
    }

    [Fact]
    public void Map_PaddedContainerNameAndTags_TrimsThemKeepingRuleTimePodAndTechniques()
    {
        // The container name and the tags are kept whole while they fit; padded past the bound they used to leave only a
        // summary in raw. Now only what detections read stays whole, the rest is trimmed largest first.
        var alert = JsonNode.Parse(TestData.Falco("sidekick-webhook.json"))!.AsObject();
        alert["output_fields"]!["container.name"] = new string('n', 70_000);
        var tags = alert["tags"]!.AsArray();
        tags.Add("T1059");

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert.ToJsonString())).Events);

        var raw = e.Raw!.Value;
        Assert.False(raw.TryGetProperty("truncated", out _));
        Assert.True(Encoding.UTF8.GetByteCount(raw.GetRawText()) <= SourceMapOptions.Default.MaxRawBytes);
        Assert.Equal("Terminal shell in container", raw.GetProperty("rule").GetString());
        Assert.Equal("Notice", raw.GetProperty("priority").GetString());
        Assert.Equal("2021-01-14T23:39:44.834631763Z", raw.GetProperty("time").GetString());
        Assert.Contains("T1059", raw.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var fields = raw.GetProperty("output_fields");
        Assert.Equal("api-7f9c", fields.GetProperty("k8s.pod.name").GetString());
        Assert.Equal("payments", fields.GetProperty("k8s.ns.name").GetString());
        Assert.EndsWith("…", fields.GetProperty("container.name").GetString(), StringComparison.Ordinal);
        Assert.Contains("output_fields.container.name", e.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void Map_OutputFieldsOverTheAttributeBound_AttributeKeepsTheWorkloadAndSmallFields()
    {
        var alert = JsonNode.Parse(TestData.Falco("sidekick-webhook.json"))!.AsObject();
        alert["output_fields"]!["proc.env"] = new string('e', 50_000);

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert.ToJsonString())).Events);

        var fields = e.Attributes!["falco.output_fields"];
        Assert.True(Encoding.UTF8.GetByteCount(fields.GetRawText()) <= SourceMapOptions.Default.MaxObjectBytes);
        Assert.Equal("api-7f9c", fields.GetProperty("k8s.pod.name").GetString());
        Assert.Equal("sh -c id", fields.GetProperty("proc.cmdline").GetString());
        Assert.Equal(1610667584834631763, fields.GetProperty("evt.time").GetInt64());
        Assert.EndsWith("…", fields.GetProperty("proc.env").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Map_AlertWithoutAnyTime_LiveIsDatedOnArrival()
    {
        var alert = """{"rule":"Drop and execute new binary in container","priority":"Critical","output_fields":{"k8s.pod.name":"web-1","k8s.ns.name":"shop"}}""";
        var arrival = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

        var live = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert), SourceMapOptions.Default with { ReceivedAt = arrival }).Events);
        var offline = FalcoMapper.Map(Encoding.UTF8.GetBytes(alert));

        Assert.Equal(arrival, live.Time);
        Assert.Equal("received", live.Attributes![TimeSources.Attribute].GetString());
        Assert.Equal("time", Assert.Single(offline.Errors).Field);
    }

    [Fact]
    public void Map_TwoPodsWhoseLongNamesShareAHead_KeepTwoWorkloadIdsWithinTheFieldLimit()
    {
        var options = SourceMapOptions.Default with { MaxFieldLength = 64 };
        var ids = new[] { "a", "b" }.Select(last =>
        {
            var alert = JsonNode.Parse(TestData.Falco("sidekick-webhook.json"))!.AsObject();
            alert["output_fields"]!["k8s.pod.name"] = new string('p', 300) + last;
            return Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(alert.ToJsonString()), options).Events).Workload!.Id;
        }).ToList();

        Assert.All(ids, id => Assert.InRange(id.Length, 1, 64));
        Assert.All(ids, id => Assert.StartsWith("payments/ppp", id, StringComparison.Ordinal));
        Assert.NotEqual(ids[0], ids[1]);
    }
}
