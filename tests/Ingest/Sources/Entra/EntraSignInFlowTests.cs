namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>
/// How a sign-in was made: its protocol (<c>authenticationProtocol</c>), the tokens presented (<c>incomingTokenType</c>)
/// and how the session was handed over (<c>originalTransferMethod</c>), read alike from every shape the records come in.
/// </summary>
public sealed class EntraSignInFlowTests
{
    [Fact]
    public void Map_DeviceCodeSignIn_EachShape_KeepsProtocolAndTransferMethod()
    {
        var export = MapperAssert.MapsAll(EntraMapper.Map("""
            {"records":[{"time":"2025-03-11T09:00:00Z","category":"SignInLogs","resultType":"0","properties":{"id":"ee1a5000-0000-4000-8000-000000000101",
             "createdDateTime":"2025-03-11T09:00:00Z","userPrincipalName":"dana.price@contoso.example","appId":"29d9ed98-a469-4536-ade2-f981bc1d605e",
             "ipAddress":"203.0.113.61","authenticationProtocol":"deviceCode","originalTransferMethod":"deviceCodeFlow","incomingTokenType":"none","status":{"errorCode":0}}}]}
            """u8), 1)[0];

        // A Log Analytics query answer: columns PascalCase, the dynamic Status a JSON text.
        var row = MapperAssert.MapsAll(EntraMapper.Map("""
            {"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Type","type":"string"},{"name":"Id","type":"string"},
             {"name":"UserPrincipalName","type":"string"},{"name":"AppId","type":"string"},{"name":"IPAddress","type":"string"},{"name":"ResultType","type":"string"},
             {"name":"Status","type":"dynamic"},{"name":"AuthenticationProtocol","type":"string"},{"name":"OriginalTransferMethod","type":"string"}],
             "rows":[["2025-03-11T09:01:00Z","SigninLogs","ee1a5000-0000-4000-8000-000000000102","dana.price@contoso.example","29d9ed98-a469-4536-ade2-f981bc1d605e",
              "203.0.113.61","0","{\"errorCode\":0}","deviceCode","deviceCodeFlow"]]}]}
            """u8), 1)[0];

        var graph = MapperAssert.MapsAll(EntraMapper.Map("""
            {"value":[{"id":"ee1a5000-0000-4000-8000-000000000103","createdDateTime":"2025-03-11T09:02:00Z","userPrincipalName":"dana.price@contoso.example",
             "appId":"29d9ed98-a469-4536-ade2-f981bc1d605e","ipAddress":"203.0.113.61","authenticationProtocol":"deviceCode","originalTransferMethod":"deviceCodeFlow",
             "status":{"errorCode":0}}]}
            """u8), 1)[0];

        foreach (var e in (AccessEvent[])[export, row, graph])
        {
            Assert.Equal(EventKinds.AuthLogin, e.Kind);
            Assert.Equal("deviceCode", e.Attr(IdentityAttributes.Protocol));
            Assert.Equal("deviceCodeFlow", e.Attr(IdentityAttributes.TransferMethod));
            Assert.Equal("29d9ed98-a469-4536-ade2-f981bc1d605e", e.Token?.ClientId);
        }

        // "none" says nothing: no token type recorded.
        Assert.Empty(export.List(IdentityAttributes.IncomingToken));
    }

    [Fact]
    public void Map_IncomingTokenType_FlagsAndLabels_ReadAsGraphsMembers()
    {
        // Graph writes a flags value as a comma-separated list; Microsoft Learn's examples label a member ("Primary Refresh Token").
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"id":"ee1a5000-0000-4000-8000-000000000111","createdDateTime":"2025-03-12T08:00:00Z","userPrincipalName":"dana.price@contoso.example",
              "appId":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","ipAddress":"203.0.113.62","incomingTokenType":"saml20, primaryRefreshToken","status":{"errorCode":0}},
             {"id":"ee1a5000-0000-4000-8000-000000000112","createdDateTime":"2025-03-12T08:01:00Z","userPrincipalName":"dana.price@contoso.example",
              "appId":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","ipAddress":"203.0.113.62","authenticationProtocol":"oAuth2","incomingTokenType":"Primary Refresh Token","status":{"errorCode":0}}]
            """u8), 2);

        Assert.Equal(["saml20", "primaryRefreshToken"], e[0].List(IdentityAttributes.IncomingToken));
        Assert.Equal(["primaryRefreshToken"], e[1].List(IdentityAttributes.IncomingToken));
        Assert.Equal("oAuth2", e[1].Attr(IdentityAttributes.Protocol));
    }

    [Fact]
    public void Map_SignInWithoutFlowFields_NullOrMissing_SetsNone()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"id":"ee1a5000-0000-4000-8000-000000000121","createdDateTime":"2025-03-13T02:00:00Z","userPrincipalName":"noor.bassi@contoso.example",
              "ipAddress":"203.0.113.63","authenticationProtocol":null,"incomingTokenType":null,"originalTransferMethod":"","status":{"errorCode":50126}},
             {"id":"ee1a5000-0000-4000-8000-000000000122","createdDateTime":"2025-03-13T02:01:00Z","userPrincipalName":"noor.bassi@contoso.example",
              "ipAddress":"203.0.113.63","authenticationProtocol":"ropc","status":{"errorCode":700016}}]
            """u8), 2);

        Assert.Null(e[0].Attr(IdentityAttributes.Protocol));
        Assert.Null(e[0].Attr(IdentityAttributes.TransferMethod));
        Assert.Empty(e[0].List(IdentityAttributes.IncomingToken));
        Assert.Equal("ropc", e[1].Attr(IdentityAttributes.Protocol));
        Assert.Equal("700016", e[1].Attr(IdentityAttributes.ResultCode));
        Assert.Equal(Outcomes.Denied, e[1].Outcome);
    }

    [Fact]
    public void Map_AuditInitiator_NameShownBesideTheLogin_IsKept_OnlyForAUser()
    {
        // An actor token's change: a Microsoft service's name beside the impersonated user's login. Export, Log Analytics
        // row (InitiatedBy a JSON text) and Graph directoryAudit; then an application initiator, which has no login.
        var e = MapperAssert.MapsAll(EntraMapper.Map("""
            [{"time":"2025-03-16T01:00:00Z","category":"AuditLogs","operationName":"Update user","properties":{"id":"Directory_ee1a5000-0101","activityDateTime":"2025-03-16T01:00:00Z",
              "activityDisplayName":"Update user","category":"UserManagement","result":"success","initiatedBy":{"user":{"id":"ee1a5000-0000-4000-8000-0000000000d5",
              "displayName":"Office 365 Exchange Online","userPrincipalName":"lee.ortiz@contoso.example"}},"targetResources":[{"id":"ee1a5000-0000-4000-8000-0000000000d6","userPrincipalName":"omar.reyes@contoso.example","type":"User"}]}},
             {"TimeGenerated":"2025-03-16T01:01:00Z","Type":"AuditLogs","Id":"Directory_ee1a5000-0102","OperationName":"Update user","ActivityDisplayName":"Update user",
              "ActivityDateTime":"2025-03-16T01:01:00Z","LoggedByService":"Core Directory","Category":"UserManagement","Result":"success",
              "InitiatedBy":"{\"user\":{\"displayName\":\"Office 365 SharePoint Online\",\"userPrincipalName\":\"lee.ortiz@contoso.example\"}}","TargetResources":"[]"},
             {"id":"Directory_ee1a5000-0103","activityDateTime":"2025-03-16T01:02:00Z","activityDisplayName":"Update user","category":"UserManagement","result":"success",
              "initiatedBy":{"user":{"displayName":"Dataverse","userPrincipalName":"lee.ortiz@contoso.example","ipAddress":null},"app":null},"targetResources":[]},
             {"id":"Directory_ee1a5000-0104","activityDateTime":"2025-03-16T01:03:00Z","activityDisplayName":"Update user","category":"UserManagement","result":"success",
              "initiatedBy":{"user":null,"app":{"displayName":"Office 365 Exchange Online"}},"targetResources":[]}]
            """u8), 4);

        Assert.Equal(["Office 365 Exchange Online", "Office 365 SharePoint Online", "Dataverse", null], e.Select(x => x.Attr(IdentityAttributes.ActorDisplayName)));
        Assert.Equal("lee.ortiz@contoso.example", e[1].Subject?.Id);
    }
}
