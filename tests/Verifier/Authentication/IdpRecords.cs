namespace ZtStream.Verifier.Tests.Authentication;

/// <summary>
/// Identity-provider records in each vendor's own shape (Okta System Log <c>LogEvent</c>, Entra ID sign-in export
/// records, Keycloak <c>EventRepresentation</c>, Auth0 log-stream entries), written after the vendors' published
/// references and mapped by the same readers <c>ztstream replay --format</c> and Ingest use.
/// </summary>
internal static class IdpRecords
{
    public static readonly DateTimeOffset T0 = new(2024, 5, 6, 9, 0, 0, TimeSpan.Zero);
    private static int next;

    /// <summary>The record's event (a failed sign-in's address and tenant twins, which the reader appends after it, are left out).</summary>
    public static AccessEvent Map(string format, string json)
    {
        var events = MapAll(format, json);
        Assert.InRange(events.Count, 1, 3);
        return events[0];
    }

    /// <summary>Every event the reader writes for the payload, address and tenant twins included; fails the test on any item it skips.</summary>
    public static List<AccessEvent> MapAll(string format, string json)
    {
        var skipped = new List<string>();
        var events = SourceFileReaders.All[format](new MemoryStream(Encoding.UTF8.GetBytes(json)), T0, item => skipped.Add(item.ToString())).ToList();
        Assert.Empty(skipped);
        return events;
    }

    /// <summary>
    /// Entra records mapped as Ingest maps them with <c>Ingest:IdentitySubjects:entra=user_id</c>, so a sign-in and the
    /// Microsoft Graph requests its token makes (which name the user by object id only) are one principal's; fails the
    /// test on any item refused.
    /// </summary>
    public static List<AccessEvent> EntraByUserId(string json)
    {
        var result = ZtStream.Ingest.Sources.Entra.EntraMapper.Map(
            Encoding.UTF8.GetBytes(json), SourceMapOptions.Default with { SubjectIsUserId = true, Clock = new SourceClock(T0) });
        Assert.Empty(result.Errors);
        return [.. result.Events];
    }

    private static string Id() => $"{Interlocked.Increment(ref next):D12}";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static AccessEvent Okta(
        string eventType,
        string user,
        string ip,
        DateTimeOffset at,
        string result = "SUCCESS",
        string? reason = null,
        string? session = null,
        string? risk = null,
        string? country = null,
        string? factor = null,
        string agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15",
        string? target = null,
        string? dtHash = null)
    {
        var client = new JsonObject { ["ipAddress"] = ip, ["userAgent"] = new JsonObject { ["rawUserAgent"] = agent } };
        if (country is not null)
        {
            client["geographicalContext"] = new JsonObject { ["country"] = country };
        }

        var debug = new JsonObject();
        if (risk is not null)
        {
            debug["risk"] = $"{{reasons=New Geo-Location, level={risk}}}";
        }

        Put(debug, "factor", factor);
        Put(debug, "dtHash", dtHash);

        var log = new JsonObject
        {
            ["uuid"] = "0a000000-0000-4000-8000-" + Id(),
            ["published"] = Time(at),
            ["eventType"] = eventType,
            ["severity"] = "INFO",
            ["actor"] = new JsonObject { ["id"] = "00u1" + user.Split('@')[0], ["type"] = "User", ["alternateId"] = user },
            ["client"] = client,
            ["outcome"] = reason is null ? new JsonObject { ["result"] = result } : new JsonObject { ["result"] = result, ["reason"] = reason },
            ["authenticationContext"] = new JsonObject { ["externalSessionId"] = session ?? "unknown" },
            ["debugContext"] = new JsonObject { ["debugData"] = debug },
        };
        if (target is not null)
        {
            log["target"] = new JsonArray(new JsonObject { ["id"] = "00utarget", ["type"] = "User", ["alternateId"] = target });
        }

        return Map("okta", log.ToJsonString());
    }

    public static AccessEvent EntraSignIn(
        string upn,
        string ip,
        DateTimeOffset at,
        long code = 0,
        string? details = null,
        string? session = null,
        string? country = null,
        string? device = null,
        string? method = null,
        string? risk = null)
    {
        var status = new JsonObject { ["errorCode"] = code };
        Put(status, "additionalDetails", details);

        var properties = new JsonObject
        {
            ["id"] = "e0000000-0000-4000-8000-" + Id(),
            ["createdDateTime"] = Time(at),
            ["userPrincipalName"] = upn,
            ["userId"] = "5b6c8c1e-0000-4000-8000-000000000001",
            ["appDisplayName"] = "Office 365 Exchange Online",
            ["ipAddress"] = ip,
            ["isInteractive"] = true,
            ["status"] = status,
            ["userAgent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
            ["correlationId"] = "c0000000-0000-4000-8000-000000000001",
        };
        Put(properties, "sessionId", session);
        if (country is not null)
        {
            properties["location"] = new JsonObject { ["countryOrRegion"] = country };
        }

        if (device is not null)
        {
            properties["deviceDetail"] = new JsonObject { ["deviceId"] = device, ["displayName"] = device + "-PC" };
        }

        if (method is not null)
        {
            properties["mfaDetail"] = new JsonObject { ["authMethod"] = method };
        }

        if (risk is not null)
        {
            properties["riskLevelDuringSignIn"] = risk;
            properties["riskState"] = "atRisk";
        }

        return Entra("SignInLogs", at, properties, resultType: code.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A Microsoft Graph request as diagnostic settings export it (<c>MicrosoftGraphActivityLogs</c>): made with the token
    /// of sign-in <paramref name="signIn"/> (its <c>SignInActivityId</c>) by user object id <paramref name="userId"/>.
    /// </summary>
    public static AccessEvent EntraGraph(
        string userId,
        string signIn,
        string ip,
        DateTimeOffset at,
        string uri = "https://graph.microsoft.com/v1.0/me/messages?$top=10",
        string agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
        int status = 200,
        DateTimeOffset? issued = null)
    {
        var properties = new JsonObject
        {
            ["requestId"] = "9a000000-0000-4000-8000-" + Id(),
            ["timeGenerated"] = Time(at),
            ["apiVersion"] = "v1.0",
            ["requestMethod"] = "GET",
            ["requestUri"] = uri,
            ["responseStatusCode"] = status,
            ["responseSizeBytes"] = 2048,
            ["ipAddress"] = ip,
            ["userAgent"] = agent,
            ["userId"] = userId,
            ["appId"] = "14d82eec-204b-4c2f-b7e8-296a70dab67e",
            ["scopes"] = "Mail.Read User.Read",
            ["signInActivityId"] = signIn,
            ["tokenIssuedAt"] = Time(issued ?? at.AddMinutes(-5)),
        };
        return Entra("MicrosoftGraphActivityLogs", at, properties);
    }

    /// <summary>
    /// A directory audit record (<c>AuditLogs</c>) of <paramref name="activity"/>, initiated by user <paramref name="by"/> on
    /// user <paramref name="target"/> (<paramref name="by"/> when null). Audit records name no session.
    /// </summary>
    public static AccessEvent EntraAudit(string activity, string category, string by, DateTimeOffset at, string? target = null, string result = "success")
    {
        var properties = new JsonObject
        {
            ["id"] = "Persist_" + Id(),
            ["category"] = category,
            ["correlationId"] = "c0000000-0000-4000-8000-" + Id(),
            ["result"] = result,
            ["activityDisplayName"] = activity,
            ["activityDateTime"] = Time(at),
            ["loggedByService"] = "Authentication Methods",
            ["initiatedBy"] = new JsonObject
            {
                ["user"] = new JsonObject { ["id"] = "5b6c8c1e-0000-4000-8000-0000000000a9", ["userPrincipalName"] = by, ["ipAddress"] = "203.0.113.160" },
            },
            ["targetResources"] = new JsonArray(new JsonObject
            {
                ["id"] = "5b6c8c1e-0000-4000-8000-000000000001", ["type"] = "User", ["userPrincipalName"] = target ?? by,
            }),
        };
        return Entra("AuditLogs", at, properties);
    }

    /// <summary>One record of <paramref name="category"/> in the <c>{"records":[…]}</c> envelope diagnostic settings export, mapped.</summary>
    private static AccessEvent Entra(string category, DateTimeOffset at, JsonObject properties, string? resultType = null)
    {
        var record = new JsonObject
        {
            ["time"] = Time(at),
            ["category"] = category,
            ["tenantId"] = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        };
        Put(record, "resultType", resultType);
        record["properties"] = properties;
        return Map("entra", new JsonObject { ["records"] = new JsonArray(record) }.ToJsonString());
    }

    public static AccessEvent Keycloak(
        string type,
        string user,
        string ip,
        DateTimeOffset at,
        string? session = null,
        string? error = null,
        string? credentialType = null)
    {
        var details = new JsonObject { ["auth_method"] = "openid-connect", ["username"] = user };
        Put(details, "credential_type", credentialType);
        var e = new JsonObject
        {
            ["time"] = at.ToUnixTimeMilliseconds(),
            ["type"] = type,
            ["realmId"] = "acme",
            ["clientId"] = "billing-web",
            ["userId"] = "3f6b2d1e-8c4a-4b7e-9a2f-" + Id(),
            ["ipAddress"] = ip,
            ["details"] = details,
        };
        Put(e, "sessionId", session);
        Put(e, "error", error);
        return Map("keycloak", e.ToJsonString());
    }

    public static AccessEvent Auth0(
        string type,
        string user,
        string ip,
        DateTimeOffset at,
        string? session = null,
        string? country = null,
        string? authenticator = null)
    {
        var details = new JsonObject();
        Put(details, "session_id", session);
        if (authenticator is not null)
        {
            details["authenticator"] = new JsonObject { ["type"] = authenticator };
        }

        var id = "900" + Id();
        var data = new JsonObject
        {
            ["date"] = Time(at),
            ["type"] = type,
            ["client_name"] = "My App",
            ["ip"] = ip,
            ["user_agent"] = "Chrome 124.0.0 / Mac OS X 10.15.7",
            ["user_id"] = "auth0|66339f8c5a1b2c3d4e5f6a7b",
            ["user_name"] = user,
            ["log_id"] = id,
            ["details"] = details,
        };
        if (country is not null)
        {
            data["location_info"] = new JsonObject { ["country_code"] = country };
        }

        return Map("auth0", new JsonArray(new JsonObject { ["log_id"] = id, ["data"] = data }).ToJsonString());
    }

    private static void Put(JsonObject o, string name, string? value)
    {
        if (value is not null)
        {
            o[name] = value;
        }
    }

    /// <summary>
    /// An access the SDK reports for a request carrying a token of <paramref name="session"/> (its <c>sid</c>; null for a
    /// token without one), issued at <paramref name="issued"/> (its <c>iat</c>) when given.
    /// </summary>
    public static AccessEvent SdkAccess(
        string subject,
        string? session,
        DateTimeOffset at,
        string ip = "198.51.100.70",
        string agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15",
        string route = "/orders/{id}",
        DateTimeOffset? issued = null) => new()
    {
        Id = "sdk-" + Id(),
        Time = at,
        Source = "billing-app",
        Kind = EventKinds.AccessRequest,
        Subject = new Subject { Id = subject, Type = "user" },
        Token = new TokenInfo { Jti = "jti-" + Id(), SessionId = session, ClientId = "billing-web", IssuedAt = issued },
        Network = new NetworkInfo { SrcIp = ip },
        Resource = new ResourceRef { Type = "http_route", Id = route },
        Action = "GET",
        Outcome = Outcomes.Success,
        Status = 200,
        UserAgent = agent,
    };
}
