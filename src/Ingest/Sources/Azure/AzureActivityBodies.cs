namespace ZtStream.Ingest.Sources.Azure;

/// <summary>
/// What a rule must read together, lifted from an Activity Log record's request body (<c>properties.requestbody</c>, JSON
/// text as Resource Manager logs it, or an object; else <c>properties.responseBody</c>, which the Succeeded record of some
/// operations carries instead). Member names are matched without regard to case: role assignments are logged with
/// <c>Properties.RoleDefinitionId</c>, network rules with <c>properties.sourceAddressPrefix</c>.
/// </summary>
internal static class AzureActivityBodies
{
    /// <summary>A storage account written with <c>allowBlobPublicAccess</c> true or false.</summary>
    public const string BlobPublicAccessAttribute = "azure.allow_blob_public_access";

    /// <summary>The tier a Defender for Cloud plan was written with (<c>Free</c> turns the plan off, <c>Standard</c> on).</summary>
    public const string PricingTierAttribute = "azure.pricing_tier";

    /// <summary>Written for <c>*</c>, <c>Internet</c>, <c>Any</c>, <c>0.0.0.0/0</c> and <c>::/0</c> as a rule's source.</summary>
    public const string Internet = "internet";

    public static void Add(Dictionary<string, JsonElement> attributes, string operation, JsonElement properties)
    {
        if (!operation.EndsWith("/WRITE", StringComparison.Ordinal))
        {
            return;
        }

        using var request = Body(properties, "requestbody");
        using var response = request is null ? Body(properties, "responseBody") : null;
        if ((request ?? response)?.RootElement is not { ValueKind: JsonValueKind.Object } body)
        {
            return;
        }

        var inner = Member(body, "properties") is { ValueKind: JsonValueKind.Object } p ? p : body;
        switch (operation)
        {
            case "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE":
                JsonFields.AddText(attributes, AzureActivityMapper.RoleDefinitionAttribute, Member(inner, "roleDefinitionId") is { ValueKind: JsonValueKind.String } role
                    ? LastSegment(role.GetString()!).ToLowerInvariant()
                    : null);
                JsonFields.AddText(attributes, "azure.assignee_principal_id", Text(inner, "principalId"));
                JsonFields.AddText(attributes, "azure.assignee_principal_type", Text(inner, "principalType"));
                break;
            case "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE":
                Inbound(attributes, [inner]);
                break;
            case "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE":
                Inbound(attributes, Member(inner, "securityRules") is { ValueKind: JsonValueKind.Array } rules
                    ? [.. rules.EnumerateArray().Select(r => Member(r, "properties") is { ValueKind: JsonValueKind.Object } rp ? rp : r)]
                    : []);
                break;
            case "MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE":
                if (Member(inner, "allowBlobPublicAccess") is { ValueKind: JsonValueKind.True or JsonValueKind.False } allow)
                {
                    attributes[BlobPublicAccessAttribute] = JsonFields.Of(allow.ValueKind == JsonValueKind.True);
                }

                break;
            case "MICROSOFT.SECURITY/PRICINGS/WRITE":
                JsonFields.AddText(attributes, PricingTierAttribute, Text(inner, "pricingTier"));
                break;
        }
    }

    /// <summary>
    /// Each inbound Allow rule as <c>SOURCE PORTS PROTOCOL</c> for each of its sources (<c>sourceAddressPrefix</c>,
    /// <c>sourceAddressPrefixes</c>) and destination port ranges (<c>destinationPortRange</c>, <c>destinationPortRanges</c>),
    /// so a source is read with its own ports: SSH from an office beside HTTPS from the internet is neither from the
    /// internet on SSH.
    /// </summary>
    private static void Inbound(Dictionary<string, JsonElement> attributes, JsonElement[] rules)
    {
        var allowed = new List<string>();
        foreach (var rule in rules)
        {
            if (rule.ValueKind != JsonValueKind.Object
                || !string.Equals(Text(rule, "direction"), "Inbound", StringComparison.OrdinalIgnoreCase)
                || !string.Equals(Text(rule, "access"), "Allow", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var protocol = Text(rule, "protocol") ?? "*";
            foreach (var source in Values(rule, "sourceAddressPrefix", "sourceAddressPrefixes"))
            {
                var from = source is "*" or "0.0.0.0/0" or "::/0" || source.Equals("Internet", StringComparison.OrdinalIgnoreCase)
                    || source.Equals("Any", StringComparison.OrdinalIgnoreCase) ? Internet : source;
                foreach (var ports in Values(rule, "destinationPortRange", "destinationPortRanges"))
                {
                    allowed.Add($"{from} {ports} {protocol}");
                }
            }
        }

        if (allowed.Count > 0)
        {
            attributes[AzureActivityMapper.NsgInboundAttribute] = JsonFields.Of(allowed);
        }
    }

    private static IEnumerable<string> Values(JsonElement rule, string single, string plural)
    {
        if (Text(rule, single) is { } one)
        {
            yield return one;
        }

        if (Member(rule, plural) is { ValueKind: JsonValueKind.Array } many)
        {
            foreach (var value in many.EnumerateArray())
            {
                if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                {
                    yield return text.Trim();
                }
                else if (value.ValueKind == JsonValueKind.Number)
                {
                    yield return value.GetRawText();
                }
            }
        }
    }

    /// <summary>A body as JSON text (a new document) or an object (a copy, so both are disposed alike); null for neither.</summary>
    private static JsonDocument? Body(JsonElement properties, string name) =>
        Member(properties, name) switch
        {
            { ValueKind: JsonValueKind.String } text when JsonPayload.TryParseText(text.GetString()!, out var document, out _) => document,
            { ValueKind: JsonValueKind.Object } o => JsonDocument.Parse(o.GetRawText()),
            _ => null,
        };

    private static JsonElement? Member(JsonElement o, string name)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var member in o.EnumerateObject())
        {
            if (member.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return member.Value;
            }
        }

        return null;
    }

    private static string? Text(JsonElement o, string name) => Member(o, name) switch
    {
        { ValueKind: JsonValueKind.String } s when s.GetString() is { Length: > 0 } text => text.Trim(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        _ => null,
    };

    private static string LastSegment(string id) => id.TrimEnd('/') is var trimmed && trimmed.LastIndexOf('/') is var at and >= 0 ? trimmed[(at + 1)..] : id;
}
