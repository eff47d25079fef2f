namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// Microsoft Entra ID Protection's risk records (risk detections of users and service principals, risky-user and
/// risky-service-principal state) in every shape the Entra adapter reads: a diagnostic-settings export (elastic/integrations'
/// azure <c>identity_protection</c> fixtures show its envelope), a Log Analytics row (the <c>AADUserRiskEvents</c>,
/// <c>AADRiskyUsers</c>, <c>AADServicePrincipalRiskEvents</c>, <c>AADRiskyServicePrincipals</c> columns Microsoft Learn
/// documents) and Microsoft Graph's <c>riskDetection</c>, <c>servicePrincipalRiskDetection</c>, <c>riskyUser</c> and
/// <c>riskyServicePrincipal</c> resources. ORIGIN: shapes from those references; names, ids and addresses invented.
/// </summary>
public sealed class IdentityProtectionTests
{
    private const string SpId = "3c4d5e6f-0000-4000-8000-0000000000a8";

    private static MapResult Map(string json, bool byUserId = false) =>
        EntraMapper.Map(Encoding.UTF8.GetBytes(json), SourceMapOptions.Default with { SubjectIsUserId = byUserId, EntraSubjectIsUserId = byUserId });

    private const string ServicePrincipalDetection = """
        {"records":[{"time":"2026-11-30T03:00:04.0000000Z","resourceId":"/tenants/5e0c1d2a-0000-4000-8000-0000000000c1/providers/microsoft.aadiam",
         "operationName":"Service Principal Risk Detection","category":"ServicePrincipalRiskEvents","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1",
         "properties":{"id":"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90","requestId":"0f1e2d3c-0000-4000-8000-0000000000a1",
          "correlationId":"9e8d7c6b-0000-4000-8000-0000000000a2","riskEventType":"leakedCredentials","riskState":"atRisk","riskLevel":"high","riskDetail":"none",
          "source":"IdentityProtection","detectionTimingType":"offline","activity":"servicePrincipal","ipAddress":null,"location":null,
          "activityDateTime":"2026-11-29T18:00:00Z","detectedDateTime":"2026-11-30T02:58:00Z","lastUpdatedDateTime":"2026-11-30T03:00:04Z",
          "servicePrincipalId":"3c4d5e6f-0000-4000-8000-0000000000a8","servicePrincipalDisplayName":"invoice-sync","appId":"9f8e7d6c-0000-4000-8000-0000000000a9",
          "keyIds":["0e1f2a3b-0000-4000-8000-0000000000aa"],"additionalInfo":"[{\"Key\":\"alertUrl\",\"Value\":null}]"}}]}
        """;

    private const string ServicePrincipalSignIn = """
        {"records":[{"time":"2026-11-30T02:10:00Z","category":"ServicePrincipalSignInLogs","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1","resultType":"0",
         "properties":{"id":"77665544-0000-4000-8000-0000000000ab","createdDateTime":"2026-11-30T02:10:00Z","servicePrincipalName":"invoice-sync",
          "servicePrincipalId":"3c4d5e6f-0000-4000-8000-0000000000a8","appId":"9f8e7d6c-0000-4000-8000-0000000000a9","ipAddress":"198.51.100.60",
          "resourceDisplayName":"Microsoft Graph","status":{"errorCode":0},"uniqueTokenIdentifier":"c3BUb2tlbkFBQUFBQTE"}}]}
        """;

    [Fact]
    public void Map_ServicePrincipalDetection_IsTheRiskOfThePrincipalItsSignInsName_ByNameOrByObjectId()
    {
        var detection = MapperAssert.MapsTo(Map(ServicePrincipalDetection), EventKinds.AuthRisk, null);
        var signIn = MapperAssert.MapsTo(Map(ServicePrincipalSignIn), EventKinds.AuthLogin, Outcomes.Success);
        Assert.Equal("invoice-sync", detection.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, detection.Subject?.Type);
        Assert.Equal(signIn.PrincipalKey, detection.PrincipalKey);
        Assert.Equal(SpId, detection.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("9f8e7d6c-0000-4000-8000-0000000000a9", detection.Token?.ClientId);
        Assert.Equal("high", detection.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal(["leakedCredentials"], detection.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("ServicePrincipalRiskEvents/leakedCredentials", detection.Attr(IdentityAttributes.IdpEventType));
        Assert.Equal("5e0c1d2a-0000-4000-8000-0000000000c1", detection.Subject?.Tenant);
        Assert.Null(detection.Network);

        // Ingest:IdentitySubjects:entra=user_id: both by the service principal's object id, the name kept beside it.
        var byId = MapperAssert.MapsTo(Map(ServicePrincipalDetection, byUserId: true), EventKinds.AuthRisk, null);
        Assert.Equal(SpId, byId.Subject?.Id);
        Assert.Equal(MapperAssert.MapsTo(Map(ServicePrincipalSignIn, byUserId: true), EventKinds.AuthLogin, Outcomes.Success).PrincipalKey, byId.PrincipalKey);
        Assert.Equal("invoice-sync", byId.Attr(IdentityAttributes.IdpLogin));
    }

    [Fact]
    public void Map_RiskyServicePrincipal_AsGraphObjectAndLogAnalyticsRow_IsTheStateOfThatPrincipal()
    {
        var graph = MapperAssert.MapsTo(Map("""
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyServicePrincipals","value":[
             {"id":"3c4d5e6f-0000-4000-8000-0000000000a8","appId":"9f8e7d6c-0000-4000-8000-0000000000a9","displayName":"invoice-sync","servicePrincipalType":"Application",
              "isEnabled":true,"isProcessing":false,"riskLastUpdatedDateTime":"2026-11-30T03:05:00Z","riskLevel":"high","riskState":"confirmedCompromised",
              "riskDetail":"adminConfirmedServicePrincipalCompromised"}]}
            """, byUserId: true), EventKinds.AuthRisk, null);
        Assert.Equal(SpId, graph.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.ServiceAccount, graph.Subject?.Type);
        Assert.Contains("credential_compromise", graph.List(IdentityAttributes.IdpRiskEvents));
        Assert.Equal("adminConfirmedServicePrincipalCompromised", graph.Attr(IdentityAttributes.IdpMessage));

        var row = MapperAssert.MapsTo(Map("""
            {"TenantId":"0a0b0c0d-0000-4000-8000-0000000000d1","TimeGenerated":"2026-11-30T04:00:00Z","Type":"AADRiskyServicePrincipals","OperationName":"Risky Service Principal",
             "Id":"3c4d5e6f-0000-4000-8000-0000000000a8","AppId":"9f8e7d6c-0000-4000-8000-0000000000a9","DisplayName":"invoice-sync","ServicePrincipalType":"Application",
             "IsEnabled":true,"IsProcessing":false,"RiskLastUpdatedDateTime":"2026-11-30T03:59:00Z","RiskLevel":"high","RiskState":"dismissed","RiskDetail":"adminDismissedAllRiskForServicePrincipal"}
            """), EventKinds.AuthRisk, null);
        Assert.Equal("invoice-sync", row.Subject?.Id);
        Assert.Equal(SpId, row.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("none", row.Attr(IdentityAttributes.IdpRiskLevel));
        Assert.Equal("dismissed", row.Attr("idp.risk_state"));
        Assert.Null(row.Subject?.Tenant);
    }

    [Fact]
    public void Map_RiskyUserWithoutALoginName_IsStillTheUser_NotAServicePrincipal()
    {
        // Graph's riskyUser of a deleted user may name no userPrincipalName: the record's id is the user's object id.
        var e = MapperAssert.MapsTo(Map("""
            {"id":"6f5e4d3c-0000-4000-8000-0000000000b3","isDeleted":true,"isProcessing":false,"riskLastUpdatedDateTime":"2026-11-28T10:00:00Z",
             "riskLevel":"high","riskState":"atRisk","riskDetail":"none","userDisplayName":"Former Contractor","userPrincipalName":null}
            """), EventKinds.AuthRisk, null);
        Assert.Equal("6f5e4d3c-0000-4000-8000-0000000000b3", e.Subject?.Id);
        Assert.Equal(IdentitySubjectTypes.User, e.Subject?.Type);
        Assert.Equal("6f5e4d3c-0000-4000-8000-0000000000b3", e.Attr(IdentityAttributes.IdpUserId));
    }

    [Fact]
    public void Map_UserDetection_KeepsWhatEntraSaysAboutIt_AndTheSignInItWasFoundOn()
    {
        var e = MapperAssert.MapsTo(Map("""
            {"TenantId":"0a0b0c0d-0000-4000-8000-0000000000d1","TimeGenerated":"2026-11-30T06:02:11Z","Type":"AADUserRiskEvents","OperationName":"User Risk Detection",
             "Id":"c0ffee00000000000000000000000000000000000000000000000000000000b4","RequestId":"4c3b2a19-0000-4000-8000-0000000000b5",
             "CorrelationId":"2a3b4c5d-0000-4000-8000-0000000000b6","RiskEventType":"anomalousToken","RiskLevel":"high","RiskState":"atRisk","RiskDetail":"none",
             "Source":"IdentityProtection","DetectionTimingType":"offline","Activity":"signin","IpAddress":"192.0.2.44",
             "Location":{"city":"Tartu","state":"Tartumaa","countryOrRegion":"EE"},"ActivityDateTime":"2026-11-30T05:10:00Z","DetectedDateTime":"2026-11-30T06:00:00Z",
             "LastUpdatedDateTime":"2026-11-30T06:02:00Z","UserId":"1d2c3b4a-0000-4000-8000-0000000000b7","UserDisplayName":"Tomas Ek",
             "UserPrincipalName":"tomas.ek@fabrikam.example","AdditionalInfo":[{"Key":"userAgent","Value":"curl/8.5.0"}],"TokenIssuerType":"AzureAD"}
            """), EventKinds.AuthRisk, null);
        Assert.Equal("tomas.ek@fabrikam.example", e.Subject?.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 6, 0, 0, TimeSpan.Zero), e.Time);
        Assert.Equal("4c3b2a19-0000-4000-8000-0000000000b5", e.Attr("idp.request_id"));
        Assert.Equal("2a3b4c5d-0000-4000-8000-0000000000b6", e.Attr(IdentityAttributes.IdpCorrelationId));
        Assert.Equal("offline", e.Attr("idp.risk_timing"));
        Assert.Equal("IdentityProtection", e.Attr("idp.risk_source"));
        Assert.Equal("signin", e.Attr("idp.risk_activity"));
        Assert.Equal("atRisk", e.Attr("idp.risk_state"));
        Assert.Equal("192.0.2.44", e.Network?.SrcIp);
        Assert.Equal("EE", e.Attr(IdentityAttributes.GeoCountry));
        Assert.Equal("curl/8.5.0", e.UserAgent);
    }

    /// <summary>
    /// A detection is dated when it was detected while Entra holds it, and at its change (<c>lastUpdatedDateTime</c>) once
    /// exported again dismissed, remediated or confirmed safe: that record speaks of the change, so what happened between the
    /// two stays under the risk. Without an update time the detection's date stands.
    /// </summary>
    [Theory]
    [InlineData("atRisk", true, "2026-11-30T06:00:00Z")]
    [InlineData("confirmedCompromised", true, "2026-11-30T06:00:00Z")]
    [InlineData("dismissed", true, "2026-11-30T08:15:00Z")]
    [InlineData("remediated", true, "2026-11-30T08:15:00Z")]
    [InlineData("confirmedSafe", true, "2026-11-30T08:15:00Z")]
    [InlineData("dismissed", false, "2026-11-30T06:00:00Z")]
    public void Map_DetectionClearedLater_IsDatedAtItsChange_AsALogAnalyticsRowAndAGraphObject(string state, bool withUpdate, string expected)
    {
        var updated = withUpdate ? "2026-11-30T08:15:00Z" : null;
        var row = MapperAssert.MapsTo(Map($$"""
            {"TenantId":"0a0b0c0d-0000-4000-8000-0000000000d1","TimeGenerated":"2026-11-30T08:16:40Z","Type":"AADUserRiskEvents","Id":"c0ffee00000000000000000000000000000000000000000000000000000000c1",
             "RiskEventType":"unfamiliarFeatures","RiskLevel":"high","RiskState":"{{state}}","DetectionTimingType":"realtime","DetectedDateTime":"2026-11-30T06:00:00Z",
             "LastUpdatedDateTime":{{(updated is null ? "null" : $"\"{updated}\"")}},"UserPrincipalName":"ines.moreau@fabrikam.example"}
            """), EventKinds.AuthRisk, null);
        var graph = MapperAssert.MapsTo(Map($$"""
            {"value":[{"id":"6c1e4b9d0000400080000000000000c2","requestId":"3d2c1b0a-0000-4000-8000-0000000000c3","riskEventType":"unfamiliarFeatures",
              "riskState":"{{state}}","riskLevel":"high","riskDetail":"none","source":"IdentityProtection","detectionTimingType":"realtime","activity":"signin",
              "ipAddress":"203.0.113.52","activityDateTime":"2026-11-30T05:59:00Z","detectedDateTime":"2026-11-30T06:00:00Z",
              {{(updated is null ? "" : $"\"lastUpdatedDateTime\":\"{updated}\",")}}"userId":"7a6b5c4d-0000-4000-8000-0000000000c4","userPrincipalName":"ines.moreau@fabrikam.example"}]}
            """), EventKinds.AuthRisk, null);

        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), row.Time);
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), graph.Time);
    }

    [Fact]
    public void Map_DetectionNamingNoUserOrServicePrincipal_IsAnErrorAtItsIndex_NotAnAddressPrincipal()
    {
        var result = Map("""
            {"records":[
             {"time":"2026-11-30T03:00:00Z","category":"UserRiskEvents","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1","properties":{"id":"e1","riskEventType":"leakedCredentials",
              "riskState":"atRisk","riskLevel":"high","detectedDateTime":"2026-11-30T02:00:00Z","userPrincipalName":"ana.ruiz@fabrikam.example"}},
             {"time":"2026-11-30T03:00:00Z","category":"UserRiskEvents","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1","properties":{"id":"e2","riskEventType":"maliciousIPAddress",
              "riskState":"atRisk","riskLevel":"high","detectedDateTime":"2026-11-30T02:00:00Z","ipAddress":"198.51.100.77"}}]}
            """);
        MapperAssert.Rejects(result, mapped: [0], (1, "properties.userPrincipalName"));
    }
}
