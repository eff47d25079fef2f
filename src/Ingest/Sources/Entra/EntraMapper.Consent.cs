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
