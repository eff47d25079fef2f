namespace ZtStream.Ingest.Tests.Sources.Auth0;

/// <summary>
/// Auth0's logs are MongoDB documents, and exports and some log-stream deliveries write <c>date</c> in MongoDB Extended
/// JSON: <c>{"$date": "…"}</c> (relaxed) or <c>{"$date": {"$numberLong": "…"}}</c> (canonical), beside the plain ISO 8601
/// string of the Management API and the HTTP stream. Every shape is the same instant; anything else is an item error
/// naming <c>date</c>.
/// </summary>
public sealed class Auth0DateShapesTests
{
    private static readonly DateTimeOffset When = new(2026, 11, 30, 10, 15, 0, 412, TimeSpan.Zero);

    [Theory]
    [InlineData("\"2026-11-30T10:15:00.412Z\"")]
    [InlineData("""{"$date":"2026-11-30T10:15:00.412Z"}""")]
    [InlineData("""{"$date":"2026-11-30T11:15:00.412+01:00"}""")]
    [InlineData("""{"$date":{"$numberLong":"1796033700412"}}""")]
    [InlineData("""{"$date":1796033700412}""")]
    public void Map_DateInEachShapeAuth0Writes_TheSameInstant(string date)
    {
        var e = MapperAssert.MapsTo(Auth0Mapper.Map(Encoding.UTF8.GetBytes(Log(date))), EventKinds.AuthLogin, Outcomes.Success);

        Assert.Equal(When, e.Time);
    }

    [Theory]
    [InlineData("""{"$date":"last tuesday"}""")]
    [InlineData("""{"$date":{"$numberLong":"soon"}}""")]
    [InlineData("""{"date":"2026-11-30T10:15:00.412Z"}""")]
    [InlineData("""{"$date":null}""")]
    public void Map_DateObjectWithoutATime_ItemErrorNamingDate(string date)
    {
        var result = Auth0Mapper.Map(Encoding.UTF8.GetBytes(Log(date)));

        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal((0, "data.date"), (error.Index, error.Field));
    }

    private static string Log(string date) => $$$"""
        [{"log_id":"90020261130101500412000000000000000000000000000000000007","data":{"date":{{{date}}},"type":"s","description":"Successful login",
          "connection":"Username-Password-Authentication","client_id":"Qx7pL2vN9rT4kW1mZ8cB5hJ3fD6gS0aY","ip":"2001:db8:3::61",
          "user_agent":"Firefox 133.0.0 / Linux 0.0.0","details":{"session_id":"sX1uE9mG5T7oTQ0n7LuW1XYv"},
          "user_id":"auth0|6a1b2c3d4e5f60718293a4b5","user_name":"lea.mbeki@acme.example","log_id":"90020261130101500412000000000000000000000000000000000007"}}]
        """;
}
