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
}
