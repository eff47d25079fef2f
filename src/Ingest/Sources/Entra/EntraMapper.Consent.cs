namespace ZtStream.Ingest.Sources.Entra;

/// <summary>
/// What a "Consent to application" audit record granted. Entra writes it in the target service principal's modified
/// properties, each value JSON-encoded (<c>"\"True\""</c>): <c>ConsentContext.IsAdminConsent</c> (an administrator
/// clicked Accept, perhaps only for themselves), <c>ConsentContext.OnBehalfOfAll</c> (the grant covers every user),
/// <c>ConsentContext.IsAppOnly</c> (application permissions, tenant-wide by nature) and <c>ConsentAction.Permissions</c>,
/// the delegated grants before and after as text: <c>[old grants] => [new grants]</c>, each grant
/// <c>[Id: …, ClientId: …, PrincipalId: …, ResourceId: …, ConsentType: Principal|AllPrincipals, Scope: Mail.Read
/// offline_access, …]</c>. Only the scopes the new side adds were granted by this consent; one already held is not
/// granted again.
/// </summary>
internal static partial class EntraMapper
{
    /// <summary>The record's own id, where the event's is its consent's (<see cref="ConsentPart"/>).</summary>
    public const string RecordIdAttribute = "entra.record_id";

    /// <summary>
    /// A consent given in the portal or on the consent prompt writes two records within a second, under one correlation
    /// id: "Consent to application" (its first target the client's service principal) and "Add delegated permission
    /// grant" (the client named by <c>ServicePrincipal.ObjectID</c>), each mapped as the consent. Both get one id — a
    /// digest of the correlation id, the actor and the client's object id — so the Verifier reads the second as the same
    /// consent delivered again: one finding. The record's own id stays in <see cref="RecordIdAttribute"/>. A grant made
    /// straight through Graph has no consent record beside it: it is the consent alone, and alerts as one.
    /// </summary>
    private static void ConsentPart(IdentityEvent e, string? change, string activity, JsonElement? target, string? correlationId)
    {
        if (change != AppConsent || correlationId is not { Length: > 0 } || e.SubjectId is not { Length: > 0 } actor)
        {
            return;
        }

        var client = activity.Equals("Consent to application", StringComparison.OrdinalIgnoreCase) ? target.Text("id")
            : activity.Equals("Add delegated permission grant", StringComparison.OrdinalIgnoreCase) ? Modified(target, "ServicePrincipal.ObjectID")
            : null;
        if (client is not { Length: > 0 })
        {
            return;
        }

        e.Set(RecordIdAttribute, e.Id);
        e.Id = DerivedIds.Of(DerivedIdPrefix, "consent", correlationId.ToLowerInvariant(), actor.ToLowerInvariant(), client.ToLowerInvariant());
    }

    private static void Consent(IdentityEvent e, JsonElement? target)
    {
        bool? allUsers = null;
        foreach (var name in (string[])["ConsentContext.OnBehalfOfAll", "ConsentContext.IsAppOnly"])
        {
            if (bool.TryParse(Modified(target, name), out var flag))
            {
                allUsers = (allUsers ?? false) || flag;
            }
        }

        var permissions = Modified(target, "ConsentAction.Permissions");
        var arrow = permissions?.IndexOf("=>", StringComparison.Ordinal) ?? -1;
        var before = arrow < 0 ? [] : Grants(permissions![..arrow]);
        var granted = new List<string>();
        foreach (var (type, scopes) in Grants(arrow < 0 ? permissions : permissions![(arrow + 2)..]))
        {
            var added = scopes.Where(scope => !before.Any(old => old.Scopes.Contains(scope, StringComparer.OrdinalIgnoreCase))).ToList();
            granted.AddRange(added);
            if (added.Count > 0 && string.Equals(type, "AllPrincipals", StringComparison.OrdinalIgnoreCase))
            {
                allUsers = true;
            }
        }

        e.Add(IdentityAttributes.Scopes, granted);
        if (allUsers is { } all)
        {
            e.Set(IdentityAttributes.Consent, all ? "all_users" : "user");
        }
    }

    /// <summary>The grants one side of <c>ConsentAction.Permissions</c> lists: each one's consent type and scopes.</summary>
    private static List<(string? Type, string[] Scopes)> Grants(string? text)
    {
        var grants = new List<(string?, string[])>();
        if (text is null)
        {
            return grants;
        }

        foreach (Match grant in GrantPattern().Matches(text))
        {
            var type = grant.Groups["type"].Success ? grant.Groups["type"].Value : null;
            grants.Add((type, grant.Groups["scope"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }

        return grants;
    }

    // One grant: its consent type, if written, then its space-separated scopes (a scope holds no comma or bracket).
    [GeneratedRegex(@"(?:ConsentType:\s*(?<type>\w+),\s*)?Scope:(?<scope>[^,\]]*)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex GrantPattern();
}
