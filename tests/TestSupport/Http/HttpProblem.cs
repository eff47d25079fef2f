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

    /// <summary>The problem document of <paramref name="response"/>, which must have <paramref name="status"/>.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        // The body goes into the message of a wrong status: what a running process answered instead is the evidence.
        var body = await response.Content.ReadAsStringAsync(TestCancellation.Ct);
        Assert.True(response.StatusCode == status, $"answered {(int)response.StatusCode}, not {(int)status}: {body}");
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>
    /// As <see cref="ReadAsync"/> for a refusal a client is to send again later (503, 429): its <c>Retry-After</c> gives the
    /// seconds to wait, and its <c>type</c> is ZtStream's problem <paramref name="name"/> (<c>event-log-unavailable</c>,
    /// <c>service-unavailable</c>), so the outage it names is the one the test made.
    /// </summary>
    public static async Task<JsonElement> ReadRetryLaterAsync(HttpResponseMessage response, HttpStatusCode status, string name)
    {
        var problem = await ReadAsync(response, status);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"a {(int)status} without Retry-After in seconds: {problem}");
        Assert.Equal(TypeBase + name, problem.GetProperty("type").GetString());
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
}
