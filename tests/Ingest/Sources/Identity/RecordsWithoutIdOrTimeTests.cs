using System.Text.Json.Nodes;

namespace ZtStream.Ingest.Tests.Sources.Identity;

/// <summary>
/// Identity records delivered without their vendor's id or time, in each shape the vendors document them in (Okta: the
/// System Log API's array, an Event Hook delivery, Log Streaming's EventBridge event; Entra ID: a diagnostic setting's
/// <c>records</c> export of a sign-in and an audit record, a Log Analytics <c>SigninLogs</c> row, a Microsoft Graph
/// <c>signIn</c> page; Auth0: a custom-webhook log stream and its EventBridge stream; Keycloak: a user and an admin
/// event): each is judged under an id derived from what identifies it, the same for a redelivery and another for a record
/// that differs in any of that, and an undated record takes the arrival time (live) or the previous event's (replay), in
/// <c>ingest.time_source</c>. A time that is present but not a time is still an error naming the field and the item.
/// Names, ids and addresses invented.
/// </summary>
public sealed class RecordsWithoutIdOrTimeTests
{
    private static readonly DateTimeOffset Published = new(2026, 10, 14, 9, 12, 44, 120, TimeSpan.Zero);

    private static readonly DateTimeOffset Arrived = new(2026, 10, 14, 9, 13, 2, TimeSpan.Zero);

    /// <summary>
    /// One vendor's record in one shape. <paramref name="Template"/> holds no id; <c>@TIME@</c> is where the time member goes
    /// (<paramref name="Dated"/>; <paramref name="Unreadable"/> gives it a value that is no time, reported at
    /// <paramref name="TimeField"/>); the other <c>@…@</c> placeholders are what identifies the event, each replaced by one
    /// of two values (<see cref="Members"/>) where the shape has it.
    /// </summary>
    internal sealed record Shape(string Name, Func<byte[], SourceMapOptions, MapResult> Map, string Prefix, string Template, string Dated, string Unreadable, string TimeField)
    {
        public byte[] Body(bool dated = true, IReadOnlyDictionary<string, string>? changed = null, string? time = null)
        {
            var text = Template.Replace("@TIME@", time ?? (dated ? Dated : string.Empty), StringComparison.Ordinal);
            foreach (var (placeholder, values) in Members)
            {
                text = text.Replace(placeholder, changed is not null && changed.TryGetValue(placeholder, out var value) ? value : values[0], StringComparison.Ordinal);
            }

            return Encoding.UTF8.GetBytes(text);
        }

        public override string ToString() => Name;
    }

    /// <summary>What identifies an event, by placeholder: the value every shape's record has, and another.</summary>
    private static readonly Dictionary<string, string[]> Members = new(StringComparer.Ordinal)
    {
        ["@ACTOR@"] = ["noor.haddad@umbra.example", "tomas.vik@umbra.example"],
        ["@IP@"] = ["198.51.100.23", "2001:db8:77::9"],
        ["@TARGET@"] = ["Payroll", "Wiki"],
        ["@OKTATYPE@"] = ["user.session.start", "user.authentication.sso"],
        ["@OKTARESULT@"] = ["SUCCESS", "FAILURE"],
        ["@ENTRACATEGORY@"] = ["SignInLogs", "NonInteractiveUserSignInLogs"],
        ["@ENTRACODE@"] = ["0", "50126"],
        ["@AUDITACTIVITY@"] = ["Reset user password", "Disable account"],
        ["@AUDITRESULT@"] = ["success", "failure"],
        ["@AUTH0TYPE@"] = ["s", "fp"],
        ["@KCTYPE@"] = ["LOGIN", "LOGIN_ERROR"],
        ["@KCOPERATION@"] = ["CREATE", "DELETE"],
    };

    private const string OktaLogEvent = """
        {"eventType":"@OKTATYPE@","version":"0","severity":"INFO","displayMessage":"User login to Okta",@TIME@
         "actor":{"id":"00u7nd0e1example","type":"User","alternateId":"@ACTOR@","displayName":"Noor Haddad","detailEntry":null},
         "client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0","os":"Linux","browser":"FIREFOX"},"zone":"null","device":"Computer","id":null,"ipAddress":"@IP@",
                   "geographicalContext":{"city":"Oslo","state":"Oslo","country":"Norway","postalCode":null}},
         "outcome":{"result":"@OKTARESULT@","reason":null},
         "authenticationContext":{"authenticationStep":0,"externalSessionId":"102ndExampleSess01"},
         "transaction":{"type":"WEB","id":"Ynd0exampleReq01","detail":{}},
         "target":[{"id":"0oa7nd0e1example","type":"AppInstance","alternateId":"@TARGET@","displayName":"@TARGET@","detailEntry":null}]}
        """;

    private const string EntraSignIn = """
        "userPrincipalName":"@ACTOR@","userId":"7e1d0c2b-0000-4a55-9e11-4d0000000a01","appId":"2c1b0000-0000-4b00-8000-00000000a0b1",
        "appDisplayName":"@TARGET@","resourceDisplayName":"@TARGET@","ipAddress":"@IP@","clientAppUsed":"Browser",
        "correlationId":"3a2b0000-0000-4c00-9000-00000000c0d1","sessionId":"4b3c0000-0000-4d00-a000-00000000d0e1",
        "status":{"errorCode":@ENTRACODE@},"location":{"city":"Oslo","countryOrRegion":"NO"}
        """;

    private static readonly Shape[] All =
    [
        new("Okta System Log API", (b, o) => OktaMapper.Map(b, o), "okta-", $"[{OktaLogEvent}]",
            "\"published\":\"2026-10-14T09:12:44.120Z\",", "\"published\":\"last tuesday\",", "published"),
        new("Okta Event Hook", (b, o) => OktaMapper.Map(b, o), "okta-",
            $$$"""
            {"eventType":"com.okta.event_hook","eventTypeVersion":"1.0","cloudEventsVersion":"0.1","source":"https://umbra.okta.com/api/v1/eventHooks/whond0e1example",
             "eventId":"b7d2c1e0-4f3a-4b2c-9d8e-1f0a2b3c4d51","eventTime":"2026-10-14T09:12:50.000Z","contentType":"application/json","data":{"events":[{{{OktaLogEvent}}}]}}
            """,
            "\"published\":\"2026-10-14T09:12:44.120Z\",", "\"published\":\"2026-14-10\",", "published"),
        new("Okta EventBridge", (b, o) => OktaMapper.Map(b, o), "okta-",
            $$$"""
            {"version":"0","id":"c8e3d2f1-5a4b-4c3d-8e9f-2a1b3c4d5e62","detail-type":"SystemLog","source":"aws.partner/okta.com/umbra/ztstream-stream",
             "account":"444455556666","time":"2026-10-14T09:12:51Z","region":"eu-north-1","resources":[],"detail":{{{OktaLogEvent}}}}
            """,
            "\"published\":\"2026-10-14T09:12:44.120Z\",", "\"published\":true,", "detail.published"),
        new("Entra sign-in records export", (b, o) => EntraMapper.Map(b, o), "entra-",
            $$$"""
            {"records":[{"resourceId":"/tenants/9f8e0000-0000-4e00-b000-00000000e0f1/providers/Microsoft.aadiam","operationName":"Sign-in activity","category":"@ENTRACATEGORY@",
             "tenantId":"9f8e0000-0000-4e00-b000-00000000e0f1","resultType":"@ENTRACODE@","callerIpAddress":"@IP@","Level":4,"location":"NO",
             "properties":{@TIME@{{{EntraSignIn}}}}}]}
            """,
            "\"createdDateTime\":\"2026-10-14T09:12:44.1200000+00:00\",", "\"createdDateTime\":\"soon\",", "properties.createdDateTime"),
        new("Entra audit records export", (b, o) => EntraMapper.Map(b, o), "entra-",
            """
            {"records":[{"resourceId":"/tenants/9f8e0000-0000-4e00-b000-00000000e0f1/providers/Microsoft.aadiam","operationName":"@AUDITACTIVITY@","category":"AuditLogs",
             "tenantId":"9f8e0000-0000-4e00-b000-00000000e0f1","resultSignature":"None","Level":4,
             "properties":{@TIME@"activityDisplayName":"@AUDITACTIVITY@","category":"UserManagement","correlationId":"5c4d0000-0000-4e00-8000-00000000e1f2","result":"@AUDITRESULT@",
               "loggedByService":"Core Directory","initiatedBy":{"user":{"id":"6d5e0000-0000-4f00-9000-00000000f2a3","userPrincipalName":"@ACTOR@","ipAddress":"@IP@"}},
               "targetResources":[{"id":"7e6f0000-0000-4a00-a000-00000000a3b4","type":"User","userPrincipalName":"@TARGET@@umbra.example"}]}}]}
            """,
            "\"activityDateTime\":\"2026-10-14T09:12:44.1200000+00:00\",", "\"activityDateTime\":\"14/10/2026 9:12\",", "properties.activityDateTime"),
        new("Entra Log Analytics SigninLogs row", (b, o) => EntraMapper.Map(b, o), "entra-",
            """
            {"TenantId":"0b1c0000-0000-4100-8000-00000000b1c2","AADTenantId":"9f8e0000-0000-4e00-b000-00000000e0f1","SourceSystem":"Azure AD","Type":"SigninLogs","Category":"@ENTRACATEGORY@",@TIME@
             "UserPrincipalName":"@ACTOR@","UserId":"7e1d0c2b-0000-4a55-9e11-4d0000000a01","AppId":"2c1b0000-0000-4b00-8000-00000000a0b1","AppDisplayName":"@TARGET@",
             "ResourceDisplayName":"@TARGET@","IPAddress":"@IP@","ResultType":"@ENTRACODE@","Status":{"errorCode":@ENTRACODE@},"CorrelationId":"3a2b0000-0000-4c00-9000-00000000c0d1"}
            """,
            "\"TimeGenerated\":\"2026-10-14T09:12:44.12Z\",\"CreatedDateTime\":\"2026-10-14T09:12:44.12Z\",", "\"TimeGenerated\":\"2026-10-14T09:12:44.12Z\",\"CreatedDateTime\":\"a while ago\",",
            "properties.createdDateTime"),
        new("Entra Microsoft Graph signIns page", (b, o) => EntraMapper.Map(b, o), "entra-",
            $$$"""
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[{@TIME@{{{EntraSignIn}}}}]}
            """,
            "\"createdDateTime\":\"2026-10-14T09:12:44.12Z\",", "\"createdDateTime\":{\"at\":\"9:12\"},", "properties.createdDateTime"),
        new("Auth0 custom-webhook log stream", (b, o) => Auth0Mapper.Map(b, o), "auth0-derived-",
            """
            [{"data":{@TIME@"type":"@AUTH0TYPE@","description":"","connection":"Username-Password-Authentication","connection_id":"con_nd0eExample01",
              "client_id":"Vnd0eExampleClientId000000000001","client_name":"@TARGET@","ip":"@IP@","user_agent":"Firefox 131.0.0 / Linux 0.0.0",
              "details":{"session_id":"nd0eExampleSession01"},"hostname":"umbra.eu.auth0.com","user_id":"auth0|6b2nd0e1example","user_name":"@ACTOR@","strategy":"auth0","strategy_type":"database"}}]
            """,
            "\"date\":\"2026-10-14T09:12:44.120Z\",", "\"date\":\"Tuesday\",", "data.date"),
        new("Auth0 EventBridge log stream", (b, o) => Auth0Mapper.Map(b, o), "auth0-derived-",
            """
            {"version":"0","id":"d9f4e3a2-6b5c-4d4e-9fa0-3b2c4d5e6f73","detail-type":"Auth0 log","source":"aws.partner/auth0.com/umbra-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/auth0.logs",
             "account":"444455556666","time":"2026-10-14T09:12:52Z","region":"eu-north-1","resources":[],
             "detail":{"data":{@TIME@"type":"@AUTH0TYPE@","client_id":"Vnd0eExampleClientId000000000001","client_name":"@TARGET@","ip":"@IP@",
              "user_agent":"Firefox 131.0.0 / Linux 0.0.0","details":{"session_id":"nd0eExampleSession01"},"user_id":"auth0|6b2nd0e1example","user_name":"@ACTOR@"}}}
            """,
            "\"date\":\"2026-10-14T09:12:44.120Z\",", "\"date\":[2026,10,14],", "detail.data.date"),
        new("Keycloak user event", (b, o) => KeycloakMapper.Map(b, o), "kc-",
            """
            {@TIME@"type":"@KCTYPE@","realmId":"umbra","clientId":"@TARGET@","userId":"1f2e0000-0000-4a00-8000-00000000c1d2","sessionId":"2a3b0000-0000-4b00-9000-00000000d2e3",
             "ipAddress":"@IP@","details":{"auth_method":"openid-connect","username":"@ACTOR@","redirect_uri":"https://app.umbra.example/cb"}}
            """,
            "\"time\":1791969164120,", "\"time\":\"yesterday\",", "time"),
        new("Keycloak admin event", (b, o) => KeycloakMapper.Map(b, o), "kc-",
            """
            {@TIME@"realmId":"umbra","authDetails":{"realmId":"master","clientId":"security-admin-console","userId":"@ACTOR@","ipAddress":"@IP@"},
             "operationType":"@KCOPERATION@","resourceType":"REALM_ROLE_MAPPING","resourcePath":"users/@TARGET@/role-mappings/realm",
             "representation":"[{\"name\":\"admin\"}]"}
            """,
            "\"time\":1791969164120,", "\"time\":false,", "time"),
    ];

    public static TheoryData<string> Shapes() => [.. All.Select(s => s.Name)];

    private static Shape Of(string name) => All.Single(s => s.Name == name);

    private static SourceMapOptions Live(DateTimeOffset at) => SourceMapOptions.Default with { ReceivedAt = at };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_RecordWithoutId_IsJudgedUnderADerivedId_TheSameWhenDeliveredAgain(string name)
    {
        var shape = Of(name);
        var first = MapperAssert.MapsOne(shape.Map(shape.Body(), Live(Arrived)));
        var again = MapperAssert.MapsOne(shape.Map(shape.Body(), Live(Arrived.AddMinutes(5))));

        Assert.StartsWith(shape.Prefix, first.Id, StringComparison.Ordinal);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal((Published, Published), (first.Time, again.Time));
        Assert.Null(first.Attr(TimeSources.Attribute));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_RecordsThatDifferInWhatIdentifiesThem_AreTwoEvents(string name)
    {
        var shape = Of(name);
        var id = MapperAssert.MapsOne(shape.Map(shape.Body(), Live(Arrived))).Id;
        // A second later: 09:12:45, or in Unix milliseconds 1791969165120.
        var later = shape.Dated.Replace(":44.", ":45.", StringComparison.Ordinal).Replace("164120", "165120", StringComparison.Ordinal);
        var variants = new List<byte[]> { shape.Body(time: later) };
        foreach (var (placeholder, values) in Members.Where(m => shape.Template.Contains(m.Key, StringComparison.Ordinal)))
        {
            variants.Add(shape.Body(changed: new Dictionary<string, string> { [placeholder] = values[1] }));
        }

        var ids = variants.Select(v => MapperAssert.MapsOne(shape.Map(v, Live(Arrived))).Id).Prepend(id).ToList();

        Assert.True(variants.Count >= 4, $"{shape}: {variants.Count} variants");
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_RecordWithoutTime_TakesItsArrivalTime_InTimeSource_AndKeepsItsIdWhenDeliveredAgain(string name)
    {
        var shape = Of(name);
        var first = MapperAssert.MapsOne(shape.Map(shape.Body(dated: false), Live(Arrived)));
        var again = MapperAssert.MapsOne(shape.Map(shape.Body(dated: false), Live(Arrived.AddMinutes(5))));

        Assert.Equal(Arrived, first.Time);
        Assert.Equal(TimeSources.Received, first.Attr(TimeSources.Attribute));
        Assert.Equal(first.Id, again.Id);
        Assert.StartsWith(shape.Prefix, first.Id, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Replay_RecordWithoutTime_TakesThePreviousEventsTime(string name)
    {
        var shape = Of(name);
        var replay = SourceMapOptions.Default with { Clock = new SourceClock(Arrived.AddDays(30)) };

        var dated = MapperAssert.MapsOne(shape.Map(shape.Body(), replay));
        var undated = MapperAssert.MapsOne(shape.Map(shape.Body(dated: false), replay));

        Assert.Equal(Published, dated.Time);
        Assert.Equal(Published, undated.Time);
        Assert.Equal(TimeSources.PreviousEvent, undated.Attr(TimeSources.Attribute));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_TimeThatIsNoTime_IsStillAnErrorNamingTheFieldAndTheItem(string name)
    {
        var shape = Of(name);
        var result = shape.Map(shape.Body(time: shape.Unreadable), Live(Arrived));

        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal((0, shape.TimeField), (error.Index, error.Field));
        Assert.StartsWith("not ", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_RecordWithoutTime_WhereNoFallbackIsConfigured_IsAnErrorNamingTheField(string name)
    {
        var shape = Of(name);
        var result = shape.Map(shape.Body(dated: false), SourceMapOptions.Default);

        Assert.Empty(result.Events);
        Assert.Equal((0, shape.TimeField), (result.Errors.Single().Index, result.Errors.Single().Field));
    }

    [Fact]
    public void Map_OneOktaLogEventByEachDeliveryPath_IsOneId()
    {
        // The same LogEvent through the System Log API, an Event Hook (its members in another order, one more member)
        // and Log Streaming's EventBridge event: one event, whichever paths deliver it.
        var shapes = All.Where(s => s.Name.StartsWith("Okta", StringComparison.Ordinal)).ToList();
        var api = shapes[0].Body();
        var hook = JsonNode.Parse(shapes[1].Body())!;
        var events = hook["data"]!["events"]!.AsArray();
        var reordered = new JsonObject(events[0]!.AsObject().Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        reordered["legacyEventType"] = "core.user_auth.login_success";
        events[0] = reordered;

        var ids = new[]
        {
            OktaMapper.Map(api, Live(Arrived)),
            OktaMapper.Map(Encoding.UTF8.GetBytes(hook.ToJsonString()), Live(Arrived)),
            OktaMapper.Map(shapes[2].Body(), Live(Arrived)),
        }.Select(MapperAssert.MapsOne).ToList();

        Assert.Single(ids.Select(e => e.Id).Distinct());
        Assert.Equal(["umbra.okta.com", "umbra"], ids.Skip(1).Select(e => e.Subject?.Tenant));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Map_RecordWithoutId_SubjectsNamedByUserId_KeepsTheSameDerivedId(string name)
    {
        // Configuration names the subject differently, not the event: a record keeps its id whichever way it is read.
        var shape = Of(name);
        var byLogin = MapperAssert.MapsOne(shape.Map(shape.Body(), Live(Arrived)));
        var byUserId = MapperAssert.MapsOne(shape.Map(shape.Body(), Live(Arrived) with { SubjectIsUserId = true, EntraSubjectIsUserId = true }));

        Assert.Equal(byLogin.Id, byUserId.Id);
    }

    [Fact]
    public void Map_RecordWithItsVendorsId_KeepsThatId()
    {
        var okta = OktaMapper.Map(Encoding.UTF8.GetBytes(OktaLogEvent.Replace("@TIME@", "\"uuid\":\"e3a1f0c4-2b7d-4c9e-8f15-7a6d5c4b3a21\",\"published\":\"2026-10-14T09:12:44.120Z\",", StringComparison.Ordinal)
            .Replace("@OKTATYPE@", "user.session.start", StringComparison.Ordinal).Replace("@OKTARESULT@", "SUCCESS", StringComparison.Ordinal)
            .Replace("@ACTOR@", "noor.haddad@umbra.example", StringComparison.Ordinal).Replace("@IP@", "198.51.100.23", StringComparison.Ordinal)
            .Replace("@TARGET@", "Payroll", StringComparison.Ordinal)));

        Assert.Equal("e3a1f0c4-2b7d-4c9e-8f15-7a6d5c4b3a21", MapperAssert.MapsOne(okta).Id);
    }
}
