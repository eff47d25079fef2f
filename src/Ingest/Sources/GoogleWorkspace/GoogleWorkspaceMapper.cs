using System.Buffers;

namespace ZtStream.Ingest.Sources.GoogleWorkspace;

/// <summary>
/// Maps Google Workspace activities, as the Admin SDK Reports API's <c>activities.list</c> returns them, onto canonical
/// identity events: the answer itself (<c>{"kind":"admin#reports#activities","items":[…]}</c>), a JSON array of
/// activities, one activity, or NDJSON of them. An activity (<c>kind</c> <c>admin#reports#activity</c>) names the
/// application that logged it (<c>id.applicationName</c>: <c>login</c>, <c>admin</c>, <c>token</c> …), its actor and
/// address, and one or more <c>events</c>; each event is one ZtStream event, its <c>name</c> deciding the kind. Pure.
/// </summary>
internal static class GoogleWorkspaceMapper
{
    public const string Idp = "google-workspace";

    // An activity's events are ids of their own: "gws-" + the application, the activity's time in Unix milliseconds, its
    // uniqueQualifier and the event's index in it. An activity without its uniqueQualifier gets a digest instead.
    private const string IdPrefix = "gws-";
    private const string DerivedIdPrefix = "gws-derived-";

    private const string ActivitiesKind = "admin#reports#activities";

    // What an activities.list page without "items" (no activity in the range) holds.
    private static readonly JsonElement NoItems = JsonDocument.Parse("[]").RootElement.Clone();

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null) =>
        JsonPayload.MapObjects(json, "a Google Workspace activity", options, MapOne, Page);

    /// <summary>The activities of an <c>activities.list</c> answer; null for anything else (an activity itself).</summary>
    private static WrappedItems? Page(JsonElement root)
    {
        try
        {
            return ItemsOfPage(root);
        }
        catch (InvalidOperationException)
        {
            // A member name that is not valid UTF-8: read as an activity, whose mapping reports it at its index.
            return null;
        }
    }

    private static WrappedItems? ItemsOfPage(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || root.Find("events") is not null
            || !(string.Equals(root.Text("kind"), ActivitiesKind, StringComparison.Ordinal) || root.Find("items") is not null))
        {
            return null;
        }

        return root.Find("items") switch
        {
            null => new WrappedItems(NoItems),
            { ValueKind: JsonValueKind.Array } items => new WrappedItems(items),
            var other => new WrappedItems(root, "items", $"an activities.list answer's \"items\" must be an array of activities, got {JsonFields.Describe(other.Value)}"),
        };
    }

    private static void MapOne(JsonElement activity, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        // Elastic's pipeline splits an activity into one per event, leaving "events" an object: both are read.
        var events = activity.Find("events");
        if (events is not { ValueKind: JsonValueKind.Array or JsonValueKind.Object } list)
        {
            errors.Add(new ItemError(index, "events", events is null
                ? "data not recognized as a Google Workspace activity: required \"events\" is missing"
                : $"an activity's \"events\" must be an array of events, got {JsonFields.Describe(events.Value)}"));
            return;
        }

        var id = activity.Object("id");
        if (!IdentityEvent.TryTime(id.Find("time"), "id.time", "not an RFC 3339 timestamp", "required: when the activity happened", index, options, errors, out var time, out var timeSource))
        {
            return;
        }

        List<JsonElement> given = list.ValueKind == JsonValueKind.Object ? [list] : list.EnumerateArray().ToList();
        if (given.Count == 0)
        {
            errors.Add(new ItemError(index, "events", "the activity holds no event"));
            return;
        }

        for (var i = 0; i < given.Count; i++)
        {
            var at = list.ValueKind == JsonValueKind.Object ? "events." : $"events[{i}].";
            var item = given[i];
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ItemError(index, at.TrimEnd('.'), $"not an event: expected a JSON object, got {JsonFields.Describe(item)}"));
                continue;
            }

            if (item.Text("name") is not { } name)
            {
                errors.Add(new ItemError(index, at + "name", "required event name \"name\" is missing"));
                continue;
            }

            var raw = given.Count == 1 ? activity : WithOnlyEvent(activity, item);
            var e = Event(activity, id, item, name, i, time, timeSource);
            IdentityEvent.Emit(e, raw, index, options, items, errors);
        }
    }

    private static IdentityEvent Event(JsonElement activity, JsonElement? id, JsonElement item, string name, int position, DateTimeOffset time, string? timeSource)
    {
        var application = id.Text("applicationName");
        var actor = activity.Object("actor");
        var email = LoginNames.Fold(actor.Text("email"));
        var profileId = actor.Text("profileId");
        var parameters = new Parameters(item);
        var e = new IdentityEvent(Idp)
        {
            Id = EventId(activity, id, application, item, position, time, timeSource),
            Time = time,
            TimeSource = timeSource,
            Action = name,
            Tenant = id.Text("customerId") ?? activity.Text("ownerDomain"),
            SourceIp = activity.Text("ipAddress"),
        };

        // The actor: a user by e-mail address, else by profile id; an OAuth consumer key or a robot account (callerType KEY).
        if (email is not null)
        {
            e.SubjectId = email;
            e.Set(IdentityAttributes.IdpUserId, profileId);
        }
        else if (profileId is not null)
        {
            e.SubjectId = profileId;
        }
        else if (actor.Text("key") is { } key)
        {
            e.SubjectId = key;
            e.SubjectType = IdentitySubjectTypes.ServiceAccount;
        }

        e.Set(IdentityAttributes.IdpCorrelationId, id.Text("uniqueQualifier"));
        switch (application?.ToLowerInvariant())
        {
            case "login":
                Login(e, name, parameters);
                break;
            case "admin":
                Admin(e, name, parameters);
                break;
            case "token":
                Token(e, name, parameters);
                break;
        }

        // A change made to another user's credential or account, or a warning about one, belongs to that user; who made it
        // is the actor (auth.actor). Administrative changes stay the administrator's, the user named in auth.target_user.
        var target = e.Get(IdentityAttributes.TargetUser);
        if (target is not null && e.Kind is EventKinds.AuthCredentialChange or EventKinds.AuthAccountChange or EventKinds.AuthRisk
            && !string.Equals(target, e.SubjectId, StringComparison.Ordinal))
        {
            e.Set(IdentityAttributes.Actor, e.SubjectId);
            e.SubjectId = target;
            e.SubjectType = null;
        }

        return e;
    }

    /// <summary>
    /// The event's id: its application, the activity's time and <c>uniqueQualifier</c> and the event's index in the
    /// activity, so an activity delivered twice gives the same ids and its events differ. Without a uniqueQualifier, a
    /// digest of what identifies the event (the time, the application, the customer, the actor, the address, the event's
    /// index, type, name and parameters).
    /// </summary>
    private static string EventId(JsonElement activity, JsonElement? id, string? application, JsonElement item, int position, DateTimeOffset time, string? timeSource)
    {
        var at = position.ToString(CultureInfo.InvariantCulture);
        var millis = timeSource is null ? time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : null;
        if (id.Text("uniqueQualifier") is { } qualifier && millis is not null)
        {
            return $"{IdPrefix}{application ?? "unknown"}-{millis}-{qualifier}-{at}";
        }

        var actor = activity.Object("actor");
        return DerivedIds.Of(
            DerivedIdPrefix,
            millis ?? "undated",
            application,
            id.Text("uniqueQualifier"),
            id.Text("customerId"),
            actor.Text("email"),
            actor.Text("profileId"),
            actor.Text("key"),
            activity.Text("ipAddress"),
            at,
            item.Text("type"),
            item.Text("name"),
            item.Find("parameters")?.GetRawText());
    }

    /// <summary>Login Audit events (<c>applicationName=login</c>).</summary>
    private static void Login(IdentityEvent e, string name, Parameters parameters)
    {
        // The challenges a sign-in passed (a list): the second factor named, if any, else the password.
        var methods = parameters.Values("login_challenge_method");
        var method = Factor(methods.Find(m => !m.Equals("password", StringComparison.OrdinalIgnoreCase)) ?? methods.FirstOrDefault());
        var loginType = parameters.Text("login_type");
        e.Set(IdentityAttributes.Connection, loginType);
        switch (name)
        {
            case "login_success":
                e.Kind = EventKinds.AuthLogin;
                e.Outcome = Outcomes.Success;
                e.Set(IdentityAttributes.Factor, method ?? Factors.Normalise(loginType));
                Suspicious(e, parameters);
                return;
            case "login_failure":
                e.Kind = EventKinds.AuthLogin;
                e.Outcome = Outcomes.Denied;
                e.Set(IdentityAttributes.Factor, method ?? Factors.Normalise(loginType))
                    .Set(IdentityAttributes.ResultCode, parameters.Text("login_failure_type"))
                    .Set(IdentityAttributes.FailureReason, parameters.Text("login_failure_type"));
                Suspicious(e, parameters);
                return;
            case "login_challenge" or "login_verification":
                var result = ChallengeResult(parameters.Text("login_challenge_status"));
                e.Kind = EventKinds.AuthMfa;
                e.Outcome = result switch
                {
                    MfaResults.Success => Outcomes.Success,
                    MfaResults.Failure => Outcomes.Denied,
                    _ => null,
                };
                e.Set(IdentityAttributes.MfaResult, result)
                    .Set(IdentityAttributes.Factor, method);
                return;
            case "logout":
                e.Kind = EventKinds.AuthLogout;
                e.Outcome = Outcomes.Success;
                return;
            case "suspicious_login" or "suspicious_login_less_secure_app" or "suspicious_programmatic_login":
                // Google blocked the attempt ("Suspicious login blocked").
                Risk(e, name, RiskLevels.High, parameters);
                e.Outcome = Outcomes.Denied;
                return;
            case "gov_attack_warning":
                Risk(e, name, RiskLevels.High, parameters);
                return;
            case "account_disabled_password_leak":
                Disabled(e, "breached_password", parameters);
                return;
            case "account_disabled_hijacked":
                Disabled(e, "account_hijacked", parameters);
                return;
            case "2sv_disable":
                e.Change(EventKinds.AuthCredentialChange, "remove").Outcome = Outcomes.Success;
                return;
            case "2sv_enroll":
                e.Change(EventKinds.AuthCredentialChange, "enroll").Outcome = Outcomes.Success;
                return;
            case "password_edit":
                e.Change(EventKinds.AuthCredentialChange, "update").Set(IdentityAttributes.Factor, Factors.Password).Outcome = Outcomes.Success;
                return;
            case "recovery_email_edit" or "recovery_phone_edit" or "recovery_secret_qa_edit":
                e.Change(EventKinds.AuthAccountChange, name switch
                {
                    "recovery_email_edit" => "recovery_email_update",
                    "recovery_phone_edit" => "recovery_phone_update",
                    _ => "recovery_question_update",
                }).Outcome = Outcomes.Success;
                return;
        }

        if (name.StartsWith("account_disabled_", StringComparison.Ordinal))
        {
            // Google suspended the account for another reason (spamming, a generic policy violation).
            e.Change(EventKinds.AuthAccountChange, "disabled").Outcome = Outcomes.Success;
            e.Add(IdentityAttributes.IdpRiskEvents, [name["account_disabled_".Length..]])
                .Set(IdentityAttributes.TargetUser, LoginNames.Fold(parameters.Text("affected_email_address")));
        }
    }

    /// <summary>
    /// Admin Audit events (<c>applicationName=admin</c>): what the identity rules know by meaning. A setting's
    /// <c>NEW_VALUE</c> and <c>OLD_VALUE</c> parameters are lifted into <c>auth.new_value</c> and <c>auth.old_value</c>,
    /// so a rule reads which way a setting went (a rule cannot pair a parameter's name with its value).
    /// </summary>
    private static void Admin(IdentityEvent e, string name, Parameters parameters)
    {
        e.Set(IdentityAttributes.TargetUser, LoginNames.Fold(parameters.Text("USER_EMAIL")))
            .Set(IdentityAttributes.NewValue, parameters.Text("NEW_VALUE"))
            .Set(IdentityAttributes.OldValue, parameters.Text("OLD_VALUE"));
        switch (name)
        {
            case "ASSIGN_ROLE":
                e.Change(EventKinds.AuthAdminChange, "role_grant").Set(IdentityAttributes.TargetRole, parameters.Text("ROLE_NAME")).Outcome = Outcomes.Success;
                return;
            // A user made a super administrator (USER_SETTINGS; the Directory API's users.makeAdmin), or given the
            // delegated administrator privileges NEW_VALUE names: administrator roles granted without ASSIGN_ROLE.
            case "GRANT_ADMIN_PRIVILEGE" or "GRANT_DELEGATED_ADMIN_PRIVILEGES":
                e.Change(EventKinds.AuthAdminChange, "role_grant").Set(IdentityAttributes.TargetRole, parameters.Text("ROLE_NAME") ?? parameters.Text("NEW_VALUE")).Outcome = Outcomes.Success;
                return;
            case "UNASSIGN_ROLE":
                e.Change(EventKinds.AuthAdminChange, "role_revoke").Set(IdentityAttributes.TargetRole, parameters.Text("ROLE_NAME")).Outcome = Outcomes.Success;
                return;
            // The domain's single sign-on through a third-party identity provider (SAML): its profile changed, or SSO
            // turned on (an outside provider now trusted) or off (NEW_VALUE false: the trust ended).
            case "CHANGE_SSO_SETTINGS":
                e.Change(EventKinds.AuthAdminChange, "idp_change").Outcome = Outcomes.Success;
                return;
            case "TOGGLE_SSO_ENABLED":
                e.Change(EventKinds.AuthAdminChange, parameters.Flag("NEW_VALUE") == false ? "idp_deactivate" : "idp_change").Outcome = Outcomes.Success;
                return;
            case "AUTHORIZE_API_CLIENT_ACCESS":
                // Domain-wide delegation: the client may act as any user of the domain within the scopes granted.
                Consent(e, parameters.Text("API_CLIENT_NAME"), parameters.Text("API_CLIENT_NAME"), parameters.Values("API_SCOPES"), "all_users");
                return;
            case "REMOVE_API_CLIENT_ACCESS":
                e.Change(EventKinds.AuthAdminChange, "app_consent_revoke").Set(IdentityAttributes.App, parameters.Text("API_CLIENT_NAME")).Outcome = Outcomes.Success;
                return;
            case "ENFORCE_STRONG_AUTHENTICATION" or "ALLOW_STRONG_AUTHENTICATION":
                e.Change(EventKinds.AuthAdminChange, "policy_change").Outcome = Outcomes.Success;
                return;
            case "CHANGE_PASSWORD":
                e.Change(EventKinds.AuthCredentialChange, "reset").Set(IdentityAttributes.Factor, Factors.Password).Outcome = Outcomes.Success;
                return;
            case "SUSPEND_USER":
                e.Change(EventKinds.AuthAccountChange, "suspended").Outcome = Outcomes.Success;
                return;
        }
    }

    /// <summary>OAuth Token Audit events (<c>applicationName=token</c>): a user's grant to an application.</summary>
    private static void Token(IdentityEvent e, string name, Parameters parameters)
    {
        if (name == "authorize")
        {
            var scopes = parameters.Values("scope");
            scopes.AddRange(parameters.ScopeNames());
            Consent(e, parameters.Text("app_name"), parameters.Text("client_id"), scopes, "user");
        }
    }

    private static void Consent(IdentityEvent e, string? app, string? client, List<string> scopes, string consent)
    {
        e.Change(EventKinds.AuthAdminChange, "app_consent")
            .Set(IdentityAttributes.App, app)
            .Set(IdentityAttributes.Consent, consent)
            .Add(IdentityAttributes.Scopes, scopes)
            .Outcome = Outcomes.Success;
        e.ClientId = client;
        if ((app ?? client) is { } named)
        {
            e.ResourceType = "application";
            e.ResourceId = named;
        }
    }

    /// <summary><c>is_suspicious</c>: Google found the sign-in suspicious (it rates no level; a flag is read as high).</summary>
    private static void Suspicious(IdentityEvent e, Parameters parameters)
    {
        if (parameters.Flag("is_suspicious") == true)
        {
            e.Add(IdentityAttributes.IdpRiskEvents, ["is_suspicious"]).Risk(RiskLevels.High);
        }
    }

    private static void Risk(IdentityEvent e, string finding, string? level, Parameters parameters)
    {
        e.Kind = EventKinds.AuthRisk;
        e.Add(IdentityAttributes.IdpRiskEvents, [finding]).Risk(level)
            .Set(IdentityAttributes.TargetUser, LoginNames.Fold(parameters.Text("affected_email_address")));
    }

    private static void Disabled(IdentityEvent e, string finding, Parameters parameters)
    {
        e.Change(EventKinds.AuthAccountChange, "disabled").Outcome = Outcomes.Success;
        e.Add(IdentityAttributes.IdpRiskEvents, [finding]).Risk(RiskLevels.High)
            .Set(IdentityAttributes.TargetUser, LoginNames.Fold(parameters.Text("affected_email_address")));
    }

    /// <summary>A <c>login_challenge_method</c> (<c>password</c>, <c>security_key</c>, <c>backup_code</c> …) in the common vocabulary.</summary>
    private static string? Factor(string? method) => method switch
    {
        null => null,
        "backup_code" => Factors.RecoveryCode,
        _ => Factors.Normalise(method.Replace('_', ' ')),
    };

    /// <summary><c>login_challenge_status</c> (<c>Challenge Passed.</c>, <c>passed</c>, <c>Challenge Failed.</c> …) as an MFA result.</summary>
    private static string? ChallengeResult(string? status) => status?.ToLowerInvariant() switch
    {
        null => MfaResults.Challenge,
        var s when s.Contains("pass", StringComparison.Ordinal) => MfaResults.Success,
        var s when s.Contains("fail", StringComparison.Ordinal) => MfaResults.Failure,
        _ => MfaResults.Challenge,
    };

    /// <summary>The activity with <paramref name="item"/> as its only event: each event's raw object is its own.</summary>
    private static JsonElement WithOnlyEvent(JsonElement activity, JsonElement item)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in activity.EnumerateObject())
            {
                if (property.NameEquals("events"))
                {
                    writer.WritePropertyName(property.Name);
                    writer.WriteStartArray();
                    item.WriteTo(writer);
                    writer.WriteEndArray();
                }
                else
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// An event's <c>parameters</c> by name. A parameter holds one of <c>value</c>, <c>intValue</c>, <c>boolValue</c>,
    /// <c>multiValue</c>, <c>multiIntValue</c>, <c>messageValue</c>, <c>multiMessageValue</c>; a pipeline may write an
    /// integer as text or a number, and some write a single value where the API writes a list.
    /// </summary>
    private readonly struct Parameters
    {
        private readonly Dictionary<string, JsonElement>? byName;

        public Parameters(JsonElement item)
        {
            if (item.Find("parameters") is { ValueKind: JsonValueKind.Array } list)
            {
                foreach (var parameter in list.EnumerateArray())
                {
                    if (parameter.Text("name") is { } name)
                    {
                        byName ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                        byName.TryAdd(name, parameter);
                    }
                }
            }
        }

        /// <summary>The parameter's one value as text: <c>value</c>, <c>intValue</c>, <c>boolValue</c>, else its first of a list.</summary>
        public string? Text(string name)
        {
            if (byName?.TryGetValue(name, out var parameter) != true)
            {
                return null;
            }

            return parameter.Text("value") ?? parameter.Text("intValue")
                ?? (parameter.Flag("boolValue") is { } flag ? (flag ? "true" : "false") : null)
                ?? Values(name).FirstOrDefault();
        }

        /// <summary>Every value of the parameter: <c>multiValue</c>, <c>multiIntValue</c>, or its one <c>value</c>.</summary>
        public List<string> Values(string name)
        {
            if (byName?.TryGetValue(name, out var parameter) != true)
            {
                return [];
            }

            var values = parameter.Find("multiValue").Strings();
            if (parameter.Find("multiIntValue") is { ValueKind: JsonValueKind.Array } numbers)
            {
                values.AddRange(numbers.EnumerateArray().Where(n => n.ValueKind is JsonValueKind.Number or JsonValueKind.String)
                    .Select(n => n.ValueKind == JsonValueKind.String ? n.GetString() ?? string.Empty : n.GetRawText()));
            }

            if (values.Count == 0 && parameter.Text("value") is { } one)
            {
                values.Add(one);
            }

            return values;
        }

        public bool? Flag(string name) =>
            byName?.TryGetValue(name, out var parameter) == true
                ? parameter.Flag("boolValue") ?? parameter.Text("value")?.ToLowerInvariant() switch { "true" => true, "false" => false, _ => null }
                : null;

        /// <summary>The scopes an OAuth grant's <c>scope_data</c> names (<c>multiMessageValue[].parameter[]</c> <c>scope_name</c>).</summary>
        public IEnumerable<string> ScopeNames()
        {
            if (byName?.TryGetValue("scope_data", out var parameter) != true
                || parameter.Find("multiMessageValue") is not { ValueKind: JsonValueKind.Array } messages)
            {
                yield break;
            }

            foreach (var message in messages.EnumerateArray())
            {
                if (message.Find("parameter") is { ValueKind: JsonValueKind.Array } fields)
                {
                    foreach (var field in fields.EnumerateArray())
                    {
                        if (field.Text("name") == "scope_name" && field.Text("value") is { } scope)
                        {
                            yield return scope;
                        }
                    }
                }
            }
        }
    }
}
