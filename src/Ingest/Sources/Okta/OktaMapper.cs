namespace ZtStream.Ingest.Sources.Okta;

/// <summary>
/// Maps Okta System Log events (the <c>LogEvent</c> object) onto canonical identity events: an Event Hook delivery
/// (<c>{"eventType":"com.okta.event_hook", "data":{"events":[…]}}</c>), the System Log API's JSON array, one event,
/// or one event per line. Pure: bytes in, events and per-item errors out. A LogEvent names no org; the org an envelope
/// names is its events' <c>subject.tenant</c>: an Event Hook delivery's <c>source</c> (the hook's URL on the org,
/// <c>https://acme.okta.com/api/v1/eventHooks/who…</c>: the host, <c>acme.okta.com</c>) and an EventBridge event's
/// <c>source</c> (<c>aws.partner/okta.com/ORG/NAME</c>: the org's name, <c>acme</c>).
/// </summary>
internal static partial class OktaMapper
{
    public const string Idp = "okta";

    /// <summary>The header of Okta's one-time event hook verification request.</summary>
    public const string VerificationHeader = "x-okta-verification-challenge";

    // The prefix of an id derived for a LogEvent without its uuid: a uuid is hex and dashes only.
    private const string DerivedIdPrefix = "okta-";

    // Suspicious Activity Reporting: the user marked the activity an Okta notification told them of as not theirs.
    private const string SuspiciousActivityReported = "user.account.report_suspicious_activity_by_enduser";

    // Identity Threat Protection's post-auth session evaluation: the context a session is used in (its address, its
    // device) changed from the one it was made in.
    private const string SessionContextChanged = "user.session.context.change";

    // OAuth consent: a user's to a custom authorization server, a user's to the org authorization server, and an
    // administrator's grant of the org's API scopes to an application (Okta's event types catalogue).
    private const string UserConsentGranted = "app.oauth2.as.consent.grant";
    private const string OrgUserConsentGranted = "app.oauth2.consent.grant";
    private const string AdminConsentGranted = "app.oauth2.admin.consent.grant";
    private const string AppConsent = "app_consent";

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null)
    {
        // Set when the payload is an Event Hook delivery: every event it carries is of the org that sent it.
        string? hookOrg = null;
        return JsonPayload.MapObjects(
            json,
            "an Okta LogEvent",
            options,
            (item, index, o, items, errors) => MapOne(item, index, o, items, errors, hookOrg),
            root =>
            {
                var events = HookEvents(root);
                hookOrg = events is null ? null : HookOrg(root);
                return events;
            });
    }

    /// <summary>The host of the org an Event Hook delivery's <c>source</c> names, lower-cased; null when it names none.</summary>
    private static string? HookOrg(JsonElement root)
    {
        string? source;
        try
        {
            source = root.String("source");
        }
        catch (InvalidOperationException)
        {
            // Not valid UTF-8: it names no org (the events it carries are still read, each on its own).
            return null;
        }

        return source is not null && Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            && uri.IdnHost is { Length: > 0 } host
            ? host.ToLowerInvariant()
            : null;
    }

    /// <summary>
    /// The org an EventBridge event's <c>source</c> names (<c>aws.partner/okta.com/ORG/NAME</c>: Okta names the org by its
    /// subdomain there), lower-cased; null for any other source.
    /// </summary>
    private static string? EventBridgeOrg(JsonElement envelope) =>
        envelope.Text("source")?.Split('/') is ["aws.partner", "okta.com", { Length: > 0 } org, ..] ? org.ToLowerInvariant() : null;

    /// <summary>The events of an Event Hook delivery; null for any other value, which is then one LogEvent.</summary>
    private static WrappedItems? HookEvents(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("uuid", out _) || root.Child("data") is not { ValueKind: JsonValueKind.Object } data)
        {
            return null;
        }

        return data.Child("events") is { ValueKind: JsonValueKind.Array } events
            ? new WrappedItems(events)
            : new WrappedItems(root, "data.events", "an Okta event hook delivery needs a \"data.events\" array");
    }

    private static void MapOne(JsonElement item, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors, string? hookOrg)
    {
        // Log Streaming to Amazon EventBridge delivers each LogEvent as an EventBridge event's "detail".
        if (!EventBridgeEnvelope.TryRecord(item, index, "an Okta LogEvent", errors, out var log, out var at))
        {
            return;
        }

        var eventType = log.Text("eventType");
        if (eventType is null)
        {
            errors.Add(new ItemError(index, at + "eventType", "data not recognized as an Okta LogEvent: required string \"eventType\" is missing"));
            return;
        }

        // A LogEvent without its uuid or published (a test record, a pipeline that dropped them) is still judged: under an
        // id derived from what identifies it, dated as any undated record. A published that is not a time is bad input.
        if (!IdentityEvent.TryTime(log.Find("published"), at + "published", "not an ISO 8601 timestamp", "required: when the event happened", index, options, errors, out var time, out var timeSource))
        {
            return;
        }

        var e = new IdentityEvent(Idp)
        {
            Id = log.Text("uuid"),
            DerivedIdPrefix = DerivedIdPrefix,
            Time = time,
            TimeSource = timeSource,
            Action = eventType,
            Tenant = at.Length > 0 ? EventBridgeOrg(item) : hookOrg,
        };
        var actor = log.Object("actor");
        var targets = log.ListOrOne("target");
        var targetUser = targets.FirstOfType("User");
        var (kind, change) = Classify(eventType, log);
        e.Change(kind, change);

        // The subject is whose sign-in, session, credential or account it is, or whom a risk rates (Identity Threat
        // Protection logs a user's risk and a session's context change under its system principal when it finds them
        // itself); for administrative changes it is the administrator, and the affected user is named in auth.target_user.
        var actorName = UserName(actor);
        var affectsTarget = kind is EventKinds.AuthSessionRevoked or EventKinds.AuthCredentialChange or EventKinds.AuthAccountChange or EventKinds.AuthRisk
            && targetUser is not null;
        if (affectsTarget)
        {
            e.SubjectId = UserName(targetUser);
            e.Set(IdentityAttributes.IdpUserId, targetUser.Text("id"));
            if (!string.Equals(actorName, e.SubjectId, StringComparison.Ordinal))
            {
                e.Set(IdentityAttributes.Actor, actorName);
            }
        }
        else
        {
            e.SubjectId = actorName;
            e.SubjectType = ActorType(actor.Text("type"));
            if (!string.Equals(actor.Text("id"), actorName, StringComparison.Ordinal))
            {
                e.Set(IdentityAttributes.IdpUserId, actor.Text("id"));
            }

            if (targetUser is not null && !string.Equals(UserName(targetUser), actorName, StringComparison.Ordinal))
            {
                e.Set(IdentityAttributes.TargetUser, UserName(targetUser));
            }
        }

        var client = log.Object("client");
        // request.ipChain lists the client's address first, then the proxies it came through; an event without a client
        // object (some system and hook deliveries) names the address only there.
        e.SourceIp = client.Text("ipAddress") ?? log.Object("request").Array("ipChain").FirstObject().Text("ip");
        e.UserAgent = client.Object("userAgent").Text("rawUserAgent");
        e.ClientId = client.Text("id");
        var geo = client.Object("geographicalContext");
        e.Set(IdentityAttributes.GeoCountry, geo.Text("country"))
            .Set(IdentityAttributes.GeoRegion, geo.Text("state"))
            .Set(IdentityAttributes.GeoCity, geo.Text("city"))
            .Set(IdentityAttributes.DeviceBrowser, client.Object("userAgent").Text("browser"))
            .Set(IdentityAttributes.DeviceOs, client.Object("userAgent").Text("os"));

        // Newer orgs report the device Okta Verify or a device assurance policy saw.
        var device = log.Object("device");
        e.Set(IdentityAttributes.DeviceId, device.Text("id"))
            .Set(IdentityAttributes.DeviceName, device.Text("name"))
            .Set(IdentityAttributes.DeviceManaged, device.Flag("managed"));
        if (device.Text("os_platform") is { } platform)
        {
            e.Set(IdentityAttributes.DeviceOs, device.Text("os_version") is { } version ? $"{platform} {version}" : platform);
        }

        var authentication = log.Object("authenticationContext");
        e.SessionId = authentication.Text("externalSessionId");
        e.Set(IdentityAttributes.Connection, authentication.Text("authenticationProvider"));

        var security = log.Object("securityContext");
        e.Set(IdentityAttributes.NetProxy, security.Flag("isProxy"))
            .Set(IdentityAttributes.NetAsn, security.Number("asNumber"))
            .Set(IdentityAttributes.NetIsp, security.FirstText("isp", "asOrg"));

        var outcome = log.Object("outcome");
        var result = outcome.Text("result")?.ToUpperInvariant();
        var reason = outcome.Text("reason");
        e.Outcome = result switch
        {
            "SUCCESS" or "ALLOW" => Outcomes.Success,
            "FAILURE" or "DENY" => Outcomes.Denied,
            _ => null,
        };
        if (e.Outcome != Outcomes.Success)
        {
            e.Set(IdentityAttributes.FailureReason, reason);
        }

        var debug = log.Object("debugContext").Object("debugData");

        // The hash of the browser's device-token cookie: it is set once per browser and outlives its sessions, so one
        // session seen with two is one session cookie in two browsers (Okta's session hijacking guidance).
        e.Set(IdentityAttributes.DeviceToken, debug.Text("dtHash"));
        e.Set(IdentityAttributes.IdpMessage, log.Text("displayMessage"))
            .Set(IdentityAttributes.IdpCorrelationId, log.Object("transaction").Text("id") ?? debug.Text("requestId"));
        Risk(e, debug);
        if (eventType.Equals(SessionContextChanged, StringComparison.OrdinalIgnoreCase))
        {
            // What changed (causes: ipAddress.change, deviceContext.change) beside the risk Okta rated the change at. The
            // session that changed is debugData's externalSessionId: a change Okta found asynchronously (a device's) is
            // logged by its system principal, outside the session, whose authenticationContext names none or "unknown".
            e.Add(IdentityAttributes.IdpRiskEvents, [.. debug.Words("causes").Select(cause => cause.Trim('[', ']', '"')).Where(cause => cause.Length > 0)]);
            e.SessionId = debug.Text("externalSessionId") ?? e.SessionId;
        }

        if (eventType.Equals(SuspiciousActivityReported, StringComparison.OrdinalIgnoreCase))
        {
            // The user says the sign-in or change Okta told them of was not theirs: high, as Entra ID Protection rates the
            // same report (userReportedSuspiciousActivity). The session the record names is the one the user reported
            // from (the dashboard's report-suspicious-activity request), not the one reported, which the record names only
            // by its address and transaction (debugData.suspiciousActivityEvent*): so the report rates the user, and with
            // it every session of theirs open then, rather than the very session that raised the alarm.
            e.Add(IdentityAttributes.IdpRiskEvents, ["userReportedSuspiciousActivity"]).Risk("high");
            e.SessionId = null;
        }

        var factor = debug.Text("factor")
            ?? targets.FirstOfType("AuthenticatorEnrollment")?.Text("displayName")
            ?? authentication.Text("credentialType");
        e.Set(IdentityAttributes.Factor, Factors.Normalise(factor));

        if (targets.FirstOfType("AppInstance") is { } app)
        {
            e.Set(IdentityAttributes.App, app.FirstText("displayName", "alternateId"));
            e.ResourceType = "application";
            e.ResourceId = app.FirstText("alternateId", "displayName", "id");
        }

        if (kind == EventKinds.AuthMfa)
        {
            e.Set(IdentityAttributes.MfaResult, MfaResult(eventType, result, reason));
        }

        if (kind == EventKinds.AuthAdminChange)
        {
            e.Set(IdentityAttributes.TargetRole, debug.Text("privilegeGranted") ?? debug.Text("privilegeRevoked") ?? targets.FirstOfType("ROLE")?.Text("displayName"));
            if (e.ResourceType is null && targets.FirstObject() is { } first)
            {
                e.ResourceType = first.Text("type")?.ToLowerInvariant();
                e.ResourceId = first.FirstText("alternateId", "displayName", "id");
            }
        }

        // A consent names each scope granted as a ConsentGrant target. An administrator's consent grants the org's API
        // scopes (okta.*) to the application itself, for every user; a user's, the user's own.
        if (change == AppConsent)
        {
            e.Add(IdentityAttributes.Scopes, ConsentedScopes(targets))
                .Set(IdentityAttributes.Consent, eventType.Equals(AdminConsentGranted, StringComparison.OrdinalIgnoreCase) ? "all_users" : "user");
        }

        // What a token was granted (authorization servers' token and consent grants) and how its client proved itself.
        e.Add(IdentityAttributes.Scopes, debug.Words("grantedScopes"))
            .Set(IdentityAttributes.ClientAuth, debug.Text("clientAuthType")?.ToLowerInvariant() switch
            {
                "none" => "public_client",
                "client_secret_basic" or "client_secret_post" or "client_secret_jwt" => "client_secret",
                "private_key_jwt" => "client_certificate",
                _ => null,
            });

        // The token a grant issued or a revocation ended is one of the event's targets, typed access_token, refresh_token or
        // id_token, its id the token's jti (Okta's LogEvent target, detailEntry holding expires, subject and hash): kept as
        // token.jti so a revocation can name the very token.
        if ((targets.FirstOfType("access_token") ?? targets.FirstOfType("refresh_token") ?? targets.FirstOfType("id_token")) is { } token)
        {
            e.TokenId = token.Text("id");
        }

        if (kind is EventKinds.AuthTokenIssued && debug.Text("grantType") is "refresh_token")
        {
            e.Kind = EventKinds.AuthTokenRefreshed;
        }

        IdentityEvent.Emit(e, log, index, options, items, errors);
    }

    /// <summary>Okta event type → canonical kind, and what changed for the change kinds.</summary>
    internal static (string Kind, string? Change) Classify(string eventType, JsonElement log)
    {
        var t = eventType.ToLowerInvariant();
        (string, string?)? known = t switch
        {
            "user.session.start" or "user.authentication.sso" or "user.authentication.authenticate" => (EventKinds.AuthLogin, null),
            "user.authentication.auth_via_mfa" or "user.mfa.okta_verify.deny_push" or "user.mfa.okta_verify.deny_push_upgrade_needed"
                or "system.push.send_factor_verify_push" or "user.mfa.attempt_bypass" => (EventKinds.AuthMfa, null),
            "user.authentication.verify" => (VerifiedFactorKind(log), null),
            "user.session.end" or "user.session.expire" => (EventKinds.AuthLogout, null),
            "user.session.clear" or "user.session.context.clear" => (EventKinds.AuthSessionRevoked, null),
            "user.mfa.factor.activate" => (EventKinds.AuthCredentialChange, "enroll"),
            "user.mfa.factor.deactivate" => (EventKinds.AuthCredentialChange, "remove"),
            "user.mfa.factor.update" or "user.account.update_password" => (EventKinds.AuthCredentialChange, "update"),
            "user.mfa.factor.reset_all" or "user.account.reset_password" or "user.credential.forgot_password" => (EventKinds.AuthCredentialChange, "reset"),
            "user.account.lock" or "user.account.lock.limit" => (EventKinds.AuthAccountChange, "locked"),
            "user.account.unlock" or "user.account.unlock_by_admin" => (EventKinds.AuthAccountChange, "unlocked"),
            SuspiciousActivityReported or "security.threat.detected" or "security.session.detect_client_roaming" or SessionContextChanged
                or "user.risk.change" or "user.risk.detect" => (EventKinds.AuthRisk, null),
            "system.api_token.create" => (EventKinds.AuthAdminChange, "api_token_create"),
            "system.api_token.revoke" => (EventKinds.AuthAdminChange, "api_token_revoke"),
            UserConsentGranted or OrgUserConsentGranted or AdminConsentGranted => (EventKinds.AuthAdminChange, AppConsent),
            _ => null,
        };
        if (known is { } pair)
        {
            return pair;
        }

        if (t.StartsWith("user.authentication.auth_via_", StringComparison.Ordinal))
        {
            return (EventKinds.AuthLogin, null);
        }

        if (t.StartsWith("user.lifecycle.", StringComparison.Ordinal))
        {
            return (EventKinds.AuthAccountChange, t["user.lifecycle.".Length..] switch
            {
                "suspend" => "suspended",
                "unsuspend" => "unsuspended",
                "deactivate" => "disabled",
                "activate" or "reactivate" => "enabled",
                "create" => "created",
                var other when other.StartsWith("delete", StringComparison.Ordinal) => "deleted",
                var other => other,
            });
        }

        if (t.StartsWith("app.oauth2.", StringComparison.Ordinal) && t.Contains(".token.", StringComparison.Ordinal))
        {
            if (t.Contains(".revoke", StringComparison.Ordinal))
            {
                return (EventKinds.AuthTokenRevoked, null);
            }

            if (t.Contains(".grant", StringComparison.Ordinal))
            {
                return (EventKinds.AuthTokenIssued, null);
            }
        }

        if (t.EndsWith(".privilege.grant", StringComparison.Ordinal) || (t.StartsWith("iam.", StringComparison.Ordinal) && t.Contains("grant", StringComparison.Ordinal)))
        {
            return (EventKinds.AuthAdminChange, "role_grant");
        }

        if (t.EndsWith(".privilege.revoke", StringComparison.Ordinal) || (t.StartsWith("iam.", StringComparison.Ordinal) && t.Contains("revoke", StringComparison.Ordinal)))
        {
            return (EventKinds.AuthAdminChange, "role_revoke");
        }

        if (t.StartsWith("policy.lifecycle.", StringComparison.Ordinal) || t.StartsWith("policy.rule.", StringComparison.Ordinal))
        {
            return (EventKinds.AuthAdminChange, "policy_change");
        }

        if (t.StartsWith("system.idp.lifecycle.", StringComparison.Ordinal))
        {
            return (EventKinds.AuthAdminChange, "idp_" + t["system.idp.lifecycle.".Length..]);
        }

        if (t.StartsWith("application.lifecycle.", StringComparison.Ordinal))
        {
            return (EventKinds.AuthAdminChange, "app_" + t["application.lifecycle.".Length..]);
        }

        return (EventKinds.IdpEvent, null);
    }

    /// <summary>The scopes a consent granted: its <c>ConsentGrant</c> targets' names.</summary>
    private static List<string> ConsentedScopes(JsonElement? targets) =>
        [.. targets.AllOfType("ConsentGrant").Select(target => target.Text("displayName")).OfType<string>()];

    // Identity Engine logs every authenticator verified; the password is the first factor, not MFA.
    private static string VerifiedFactorKind(JsonElement log) =>
        Factors.Normalise(log.Object("debugContext").Object("debugData").Text("factor")
            ?? log.Array("target").FirstOfType("AuthenticatorEnrollment")?.Text("displayName")) is null or Factors.Password
            ? EventKinds.AuthLogin
            : EventKinds.AuthMfa;

    private static string MfaResult(string eventType, string? result, string? reason)
    {
        if (eventType.Equals("system.push.send_factor_verify_push", StringComparison.OrdinalIgnoreCase))
        {
            return MfaResults.Challenge;
        }

        if (eventType.Contains("deny_push", StringComparison.OrdinalIgnoreCase)
            || (reason is not null && (reason.Contains("rejected", StringComparison.OrdinalIgnoreCase) || reason.Contains("denied", StringComparison.OrdinalIgnoreCase))))
        {
            return MfaResults.Denied;
        }

        if (reason is not null && (reason.Contains("timed out", StringComparison.OrdinalIgnoreCase) || reason.Contains("timeout", StringComparison.OrdinalIgnoreCase)))
        {
            return MfaResults.Timeout;
        }

        return result switch
        {
            "SUCCESS" or "ALLOW" => MfaResults.Success,
            "CHALLENGE" => MfaResults.Challenge,
            "FAILURE" or "DENY" => MfaResults.Failure,
            _ => MfaResults.Error,
        };
    }

    /// <summary>
    /// Okta's findings in debugData, in the shapes Okta and the log pipelines in between write them: <c>risk</c> as
    /// <c>{reasons=…, level=HIGH}</c> (or an object); <c>logOnlySecurityData</c> as JSON text (or an object a pipeline
    /// already parsed) holding <c>risk</c> and <c>behaviors</c>; <c>behaviors</c> as <c>{New Device=POSITIVE, Velocity=NEGATIVE, …}</c>
    /// (or a list of <c>Name=VALUE</c>, or an object); ThreatInsight's <c>threatDetections</c> as JSON text
    /// (<c>{"Password Spray":"HIGH"}</c>); <c>threatSuspected</c> as a string flag.
    /// </summary>
    private static void Risk(IdentityEvent e, JsonElement? debug)
    {
        RiskOf(e, debug.Find("risk"));
        switch (IdentityJson.Embedded(debug.Find("logOnlySecurityData")))
        {
            case { ValueKind: JsonValueKind.Object } security:
                RiskOf(e, security.Find("risk"));
                Behaviors(e, security.Find("behaviors"));
                break;
            case { } text:
                RiskOf(e, text);
                break;
        }

        Behaviors(e, debug.Find("behaviors"));

        // ThreatInsight names each threat with its confidence; the most confident one is the event's risk.
        if (IdentityJson.Embedded(debug.Find("threatDetections")) is { ValueKind: JsonValueKind.Object } threats)
        {
            foreach (var threat in threats.EnumerateObject())
            {
                e.Add(IdentityAttributes.IdpRiskEvents, [threat.Name]);
                e.Risk(IdentityJson.Clean(threat.Value.ValueKind == JsonValueKind.String ? threat.Value.GetString() : null));
            }
        }

        if (debug.Flag("threatSuspected") is true)
        {
            e.Add(IdentityAttributes.IdpRiskEvents, ["threat_suspected"]);
        }
    }

    /// <summary>A risk object (<c>level</c>, <c>reasons</c>) or Okta's <c>{reasons=…, level=…}</c> text.</summary>
    private static void RiskOf(IdentityEvent e, JsonElement? risk)
    {
        switch (IdentityJson.Embedded(risk))
        {
            case { ValueKind: JsonValueKind.Object } o:
                e.Risk(o.Text("level"));
                if (o.FirstText("reasons", "reason") is { } listed)
                {
                    e.Add(IdentityAttributes.IdpRiskEvents, listed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                }

                break;
            case { ValueKind: JsonValueKind.String } s when s.GetString() is { Length: <= 4096 } text:
                if (LevelPattern().Match(text) is { Success: true } level)
                {
                    e.Risk(level.Groups["level"].Value);
                }

                if (ReasonsPattern().Match(text) is { Success: true } reasons)
                {
                    e.Add(IdentityAttributes.IdpRiskEvents, reasons.Groups["reasons"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                }

                break;
        }
    }

    /// <summary>
    /// Okta's behaviour detection: each behaviour is POSITIVE when Okta saw it (a new device, a new country, an improbable
    /// velocity between two sign-ins), NEGATIVE or UNKNOWN otherwise. The POSITIVE ones are findings, by Okta's names.
    /// </summary>
    private static void Behaviors(IdentityEvent e, JsonElement? behaviors)
    {
        var seen = new List<string>();
        switch (IdentityJson.Embedded(behaviors))
        {
            case { ValueKind: JsonValueKind.Object } o:
                foreach (var behavior in o.EnumerateObject())
                {
                    if (behavior.Value.ValueKind == JsonValueKind.String && IsPositive(behavior.Value.GetString()))
                    {
                        seen.Add(behavior.Name);
                    }
                }

                break;
            case { ValueKind: JsonValueKind.Array } a:
                foreach (var item in a.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        AddIfPositive(seen, item.GetString());
                    }
                }

                break;
            case { ValueKind: JsonValueKind.String } s when s.GetString() is { Length: <= 4096 } text:
                foreach (var pair in text.Trim().TrimStart('{').TrimEnd('}').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    AddIfPositive(seen, pair);
                }

                break;
        }

        e.Add(IdentityAttributes.IdpRiskEvents, seen);
    }

    /// <summary>Adds the name of a <c>Name=VALUE</c> pair whose value is POSITIVE.</summary>
    private static void AddIfPositive(List<string> seen, string? pair)
    {
        var equals = pair?.LastIndexOf('=') ?? -1;
        if (equals > 0 && IsPositive(pair![(equals + 1)..]))
        {
            seen.Add(pair[..equals].Trim());
        }
    }

    private static bool IsPositive(string? value) => value?.Trim().Equals("POSITIVE", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// A user's login (<c>alternateId</c>), which Okta compares without regard to case and logs as it was typed, in the
    /// one form every adapter keys a login by (<see cref="LoginNames"/>); else the user's id (<c>00u…</c>, opaque, as
    /// written). The <c>alternateId</c> of an application, a client or a token is its name, kept as written.
    /// </summary>
    private static string? UserName(JsonElement? user) =>
        user.Text("alternateId") is { } alternateId
            ? user.Text("type") is not { } type || type.Equals("User", StringComparison.OrdinalIgnoreCase) ? LoginNames.Fold(alternateId) : alternateId
            : user.FirstText("id", "displayName");

    private static string ActorType(string? type) => type?.ToLowerInvariant() switch
    {
        "user" or null => IdentitySubjectTypes.User,
        "systemprincipal" => IdentitySubjectTypes.System,
        _ => IdentitySubjectTypes.ServiceAccount,
    };

    [GeneratedRegex(@"level[""']?\s*[=:]\s*[""']?(?<level>[A-Za-z_]+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex LevelPattern();

    [GeneratedRegex(@"reasons?[""']?\s*[=:]\s*[""']?(?<reasons>[^""'}\]]*?)\s*(?:,\s*level\b|[""'}\]]|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex ReasonsPattern();
}
