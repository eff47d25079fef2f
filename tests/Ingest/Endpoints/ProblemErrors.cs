namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// The items a problem document lists under <c>errors</c>, read back as the <see cref="ItemError"/>s Ingest wrote: every
/// one must carry an index, a field and a reason, so a test reading them checks that shape too.
/// </summary>
internal static class ProblemErrors
{
    public static IReadOnlyList<ItemError> Of(JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e =>
            new ItemError(e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString()!, e.GetProperty("reason").GetString()!))];

    public static async Task<IReadOnlyList<ItemError>> ReadAsync(HttpResponseMessage response) =>
        Of(await response.Content.ReadFromJsonAsync<JsonElement>(Ct));

    /// <summary>The bad items of an answer that must have this status: a refusal is never read as an acceptance.</summary>
    public static async Task<IReadOnlyList<ItemError>> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        return await ReadAsync(response);
    }
}
