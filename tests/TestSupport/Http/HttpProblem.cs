namespace ZtStream.TestSupport.Http;

/// <summary>
/// Reads an RFC 9457 problem answer as every ZtStream endpoint must write it: the expected status, the
/// <c>application/problem+json</c> media type, and a <c>status</c> member equal to the answer's. A refusal is never read
/// as something else, and a test checks the document's shape whichever endpoint answered.
/// </summary>
public static class HttpProblem
{
    public const string MediaType = "application/problem+json";

    /// <summary>The problem document of <paramref name="response"/>, which must have <paramref name="status"/>.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestCancellation.Ct);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
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
