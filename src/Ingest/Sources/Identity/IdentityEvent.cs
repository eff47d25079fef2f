namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// One identity-provider record on its way to a canonical event. The adapters fill what their vendor gives; this
/// class owns the shape every identity event shares (the <see cref="IdentityAttributes"/> keys, the session id in
/// <c>token.session_id</c>, the original record in <c>raw</c>) so the four adapters and the Shared Signals receiver
/// cannot drift apart.
/// </summary>
internal sealed class IdentityEvent(string idp)
{
    private readonly Dictionary<string, JsonElement> attributes = new(StringComparer.Ordinal)
    {
        [IdentityAttributes.IdpName] = JsonFields.Of(idp),
    };

    public string? Id { get; set; }

    /// <summary>
    /// The prefix of the id <see cref="Build"/> derives for a record its vendor sent without one (a digest of what
    /// identifies the event, <see cref="DerivedId"/>): a shape the vendor's own ids never take, so the two cannot collide.
    /// Null where the record must carry its id (a Shared Signals SET).
    /// </summary>
    public string? DerivedIdPrefix { get; init; }

    public DateTimeOffset Time { get; set; }

    /// <summary>
    /// Where <see cref="Time"/> came from when the record gave none (<see cref="TimeSources"/>, kept in
    /// <c>ingest.time_source</c>); null when it is the record's own.
    /// </summary>
    public string? TimeSource { get; init; }

    public string Kind { get; set; } = EventKinds.IdpEvent;

    public string? SubjectId { get; set; }

    public string? SubjectType { get; set; }

    public string? Tenant { get; set; }

    public string? SessionId { get; set; }

    public string? ClientId { get; set; }

    public string? TokenId { get; set; }

    public string? SourceIp { get; set; }

    public string? UserAgent { get; set; }

    public string? Outcome { get; set; }

    public string? Action { get; set; }

    /// <summary>The vendor's event type when it differs from <see cref="Action"/> (which it defaults to).</summary>
    public string? EventType { get; set; }

    public string? ResourceType { get; set; }

    public string? ResourceId { get; set; }

    /// <summary>The protocol status of a request an identity made with its token (a Graph call's HTTP status).</summary>
    public int? Status { get; set; }

    /// <summary>Bytes a request returned.</summary>
    public long? Bytes { get; set; }

    /// <summary>When the token the request carried was issued (<c>iat</c>).</summary>
    public DateTimeOffset? TokenIssuedAt { get; set; }

    /// <summary>
    /// The event is a change of <paramref name="kind"/> (an account, a credential, a context, an admin change) and
    /// <paramref name="change"/> says which, in <see cref="IdentityAttributes.Change"/>: every adapter writes the pair together.
    /// </summary>
    public IdentityEvent Change(string kind, string? change)
    {
        Kind = kind;
        return Set(IdentityAttributes.Change, change);
    }

    public IdentityEvent Set(string key, string? value)
    {
        if (IdentityJson.Clean(value) is { } text)
        {
            attributes[key] = JsonFields.Of(text);
        }

        return this;
    }

    public IdentityEvent Set(string key, bool? value)
    {
        if (value is { } flag)
        {
            attributes[key] = JsonFields.Of(flag);
        }

        return this;
    }

    public IdentityEvent Set(string key, long? value)
    {
        if (value is { } number)
        {
            attributes[key] = JsonFields.Of(number);
        }

        return this;
    }

    /// <summary>An array attribute; values already present under the key are kept (so two sources of risk add up).</summary>
    public IdentityEvent Add(string key, IEnumerable<string> values)
    {
        var list = attributes.TryGetValue(key, out var existing) && existing.ValueKind == JsonValueKind.Array
            ? existing.EnumerateArray().Select(e => e.GetString()).OfType<string>().ToList()
            : [];
        foreach (var value in values)
        {
            if (IdentityJson.Clean(value) is { } text && !list.Contains(text, StringComparer.Ordinal))
            {
                list.Add(text);
            }
        }

        if (list.Count > 0)
        {
            attributes[key] = JsonFields.Of(list);
        }

        return this;
    }

    /// <summary>Keeps the higher of the current and the given risk level.</summary>
    public IdentityEvent Risk(string? level)
    {
        var normalised = RiskLevels.Normalise(level);
        if (normalised is null)
        {
            return this;
        }

        var current = attributes.TryGetValue(IdentityAttributes.IdpRiskLevel, out var value) ? value.GetString() : null;
        if (RiskLevels.Rank(normalised) > RiskLevels.Rank(current))
        {
            attributes[IdentityAttributes.IdpRiskLevel] = JsonFields.Of(normalised);
        }

        return this;
    }

    public bool Has(string key) => attributes.ContainsKey(key);

    public string? Get(string key) =>
        attributes.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// The canonical event, or null with the reason in <paramref name="error"/> when the record names nobody. A record
    /// that names no user but a client address (a blocked address, an attempt with no user name) belongs to the
    /// principal <c>ip:ADDRESS</c>, so attacks on no particular account are still scored.
    /// </summary>
    public AccessEvent? Build(JsonElement raw, SourceMapOptions options, out string? error)
    {
        error = null;

        // Derived before anything below rewrites a member (the subject named by user id, the address chain split).
        var id = IdentityJson.Clean(Id) ?? (DerivedIdPrefix is { } prefix ? DerivedId(prefix) : null);
        Set(TimeSources.Attribute, TimeSource);
        string? chain = null;
        var address = IdentityJson.Clean(SourceIp) is { } given ? ForwardedChain.Client(given, out chain) : null;
        Set(IdentityAttributes.NetForwardedFor, chain);
        var subjectId = IdentityJson.Clean(SubjectId);
        var subjectType = SubjectType;
        if (options.SubjectIsUserId && subjectId is not null && Get(IdentityAttributes.IdpUserId) is { } userId
            && !string.Equals(userId, subjectId, StringComparison.Ordinal))
        {
            // The form the applications' tokens carry (their sub); the login name stays beside it.
            Set(IdentityAttributes.IdpLogin, subjectId);
            subjectId = userId;
        }

        if (subjectId is null && address is not null)
        {
            subjectId = "ip:" + address;
            subjectType = IdentitySubjectTypes.Anonymous;
        }

        if (subjectId is null)
        {
            error = "the record names no user, client or client address";
            return null;
        }

        if (id is null)
        {
            error = "the record has no id";
            return null;
        }

        Set(IdentityAttributes.IdpEventType, EventType ?? Action);

        var session = IdentityJson.Clean(SessionId);
        var client = IdentityJson.Clean(ClientId);
        var token = IdentityJson.Clean(TokenId);
        var original = RawObject.Bounded(raw, options.MaxRawBytes, RawObject.LargestFirst, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        return new AccessEvent
        {
            Id = id,
            Time = Time,
            Kind = Kind,
            Subject = new Subject { Id = subjectId, Type = subjectType ?? IdentitySubjectTypes.User, Tenant = IdentityJson.Clean(Tenant) },
            Token = session is null && client is null && token is null && TokenIssuedAt is null
                ? null
                : new TokenInfo { SessionId = session, ClientId = client, Jti = token, IssuedAt = TokenIssuedAt },
            Network = address is null ? null : new NetworkInfo { SrcIp = address },
            Resource = ResourceType is null && ResourceId is null ? null : new ResourceRef { Type = Bounded(ResourceType, options), Id = Bounded(IdentityJson.Clean(ResourceId), options) },
            Action = Action,
            Outcome = Outcome,
            Status = Status,
            Bytes = Bytes,
            // A client chooses its user agent, and a path or client name may be as long as a request: refused for their
            // length, a spray sent with a padded User-Agent would go unseen. Cut as the audit adapter cuts them; whole in raw.
            UserAgent = IdentityJson.Clean(UserAgent) is { } agent ? ItemError.Clip(agent, options.MaxFieldLength - 1) : null,
            Attributes = attributes,
            Raw = original,
        };
    }

    /// <summary>
    /// The id of a record its vendor sent without one: <see cref="DerivedIdPrefix"/> and a digest of the members that
    /// identify the event, as the adapter read them: its time (none when the record gave none, so a redelivery dated on
    /// arrival keeps its id), the vendor's event type, who (the subject, the vendor's user id, the actor, the target user),
    /// from where (the address as given, the user agent), what (the resource, the client, the session, the token, the
    /// role granted), how it ended (outcome, status, the vendor's result and reason), and the vendor's correlation id and
    /// message. Members, not the record's text: a vendor that delivers one record by several paths (Okta's Event Hooks,
    /// System Log API and EventBridge) may reorder or add members, and the envelope (the tenant it names) is not the
    /// record. Neither configuration (subjects named by user id) nor how Ingest classifies the record (its kind) changes
    /// the id.
    /// </summary>
    private string DerivedId(string prefix) => DerivedIds.Of(
        prefix,
        TimeSource is null ? Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : "undated",
        Action,
        EventType,
        SubjectId,
        Get(IdentityAttributes.IdpUserId),
        Get(IdentityAttributes.Actor),
        Get(IdentityAttributes.TargetUser),
        SourceIp,
        UserAgent,
        ResourceType,
        ResourceId,
        ClientId,
        SessionId,
        TokenId,
        Outcome,
        Status?.ToString(CultureInfo.InvariantCulture),
        Get(IdentityAttributes.TargetRole),
        Get(IdentityAttributes.ResultCode),
        Get(IdentityAttributes.FailureReason),
        Get(IdentityAttributes.IdpCorrelationId),
        Get(IdentityAttributes.IdpMessage));

    private static string? Bounded(string? name, SourceMapOptions options) => name is null ? null : DerivedIds.Bounded(name, options.MaxFieldLength);

    /// <summary>Maps an item and reports the builder's error, if any, against the whole item.</summary>
    public static void Emit(IdentityEvent e, JsonElement raw, int index, SourceMapOptions options, List<MappedEvent> items, List<ItemError> errors)
    {
        var mapped = e.Build(raw, options, out var error);
        if (mapped is null)
        {
            errors.Add(new ItemError(index, "$", error!));
            return;
        }

        items.Add(new MappedEvent(index, mapped));
        if (e.TimeSource is null)
        {
            options.Dated(mapped.Time);
        }
    }

    /// <summary>
    /// A record's time from <paramref name="value"/>, its own; without one, the time an undated item takes
    /// (<see cref="SourceMapOptions.TryFallbackTime"/>: its arrival live, the previous event's in replay), and where that
    /// came from in <paramref name="source"/> (for <see cref="TimeSource"/>). False, with the item's error at
    /// <paramref name="field"/>, for a value that is not a time (<paramref name="unreadable"/> and the value: bad input,
    /// never guessed) or, when no fallback is configured, for none (<paramref name="missing"/>).
    /// </summary>
    public static bool TryTime(
        JsonElement? value,
        string field,
        string unreadable,
        string missing,
        int index,
        SourceMapOptions options,
        List<ItemError> errors,
        out DateTimeOffset time,
        out string? source)
    {
        source = null;
        if (value is { } given)
        {
            if (IdentityJson.TryTime(given, out time))
            {
                return true;
            }

            errors.Add(new ItemError(index, field, $"{unreadable}: {JsonFields.Describe(given)}"));
            return false;
        }

        if (options.TryFallbackTime(out time, out var fallback))
        {
            source = fallback;
            return true;
        }

        errors.Add(new ItemError(index, field, missing));
        return false;
    }
}

/// <summary>Risk levels as every adapter writes them: <c>none</c>, <c>low</c>, <c>medium</c>, <c>high</c>.</summary>
internal static class RiskLevels
{
    public const string None = "none";
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";

    /// <summary>The vendor's level in the common scale; null for levels that say nothing (hidden, unknown).</summary>
    public static string? Normalise(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "none" or "no_risk" or "norisk" => None,
        "low" => Low,
        "medium" or "moderate" => Medium,
        "high" or "critical" or "severe" => High,
        _ => null,
    };

    public static int Rank(string? level) => level switch
    {
        None => 1,
        Low => 2,
        Medium => 3,
        High => 4,
        _ => 0,
    };
}

/// <summary>Authentication factors in one vocabulary, whatever the vendor calls them.</summary>
internal static class Factors
{
    public const string Password = "password";
    public const string Push = "push";
    public const string Otp = "otp";
    public const string Sms = "sms";
    public const string Voice = "voice";
    public const string Email = "email";
    public const string WebAuthn = "webauthn";
    public const string Certificate = "certificate";
    public const string Federated = "federated";
    public const string RecoveryCode = "recovery_code";

    // Most specific first: "Mobile app verification code" is an OTP, "Mobile app notification" a push.
    private static readonly (string Needle, string Factor)[] Keywords =
    [
        ("push", Push), ("notification", Push),
        ("recovery", RecoveryCode),
        ("sms", Sms), ("text message", Sms),
        ("voice", Voice), ("phone call", Voice), ("call", Voice),
        ("email", Email), ("mail", Email),
        ("webauthn", WebAuthn), ("fido", WebAuthn), ("passkey", WebAuthn), ("security key", WebAuthn), ("hello", WebAuthn), ("u2f", WebAuthn),
        ("otp", Otp), ("oath", Otp), ("totp", Otp), ("verification code", Otp), ("authenticator app", Otp), ("software token", Otp), ("hardware token", Otp),
        ("password", Password), ("pwd", Password),
        ("certificate", Certificate), ("x509", Certificate), ("x.509", Certificate), ("smartcard", Certificate), ("smart card", Certificate), ("cba", Certificate),
        ("assertion", Federated), ("federat", Federated), ("saml", Federated), ("social", Federated), ("idp", Federated),
    ];

    /// <summary>The factor in the common vocabulary, else the vendor's name in lower case; null for nothing.</summary>
    public static string? Normalise(string? vendorName)
    {
        if (IdentityJson.Clean(vendorName) is not { } name)
        {
            return null;
        }

        var lower = name.ToLowerInvariant();
        foreach (var (needle, factor) in Keywords)
        {
            if (lower.Contains(needle, StringComparison.Ordinal))
            {
                return factor;
            }
        }

        return lower.Length <= 64 ? lower : lower[..64];
    }
}
