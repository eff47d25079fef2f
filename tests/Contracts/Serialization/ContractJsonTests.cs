using System.Text.Json;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;

namespace ZtStream.Contracts.Tests.Serialization;

public sealed class ContractJsonTests
{
    private static readonly AccessEvent Sample = new()
    {
        Id = "evt-1",
        Time = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero),
        Kind = EventKinds.AccessData,
        Source = "billing-app",
        Subject = new Subject { Id = "alice", Type = "user", Tenant = "acme" },
        Token = new TokenInfo { Jti = "jti-1", ClientId = "web", BoundWorkload = "prod/web-1" },
        Workload = new Workload { Id = "prod/web-1", Namespace = "prod", ServiceAccount = "web" },
        Network = new NetworkInfo { SrcIp = "10.0.0.1", DstPort = 443 },
        Resource = new ResourceRef { Type = "table", Id = "customers", DataClass = "confidential/customers" },
        Action = "read",
        Outcome = Outcomes.Success,
        Bytes = 2048,
        Status = 200,
        UserAgent = "curl/8",
    };

    [Fact]
    public void Serialize_AccessEvent_UsesSnakeCaseNamesAndOmitsNulls()
    {
        var json = Encoding.UTF8.GetString(ContractJson.Serialize(Sample));

        Assert.Contains("\"data_class\":\"confidential/customers\"", json, StringComparison.Ordinal);
        Assert.Contains("\"bound_workload\":\"prod/web-1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"user_agent\":\"curl/8\"", json, StringComparison.Ordinal);
        Assert.Contains("\"schema\":1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("attributes", json, StringComparison.Ordinal);
        Assert.DoesNotContain("principal_key", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_RoundTrip_KeepsEveryField()
    {
        var back = ContractJson.DeserializeEvent(ContractJson.Serialize(Sample));

        Assert.Equal(Sample with { Attributes = null }, back with { Attributes = null });
    }

    [Fact]
    public void Deserialize_WithoutSchema_DefaultsToCurrentVersion()
    {
        var json = """{"id":"e","time":"2026-01-01T00:00:00Z","kind":"auth.login","subject":{"id":"bob"}}"""u8;

        var e = ContractJson.DeserializeEvent(json);

        Assert.Equal(SchemaVersions.Current, e.Schema);
        Assert.Equal("bob", e.PrincipalKey);
    }

    [Fact]
    public void PrincipalKey_WithoutSubject_IsWorkloadId()
    {
        var e = Sample with { Subject = null };

        Assert.Equal("prod/web-1", e.PrincipalKey);
    }

    [Fact]
    public void ToCloudEvent_AccessEvent_IsStructuredCloudEvents10()
    {
        var bytes = CloudEventMapping.SerializeStructured(Sample);
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;

        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal(CloudEventMapping.AccessEventType, root.GetProperty("type").GetString());
        Assert.Equal("evt-1", root.GetProperty("id").GetString());
        Assert.Equal("billing-app", root.GetProperty("source").GetString());
        Assert.Equal("alice", root.GetProperty("subject").GetString());
        Assert.Equal("confidential/customers", root.GetProperty("data").GetProperty("resource").GetProperty("data_class").GetString());
    }

    [Fact]
    public void DeserializeAlert_StoredBeforeCredits_ReadsWithNone_AndCreditsRoundTrip()
    {
        const string old = """
            {"schema":1,"id":"a-1","dedup_key":"k","principal":"p","detector":"rule","score":80,"severity":"high",
             "reasons":[{"detector":"rule","rule":"r-1","score":80,"text":"t"}],"evidence_event_ids":["e-1"],
             "first_seen":"2026-11-30T22:00:00Z","last_seen":"2026-11-30T22:00:00Z"}
            """;
        var alert = ContractJson.DeserializeAlert(Encoding.UTF8.GetBytes(old));
        Assert.Empty(alert.Reasons[0].Credits);

        var credited = alert with
        {
            Reasons = [alert.Reasons[0] with
            {
                Credits = [new AlertRuleCredit("r-1", "IAM policy changed") { Author = "Ivan Saakov", License = "DRL-1.1", References = ["https://cloud.google.com/iam/docs/audit-logging"] }],
            }],
        };
        var json = Encoding.UTF8.GetString(ContractJson.Serialize(credited));
        Assert.Contains("\"credits\":[{\"id\":\"r-1\",\"title\":\"IAM policy changed\",\"author\":\"Ivan Saakov\",\"license\":\"DRL-1.1\",\"references\":[\"https://cloud.google.com/iam/docs/audit-logging\"]}]", json, StringComparison.Ordinal);
        var read = ContractJson.DeserializeAlert(Encoding.UTF8.GetBytes(json)).Reasons[0].Credits[0];
        Assert.Equal(("Ivan Saakov", "DRL-1.1", null), (read.Author, read.License, read.LicenseUrl));
    }

    [Fact]
    public void DeserializeAlert_ListsMissing_ReadAsEmpty_ListWrittenAsNull_RefusedNamingIt()
    {
        const string head = """{"schema":1,"id":"a-2","dedup_key":"k","principal":"p","detector":"rule","score":80,"severity":"high","evidence_event_ids":["e-1"],"first_seen":"2026-11-30T22:00:00Z","last_seen":"2026-11-30T22:00:00Z",""";

        var alert = ContractJson.DeserializeAlert(Encoding.UTF8.GetBytes(head + """ "reasons":[{"detector":"rule","rule":"r-1","score":80,"text":"t"}]}"""));
        var refused = Assert.Throws<JsonException>(() => ContractJson.DeserializeAlert(Encoding.UTF8.GetBytes(head + """ "reasons":[{"detector":"rule","rule":"r-1","score":80,"text":"t","tactics":null}]}""")));

        Assert.Equal((0, 0, 0), (alert.Evidence.Count, alert.Techniques.Count, alert.Tactics.Count));
        var reason = alert.Reasons[0];
        Assert.Equal((0, 0, 0), (reason.Techniques.Count, reason.Tactics.Count, reason.Credits.Count));
        Assert.Equal(["T1609"], (reason with { Techniques = ["T1609"] }).Techniques);
        Assert.Equal("$.reasons[0].tactics", refused.Path);
    }

    [Theory]
    [InlineData(95, Severities.Critical)]
    [InlineData(90, Severities.Critical)]
    [InlineData(89, Severities.High)]
    [InlineData(70, Severities.High)]
    [InlineData(69, Severities.Medium)]
    [InlineData(39, Severities.Low)]
    public void FromScore_Bands(int score, string expected) => Assert.Equal(expected, Severities.FromScore(score));
}
