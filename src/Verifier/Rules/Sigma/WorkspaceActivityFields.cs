using System.Collections.Concurrent;

namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// <c>product: gcp</c> (or <c>google_workspace</c>), <c>service: google_workspace.APPLICATION</c>: a Google Workspace
/// activity of one application (<c>admin</c>, <c>login</c>, <c>drive</c> …), in either of the two records it comes in:
/// <list type="bullet">
/// <item>the Admin SDK Reports API's activity (Ingest's <c>google-workspace</c> source; the event's <c>raw</c> is the
/// activity with its one event: <c>id.applicationName</c>, <c>actor.email</c>, <c>ipAddress</c>, <c>events[].name</c>,
/// <c>events[].parameters[]</c>);</item>
/// <item>the Cloud Audit Logs entry Workspace writes when it shares its logs with Google Cloud (read by Ingest's Cloud Audit
/// Logs reader; <c>raw.logEntry</c>: <c>protoPayload.serviceName</c> <c>admin.googleapis.com</c>,
/// <c>protoPayload.metadata.event[].eventName</c>, <c>….parameter[]</c>).</item>
/// </list>
/// SigmaHQ's rules name the fields both ways — the taxonomy's <c>eventService</c>, <c>eventName</c> and a parameter by its
/// name (<c>new_value</c>, <c>setting_name</c>, <c>member_type</c>), or the entry's paths
/// (<c>protoPayload.metadata.event.eventName</c>) — and each name reads the same fact in both records. A parameter is found
/// by its name in any case (the Reports API writes Admin's as <c>NEW_VALUE</c>, SigmaHQ <c>new_value</c>), whichever of
/// <c>value</c>, <c>intValue</c>, <c>boolValue</c> or a list holds its value.
/// </summary>
internal sealed class WorkspaceActivityFields : IFieldResolver
{
    public static readonly WorkspaceActivityFields Instance = new();

    /// <summary>Ingest's name for the Reports API's records (<c>idp.name</c>).</summary>
    public const string Idp = "google-workspace";

    /// <summary>
    /// The applications whose Cloud Audit Logs service name Google documents (the Workspace audit logs shared with Google
    /// Cloud): an entry of another service is not read as an activity, and a Reports activity of another application has
    /// no <c>eventService</c>.
    /// </summary>
    private static readonly Dictionary<string, string> ServiceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["admin"] = "admin.googleapis.com",
        ["login"] = "login.googleapis.com",
    };

    /// <summary>The Cloud Audit Logs method Google names each application's events with: <c>google.admin.AdminService.addGroupMember</c>.</summary>
    private static readonly Dictionary<string, string> MethodPrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["admin"] = "google.admin.AdminService.",
        ["login"] = "google.login.LoginService.",
    };

    private const string Entry = CloudAuditEntry.EntryMember + ".";
    private const string Payload = Entry + "protoPayload.";
    private const string EntryEvents = Payload + "metadata.event";

    /// <summary>The members a Reports API parameter or an entry's parameter holds its value in, the first present counting.</summary>
    private static readonly string[] ValueMembers = ["value", "intValue", "boolValue", "multiValue", "multiStrValue", "multiIntValue", "messageValue", "multiMessageValue"];

    /// <summary>What a computed value is as JSON, made once per value.</summary>
    private static readonly ConcurrentDictionary<string, JsonElement> Texts = new(StringComparer.Ordinal);

    /// <summary>Names read, and where; any case. The taxonomy's name and the entry's path of one fact read it alike.</summary>
    private static readonly Dictionary<string, Func<string, FieldPath>> Mapped = new (string[] Names, Func<string, FieldPath> Path)[]
    {
        (["eventService", "protoPayload.serviceName"], Service),
        (["eventName", "protoPayload.metadata.event.eventName"], name => Both(name, "events.name", EntryEvents + ".eventName")),
        (["eventType", "protoPayload.metadata.event.eventType"], name => Both(name, "events.type", EntryEvents + ".eventType")),
        (["methodName", "protoPayload.methodName"], Method),
        (["principalEmail", "protoPayload.authenticationInfo.principalEmail"], name => Both(name, "actor.email", Payload + "authenticationInfo.principalEmail")),
        (["ipAddress", "callerIp", "protoPayload.requestMetadata.callerIp"], name => Both(name, "ipAddress", Payload + "requestMetadata.callerIp")),
    }.SelectMany(row => row.Names.Select(n => (Name: n, row.Path))).ToDictionary(row => row.Name, row => row.Path, StringComparer.OrdinalIgnoreCase);

    /// <summary>The Reports API activity's own members, read as written (<c>id.applicationName</c>, <c>actor.callerType</c>).</summary>
    private static readonly HashSet<string> ActivityMembers = new(["kind", "etag", "id", "actor", "ownerDomain", "ipAddress", "events", "resourceDetails"], StringComparer.Ordinal);

    public FieldPath Resolve(string name)
    {
        if (Mapped.TryGetValue(name, out var mapped))
        {
            return mapped(name);
        }

        var first = name.Split('.')[0];
        if (string.Equals(first, "protoPayload", StringComparison.Ordinal))
        {
            // SigmaHQ names a parameter as if it were a member of the entry's event (protoPayload.metadata.event.visibility).
            const string EventPrefix = "protoPayload.metadata.event.";
            if (name.StartsWith(EventPrefix, StringComparison.OrdinalIgnoreCase) && IsParameterName(name[EventPrefix.Length..]))
            {
                return Parameter(name, name[EventPrefix.Length..]);
            }

            return FieldPath.Json(name, FieldRoot.Raw, "", Entry + name);
        }

        if (name.Contains('.', StringComparison.Ordinal) && ActivityMembers.Contains(first))
        {
            return FieldPath.Json(name, FieldRoot.Raw, "", name);
        }

        return IsParameterName(name)
            ? Parameter(name, name)
            : throw new RuleFormatException(
                $"field '{name}' is not a field of a Google Workspace activity (its fields: {string.Join(", ", Mapped.Keys)}, a parameter by its name, the Reports API activity's paths or the Cloud Audit Logs entry's protoPayload paths)");
    }

    /// <summary>
    /// True for an event Ingest made from <paramref name="application"/>'s activity: a Reports API record of that
    /// application, or a Cloud Audit Logs entry of its service holding Workspace's activity.
    /// </summary>
    public static Node Activities(string application) => new ActivitiesOf(application);

    private static bool IsParameterName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static FieldPath Both(string name, string activityPath, string entryPath) =>
        FieldPath.AnyOf(name, [FieldPath.Json(name, FieldRoot.Raw, "", activityPath), FieldPath.Json(name, FieldRoot.Raw, "", entryPath)]);

    private static FieldPath Service(string name) => FieldPath.AnyOf(name, [
        FieldPath.Json(name, FieldRoot.Raw, "", Payload + "serviceName"),
        FieldPath.Found(name, "workspace:service", e => ServiceNames.TryGetValue(Application(e) ?? "", out var service) ? Text(service) : null),
    ]);

    private static FieldPath Method(string name) => FieldPath.AnyOf(name, [
        FieldPath.Json(name, FieldRoot.Raw, "", Payload + "methodName"),
        FieldPath.Found(name, "workspace:method", e =>
            MethodPrefixes.TryGetValue(Application(e) ?? "", out var prefix) && EventName(e) is { } eventName ? Text(prefix + LowerCamel(eventName)) : null),
    ]);

    /// <summary>The parameter named <paramref name="parameter"/> (any case) of the activity's events, or of the entry's.</summary>
    private static FieldPath Parameter(string name, string parameter) =>
        FieldPath.Found(name, "workspace:parameter:" + parameter.ToUpperInvariant(), e =>
            e.Raw is not { ValueKind: JsonValueKind.Object } raw ? null
            : raw.TryGetProperty("events", out var events) ? ParameterIn(events, "parameters", parameter)
            : raw.TryGetProperty(CloudAuditEntry.EntryMember, out var entry) && entry.ValueKind == JsonValueKind.Object
                && entry.TryGetProperty("protoPayload", out var payload) && payload.ValueKind == JsonValueKind.Object
                && payload.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("event", out var entryEvents)
                ? ParameterIn(entryEvents, "parameter", parameter)
                : null);

    /// <summary>The value of the first parameter named <paramref name="parameter"/> in <paramref name="events"/> (a list, or one event).</summary>
    private static JsonElement? ParameterIn(JsonElement events, string member, string parameter)
    {
        if (events.ValueKind == JsonValueKind.Object)
        {
            return ValueOf(events, member, parameter);
        }

        if (events.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in events.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && ValueOf(item, member, parameter) is { } value)
                {
                    return value;
                }
            }
        }

        return null;
    }

    private static JsonElement? ValueOf(JsonElement @event, string member, string parameter)
    {
        if (!@event.TryGetProperty(member, out var parameters) || parameters.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var p in parameters.EnumerateArray())
        {
            if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                && string.Equals(n.GetString(), parameter, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var valueMember in ValueMembers)
                {
                    if (p.TryGetProperty(valueMember, out var value))
                    {
                        return value;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The application of a Reports API activity (<c>id.applicationName</c>); null for anything else.</summary>
    private static string? Application(AccessEvent e) =>
        e.Raw is { ValueKind: JsonValueKind.Object } raw && raw.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Object
        && id.TryGetProperty("applicationName", out var application) && application.ValueKind == JsonValueKind.String
            ? application.GetString()
            : null;

    /// <summary>The name of a Reports API activity's event (its one event, as the event's <c>raw</c> keeps it).</summary>
    private static string? EventName(AccessEvent e)
    {
        if (e.Raw is not { ValueKind: JsonValueKind.Object } raw || !raw.TryGetProperty("events", out var events))
        {
            return null;
        }

        var first = events.ValueKind == JsonValueKind.Array && events.GetArrayLength() > 0 ? events[0] : events;
        return first.ValueKind == JsonValueKind.Object && first.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;
    }

    /// <summary>ADD_GROUP_MEMBER → addGroupMember, login_failure → loginFailure, 2sv_disable → 2svDisable.</summary>
    internal static string LowerCamel(string eventName)
    {
        var words = eventName.Split('_', StringSplitOptions.RemoveEmptyEntries);
        var b = new StringBuilder(eventName.Length);
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i].ToLowerInvariant();
            b.Append(i == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..]);
        }

        return b.ToString();
    }

    private static JsonElement Text(string value) => Texts.GetOrAdd(value, v => JsonSerializer.SerializeToElement(v));

    /// <summary>The events of one application's activities; kinds are checked here too, as <see cref="ProviderRecord"/> does.</summary>
    private sealed class ActivitiesOf(string application) : Node
    {
        private static readonly string[] Kinds = [.. IdentityProviderEvents.Kinds, EventKinds.AccessRequest];

        private readonly string? serviceName = ServiceNames.GetValueOrDefault(application);

        public override bool Eval(RuleEvent e, MatchTrace? trace)
        {
            if (Array.IndexOf(Kinds, e.Event.Kind) < 0)
            {
                return false;
            }

            if (IdentityProviderEvents.IsFrom(e, Idp))
            {
                return string.Equals(Application(e.Event), application, StringComparison.OrdinalIgnoreCase);
            }

            return serviceName is not null && CloudAuditEntry.Is(e)
                && e.Raw!.Value.GetProperty(CloudAuditEntry.EntryMember) is var entry
                && entry.TryGetProperty("protoPayload", out var payload) && payload.ValueKind == JsonValueKind.Object
                && payload.TryGetProperty("serviceName", out var service) && service.ValueKind == JsonValueKind.String && service.ValueEquals(serviceName)
                && payload.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("event", out _);
        }

        public override IReadOnlySet<string>? RequiredKinds() => new HashSet<string>(Kinds, StringComparer.Ordinal);
    }
}
