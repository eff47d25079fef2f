namespace ZtStream.Ingest.Sources.Entra;

/// <summary>
/// Records of the categories Entra ID exports that ZtStream has no mapping for (<c>ProvisioningLogs</c>,
/// <c>NetworkAccessTrafficLogs</c>, <c>EnrichedOffice365AuditLogs</c>, the retired <c>AzureADGraphActivityLogs</c>, and
/// whatever category Microsoft adds next to a diagnostic setting that sends "all logs"): kept as <c>idp.event</c>, by
/// whom they name, rather than refused, so an event hub reader that posts every message loses nothing to a category
/// added after this adapter was written.
/// </summary>
internal static partial class EntraMapper
{
    // Entra ID's diagnostic records name the directory as their resource: /tenants/ID/providers/Microsoft.aadiam.
    private const string DirectoryProvider = "microsoft.aadiam";

    /// <summary>
    /// Whether a record of a category no other reader took is Entra ID's: its resource (<c>resourceId</c> of an export,
    /// <c>_ResourceId</c> or <c>ResourceProvider</c> of a Log Analytics row) is the directory, or, as every Entra ID table in
    /// Log Analytics has, it names its directory in <c>AADTenantId</c>. Anything else posted here (an AKS or App Service
    /// record, a stray table) stays refused by its category.
    /// </summary>
    private static bool IsOtherDirectoryRecord(JsonElement record, string category) =>
        category.Length > 0
        && ((record.FirstText("resourceId", "_ResourceId") is { } resource && resource.Contains("/providers/" + DirectoryProvider, StringComparison.OrdinalIgnoreCase))
            || string.Equals(record.Text("ResourceProvider"), DirectoryProvider, StringComparison.OrdinalIgnoreCase)
            || record.Text("AADTenantId") is not null);

    private static void MapOther(JsonElement record, JsonElement details, string category, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        if (!TryTime(record, details, ["activityDateTime", "createdDateTime", "time", "TimeGenerated"], index, options, errors, out var time, out var timeSource))
        {
            return;
        }

        var operation = record.Text("operationName") ?? details.FirstText("activityDisplayName", "OperationName", "Operation");
        var e = new IdentityEvent(Idp)
        {
            // A category without an id of its own keeps one derived from the record, so a redelivered record is one event.
            Id = details.FirstText("id", "requestId") ?? record.FirstText("id", "requestId") ?? DerivedIds.Of("entra-", category, record.GetRawText()),
            Time = time,
            TimeSource = timeSource,
            Action = operation ?? category,
            EventType = operation is null ? category : $"{category}/{operation}",
            Tenant = TenantOf(record, details),
            SourceIp = details.FirstText("ipAddress", "sourceIp", "clientIp") ?? record.Text("callerIpAddress"),
            UserAgent = details.Text("userAgent"),
            ClientId = details.Text("appId"),
        };

        // Whom the record names, as the categories read here name them: a user (by the name its sign-ins use), else an
        // application's service principal, else what initiatedBy says (an audit's user or app; the provisioning service's
        // system name), else its client address (IdentityEvent's ip: principal), else the directory itself.
        var userName = details.FirstText("userPrincipalName", "userId");
        var initiatedBy = details.ObjectOrText("initiatedBy");
        var byUser = initiatedBy.Object("user");
        var byApp = initiatedBy.Object("app");
        if (userName is not null)
        {
            e.SubjectId = UserName(userName, details.Text("userId"));
            e.Set(IdentityAttributes.IdpUserId, details.Text("userId"));
        }
        else if (details.FirstText("servicePrincipalName", "servicePrincipalId") is { } servicePrincipal)
        {
            e.SubjectId = servicePrincipal;
            e.SubjectType = IdentitySubjectTypes.ServiceAccount;
            e.Set(IdentityAttributes.IdpUserId, details.Text("servicePrincipalId"));
        }
        else if (byUser.FirstText("userPrincipalName", "id") is { } initiator)
        {
            e.SubjectId = UserName(initiator, byUser.Text("id"));
            e.Set(IdentityAttributes.IdpUserId, byUser.Text("id"));
        }
        else if (byApp.FirstText("servicePrincipalName", "displayName", "appId", "servicePrincipalId") is { } app)
        {
            e.SubjectId = app;
            e.SubjectType = IdentitySubjectTypes.ServiceAccount;
        }
        else if (initiatedBy.FirstText("name", "displayName") is { } system)
        {
            e.SubjectId = system;
            e.SubjectType = IdentitySubjectTypes.System;
        }
        else if (e.SourceIp is null)
        {
            e.SubjectId = details.FirstText("loggedByService") ?? DirectoryService;
            e.SubjectType = IdentitySubjectTypes.System;
        }

        var result = details.Text("result") ?? details.Object("provisioningStatusInfo").Text("status") ?? record.Text("resultType");
        e.Outcome = result?.ToLowerInvariant() switch
        {
            "success" => Outcomes.Success,
            // A provisioning cycle or a traffic record that failed is the service's error, not a refusal of the principal.
            "failure" => Outcomes.Error,
            _ => null,
        };
        e.Set(IdentityAttributes.IdpCorrelationId, details.Text("correlationId") ?? record.Text("correlationId"));
        IdentityEvent.Emit(e, record, index, options, items, errors);
    }
}
