using System.Text.Json;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;

namespace ZtStream.Contracts.Tests.Serialization;

public sealed class Rfc3339TimeConverterTests
{
    [Theory]
    [InlineData("2026-12-05t10:00:00z", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05T10:00:00z", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05t10:00:00Z", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05t10:00:00.123456+01:00", "2026-12-05T10:00:00.1234560+01:00")]
    [InlineData("2026-12-05t10:00:00\\u005a", "2026-12-05T10:00:00+00:00")]
    public void DeserializeEvent_LowerCaseTAndZ_ReadsTheTimeAndWritesItUpperCase(string time, string expected)
    {
        var json = $$$"""{"id":"e","time":"{{{time}}}","kind":"auth.login","subject":{"id":"bob"},"token":{"expires_at":"{{{time}}}"}}""";

        var e = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(json));
        var input = JsonSerializer.Deserialize(json, ContractJson.Input.AccessEvent)!;

        var want = DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture);
        Assert.Equal((want, want.Offset), (e.Time, e.Time.Offset));
        Assert.Equal(want, e.Token!.ExpiresAt);
        Assert.Equal(want, input.Time);
        Assert.Contains($"\"time\":\"{want:yyyy-MM-dd'T'HH:mm:ss}", Encoding.UTF8.GetString(ContractJson.Serialize(e)), StringComparison.Ordinal);
    }

    /// <summary>
    /// RFC 3339 §5.6 NOTE: a space may separate date and time "for the sake of readability" by agreement; ZtStream agrees,
    /// in bodies as in query strings (<see cref="Rfc3339TimeConverter.TryParse"/>), and any case of <c>t</c> with it.
    /// </summary>
    [Theory]
    [InlineData("2026-12-05 10:00:00Z", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05 10:00:00z", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05 10:00:00.25-05:00", "2026-12-05T10:00:00.25-05:00")]
    [InlineData("2026-12-05 10:00:00", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05t10:00:00", "2026-12-05T10:00:00+00:00")]
    [InlineData("2026-12-05 10:00", "2026-12-05T10:00:00+00:00")]
    public void Read_ASpaceOrLowerCaseTBetweenDateAndTime_IsTheSameTimeInABodyAndAQueryString(string time, string expected)
    {
        var json = $$$"""{"id":"e","time":"{{{time}}}","kind":"auth.login","subject":{"id":"bob"}}""";

        var e = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(json));
        var parsed = Rfc3339TimeConverter.TryParse(time, out var query);

        var want = DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture);
        Assert.Equal((want, want.Offset), (e.Time, e.Time.Offset));
        Assert.True(parsed);
        Assert.Equal((want, want.Offset), (query, query.Offset));
    }

    [Theory]
    [InlineData("2026-12-05  10:00:00Z")]
    [InlineData(" 2026-12-05T10:00:00Z")]
    [InlineData("2026-12-05T10:00:00Z ")]
    [InlineData("12/05/2026")]
    [InlineData("Dec 5, 2026")]
    [InlineData("10:00")]
    [InlineData("yesterday")]
    [InlineData("2026-12-05T10:00:00\\u005a")]
    [InlineData("2026-12-05\t10:00:00Z")]
    [InlineData("")]
    public void TryParse_WhatNoBodyTakes_IsRefused(string text)
    {
        Assert.False(Rfc3339TimeConverter.TryParse(text, out var time));
        Assert.Equal(default, time);
    }

    [Theory]
    [InlineData("\"2026-12-05  10:00:00z\"")]
    [InlineData("\"2026-12-05x10:00:00z\"")]
    [InlineData("\"2026-12-05t10:00:00+0100\"")]
    [InlineData("\"2026-12-05t25:00:00z\"")]
    [InlineData("\"t\"")]
    [InlineData("12")]
    public void Read_AnythingElseSystemTextJsonRefuses_IsStillRefused(string value)
    {
        var json = $$$"""{"id":"e","time":{{{value}}},"kind":"auth.login","subject":{"id":"bob"}}""";

        var strict = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.AccessEvent));
        var input = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, ContractJson.Input.AccessEvent));

        Assert.Equal(strict.Message, input.Message);
    }

    [Fact]
    public void Write_IsSystemTextJsonsOwn()
    {
        var time = new DateTimeOffset(2026, 12, 5, 10, 0, 0, 500, TimeSpan.FromHours(1));
        var options = new JsonSerializerOptions { Converters = { Rfc3339TimeConverter.Instance } };

        Assert.Equal(JsonSerializer.Serialize(time), JsonSerializer.Serialize(time, options));
    }
}
