namespace ZtStream.TestSupport.Http;

/// <summary>
/// Reads an RFC 9457 problem answer as every ZtStream endpoint must write it: the expected status, the
/// <c>application/problem+json</c> media type, and a <c>status</c> member equal to the answer's. A refusal is never read
/// as something else, and a test checks the document's shape whichever endpoint answered.
/// </summary>
public static class HttpProblem
{
    public const string MediaType = "application/problem+json";

    /// <summary>Every ZtStream problem type is this followed by its name (docs/architecture.md, "HTTP errors").</summary>
    public const string TypeBase = "https://ztstream.io/problems/";

    /// <summary>
    /// The problem document of <paramref name="response"/>, which must have <paramref name="status"/>; <paramref name="what"/>,
    /// when given, names the request in a failure, for a test that sends many.
    /// </summary>
    public static Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status, string? what = null) =>
        ReadCheckedAsync(response, response.StatusCode == status, $"not {(int)status}", what);

    /// <summary>
    /// As <see cref="ReadAsync"/> for a failure on the server's side, any 5xx: which one depends on where the fault
    /// surfaced, but whoever called is still told in a problem document.
    /// </summary>
    public static Task<JsonElement> ReadServerErrorAsync(HttpResponseMessage response, string what) =>
        ReadCheckedAsync(response, (int)response.StatusCode >= 500, "not 5xx", what);

    /// <summary>
    /// As <see cref="ReadAsync"/> for a refusal of any status (a test sweeping endpoints, or one that asserted the status
    /// itself): the answer is an error, and its document is one of ZtStream's own, a <c>type</c> under
    /// <see cref="TypeBase"/> and a <c>title</c>, whichever layer refused (Kestrel, routing, the endpoint).
    /// </summary>
    public static async Task<JsonElement> ReadAnyAsync(HttpResponseMessage response, string what)
    {
        var problem = await ReadCheckedAsync(response, (int)response.StatusCode >= 400, "not an error", what);
        Assert.StartsWith(TypeBase, problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), what);
        return problem;
    }

    private static async Task<JsonElement> ReadCheckedAsync(HttpResponseMessage response, bool expectedStatus, string expected, string? what)
    {
        // The body goes into the message of a wrong status: what a running process answered instead is the evidence.
        var body = await response.Content.ReadAsStringAsync(TestCancellation.Ct);
        var answered = $"{(what is null ? "" : what + ": ")}answered {(int)response.StatusCode}";
        Assert.True(expectedStatus, $"{answered}, {expected}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == MediaType, $"{answered} as {response.Content.Headers.ContentType}: {body}");
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>
    /// As <see cref="ReadAsync"/> for a refusal a client is to send again later (503, 429): its <c>Retry-After</c> gives the
    /// seconds to wait, and its <c>type</c> is ZtStream's problem <paramref name="name"/> (<c>event-log-unavailable</c>,
    /// <c>service-unavailable</c>), so the outage it names is the one the test made.
    /// </summary>
    public static async Task<JsonElement> ReadRetryLaterAsync(HttpResponseMessage response, HttpStatusCode status, string name)
    {
        var problem = await ReadTypedAsync(response, status, name);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"a {(int)status} without Retry-After in seconds: {problem}");
        return problem;
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, and its <c>detail</c> names <paramref name="what"/> (ordinal): a refusal names the
    /// setting or the fault that decided it, so whoever reads it knows what to change.
    /// </summary>
    public static async Task<JsonElement> ReadNamingAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        var problem = await ReadAsync(response, status);
        Assert.Contains(what, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return problem;
    }

    /// <summary>
    /// As <see cref="ReadAsync"/> for a refusal of one bad field or item: its one <c>errors</c> entry (<c>index</c>,
    /// <c>field</c>, <c>reason</c>), so the test also shows that nothing else was refused with it.
    /// </summary>
    public static async Task<JsonElement> ReadOneErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await ReadAsync(response, status);
        return Assert.Single(problem.GetProperty("errors").EnumerateArray());
    }

    /// <summary>
    /// As <see cref="ReadAsync"/>, and its <c>type</c> is ZtStream's problem <paramref name="name"/>
    /// (<c>outside-scope</c>, <c>unsupported-charset</c>): the refusal is the one the test meant, not another of the same status.
    /// </summary>
    public static async Task<JsonElement> ReadTypedAsync(HttpResponseMessage response, HttpStatusCode status, string name)
    {
        var problem = await ReadAsync(response, status);
        Assert.Equal(TypeBase + name, problem.GetProperty("type").GetString());
        return problem;
    }
}
