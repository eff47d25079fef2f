namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// Ingest's answers to a batch, read back with their status: a 202 (<c>{"accepted": n, "ids": [...]}</c>) or a 207
/// problem document (<c>accepted_ids</c> and the <c>errors</c> of the rest). The status and what was taken are checked
/// together, so a refusal is never read as an acceptance of nothing.
/// </summary>
internal static class IngestAnswer
{
    /// <summary>The answer of a request that must be a 202 taking <paramref name="accepted"/> items (shown with its body when it is not).</summary>
    public static async Task<JsonElement> AcceptedAsync(HttpResponseMessage response, int accepted)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        var answer = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal(accepted, answer.GetProperty("accepted").GetInt32());
        return answer;
    }

    /// <summary>
    /// The bad items of a request that must be a 207 problem document taking exactly the items
    /// <paramref name="acceptedIds"/>, in order: each of the others is listed with its index, field and reason.
    /// </summary>
    public static async Task<IReadOnlyList<ItemError>> PartlyAcceptedAsync(HttpResponseMessage response, params string[] acceptedIds)
    {
        var problem = await HttpProblem.ReadAsync(response, HttpStatusCode.MultiStatus);
        Assert.Equal(acceptedIds, problem.GetProperty("accepted_ids").EnumerateArray().Select(i => i.GetString()));
        return ProblemErrors.Of(problem);
    }
}
