namespace ZtStream.Ingest.Sources.Auth0;

/// <summary>
/// Maps Auth0 tenant logs onto canonical identity events: a custom-webhook log stream's body (a JSON array, JSON lines
/// or one object of <c>{"log_id", "data"}</c>), and bare log objects as the Management API's <c>/api/v2/logs</c>
/// returns them. The event type code (<c>s</c>, <c>f</c>, <c>fp</c>, <c>fu</c>, <c>gd_*</c>, <c>seacft</c>,
/// <c>sapi</c>, <c>pwd_leak</c>, <c>limit_wc</c> …) decides the kind. Pure.
/// </summary>
internal static class Auth0Mapper
{
    public const string Idp = "auth0";

    // The prefix of an id derived for a log without its log_id: a log_id is digits (hex in older tenants' _id).
    private const string DerivedIdPrefix = "auth0-derived-";

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null) =>
        JsonPayload.MapObjects(json, "an Auth0 log", options, MapOne);

    private static void MapOne(JsonElement delivered, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        // An EventBridge log stream delivers each {"log_id", "data"} as an EventBridge event's "detail".
        if (!EventBridgeEnvelope.TryRecord(delivered, index, "an Auth0 log ({\"log_id\", \"data\"})", errors, out var item, out var prefix))
        {
            return;
        }

        // A log stream wraps each log as {"log_id": …, "data": {…}}.
        var wrapped = item.Text("type") is null && item.Object("data") is not null;
        var log = wrapped ? item.Object("data")!.Value : item;
        prefix += wrapped ? "data." : "";
        var type = log.Text("type");
        if (type is null)
        {
            errors.Add(new ItemError(index, prefix + "type", "data not recognized as an Auth0 log: required event type code \"type\" is missing"));
            return;
        }

        // A log without its log_id or date is still judged: under an id derived from what identifies it, dated as any
        // undated record. A date that is not a time is bad input.
        if (!IdentityEvent.TryTime(log.Find("date"), prefix + "date", "not an ISO 8601 timestamp", "required: when the event happened", index, options, errors, out var time, out var timeSource))
        {
            return;
        }

        var details = log.Object("details");
        var e = new IdentityEvent(Idp)
        {
            Id = (log.FirstText("log_id", "_id") ?? item.Text("log_id")) is { } id ? "auth0-" + id : null,
            DerivedIdPrefix = DerivedIdPrefix,
            Time = time,
            TimeSource = timeSource,
            Action = type,
            Tenant = log.Text("tenant_name"),
            // A failed authorization request may name its application only in the request's query or body.
            ClientId = log.Text("client_id") ?? details.Object("qs").Text("client_id") ?? details.Object("body").Text("client_id"),
            SourceIp = log.Text("ip"),
            UserAgent = log.Text("user_agent"),
            SessionId = details.Text("session_id") ?? PromptSession(details),
        };

        // Auth0 finds a database user by user name or e-mail address whatever its case (and stores both in lower case), but
        // logs the name as it was typed: a login is keyed in one form (LoginNames); user_id (auth0|…) is opaque, as written.
        var userName = LoginNames.Fold(log.Text("user_name"));
        var userId = log.Text("user_id");
        // A notification (fn: an email Auth0 could not send) names its user only as the addressee.
        e.SubjectId = userName ?? userId ?? LoginNames.Fold(details.Text("to"));
        if (userName is not null)
        {
            e.Set(IdentityAttributes.IdpUserId, userId);
        }

        e.Set(IdentityAttributes.IdpMessage, log.Text("description"))
            .Set(IdentityAttributes.App, log.Text("client_name"))
            .Set(IdentityAttributes.Connection, log.Text("connection") ?? log.Text("strategy"))
            .Set(IdentityAttributes.IdpCorrelationId, log.Object("references").Text("correlation_id") ?? log.Text("correlation_id") ?? details.Text("transaction_id"))
            .Set(IdentityAttributes.DeviceId, details.Text("device_id"));
        if (log.Text("client_name") is { } app)
        {
            e.ResourceType = "application";
            e.ResourceId = app;
        }

        var location = log.Object("location_info");
        e.Set(IdentityAttributes.GeoCountry, location.FirstText("country_code", "country_name"))
            .Set(IdentityAttributes.GeoCity, location.Text("city_name"))
            .Set(IdentityAttributes.GeoRegion, location.Text("subdivision_name"));

        // What a token exchange granted: a string of scopes from the Management API, a string or an array in a log stream.
        e.Add(IdentityAttributes.Scopes, log.Words("scope"));
        Risk(e, details);

        Classify(e, type.ToLowerInvariant(), log, details);
        if (e.Outcome is Outcomes.Denied or Outcomes.Error)
        {
            e.Set(IdentityAttributes.FailureReason, log.Text("description") ?? details.Text("error"));
        }

        if (e.SubjectId is null && e.SourceIp is null && e.ClientId is not null)
        {
            // Neither a user nor an address (a tenant-side failure logged for an application): the record belongs to the
            // application, so it is kept and scored rather than refused.
            e.SubjectId = e.ClientId;
            e.SubjectType = IdentitySubjectTypes.ServiceAccount;
        }

        IdentityEvent.Emit(e, item, index, options, items, errors);
    }

    /// <summary>The event type code decides the kind, the outcome and, for MFA, the result.</summary>
    private static void Classify(IdentityEvent e, string type, JsonElement log, JsonElement? details)
    {
        // The factor of an MFA step, from the authenticator Guardian names.
        var authenticator = details.Object("authenticator").Text("type") ?? details.Object("enrollment").Text("type");
        switch (type)
        {
            case "s" or "ssa" or "scoa" or "si":
                e.Kind = EventKinds.AuthLogin;
                e.Outcome = Outcomes.Success;
                e.Set(IdentityAttributes.Interactive, type != "ssa");
                e.Set(IdentityAttributes.Factor, Factors.Normalise(PerformedFactor(details) ?? log.Text("strategy_type")));
                return;
            case "f" or "fp" or "fu" or "fsa" or "fcoa" or "fc" or "fco" or "fens" or "fpar":
                e.Kind = EventKinds.AuthLogin;
                e.Outcome = Outcomes.Denied;
                e.Set(IdentityAttributes.Interactive, type != "fsa");
                e.Set(IdentityAttributes.ResultCode, type == "fp" ? "wrong_password" : type == "fu" ? "unknown_user" : null);
                if (type == "fp")
                {
                    e.Set(IdentityAttributes.Factor, Factors.Password);
                }

                return;
            case "mfar":
                Mfa(e, MfaResults.Challenge, authenticator);
                return;
            case "gd_send_pn" or "gd_send_sms" or "gd_send_voice" or "gd_send_mail" or "gd_start_auth":
                Mfa(e, MfaResults.Challenge, authenticator ?? type switch
                {
                    "gd_send_pn" => Factors.Push,
                    "gd_send_sms" => Factors.Sms,
                    "gd_send_voice" => Factors.Voice,
                    "gd_send_mail" => Factors.Email,
                    _ => null,
                });
                return;
            case "gd_auth_succeed" or "gd_recovery_succeed":
                Mfa(e, MfaResults.Success, authenticator ?? (type == "gd_recovery_succeed" ? Factors.RecoveryCode : null));
                e.Outcome = Outcomes.Success;
                return;
            case "gd_auth_rejected":
                Mfa(e, MfaResults.Denied, authenticator ?? Factors.Push);
                e.Outcome = Outcomes.Denied;
                return;
            case "gd_auth_failed" or "gd_recovery_failed" or "gd_otp_rate_limit_exceed" or "gd_recovery_rate_limit_exceed" or "gd_webauthn_challenge_failed":
                Mfa(e, MfaResults.Failure, authenticator ?? type switch
                {
                    "gd_recovery_failed" or "gd_recovery_rate_limit_exceed" => Factors.RecoveryCode,
                    "gd_webauthn_challenge_failed" => Factors.WebAuthn,
                    _ => Factors.Otp,
                });
                e.Outcome = Outcomes.Denied;
                return;
            case "gd_send_pn_failure" or "gd_send_sms_failure" or "gd_send_voice_failure":
                Mfa(e, MfaResults.Error, authenticator);
                e.Outcome = Outcomes.Error;
                return;
            case "gd_enrollment_complete":
                Change(e, EventKinds.AuthCredentialChange, "enroll", Outcomes.Success);
                e.Set(IdentityAttributes.Factor, Factors.Normalise(authenticator));
                return;
            case "gd_unenroll":
                Change(e, EventKinds.AuthCredentialChange, "remove", Outcomes.Success);
                e.Set(IdentityAttributes.Factor, Factors.Normalise(authenticator));
                return;
            case "gd_update_device_account":
                Change(e, EventKinds.AuthCredentialChange, "update", Outcomes.Success);
                return;
            case "gd_user_delete":
                Change(e, EventKinds.AuthCredentialChange, "reset", Outcomes.Success);
                return;
            case "seccft":
            case "feccft":
                // Client credentials: the machine client is the subject, not a user.
                e.Kind = EventKinds.AuthTokenIssued;
                e.Outcome = type[0] == 's' ? Outcomes.Success : Outcomes.Denied;
                if (log.Text("user_id") is null && log.Text("user_name") is null)
                {
                    e.SubjectId = log.Text("client_id") ?? log.Text("client_name");
                    e.SubjectType = IdentitySubjectTypes.ServiceAccount;
                }

                return;
            case "scp" or "fcp":
                Change(e, EventKinds.AuthCredentialChange, "update", type[0] == 's' ? Outcomes.Success : Outcomes.Denied);
                e.Set(IdentityAttributes.Factor, Factors.Password);
                return;
            case "scpr" or "fcpr":
                Change(e, EventKinds.AuthCredentialChange, "reset_request", type[0] == 's' ? Outcomes.Success : Outcomes.Denied);
                e.Set(IdentityAttributes.Factor, Factors.Password);
                return;
            case "sce" or "fce" or "scu" or "fcu" or "scpn" or "fcpn":
                Change(e, EventKinds.AuthAccountChange, type[2..] switch { "e" => "email_update", "u" => "username_update", _ => "phone_update" }, type[0] == 's' ? Outcomes.Success : Outcomes.Denied);
                return;
            case "ss" or "fs":
                Change(e, EventKinds.AuthAccountChange, "created", type == "ss" ? Outcomes.Success : Outcomes.Denied);
                return;
            case "du" or "sdu" or "fdu":
                Change(e, EventKinds.AuthAccountChange, "deleted", type == "fdu" ? Outcomes.Denied : Outcomes.Success);
                return;
            case "ublkdu":
                Change(e, EventKinds.AuthAccountChange, "unlocked", Outcomes.Success);
                return;
            case "limit_wc" or "limit_sul":
                // Brute-force protection blocked an account (10 failures into one account from one address).
                Risk(e, "brute_force", RiskLevels.High);
                e.Outcome = Outcomes.Denied;
                return;
            case "limit_mu":
                // An address blocked after failures across many accounts: password spraying.
                Risk(e, "password_spraying", RiskLevels.High);
                e.Outcome = Outcomes.Denied;
                return;
            case "pwd_leak" or "signup_pwd_leak" or "reset_pwd_leak":
                Risk(e, "breached_password", RiskLevels.High);
                e.Outcome = Outcomes.Denied;
                e.Set(IdentityAttributes.Factor, Factors.Password);
                return;
            case "pla":
                Risk(e, "bot_detection", null);
                return;
            case "sapi" or "fapi":
                var request = details.Object("request");
                Change(e, EventKinds.AuthAdminChange, log.Text("description") ?? request.Text("method"), type == "sapi" ? Outcomes.Success : Outcomes.Denied);
                if (request.Text("path") is { } path)
                {
                    e.ResourceType = "management_api";
                    e.ResourceId = path;
                }

                // The Management API call names who made it (an admin or a machine client).
                var by = request.Object("auth").Object("user");
                if (e.SubjectId is null && (LoginNames.Fold(by.Text("email")) ?? by.FirstText("name", "user_id")) is { } admin)
                {
                    e.SubjectId = admin;
                }

                if (e.SubjectId is null && request.Object("auth").Object("credentials").Text("jti") is not null)
                {
                    e.SubjectId = log.Text("client_id");
                    e.SubjectType = IdentitySubjectTypes.ServiceAccount;
                }

                return;
        }

        (e.Kind, e.Outcome) = KindAndOutcome(type);
    }

    /// <summary>
    /// The codes that say no more than a kind and an outcome, after those that say more (<c>seccft</c> is a token exchange
    /// by name, but a client's, not a user's); any other is an <see cref="EventKinds.IdpEvent"/>.
    /// </summary>
    private static (string Kind, string? Outcome) KindAndOutcome(string type) => type switch
    {
        "slo" or "oidc_backchannel_logout_succeeded" => (EventKinds.AuthLogout, Outcomes.Success),
        "flo" or "oidc_backchannel_logout_failed" => (EventKinds.AuthLogout, Outcomes.Denied),
        "sertft" => (EventKinds.AuthTokenRefreshed, Outcomes.Success),
        "fertft" or "ferrt" => (EventKinds.AuthTokenRefreshed, Outcomes.Denied),
        "srrt" => (EventKinds.AuthTokenRevoked, Outcomes.Success),
        "sd" or "sens" or "sede" or "ciba_exchange_succeeded" => (EventKinds.AuthTokenIssued, Outcomes.Success),
        "fd" or "fede" or "ciba_exchange_failed" => (EventKinds.AuthTokenIssued, Outcomes.Denied),
        _ when type.StartsWith("se", StringComparison.Ordinal) && type.EndsWith("ft", StringComparison.Ordinal) => (EventKinds.AuthTokenIssued, Outcomes.Success),
        _ when type.StartsWith("fe", StringComparison.Ordinal) && type.EndsWith("ft", StringComparison.Ordinal) => (EventKinds.AuthTokenIssued, Outcomes.Denied),
        _ => (EventKinds.IdpEvent, null),
    };

    private static void Mfa(IdentityEvent e, string result, string? factor)
    {
        e.Kind = EventKinds.AuthMfa;
        e.Set(IdentityAttributes.MfaResult, result);
        e.Set(IdentityAttributes.Factor, Factors.Normalise(factor));
    }

    private static void Change(IdentityEvent e, string kind, string? change, string outcome) => e.Change(kind, change).Outcome = outcome;

    private static void Risk(IdentityEvent e, string finding, string? level)
    {
        e.Kind = EventKinds.AuthRisk;
        e.Add(IdentityAttributes.IdpRiskEvents, [finding]);
        e.Risk(level);
    }

    /// <summary>
    /// Adaptive MFA's risk assessment: <c>confidence</c> is the confidence that the login is the user's, so low
    /// confidence is high risk; assessors that did not find the login trustworthy are named.
    /// </summary>
    private static void Risk(IdentityEvent e, JsonElement? details)
    {
        var assessment = details.Object("riskAssessment");
        if (assessment is null)
        {
            return;
        }

        e.Risk(assessment.Text("confidence")?.ToLowerInvariant() switch
        {
            "low" => RiskLevels.High,
            "medium" => RiskLevels.Medium,
            "high" => RiskLevels.Low,
            "neutral" => RiskLevels.None,
            _ => null,
        });
        if (assessment.Object("assessments") is { } assessors)
        {
            var findings = new List<string>();
            foreach (var assessor in assessors.EnumerateObject())
            {
                if (assessor.Value.Text("confidence") is { } confidence && !confidence.Equals("high", StringComparison.OrdinalIgnoreCase)
                    && !confidence.Equals("neutral", StringComparison.OrdinalIgnoreCase))
                {
                    findings.Add(assessor.Name);
                }
            }

            e.Add(IdentityAttributes.IdpRiskEvents, findings);
        }
    }

    /// <summary>The factors a successful login performed (<c>details.prompts[].performed_amr</c>): the strongest named.</summary>
    private static string? PerformedFactor(JsonElement? details)
    {
        string? found = null;
        if (details.Array("prompts") is { } prompts)
        {
            foreach (var prompt in prompts.EnumerateArray())
            {
                foreach (var amr in prompt.Array("performed_amr").Strings())
                {
                    found = amr.Equals("pwd", StringComparison.OrdinalIgnoreCase) && found is not null ? found : amr;
                }
            }
        }

        return found;
    }

    private static string? PromptSession(JsonElement? details)
    {
        if (details.Array("prompts") is { } prompts)
        {
            foreach (var prompt in prompts.EnumerateArray())
            {
                if (prompt.Text("session_id") is { } session)
                {
                    return session;
                }
            }
        }

        return null;
    }
}
