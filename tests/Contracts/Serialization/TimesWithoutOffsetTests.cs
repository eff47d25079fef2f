using System.Text.Json;
using ZtStream.Contracts.Serialization;

namespace ZtStream.Contracts.Tests.Serialization;

/// <summary>
/// A time without an offset, which RFC 3339 does not write but System.Text.Json reads, is UTC on every machine, as Ingest
/// reads an event's <c>time</c>: System.Text.Json alone reads it in the server's local zone, so one event's token expiry
/// (or a suppression's <c>expires_at</c>) was another instant on a server whose <c>TZ</c> is not UTC. The local zone is
/// changed for these tests only, with nothing else running.
/// </summary>
[Collection(nameof(TimesWithoutOffsetTests))]
[CollectionDefinition(nameof(TimesWithoutOffsetTests), DisableParallelization = true)]
public sealed class TimesWithoutOffsetTests
{
    [Theory]
    [InlineData("2026-12-20T10:00:00", "2026-12-20T10:00:00Z")]
    [InlineData("2026-12-20T10:00:00.25", "2026-12-20T10:00:00.25Z")]
    [InlineData("2026-12-20T10:00", "2026-12-20T10:00:00Z")]
    [InlineData("2026-12-20", "2026-12-20T00:00:00Z")]
    [InlineData("2026-12-20T10:00:00\\u002e5", "2026-12-20T10:00:00.5Z")]
    [InlineData("2026-12-20T10:00:00-05:00", "2026-12-20T15:00:00Z")]
    [InlineData("2026-12-20T10:00:00+09:30", "2026-12-20T00:30:00Z")]
    [InlineData("2026-12-20t10:00:00z", "2026-12-20T10:00:00Z")]
    public void Read_InAZoneOtherThanUtc_GivesTheSameInstantAsOnAUtcServer(string text, string utc)
    {
        var json = $$$"""{"id":"e","time":"{{{text}}}","kind":"auth.login","subject":{"id":"bob"},"token":{"expires_at":"{{{text}}}"}}""";
        var want = DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);

        var (e, input) = InZone("America/New_York", () =>
            (ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(json)), JsonSerializer.Deserialize(json, ContractJson.Input.AccessEvent)!));

        Assert.Equal(want, e.Time);
        Assert.Equal(want, e.Token!.ExpiresAt);
        Assert.Equal(want, input.Time);
    }

    [Fact]
    public void TryRead_WithoutAnOffset_IsUtcAndKeepsTheClockTime()
    {
        var (ok, time) = InZone("Asia/Kolkata", () =>
        {
            var reader = new Utf8JsonReader("\"2026-12-20T10:00:00\""u8);
            reader.Read();
            return (Rfc3339TimeConverter.TryRead(ref reader, out var time), time);
        });

        Assert.True(ok);
        Assert.Equal((new DateTimeOffset(2026, 12, 20, 10, 0, 0, TimeSpan.Zero), TimeSpan.Zero), (time, time.Offset));
    }

    private static T InZone<T>(string zone, Func<T> read)
    {
        var before = Environment.GetEnvironmentVariable("TZ");
        Environment.SetEnvironmentVariable("TZ", zone);
        TimeZoneInfo.ClearCachedData();
        try
        {
            Assert.NotEqual(TimeSpan.Zero, TimeZoneInfo.Local.GetUtcOffset(new DateTime(2026, 12, 20)));
            return read();
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", before);
            TimeZoneInfo.ClearCachedData();
        }
    }
}
