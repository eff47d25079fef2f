namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// Field names of a vendor's own record (an identity provider's, a cloud's audit log), read from the event's raw object:
/// the dotted paths of the vendor's JSON, matched in any case (SigmaHQ writes <c>eventtype</c> and <c>actor.alternateid</c> where Okta writes
/// <c>eventType</c> and <c>actor.alternateId</c>). A record may arrive inside an envelope (Auth0's log stream wraps each
/// log as <c>{log_id, data:{…}}</c>, Azure Monitor puts an Entra record's details under <c>properties</c>) or without
/// one (the Management API's bare log, Log Analytics' flat row, Microsoft Graph): a field is read in the record and in
/// each envelope, any value counting, whether the rule names the envelope (<c>data.type</c>) or not (<c>type</c>); so
/// <c>Category</c> reads an Entra audit's <c>RoleManagement</c> whether it is Log Analytics' column or sits under an
/// export's <c>properties</c> (whose top-level <c>category</c> is <c>AuditLogs</c>). Splunk's
/// array suffix <c>{}</c> (<c>scope{}</c>) means what any field means over an array: any element.
/// </summary>
/// <param name="Record">The record's name in messages ("an Okta LogEvent").</param>
/// <param name="Envelopes">The prefixes a field is read under; "" is the record itself.</param>
/// <param name="Aliases">
/// Lower-cased names rules use that are not record paths → the paths they mean, tried in order after the name itself; a
/// field below an aliased name (<c>properties.message</c> for <c>properties</c>) is read below each path it means.
/// </param>
/// <param name="Members">The record's top-level members, when its schema is closed: a field under any other is an error naming it.</param>
/// <param name="Renamed">A SIEM's name for a record path → the path (null when the name is none of its), tried after the name itself.</param>
/// <param name="Derived">
/// Lower-cased names a SIEM derives from the record rather than reads in it → the event field that holds what it derives.
/// </param>
internal sealed record VendorRecordFields(
    string Record,
    IReadOnlyList<string> Envelopes,
    IReadOnlyDictionary<string, string[]> Aliases,
    IReadOnlySet<string>? Members = null,
    Func<string, string?>? Renamed = null,
    IReadOnlyDictionary<string, Func<string, FieldPath>>? Derived = null) : IFieldResolver
{
    /// <summary>
    /// <c>product: okta</c>: an Okta System Log <c>LogEvent</c> (one event of an event hook delivery, or of the System
    /// Log API). SigmaHQ's <c>alternateId</c> without a parent is the actor's (<c>actor.alternateId</c>); Elastic's Okta
    /// integration's names (<c>okta.event_type</c>, <c>okta.actor.alternate_id</c>), which some SigmaHQ rules use, are
    /// the LogEvent's paths (<see cref="ElasticOkta"/>).
    /// </summary>
    public static VendorRecordFields Okta { get; } = new(
        "an Okta LogEvent",
        [""],
        new Dictionary<string, string[]>(StringComparer.Ordinal) { ["alternateid"] = ["actor.alternateId"] },
        new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "uuid", "published", "eventType", "version", "severity", "legacyEventType", "displayMessage", "actor", "client",
            "device", "outcome", "target", "transaction", "debugContext", "authenticationContext", "securityContext", "request",
        },
        ElasticOkta);

    /// <summary><c>product: auth0</c>: an Auth0 log event, wrapped by a log stream (<c>data</c>) or bare.</summary>
    public static VendorRecordFields Auth0 { get; } = new("an Auth0 log", ["data", ""], new Dictionary<string, string[]>(StringComparer.Ordinal));

    /// <summary>
    /// <c>product: azure</c>: an Entra ID sign-in or audit record as Azure Monitor exports it (details under
    /// <c>properties</c>), as Log Analytics returns it (flat, PascalCase) or as Microsoft Graph does (flat, camelCase,
    /// where the result code is <c>status.errorCode</c> and the activity <c>activityDisplayName</c>). SigmaHQ's
    /// <c>Status: failure</c> on an audit record means its <c>result</c> (a sign-in's <c>status</c> is an object).
    /// </summary>
    public static VendorRecordFields Entra { get; } = new(
        "an Entra ID record",
        ["", "properties"],
        new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["resulttype"] = ["status.errorCode"],
            ["resultdescription"] = ["status.failureReason"],
            ["operationname"] = ["activityDisplayName"],
            ["status"] = ["result"],
        });

    /// <summary>
    /// <c>product: aws, service: cloudtrail</c>: an AWS CloudTrail record (the S3 file's, EventBridge's <c>detail</c>, a
    /// CloudWatch Logs or Firehose delivery's message), named by its own paths as SigmaHQ's rules write them
    /// (<c>eventName</c>, <c>userIdentity.type</c>, <c>requestParameters.PublicAccessBlockConfiguration.BlockPublicAcls</c>).
    /// The members are those of CloudTrail's record contents reference: a field under any other is an error naming it.
    /// SigmaHQ's older rules also write <c>status</c> and <c>action</c> (<c>success</c>, <c>failure</c>), which no record
    /// holds: SIEMs derive them, success being a call without an <c>errorCode</c> (and a console sign-in whose
    /// <c>responseElements.ConsoleLogin</c> is <c>Success</c>). They read the outcome Ingest derived the same way.
    /// </summary>
    public static VendorRecordFields CloudTrail { get; } = new(
        "an AWS CloudTrail record",
        [""],
        new Dictionary<string, string[]>(StringComparer.Ordinal),
        new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
            "errorCode", "errorMessage", "requestParameters", "responseElements", "additionalEventData", "requestID", "eventID",
            "eventType", "apiVersion", "managementEvent", "readOnly", "resources", "recipientAccountId", "serviceEventDetails",
            "sharedEventID", "vpcEndpointId", "vpcEndpointAccountId", "eventCategory", "addendum", "sessionCredentialFromConsole",
            "edgeDeviceDetails", "tlsDetails", "insightDetails",
        },
        Derived: new Dictionary<string, Func<string, FieldPath>>(StringComparer.Ordinal)
        {
            ["status"] = SuccessOrFailure,
            ["action"] = SuccessOrFailure,
        });

    /// <summary>
    /// <c>product: azure, service: activitylogs</c>: an Azure Activity Log record in any of the three shapes Ingest takes
    /// (docs/sources.md): a diagnostic setting's export (<c>operationName</c> a string, the caller's claims under
    /// <c>identity</c>), the REST API's event (<c>operationName.value</c>, <c>status.value</c>) or a row of the
    /// <c>AzureActivity</c> table (<c>OperationNameValue</c>, <c>ActivityStatusValue</c>, <c>Properties_d</c>). SigmaHQ's
    /// <c>operationName</c>, <c>status</c>, <c>category</c>, <c>properties.*</c>, <c>claims.*</c> read the same value in each
    /// shape; a field no shape has is an error naming it.
    /// </summary>
    public static VendorRecordFields AzureActivity { get; } = new(
        "an Azure Activity Log record",
        [""],
        new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["operationname"] = ["operationName.value", "OperationNameValue"],
            ["status"] = ["status.value", "ActivityStatusValue", "resultType"],
            ["substatus"] = ["subStatus.value", "ActivitySubstatusValue", "resultSignature"],
            ["category"] = ["category.value", "CategoryValue"],
            ["resourceprovidername"] = ["resourceProviderName.value", "ResourceProviderValue"],
            ["resourceid"] = ["_ResourceId"],
            ["calleripaddress"] = ["httpRequest.clientIpAddress"],
            ["properties"] = ["Properties_d"],
            ["claims"] = ["identity.claims", "Claims_d"],
            ["authorization"] = ["identity.authorization", "Authorization_d"],
        },
        new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            // A diagnostic setting's export.
            "time", "resourceId", "operationName", "category", "resultType", "resultSignature", "resultDescription", "durationMs",
            "callerIpAddress", "correlationId", "identity", "level", "location", "properties", "tenantId", "operationVersion",

            // The REST API's event.
            "authorization", "caller", "channels", "claims", "description", "eventDataId", "eventName", "eventTimestamp", "httpRequest",
            "id", "operationId", "resourceGroupName", "resourceProviderName", "resourceType", "status", "subStatus",
            "submissionTimestamp", "subscriptionId",

            // A row of the AzureActivity table.
            "TenantId", "SourceSystem", "CategoryValue", "Authorization_d", "Claims_d", "OperationNameValue", "Properties_d",
            "EventSubmissionTimestamp", "HTTPRequest", "ResourceGroup", "ResourceProviderValue", "ActivityStatusValue",
            "ActivitySubstatusValue", "Hierarchy", "TimeGenerated", "ActivityStatus", "ActivitySubstatus", "ResourceProvider",
            "Resource", "Type", "_ResourceId",
        });

    public FieldPath Resolve(string name)
    {
        var field = name.Replace("{}", "", StringComparison.Ordinal);
        if (field.Length == 0)
        {
            throw new RuleFormatException($"field '{name}' names nothing in {Record}");
        }

        if (Derived is not null && Derived.TryGetValue(field.ToLowerInvariant(), out var derived))
        {
            return derived(name);
        }

        // A rule may name the envelope (data.type) or not (type): both read the same member.
        foreach (var envelope in Envelopes)
        {
            if (envelope.Length > 0 && field.Length > envelope.Length + 1 && field.StartsWith(envelope + ".", StringComparison.OrdinalIgnoreCase))
            {
                field = field[(envelope.Length + 1)..];
                break;
            }
        }

        string[] meant = [field, .. Aliased(field)];
        if (Renamed?.Invoke(field) is { } renamed)
        {
            meant = [.. meant, renamed];
        }

        if (Members is not null && Array.Find(meant, m => Members.Contains(FirstKey(m))) is null)
        {
            throw new RuleFormatException($"field '{name}' is not a field of {Record} (its fields are under {string.Join(", ", Members)})");
        }

        var paths = new List<FieldPath>();
        foreach (var path in meant)
        {
            foreach (var envelope in Envelopes)
            {
                paths.Add(FieldPath.RawIgnoringCase(name, envelope.Length == 0 ? path : envelope + "." + path));
            }
        }

        return FieldPath.AnyOf(name, paths);
    }

    /// <summary><c>success</c> for a call that succeeded, <c>failure</c> for one refused or failed, nothing when the record does not say.</summary>
    private static FieldPath SuccessOrFailure(string name) => FieldPath.CanonicalText(name, e => e.Outcome switch
    {
        Outcomes.Success => "success",
        Outcomes.Denied or Outcomes.Error => "failure",
        _ => null,
    });

    /// <summary>The paths an aliased name means, and below an aliased name the same field below each (<see cref="Aliases"/>).</summary>
    private IEnumerable<string> Aliased(string field)
    {
        var lower = field.ToLowerInvariant();
        if (Aliases.TryGetValue(lower, out var paths))
        {
            return paths;
        }

        var dot = lower.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Aliases.TryGetValue(lower[..dot], out var parents) ? parents.Select(p => p + field[dot..]) : [];
    }

    /// <summary>
    /// Elastic's Okta integration (its <c>system</c> data stream) keeps the LogEvent under <c>okta.</c> with each key in
    /// snake_case (<c>okta.debug_context.debug_data.request_uri</c> is <c>debugContext.debugData.requestUri</c>), and
    /// renames three: <c>client.ip</c> (<c>client.ipAddress</c>), <c>security_context.as.number</c> and
    /// <c>security_context.as.organization.name</c> (<c>securityContext.asNumber</c>, <c>.asOrg</c>). A rule may
    /// also write the LogEvent's own keys under <c>okta.</c> (<c>okta.debugContext.debugData.behaviors</c>).
    /// </summary>
    internal static string? ElasticOkta(string field)
    {
        const string Prefix = "okta.";
        if (field.Length <= Prefix.Length || !field.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var path = string.Join('.', field[Prefix.Length..].Split('.').Select(CamelCase));
        foreach (var (elastic, logEvent) in ElasticOktaRenames)
        {
            if (path.Equals(elastic, StringComparison.OrdinalIgnoreCase))
            {
                return logEvent;
            }
        }

        return path;
    }

    private static readonly (string Elastic, string LogEvent)[] ElasticOktaRenames =
    [
        ("client.ip", "client.ipAddress"),
        ("securityContext.as.number", "securityContext.asNumber"),
        ("securityContext.as.organization.name", "securityContext.asOrg"),
    ];

    private static string CamelCase(string key)
    {
        var parts = key.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    internal static string FirstKey(string path)
    {
        var end = path.IndexOfAny(['.', '[']);
        return end < 0 ? path : path[..end];
    }
}
