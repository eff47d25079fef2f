using ZtStream.Ingest.Sources.Entra;
using ZtStream.Ingest.Sources.Identity;
using ZtStream.Ingest.Sources.K8sAudit;

namespace ZtStream.Ingest.Sources.Azure;

/// <summary>
/// Maps Azure Activity Log records (a subscription's Administrative operations through Resource Manager: a role assigned,
/// a diagnostic setting deleted, a Key Vault's access policy written, a network security group rule, an AKS cluster's admin
/// credentials listed, a run command …) onto canonical events of kind <c>access.request</c>: each record is its caller's
/// operation on the subscription (docs/sources.md, "Azure Activity Log"). Three shapes: a diagnostic setting's export to
/// an event hub or a storage account (<c>{"records":[…]}</c>, or one per line), a row of the Log Analytics
/// <c>AzureActivity</c> table (an object, an export rule's records, a query answer's <c>tables</c>), and the REST API's
/// event (<c>{"value":[…]}</c>, <c>az monitor activity-log list</c>'s array), all unwrapped by
/// <see cref="ManagedClusterEnvelopes"/>. Pure: bytes in, events and per-item errors out.
/// </summary>
internal static class AzureActivityMapper
{
    /// <summary>The adapter's name: its endpoint, metric label and replay format.</summary>
    public const string SourceName = "azure-activity";

    /// <summary>What an id derived from a record starts with; 32 hex digits follow.</summary>
    public const string DerivedIdPrefix = "azure-";

    /// <summary>How a caller the record names by no claim, caller or address is keyed.</summary>
    public const string UnnamedCaller = "azure:unnamed-caller/";

    /// <summary>The operation, upper case as the exported records write it (<c>MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE</c>).</summary>
    public const string OperationAttribute = "azure.operation_name";

    /// <summary>The role definition (its GUID, lower case) a role assignment's request body names.</summary>
    public const string RoleDefinitionAttribute = "azure.role_definition_id";

    /// <summary>
    /// What a network security group rule written allows in from where: one <c>SOURCE PORTS PROTOCOL</c> per source and
    /// destination port range of each inbound Allow rule, the source <c>internet</c> for <c>*</c>, <c>Internet</c>,
    /// <c>Any</c>, <c>0.0.0.0/0</c> and <c>::/0</c>.
    /// </summary>
    public const string NsgInboundAttribute = "azure.nsg_inbound_allow";

    /// <summary>The record's own id (<c>eventDataId</c>, <c>EventDataId</c>): the event's id is its operation's.</summary>
    public const string EventDataIdAttribute = "azure.event_data_id";

    private static readonly EnvelopeItems Records = new("an Activity Log record", CloudWatchStream: null) { AzureRecords = true };

    private static readonly string[] ExportTime = ["time"];
    private static readonly string[] RestTime = ["eventTimestamp", "submissionTimestamp"];
    private static readonly string[] TableTime = ["TimeGenerated", "EventSubmissionTimestamp"];

    /// <summary>Trimming above the bound: the bodies go first, never who did what, to what, and how it ended.</summary>
    private static readonly RawTrimPlan RawPlan = new(
        Drop: [],
        Keep: new HashSet<string>(StringComparer.Ordinal)
        {
            "time", "eventTimestamp", "TimeGenerated", "resourceId", "_ResourceId", "ResourceId", "operationName", "OperationNameValue",
            "category", "CategoryValue", "resultType", "status", "ActivityStatusValue", "resultSignature", "subStatus",
            "ActivitySubstatusValue", "callerIpAddress", "CallerIpAddress", "httpRequest", "correlationId", "CorrelationId",
            "eventDataId", "EventDataId", "caller", "Caller", "level", "Level", "subscriptionId", "SubscriptionId",
        });

    private enum Shape
    {
        Export,
        Rest,
        Table,
    }

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null)
    {
        options ??= SourceMapOptions.Default;
        AuditEventMapper map = (record, index, carrier, items, errors) => MapOne(record, index, options, carrier, items, errors);
        return ManagedClusterEnvelopes.Read(json, options, map, map, Records);
    }

    private static void MapOne(JsonElement record, int index, SourceMapOptions options, AuditCarrier carrier, List<MappedEvent> items, List<ItemError> errors)
    {
        var shape = record.Child("OperationNameValue") is not null || record.Child("TimeGenerated") is not null ? Shape.Table
            : record.Child("operationName") is { ValueKind: JsonValueKind.Object } || record.Child("eventTimestamp") is not null ? Shape.Rest
            : Shape.Export;
        var operationField = shape switch
        {
            Shape.Table => "OperationNameValue",
            Shape.Rest => "operationName.value",
            _ => "operationName",
        };
        var operationValue = shape == Shape.Rest ? record.Child("operationName")?.Child("value") : record.Child(operationField);
        if (operationValue is { ValueKind: not (JsonValueKind.String or JsonValueKind.Null) } notText)
        {
            errors.Add(new ItemError(index, carrier.Field(operationField), $"expected a string, got {JsonFields.Describe(notText)}"));
            return;
        }

        if (operationValue is not { ValueKind: JsonValueKind.String } written || written.GetString() is not { Length: > 0 } operationText)
        {
            errors.Add(new ItemError(index, carrier.Field(operationField), "required: the operation the record audits (MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE …)"));
            return;
        }

        // The identity: the export's "identity" {authorization, claims}; the REST event's and the table's at the top.
        var identity = shape == Shape.Export ? record.Child("identity") : null;
        if (identity is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } notIdentity)
        {
            errors.Add(new ItemError(index, carrier.Field("identity"), $"expected an object, got {JsonFields.Describe(notIdentity)}"));
            return;
        }

        if (!Dynamic(record, shape, identity, "claims", "Claims", index, carrier, errors, out var claims)
            || !Dynamic(record, shape, identity, "authorization", "Authorization", index, carrier, errors, out var authorization)
            || !Dynamic(record, shape, null, "properties", "Properties", index, carrier, errors, out var properties))
        {
            return;
        }

        if (!K8sAuditMapper.TryRecordTime(record, shape switch { Shape.Table => TableTime, Shape.Rest => RestTime, _ => ExportTime }, index, options, carrier, errors, out var time, out var timeSource))
        {
            return;
        }

        var operation = operationText.ToUpperInvariant();
        var status = Text(record, shape, "resultType", "status", "ActivityStatusValue");
        var subStatus = Text(record, shape, "resultSignature", "subStatus", "ActivitySubstatusValue");
        var statusCode = properties?.String("statusCode");
        var outcome = Outcome(status, subStatus, statusCode, properties);

        var writtenAddress = Text(record, shape, "callerIpAddress", null, "CallerIpAddress") ?? record.Child("httpRequest").String("clientIpAddress");
        var address = writtenAddress is { Length: <= 64 } ip && IPAddress.TryParse(ip, out var parsed) ? ForwardedChain.Canonical(parsed) : null;
        var resourceId = Text(record, shape, "resourceId", "resourceId", "_ResourceId") ?? record.String("ResourceId");
        var subscription = (Text(record, shape, null, "subscriptionId", "SubscriptionId") ?? Segment(resourceId, "SUBSCRIPTIONS"))?.ToLowerInvariant();
        var tenant = Claim(claims, "tid", "http://schemas.microsoft.com/identity/claims/tenantid");
        var caller = Text(record, shape, null, "caller", "Caller");
        var (subjectId, subjectType, objectId, login) = Caller(claims, caller, address, subscription, operation, options);

        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        JsonFields.AddText(attributes, OperationAttribute, operation);
        JsonFields.AddText(attributes, "azure.status", status);
        JsonFields.AddText(attributes, "azure.sub_status", subStatus);
        JsonFields.AddText(attributes, "azure.status_code", statusCode);
        JsonFields.AddText(attributes, "azure.category", Text(record, shape, "category", "category", "CategoryValue"));
        JsonFields.AddText(attributes, "azure.event_category", properties?.String("eventCategory"));
        JsonFields.AddText(attributes, "azure.level", Text(record, shape, "level", "level", "Level"));
        JsonFields.AddText(attributes, "azure.subscription_id", subscription);
        JsonFields.AddText(attributes, "azure.resource_group", Segment(resourceId, "RESOURCEGROUPS")?.ToUpperInvariant());
        var correlationId = Text(record, shape, "correlationId", "correlationId", "CorrelationId");
        var eventDataId = Text(record, shape, null, "eventDataId", "EventDataId");
        JsonFields.AddText(attributes, "azure.correlation_id", correlationId);
        JsonFields.AddText(attributes, EventDataIdAttribute, eventDataId);
        JsonFields.AddText(attributes, "azure.caller", caller);
        JsonFields.AddText(attributes, "azure.caller_ip_address", address is null ? writtenAddress : null);
        JsonFields.AddText(attributes, "azure.app_id", Claim(claims, "appid", "azp"));
        JsonFields.AddText(attributes, "azure.caller_role", authorization?.Child("evidence").String("role"));
        JsonFields.AddText(attributes, "azure.caller_principal_type", authorization?.Child("evidence").String("principalType"));
        JsonFields.AddText(attributes, "azure.authorization_scope", authorization.String("scope"));
        JsonFields.AddText(attributes, IdentityAttributes.IdpUserId, objectId);
        JsonFields.AddText(attributes, IdentityAttributes.IdpLogin, login);
        JsonFields.AddText(attributes, TimeSources.Attribute, timeSource);
        if (properties is { } p)
        {
            AzureActivityBodies.Add(attributes, operation, p);
        }

        foreach (var (key, value) in carrier.Attributes)
        {
            attributes[key] = JsonFields.Of(value);
        }

        var raw = RawObject.Bounded(record, options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        items.Add(new MappedEvent(index, new AccessEvent
        {
            Id = OperationId(correlationId, operation, resourceId, caller ?? subjectId)
                ?? (eventDataId is { Length: > 0 } ? Clip(eventDataId, options.MaxFieldLength) : DerivedId(record, shape, operation, status, resourceId, caller ?? subjectId)),
            Time = time,
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = Clip(subjectId, options.MaxFieldLength), Type = subjectType, Tenant = tenant },
            Network = address is null ? null : new NetworkInfo { SrcIp = address },
            Resource = resourceId is { Length: > 0 }
                ? new ResourceRef { Type = ResourceType(resourceId) is { } type ? Clip(type, options.MaxFieldLength) : null, Id = Clip(resourceId, options.MaxFieldLength) }
                : null,
            Action = Clip(operation, options.MaxFieldLength),
            Status = outcome switch
            {
                Outcomes.Success => 200,
                Outcomes.Denied => 403,
                _ => null,
            },
            Outcome = outcome,
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null)
        {
            options.Dated(time);
        }
    }

    /// <summary>
    /// How the operation ended, from the status Azure writes (<c>resultType</c>, <c>status.value</c>,
    /// <c>ActivityStatusValue</c>): <c>Success</c>/<c>Succeeded</c> is success; <c>Failure</c>/<c>Failed</c> is denied when
    /// Resource Manager refused it (sub-status or status code <c>Forbidden</c>, or <c>AuthorizationFailed</c> in the
    /// status message), any other failure an error. <c>Start</c>/<c>Started</c>, <c>Accept</c>/<c>Accepted</c> and
    /// <c>In Progress</c> records have none: the operation has not ended.
    /// </summary>
    private static string? Outcome(string? status, string? subStatus, string? statusCode, JsonElement? properties)
    {
        if (status is null)
        {
            return null;
        }

        if (status.Equals("Success", StringComparison.OrdinalIgnoreCase) || status.Equals("Succeeded", StringComparison.OrdinalIgnoreCase))
        {
            return Outcomes.Success;
        }

        if (!status.Equals("Failure", StringComparison.OrdinalIgnoreCase) && !status.Equals("Failed", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var refused = (subStatus?.StartsWith("Forbidden", StringComparison.OrdinalIgnoreCase) ?? false)
            || (subStatus?.EndsWith(".Forbidden", StringComparison.OrdinalIgnoreCase) ?? false)
            || string.Equals(statusCode, "Forbidden", StringComparison.OrdinalIgnoreCase)
            || (properties?.String("statusMessage")?.Contains("AuthorizationFailed", StringComparison.Ordinal) ?? false);
        return refused ? Outcomes.Denied : Outcomes.Error;
    }

    /// <summary>
    /// The caller, named as the Entra ID adapter names the same identity: a user by its UPN (claims <c>upn</c>, else
    /// <c>unique_name</c>/<c>…/claims/name</c> when it is an address) in the one form of login names (a guest's directory
    /// name turned back into its home address) — or by its object id when <c>Ingest:IdentitySubjects:entra=user_id</c>; a
    /// service principal or managed identity by its application id (<c>appid</c>, <c>azp</c>), else its object id. Without
    /// claims, the REST event's or the table's <c>Caller</c> (a UPN, or a GUID); else the address; else the subscription and
    /// the operation.
    /// </summary>
    private static (string Id, string Type, string? ObjectId, string? Login) Caller(
        JsonElement? claims, string? caller, string? address, string? subscription, string operation, SourceMapOptions options)
    {
        var objectId = Claim(claims, "oid", "http://schemas.microsoft.com/identity/claims/objectidentifier");
        var upn = Claim(claims, "upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn")
            ?? (Claim(claims, "unique_name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name") is { } name && name.Contains('@', StringComparison.Ordinal) ? name.Trim() : null)
            ?? (Claim(claims, "appid", "azp") is null && caller is not null && caller.Contains('@', StringComparison.Ordinal) ? caller : null);
        if (upn is not null && EntraMapper.UserName(upn, objectId) is { Length: > 0 } user)
        {
            return options.EntraSubjectIsUserId && objectId is { Length: > 0 } ? (objectId, "user", objectId, user) : (user, "user", objectId, null);
        }

        if ((Claim(claims, "appid", "azp") ?? objectId) is { } app)
        {
            return (app, "service_account", objectId, null);
        }

        if (caller is { Length: > 0 })
        {
            return caller.Contains('@', StringComparison.Ordinal) && EntraMapper.UserName(caller) is { Length: > 0 } named
                ? (named, "user", null, null)
                : (caller, Guid.TryParse(caller, out _) ? "service_account" : "user", null, null);
        }

        return address is not null
            ? ("ip:" + address, "anonymous", null, null)
            : ($"{UnnamedCaller}{subscription ?? "-"}/{operation}", "anonymous", null, null);
    }

    /// <summary>A claim by its short name or the URI the v1 tokens Resource Manager logs write it under.</summary>
    private static string? Claim(JsonElement? claims, string shortName, string uri) =>
        claims is { ValueKind: JsonValueKind.Object } c ? c.String(shortName) is { Length: > 0 } value ? value : c.String(uri) is { Length: > 0 } other ? other : null : null;

    /// <summary>
    /// A member that Log Analytics types <c>dynamic</c> (the table's <c>Claims</c>, <c>Authorization</c>, <c>Properties</c>,
    /// or their <c>_d</c> twins), as an object or JSON text; the export's inside <paramref name="identity"/>, the REST
    /// event's at the top. False, with the item's error, for text that is not a JSON object or a value of another type.
    /// </summary>
    private static bool Dynamic(
        JsonElement record, Shape shape, JsonElement? identity, string name, string column, int index, AuditCarrier carrier, List<ItemError> errors, out JsonElement? value)
    {
        value = null;
        var (field, member) = shape switch
        {
            Shape.Table => record.Child(column + "_d") is { ValueKind: not JsonValueKind.Null } typed ? (column + "_d", typed) : (column, record.Child(column)),
            Shape.Export when name != "properties" => ("identity." + name, identity?.Child(name)),
            _ => (name, record.Child(name)),
        };
        switch (member)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return true;
            case { ValueKind: JsonValueKind.Object } o:
                value = o;
                return true;
            case { ValueKind: JsonValueKind.String } text when text.GetString() is { Length: 0 }:
                return true;
            case { ValueKind: JsonValueKind.String } text:
                if (!JsonPayload.TryParseText(text.GetString()!, out var parsed, out var notJson) || parsed.RootElement.ValueKind != JsonValueKind.Object)
                {
                    parsed?.Dispose();
                    errors.Add(new ItemError(index, carrier.Field(field), $"not a JSON object: {notJson ?? "expected an object"}"));
                    return false;
                }

                using (parsed)
                {
                    value = parsed.RootElement.Clone();
                }

                return true;
            case { } other:
                errors.Add(new ItemError(index, carrier.Field(field), $"expected an object, got {JsonFields.Describe(other)}"));
                return false;
        }
    }

    /// <summary>A string member by its name in each shape (null: the shape has none); the REST API's <c>{value, localizedValue}</c> read as its value.</summary>
    private static string? Text(JsonElement record, Shape shape, string? export, string? rest, string? table)
    {
        var name = shape switch
        {
            Shape.Table => table,
            Shape.Rest => rest,
            _ => export,
        };
        return name is null ? null : record.Child(name) switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString() is { Length: > 0 } text ? text : null,
            { ValueKind: JsonValueKind.Object } o => o.String("value") is { Length: > 0 } value ? value : null,
            _ => null,
        };
    }

    /// <summary>The segment after <c>/NAME/</c> in a resource id, without regard to case.</summary>
    private static string? Segment(string? resourceId, string name)
    {
        var marker = $"/{name}/";
        var at = resourceId?.IndexOf(marker, StringComparison.OrdinalIgnoreCase) ?? -1;
        if (at < 0)
        {
            return null;
        }

        var rest = resourceId![(at + marker.Length)..];
        var end = rest.IndexOf('/', StringComparison.Ordinal);
        var segment = end < 0 ? rest : rest[..end];
        return segment.Length == 0 ? null : segment;
    }

    /// <summary><c>…/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG/SECURITYRULES/R</c> → <c>MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES</c>.</summary>
    private static string? ResourceType(string resourceId)
    {
        const string Marker = "/PROVIDERS/";
        var at = resourceId.LastIndexOf(Marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        var parts = resourceId[(at + Marker.Length)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return null;
        }

        var type = new List<string> { parts[0] };
        for (var i = 1; i < parts.Length; i += 2)
        {
            type.Add(parts[i]);
        }

        return string.Join('/', type).ToUpperInvariant();
    }

    /// <summary>
    /// The id of an operation's records: a digest of its correlation id, operation, resource and caller, the same for its
    /// Started, Accepted and Succeeded or Failed records, so the Verifier reads them as the stages of one access (its
    /// outcome comes with the last), as it reads a Kubernetes request's (docs/sources.md, "One operation, several
    /// records"). Null without a correlation id: nothing then ties a record to the others of its operation.
    /// </summary>
    private static string? OperationId(string? correlationId, string operation, string? resourceId, string caller) =>
        correlationId is { Length: > 0 } ? DerivedIds.Of(DerivedIdPrefix, "operation", correlationId.ToLowerInvariant(), operation, resourceId?.ToUpperInvariant(), caller) : null;

    /// <summary>
    /// The id of a record without <c>eventDataId</c> (the export writes none): a digest of what names this record of the
    /// operation — its time, correlation id, operation, status, resource and caller — so a record delivered twice is one
    /// event and the Started and Succeeded records of one operation are two.
    /// </summary>
    private static string DerivedId(JsonElement record, Shape shape, string operation, string? status, string? resourceId, string caller)
    {
        var time = Text(record, shape, "time", "eventTimestamp", "TimeGenerated");
        return time is null
            ? DerivedIds.Of(DerivedIdPrefix, record.GetRawText())
            : DerivedIds.Of(DerivedIdPrefix, time, Text(record, shape, "correlationId", "correlationId", "CorrelationId"), operation, status, resourceId?.ToUpperInvariant(), caller);
    }

    private static string Clip(string text, int maxLength) => ItemError.Clip(text, maxLength - 1);
}
