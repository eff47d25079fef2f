using System.Text;
using System.Text.Json;
using ZtStream.Contracts.Events;
using ZtStream.Ingest.Sources;

namespace ZtStream.Ingest.Tests.Sources;

/// <summary><c>ztstream replay --format okta|entra|keycloak|auth0</c> reads both the delivery envelope and NDJSON of bare records.</summary>
public sealed class SourceFileReadersTests
{
    public static TheoryData<string, string, int> Envelopes => new()
    {
        { "okta", "event-hook-delivery.json", 2 },
        { "okta", "system-log-mfa-push.json", 3 },
        { "entra", "signin-records.json", 4 },
        { "keycloak", "user-events.json", 7 },
        { "auth0", "log-stream.json", 10 },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Read_DeliveryEnvelopeAndTheSameRecordsOnePerLine_GiveTheSameEvents(string format, string file, int count)
    {
        var bytes = TestData.Idp(format, file);
        var fromEnvelope = SourceFileReaders.All[format](new MemoryStream(bytes)).ToList();
        var lines = string.Join('\n', BareRecords(format, bytes));
        var fromLines = SourceFileReaders.All[format](new MemoryStream(Encoding.UTF8.GetBytes(lines))).ToList();

        Assert.Equal(count, fromEnvelope.Count);
        Assert.Equal(fromEnvelope.Select(Summary), fromLines.Select(Summary));
    }

    [Theory]
    [InlineData("okta", "system-log-admin.ndjson", 6)]
    [InlineData("entra", "log-analytics.ndjson", 2)]
    [InlineData("keycloak", "webhook.ndjson", 2)]
    [InlineData("auth0", "management-api.ndjson", 2)]
    public void Read_NdjsonFiles_ReadEveryLine(string format, string file, int count)
    {
        var events = SourceFileReaders.All[format](new MemoryStream(TestData.Idp(format, file))).ToList();

        Assert.Equal(count, events.Count);
    }

    private static string Summary(AccessEvent e) => $"{e.Id}|{e.Kind}|{e.Subject?.Id}|{e.Time:O}|{e.Outcome}|{e.Token?.SessionId}";

    /// <summary>What a log pipeline writes: the records without their delivery envelope, one per line.</summary>
    private static IEnumerable<string> BareRecords(string format, byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var records = format switch
        {
            "okta" when root.ValueKind == JsonValueKind.Object => root.GetProperty("data").GetProperty("events"),
            "entra" => root.GetProperty("records"),
            _ => root,
        };
        foreach (var record in records.EnumerateArray())
        {
            // Auth0: the bare {data} object of each {log_id, data} envelope.
            var bare = format == "auth0" ? record.GetProperty("data") : record;
            yield return bare.GetRawText().Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        }
    }
}
