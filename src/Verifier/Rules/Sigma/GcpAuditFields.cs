namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// <c>product: gcp, service: gcp.audit</c>: a Cloud Audit Logs <c>LogEntry</c> whose <c>protoPayload</c> is an
/// <c>AuditLog</c>, as Ingest keeps it for a GKE event (<c>raw.logEntry</c>, its request and response bodies moved to
/// <c>raw.requestObject</c>/<c>raw.responseObject</c>). SigmaHQ's rules name fields two ways, both read here:
/// <list type="bullet">
/// <item>Elastic's GCP audit integration's names (<c>gcp.audit.method_name</c>,
/// <c>gcp.audit.authentication_info.principal_email</c> …), mapped to the entry's paths as that integration maps them
/// (<see cref="Ecs"/>); a name it does not define is an error naming it.</item>
/// <item>The entry's own paths (<c>protoPayload.methodName</c>, <c>resource.type</c>, <c>logName</c>), also under the
/// <c>data.</c> a Pub/Sub message or a SIEM's wrapper puts them in; a path outside the <c>LogEntry</c> and
/// <c>AuditLog</c> schemas is an error naming it.</item>
/// </list>
/// Request and response bodies are Structs whose keys a rule may write in the proto's snake_case
/// (<c>source_ranges</c>) where Google's JSON writes lowerCamelCase (<c>sourceRanges</c>): both are read, as the proto3
/// JSON mapping accepts both.
/// </summary>
internal sealed class GcpAuditFields : IFieldResolver
{
    public static readonly GcpAuditFields Instance = new();

    private const string EcsPrefix = "gcp.audit.";
    private const string Entry = CloudAuditEntry.EntryMember + ".";
    private const string Payload = Entry + "protoPayload.";
    private const string RequestBody = "requestObject";
    private const string ResponseBody = "responseObject";

    /// <summary>The members of a <c>LogEntry</c> (Cloud Logging API v2).</summary>
    private static readonly HashSet<string> LogEntryMembers = new(StringComparer.Ordinal)
    {
        "logName", "resource", "protoPayload", "textPayload", "jsonPayload", "timestamp", "receiveTimestamp", "severity", "insertId",
        "httpRequest", "labels", "operation", "trace", "spanId", "traceSampled", "sourceLocation", "split", "errorGroups", "apphub",
        "apphubDestination", "apphubSource",
    };

    /// <summary>The members of a <c>google.cloud.audit.AuditLog</c>.</summary>
    private static readonly HashSet<string> AuditLogMembers = new(StringComparer.Ordinal)
    {
        "@type", "serviceName", "methodName", "resourceName", "resourceLocation", "resourceOriginalState", "numResponseItems", "status",
        "authenticationInfo", "authorizationInfo", "policyViolationInfo", "requestMetadata", "request", "response", "metadata", "serviceData",
    };

    /// <summary>
    /// Elastic's <c>gcp.audit.*</c> fields (its GCP integration's audit data stream) → where they are read in
    /// <c>raw</c>. An open entry reads any path below it too (a Struct, a map, or a message read by its proto field names).
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, (string Path, Below Below)> Ecs = new Dictionary<string, (string, Below)>(StringComparer.Ordinal)
    {
        ["type"] = (Payload + "@type", Below.Nothing),
        ["method_name"] = (Payload + "methodName", Below.Nothing),
        ["service_name"] = (Payload + "serviceName", Below.Nothing),
        ["resource_name"] = (Payload + "resourceName", Below.Nothing),
        ["num_response_items"] = (Payload + "numResponseItems", Below.Nothing),
        ["resource_location.current_locations"] = (Payload + "resourceLocation.currentLocations", Below.Nothing),
        ["status.code"] = (Payload + "status.code", Below.Nothing),
        ["status.message"] = (Payload + "status.message", Below.Nothing),
        ["authentication_info.principal_email"] = (Payload + "authenticationInfo.principalEmail", Below.Nothing),
        ["authentication_info.principal_subject"] = (Payload + "authenticationInfo.principalSubject", Below.Nothing),
        ["authentication_info.authority_selector"] = (Payload + "authenticationInfo.authoritySelector", Below.Nothing),
        ["authentication_info.service_account_key_name"] = (Payload + "authenticationInfo.serviceAccountKeyName", Below.Nothing),
        ["authentication_info.service_account_delegation_info"] = (Payload + "authenticationInfo.serviceAccountDelegationInfo", Below.ProtoNames),
        ["authentication_info.third_party_principal"] = (Payload + "authenticationInfo.thirdPartyPrincipal", Below.ProtoNames),
        ["authorization_info.permission"] = (Payload + "authorizationInfo.permission", Below.Nothing),
        ["authorization_info.granted"] = (Payload + "authorizationInfo.granted", Below.Nothing),
        ["authorization_info.resource"] = (Payload + "authorizationInfo.resource", Below.Nothing),
        ["authorization_info.resource_attributes"] = (Payload + "authorizationInfo.resourceAttributes", Below.ProtoNames),
        ["request_metadata.caller_ip"] = (Payload + "requestMetadata.callerIp", Below.Nothing),
        ["request_metadata.raw.caller_ip"] = (Payload + "requestMetadata.callerIp", Below.Nothing),
        ["request_metadata.caller_supplied_user_agent"] = (Payload + "requestMetadata.callerSuppliedUserAgent", Below.Nothing),
        ["logentry_operation.id"] = (Entry + "operation.id", Below.Nothing),
        ["logentry_operation.producer"] = (Entry + "operation.producer", Below.Nothing),
        ["logentry_operation.first"] = (Entry + "operation.first", Below.Nothing),
        ["logentry_operation.last"] = (Entry + "operation.last", Below.Nothing),
        ["labels"] = (Entry + "labels", Below.Keys),
        ["request"] = (RequestBody, Below.ProtoNames),
        ["response"] = (ResponseBody, Below.ProtoNames),
    };

    /// <summary>What a path below an <see cref="Ecs"/> entry may name.</summary>
    internal enum Below
    {
        /// <summary>Nothing: the entry is a value.</summary>
        Nothing,

        /// <summary>Keys as written (a map, such as the entry's labels).</summary>
        Keys,

        /// <summary>Keys as written, or their lowerCamelCase JSON names where written in snake_case.</summary>
        ProtoNames,
    }

    public FieldPath Resolve(string name)
    {
        if (name.StartsWith(EcsPrefix, StringComparison.Ordinal))
        {
            return ResolveEcs(name, name[EcsPrefix.Length..]);
        }

        // SigmaHQ's data.protoPayload.methodName: the entry inside a Pub/Sub message's or a SIEM's data.
        var path = name.StartsWith("data.", StringComparison.Ordinal) && LogEntryMembers.Contains(FirstKey(name[5..])) ? name[5..] : name;
        var first = FirstKey(path);
        if (!LogEntryMembers.Contains(first))
        {
            throw new RuleFormatException(
                $"field '{name}' is neither a gcp.audit.* field nor a path of the Cloud Audit Logs LogEntry (its members: {string.Join(", ", LogEntryMembers)})");
        }

        if (first != "protoPayload" || path.Length == first.Length)
        {
            return Read(name, Entry + path);
        }

        var inPayload = path[(first.Length + 1)..];
        var member = FirstKey(inPayload);
        var below = inPayload.Length == member.Length ? null : inPayload[(member.Length + 1)..];
        return member switch
        {
            // Ingest keeps the bodies once, as the native event's: where the Kubernetes rules read them too.
            "request" => Body(name, RequestBody, below),
            "response" => Body(name, ResponseBody, below),
            _ when AuditLogMembers.Contains(member) => Read(name, Payload + inPayload),

            // SigmaHQ writes the entry's own resource.type and logName under protoPayload (data.protoPayload.logName):
            // no AuditLog has them, so the rule can only mean the entry's.
            _ when LogEntryMembers.Contains(member) => Read(name, Entry + inPayload),
            _ => throw new RuleFormatException(
                $"field '{name}': '{member}' is not a member of the AuditLog in protoPayload (its members: {string.Join(", ", AuditLogMembers)})"),
        };
    }

    private static FieldPath ResolveEcs(string name, string field)
    {
        // The longest defined name the field is, or is under: status.code, labels.authorization.k8s.io/decision.
        for (var end = field.Length; end > 0; end = field.LastIndexOf('.', end - 1))
        {
            if (Ecs.TryGetValue(field[..end], out var mapped))
            {
                var below = end == field.Length ? null : field[(end + 1)..];
                return (below, mapped.Below) switch
                {
                    (null, _) => Read(name, mapped.Path),
                    (_, Below.Keys) => Read(name, mapped.Path + "." + below),
                    (_, Below.ProtoNames) => Body(name, mapped.Path, below),
                    _ => throw new RuleFormatException($"field '{name}': {EcsPrefix}{field[..end]} is a value, with no field '{below}' below it"),
                };
            }
        }

        throw new RuleFormatException(
            $"field '{name}' is not a field of Elastic's GCP audit mapping (its fields: {string.Join(", ", Ecs.Keys.Select(k => EcsPrefix + k))})");
    }

    /// <summary>A path in a request or response body (a Struct): as written, or with its snake_case keys in lowerCamelCase.</summary>
    private static FieldPath Body(string name, string body, string? below)
    {
        if (below is null)
        {
            return Read(name, body);
        }

        var camel = LowerCamel(below);
        return camel == below
            ? Read(name, body + "." + below)
            : FieldPath.AnyOf(name, [Read(name, body + "." + below), Read(name, body + "." + camel)]);
    }

    private static FieldPath Read(string name, string path) => FieldPath.Json(name, FieldRoot.Raw, "", path);

    private static string FirstKey(string path)
    {
        var end = path.IndexOf('.', StringComparison.Ordinal);
        return end < 0 ? path : path[..end];
    }

    /// <summary>source_ranges.ip_protocol → sourceRanges.ipProtocol (the proto3 JSON name of each snake_case key).</summary>
    private static string LowerCamel(string path)
    {
        if (!path.Contains('_', StringComparison.Ordinal))
        {
            return path;
        }

        var b = new StringBuilder(path.Length);
        var upper = false;
        foreach (var c in path)
        {
            if (c == '_' && b.Length > 0 && b[^1] != '.')
            {
                upper = true;
                continue;
            }

            b.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return b.ToString();
    }
}
