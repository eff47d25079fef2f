namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// Amazon EventBridge's envelope of a SaaS partner event: <c>{"version":"0", "id", "detail-type", "source":
/// "aws.partner/…", "account", "time", "region", "resources", "detail":{…}}</c>. Okta's Log Streaming to EventBridge puts
/// one System Log <c>LogEvent</c> in <c>detail</c>, Auth0's EventBridge log stream one <c>{"log_id", "data"}</c>; a rule's
/// API destination, or a function that forwards the event unchanged, posts this envelope.
/// </summary>
internal static class EventBridgeEnvelope
{
    /// <summary>
    /// The record an EventBridge event carries in <c>detail</c>, with the prefix its fields are named by in errors
    /// (<c>detail.</c>); any other item is its own record, with no prefix. False, with the item's error added, when the
    /// envelope's <c>detail</c> is not an object (<paramref name="what"/> names what it should be).
    /// </summary>
    public static bool TryRecord(JsonElement item, int index, string what, List<ItemError> errors, out JsonElement record, out string prefix)
    {
        record = item;
        prefix = string.Empty;
        if (!item.TryGetProperty("detail-type", out _) || !item.TryGetProperty("detail", out var detail))
        {
            return true;
        }

        if (detail.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ItemError(index, "detail", $"an EventBridge event's \"detail\" must be {what}, got {JsonFields.Describe(detail)}"));
            return false;
        }

        record = detail;
        prefix = "detail.";
        return true;
    }
}
