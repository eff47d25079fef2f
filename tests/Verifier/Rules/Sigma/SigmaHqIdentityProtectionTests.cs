namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's <c>rules/cloud/azure/identity_protection</c> (TestData/sigma-hq/azure-identity-protection, unchanged) run
/// on Entra ID Protection records in the shapes Entra delivers them: a diagnostic-settings export (<c>UserRiskEvents</c>,
/// <c>ServicePrincipalRiskEvents</c>, details under <c>properties</c>, as elastic/integrations' azure identity_protection
/// fixtures show it), a Log Analytics row (<c>AADUserRiskEvents</c>, PascalCase columns) and Microsoft Graph's
/// <c>riskDetection</c> and <c>servicePrincipalRiskDetection</c> objects (Microsoft Learn). Invented names, documentation
/// addresses.
/// </summary>
public sealed class SigmaHqIdentityProtectionTests
{
    private static readonly Lazy<IReadOnlyList<Rule>> Rules = new(() =>
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read([Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq", "azure-identity-protection")], errors));
        Assert.Empty(errors);
        Assert.Empty(result.Errors);
        return result.Rules;
    });

    private static Rule Rule(string id) => Rules.Value.Single(r => r.Id == id);

    private static string Export(string riskEventType, string riskState = "atRisk", string riskLevel = "high", string user = "mara.quist@fabrikam.example") => $$$"""
        {"records":[{"time":"2026-11-29T22:41:07.5120000Z","resourceId":"/tenants/5e0c1d2a-0000-4000-8000-0000000000c1/providers/microsoft.aadiam","operationName":"User Risk Detection",
         "operationVersion":"1.0","category":"UserRiskEvents","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1","resultSignature":"None","durationMs":0,
         "callerIpAddress":"203.0.113.77","correlationId":"9b8a7c6d-0000-4000-8000-000000000101","Level":4,"location":"weu",
         "properties":{"id":"{{{Guid.NewGuid():N}}}","requestId":"4c3b2a19-0000-4000-8000-000000000102","correlationId":"9b8a7c6d-0000-4000-8000-000000000101",
          "riskType":"{{{riskEventType}}}","riskEventType":"{{{riskEventType}}}","riskState":"{{{riskState}}}","riskLevel":"{{{riskLevel}}}","riskDetail":"none",
          "source":"IdentityProtection","detectionTimingType":"offline","activity":"signin","ipAddress":"203.0.113.77",
          "location":{"city":"Porto","state":"Porto","countryOrRegion":"PT","geoCoordinates":{"latitude":41.1,"longitude":-8.6}},
          "activityDateTime":"2026-11-29T20:12:00.000Z","detectedDateTime":"2026-11-29T22:40:51.300Z","lastUpdatedDateTime":"2026-11-29T22:41:07.512Z",
          "userId":"6f5e4d3c-0000-4000-8000-000000000103","userDisplayName":"Mara Quist","userPrincipalName":"{{{user}}}",
          "additionalInfo":"[{\"Key\":\"userAgent\",\"Value\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15\"}]","tokenIssuerType":"AzureAD"}}]}
        """;

    private static string Row(string riskEventType, string riskState = "atRisk") => $$$"""
        {"TenantId":"0a0b0c0d-0000-4000-8000-0000000000d1","TimeGenerated":"2026-11-30T06:02:11Z","Type":"AADUserRiskEvents","OperationName":"User Risk Detection",
         "Id":"{{{Guid.NewGuid():N}}}","RequestId":"","CorrelationId":"","RiskEventType":"{{{riskEventType}}}","RiskLevel":"medium","RiskState":"{{{riskState}}}","RiskDetail":"none",
         "Source":"IdentityProtection","DetectionTimingType":"offline","Activity":"user","IpAddress":"","Location":"{}",
         "ActivityDateTime":"2026-11-30T05:50:00Z","DetectedDateTime":"2026-11-30T06:00:00Z","LastUpdatedDateTime":"2026-11-30T06:02:00Z",
         "UserId":"1d2c3b4a-0000-4000-8000-000000000104","UserDisplayName":"Tomas Ek","UserPrincipalName":"tomas.ek@fabrikam.example","AdditionalInfo":"[]","TokenIssuerType":"AzureAD"}
        """;

    private static string Graph(string riskEventType, string riskState = "atRisk") => $$$"""
        {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskDetections","value":[
         {"id":"{{{Guid.NewGuid():N}}}","requestId":"8e7d6c5b-0000-4000-8000-000000000105","correlationId":"2a3b4c5d-0000-4000-8000-000000000106",
          "riskEventType":"{{{riskEventType}}}","riskState":"{{{riskState}}}","riskLevel":"high","riskDetail":"none","source":"IdentityProtection",
          "detectionTimingType":"realtime","activity":"signin","tokenIssuerType":"AzureAD","ipAddress":"2001:db8:4::17",
          "activityDateTime":"2026-11-30T07:15:02Z","detectedDateTime":"2026-11-30T07:15:02Z","lastUpdatedDateTime":"2026-11-30T07:16:40Z",
          "userId":"7a8b9c0d-0000-4000-8000-000000000107","userDisplayName":"Ines Varga","userPrincipalName":"ines.varga@fabrikam.example",
          "additionalInfo":"[{\"Key\":\"userAgent\",\"Value\":\"python-requests/2.32.3\"}]",
          "location":{"city":"Reykjavik","state":"Hofudborgarsvaedi","countryOrRegion":"IS","geoCoordinates":null}}]}
        """;

    private static string ServicePrincipal(string riskEventType, string riskState = "atRisk") => $$$"""
        {"records":[{"time":"2026-11-30T03:00:04.0000000Z","resourceId":"/tenants/5e0c1d2a-0000-4000-8000-0000000000c1/providers/microsoft.aadiam",
         "operationName":"Service Principal Risk Detection","category":"ServicePrincipalRiskEvents","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1",
         "properties":{"id":"{{{Guid.NewGuid():N}}}","requestId":null,"correlationId":null,"riskEventType":"{{{riskEventType}}}","riskState":"{{{riskState}}}",
          "riskLevel":"high","riskDetail":"none","source":"IdentityProtection","detectionTimingType":"offline","activity":"servicePrincipal",
          "ipAddress":null,"location":null,"activityDateTime":"2026-11-29T18:00:00Z","detectedDateTime":"2026-11-30T02:58:00Z","lastUpdatedDateTime":"2026-11-30T03:00:04Z",
          "servicePrincipalId":"3c4d5e6f-0000-4000-8000-000000000108","servicePrincipalDisplayName":"invoice-sync","appId":"9f8e7d6c-0000-4000-8000-000000000109",
          "keyIds":["0e1f2a3b-0000-4000-8000-000000000110"],"additionalInfo":"[{\"Key\":\"alertUrl\",\"Value\":null}]"}}]}
        """;

    [Fact]
    public void EveryRuleOfTheFolder_Loads_AsAnEntraRiskRule()
    {
        Assert.Equal(19, Rules.Value.Count);
        Assert.All(Rules.Value, r => Assert.Equal([EventKinds.AuthRisk], r.Kinds));
    }

    [Fact]
    public void LeakedCredentials_MatchesAUserDetectionAndAServicePrincipals_NotAnotherType()
    {
        var rule = Rule("19128e5e-4743-48dc-bd97-52e5775af817");
        Assert.True(rule.Fires("entra", Export("leakedCredentials")));
        Assert.True(rule.Fires("entra", ServicePrincipal("leakedCredentials")));
        Assert.False(rule.Fires("entra", Export("passwordSpray")));
    }

    [Fact]
    public void AnonymousIpAddress_MatchesTheExportAndGraph_NotOnceDismissed()
    {
        var rule = Rule("53acd925-2003-440d-a1f3-71a5253fe237");
        Assert.True(rule.Fires("entra", Export("anonymizedIPAddress")));
        Assert.True(rule.Fires("entra", Graph("anonymizedIPAddress")));

        // The same detection exported again when an administrator dismisses it closes it: no second match.
        Assert.False(rule.Fires("entra", Export("anonymizedIPAddress", riskState: "dismissed", riskLevel: "high")));
        Assert.False(rule.Fires("entra", Graph("anonymizedIPAddress", riskState: "dismissed")));
        Assert.False(rule.Fires("entra", Graph("riskyIPAddress")));
    }

    [Fact]
    public void AtypicalAndImpossibleTravel_AreTwoRiskEventTypes_EachMatchingItsOwn()
    {
        var atypical = Rule("1a41023f-1e70-4026-921a-4d9341a9038e");
        var impossible = Rule("b2572bf9-e20a-4594-b528-40bde666525a");
        Assert.True(atypical.Fires("entra", Export("unlikelyTravel")));
        Assert.False(impossible.Fires("entra", Export("unlikelyTravel")));
        Assert.True(impossible.Fires("entra", Graph("impossibleTravel")));
        Assert.False(atypical.Fires("entra", Graph("impossibleTravel")));

        // Remediated by a secure password reset: no longer a risk Entra holds.
        Assert.False(atypical.Fires("entra", Export("unlikelyTravel", riskState: "remediated")));
    }

    [Fact]
    public void PasswordSpray_MatchesALogAnalyticsRowByItsPascalCaseColumn_NotConfirmedSafe()
    {
        var rule = Rule("28ecba0a-c743-4690-ad29-9a8f6f25a6f9");
        Assert.True(rule.Fires("entra", Row("passwordSpray")));
        Assert.True(rule.Fires("entra", Row("passwordSpray", riskState: "confirmedCompromised")));
        Assert.False(rule.Fires("entra", Row("passwordSpray", riskState: "confirmedSafe")));
        Assert.False(rule.Fires("entra", Row("unfamiliarFeatures")));
    }

    [Fact]
    public void UnfamiliarSignInProperties_MatchesTheDetection_NotTheSignInThatCarriesItsType()
    {
        var rule = Rule("128faeef-79dd-44ca-b43c-a9e236a60f49");
        Assert.True(rule.Fires("entra", Row("unfamiliarFeatures")));

        // A sign-in naming the same risk in riskEventTypes_v2 is a signinlogs record, not a risk detection.
        Assert.False(rule.Fires("entra", """
            {"records":[{"time":"2026-11-30T05:49:59Z","category":"SignInLogs","tenantId":"5e0c1d2a-0000-4000-8000-0000000000c1","resultType":"0",
             "properties":{"id":"4c3b2a19-0000-4000-8000-000000000111","createdDateTime":"2026-11-30T05:49:59Z","userPrincipalName":"tomas.ek@fabrikam.example",
              "userId":"1d2c3b4a-0000-4000-8000-000000000104","ipAddress":"198.51.100.201","riskEventType":"unfamiliarFeatures","riskEventTypes_v2":["unfamiliarFeatures"],
              "riskLevelDuringSignIn":"medium","riskState":"atRisk","status":{"errorCode":0}}}]}
            """));
    }

    [Fact]
    public void ThreatIntelligence_MatchesAServicePrincipalDetection_NotTheRiskyServicePrincipalsState()
    {
        var rule = Rule("a2cb56ff-4f46-437a-a0fa-ffa4d1303cba");
        Assert.True(rule.Fires("entra", ServicePrincipal("investigationsThreatIntelligence")));

        // The risky service principal's state names no riskEventType.
        Assert.False(rule.Fires("entra", """
            {"id":"3c4d5e6f-0000-4000-8000-000000000108","appId":"9f8e7d6c-0000-4000-8000-000000000109","displayName":"invoice-sync","servicePrincipalType":"Application",
             "isEnabled":true,"isProcessing":false,"riskLastUpdatedDateTime":"2026-11-30T03:00:05Z","riskLevel":"high","riskState":"atRisk","riskDetail":"none"}
            """));
    }

    [Fact]
    public void AnomalousTokenAndInboxForwarding_MatchOnlyTheirOwnType()
    {
        var token = Rule("6555754e-5e7f-4a67-ad1c-4041c413a007");
        var forwarding = Rule("27e4f1d6-ae72-4ea0-8a67-77a73a289c3d");
        Assert.True(token.Fires("entra", Graph("anomalousToken")));
        Assert.False(forwarding.Fires("entra", Graph("anomalousToken")));
        Assert.True(forwarding.Fires("entra", Export("suspiciousInboxForwarding", user: "noor.lind@fabrikam.example")));
        Assert.False(token.Fires("entra", Export("suspiciousInboxForwarding")));
    }
}
