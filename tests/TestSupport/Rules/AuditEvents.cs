namespace ZtStream.TestSupport.Rules;

/// <summary>Native audit.k8s.io/v1 Events as the API server's webhook sends them (level RequestResponse, stage ResponseComplete).</summary>
public static class AuditEvents
{
    private static int next;

    /// <summary>
    /// One Event: <paramref name="verb"/> on <paramref name="resource"/> (in <paramref name="ns"/>, named <paramref name="name"/>,
    /// of <paramref name="apiGroup"/>, its <paramref name="subresource"/>) by <paramref name="user"/>, answered with
    /// <paramref name="code"/>, received at <paramref name="time"/> and completed 30 ms later; each with its own audit id.
    /// </summary>
    public static JsonObject Native(string verb, string resource, string? ns, string? name, string user, int code, DateTimeOffset time,
        string? subresource = null, string? apiGroup = null, string? userAgent = "kubectl/v1.30.2", string sourceIp = "198.51.100.4")
    {
        var objectRef = new JsonObject { ["resource"] = resource, ["apiVersion"] = "v1" };
        Add(objectRef, "namespace", ns);
        Add(objectRef, "name", name);
        Add(objectRef, "subresource", subresource);
        Add(objectRef, "apiGroup", apiGroup);

        var e = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "RequestResponse",
            ["auditID"] = $"00000000-0000-4000-8000-{Interlocked.Increment(ref next):D12}",
            ["stage"] = "ResponseComplete",
            ["requestURI"] = $"/{(apiGroup is null ? "api" : "apis/" + apiGroup)}/v1/{(ns is null ? "" : $"namespaces/{ns}/")}{resource}{(name is null ? "" : "/" + name)}{(subresource is null ? "" : "/" + subresource)}",
            ["verb"] = verb,
            ["user"] = new JsonObject { ["username"] = user, ["groups"] = new JsonArray("system:authenticated") },
            ["sourceIPs"] = new JsonArray(sourceIp),
            ["objectRef"] = objectRef,
            ["responseStatus"] = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = code },
            ["requestReceivedTimestamp"] = time.ToString("O", CultureInfo.InvariantCulture),
            ["stageTimestamp"] = time.AddMilliseconds(30).ToString("O", CultureInfo.InvariantCulture),
        };
        Add(e, "userAgent", userAgent);
        return e;
    }

    /// <summary>The webhook's batch: an EventList of copies of <paramref name="events"/>, in their order.</summary>
    public static JsonObject EventList(IEnumerable<JsonNode> events) => new()
    {
        ["kind"] = "EventList",
        ["apiVersion"] = "audit.k8s.io/v1",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray([.. events.Select(e => e.DeepClone())]),
    };

    private static void Add(JsonObject o, string key, string? value)
    {
        if (value is not null)
        {
            o[key] = value;
        }
    }
}
