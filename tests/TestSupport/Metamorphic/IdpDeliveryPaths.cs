namespace ZtStream.TestSupport.Metamorphic;

/// <summary>
/// One provider's records as each of its delivery paths carries them, as request bodies: Okta's System Log API pages
/// (arrays), Event Hook deliveries and Amazon EventBridge events; Entra's diagnostic-settings export, Event Hubs message
/// batches, Log Analytics rows (PascalCase, dynamic columns as JSON text) and Microsoft Graph pages; Auth0's log-stream
/// webhook in each of its content formats (a JSON array, JSON lines, one JSON object a request), EventBridge events and
/// Management API <c>/logs</c> pages. Each path's batches are split as
/// <paramref name="random"/> draws, in the records' order.
/// </summary>
public static class IdpDeliveryPaths
{
    private const string Workspace = "0f0e0d0c-1111-4222-8333-444455556666";

    /// <summary>An Okta Event Hook delivery (<c>com.okta.event_hook</c>) of <paramref name="logEvents"/>, LogEvents as JSON text.</summary>
    public static string OktaEventHook(params IEnumerable<string> logEvents) =>
        OktaEventHookFrom("https://acme.okta.com/api/v1/eventHooks/whob4h3dR7Ub2ep1d0g7", logEvents);

    /// <summary>
    /// <see cref="OktaEventHook"/> from the hook <paramref name="source"/> names (its org's URL). Sent right after its last
    /// event, and the same events are the same delivery (its id, as a retry of Okta's keeps it), so a theory's case is
    /// the same text each time it is listed.
    /// </summary>
    public static string OktaEventHookFrom(string source, IEnumerable<string> logEvents)
    {
        var events = string.Join(',', logEvents);
        var id = DeliveryId(source + events);
        var sent = JsonNode.Parse($"[{events}]")!.AsArray().LastOrDefault()?["published"]?.ToJsonString() ?? "null";
        return $$"""
            {"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"{{source}}",
             "eventId":"{{id}}","eventTime":{{sent}},"contentType":"application/json","data":{"events":[{{events}}]} }
            """;
    }

    /// <summary>
    /// An Okta LogEvent (JSON text) as Log Streaming puts it on Amazon EventBridge for <paramref name="org"/>: the partner
    /// event source names the org, the envelope's time is the event's. Its id follows from both, as
    /// <see cref="OktaEventHookFrom"/>'s does, so a theory's case is the same text each time it is listed.
    /// </summary>
    public static string OktaEventBridge(string org, string logEvent)
    {
        var detail = JsonNode.Parse(logEvent)!;
        return EventBridge("SystemLog", $"aws.partner/okta.com/{org}/zt-stream", detail["published"]!, detail).ToJsonString();
    }

    public static IEnumerable<(string Path, List<string> Payloads)> Of(string format, IReadOnlyList<JsonObject> records, Random random)
    {
        List<string> Batches(int most, Func<List<JsonObject>, JsonNode> body) =>
            [.. JsonMetamorphs.Split(records, random, most).Select(b => body(b).ToJsonString())];

        static JsonArray Array(IEnumerable<JsonNode> nodes) => new([.. nodes.Select(n => n.DeepClone())]);

        switch (format)
        {
            case "okta":
                yield return ("System Log API pages", Batches(10, b => Array(b)));
                yield return ("Event Hook deliveries", [.. JsonMetamorphs.Split(records, random, 8).Select(b => OktaEventHookFrom(
                    "https://acmecorp.okta.com/api/v1/eventHooks/who4x0mple0001", b.Select(r => r.ToJsonString())))]);
                yield return ("EventBridge events", [.. records.Select(r => OktaEventBridge("acmecorp", r.ToJsonString()))]);
                break;

            case "entra":
                yield return ("diagnostic export", Batches(10, b => new JsonObject { ["records"] = Array(b) }));
                yield return ("Event Hubs batch", Batches(12, b => Array(JsonMetamorphs.Split(b, random, 4).Select(m => new JsonObject { ["records"] = Array(m) }))));
                yield return ("Log Analytics rows", [.. records.Select(r => LogAnalyticsRow(r).ToJsonString())]);
                yield return ("Graph signIn pages", Batches(10, b => new JsonObject
                {
                    ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
                    ["value"] = Array(b.Select(r => r["properties"]!)),
                }));
                break;

            case "auth0":
                yield return ("log-stream webhook", Batches(10, b => Array(b)));
                yield return ("log-stream webhook, JSON lines", [.. JsonMetamorphs.Split(records, random, 10).Select(b => string.Join('\n', b.Select(r => r.ToJsonString())))]);
                yield return ("log-stream webhook, JSON object", [.. records.Select(r => r.ToJsonString())]);
                yield return ("EventBridge events", [.. records.Select(r => EventBridge("Auth0 log", "aws.partner/auth0.com/initrode-prod-6a1f0c2e-0d1e-4f2a-9b3c-4d5e6f7a8b9c/auth0.logs", r["data"]!["date"]!, r).ToJsonString())]);
                yield return ("Management API /logs pages", Batches(10, b => Array(b.Select(r =>
                {
                    var log = r["data"]!.DeepClone().AsObject();
                    log["_id"] = r["log_id"]!.DeepClone();
                    return log;
                }))));
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "no delivery paths for this format");
        }
    }

    private static Guid DeliveryId(string content) => new(SHA256.HashData(Encoding.UTF8.GetBytes(content)).AsSpan(0, 16));

    /// <summary>An Amazon EventBridge event of a SaaS partner; its id follows from the source and the detail.</summary>
    private static JsonObject EventBridge(string detailType, string source, JsonNode time, JsonNode detail) => new()
    {
        ["version"] = "0",
        ["id"] = DeliveryId(source + detail.ToJsonString()).ToString(),
        ["detail-type"] = detailType,
        ["source"] = source,
        ["account"] = "111122223333",
        ["time"] = time.DeepClone(),
        ["region"] = "eu-west-1",
        ["resources"] = new JsonArray(),
        ["detail"] = detail.DeepClone(),
    };

    /// <summary>
    /// A sign-in export record as its Log Analytics row (<c>SigninLogs</c>, <c>AADNonInteractiveUserSignInLogs</c>):
    /// PascalCase columns, the workspace in <c>TenantId</c> and the directory in <c>AADTenantId</c>, dynamic columns as
    /// JSON text as the query API and exports write them.
    /// </summary>
    private static JsonObject LogAnalyticsRow(JsonObject record)
    {
        var p = record["properties"]!.AsObject();
        static string? Text(JsonNode? node) => node?.ToJsonString();
        var interactive = p["isInteractive"]!.GetValue<bool>();
        var row = new JsonObject
        {
            ["TenantId"] = Workspace,
            ["AADTenantId"] = record["tenantId"]!.DeepClone(),
            ["TimeGenerated"] = record["time"]!.DeepClone(),
            ["Type"] = interactive ? "SigninLogs" : "AADNonInteractiveUserSignInLogs",
            ["Category"] = record["category"]!.DeepClone(),
            ["OperationName"] = "Sign-in activity",
            ["ResultType"] = record["resultType"]!.DeepClone(),
            ["CorrelationId"] = p["correlationId"]?.DeepClone(),
            ["Location"] = record["location"]?.DeepClone(),
        };
        foreach (var (name, value) in p)
        {
            var column = name switch
            {
                "id" => "Id",
                "ipAddress" => "IPAddress",
                "location" => "LocationDetails",
                "correlationId" => null,
                _ => char.ToUpperInvariant(name[0]) + name[1..],
            };
            if (column is null)
            {
                continue;
            }

            row[column] = value switch
            {
                JsonObject or JsonArray => Text(value),
                _ => value?.DeepClone(),
            };
        }

        return row;
    }
}
