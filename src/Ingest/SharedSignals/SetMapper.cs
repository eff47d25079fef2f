namespace ZtStream.Ingest.SharedSignals;

/// <summary>
/// Turns a validated SET into canonical events, one per event it carries: the subject from <c>sub_id</c> (RFC 9493:
/// <c>email</c>, <c>iss_sub</c>, <c>opaque</c>, <c>phone_number</c>, <c>account</c>, <c>uri</c>, <c>did</c>,
/// <c>aliases</c>, and <c>complex</c> with its user, session, device and tenant), else the event's own
/// <c>subject</c> (earlier drafts), else <c>sub</c>. Pure.
/// </summary>
internal static class SetMapper
{
    /// <summary>The events of <paramref name="set"/>; stream-control events (verification, stream-updated) give none.</summary>
    public static List<AccessEvent> Map(ValidatedSet set, SourceMapOptions options, out string? subjectText)
    {
        var events = new List<AccessEvent>();
        subjectText = null;
        var claims = set.Claims;
        var types = claims.GetProperty("events").EnumerateObject().ToList();
        var n = 0;
        foreach (var item in types)
        {
            n++;
            if (SsfEventTypes.IsStreamControl(item.Name))
            {
                continue;
            }

            var payload = item.Value;
            var subject = Subject.Of(claims.Child("sub_id") ?? payload.Child("subject"), claims.String("sub"));
            subjectText ??= subject.Describe();
            var e = new IdentityEvent("ssf:" + set.Transmitter)
            {
                // One SET may carry several events; each gets its own stable id, so a redelivered SET adds nothing.
                Id = types.Count == 1 ? $"ssf:{set.Transmitter}:{set.Jti}" : $"ssf:{set.Transmitter}:{set.Jti}:{n}",
                // The event's own time (SSF 1.0), else the SET's time of event (RFC 8417 toe), else when it was issued.
                Time = Seconds(payload, "event_timestamp") ?? Seconds(claims, "toe") ?? set.IssuedAt,
                Action = SsfEventTypes.ShortName(item.Name),
                EventType = item.Name,
                SubjectId = subject.User,
                Tenant = subject.Tenant,
                SessionId = subject.Session,
                TokenId = subject.TokenId,
            };
            if (subject.User is null)
            {
                // No user named: the most specific thing that is named stands for the principal.
                e.SubjectId = subject.Session is { } s ? "session:" + s : subject.Device is { } d ? "device:" + d : subject.Other;
                e.SubjectType = subject.Session is not null ? "session" : subject.Device is not null ? "device" : null;
            }

            e.Set(IdentityAttributes.IdpUserId, subject.User is null ? null : subject.UserId)
                .Set(IdentityAttributes.DeviceId, subject.Device)
                .Set("ssf.issuer", set.Issuer)
                .Set("ssf.jti", set.Jti)
                .Set("ssf.txn", claims.String("txn"))
                .Set("ssf.subject_format", subject.Format)
                .Set("ssf.initiating_entity", payload.String("initiating_entity"))
                .Set("ssf.reason_admin", Localized(payload.Child("reason_admin")))
                .Set("ssf.reason_user", Localized(payload.Child("reason_user")))
                .Set(IdentityAttributes.App, subject.Application);
            Classify(e, item.Name, payload);
            var mapped = e.Build(claims, options, out _);
            if (mapped is not null)
            {
                events.Add(mapped);
            }
        }

        return events;
    }

    private static void Classify(IdentityEvent e, string type, JsonElement payload)
    {
        switch (type)
        {
            case SsfEventTypes.CredentialChange:
                e.Change(EventKinds.AuthCredentialChange, payload.String("change_type"))
                    .Set(IdentityAttributes.Factor, Factors.Normalise(payload.String("credential_type")))
                    .Set("ssf.credential_type", payload.String("credential_type"));
                break;
            case SsfEventTypes.TokenClaimsChange:
                e.Change(EventKinds.AuthContextChange, "token_claims");
                if (payload.Child("claims") is { ValueKind: JsonValueKind.Object } claims)
                {
                    e.Set("ssf.claims", claims.GetRawText());
                }

                break;
            case SsfEventTypes.AssuranceLevelChange:
                e.Change(EventKinds.AuthContextChange, "assurance_level")
                    .Set("ssf.current_level", payload.String("current_level"))
                    .Set("ssf.previous_level", payload.String("previous_level"))
                    .Set("ssf.change_direction", payload.String("change_direction"))
                    .Set("ssf.namespace", payload.String("namespace"));
                break;
            case SsfEventTypes.DeviceComplianceChange:
                e.Change(EventKinds.AuthContextChange, "device_compliance")
                    .Set("ssf.current_status", payload.String("current_status"))
                    .Set("ssf.previous_status", payload.String("previous_status"));
                e.Set(IdentityAttributes.DeviceCompliant, payload.String("current_status") switch
                {
                    "compliant" => true,
                    "not-compliant" => false,
                    _ => (bool?)null,
                });
                break;
            case SsfEventTypes.SessionEstablished:
            case SsfEventTypes.SessionPresented:
                e.Kind = EventKinds.AuthLogin;
                e.Outcome = Outcomes.Success;
                e.SourceIp = payload.String("ips") ?? payload.FirstString("ips");
                e.Set(IdentityAttributes.Factor, Factors.Normalise(payload.FirstString("amr")))
                    .Set("auth.acr", payload.String("acr"));
                break;
            case SsfEventTypes.RiskLevelChange:
                e.Kind = EventKinds.AuthRisk;
                e.Risk(payload.String("current_level"));
                e.Set("idp.risk_reason", payload.String("risk_reason"))
                    .Set("ssf.previous_level", payload.String("previous_level"));
                break;
            case SsfEventTypes.CredentialCompromise:
                // A credential known to be in an attacker's hands: the strongest risk an identity provider reports.
                e.Kind = EventKinds.AuthRisk;
                e.Add(IdentityAttributes.IdpRiskEvents, ["credential_compromise"]);
                e.Risk(RiskLevels.High);
                e.Set(IdentityAttributes.Factor, Factors.Normalise(payload.String("credential_type")));
                break;
            case SsfEventTypes.AccountDisabled:
                e.Change(EventKinds.AuthAccountChange, "disabled").Set("ssf.reason", payload.String("reason"));
                if (payload.String("reason") is "hijacking")
                {
                    e.Add(IdentityAttributes.IdpRiskEvents, ["account_hijacking"]);
                    e.Risk(RiskLevels.High);
                }

                break;
            case SsfEventTypes.IdentifierChanged:
            case SsfEventTypes.IdentifierRecycled:
                e.Change(EventKinds.AuthAccountChange, type == SsfEventTypes.IdentifierChanged ? "identifier_changed" : "identifier_recycled")
                    .Set("ssf.new_value", payload.String("new-value") ?? payload.String("new_value"));
                break;
            default:
                var (kind, change) = Plain(type);
                e.Change(kind, change);
                break;
        }
    }

    /// <summary>An event type's kind, and what changed, for the types that say no more than that.</summary>
    private static (string Kind, string? Change) Plain(string type) => type switch
    {
        SsfEventTypes.SessionRevoked or SsfEventTypes.RiscSessionsRevoked => (EventKinds.AuthSessionRevoked, null),
        SsfEventTypes.AccountCredentialChangeRequired => (EventKinds.AuthCredentialChange, "change_required"),
        SsfEventTypes.AccountEnabled => (EventKinds.AuthAccountChange, "enabled"),
        SsfEventTypes.AccountPurged => (EventKinds.AuthAccountChange, "deleted"),
        _ => (EventKinds.IdpEvent, null),
    };

    private static DateTimeOffset? Seconds(JsonElement element, string name) =>
        element.Child(name) is { ValueKind: JsonValueKind.Number } t && t.TryGetInt64(out var seconds) && seconds is > 0 and < 253_402_300_799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>A CAEP reason: <c>{"en": "…", "de": "…"}</c> (English first) or, in earlier drafts, a plain string.</summary>
    private static string? Localized(JsonElement? reason) => reason switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Object } o => o.String("en") ?? o.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()).FirstOrDefault(),
        _ => null,
    };

    /// <summary>What an RFC 9493 subject identifier names.</summary>
    internal sealed record Subject(string? Format, string? User, string? Session, string? Device, string? Tenant, string? Application, string? TokenId, string? Other)
    {
        /// <summary>The provider's id for the user when the subject also names it by login (aliases, a complex user, ID token claims).</summary>
        public string? UserId { get; init; }

        public string? Describe() => User ?? (Session is null ? null : "session " + Session) ?? (Device is null ? null : "device " + Device) ?? Other;

        public static Subject Of(JsonElement? subId, string? sub)
        {
            if (subId is not { ValueKind: JsonValueKind.Object } id)
            {
                return new Subject(sub is null ? null : "sub", sub, null, null, null, null, null, null);
            }

            var format = FormatOf(id);
            if (format == "complex")
            {
                var user = Simple(id.Child("user"));
                return new Subject(
                    format,
                    user.Name ?? sub,
                    Simple(id.Child("session")).Name,
                    Simple(id.Child("device")).Name,
                    Simple(id.Child("tenant")).Name,
                    Simple(id.Child("application")).Name,
                    id.Child("user")?.String("jti"),
                    Simple(id.Child("org_unit")).Name ?? Simple(id.Child("group")).Name)
                {
                    UserId = user.UserId,
                };
            }

            if (format == "jwt_id")
            {
                return new Subject(format, sub, null, null, null, null, id.String("jti"), "jti:" + id.String("jti"));
            }

            var simple = Simple(id);
            return new Subject(format, simple.Name ?? sub, null, null, null, null, null, simple.Name) { UserId = simple.UserId };
        }

        /// <summary>
        /// The format: RFC 9493's <c>format</c>, else the <c>subject_type</c> of the drafts before it, which Google's RISC
        /// and other early transmitters still send, hyphenated (<c>iss-sub</c>, <c>id-token-claims</c>).
        /// </summary>
        private static string? FormatOf(JsonElement id) => id.String("format") ?? id.String("subject_type")?.Replace('-', '_');

        /// <summary>
        /// The identifier a simple subject names, in the form that makes it the same subject elsewhere: an e-mail address
        /// (<c>email</c>, <c>account</c>) in lower case, as RFC 9493 leaves its canonicalization to the receiver and the
        /// identity adapters key logins so (<see cref="LoginNames"/>). Of <c>aliases</c>, the login among them, else the
        /// first usable, and an <c>iss_sub</c> or <c>opaque</c> alias beside a login is the provider's id for the user.
        /// </summary>
        private static (string? Name, string? UserId) Simple(JsonElement? element)
        {
            if (element is not { ValueKind: JsonValueKind.Object } e)
            {
                return default;
            }

            return FormatOf(e) switch
            {
                "email" => (Login(e.String("email")), null),
                "iss_sub" => (e.String("sub"), null),
                "opaque" => (e.String("id"), null),
                "phone_number" => (e.String("phone_number"), null),
                "account" => (Login(e.String("uri") is { } acct && acct.StartsWith("acct:", StringComparison.OrdinalIgnoreCase) ? acct[5..] : e.String("uri")), null),
                "uri" => (e.String("uri"), null),
                "did" => (e.String("url"), null),
                "saml_assertion_id" => (e.String("assertion_id") is { } assertion ? "saml_assertion:" + assertion : null, null),
                "aliases" => Aliases(e.Child("identifiers")),

                // The drafts' ID token claims: the address the token named, its sub the provider's id.
                "id_token_claims" => e.String("email") is { } email ? (Login(email), e.String("sub")) : (e.String("sub"), null),

                // A format ZtStream does not know: the first identifier-like member still names something.
                _ => (e.EnumerateObject()
                    .Where(p => p.Name is not ("format" or "subject_type" or "iss" or "issuer") && p.Value.ValueKind == JsonValueKind.String)
                    .Select(p => p.Value.GetString()).FirstOrDefault(), null),
            };
        }

        private static (string? Name, string? UserId) Aliases(JsonElement? identifiers)
        {
            if (identifiers is not { ValueKind: JsonValueKind.Array } list)
            {
                return default;
            }

            string? login = null;
            string? first = null;
            string? userId = null;
            foreach (var alias in list.EnumerateArray())
            {
                var (name, id) = Simple(alias);
                var format = alias.ValueKind == JsonValueKind.Object ? FormatOf(alias) : null;
                first ??= name;
                userId ??= id ?? (format is "iss_sub" or "opaque" ? name : null);
                if (format is "email" or "account" || (format == "id_token_claims" && alias.String("email") is not null))
                {
                    login ??= name;
                }
            }

            return login is not null ? (login, userId) : (first, null);
        }

        private static string? Login(string? address) => IdentityJson.Clean(address) is { } text ? LoginNames.Fold(text) : null;
    }
}
