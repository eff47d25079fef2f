namespace ZtStream.Ingest.Sources.Entra;

/// <summary>
/// Maps Microsoft Entra ID sign-in and audit logs, Identity Protection's risk records and Microsoft Graph activity onto
/// canonical identity events. Reads what diagnostic settings
/// export to an Event Hub or storage account (<c>{"records":[…]}</c>, each record's details under <c>properties</c>),
/// the same rows as Log Analytics returns them (flat, PascalCase), and Microsoft Graph's <c>signIn</c>,
/// <c>directoryAudit</c>, <c>riskDetection</c>, <c>riskyUser</c> … objects (flat, or a <c>{"value":[…]}</c> page); one record, an array, or one per line.
/// Interactive, non-interactive, service-principal and managed-identity sign-ins are all sign-ins. Pure.
/// </summary>
internal static partial class EntraMapper
{
    public const string Idp = "entra";

    // The prefix of an id derived for a sign-in, audit, risk or Graph record without its own: Entra's ids are GUIDs.
    private const string DerivedIdPrefix = "entra-";

    // Sign-in result codes that interrupt a sign-in for another step rather than fail it. Kept out of the failure
    // counts: a user asked to stay signed in has not mistyped a password.
    private static readonly HashSet<long> Interrupts =
    [
        16000, 16001, 16003, 50058, 50072, 50097, 50125, 50127, 50129, 50140, 50143, 50199, 51006, 52004, 65001,
        81010, 81012, 81014, 700082,
    ];

    // The result codes that ask for a second factor: the sign-in is an MFA challenge.
    private static readonly HashSet<long> MfaChallenges = [50074, 50076, 50079, 50158, 53004];

    private const int MaxQueryRowsBytes = 16 * 1024 * 1024;

    // The service Entra ID logs the directory's own operations under (loggedByService).
    private const string DirectoryService = "Core Directory";

    // Service-side errors: neither the user's nor an attacker's doing.
    private static readonly HashSet<long> ServiceErrors = [50000, 50001, 50002, 90033, 90100, 900144, 9001, 9002];

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null) =>
        JsonPayload.MapObjects(json, "an Entra ID log record", options, MapOne, Records);

    /// <summary>
    /// The records of a diagnostic-settings export (<c>records</c>), a Graph page (<c>value</c>), or the rows of a Log
    /// Analytics query answer (<c>tables</c>).
    /// </summary>
    private static WrappedItems? Records(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("tables", out var tables))
        {
            return QueryRows(root, tables);
        }

        foreach (var name in new[] { "records", "value" })
        {
            if (root.TryGetProperty(name, out var list))
            {
                return list.ValueKind == JsonValueKind.Array
                    ? new WrappedItems(list)
                    : new WrappedItems(root, name, $"\"{name}\" must be an array of Entra ID log records");
            }
        }

        return null;
    }

    /// <summary>
    /// The Log Analytics query API's answer (<c>{"tables":[{"name","columns":[{"name","type"}],"rows":[[…]]}]}</c>,
    /// as <c>POST …/v1/workspaces/ID/query</c> returns it): each row becomes the object of its columns, read as the
    /// rows a data export writes. A row without one value per column stays an array, refused at its index.
    /// </summary>
    private static WrappedItems QueryRows(JsonElement root, JsonElement tables)
    {
        if (tables.ValueKind != JsonValueKind.Array)
        {
            return new WrappedItems(root, "tables", "\"tables\" must be the array of a Log Analytics query answer");
        }

        try
        {
            return QueryRowsOf(root, tables);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // Text that is not valid UTF-8 in a column name or value: each item is checked for it only once it is an item.
            return new WrappedItems(root, "tables", JsonPayload.InvalidText);
        }
    }

    private static WrappedItems QueryRowsOf(JsonElement root, JsonElement tables)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            var t = 0;
            foreach (var table in tables.EnumerateArray())
            {
                var columns = new List<string>();
                if (table.Array("columns") is { } list)
                {
                    foreach (var column in list.EnumerateArray())
                    {
                        if (column.Text("name") is not { } name)
                        {
                            return new WrappedItems(root, $"tables[{t}].columns[{columns.Count}].name", "required: each column of a query answer names itself");
                        }

                        columns.Add(name);
                    }
                }

                if (columns.Count == 0 || table.Array("rows") is not { } rows)
                {
                    return new WrappedItems(root, $"tables[{t}]", "a query answer's table needs its \"columns\" ({\"name\",\"type\"}) and its \"rows\"");
                }

                foreach (var row in rows.EnumerateArray())
                {
                    if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != columns.Count)
                    {
                        row.WriteTo(writer);
                        continue;
                    }

                    writer.WriteStartObject();
                    var c = 0;
                    foreach (var value in row.EnumerateArray())
                    {
                        writer.WritePropertyName(columns[c++]);
                        value.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                    if (writer.BytesPending + buffer.WrittenCount > MaxQueryRowsBytes)
                    {
                        // Each row repeats the column names: bound what a small answer of many narrow rows expands to.
                        return new WrappedItems(root, $"tables[{t}].rows", $"the rows, with their column names, exceed {MaxQueryRowsBytes / (1024 * 1024)} MiB: query fewer rows or columns per request");
                    }
                }

                t++;
            }

            writer.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return new WrappedItems(document.RootElement.Clone());
    }

    private static void MapOne(JsonElement record, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        // Diagnostic exports put the details under "properties"; Log Analytics and Graph are flat. Reading the details
        // first, then the record, serves all three.
        var details = record.ObjectOrText("properties") ?? record;
        var category = record.FirstText("category", "Type") ?? string.Empty;
        if (IsGraphActivity(details, category))
        {
            MapGraphActivity(record, details, category, index, options, items, errors);
        }
        else if (IsAudit(record, details, category))
        {
            MapAudit(record, details, index, options, items, errors);
        }
        else if (IsRisk(details, category))
        {
            MapRisk(record, details, category, index, options, items, errors);
        }
        else if (IsSignIn(details, category))
        {
            MapSignIn(record, details, category, index, options, items, errors);
        }
        else if (IsOtherDirectoryRecord(record, category))
        {
            MapOther(record, details, category, index, options, items, errors);
        }
        else
        {
            errors.Add(new ItemError(index, "category",
                $"data not recognized as an Entra ID sign-in, audit, Identity Protection or Microsoft Graph activity record (category {(category.Length == 0 ? "missing" : $"\"{ItemError.Clip(category)}\"")}), nor as another record of the directory (resourceId /tenants/ID/providers/Microsoft.aadiam)"));
        }
    }

    private static bool IsAudit(JsonElement record, JsonElement details, string category) =>
        category.Equals("AuditLogs", StringComparison.OrdinalIgnoreCase)
        || (category.Length == 0 && details.Find("activityDisplayName") is not null)
        || (!category.Contains("SignIn", StringComparison.OrdinalIgnoreCase) && details.Find("activityDisplayName") is not null
            && (record.Find("initiatedBy") ?? details.Find("activityDateTime") ?? details.Find("loggedByService")) is not null);

    private static bool IsSignIn(JsonElement details, string category) =>
        category.Contains("SignIn", StringComparison.OrdinalIgnoreCase)
        || (category.Length == 0 && (details.Find("status") is not null || details.Find("resultType") is not null)
            && (details.Find("userPrincipalName") is not null || details.Find("appId") is not null || details.Find("servicePrincipalId") is not null));

    private static void MapSignIn(JsonElement record, JsonElement details, string category, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        if (!TryIdAndTime(record, details, "id", ["createdDateTime", "time", "TimeGenerated"], index, options, errors, out var id, out var time, out var timeSource))
        {
            return;
        }

        var e = new IdentityEvent(Idp)
        {
            Id = id,
            DerivedIdPrefix = DerivedIdPrefix,
            Time = time,
            TimeSource = timeSource,
            Action = category.Length > 0 ? category : "SignIn",
        };
        var servicePrincipal = category.Contains("ServicePrincipal", StringComparison.OrdinalIgnoreCase) || category.Contains("ManagedIdentity", StringComparison.OrdinalIgnoreCase)
            || (details.Text("userPrincipalName") is null && details.Text("servicePrincipalId") is not null);
        if (servicePrincipal)
        {
            e.SubjectId = details.FirstText("servicePrincipalName", "servicePrincipalId", "appId");
            e.SubjectType = IdentitySubjectTypes.ServiceAccount;

            // Its object id, as its Graph requests name it (Ingest:IdentitySubjects:entra=user_id keys both alike).
            e.Set(IdentityAttributes.IdpUserId, details.Text("servicePrincipalId"));
        }
        else
        {
            e.SubjectId = UserName(details.FirstText("userPrincipalName", "userId", "signInIdentifier"), details.Text("userId"));
            e.Set(IdentityAttributes.IdpUserId, details.Text("userId"));
        }

        e.Tenant = TenantOf(record, details, "resourceTenantId", "homeTenantId");
        e.SessionId = details.Text("sessionId");
        e.ClientId = details.Text("appId");
        e.SourceIp = details.Text("ipAddress") ?? record.Text("callerIpAddress");
        e.UserAgent = details.Text("userAgent");
        e.ResourceType = "application";
        e.ResourceId = details.FirstText("resourceDisplayName", "appDisplayName", "resourceId");

        var interactive = details.Flag("isInteractive")
            ?? (category.Length == 0 ? null : category.Equals("SignInLogs", StringComparison.OrdinalIgnoreCase) || category.Equals("SigninLogs", StringComparison.OrdinalIgnoreCase));
        if (!servicePrincipal)
        {
            e.Set(IdentityAttributes.Interactive, interactive);
        }

        e.Set(IdentityAttributes.App, details.Text("appDisplayName"))
            .Set(IdentityAttributes.ClientApp, details.Text("clientAppUsed"))
            .Set(IdentityAttributes.ConditionalAccess, details.Text("conditionalAccessStatus"))
            .Set(IdentityAttributes.IdpCorrelationId, details.Text("correlationId") ?? record.Text("correlationId"))
            .Set(IdentityAttributes.TokenId, details.Text("uniqueTokenIdentifier"))
            .Set("auth.requirement", details.Text("authenticationRequirement"))
            .Set(IdentityAttributes.Protocol, EnumMember(details.Text("authenticationProtocol")))
            .Set(IdentityAttributes.TransferMethod, EnumMember(details.Text("originalTransferMethod")))
            .Add(IdentityAttributes.IncomingToken, (details.Text("incomingTokenType") ?? string.Empty).Split(',').Select(EnumMember).OfType<string>());

        Location(e, record, details, recordCountry: true);

        var device = details.ObjectOrText("deviceDetail");
        e.Set(IdentityAttributes.DeviceId, device.Text("deviceId"))
            .Set(IdentityAttributes.DeviceName, device.Text("displayName"))
            .Set(IdentityAttributes.DeviceOs, device.Text("operatingSystem"))
            .Set(IdentityAttributes.DeviceBrowser, device.Text("browser"))
            .Set(IdentityAttributes.DeviceCompliant, device.Flag("isCompliant"))
            .Set(IdentityAttributes.DeviceManaged, device.Flag("isManaged"));

        // Risk: the level during sign-in and the aggregated one; "hidden" (no P2 licence) says nothing.
        e.Risk(details.Text("riskLevelDuringSignIn")).Risk(details.Text("riskLevelAggregated"));
        if (details.Text("riskState") is { } riskState && !riskState.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            e.Set("idp.risk_state", riskState);
        }

        e.Add(IdentityAttributes.IdpRiskEvents, details.ArrayOrText("riskEventTypes_v2").Strings());
        e.Add(IdentityAttributes.IdpRiskEvents, details.ArrayOrText("riskEventTypes").Strings());

        var status = details.ObjectOrText("status");
        var code = status.Number("errorCode") ?? record.Number("resultType") ?? details.Number("resultType") ?? details.Number("ResultType");
        var failure = status.Text("failureReason") ?? record.Text("resultDescription") ?? details.Text("resultDescription");
        var additional = status.Text("additionalDetails");
        e.Set(IdentityAttributes.ResultCode, code?.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The factor: MFA detail first, then the last authentication step that names a method.
        var steps = details.ArrayOrText("authenticationDetails");
        var lastStep = LastStep(steps);
        var mfa = details.ObjectOrText("mfaDetail");
        var method = mfa.Text("authMethod") ?? LastStep(steps, performed: true).Text("authenticationMethod");
        e.Set(IdentityAttributes.Factor, Factors.Normalise(method));

        if (code is null)
        {
            errors.Add(new ItemError(index, "properties.status.errorCode", "required: the sign-in's result (status.errorCode or resultType)"));
            return;
        }

        if (code == 0)
        {
            e.Kind = EventKinds.AuthLogin;
            e.Outcome = Outcomes.Success;
            if (mfa is not null || details.Text("authenticationRequirement") is "multiFactorAuthentication")
            {
                e.Set(IdentityAttributes.MfaResult, MfaResults.Success);
            }
        }
        else if (MfaChallenges.Contains(code.Value))
        {
            e.Kind = EventKinds.AuthMfa;
            e.Set(IdentityAttributes.MfaResult, MfaResults.Challenge);
        }
        else if (code == 500121)
        {
            // "Authentication failed during strong authentication request": the second factor was refused or not answered.
            e.Kind = EventKinds.AuthMfa;
            e.Outcome = Outcomes.Denied;
            var detail = string.Join(' ', additional, lastStep.Text("authenticationStepResultDetail"), failure);
            // Entra words every refusal "MFA denied; …": what follows says whether the user declined or never answered.
            e.Set(IdentityAttributes.MfaResult, detail.Contains("did not respond", StringComparison.OrdinalIgnoreCase) || detail.Contains("timed out", StringComparison.OrdinalIgnoreCase) || detail.Contains("timeout", StringComparison.OrdinalIgnoreCase)
                ? MfaResults.Timeout
                : detail.Contains("declined", StringComparison.OrdinalIgnoreCase) || detail.Contains("denied", StringComparison.OrdinalIgnoreCase) || detail.Contains("fraud", StringComparison.OrdinalIgnoreCase)
                    ? MfaResults.Denied
                    : MfaResults.Failure);
            e.Set(IdentityAttributes.FailureReason, additional ?? failure);
        }
        else if (Interrupts.Contains(code.Value))
        {
            e.Kind = EventKinds.AuthLogin;
            e.Set(IdentityAttributes.Interrupted, true);
            e.Set(IdentityAttributes.FailureReason, failure);
        }
        else
        {
            e.Kind = EventKinds.AuthLogin;
            e.Outcome = ServiceErrors.Contains(code.Value) ? Outcomes.Error : Outcomes.Denied;
            e.Set(IdentityAttributes.FailureReason, failure);
        }

        IdentityEvent.Emit(e, record, index, options, items, errors);
    }

    /// <summary>
    /// A member of one of Graph's enumerations as Graph names it (<c>primaryRefreshToken</c>), from the name or the label a
    /// record gives (Microsoft Learn's examples write <c>"Primary Refresh Token"</c>); <c>none</c> says nothing, so null.
    /// </summary>
    internal static string? EnumMember(string? value)
    {
        var words = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (words.Length == 0)
        {
            return null;
        }

        var joined = string.Concat(words.Select((word, i) => i == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..]));
        var member = char.ToLowerInvariant(joined[0]) + joined[1..];
        return member.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : member;
    }

    /// <summary>
    /// A user's principal, from the name a record gives (its <c>userPrincipalName</c>, else what stands for it) and, where the
    /// record has it, the user's object id. Entra ID compares user principal names without regard to case and its logs write
    /// one as it was typed (<c>Kim@contoso.example</c>, <c>kim@contoso.example</c>), so the name is lower-cased (invariant):
    /// one user, one principal. A guest's directory name is its home address (<see cref="HomeName"/>). A deleted user's
    /// name is prefixed with its object id without dashes (<c>0b6e…41kim@contoso.example</c>): when the record's object id
    /// is that prefix, the prefix is dropped, so what was done to and by the account before and after it was deleted is one
    /// principal.
    /// </summary>
    internal static string? UserName(string? name, string? objectId = null)
    {
        if (HomeName(name) is not { Length: > 0 } home)
        {
            return name;
        }

        if (objectId is { Length: 36 } && home.Length > 32 + 1 && home.IndexOf('@', StringComparison.Ordinal) > 32
            && Guid.TryParse(objectId, out var id) && home.AsSpan(0, 32).Equals(id.ToString("N"), StringComparison.OrdinalIgnoreCase))
        {
            home = home[32..];
        }

        return LoginNames.Fold(home);
    }

    /// <summary>
    /// A guest as the inviting directory names it (<c>jane_partner.example#EXT#@contoso.onmicrosoft.com</c>: its audit
    /// records always, its sign-ins often) turned back into the address the guest signs in with
    /// (<c>jane@partner.example</c>), as the guest's other sign-ins name it: one guest, one principal. The last <c>_</c>
    /// before <c>#EXT#</c> was the <c>@</c> (a domain name has no <c>_</c>). Any other name is returned as it is.
    /// </summary>
    internal static string? HomeName(string? name)
    {
        var ext = name?.IndexOf("#EXT#", StringComparison.OrdinalIgnoreCase) ?? -1;
        if (ext <= 0)
        {
            return name;
        }

        var at = name!.LastIndexOf('_', ext - 1);
        return at > 0 && at < ext - 1 ? $"{name.AsSpan(0, at)}@{name.AsSpan(at + 1, ext - at - 1)}" : name;
    }

    /// <summary>
    /// Where the sign-in or detection came from: <c>location</c> (Log Analytics: <c>LocationDetails</c>); for sign-ins,
    /// else the record's own <c>location</c>, their country (on other categories it is an Azure region, <c>neu</c>).
    /// </summary>
    private static void Location(IdentityEvent e, JsonElement record, JsonElement details, bool recordCountry)
    {
        var location = details.ObjectOrText("location") ?? details.ObjectOrText("LocationDetails");
        e.Set(IdentityAttributes.GeoCountry, location.Text("countryOrRegion") ?? (recordCountry && record.Find("location")?.ValueKind == JsonValueKind.String ? record.Text("location") : null))
            .Set(IdentityAttributes.GeoRegion, location.Text("state"))
            .Set(IdentityAttributes.GeoCity, location.Text("city"));
    }

    private static void MapAudit(JsonElement record, JsonElement details, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        if (!TryIdAndTime(record, details, "id", ["activityDateTime", "time", "TimeGenerated"], index, options, errors, out var id, out var time, out var timeSource))
        {
            return;
        }

        var activity = details.Text("activityDisplayName") ?? record.Text("operationName") ?? details.Text("OperationName");
        if (activity is null)
        {
            errors.Add(new ItemError(index, "properties.activityDisplayName", "required: what the audited activity was"));
            return;
        }

        var auditCategory = details.Text("category") is { } c && !c.Equals("AuditLogs", StringComparison.OrdinalIgnoreCase) ? c : details.Text("Category");
        var e = new IdentityEvent(Idp) { Id = id, DerivedIdPrefix = DerivedIdPrefix, Time = time, TimeSource = timeSource, Action = activity };
        var initiatedBy = details.ObjectOrText("initiatedBy");
        var byUser = initiatedBy.Object("user");
        var byApp = initiatedBy.Object("app");
        var actor = UserName(byUser.FirstText("userPrincipalName", "id", "displayName"), byUser.Text("id"))
            ?? byApp.FirstText("servicePrincipalName", "displayName", "appId", "servicePrincipalId");
        var actorType = byUser.FirstText("userPrincipalName", "id", "displayName") is not null ? IdentitySubjectTypes.User : IdentitySubjectTypes.ServiceAccount;
        if (actor is null)
        {
            (actor, actorType) = SystemInitiator(record, details);
        }

        var targets = details.ListOrOne("targetResources");
        var target = targets.FirstObject();
        var targetType = target.Text("type");
        var userTarget = string.Equals(targetType, "User", StringComparison.OrdinalIgnoreCase) ? target
            : IsRole(targetType) ? targets.FirstOfType("User")
            : null;
        var targetName = userTarget is { } named ? named.FirstText("userPrincipalName", "displayName", "id") : null;
        var targetUser = UserName(targetName, userTarget.Text("id"));
        var (kind, change) = DirectoryChange(DomainTrustChange(ApplicationChange(ClassifyAudit(activity, auditCategory), activity, target), activity, target), activity, target);
        e.Change(kind, change);

        if (kind is EventKinds.AuthCredentialChange or EventKinds.AuthAccountChange or EventKinds.AuthSessionRevoked && targetUser is not null)
        {
            e.SubjectId = targetUser;
            e.SubjectType = IdentitySubjectTypes.User;
            e.Set(IdentityAttributes.IdpUserId, userTarget.Text("id"));
            if (!string.Equals(actor, targetUser, StringComparison.OrdinalIgnoreCase))
            {
                e.Set(IdentityAttributes.Actor, actor);
            }
        }
        else
        {
            e.SubjectId = actor;
            e.SubjectType = actorType;
            if (actorType == IdentitySubjectTypes.User)
            {
                e.Set(IdentityAttributes.IdpUserId, byUser.Text("id"));
            }

            e.Set(IdentityAttributes.TargetUser, targetUser);
        }

        if (!string.Equals(HomeName(targetName), targetName, StringComparison.Ordinal))
        {
            e.Set(IdentityAttributes.TargetGuest, "true");
        }

        e.Tenant = TenantOf(record, details);
        e.SourceIp = byUser.Text("ipAddress") ?? record.Text("callerIpAddress");
        if (byUser.Text("userPrincipalName") is not null)
        {
            e.Set(IdentityAttributes.ActorDisplayName, byUser.Text("displayName"));
        }

        if (target is not null && targetType is not null && (targetUser is null || IsRole(targetType)))
        {
            e.ResourceType = targetType.ToLowerInvariant();
            e.ResourceId = target.FirstText("displayName", "id");
        }

        var result = details.Text("result") ?? record.Text("resultType");
        e.Outcome = result?.ToLowerInvariant() switch
        {
            "success" => Outcomes.Success,
            "failure" => Outcomes.Denied,
            "timeout" => Outcomes.Error,
            _ => null,
        };
        if (e.Outcome != Outcomes.Success)
        {
            e.Set(IdentityAttributes.FailureReason, details.Text("resultReason"));
        }

        e.EventType = auditCategory is null ? activity : $"{auditCategory}/{activity}";
        e.Set(IdentityAttributes.IdpCorrelationId, details.Text("correlationId") ?? record.Text("correlationId"))
            .Set(IdentityAttributes.TargetRole, RoleName(target) ?? (IsRole(targetType) ? target.Text("displayName") : null) ?? ElevatedRole(activity)
                ?? (change == "group_add" ? GroupName(target, targetType, targets) : null));
        Application(e, change, activity, targets);
        ConsentPart(e, change, activity, target, details.Text("correlationId") ?? record.Text("correlationId"));
        IdentityEvent.Emit(e, record, index, options, items, errors);
    }

    /// <summary>
    /// Who did what an audit record's <c>initiatedBy</c> names no user or application for (<c>null</c>, <c>{}</c>,
    /// <c>{"user":null,"app":null}</c>): the directory's own operations (a policy PIM updates, a group-based licence
    /// assigned, a soft-deleted user purged). Azure Monitor's export names the token's identity at the record's
    /// <c>identity</c> ("a user account, system account, or service principal"; <c>NA</c> when none); else Graph's
    /// <c>loggedByService</c> is "the service that initiated the activity" (<c>Core Directory</c>, <c>PIM</c> …), and
    /// a record naming neither was the directory's own: <c>Core Directory</c>. A name with an <c>@</c> is a user, as the
    /// sign-ins name it; any other is a system principal.
    /// </summary>
    private static (string Name, string Type) SystemInitiator(JsonElement record, JsonElement details)
    {
        if (record.Text("identity") is { } identity && !identity.Equals("NA", StringComparison.OrdinalIgnoreCase))
        {
            return identity.Contains('@', StringComparison.Ordinal)
                ? (UserName(identity)!, IdentitySubjectTypes.User)
                : (identity, IdentitySubjectTypes.System);
        }

        return (details.Text("loggedByService") ?? record.Text("loggedByService") ?? DirectoryService, IdentitySubjectTypes.System);
    }

    /// <summary>
    /// A target of type <c>Role</c>: Privileged Identity Management's own records (<c>loggedByService</c> <c>PIM</c>) name the
    /// role first, by its display name, then the request, the user and the directory.
    /// </summary>
    private static bool IsRole(string? targetType) => string.Equals(targetType, "Role", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The role a Global Administrator's "elevate access" takes (category <c>AzureRBACRoleManagementElevateAccess</c>):
    /// User Access Administrator at the root scope, over every subscription and management group. The record names the
    /// role in its activity only.
    /// </summary>
    private static string? ElevatedRole(string activity) =>
        activity.Contains("elevated their access to User Access Administrator", StringComparison.OrdinalIgnoreCase) ? "User Access Administrator" : null;

    /// <summary>Audit activity → canonical kind and what changed. Names are Entra's activity display names.</summary>
    internal static (string Kind, string? Change) ClassifyAudit(string activity, string? category)
    {
        var a = activity.ToLowerInvariant();
        bool Has(string s) => a.Contains(s, StringComparison.Ordinal);

        // PIM logs a request before its outcome ("Add member to role in PIM requested (timebound)") and an eligible member's
        // activation of a role granted before ("Add member to role completed (PIM activation)"): neither grants a role.
        if (Has("member to role") && (Has("requested") || Has("pim activation")))
        {
            return (EventKinds.AuthAdminChange, Has("requested") ? "role_request" : "role_activation");
        }

        // A delegated permission grant (an OAuth2PermissionGrant) created: what a consent writes beside its own record, and
        // all Graph's POST /oauth2PermissionGrants writes (an application holding DelegatedPermissionGrant.ReadWrite.All
        // needs no consent). Mapped as a consent to its scopes (EntraMapper.Applications.cs).
        if (a is "add delegated permission grant")
        {
            return (EventKinds.AuthAdminChange, AppConsent);
        }

        // An app role assigned to a service principal is an application permission (Graph's Mail.Read, or an API's own
        // "Admin" role), not a directory role: granted like a consent (EntraMapper.Applications.cs). One assigned to a
        // user or group gives access to that one application. Neither is a role_grant.
        if (Has("app role assignment"))
        {
            return (EventKinds.AuthAdminChange, Has("remove") ? AppRoleRevoke : Has("service principal") ? AppConsent : AppRoleAssign);
        }

        if (Has("owner to application") || Has("owner to service principal"))
        {
            return (EventKinds.AuthAdminChange, AppOwnerAdd);
        }

        if (Has("member to role") || Has("eligible member to role") || (Has("role assignment") && !Has("remove")) || ElevatedRole(activity) is not null)
        {
            return (EventKinds.AuthAdminChange, "role_grant");
        }

        if (Has("from role") || (Has("role assignment") && Has("remove")))
        {
            return (EventKinds.AuthAdminChange, "role_revoke");
        }

        if (Has("refresh tokens") || (Has("revoke") && Has("session")))
        {
            return (EventKinds.AuthSessionRevoked, null);
        }

        if (Has("security info") || Has("authentication method") || Has("multifactor authentication") || Has("strongauthentication"))
        {
            return (EventKinds.AuthCredentialChange, Has("deleted") || Has("delete") || Has("removed") ? "remove"
                : Has("registered") || Has("register") || Has("added") ? "enroll"
                : "update");
        }

        if (Has("password"))
        {
            return (EventKinds.AuthCredentialChange, Has("reset") ? "reset" : "update");
        }

        if (Has("disable account") || Has("block sign-in"))
        {
            return (EventKinds.AuthAccountChange, "disabled");
        }

        if (Has("enable account"))
        {
            return (EventKinds.AuthAccountChange, "enabled");
        }

        if (a is "delete user" or "hard delete user")
        {
            return (EventKinds.AuthAccountChange, "deleted");
        }

        if (a is "add user" or "invite external user")
        {
            return (EventKinds.AuthAccountChange, "created");
        }

        if (a is "restore user")
        {
            return (EventKinds.AuthAccountChange, "enabled");
        }

        if (Has("conditional access") || Has("policy") || string.Equals(category, "Policy", StringComparison.OrdinalIgnoreCase))
        {
            return (EventKinds.AuthAdminChange, "policy_change");
        }

        if (Has("credentials") || Has("certificates and secrets"))
        {
            return (EventKinds.AuthAdminChange, Has("remove") ? AppCredentialRemove : AppCredentialChange);
        }

        if (Has("federation") || Has("domain authentication") || Has("identity provider"))
        {
            return (EventKinds.AuthAdminChange, "idp_change");
        }

        if (Has("consent to application"))
        {
            return (EventKinds.AuthAdminChange, AppConsent);
        }

        // A domain added to the tenant and verified: routine alone, the first steps of a federated-domain backdoor whose
        // trust is the federation above.
        if (a is "add unverified domain" or "add verified domain" or "verify domain")
        {
            return (EventKinds.AuthAdminChange, a is "verify domain" ? "domain_verify" : "domain_add");
        }

        if (a is "add application" or "add service principal")
        {
            return (EventKinds.AuthAdminChange, "app_create");
        }

        if (Has("member to group") && string.Equals(category, "GroupManagement", StringComparison.OrdinalIgnoreCase))
        {
            return (EventKinds.AuthAdminChange, "group_add");
        }

        return (EventKinds.IdpEvent, null);
    }

    /// <summary>
    /// Two edits of the directory that read as routine by their activity's name and are not, by the property they change:
    /// "Update user" whose <c>SourceAnchor</c> (the ImmutableId a federated sign-in is matched on) changed —
    /// <c>immutable_id_change</c>, a step of a federation backdoor: a token naming that id signs in as the user — and
    /// "Update authorization policy" whose <c>AllowUserConsentForRiskyApps</c> became true — <c>risky_app_consent_allow</c>:
    /// users may again consent to applications Microsoft holds risky, without an administrator's review.
    /// </summary>
    private static (string Kind, string? Change) DirectoryChange((string Kind, string? Change) classified, string activity, JsonElement? target)
    {
        if (activity.Equals("Update user", StringComparison.OrdinalIgnoreCase) && Property(target, "SourceAnchor") is not null)
        {
            return (EventKinds.AuthAdminChange, "immutable_id_change");
        }

        if (activity.Equals("Update authorization policy", StringComparison.OrdinalIgnoreCase) && Property(target, "AllowUserConsentForRiskyApps") is { } risky
            && IdentityJson.Embedded(risky.Find("newValue")) is { } value
            && (IsTrue(value) || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 1 && IsTrue(value[0]))))
        {
            return (EventKinds.AuthAdminChange, "risky_app_consent_allow");
        }

        return classified;

        // Entra writes the new value as JSON text ("[true]"); a pipeline may have decoded it, or written it bare.
        static bool IsTrue(JsonElement v) => v.ValueKind == JsonValueKind.True
            || (v.ValueKind == JsonValueKind.String && string.Equals(v.GetString()?.Trim(), "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// A "Set domain authentication" that made the domain managed again: its target's <c>LiveType</c> becomes
    /// <c>Managed</c> (Microsoft's Sentinel rule for federation changes reads the same property for <c>Federated</c>).
    /// The directory stops trusting the outside identity provider: <c>idp_deactivate</c>, not a trust created or changed.
    /// </summary>
    private static (string Kind, string? Change) DomainTrustChange((string Kind, string? Change) classified, string activity, JsonElement? target) =>
        classified.Change == "idp_change" && activity.Equals("Set domain authentication", StringComparison.OrdinalIgnoreCase)
            && string.Equals(Modified(target, "LiveType"), "Managed", StringComparison.OrdinalIgnoreCase)
            ? (classified.Kind, "idp_deactivate")
            : classified;

    /// <summary>
    /// The directory (Entra tenant) a record belongs to. A diagnostic export's <c>tenantId</c> is the directory; a Log
    /// Analytics row's <c>TenantId</c> is the workspace that stored it, and its directory is <c>AADTenantId</c>
    /// (<c>AadTenantId</c> in MicrosoftGraphActivityLogs), so a flat record's <c>tenantId</c> is never read. Graph's own
    /// objects name no tenant but, for sign-ins and risk, <paramref name="graphNames"/> (<c>resourceTenantId</c> …).
    /// </summary>
    private static string? TenantOf(JsonElement record, JsonElement details, params string[] graphNames)
    {
        if ((details.Text("aadTenantId") ?? record.Text("aadTenantId")) is { } directory)
        {
            return directory;
        }

        var exported = record.ObjectOrText("properties") is not null;
        return (exported ? record.Text("tenantId") ?? details.Text("tenantId") : null)
            ?? (graphNames.Length == 0 ? null : details.FirstText(graphNames));
    }

    /// <summary>
    /// The record's id (null when it has none: <see cref="IdentityEvent"/> derives one, <see cref="DerivedIdPrefix"/>)
    /// and its time, the first of <paramref name="timeNames"/> present (<see cref="TryTime"/>).
    /// </summary>
    private static bool TryIdAndTime(
        JsonElement record,
        JsonElement details,
        string idName,
        string[] timeNames,
        int index,
        SourceMapOptions options,
        List<ItemError> errors,
        out string? id,
        out DateTimeOffset time,
        out string? timeSource)
    {
        id = details.Text(idName) ?? record.Text(idName);
        return TryTime(record, details, timeNames, index, options, errors, out time, out timeSource);
    }

    /// <summary>
    /// The record's time: the first of <paramref name="timeNames"/> present; with none, the time an undated record takes
    /// and where it came from in <paramref name="timeSource"/>. False, with the error naming the field, for a time that is
    /// not one (or none, with no fallback configured).
    /// </summary>
    private static bool TryTime(
        JsonElement record,
        JsonElement details,
        string[] timeNames,
        int index,
        SourceMapOptions options,
        List<ItemError> errors,
        out DateTimeOffset time,
        out string? timeSource)
    {
        var name = timeNames[0];
        JsonElement? value = null;
        foreach (var candidate in timeNames)
        {
            if ((details.Find(candidate) ?? record.Find(candidate)) is { } present)
            {
                (name, value) = (candidate, present);
                break;
            }
        }

        return IdentityEvent.TryTime(
            value, "properties." + name, "not an ISO 8601 timestamp", $"required: none of {string.Join(", ", timeNames)} is present", index, options, errors, out time, out timeSource);
    }

    /// <summary>
    /// The last authentication step, which decides how a multi-step sign-in ended; with <paramref name="performed"/>, the
    /// last one a method was performed in. Entra writes "Previously satisfied" for a step a claim in the token already
    /// met (single sign-on, a refresh): that names no factor.
    /// </summary>
    private static JsonElement? LastStep(JsonElement? steps, bool performed = false)
    {
        JsonElement? last = null;
        if (steps is { ValueKind: JsonValueKind.Array } list)
        {
            foreach (var step in list.EnumerateArray())
            {
                if (step.ValueKind == JsonValueKind.Object
                    && !(performed && (step.Text("authenticationMethod") is null || step.Text("authenticationMethod")!.Equals("Previously satisfied", StringComparison.OrdinalIgnoreCase))))
                {
                    last = step;
                }
            }
        }

        return last;
    }

    /// <summary>
    /// The group an "Add member to group" added its member to. The first target is the member (a user, a group, a service
    /// principal), whose modified properties name the group (<c>Group.ObjectID</c>, <c>Group.DisplayName</c>, their new
    /// values JSON text); the group itself follows as a target of type <c>Group</c>, by its id and, in some records, its
    /// display name, which stands in when the property is missing. A member that is itself a group is not the group.
    /// </summary>
    private static string? GroupName(JsonElement? member, string? memberType, JsonElement? targets) =>
        Modified(member, "Group.DisplayName")
            ?? (string.Equals(memberType, "Group", StringComparison.OrdinalIgnoreCase) ? null : targets.FirstOfType("Group").Text("displayName"));

    /// <summary>The role a role assignment names, from the target's modified properties (<c>Role.DisplayName</c>).</summary>
    private static string? RoleName(JsonElement? target) => Modified(target, "Role.DisplayName");
}
