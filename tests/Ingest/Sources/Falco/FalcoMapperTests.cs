namespace ZtStream.Ingest.Tests.Sources.Falco;

public sealed class FalcoMapperTests
{
    [Fact]
    public void Map_RealFalcoJsonLine_MapsPodNamespaceContainerRuleAndTime()
    {
        var e = Assert.Single(MapperAssert.MapsAll(FalcoMapper.Map(TestData.Falco("terminal-shell.json")), EventKinds.RuntimeAlert));

        Assert.Equal("Terminal shell in container", e.Action);
        Assert.Equal(new DateTimeOffset(2021, 1, 14, 23, 39, 44, TimeSpan.Zero).AddTicks(8346317), e.Time);
        Assert.Equal("default/alpine", e.Workload?.Id);
        Assert.Equal("alpine", e.Workload?.Name);
        Assert.Equal("default", e.Workload?.Namespace);
        Assert.Null(e.Workload?.Image);
        Assert.Null(e.Subject);
        Assert.Equal("default/alpine", e.PrincipalKey);
        var a = e.Attributes!;
        Assert.Equal("Terminal shell in container", a["falco.rule"].GetString());
        Assert.Equal("Notice", a["falco.priority"].GetString());
        Assert.Equal("5892b41bcf46", a["container.id"].GetString());
        Assert.Equal("sh", a["proc.cmdline"].GetString());
        Assert.Equal("root", a["user.name"].GetString());
        Assert.Equal(34817, a["falco.output_fields"].GetProperty("proc.tty").GetInt32());
        Assert.StartsWith("falco-", e.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_SameAlertDeliveredTwice_GetsTheSameId()
    {
        Assert.Single(MapperAssert.SameIdsWhenDeliveredAgain(() => FalcoMapper.Map(TestData.Falco("terminal-shell.json"))));
    }

    [Fact]
    public void Map_FalcosidekickWebhookBody_UsesUuidImageAndNode()
    {
        var e = Assert.Single(FalcoMapper.Map(TestData.Falco("sidekick-webhook.json")).Events);

        Assert.Equal("6d1c2f9e-1b7a-4c1e-9f59-2a4f0c8b7e11", e.Id);
        Assert.Equal("payments/api-7f9c", e.Workload?.Id);
        Assert.Equal("ghcr.io/acme/api:1.4.2", e.Workload?.Image);
        Assert.Equal("node-a", e.Workload?.Node);
        Assert.Equal("syscall", e.Attributes!["falco.source"].GetString());
        Assert.Equal("mitre_execution", e.Attributes["falco.tags"][1].GetString());
    }

    [Fact]
    public void Map_CloudEventWrappingAnAlert_MapsTheData()
    {
        var alert = Encoding.UTF8.GetString(TestData.Falco("sidekick-webhook.json")).Trim();
        var body = $$"""{"specversion":"1.0","id":"x","source":"falco.org","type":"falco.rule.output.v1","data":{{alert}}}""";

        var e = Assert.Single(FalcoMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal("payments/api-7f9c", e.Workload?.Id);
    }

    [Fact]
    public void Map_LinesOfAFalcoLogWithABadLine_MapsGoodLinesAndNamesTheBadOne()
    {
        var line = Encoding.UTF8.GetString(TestData.Falco("terminal-shell.json")).Trim();
        var sidekick = Encoding.UTF8.GetString(TestData.Falco("sidekick-webhook.json")).Trim();
        var body = $"{line}\n{{\"rule\":\"x\", truncated\n{sidekick}\n";

        var result = FalcoMapper.Map(Encoding.UTF8.GetBytes(body));

        Assert.Equal([0, 2], result.Items.Select(i => i.Index));
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Index);
        Assert.Contains("line 2", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_AlertWithoutTimeButWithEvtTime_UsesEvtTime()
    {
        var body = """{"rule":"r","output_fields":{"evt.time":1610667584834631763,"container.id":"abc"}}"""u8;

        var e = Assert.Single(FalcoMapper.Map(body).Events);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1610667584834), e.Time.AddTicks(-(e.Time.Ticks % TimeSpan.TicksPerMillisecond)));
        Assert.Equal("container:abc", e.Workload?.Id);
    }

    [Theory]
    [InlineData("{\"priority\":\"Notice\",\"time\":\"2021-01-14T23:39:44Z\",\"output_fields\":{\"container.id\":\"a\"}}", "rule")]
    [InlineData("{\"rule\":\"r\",\"output_fields\":{\"container.id\":\"a\"}}", "time")]
    [InlineData("{\"rule\":\"r\",\"time\":\"soon\",\"output_fields\":{\"container.id\":\"a\"}}", "time")]
    [InlineData("\"alert\"", "$")]
    [InlineData("{\"rule\":", "$")]
    public void Map_NotAnAlert_ReportsTheField(string body, string field)
    {
        MapperAssert.RejectsWhole(FalcoMapper.Map(Encoding.UTF8.GetBytes(body)), field);
    }
}
