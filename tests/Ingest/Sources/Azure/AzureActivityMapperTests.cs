using ZtStream.Ingest.Sources.Azure;
using ZtStream.Ingest.Sources.Entra;

namespace ZtStream.Ingest.Tests.Sources.Azure;

/// <summary>
/// Azure Activity Log records (TestData/azure-activity, documented shapes; ORIGIN.md lists them): each is its caller's
/// operation on the subscription (<c>access.request</c>), keyed by the caller as the Entra ID adapter keys the same identity,
/// in each shape Azure delivers them (a diagnostic setting's records, the AzureActivity table's rows, the REST API's events).
/// </summary>
public sealed class AzureActivityMapperTests
{
    private const string Tenant = "a7c0e000-0000-4000-8000-000000000001";
    private const string Subscription = "a7c05000-0000-4000-8000-000000000001";
    private const string Kim = "kim.lee@contoso.example";
    private const string KimObjectId = "a7c0a000-0000-4000-8000-000000000011";
    private const string Owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

    private static string[] Lines() => File.ReadAllLines(TestData.Path("azure-activity", "activity-records.ndjson"));

    private static IReadOnlyList<AccessEvent> Events() =>
        MapperAssert.MapsAll(AzureActivityMapper.Map(Encoding.UTF8.GetBytes($$"""{"records":[{{string.Join(",", Lines())}}]}""")), 15);

    private static MapResult Map(string body, SourceMapOptions? options = null) => AzureActivityMapper.Map(Encoding.UTF8.GetBytes(body), options);

    [Fact]
    public void Map_EventHubRecords_AreTheCallersOperationsOnTheSubscription()
    {
        var events = Events();

        Assert.All(events, e => Assert.Equal(EventKinds.AccessRequest, e.Kind));
        var assigned = events[1];
        Assert.Equal(
            (Kim, "user", Tenant, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", 200, Outcomes.Success, "203.0.113.41"),
            (assigned.Subject?.Id, assigned.Subject?.Type, assigned.Subject?.Tenant, assigned.Action, assigned.Status, assigned.Outcome, assigned.Network?.SrcIp));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 0, 1, 200, TimeSpan.Zero), assigned.Time);
        Assert.Equal(("MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS", "Success", "Succeeded.Created", Subscription, KimObjectId, "Owner"),
            (assigned.Resource?.Type, assigned.Attr("azure.status"), assigned.Attr("azure.sub_status"), assigned.Attr("azure.subscription_id"),
             assigned.Attr("idp.user_id"), assigned.Attr("azure.caller_role")));
        Assert.Equal((Owner, "User", "a7c0a000-0000-4000-8000-000000000099"),
            (assigned.Attr(AzureActivityMapper.RoleDefinitionAttribute), assigned.Attr("azure.assignee_principal_type"), assigned.Attr("azure.assignee_principal_id")));

        // The record is kept whole: its properties where Azure writes them.
        Assert.Equal("Created", assigned.Raw!.Value.GetProperty("properties").GetProperty("statusCode").GetString());
        Assert.Equal("RG-LEDGER", events[6].Attr("azure.resource_group"));
    }

    [Fact]
    public void Map_StartedAndSucceededRecordsOfOneOperation_AreTwoEventsWithTheOperationsId_OnlyTheLastWithAnOutcome()
    {
        var events = Events();
        var (started, succeeded) = (events[0], events[1]);

        Assert.Equal(("Start", null, null), (started.Attr("azure.status"), started.Outcome, started.Status));
        Assert.Equal(Outcomes.Success, succeeded.Outcome);
        Assert.Equal(started.Attr("azure.correlation_id"), succeeded.Attr("azure.correlation_id"));
        // One operation, one id: the Verifier reads the records as its stages (one access, its outcome with the last).
        Assert.Equal(started.Id, succeeded.Id);
        Assert.Equal(14, events.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(15, events.Select(e => e.Attr(AzureActivityMapper.EventDataIdAttribute) ?? e.Raw!.Value.GetProperty("time").GetString()).Distinct(StringComparer.Ordinal).Count());
        // The request body of the Started record names the role as the Succeeded one's response does.
        Assert.Equal(Owner, started.Attr(AzureActivityMapper.RoleDefinitionAttribute));
        // Delivered again, the same ids: a redelivery is one event.
        var ids = Map(string.Join("\n", Lines())).Events.Select(e => e.Id).ToList();
        Assert.Equal(ids, Map(string.Join("\n", Lines())).Events.Select(e => e.Id));
        Assert.All(ids, id => Assert.Matches("^azure-[0-9a-f]{32}$", id));
    }

    /// <summary>
    /// What names the operation makes the id: another resource, caller, operation or correlation is another operation; a
    /// record without a correlation id is an event alone (its own digest), the Started and Succeeded records then two.
    /// </summary>
    [Theory]
    [InlineData("resourceId", "/SUBSCRIPTIONS/A7C05000-0000-4000-8000-000000000001/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/OTHER")]
    [InlineData("operationName", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE")]
    [InlineData("correlationId", "a7c01000-0000-4000-8000-0000000000ff")]
    [InlineData("correlationId", null)]
    public void Map_RecordOfAnotherOperation_HasAnotherId(string field, string? value)
    {
        var (started, succeeded) = (JsonNode.Parse(Lines()[0])!.AsObject(), JsonNode.Parse(Lines()[1])!.AsObject());
        foreach (var record in new[] { started, succeeded })
        {
            if (value is null)
            {
                record.Remove(field);
            }
            else if (record == succeeded)
            {
                record[field] = value;
            }
        }

        var ids = Map(started.ToJsonString() + "\n" + succeeded.ToJsonString()).Events.Select(e => e.Id).ToList();

        Assert.Equal(2, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Map_AnotherCaller_IsAnotherOperation()
    {
        var succeeded = JsonNode.Parse(Lines()[1])!.AsObject();
        succeeded["identity"]!["claims"]!["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = "ana.ruiz@contoso.example";

        var ids = Map(Lines()[0] + "\n" + succeeded.ToJsonString()).Events.Select(e => e.Id).ToList();

        Assert.Equal(2, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Map_RefusedCall_IsDenied_AndAnotherFailureAnError()
    {
        var refused = Events()[5];
        Assert.Equal((Outcomes.Denied, 403), (refused.Outcome, refused.Status));

        var failed = JsonNode.Parse(Lines()[5])!.AsObject();
        failed["resultSignature"] = "Failed.Conflict";
        failed["properties"] = JsonNode.Parse("""{"statusCode":"Conflict","statusMessage":"{\"error\":{\"code\":\"Conflict\"}}"}""");
        Assert.Null(MapperAssert.MapsTo(Map(failed.ToJsonString()), EventKinds.AccessRequest, Outcomes.Error).Status);
    }

    [Fact]
    public void Map_ServicePrincipalAndManagedIdentity_AreTheirApplicationIds()
    {
        var events = Events();

        Assert.Equal(("a7c0b000-0000-4000-8000-000000000021", "service_account", "a7c0b000-0000-4000-8000-000000000022"),
            (events[4].Subject?.Id, events[4].Subject?.Type, events[4].Attr("idp.user_id")));
        Assert.Equal(("a7c0c000-0000-4000-8000-000000000031", "service_account", "ServicePrincipal"),
            (events[9].Subject?.Id, events[9].Subject?.Type, events[9].Attr("azure.caller_principal_type")));
        Assert.Equal("2001:db8:7::41", events[8].Network?.SrcIp);
    }

    [Fact]
    public void Map_AUsersEntraSignInAndAzureOperation_AreOnePrincipal_ByNameOrByObjectId()
    {
        var signIn = $$$"""{"time":"2026-12-02T08:59:00Z","category":"SignInLogs","resultType":"0","properties":{"id":"a7c0f000-0000-4000-8000-000000000001","createdDateTime":"2026-12-02T08:59:00Z","userPrincipalName":"KIM.LEE@contoso.example","userId":"{{{KimObjectId}}}","ipAddress":"203.0.113.41","status":{"errorCode":0}} }""";
        var operation = Lines()[1];

        Assert.Equal(Only(EntraMapper.Map(Encoding.UTF8.GetBytes(signIn))).Subject?.Id, Only(Map(operation)).Subject?.Id);

        var byObjectId = SourceMapOptions.Default with { SubjectIsUserId = true, EntraSubjectIsUserId = true };
        var entra = Only(EntraMapper.Map(Encoding.UTF8.GetBytes(signIn), byObjectId));
        var azure = Only(Map(operation, byObjectId));
        Assert.Equal((KimObjectId, KimObjectId), (entra.Subject?.Id, azure.Subject?.Id));
        Assert.Equal(Kim, azure.Attr("idp.login"));

        static AccessEvent Only(MapResult result) => Assert.Single(result.Events);
    }

    [Fact]
    public void Map_NetworkRules_ReadEachSourceWithItsOwnPorts()
    {
        var events = Events();

        Assert.Equal(["internet 22 Tcp"], Listed(events[6], AzureActivityMapper.NsgInboundAttribute));
        Assert.Equal(["internet 443 Tcp", "internet 80 Tcp"], Listed(events[7], AzureActivityMapper.NsgInboundAttribute));

        // A whole group written with its rules: only inbound Allow rules, each source with its ports.
        var group = JsonNode.Parse(Lines()[6])!.AsObject();
        group["operationName"] = "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE";
        group["properties"]!["requestbody"] = """{"location":"westeurope","properties":{"securityRules":[{"name":"office-ssh","properties":{"protocol":"Tcp","destinationPortRange":"22","sourceAddressPrefixes":["198.51.100.0/24"],"access":"Allow","direction":"Inbound","priority":100}},{"name":"rdp","properties":{"protocol":"*","destinationPortRanges":["3389"],"sourceAddressPrefix":"0.0.0.0/0","access":"Allow","direction":"Inbound","priority":110}},{"name":"deny-all","properties":{"protocol":"*","destinationPortRange":"*","sourceAddressPrefix":"*","access":"Deny","direction":"Inbound","priority":4096}},{"name":"out","properties":{"protocol":"*","destinationPortRange":"*","sourceAddressPrefix":"*","access":"Allow","direction":"Outbound","priority":200}}]}}""";
        var e = MapperAssert.MapsTo(Map(group.ToJsonString()), EventKinds.AccessRequest, Outcomes.Success);
        Assert.Equal(["198.51.100.0/24 22 Tcp", "internet 3389 *"], Listed(e, AzureActivityMapper.NsgInboundAttribute));
    }

    [Fact]
    public void Map_StorageAndDefenderWrites_LiftWhatTheRulesRead()
    {
        var events = Events();

        Assert.Equal("true", events[11].Attributes![AzureActivityBodies.BlobPublicAccessAttribute].GetRawText());
        Assert.Equal("Free", events[12].Attr(AzureActivityBodies.PricingTierAttribute));
        Assert.False(events[10].Attributes!.ContainsKey(AzureActivityBodies.BlobPublicAccessAttribute));
    }

    [Fact]
    public void Map_OneOperationInEveryShape_IsOneAccess()
    {
        // The Succeeded role assignment as a diagnostic record, a row of the AzureActivity table (as an object with its
        // dynamic columns as JSON text, as a data export rule's record, as a query answer's row) and a REST API event.
        var record = JsonNode.Parse(Lines()[1])!.AsObject();
        var claims = record["identity"]!["claims"]!.ToJsonString();
        var authorization = record["identity"]!["authorization"]!.ToJsonString();
        var properties = record["properties"]!.ToJsonString();
        var row = new JsonObject
        {
            ["TimeGenerated"] = "2026-12-02T09:00:01.2Z", ["OperationNameValue"] = "Microsoft.Authorization/roleAssignments/write",
            ["ActivityStatusValue"] = "Success", ["ActivitySubstatusValue"] = "Created", ["CategoryValue"] = "Administrative",
            ["Caller"] = "Kim.Lee@Contoso.example", ["CallerIpAddress"] = "203.0.113.41", ["CorrelationId"] = "a7c01000-0000-4000-8000-000000000001",
            ["EventDataId"] = "a7c03000-0000-4000-8000-000000000001", ["Claims"] = claims, ["Authorization"] = authorization, ["Properties"] = properties,
            ["_ResourceId"] = record["resourceId"]!.GetValue<string>().ToLowerInvariant(), ["SubscriptionId"] = Subscription,
            ["TenantId"] = "a7c0f00d-0000-4000-8000-000000000001", ["Type"] = "AzureActivity",
        };
        var columns = row.Select(c => $$"""{"name":"{{c.Key}}","type":"string"}""");
        var values = row.Select(c => c.Value!.ToJsonString());
        var query = $$"""{"tables":[{"name":"PrimaryResult","columns":[{{string.Join(",", columns)}}],"rows":[[{{string.Join(",", values)}}]]}]}""";
        var rest = $$"""{"value":[{"authorization":{{authorization}},"caller":"Kim.Lee@Contoso.example","claims":{{claims}},"correlationId":"a7c01000-0000-4000-8000-000000000001","eventDataId":"a7c03000-0000-4000-8000-000000000001","eventName":{"value":"EndRequest"},"category":{"value":"Administrative"},"eventTimestamp":"2026-12-02T09:00:01.2Z","httpRequest":{"clientRequestId":"x","clientIpAddress":"203.0.113.41","method":"PUT"},"level":"Informational","operationName":{"value":"Microsoft.Authorization/roleAssignments/write","localizedValue":"Create role assignment"},"resourceId":"{{record["resourceId"]}}","status":{"value":"Succeeded"},"subStatus":{"value":"Created"},"subscriptionId":"{{Subscription}}","properties":{{properties}} }]}""";

        var shapes = new[] { Lines()[1], row.ToJsonString(), $$"""{"records":[{{row.ToJsonString()}}]}""", query, rest };
        var seen = shapes.Select(body => MapperAssert.MapsTo(Map(body), EventKinds.AccessRequest, Outcomes.Success))
            .Select(e => (e.Subject?.Id, e.Subject?.Tenant, e.Action, e.Network?.SrcIp, e.Attr("azure.subscription_id"), e.Attr(AzureActivityMapper.RoleDefinitionAttribute), e.Resource?.Type))
            .ToList();

        Assert.All(seen, s => Assert.Equal((Kim, Tenant, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", "203.0.113.41", Subscription, Owner, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS"), s));
        var restEvent = MapperAssert.MapsTo(Map(rest), EventKinds.AccessRequest, Outcomes.Success);
        Assert.Equal("a7c03000-0000-4000-8000-000000000001", restEvent.Attr(AzureActivityMapper.EventDataIdAttribute));
        Assert.Matches("^azure-[0-9a-f]{32}$", restEvent.Id);
    }

    [Fact]
    public void Map_UnreadableRecords_AreErrorsNamingTheFieldAndIndex_TheOthersAreRead()
    {
        var good = Lines()[3];
        var noOperation = JsonNode.Parse(good)!.AsObject();
        noOperation.Remove("operationName");
        var numberOperation = JsonNode.Parse(good)!.AsObject();
        numberOperation["operationName"] = 42;
        var textIdentity = JsonNode.Parse(good)!.AsObject();
        textIdentity["identity"] = "Kim Lee";
        var badTime = JsonNode.Parse(good)!.AsObject();
        badTime["time"] = "yesterday";

        MapperAssert.Rejects(
            Map($$"""{"records":[{{good}},{{noOperation.ToJsonString()}},{{numberOperation.ToJsonString()}},{{textIdentity.ToJsonString()}},{{badTime.ToJsonString()}},42]}"""),
            [0],
            (1, "records[1].operationName"), (2, "records[2].operationName"), (3, "records[3].identity"), (4, "records[4].time"), (5, "records[5]"));

        // A table row whose Claims text is not JSON; a REST event naming no operation.
        MapperAssert.RejectsWhole(Map("""{"TimeGenerated":"2026-12-02T09:00:00Z","OperationNameValue":"MICROSOFT.AUTHORIZATION/LOCKS/DELETE","Claims":"{not json"}"""), "Claims");
        MapperAssert.RejectsWhole(Map("""{"value":[{"eventTimestamp":"2026-12-02T09:00:00Z","operationName":{"localizedValue":"Delete lock"}}]}"""), "value[0].operationName.value");
    }

    [Fact]
    public void Map_MembersMissingNullOrOfOtherTypes_AreReadAsAbsent()
    {
        var record = JsonNode.Parse(Lines()[3])!.AsObject();
        record["callerIpAddress"] = "Azure Resource Manager";
        record["identity"]!["claims"] = null;
        record.Remove("resultType");
        record["properties"] = null;

        var e = Assert.Single(Map(record.ToJsonString()).Events);

        // No claims: the address is not one, so the subscription and the operation name the caller.
        Assert.Equal(($"{AzureActivityMapper.UnnamedCaller}{Subscription}/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "anonymous", null, null),
            (e.Subject?.Id, e.Subject?.Type, e.Network, e.Outcome));
        Assert.Equal("Azure Resource Manager", e.Attr("azure.caller_ip_address"));
        record["callerIpAddress"] = "198.51.100.9";
        Assert.Equal("ip:198.51.100.9", Assert.Single(Map(record.ToJsonString()).Events).Subject?.Id);
    }

    private static IReadOnlyList<string> Listed(AccessEvent e, string key) =>
        e.Attributes!.TryGetValue(key, out var value) ? [.. value.EnumerateArray().Select(v => v.GetString()!)] : [];
}
