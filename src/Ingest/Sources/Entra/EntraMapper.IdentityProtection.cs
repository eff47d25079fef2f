namespace ZtStream.Ingest.Sources.Entra;

/// <summary>
/// Microsoft Entra ID Protection: risk detections (what Entra found about a user's or a service principal's activity, at
/// what level) and the risky user's or service principal's current state. Both are the provider's rating of the subject,
/// <c>auth.risk</c>, on the same principal its sign-ins map to.
/// </summary>
internal static partial class EntraMapper
{
    private const string RiskStateAttribute = "idp.risk_state";
    private const string RiskTimingAttribute = "idp.risk_timing";
    private const string RiskSourceAttribute = "idp.risk_source";
    private const string RiskActivityAttribute = "idp.risk_activity";
    private const string RequestIdAttribute = "idp.request_id";

    // Detections: UserRiskEvents / ServicePrincipalRiskEvents; states: RiskyUsers / RiskyServicePrincipals. In Log
    // Analytics AADUserRiskEvents, AADRiskyUsers, AADServicePrincipalRiskEvents, AADRiskyServicePrincipals; in Graph
    // riskDetection, servicePrincipalRiskDetection, riskyUser and riskyServicePrincipal (no category: a detection has its
    // riskEventType, a state its riskLastUpdatedDateTime).
    private static bool IsRisk(JsonElement details, string category) =>
        category.Contains("Risk", StringComparison.OrdinalIgnoreCase)
        || (category.Length == 0 && (details.Find("riskEventType") is not null || details.Find("riskLastUpdatedDateTime") is not null));

    /// <summary>
    /// An Identity Protection record: a risk detection (what Entra found, at what level, from where) or a risky user's
    /// (or service principal's) current state. A risk Entra no longer holds (remediated, dismissed, confirmed safe) rates
    /// <c>none</c>; one an administrator confirmed compromised is also a <c>credential_compromise</c>.
    /// </summary>
    private static void MapRisk(JsonElement record, JsonElement details, string category, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        if (!TryIdAndTime(record, details, "id", ["detectedDateTime", "riskLastUpdatedDateTime", "activityDateTime", "time", "TimeGenerated"], index, options, errors, out var id, out var time, out var timeSource))
        {
            return;
        }

        // A risky user is a state Entra exports again, under the user's id, at every change, and a detection is exported
        // again when its state changes: the update time keeps each state an event of its own.
        var isState = details.Find("riskLastUpdatedDateTime") is not null;
        var updated = details.FirstText("lastUpdatedDateTime", "riskLastUpdatedDateTime");
        var state = details.Text("riskState");
        var riskType = details.FirstText("riskEventType", "riskType");
        var action = category.Length > 0 ? category : "Risk";
        var e = new IdentityEvent(Idp)
        {
            Id = updated is null || id is null ? id : DerivedIds.Of("entra-risk-", id, updated, state, details.Text("riskLevel")),
            DerivedIdPrefix = DerivedIdPrefix,
            Time = time,
            TimeSource = timeSource,
            Kind = EventKinds.AuthRisk,
            Action = action,
            EventType = riskType is null ? action : $"{action}/{riskType}",
        };

        if (!RiskSubject(e, details, category, isState ? id : null))
        {
            errors.Add(new ItemError(index, "properties.userPrincipalName",
                "required: the user (userPrincipalName or userId) or service principal (servicePrincipalId, appId) the risk record rates"));
            return;
        }

        e.Tenant = TenantOf(record, details, "homeTenantId");
        e.SourceIp = details.Text("ipAddress") ?? record.Text("callerIpAddress");
        Location(e, record, details, recordCountry: false);
        if (details.ArrayOrText("additionalInfo") is { ValueKind: JsonValueKind.Array } info)
        {
            foreach (var pair in info.EnumerateArray())
            {
                if (string.Equals(pair.Text("Key"), "userAgent", StringComparison.OrdinalIgnoreCase))
                {
                    e.UserAgent = pair.Text("Value");
                }
            }
        }

        var held = state is null || state.Equals("atRisk", StringComparison.OrdinalIgnoreCase) || state.Equals("confirmedCompromised", StringComparison.OrdinalIgnoreCase);
        e.Risk(held ? details.Text("riskLevel") : RiskLevels.None);

        // A detection exported again once dismissed, remediated or confirmed safe speaks of that change, not of the
        // detection: dated at its lastUpdatedDateTime, a request made while the risk was still held reads as such in
        // whatever order the records arrive (a risky user's state is dated at its update already).
        if (!held && !isState && (details.Find("lastUpdatedDateTime") ?? record.Find("lastUpdatedDateTime")) is { } changed
            && IdentityJson.TryTime(changed, out var changedAt) && changedAt > e.Time)
        {
            e.Time = changedAt;
        }
        if (state is not null && !state.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            e.Set(RiskStateAttribute, state);
        }

        e.Add(IdentityAttributes.IdpRiskEvents, riskType is null || riskType.Equals("generic", StringComparison.OrdinalIgnoreCase) ? [] : [riskType]);
        if (string.Equals(state, "confirmedCompromised", StringComparison.OrdinalIgnoreCase))
        {
            e.Add(IdentityAttributes.IdpRiskEvents, ["credential_compromise"]);
        }

        // The sign-in a detection was found on: its request id is the sign-in's id, its correlation id the sign-in's too.
        e.Set(IdentityAttributes.IdpCorrelationId, details.Text("correlationId") ?? record.Text("correlationId"))
            .Set(RequestIdAttribute, details.Text("requestId"))
            .Set(RiskTimingAttribute, details.Text("detectionTimingType"))
            .Set(RiskSourceAttribute, details.Text("source"))
            .Set(RiskActivityAttribute, details.Text("activity"))
            .Set(IdentityAttributes.IdpMessage, details.Text("riskDetail") is { } detail && !detail.Equals("none", StringComparison.OrdinalIgnoreCase) ? detail : null);
        IdentityEvent.Emit(e, record, index, options, items, errors);
    }

    /// <summary>
    /// Who a risk record rates, named as their sign-ins name them: a user by <c>userPrincipalName</c> (else the user's id),
    /// a service principal by its display name (else its object id, else its application id), with the object id as
    /// <c>idp.user_id</c> so <c>Ingest:IdentitySubjects:entra=user_id</c> keys both alike. A state record's own
    /// <paramref name="stateId"/> is the user's or service principal's object id. False when the record names nobody.
    /// </summary>
    private static bool RiskSubject(IdentityEvent e, JsonElement details, string category, string? stateId)
    {
        var servicePrincipal = category.Contains("ServicePrincipal", StringComparison.OrdinalIgnoreCase)
            || (details.FirstText("userPrincipalName", "userId", "userDisplayName") is null
                && details.FirstText("servicePrincipalId", "servicePrincipalDisplayName", "appId", "servicePrincipalType") is not null);
        if (!servicePrincipal)
        {
            var objectId = details.Text("userId") ?? stateId;
            e.SubjectId = UserName(details.Text("userPrincipalName"), objectId) ?? objectId;
            e.Set(IdentityAttributes.IdpUserId, objectId);
            return e.SubjectId is not null;
        }

        var spId = details.Text("servicePrincipalId") ?? stateId;
        e.SubjectId = details.FirstText("servicePrincipalDisplayName", "displayName") ?? spId ?? details.Text("appId");
        e.SubjectType = IdentitySubjectTypes.ServiceAccount;
        e.ClientId = details.Text("appId");
        e.Set(IdentityAttributes.IdpUserId, spId);
        return e.SubjectId is not null;
    }
}
