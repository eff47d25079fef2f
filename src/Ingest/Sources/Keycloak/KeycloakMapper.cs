namespace ZtStream.Ingest.Sources.Keycloak;

/// <summary>
/// Maps Keycloak user events (<c>EventRepresentation</c>: LOGIN, LOGIN_ERROR, CODE_TO_TOKEN, REFRESH_TOKEN, LOGOUT,
/// UPDATE_PASSWORD …) and admin events (<c>AdminEventRepresentation</c>: role mappings, users, clients, identity
/// providers) onto canonical identity events — as an event-listener SPI or webhook posts them (one event, an array,
/// one per line; the <c>access.</c>/<c>admin.</c>-prefixed types and <c>uid</c> of the common webhook extensions),
/// and as the admin REST API lists them. Pure.
/// </summary>
internal static class KeycloakMapper
{
    public const string Idp = "keycloak";

    // The prefix of an id derived for an event without its own: "kc-" and a digest, never "kc-" and a Keycloak UUID.
    private const string DerivedIdPrefix = "kc-";

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null) =>
        JsonPayload.MapObjects(json, "a Keycloak event", options, MapOne);

    private static void MapOne(JsonElement record, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        var type = record.Text("type");
        var operation = record.Text("operationType");
        var isAdmin = operation is not null || type?.StartsWith("admin.", StringComparison.OrdinalIgnoreCase) == true;
        if (type is null && operation is null)
        {
            errors.Add(new ItemError(index, "type", "data not recognized as a Keycloak event: neither \"type\" (user event) nor \"operationType\" (admin event) is present"));
            return;
        }

        // An event without its time is still judged, dated as any undated record; a time that is not one is bad input.
        if (!IdentityEvent.TryTime(record.Find("time"), "time", "not a time (Unix milliseconds or ISO 8601)", "required: when the event happened (Unix milliseconds)", index, options, errors, out var time, out var timeSource))
        {
            return;
        }

        var auth = record.Object("authDetails");
        var details = record.Object("details");
        var realm = record.Text("realmId") ?? auth.Text("realmId") ?? record.Text("realmName");
        var e = new IdentityEvent(Idp) { DerivedIdPrefix = DerivedIdPrefix, Time = time, TimeSource = timeSource, Tenant = realm };
        if (isAdmin)
        {
            MapAdmin(e, record, auth, type, operation);
        }
        else
        {
            MapUser(e, record, auth, details, type!);
        }

        // Older Keycloak and some event listeners send no id: IdentityEvent derives one.
        e.Id = record.FirstText("id", "uid") is { } id ? (isAdmin ? "kc-admin-" : "kc-") + id : null;
        IdentityEvent.Emit(e, record, index, options, items, errors);
    }

    private static void MapUser(IdentityEvent e, JsonElement record, JsonElement? auth, JsonElement? details, string rawType)
    {
        // Webhook extensions prefix user events with "access."; the event type itself is Keycloak's.
        var type = rawType.StartsWith("access.", StringComparison.OrdinalIgnoreCase) ? rawType["access.".Length..] : rawType;
        type = type.ToUpperInvariant();
        e.Action = type;
        var userId = record.Text("userId") ?? auth.Text("userId");
        // Keycloak stores a username in lower case and finds it whatever the case it is typed in, but logs it as typed.
        var username = LoginNames.Fold(details.Text("username") ?? auth.Text("username"));
        e.SubjectId = username ?? userId;
        if (username is not null)
        {
            e.Set(IdentityAttributes.IdpUserId, userId);
        }

        e.SessionId = record.Text("sessionId") ?? auth.Text("sessionId");
        e.ClientId = record.Text("clientId") ?? auth.Text("clientId");

        // The access token a token response issued (CODE_TO_TOKEN, REFRESH_TOKEN, CLIENT_LOGIN, TOKEN_EXCHANGE): Keycloak
        // logs its id, which is the token's jti, so the token can be told from its session's others and revoked alone.
        e.TokenId = details.Text("token_id");
        e.SourceIp = record.Text("ipAddress") ?? auth.Text("ipAddress");
        e.UserAgent = details.FirstText("user_agent", "userAgent");
        if (e.ClientId is not null)
        {
            e.ResourceType = "application";
            e.ResourceId = e.ClientId;
            e.Set(IdentityAttributes.App, e.ClientId);
        }

        var error = record.Text("error");
        var failed = type.EndsWith("_ERROR", StringComparison.Ordinal) || error is not null;
        e.Outcome = failed ? Outcomes.Denied : Outcomes.Success;
        e.Set(IdentityAttributes.ResultCode, error)
            .Set(IdentityAttributes.FailureReason, error is null ? null : details.Text("reason") ?? error)
            .Set(IdentityAttributes.Connection, details.Text("identity_provider"))
            .Set("auth.method", details.Text("auth_method"));

        var credentialType = details.FirstText("credential_type", "credentialType");
        var baseType = failed && type.EndsWith("_ERROR", StringComparison.Ordinal) ? type[..^"_ERROR".Length] : type;
        switch (baseType)
        {
            case "LOGIN":
            case "IDENTITY_PROVIDER_LOGIN":
            case "IDENTITY_PROVIDER_FIRST_LOGIN":
            case "IDENTITY_PROVIDER_POST_LOGIN":
            case "CLIENT_LOGIN":
            case "IMPERSONATE":
                // A failed step with an OTP or WebAuthn credential is a second factor refused, not a wrong password.
                var factor = Factors.Normalise(credentialType);
                if (factor is not null && factor != Factors.Password && type != "CLIENT_LOGIN")
                {
                    e.Kind = EventKinds.AuthMfa;
                    e.Set(IdentityAttributes.MfaResult, failed ? MfaResults.Failure : MfaResults.Success);
                }
                else
                {
                    e.Kind = EventKinds.AuthLogin;
                }

                e.Set(IdentityAttributes.Factor, factor ?? (baseType.StartsWith("IDENTITY_PROVIDER", StringComparison.Ordinal) ? Factors.Federated : null));
                if (baseType == "CLIENT_LOGIN")
                {
                    // Client credentials: the client's service account is who signed in.
                    e.SubjectType = IdentitySubjectTypes.ServiceAccount;
                    e.SubjectId = username ?? e.ClientId ?? userId;
                }

                if (baseType == "IMPERSONATE")
                {
                    e.Set(IdentityAttributes.Actor, details.Text("impersonator") ?? details.Text("impersonator_id"));
                }

                break;
            case "UPDATE_PASSWORD":
            case "UPDATE_CREDENTIAL":
                e.Change(EventKinds.AuthCredentialChange, "update").Set(IdentityAttributes.Factor, Factors.Normalise(credentialType) ?? Factors.Password);
                break;
            case "RESET_PASSWORD":
                e.Change(EventKinds.AuthCredentialChange, "reset").Set(IdentityAttributes.Factor, Factors.Password);
                break;
            case "UPDATE_TOTP":
                e.Change(EventKinds.AuthCredentialChange, "enroll").Set(IdentityAttributes.Factor, Factors.Otp);
                break;
            case "REMOVE_TOTP":
            case "REMOVE_CREDENTIAL":
                e.Change(EventKinds.AuthCredentialChange, "remove").Set(IdentityAttributes.Factor, Factors.Normalise(credentialType) ?? (baseType == "REMOVE_TOTP" ? Factors.Otp : null));
                break;
            case "UPDATE_EMAIL":
                // The user's own e-mail address, where Keycloak sends password-reset links: a recovery address.
                e.Change(EventKinds.AuthAccountChange, "email_update");
                break;
            case "UPDATE_PROFILE" when details.Text("updated_email") is not null:
                // Before UPDATE_EMAIL, a profile update that changed the address said so in details.updated_email.
                e.Change(EventKinds.AuthAccountChange, "email_update");
                break;
            case "USER_DISABLED_BY_PERMANENT_LOCKOUT":
            case "USER_DISABLED_BY_TEMPORARY_LOCKOUT":
                e.Change(EventKinds.AuthAccountChange, "locked");
                e.Add(IdentityAttributes.IdpRiskEvents, ["brute_force"]);
                break;
            default:
                var (kind, change) = Plain(baseType);
                e.Change(kind, change);
                break;
        }

        // Keycloak's brute-force protection reports a locked account as this error on the login itself.
        if (error is "user_temporarily_disabled")
        {
            e.Add(IdentityAttributes.IdpRiskEvents, ["brute_force"]);
        }
    }

    /// <summary>A user event's kind, and what changed, for the types that say no more than that.</summary>
    private static (string Kind, string? Change) Plain(string type) => type switch
    {
        "CODE_TO_TOKEN" or "TOKEN_EXCHANGE" or "CLIENT_INITIATED_ACCOUNT_LINKING" or "OAUTH2_DEVICE_CODE_TO_TOKEN" => (EventKinds.AuthTokenIssued, null),
        "REFRESH_TOKEN" => (EventKinds.AuthTokenRefreshed, null),
        "REVOKE_GRANT" => (EventKinds.AuthTokenRevoked, null),
        "LOGOUT" => (EventKinds.AuthLogout, null),
        "DELETE_ACCOUNT" => (EventKinds.AuthAccountChange, "deleted"),
        "REGISTER" => (EventKinds.AuthAccountChange, "created"),

        // The account console's consent to an application (its REST API); a consent given on the login page is the
        // LOGIN event itself, its details.consent consent_granted.
        "GRANT_CONSENT" or "UPDATE_CONSENT" => (EventKinds.AuthAdminChange, "app_consent"),
        _ => (EventKinds.IdpEvent, null),
    };

    private static void MapAdmin(IdentityEvent e, JsonElement record, JsonElement? auth, string? type, string? operation)
    {
        // Webhook extensions write "admin.RESOURCE-OPERATION"; the REST API and SPI give the two fields.
        var resourceType = record.Text("resourceType");
        if (type is not null && type.StartsWith("admin.", StringComparison.OrdinalIgnoreCase))
        {
            var rest = type["admin.".Length..];
            var dash = rest.LastIndexOf('-');
            resourceType ??= dash > 0 ? rest[..dash] : rest;
            operation ??= dash > 0 ? rest[(dash + 1)..] : null;
        }

        resourceType = resourceType?.ToUpperInvariant();
        operation = operation?.ToUpperInvariant();
        e.Action = $"{resourceType ?? "UNKNOWN"}:{operation ?? "UNKNOWN"}";
        e.SubjectId = LoginNames.Fold(auth.Text("username")) ?? auth.Text("userId");
        e.Set(IdentityAttributes.IdpUserId, auth.Text("username") is null ? null : auth.Text("userId"));
        e.ClientId = auth.Text("clientId");
        e.SourceIp = auth.Text("ipAddress");
        e.Outcome = record.Text("error") is null ? Outcomes.Success : Outcomes.Denied;
        e.Set(IdentityAttributes.FailureReason, record.Text("error"));

        var path = record.Text("resourcePath");
        e.ResourceType = resourceType?.ToLowerInvariant();
        e.ResourceId = path;
        var targetUser = UserOf(path);
        var representation = Representation(record);

        switch (resourceType)
        {
            case "REALM_ROLE_MAPPING":
            case "CLIENT_ROLE_MAPPING":
            case "REALM_SCOPE_MAPPING":
            case "CLIENT_SCOPE_MAPPING":
                e.Change(EventKinds.AuthAdminChange, operation == "DELETE" ? "role_revoke" : "role_grant")
                    .Set(IdentityAttributes.TargetUser, targetUser)
                    .Set(IdentityAttributes.TargetRole, RoleNames(representation));
                break;
            case "GROUP_MEMBERSHIP":
                e.Change(EventKinds.AuthAdminChange, operation == "DELETE" ? "group_remove" : "group_add")
                    .Set(IdentityAttributes.TargetUser, targetUser)
                    .Set(IdentityAttributes.TargetRole, representation.Text("name") ?? representation.Text("path"));
                break;
            case "USER" when path?.EndsWith("/reset-password", StringComparison.Ordinal) == true:
                e.Change(EventKinds.AuthCredentialChange, "reset").Set(IdentityAttributes.Factor, Factors.Password);
                AffectsTarget(e, targetUser);
                break;
            case "USER" when path?.Contains("/credentials/", StringComparison.Ordinal) == true && operation == "DELETE":
                e.Change(EventKinds.AuthCredentialChange, "remove");
                AffectsTarget(e, targetUser);
                break;
            case "USER" when path?.EndsWith("/logout", StringComparison.Ordinal) == true:
                e.Kind = EventKinds.AuthSessionRevoked;
                AffectsTarget(e, targetUser);
                break;
            case "USER_SESSION" when operation == "DELETE":
                // An administrator ended one session (DELETE sessions/ID). The record names the session, not its user:
                // as a revocation it would land on the administrator and end the administrator's own sessions.
                e.Change(EventKinds.AuthAdminChange, "session_revoke");
                break;
            case "USER" when operation is "CREATE" or "DELETE":
                e.Change(EventKinds.AuthAccountChange, operation == "CREATE" ? "created" : "deleted");
                AffectsTarget(e, targetUser, LoginNames.Fold(representation.Text("username")));
                break;
            case "USER" when operation == "UPDATE":
                // Every user update carries "enabled"; only false says something happened to the account itself.
                e.Change(EventKinds.AuthAccountChange, representation.Flag("enabled") == false ? "disabled" : "update");
                AffectsTarget(e, targetUser, LoginNames.Fold(representation.Text("username")));
                break;
            case "IDENTITY_PROVIDER":
            case "IDENTITY_PROVIDER_MAPPER":
                e.Change(EventKinds.AuthAdminChange, "idp_" + (operation?.ToLowerInvariant() ?? "change"));
                break;
            case "CLIENT" when operation is "CREATE":
                e.Change(EventKinds.AuthAdminChange, "app_create");
                break;
            case "CLIENT" when path?.EndsWith("/client-secret", StringComparison.Ordinal) == true:
                e.Change(EventKinds.AuthAdminChange, "app_credential_change");
                break;
            case "REALM":
            case "AUTH_FLOW":
            case "AUTH_EXECUTION":
            case "AUTH_EXECUTION_FLOW":
            case "AUTHENTICATOR_CONFIG":
            case "REQUIRED_ACTION":
            case "CLIENT_POLICY":
            case "CLIENT_POLICIES":
                e.Change(EventKinds.AuthAdminChange, "policy_change");
                break;
            default:
                e.Kind = EventKinds.IdpEvent;
                break;
        }
    }

    /// <summary>
    /// The affected user becomes the subject; the administrator who acted is kept as the actor. The path names the user
    /// by id; a user representation also has the username, which is how the user's own events name them (the login
    /// name by default), so the two land on the same principal.
    /// </summary>
    private static void AffectsTarget(IdentityEvent e, string? targetUser, string? targetUsername = null)
    {
        if (targetUser is null && targetUsername is null)
        {
            return;
        }

        e.Set(IdentityAttributes.Actor, e.SubjectId);
        e.SubjectId = targetUsername ?? targetUser;
        e.Set(IdentityAttributes.IdpUserId, targetUser);
    }

    /// <summary><c>users/ID/…</c> → ID.</summary>
    private static string? UserOf(string? path)
    {
        if (path is null || !path.StartsWith("users/", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path.AsSpan("users/".Length);
        var slash = rest.IndexOf('/');
        return IdentityJson.Clean((slash < 0 ? rest : rest[..slash]).ToString());
    }

    /// <summary>The admin event's representation: Keycloak sends it as a JSON string; extensions sometimes as an object.</summary>
    private static JsonElement? Representation(JsonElement record) =>
        IdentityJson.Embedded(record.Find("representation")) is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } value ? value : null;

    /// <summary>Role mapping representations are arrays of roles: their names, comma-separated.</summary>
    private static string? RoleNames(JsonElement? representation)
    {
        if (representation is { ValueKind: JsonValueKind.Array } roles)
        {
            var names = roles.EnumerateArray().Select(r => r.Text("name")).OfType<string>().ToList();
            return names.Count == 0 ? null : string.Join(", ", names);
        }

        return representation.Text("name");
    }
}
