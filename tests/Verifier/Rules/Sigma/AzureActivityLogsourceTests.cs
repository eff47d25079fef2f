namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: azure, service: activitylogs</c>: SigmaHQ's field names on Azure Activity Log records written after Azure
/// Monitor's Activity Log schema, in the three shapes Ingest takes — a diagnostic setting's export
/// (<c>{"records":[…]}</c>), the REST API's event (<c>{"value":[…]}</c>, <c>operationName.value</c>) and a row of the
/// Log Analytics <c>AzureActivity</c> table (<c>OperationNameValue</c>, <c>Properties_d</c>) — mapped by the reader Ingest
/// and <c>ztstream replay --format azure-activity</c> use.
/// </summary>
public sealed class AzureActivityLogsourceTests
{
    private const string Format = "azure-activity";
    private const string Activity = "product: azure\nservice: activitylogs";
    private const string Tenant = "a7c0e000-0000-4000-8000-000000000001";
    private const string Subscription = "a7c05000-0000-4000-8000-000000000001";
    private static int next;

    private static string Claims(string upn) => $$"""
        {"http://schemas.microsoft.com/identity/claims/tenantid":"{{Tenant}}","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"{{upn}}",
         "http://schemas.microsoft.com/identity/claims/objectidentifier":"a7c0a000-0000-4000-8000-000000000011","ipaddr":"203.0.113.41",
         "appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","http://schemas.microsoft.com/claims/authnmethodsreferences":"pwd,mfa"}
        """;

    /// <summary>A diagnostic setting's record: the operation as exported (upper case), <paramref name="properties"/> its properties.</summary>
    private static string Export(string operation, string resultType = "Success", string properties = "{}", string upn = "kim.lee@contoso.example") => $$"""
        {"records":[{"time":"2026-12-02T09:00:{{Interlocked.Increment(ref next) % 60:D2}}.2000000Z",
         "resourceId":"/SUBSCRIPTIONS/{{Subscription.ToUpperInvariant()}}/RESOURCEGROUPS/RG-LEDGER/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/LEDGER-KV",
         "operationName":"{{operation.ToUpperInvariant()}}","category":"Administrative","resultType":"{{resultType}}","resultSignature":"Succeeded.OK",
         "durationMs":"0","callerIpAddress":"203.0.113.41","correlationId":"a7c01000-0000-4000-8000-{{next:D12}}",
         "identity":{"authorization":{"scope":"/subscriptions/{{Subscription}}","action":"{{operation}}"},"claims":{{Claims(upn)}} },
         "level":"Information","location":"global","properties":{{properties}}}]}
        """;

    /// <summary>The REST API's event: the operation as Resource Manager names it, with its localized name.</summary>
    private static string Rest(string operation, string localized, string status = "Succeeded") => $$"""
        {"value":[{"authorization":{"action":"{{operation}}","scope":"/subscriptions/{{Subscription}}"},"caller":"Kim.Lee@Contoso.example",
         "claims":{{Claims("Kim.Lee@Contoso.example")}},"correlationId":"a7c01000-0000-4000-8000-{{Interlocked.Increment(ref next):D12}}",
         "eventDataId":"a7c03000-0000-4000-8000-{{next:D12}}","eventName":{"value":"EndRequest"},"category":{"value":"Administrative"},
         "eventTimestamp":"2026-12-02T09:00:01.2Z","httpRequest":{"clientRequestId":"x","clientIpAddress":"203.0.113.41","method":"POST"},
         "level":"Informational","operationName":{"value":"{{operation}}","localizedValue":"{{localized}}"},
         "resourceId":"/subscriptions/{{Subscription}}/providers/{{operation[..operation.LastIndexOf('/')]}}","status":{"value":"{{status}}"},
         "subStatus":{"value":"OK"},"subscriptionId":"{{Subscription}}","properties":{"statusCode":"OK"} }]}
        """;

    /// <summary>A row of the AzureActivity table: <c>OperationName</c> is the localized name, <c>OperationNameValue</c> the operation.</summary>
    private static string Row(string operation, string localized, string properties = "{}") => $$"""
        {"TenantId":"c0ffee00-0000-4000-8000-000000000001","SourceSystem":"Azure","CallerIpAddress":"203.0.113.41","CategoryValue":"Administrative",
         "CorrelationId":"a7c01000-0000-4000-8000-{{Interlocked.Increment(ref next):D12}}","Claims_d":{{Claims("kim.lee@contoso.example")}},
         "Level":"Informational","OperationNameValue":"{{operation}}","Properties_d":{{properties}},"Caller":"kim.lee@contoso.example",
         "EventDataId":"a7c03000-0000-4000-8000-{{next:D12}}","EventSubmissionTimestamp":"2026-12-02T09:00:02Z","ResourceGroup":"RG-LEDGER",
         "ResourceProviderValue":"{{operation[..operation.IndexOf('/')].ToUpperInvariant()}}","ActivityStatusValue":"Success","ActivitySubstatusValue":"OK",
         "TimeGenerated":"2026-12-02T09:00:01.2Z","SubscriptionId":"{{Subscription}}","OperationName":"{{localized}}","Type":"AzureActivity",
         "_ResourceId":"/subscriptions/{{Subscription}}/resourcegroups/rg-ledger/providers/microsoft.keyvault/vaults/ledger-kv"}
        """;

    private static Rule Inline(string detection) => SigmaIdp.Inline(Activity, detection);

    /// <summary>The rule fires on <paramref name="operation"/> (localized as <paramref name="localized"/>) in the export, the REST event and the table row alike.</summary>
    private static void AssertFiresInEveryShape(Rule rule, string operation, string localized)
    {
        Assert.True(rule.Fires(Format, Export(operation)), "export");
        Assert.True(rule.Fires(Format, Rest(operation, localized)), "REST event");
        Assert.True(rule.Fires(Format, Row(operation, localized)), "table row");
    }

    [Fact]
    public void Logsource_IsTheCallersRequests_WithOrWithoutTheProduct()
    {
        Assert.Equal([EventKinds.AccessRequest], Inline("selection:\n  operationName: X\ncondition: selection").Kinds);
        Assert.Equal([EventKinds.AccessRequest], SigmaIdp.Inline("service: activitylogs", "selection:\n  operationName: X\ncondition: selection").Kinds);
    }

    [Fact]
    public void OperationName_MatchesTheOperation_InEveryShape_WhateverItsCase()
    {
        // SigmaHQ's azure_subscription_permissions_elevation_via_activitylogs writes the operation upper case.
        var rule = Inline("selection:\n  operationName: MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION\ncondition: selection");
        const string elevate = "Microsoft.Authorization/elevateAccess/action";

        AssertFiresInEveryShape(rule, elevate, "Assigns the caller to User Access Administrator role");
        Assert.False(rule.Fires(Format, Export("Microsoft.Authorization/roleAssignments/write")));
        Assert.False(rule.Fires(Format, Rest("Microsoft.Authorization/roleAssignments/write", "Create role assignment")));

        // The table's OperationName is the localized name: a rule naming it reads that too.
        var localized = Inline("selection:\n  OperationName: Create role assignment\ncondition: selection");
        Assert.True(localized.Fires(Format, Row("Microsoft.Authorization/roleAssignments/write", "Create role assignment")));
    }

    [Fact]
    public void PropertiesAndStatus_ReadTheirPlaceInEachShape()
    {
        var rule = Inline("selection:\n  operationName|startswith: MICROSOFT.KEYVAULT/VAULTS/\n  properties.statusCode: OK\n  status:\n    - Success\n    - Succeeded\ncondition: selection");
        const string write = "Microsoft.KeyVault/vaults/write";

        Assert.True(rule.Fires(Format, Export(write, properties: """{"statusCode":"OK","eventCategory":"Administrative"}""")));
        Assert.True(rule.Fires(Format, Rest(write, "Update key vault")));
        Assert.True(rule.Fires(Format, Row(write, "Update key vault", """{"statusCode":"OK"}""")));
        Assert.False(rule.Fires(Format, Export(write, resultType: "Start", properties: """{"statusCode":"OK"}""")));
        Assert.False(rule.Fires(Format, Rest(write, "Update key vault", "Failed")));
        Assert.False(rule.Fires(Format, Row(write, "Update key vault", """{"statusCode":"Forbidden"}""")));
    }

    [Fact]
    public void Claims_AreTheCallersToken_InTheExportAndTheTable()
    {
        var rule = Inline("selection:\n  claims.ipaddr: 203.0.113.41\n  operationName: MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE\ncondition: selection");
        const string suppression = "Microsoft.Security/alertsSuppressionRules/write";

        AssertFiresInEveryShape(rule, suppression, "Write alerts suppression rule");
        Assert.False(rule.Fires(Format, Export(suppression).Replace("\"ipaddr\":\"203.0.113.41\"", "\"ipaddr\":\"198.51.100.7\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void OtherSourcesRequests_NeverMatch_EvenANegatedSelection()
    {
        var rule = Inline("selection:\n  operationName: MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION\ncondition: not selection");
        Assert.True(rule.Fires(Format, Export("Microsoft.Storage/storageAccounts/listKeys/action")));

        // An application's request and a CloudTrail record are access.requests too; an Entra ID audit record is Azure's, but another log.
        Assert.False(rule.Matches(IdpRecords.SdkAccess("kim.lee@contoso.example", "s1", IdpRecords.T0)));
        Assert.False(rule.Fires("aws-cloudtrail", """{"eventVersion":"1.11","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventTime":"2026-12-01T09:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.41","eventID":"c7a10000-0000-4000-8000-000000000999","eventType":"AwsApiCall","recipientAccountId":"111122223333"}"""));
        Assert.False(rule.Matches(IdpRecords.EntraAudit("Update user", "UserManagement", "kim.lee@contoso.example", IdpRecords.T0)));
    }

    [Fact]
    public void AFieldNoShapeHas_IsAnErrorNamingIt()
    {
        // SigmaHQ's azure_mfa_disabled names eventSource, which no Activity Log record has (it is another log's field).
        var error = SigmaIdp.ErrorOf(Activity, "selection:\n  eventSource: AzureActiveDirectory\n  eventName: 'Disable Strong Authentication.'\ncondition: selection");
        Assert.Contains("field 'eventSource' is not a field of an Azure Activity Log record", error.Reason, StringComparison.Ordinal);
        Assert.Contains("OperationNameValue", error.Reason, StringComparison.Ordinal);
    }
}
