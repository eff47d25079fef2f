namespace ZtStream.Ingest.Sources.Scopes;

/// <summary>
/// The one identity-provider tenant a source's key speaks for (<c>sources add NAME --tenant TENANT</c>): a record whose
/// subject names no tenant is labelled with it (<c>subject.tenant</c>), one that names another is refused. Okta's System
/// Log API and a LogEvent posted alone name no org; an Event Hook delivery names its org's host (<c>acme.okta.com</c>) and
/// Okta's EventBridge envelope the org's name alone (<c>acme</c>, the host's first label), which is taken as the org of a
/// label with that first label and labelled with the label's whole host. docs/sources.md ("Scopes").
/// </summary>
internal static class TenantLabel
{
    /// <summary>
    /// Null when <paramref name="e"/> may go to the log as <paramref name="labelled"/>: itself when it names
    /// <paramref name="tenant"/> (or has no subject to name one), else a copy whose subject names it. The item's error when
    /// the event names another tenant.
    /// </summary>
    public static ItemError? Label(string tenant, AccessEvent e, int index, string source, out AccessEvent labelled)
    {
        ArgumentNullException.ThrowIfNull(e);
        labelled = e;
        if (e.Subject is not { } subject || subject.Tenant == tenant)
        {
            return null;
        }

        if (string.IsNullOrEmpty(subject.Tenant) || IsOrgOf(subject.Tenant, tenant))
        {
            labelled = e with { Subject = subject with { Tenant = tenant } };
            return null;
        }

        return new ItemError(index, SourceScope.TenantField,
            $"outside the scope of source {source}: its key speaks for tenant {tenant} only, and this event names '{ItemError.Clip(subject.Tenant, 120)}'");
    }

    /// <summary>True when <paramref name="name"/>, a name without dots, is the first label of the host <paramref name="tenant"/>.</summary>
    private static bool IsOrgOf(string name, string tenant) =>
        !name.Contains('.', StringComparison.Ordinal) && tenant.Length > name.Length && tenant[name.Length] == '.'
        && tenant.StartsWith(name, StringComparison.Ordinal);
}
