namespace ZtStream.Ingest.Tests.Sources.Entra;

/// <summary>Microsoft Graph activity logs: every request made to Graph with a token, read as accesses.</summary>
public sealed class GraphActivityTests
{
    [Fact]
    public void Map_DiagnosticSettingsRecords_AreAccessRequestsOfTheTokensUserOrServicePrincipal()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "graph-activity-records.json")), 6);
        Assert.All(e, x => Assert.Equal(EventKinds.AccessRequest, x.Kind));
        Assert.All(e, x => Assert.Equal("MicrosoftGraphActivityLogs", x.Attr(IdentityAttributes.IdpEventType)));

        // An application's own token: the service principal, its application permissions, its certificate.
        var app = e[0];
        Assert.Equal("0c1d6a10-1111-4e3f-985a-000000000001", app.Id);
        Assert.Equal(new DateTimeOffset(2024, 3, 7, 11, 47, 0, TimeSpan.Zero).AddTicks(6442361), app.Time);
        Assert.Equal("9a8b7c6d-0000-4066-92f3-000000000sp1", app.Subject?.Id);
        Assert.Equal("service_account", app.Subject?.Type);
        Assert.Equal("11111111-2222-4333-8444-555555555555", app.Subject?.Tenant);
        Assert.Equal("GET", app.Action);
        Assert.Equal("organization", app.Resource?.Type);
        Assert.Equal("/organization/11111111-2222-4333-8444-555555555555", app.Resource?.Id);
        Assert.Equal(200, app.Status);
        Assert.Equal("success", app.Outcome);
        Assert.Equal(364, app.Bytes);
        Assert.Equal("2001:db8:4002::6fc6", app.Network?.SrcIp);
        Assert.Equal("python-requests/2.27.1", app.UserAgent);
        Assert.Equal("6f0e1d2c-0000-4c91-a5e2-000000000aa1", app.Token?.ClientId);
        Assert.Equal("qUt3pSgKX0aLGNgw1QAAAA", app.Token?.SessionId);
        Assert.Equal("qUt3pSgKX0aLGNgw1QAAAA", app.Attr(IdentityAttributes.TokenId));
        Assert.Equal(new DateTimeOffset(2024, 3, 7, 11, 42, 0, TimeSpan.Zero), app.Token?.IssuedAt);
        Assert.Equal(["Organization.Read.All", "User.Read.All"], app.List(IdentityAttributes.AppRoles));
        Assert.Empty(app.List(IdentityAttributes.Scopes));
        Assert.Equal("client_certificate", app.Attr(IdentityAttributes.ClientAuth));
        Assert.Equal("https://graph.microsoft.com/v1.0/organization/11111111-2222-4333-8444-555555555555?$select=Id,DisplayName,CreatedDateTime,Country",
            app.Raw!.Value.GetProperty("properties").GetProperty("requestUri").GetString());

        // A delegated token: the user by object id (the log has no login name), a 404 is an error, not a refusal.
        var user = e[1];
        Assert.Equal("b37ec517-0000-4266-b627-000000000u01", user.Subject?.Id);
        Assert.Equal("user", user.Subject?.Type);
        Assert.Equal("b37ec517-0000-4266-b627-000000000u01", user.Attr(IdentityAttributes.IdpUserId));
        Assert.Equal("22222222-3333-4444-8555-666666666666", user.Subject?.Tenant);
        Assert.Equal("/me/photos/96x96/$value", user.Resource?.Id);
        Assert.Equal("me", user.Resource?.Type);
        Assert.Equal("error", user.Outcome);
        Assert.Null(user.UserAgent);
        Assert.Equal(["email", "openid", "Organization.Read.All", "profile", "User.Read"], user.List(IdentityAttributes.Scopes));
        Assert.Equal(2, user.List(IdentityAttributes.DirectoryRoles).Length);
        Assert.Equal("public_client", user.Attr(IdentityAttributes.ClientAuth));

        // beta, a doubled slash, and a query whose values are no resource.
        Assert.Equal("/users/7ef3c2ad-0000-4a89-8cf9-000000000u07/photos/48x48/$value", e[2].Resource?.Id);
        Assert.Equal(0, e[2].Bytes);
        Assert.Equal("/devices", e[3].Resource?.Id);
        Assert.Equal("devices", e[3].Resource?.Type);

        // No sign-in activity: the token's sid claim is its session; the device claim is the device.
        var claims = e[4];
        Assert.Equal("00a1b2c3-0000-4000-8000-0000000000s1", claims.Token?.SessionId);
        Assert.Null(claims.Attr(IdentityAttributes.TokenId));
        Assert.Equal("d3v1ce00-0000-4000-8000-000000000001", claims.Attr(IdentityAttributes.DeviceId));
        Assert.Equal("client_secret", claims.Attr(IdentityAttributes.ClientAuth));

        // Numbers as text, a relative URI, a lower-case method, scopes as an array: a refused write.
        var refused = e[5];
        Assert.Equal("POST", refused.Action);
        Assert.Equal("/users", refused.Resource?.Id);
        Assert.Equal(403, refused.Status);
        Assert.Equal("denied", refused.Outcome);
        Assert.Equal(221, refused.Bytes);
        Assert.Equal("55555555-6666-4777-8888-999999999999", refused.Subject?.Tenant);
        Assert.Equal(["User.Read", "Directory.Read.All"], refused.List(IdentityAttributes.Scopes));
        Assert.Equal("192.0.2.61", refused.Network?.SrcIp);
    }

    [Fact]
    public void Map_LogAnalyticsRows_ReadPascalCaseAndTheDirectoryNotTheWorkspace()
    {
        var e = MapperAssert.MapsAll(EntraMapper.Map(TestData.Idp("entra", "graph-activity-rows.ndjson")), 2);

        var members = e[0];
        Assert.Equal(EventKinds.AccessRequest, members.Kind);
        Assert.Equal("5b6c8c1e-0000-4000-8000-000000000u10", members.Subject?.Id);
        Assert.Equal("11111111-2222-4333-8444-555555555555", members.Subject?.Tenant);
        Assert.Equal("groups", members.Resource?.Type);
        Assert.Equal("/groups/4e4e0000-0000-4000-8000-000000000g01/members", members.Resource?.Id);
        Assert.Equal("azurehound/v2.1.0", members.UserAgent);
        Assert.Equal("TGFBcm93U2lnbkluMTAx", members.Token?.SessionId);
        Assert.Equal("7a7a0000-0000-4000-8000-000000000100", members.Attr(IdentityAttributes.IdpCorrelationId));
        Assert.Equal(["Directory.AccessAsUser.All", "User.Read"], members.List(IdentityAttributes.Scopes));
        Assert.Empty(members.List(IdentityAttributes.AppRoles));

        // No Type column, the status as text, an application calling with its secret and an empty user.
        var delete = e[1];
        Assert.Equal(EventKinds.AccessRequest, delete.Kind);
        Assert.Equal("f1f1f1f1-0000-4000-8000-000000000s10", delete.Subject?.Id);
        Assert.Equal("service_account", delete.Subject?.Type);
        Assert.Null(delete.Subject?.Tenant);
        Assert.Equal("DELETE", delete.Action);
        Assert.Equal("applications", delete.Resource?.Type);
        Assert.Equal("/applications(appId='e0e0e0e0-0000-4000-8000-000000000a10')", delete.Resource?.Id);
        Assert.Equal("denied", delete.Outcome);
        Assert.Equal(401, delete.Status);
        Assert.Null(delete.Token?.SessionId);
        Assert.Null(delete.Token?.IssuedAt);
        Assert.Equal("client_secret", delete.Attr(IdentityAttributes.ClientAuth));
    }

    [Fact]
    public void Map_QueryApiAnswer_RowsAreGraphRequests()
    {
        var body = """
            {"tables":[{"name":"PrimaryResult","columns":[
              {"name":"TimeGenerated","type":"datetime"},{"name":"RequestId","type":"string"},{"name":"RequestMethod","type":"string"},
              {"name":"RequestUri","type":"string"},{"name":"ResponseStatusCode","type":"int"},{"name":"UserId","type":"string"},
              {"name":"IPAddress","type":"string"},{"name":"SignInActivityId","type":"string"},{"name":"Type","type":"string"}],
             "rows":[
              ["2025-06-01T08:00:00Z","q-1","GET","https://graph.microsoft.com/v1.0/users/aa01/memberOf","200","u-77","198.51.100.9","sia-1","MicrosoftGraphActivityLogs"],
              ["2025-06-01T08:00:01Z","q-2","PATCH","https://graph.microsoft.com/v1.0/users/aa02",204,"u-77","198.51.100.9","sia-1","MicrosoftGraphActivityLogs"]
             ]}]}
            """u8;

        var e = MapperAssert.MapsAll(EntraMapper.Map(body), 2);

        Assert.Equal(["/users/aa01/memberOf", "/users/aa02"], e.Select(x => x.Resource?.Id));
        Assert.All(e, x => Assert.Equal("u-77", x.Subject?.Id));
        Assert.All(e, x => Assert.Equal("success", x.Outcome));
        Assert.Equal("PATCH", e[1].Action);
        Assert.Equal(204, e[1].Status);
    }

    [Theory]
    [InlineData("https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,'a')&$top=999", "users", "/users")]
    [InlineData("https://graph.microsoft.com/v1.0/users/ID/memberOf/$/microsoft.graph.group?$count=true", "users", "/users/ID/memberOf/$/microsoft.graph.group")]
    [InlineData("https://graph.microsoft.com/beta/me/messages#frag", "me", "/me/messages")]
    [InlineData("https://graph.microsoft.us/v1.0/servicePrincipals(appId='x')/appRoleAssignedTo", "servicePrincipals", "/servicePrincipals(appId='x')/appRoleAssignedTo")]
    [InlineData("/v1.0/$batch", "$batch", "/$batch")]
    [InlineData("users/ID", "users", "/users/ID")]
    [InlineData("https://graph.microsoft.com/v1.0/", null, "/")]
    [InlineData("https://graph.microsoft.com", null, "/")]
    public void GraphResource_DropsHostVersionAndQuery(string uri, string? type, string path)
    {
        Assert.Equal((type, path), EntraMapper.GraphResource(uri, "v1.0"));
    }

    [Fact]
    public void Map_BadGraphRecords_AreReportedWithIndexAndField_OtherCategoriesStillRefusedByName()
    {
        var body = """
            {"records":[
              {"category":"MicrosoftGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestMethod":"GET","requestUri":"/v1.0/me","responseStatusCode":200,"userId":"u-1"}},
              {"category":"MicrosoftGraphActivityLogs","properties":{"requestId":"r-2","timeGenerated":"yesterday","requestMethod":"GET","requestUri":"/v1.0/me","userId":"u-1"}},
              {"category":"MicrosoftGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestId":"r-3","requestMethod":"GET","responseStatusCode":200,"userId":"u-1"}},
              {"category":"MicrosoftGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestId":"r-4","requestMethod":"GET","requestUri":"/v1.0/me","responseStatusCode":"OK","userId":"u-1"}},
              {"category":"MicrosoftGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestId":"r-5","requestMethod":"GET","requestUri":"/v1.0/me","responseStatusCode":200,"userId":"u-1","tokenIssuedAt":"at sign-in"}},
              {"category":"ProvisioningLogs","time":"2025-01-01T00:00:00Z","properties":{"id":"p-6","activityDateTime":"2025-01-01T00:00:00Z"}},
              {"category":"AzureADGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestId":"r-7","requestMethod":"GET","requestUri":"https://graph.windows.net/contoso.example/users"}},
              {"category":"MicrosoftGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestId":"r-8","requestMethod":"GET","requestUri":"/v1.0/me","responseStatusCode":9000,"userId":"u-1"}},
              {"category":"MicrosoftGraphActivityLogs","time":"2025-01-01T00:00:00Z","properties":{"requestId":"r-9","requestMethod":"GET","requestUri":"/v1.0/me","userId":"u-1"}}
            ]}
            """u8;

        var result = EntraMapper.Map(body);

        MapperAssert.Rejects(
            result,
            mapped: [0, 8],
            (1, "properties.timeGenerated"), (2, "properties.requestUri"), (3, "properties.responseStatusCode"),
            (4, "properties.tokenIssuedAt"), (5, "category"), (6, "category"), (7, "properties.responseStatusCode"));
        Assert.Contains("\"ProvisioningLogs\"", result.Errors.Single(x => x.Index == 5).Reason, StringComparison.Ordinal);

        // A request without its requestId is still judged, under an id derived from it.
        Assert.StartsWith("entra-", result.Items[0].Id, StringComparison.Ordinal);

        // A request whose status the log did not give is still an access, with no outcome.
        var unknown = result.Items[1].Event;
        Assert.Null(unknown.Outcome);
        Assert.Null(unknown.Status);
    }
}
