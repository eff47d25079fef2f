namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// An identity provider's record padded past <c>Ingest:MaxRawBytes</c> in a free-form member (Okta
/// <c>debugContext.debugData</c>, Entra <c>properties</c>, Auth0 <c>details</c>, Falco <c>output_fields</c>) keeps every
/// small field rules read: only the padding is clipped, and <c>raw.trimmed</c> names exactly its path.
/// </summary>
public sealed class PaddedRecordTests
{
    private static readonly string Pad = new('p', 100 * 1024);

    [Fact]
    public void Okta_PaddedDebugData_KeepsActorOutcomeAndClient()
    {
        var records = JsonNode.Parse(TestData.Idp("okta", "system-log-mfa-push.json"))!.AsArray();
        var record = records[0]!.AsObject();
        record["debugContext"] = new JsonObject { ["debugData"] = new JsonObject { ["requestUri"] = "/api/v1/authn", ["pad"] = Pad } };

        var e = Mapped(OktaMapper.Map(Bytes(new JsonArray(record.DeepClone())), SourceMapOptions.Default), ["debugContext.debugData.pad"]);

        Assert.Equal(record["actor"]!["id"]!.GetValue<string>(), e.Raw!.Value.GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(record["outcome"]!.ToJsonString(), e.Raw.Value.GetProperty("outcome").GetRawText());
        Assert.Equal("/api/v1/authn", e.Raw.Value.GetProperty("debugContext").GetProperty("debugData").GetProperty("requestUri").GetString());
    }

    [Fact]
    public void Entra_PaddedProperties_KeepsTheUserTheAppAndTheConditionalAccessResult()
    {
        var delivery = JsonNode.Parse(TestData.Idp("entra", "signin-records.json"))!.AsObject();
        var record = delivery["records"]![0]!.AsObject();
        record["properties"]!["authenticationProcessingDetails"] = new JsonArray(new JsonObject { ["key"] = "pad", ["value"] = Pad });

        var e = Mapped(EntraMapper.Map(Bytes(new JsonObject { ["records"] = new JsonArray(record.DeepClone()) }), SourceMapOptions.Default),
            ["properties.authenticationProcessingDetails[0].value"]);

        var properties = e.Raw!.Value.GetProperty("properties");
        Assert.Equal(record["properties"]!["userPrincipalName"]!.GetValue<string>(), properties.GetProperty("userPrincipalName").GetString());
        Assert.Equal(record["properties"]!["appId"]!.GetValue<string>(), properties.GetProperty("appId").GetString());
        Assert.Equal(record["properties"]!["conditionalAccessStatus"]!.GetValue<string>(), properties.GetProperty("conditionalAccessStatus").GetString());
    }

    [Fact]
    public void Auth0_PaddedDetails_KeepsTheTypeTheClientAndTheAddress()
    {
        var records = JsonNode.Parse(TestData.Idp("auth0", "log-stream.json"))!.AsArray();
        var record = records[0]!.AsObject();
        record["data"]!["details"]!["pad"] = Pad;

        var e = Mapped(Auth0Mapper.Map(Bytes(new JsonArray(record.DeepClone())), SourceMapOptions.Default), ["data.details.pad"]);

        var data = e.Raw!.Value.GetProperty("data");
        Assert.Equal("s", data.GetProperty("type").GetString());
        Assert.Equal(record["data"]!["client_id"]!.GetValue<string>(), data.GetProperty("client_id").GetString());
        Assert.Equal(record["data"]!["ip"]!.GetValue<string>(), data.GetProperty("ip").GetString());
    }

    [Fact]
    public void Falco_PaddedOutputField_KeepsTheCommandAndTheWorkload()
    {
        var alert = JsonNode.Parse(TestData.Falco("terminal-shell.json"))!.AsObject();
        alert["output_fields"]!["proc.env"] = Pad;

        var e = Mapped(FalcoMapper.Map(Bytes(alert), SourceMapOptions.Default), ["output_fields.proc.env"]);

        var kept = e.Raw!.Value.GetProperty("output_fields");
        Assert.Equal("sh", kept.GetProperty("proc.cmdline").GetString());
        Assert.Equal("alpine", kept.GetProperty("k8s.pod.name").GetString());
        Assert.Equal("5892b41bcf46", kept.GetProperty("container.id").GetString());
        Assert.Equal(alert["rule"]!.GetValue<string>(), e.Raw.Value.GetProperty("rule").GetString());
    }

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static AccessEvent Mapped(MapResult result, string[] trimmed)
    {
        var e = MapperAssert.MapsOne(result);
        Assert.InRange(Encoding.UTF8.GetByteCount(e.Raw!.Value.GetRawText()), 2, SourceMapOptions.Default.MaxRawBytes);
        Assert.Equal(trimmed, e.Attributes![RawObject.TrimmedAttribute].EnumerateArray().Select(p => p.GetString()));
        return e;
    }
}
