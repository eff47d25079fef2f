namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// A body that is JSON but not of the request's shape — a member of the wrong JSON type, a list where an object goes —
/// is a 400 <c>malformed-body</c> naming the member and what it takes, in JSON's words. Before, the detail was the
/// serializer's own message, which named .NET types (<c>System.Nullable`1[System.Int64]</c>, the API's request records)
/// and no field a client could act on.
/// </summary>
public sealed class WrongTypeBodyTests
{
    public static TheoryData<string, string, string, string> WrongTypes => new()
    {
        { "/v1/actions", """{"kind":5}""", "kind", "expected a string or null" },
        { "/v1/actions", """{"kind":"isolate_workload","ttl_seconds":"ten"}""", "ttl_seconds", "expected an integer or null" },
        { "/v1/actions", """{"kind":"revoke_token","jti":"j","token_expires_at":1767225600}""", "token_expires_at", "expected an RFC 3339 time as a string or null" },
        { "/v1/actions", """{"kind":"revoke_token","jti":"j","token_expires_at":"tomorrow"}""", "token_expires_at", "expected an RFC 3339 time as a string or null" },
        { "/v1/actions", """["revoke_token"]""", "$", "expected an object" },
        { "/v1/alerts/bulk", """{"ids":"a-1","status":"closed"}""", "ids", "expected an array or null" },
        { "/v1/alerts/bulk", """{"ids":[1],"status":"closed"}""", "ids[0]", "expected a string or null" },
        { "/v1/alerts/bulk", """{"items":[{"id":"a-1","version":"3"}],"status":"closed"}""", "items[0].version", "expected an integer or null" },
        { "/v1/alerts/bulk", """{"ids":["a-1"],"unassign":"yes"}""", "unassign", "expected true or false" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task Body_MemberOfTheWrongType_Is400NamingItAndWhatItTakes(string path, string body, string field, string reason)
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var client = host.ClientFor(ResponderTestHost.ResponderToken);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(path, content, Ct);

        var problem = await HttpProblem.ReadTypedAsync(response, HttpStatusCode.BadRequest, "malformed-body");
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.StartsWith(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.StartsWith($"{field}: {reason}", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("ZtStream.", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_NotJson_NamesWhereItStops()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var client = host.ClientFor(ResponderTestHost.ResponderToken);
        using var content = new StringContent("{\"kind\": \"revoke_token\",\n \"jti\": }", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/v1/actions", content, Ct);

        var error = await HttpProblem.ReadOneErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("jti", error.GetProperty("field").GetString());
        Assert.StartsWith("not valid JSON: ", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("(line 2, byte 9)", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
