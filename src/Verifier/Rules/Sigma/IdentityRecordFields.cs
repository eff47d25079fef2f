namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// Field names of an identity provider's own record, read from the event's raw object: the dotted paths of the vendor's
/// JSON, matched in any case (SigmaHQ writes <c>eventtype</c> and <c>actor.alternateid</c> where Okta writes
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
/// <param name="Aliases">Lower-cased names rules use that are not record paths → the paths they mean, tried in order after the name itself.</param>
/// <param name="Members">The record's top-level members, when its schema is closed: a field under any other is an error naming it.</param>
/// <param name="Renamed">A SIEM's name for a record path → the path (null when the name is none of its), tried after the name itself.</param>
internal sealed record IdentityRecordFields(
    string Record,
    IReadOnlyList<string> Envelopes,
    IReadOnlyDictionary<string, string[]> Aliases,
    IReadOnlySet<string>? Members = null,
    Func<string, string?>? Renamed = null) : IFieldResolver
{
    /// <summary>
    /// <c>product: okta</c>: an Okta System Log <c>LogEvent</c> (one event of an event hook delivery, or of the System
    /// Log API). SigmaHQ's <c>alternateId</c> without a parent is the actor's (<c>actor.alternateId</c>); Elastic's Okta
    /// integration's names (<c>okta.event_type</c>, <c>okta.actor.alternate_id</c>), which some SigmaHQ rules use, are
    /// the LogEvent's paths (<see cref="ElasticOkta"/>).
    /// </summary>
    public static IdentityRecordFields Okta { get; } = new(
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
    public static IdentityRecordFields Auth0 { get; } = new("an Auth0 log", ["data", ""], new Dictionary<string, string[]>(StringComparer.Ordinal));

    /// <summary>
    /// <c>product: azure</c>: an Entra ID sign-in or audit record as Azure Monitor exports it (details under
    /// <c>properties</c>), as Log Analytics returns it (flat, PascalCase) or as Microsoft Graph does (flat, camelCase,
    /// where the result code is <c>status.errorCode</c> and the activity <c>activityDisplayName</c>). SigmaHQ's
    /// <c>Status: failure</c> on an audit record means its <c>result</c> (a sign-in's <c>status</c> is an object).
    /// </summary>
    public static IdentityRecordFields Entra { get; } = new(
        "an Entra ID record",
        ["", "properties"],
        new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["resulttype"] = ["status.errorCode"],
            ["resultdescription"] = ["status.failureReason"],
            ["operationname"] = ["activityDisplayName"],
            ["status"] = ["result"],
        });

    public FieldPath Resolve(string name)
    {
        var field = name.Replace("{}", "", StringComparison.Ordinal);
        if (field.Length == 0)
        {
            throw new RuleFormatException($"field '{name}' names nothing in {Record}");
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

        string[] meant = Aliases.TryGetValue(field.ToLowerInvariant(), out var alias) ? [field, .. alias] : [field];
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
