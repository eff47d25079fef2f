namespace ZtStream.TestSupport.Metamorphic;

/// <summary>
/// One provider's records of several attacks at once, in the provider's own JSON (Okta System Log <c>LogEvent</c>s, Entra
/// ID sign-in export records, Auth0 log events): a password guessed after failures, MFA fatigue, a session used from two
/// networks, a first sign-in from another country and a spray of one address over many accounts, beside each other as
/// a tenant's log interleaves them. <see cref="Names"/> lists every value that names someone or something (users,
/// ids, tenants, applications, sessions, addresses, places) — what a consistent renaming replaces.
/// </summary>
public sealed record IdpScenario(string Format, IReadOnlyList<JsonObject> Records, IReadOnlyList<string> Names, IReadOnlyList<string> Addresses)
{
    /// <summary>When the scenarios start unless told otherwise; they span seven days from there.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Members of the scenarios' records that neither the adapters nor any loaded rule read.</summary>
    public static readonly IReadOnlySet<string> Unread = new HashSet<string>(StringComparer.Ordinal)
    {
        "version", "severity", "legacyEventType", "displayMessage", "transaction", "detailEntry", "os", "browser", "zone", "device",
        "postalCode", "state", "resourceId", "operationVersion", "resultSignature", "durationMs", "Level", "geoCoordinates",
        "clientAppUsed", "description", "connection_id", "strategy_type", "time_zone", "country_name",
    };

    /// <summary>
    /// The records' own ids (Okta's <c>uuid</c>, Entra's <c>id</c> and <c>correlationId</c>, Auth0's <c>log_id</c>), which
    /// events keep: a copy posted beside the records to one Ingest needs them renamed too, or the event log takes it for
    /// the same events sent again.
    /// </summary>
    public IReadOnlyList<string> Ids => [.. Records.SelectMany(r => IdsIn(r)).Distinct(StringComparer.Ordinal)];

    private static IEnumerable<string> IdsIn(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key is "uuid" or "id" or "correlationId" or "log_id" && p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? [v.GetValue<string>()]
            : IdsIn(p.Value)),
        JsonArray a => a.SelectMany(IdsIn),
        _ => [],
    };

    private const string Agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15";
    private const string OtherAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    public static IEnumerable<IdpScenario> All(DateTimeOffset? t0 = null) => [Okta(t0 ?? T0), Entra(t0 ?? T0), Auth0(t0 ?? T0)];

    /// <summary>The scenario of <paramref name="format"/> starting at <paramref name="t0"/> (<see cref="T0"/> when null).</summary>
    public static IdpScenario Of(string format, DateTimeOffset? t0 = null) => All(t0).Single(s => s.Format == format);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Uuid(int n) => $"5c1e0000-0000-4000-8000-{n:D12}";

    /// <summary>The timeline: each attack's records in time order, all attacks merged by time as the provider writes them.</summary>
    private static List<JsonObject> Timeline(List<(DateTimeOffset At, JsonObject Record)> records) =>
        [.. records.OrderBy(r => r.At).Select(r => r.Record)];

    public static IdpScenario Okta(DateTimeOffset t0)
    {
        var n = 0;
        var records = new List<(DateTimeOffset, JsonObject)>();
        void Add(string type, string login, string actorId, string ip, DateTimeOffset at, string result = "SUCCESS", string? reason = null,
            string session = "unknown", string country = "United States", string city = "Denver", string? factor = null, string? agent = null)
        {
            var debug = new JsonObject { ["requestId"] = "aZr" + (++n).ToString("D6", CultureInfo.InvariantCulture), ["requestUri"] = "/idp/idx/challenge/answer" };
            if (factor is not null)
            {
                debug["factor"] = factor;
            }

            var place = new JsonObject { ["city"] = city, ["state"] = null, ["country"] = country, ["postalCode"] = null };
            records.Add((at, new JsonObject
            {
                ["uuid"] = Uuid(n),
                ["published"] = Time(at),
                ["eventType"] = type,
                ["version"] = "0",
                ["severity"] = result == "SUCCESS" ? "INFO" : "WARN",
                ["legacyEventType"] = null,
                ["displayMessage"] = "Okta event",
                ["actor"] = new JsonObject { ["id"] = actorId, ["type"] = "User", ["alternateId"] = login, ["displayName"] = null, ["detailEntry"] = null },
                ["client"] = new JsonObject
                {
                    ["userAgent"] = new JsonObject { ["rawUserAgent"] = agent ?? Agent, ["os"] = "Mac OS X", ["browser"] = "SAFARI" },
                    ["zone"] = "null",
                    ["device"] = "Computer",
                    ["id"] = null,
                    ["ipAddress"] = ip,
                    ["geographicalContext"] = place,
                },
                ["outcome"] = new JsonObject { ["result"] = result, ["reason"] = reason },
                ["transaction"] = new JsonObject { ["type"] = "WEB", ["id"] = "aZr" + n.ToString("D6", CultureInfo.InvariantCulture), ["detail"] = new JsonObject() },
                ["debugContext"] = new JsonObject { ["debugData"] = debug },
                ["authenticationContext"] = new JsonObject { ["authenticationStep"] = 0, ["externalSessionId"] = session },
                ["securityContext"] = new JsonObject { ["asNumber"] = null, ["asOrg"] = null, ["isp"] = null, ["domain"] = null, ["isProxy"] = null },
                ["request"] = new JsonObject { ["ipChain"] = new JsonArray(new JsonObject { ["ip"] = ip, ["geographicalContext"] = place.DeepClone(), ["version"] = "V4", ["source"] = null }) },
                ["target"] = null,
            }));
        }

        // Guessed after twelve failures from one address.
        for (var i = 0; i < 12; i++)
        {
            Add("user.session.start", "dagny.fogg@acmecorp.test", "00uDanaFox01", "203.0.113.9", t0.AddSeconds(20 * i), "FAILURE", "INVALID_CREDENTIALS");
        }

        Add("user.session.start", "dagny.fogg@acmecorp.test", "00uDanaFox01", "203.0.113.9", t0.AddMinutes(6), session: "idxDanaSess01");

        // Ten denied pushes, then one accepted.
        for (var i = 0; i < 10; i++)
        {
            Add("user.mfa.okta_verify.deny_push", "saku.lehto@acmecorp.test", "00uSamLee02", "198.51.100.77", t0.AddMinutes(10).AddSeconds(25 * i), "FAILURE", "User rejected Okta push verify", "idxSamSess02", factor: "OKTA_VERIFY_PUSH");
        }

        Add("user.authentication.auth_via_mfa", "saku.lehto@acmecorp.test", "00uSamLee02", "198.51.100.77", t0.AddMinutes(16), session: "idxSamSess02", factor: "OKTA_VERIFY_PUSH");

        // One session from two networks and browsers within minutes.
        Add("user.session.start", "kim.ng@acmecorp.test", "00uKimNg03", "198.51.100.70", t0.AddMinutes(20), session: "idxKimSess03");
        Add("user.authentication.sso", "kim.ng@acmecorp.test", "00uKimNg03", "203.0.113.91", t0.AddMinutes(22), session: "idxKimSess03", agent: OtherAgent);

        // Five days from Madrid, then Sao Paulo.
        for (var i = 0; i < 5; i++)
        {
            Add("user.session.start", "lea.roux@acmecorp.test", "00uLeaRoux04", "192.0.2.10", t0.AddDays(i).AddHours(1), session: "idxLea" + i, country: "Spain", city: "Madrid");
        }

        Add("user.session.start", "lea.roux@acmecorp.test", "00uLeaRoux04", "203.0.113.99", t0.AddDays(6), session: "idxLea9", country: "Brazil", city: "Sao Paulo");

        // One address, ten accounts.
        for (var i = 0; i < 10; i++)
        {
            Add("user.session.start", $"spray{i}@acmecorp.test", "00uSpray1" + i, "198.51.100.250", t0.AddMinutes(30 + (3 * i)), "FAILURE", "INVALID_CREDENTIALS");
        }

        return new("okta", Timeline(records),
            [
                "dagny.fogg", "saku.lehto", "kim.ng", "lea.roux", .. Enumerable.Range(0, 10).Select(i => $"spray{i}"), "acmecorp.test",
                "00uDanaFox01", "00uSamLee02", "00uKimNg03", "00uLeaRoux04", .. Enumerable.Range(0, 10).Select(i => "00uSpray1" + i),
                "idxDanaSess01", "idxSamSess02", "idxKimSess03", .. Enumerable.Range(0, 5).Select(i => "idxLea" + i), "idxLea9",
                "Spain", "Madrid", "Brazil", "Sao Paulo", "United States", "Denver",
            ],
            ["203.0.113.9", "198.51.100.77", "198.51.100.70", "203.0.113.91", "192.0.2.10", "203.0.113.99", "198.51.100.250"]);
    }

    public static IdpScenario Entra(DateTimeOffset t0)
    {
        var n = 0;
        var records = new List<(DateTimeOffset, JsonObject)>();
        void Add(string upn, string userId, string ip, DateTimeOffset at, long code = 0, string? details = null, string? session = null,
            string country = "US", string city = "Seattle", string device = "d3v1ce-00", string? method = null, bool interactive = true)
        {
            n++;
            var properties = new JsonObject
            {
                ["id"] = Uuid(n),
                ["createdDateTime"] = Time(at),
                ["userDisplayName"] = null,
                ["userPrincipalName"] = upn,
                ["userId"] = userId,
                ["appId"] = "00000002-0000-0ff1-ce00-000000000000",
                ["appDisplayName"] = "Office 365 Exchange Online",
                ["ipAddress"] = ip,
                ["isInteractive"] = interactive,
                ["status"] = new JsonObject { ["errorCode"] = code, ["failureReason"] = code == 0 ? "Other." : "Invalid username or password or Invalid on-premise username or password.", ["additionalDetails"] = details },
                ["clientAppUsed"] = "Browser",
                ["userAgent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
                ["deviceDetail"] = new JsonObject { ["deviceId"] = device, ["displayName"] = device + "-PC", ["operatingSystem"] = "Windows10", ["browser"] = "Chrome 124.0.0" },
                ["location"] = new JsonObject { ["city"] = city, ["state"] = null, ["countryOrRegion"] = country, ["geoCoordinates"] = new JsonObject { ["latitude"] = 47.6, ["longitude"] = -122.3 } },
                ["correlationId"] = "c0rre1a7-0000-4000-8000-" + n.ToString("D12", CultureInfo.InvariantCulture),
                ["conditionalAccessStatus"] = "notApplied",
                ["riskLevelDuringSignIn"] = "none",
                ["riskState"] = "none",
                ["homeTenantId"] = "7e4a11d0-aaaa-4bbb-8ccc-0000000000a1",
                ["resourceTenantId"] = "7e4a11d0-aaaa-4bbb-8ccc-0000000000a1",
                ["sessionId"] = session,
            };
            if (method is not null)
            {
                properties["mfaDetail"] = new JsonObject { ["authMethod"] = method, ["authDetail"] = null };
            }

            records.Add((at, new JsonObject
            {
                ["time"] = Time(at),
                ["resourceId"] = "/tenants/7e4a11d0-aaaa-4bbb-8ccc-0000000000a1/providers/Microsoft.aadiam",
                ["operationName"] = "Sign-in activity",
                ["operationVersion"] = "1.0",
                ["category"] = interactive ? "SignInLogs" : "NonInteractiveUserSignInLogs",
                ["tenantId"] = "7e4a11d0-aaaa-4bbb-8ccc-0000000000a1",
                ["resultType"] = code.ToString(CultureInfo.InvariantCulture),
                ["resultSignature"] = "None",
                ["durationMs"] = 0,
                ["callerIpAddress"] = ip,
                ["correlationId"] = properties["correlationId"]!.DeepClone(),
                ["identity"] = null,
                ["Level"] = 4,
                ["location"] = country,
                ["properties"] = properties,
            }));
        }

        for (var i = 0; i < 8; i++)
        {
            Add("tpelkonen@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000001", "203.0.113.140", t0.AddSeconds(30 * i), 50126);
        }

        Add("tpelkonen@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000001", "203.0.113.140", t0.AddMinutes(6), session: "e5e55100-0000-4000-8000-000000000001");

        for (var i = 0; i < 6; i++)
        {
            Add("rjones@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000002", "198.51.100.41", t0.AddMinutes(10 + i), 500121,
                i % 2 == 0 ? "MFA denied; user declined the authentication" : "MFA denied; user did not respond to mobile app notification", method: "Mobile app notification");
        }

        Add("rjones@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000002", "198.51.100.41", t0.AddMinutes(18), method: "Mobile app notification", session: "e5e55100-0000-4000-8000-000000000002");

        Add("amartin@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000003", "198.51.100.40", t0.AddMinutes(20), session: "e5e55100-0000-4000-8000-000000000003");
        Add("amartin@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000003", "203.0.113.92", t0.AddMinutes(25), session: "e5e55100-0000-4000-8000-000000000003", device: "d3v1ce-99");

        for (var i = 0; i < 5; i++)
        {
            Add("bchen@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000004", "192.0.2.44", t0.AddDays(i).AddHours(2), country: "ES", city: "Madrid", device: "d3v1ce-04", session: "e5e55100-0000-4000-8000-00000000040" + i);
        }

        Add("bchen@contoso-ltd.test", "9b1e0000-0000-4000-8000-000000000004", "203.0.113.8", t0.AddDays(7), country: "RU", city: "Moscow", device: "d3v1ce-05", session: "e5e55100-0000-4000-8000-000000000409");

        for (var i = 0; i < 10; i++)
        {
            Add($"spray{i}@contoso-ltd.test", "9b1e0000-0000-4000-8000-00000000010" + i, "198.51.100.251", t0.AddMinutes(40 + (3 * i)), 50126);
        }

        return new("entra", Timeline(records),
            [
                "tpelkonen", "rjones", "amartin", "bchen", .. Enumerable.Range(0, 10).Select(i => $"spray{i}"), "contoso-ltd.test",
                "9b1e0000-0000-4000-8000-000000000001", "9b1e0000-0000-4000-8000-000000000002", "9b1e0000-0000-4000-8000-000000000003",
                "9b1e0000-0000-4000-8000-000000000004", .. Enumerable.Range(0, 10).Select(i => "9b1e0000-0000-4000-8000-00000000010" + i),
                "7e4a11d0-aaaa-4bbb-8ccc-0000000000a1", "00000002-0000-0ff1-ce00-000000000000",
                .. Enumerable.Range(1, 3).Select(i => "e5e55100-0000-4000-8000-00000000000" + i), .. Enumerable.Range(0, 5).Select(i => "e5e55100-0000-4000-8000-00000000040" + i),
                "e5e55100-0000-4000-8000-000000000409", "d3v1ce-00", "d3v1ce-99", "d3v1ce-04", "d3v1ce-05",
                "Madrid", "Moscow", "Seattle",
            ],
            ["203.0.113.140", "198.51.100.41", "198.51.100.40", "203.0.113.92", "192.0.2.44", "203.0.113.8", "198.51.100.251"]);
    }

    public static IdpScenario Auth0(DateTimeOffset t0)
    {
        var n = 0;
        var records = new List<(DateTimeOffset, JsonObject)>();
        void Add(string type, string user, string userId, string ip, DateTimeOffset at, string? session = null, string country = "US",
            string city = "Tulsa", string? authenticator = null, string agent = "Chrome 124.0.0 / Mac OS X 10.15.7")
        {
            n++;
            var details = new JsonObject { ["session_id"] = session };
            if (authenticator is not null)
            {
                details["authenticator"] = new JsonObject { ["type"] = authenticator };
            }

            var id = "90020260302" + n.ToString("D45", CultureInfo.InvariantCulture);
            records.Add((at, new JsonObject
            {
                ["log_id"] = id,
                ["data"] = new JsonObject
                {
                    ["date"] = Time(at),
                    ["type"] = type,
                    ["description"] = null,
                    ["connection"] = "Username-Password-Authentication",
                    ["connection_id"] = "con_Zt0000000000001",
                    ["client_id"] = "AppCl1ent0000000000000000000001",
                    ["client_name"] = "My App",
                    ["ip"] = ip,
                    ["user_agent"] = agent,
                    ["hostname"] = "initrode-prod.us.auth0.com",
                    ["user_id"] = userId,
                    ["user_name"] = user,
                    ["strategy"] = "auth0",
                    ["strategy_type"] = "database",
                    ["log_id"] = id,
                    ["details"] = details,
                    ["location_info"] = new JsonObject { ["country_code"] = country, ["country_name"] = null, ["city_name"] = city, ["time_zone"] = null },
                },
            }));
        }

        for (var i = 0; i < 10; i++)
        {
            Add("fp", "aino.salo@initrode.example", "auth0|00a11ce0000000000000001", "203.0.113.201", t0.AddSeconds(30 * i));
        }

        Add("s", "aino.salo@initrode.example", "auth0|00a11ce0000000000000001", "203.0.113.201", t0.AddMinutes(6), session: "a0SessAna01");

        for (var i = 0; i < 5; i++)
        {
            Add("gd_auth_rejected", "omar.haddad@initrode.example", "auth0|00a11ce0000000000000002", "198.51.100.61", t0.AddMinutes(10).AddSeconds(40 * i), authenticator: "push");
        }

        Add("gd_auth_succeed", "omar.haddad@initrode.example", "auth0|00a11ce0000000000000002", "198.51.100.61", t0.AddMinutes(14), authenticator: "push");

        Add("s", "li.wei@initrode.example", "auth0|00a11ce0000000000000003", "198.51.100.62", t0.AddMinutes(20), session: "a0SessLi03");
        Add("s", "li.wei@initrode.example", "auth0|00a11ce0000000000000003", "203.0.113.93", t0.AddMinutes(21), session: "a0SessLi03", agent: "Firefox 128.0.0 / Linux 0.0.0");

        for (var i = 0; i < 5; i++)
        {
            Add("s", "eva.novak@initrode.example", "auth0|00a11ce0000000000000004", "192.0.2.61", t0.AddDays(i).AddHours(3), session: "a0SessEva" + i, country: "ES", city: "Madrid");
        }

        Add("s", "eva.novak@initrode.example", "auth0|00a11ce0000000000000004", "203.0.113.98", t0.AddDays(6), session: "a0SessEva9", country: "BR", city: "Recife");

        for (var i = 0; i < 10; i++)
        {
            Add("fp", $"spray{i}@initrode.example", "auth0|5b7a000000000000000000" + i, "198.51.100.252", t0.AddMinutes(40 + (3 * i)));
        }

        return new("auth0", Timeline(records),
            [
                "aino.salo", "omar.haddad", "li.wei", "eva.novak", .. Enumerable.Range(0, 10).Select(i => $"spray{i}"), "initrode.example",
                "00a11ce0000000000000001", "00a11ce0000000000000002", "00a11ce0000000000000003", "00a11ce0000000000000004",
                .. Enumerable.Range(0, 10).Select(i => "5b7a000000000000000000" + i), "AppCl1ent0000000000000000000001", "initrode-prod",
                "a0SessAna01", "a0SessLi03", .. Enumerable.Range(0, 5).Select(i => "a0SessEva" + i), "a0SessEva9",
                "Madrid", "Recife", "Tulsa",
            ],
            ["203.0.113.201", "198.51.100.61", "198.51.100.62", "203.0.113.93", "192.0.2.61", "203.0.113.98", "198.51.100.252"]);
    }
}
