namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Event JSON for requests.</summary>
internal static class Payloads
{
    public static string Event(string id, DateTimeOffset? time = null, string subject = "alice", string extra = "") =>
        $$"""{"id":"{{id}}","time":"{{(time ?? DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture)}}","kind":"access.request","subject":{"id":"{{subject}}","type":"user"},"resource":{"type":"http_route","id":"/orders/{id}"},"action":"GET","status":200,"bytes":512{{extra}}}""";

    public static string Array(params string[] events) => "[" + string.Join(",", events) + "]";

    public static string[] Ids(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}-{i}")];
}
