namespace ZtStream.Ingest.Sources.Entra;

/// <summary>
/// What an audit record of an application (category <c>ApplicationManagement</c>) changed, read from its targets'
/// modified properties, each value JSON text (<c>"\"Mail.Read\""</c>):
/// <list type="bullet">
/// <item>"Add app role assignment to service principal": an application permission granted to a client, as Graph's
/// <c>appRoleAssignedTo</c> does it directly or a consent does it for each application permission. The first target is
/// the resource (the API, e.g. Microsoft Graph); <c>AppRole.Value</c> the permission (<c>Mail.Read</c>,
/// <c>RoleManagement.ReadWrite.Directory</c>, or an API's own role), <c>ServicePrincipal.DisplayName</c>, <c>.AppId</c>,
/// <c>.ObjectID</c> the client granted it. Mapped as a consent (<c>app_consent</c>, <c>auth.consent</c>
/// <c>application</c>) whose one scope is the permission.</item>
/// <item>"Add owner to application" / "… to service principal": the first target is the new owner, the application
/// named in its <c>Application.DisplayName</c> (or <c>ServicePrincipal.DisplayName</c>) or by a later target.</item>
/// <item>Credentials: <c>KeyDescription</c> lists an application's keys before and after
/// (<c>["[KeyIdentifier=…,KeyType=Password,KeyUsage=Verify,DisplayName=…]"]</c>); an "Update application" or
/// "Update service principal" whose <c>FederatedIdentityCredentials</c> gains an entry trusts an outside issuer's tokens
/// as the application: a credential without a secret.</item>
/// </list>
/// </summary>
internal static partial class EntraMapper
{
    private const string AppConsent = "app_consent";
    private const string AppRoleAssign = "app_role_assign";
    private const string AppRoleRevoke = "app_role_revoke";
    private const string AppOwnerAdd = "app_owner_add";
    private const string AppCredentialChange = "app_credential_change";
    private const string AppCredentialRemove = "app_credential_remove";

    /// <summary>
    /// <paramref name="classified"/> (<see cref="ClassifyAudit"/>), corrected by what the record's first target says it
    /// changed: a credential update that only removed keys removes; an application update that added a federated
    /// identity credential adds one.
    /// </summary>
    private static (string Kind, string? Change) ApplicationChange((string Kind, string? Change) classified, string activity, JsonElement? target)
    {
        if (classified.Change == AppCredentialChange)
        {
            return Entries(target, "KeyDescription") is { Added: false, Removed: true } ? (classified.Kind, AppCredentialRemove) : classified;
        }

        if (classified.Change is null
            && (activity.Equals("Update application", StringComparison.OrdinalIgnoreCase) || activity.Equals("Update service principal", StringComparison.OrdinalIgnoreCase))
            && Entries(target, "FederatedIdentityCredentials") is { } federated && (federated.Added || federated.Removed))
        {
            return (EventKinds.AuthAdminChange, federated.Added ? AppCredentialChange : AppCredentialRemove);
        }

        return classified;
    }

    /// <summary>What an application's audit record granted, and to which application (see the type's summary).</summary>
    private static void Application(IdentityEvent e, string? change, string activity, JsonElement? targets)
    {
        var target = targets.FirstObject();
        switch (change)
        {
            case AppConsent when activity.Contains("app role assignment", StringComparison.OrdinalIgnoreCase):
                e.Add(IdentityAttributes.Scopes, Modified(target, "AppRole.Value") is { } permission ? [permission] : [])
                    .Set(IdentityAttributes.Consent, "application");
                GrantedClient(e, target);

                break;
            case AppConsent when activity.Contains("delegated permission grant", StringComparison.OrdinalIgnoreCase):
                DelegatedGrant(e, target);
                break;
            case AppConsent:
                Consent(e, target);
                break;
            case AppRoleAssign or AppRoleRevoke:
                e.Set(IdentityAttributes.TargetRole, Modified(target, "AppRole.Value"));
                break;
            case AppOwnerAdd:
                var servicePrincipal = activity.Contains("service principal", StringComparison.OrdinalIgnoreCase);
                if ((Modified(target, servicePrincipal ? "ServicePrincipal.DisplayName" : "Application.DisplayName") ?? Owned(targets)) is { } owned)
                {
                    e.ResourceType = servicePrincipal ? "serviceprincipal" : "application";
                    e.ResourceId = owned;
                }

                break;
        }
    }

    /// <summary>The client a grant's resource names in its modified properties (<c>ServicePrincipal.*</c>): the event's resource.</summary>
    private static void GrantedClient(IdentityEvent e, JsonElement? target)
    {
        if ((Modified(target, "ServicePrincipal.DisplayName") ?? Modified(target, "ServicePrincipal.AppId") ?? Modified(target, "ServicePrincipal.ObjectID")) is { } client)
        {
            e.ResourceType = "serviceprincipal";
            e.ResourceId = client;
        }
    }

    /// <summary>The application an ownership record names after its first target (the new owner).</summary>
    private static string? Owned(JsonElement? targets)
    {
        if (targets is not { ValueKind: JsonValueKind.Array } list)
        {
            return null;
        }

        foreach (var item in list.EnumerateArray().Skip(1))
        {
            if (item.ValueKind == JsonValueKind.Object && item.Text("type") is "Application" or "ServicePrincipal")
            {
                return item.FirstText("displayName", "id");
            }
        }

        return null;
    }

    /// <summary>
    /// The new value of the modified property <paramref name="name"/> of <paramref name="target"/>, as Entra writes it
    /// (JSON text, <c>"\"Global Administrator\""</c>), or as a pipeline that decoded it into a one-item list writes it.
    /// </summary>
    private static string? Modified(JsonElement? target, string name) =>
        Unquoted(Property(target, name).Find("newValue")) is { Length: > 0 } text ? text : null;

    /// <summary>A modified property's side as text, its JSON quotes trimmed: JSON text, or a one-item list a pipeline decoded it into.</summary>
    private static string? Unquoted(JsonElement? value) => (value switch
    {
        { ValueKind: JsonValueKind.String } one => one.GetString(),
        { ValueKind: JsonValueKind.Array } list when list.GetArrayLength() == 1 && list[0].ValueKind == JsonValueKind.String => list[0].GetString(),
        _ => null,
    })?.Trim().Trim('"');

    /// <summary>
    /// "Add delegated permission grant": the first target is the resource (the API, e.g. Microsoft Graph);
    /// <c>DelegatedPermissionGrant.Scope</c> the scopes, space-separated, before and after; <c>.ConsentType</c>
    /// <c>AllPrincipals</c> (every user) or <c>Principal</c> (one user); <c>ServicePrincipal.ObjectID</c> the client
    /// granted them. Only the scopes the new value adds were granted.
    /// </summary>
    private static void DelegatedGrant(IdentityEvent e, JsonElement? target)
    {
        var property = Property(target, "DelegatedPermissionGrant.Scope");
        var before = Scopes(property.Find("oldValue"));
        e.Add(IdentityAttributes.Scopes, Scopes(property.Find("newValue")).Where(scope => !before.Contains(scope, StringComparer.OrdinalIgnoreCase)).ToList());
        if (Modified(target, "DelegatedPermissionGrant.ConsentType") is { } type)
        {
            e.Set(IdentityAttributes.Consent, string.Equals(type, "AllPrincipals", StringComparison.OrdinalIgnoreCase) ? "all_users" : "user");
        }

        GrantedClient(e, target);

        static string[] Scopes(JsonElement? value) => Unquoted(value)?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
    }

    /// <summary>
    /// Whether a list-valued modified property gained entries its old value did not hold, and lost any: null when the
    /// record lacks it or writes a side that is not a list (then the record cannot say).
    /// </summary>
    private static (bool Added, bool Removed)? Entries(JsonElement? target, string name)
    {
        var property = Property(target, name);
        if (property.Find("newValue") is not { } newValue || Items(newValue) is not { } after || Items(property.Find("oldValue")) is not { } before)
        {
            return null;
        }

        return (!after.IsSubsetOf(before), !before.IsSubsetOf(after));
    }

    private static HashSet<string>? Items(JsonElement? value) => IdentityJson.Embedded(value) switch
    {
        null => [],
        { ValueKind: JsonValueKind.Array } list => list.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText())
            .ToHashSet(StringComparer.Ordinal),
        _ => null,
    };

    private static JsonElement? Property(JsonElement? target, string name)
    {
        if (target.ArrayOrText("modifiedProperties") is { } properties)
        {
            foreach (var property in properties.EnumerateArray())
            {
                if (string.Equals(property.Text("displayName"), name, StringComparison.OrdinalIgnoreCase))
                {
                    return property;
                }
            }
        }

        return null;
    }
}
