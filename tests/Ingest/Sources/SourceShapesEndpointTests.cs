namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Third-party records posted to their source's endpoint as the vendor's delivery posts them, by a source limited to its
/// kinds: each accepted and logged on the principal, token and session the vendor's documentation says it names.
/// </summary>
public sealed class SourceShapesEndpointTests
{

    [Fact]
    public async Task PostKeycloakTokenResponses_LoggedWithTheIssuedTokensJti()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("keycloak-prod", new SourceScope(Kinds: ["auth.*"]));

        var read = await server.PostAcceptedAsync("/v1/sources/keycloak", TestData.Idp("keycloak", "token-responses.ndjson"), key, 5, "application/x-ndjson");

        var logged = read.Select(r => r.Event).ToDictionary(e => e.Token?.Jti ?? "none");
        Assert.Equal(
            ["2d3e4f50-9999-4aaa-8bbb-cccc00000003", "3c4d5e6f-9999-4aaa-8bbb-cccc00000001", "4a5b6c7d-9999-4aaa-8bbb-cccc00000005", "7e8f9a0b-9999-4aaa-8bbb-cccc00000002", "none"],
            logged.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(EventKinds.AuthTokenIssued, logged["3c4d5e6f-9999-4aaa-8bbb-cccc00000001"].Kind);
    }

    [Fact]
    public async Task PostFalcoEksAuditAlerts_LoggedOnTheIamRoleTheClusterMappedToAUserName()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("falco-eks", new SourceScope(Kinds: [EventKinds.RuntimeAlert]));
        var lines = Encoding.UTF8.GetString(TestData.Falco("k8saudit-eks.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        foreach (var line in lines)
        {
            using var response = await server.PostAsync("/v1/sources/falco", line, key);
            await IngestAnswer.AcceptedAsync(response, 1);
        }

        var keys = (await server.ReadLoggedAsync(lines.Length)).Select(r => r.Record.Key).Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "arn:aws:iam::111122223333:role/OpsAdmin", "arn:aws:iam::111122223333:role/OpsAdmin", "arn:aws:iam::444455556666:role/PlatformAdmin",
                "eks:certificate-controller", "jenkins-deployer", "kubernetes-admin",
            ],
            keys);
    }

    [Fact]
    public async Task PostIdentityRecordsInOtherShapes_LoggedOnOnePrincipalEachWithTheGrantedTokenNamed()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("idp-shapes", new SourceScope(Kinds: ["auth.*"]));

        // One Entra user's name in four cases (sign-in, audit, risk detection, Graph signIn), one body per line.
        using (var entra = await server.PostAsync("/v1/sources/entra", Entra.EntraUserNameTests.Records, key, "application/x-ndjson"))
        {
            await IngestAnswer.AcceptedAsync(entra, 4);
        }

        // Okta's access token grant, the token among its targets; Auth0's log with its date as MongoDB Extended JSON.
        using (var okta = await server.PostAsync("/v1/sources/okta", """
            [{"uuid":"0a0000ee-0000-4000-8000-000000000001","published":"2026-11-30T08:07:00.000Z","eventType":"app.oauth2.as.token.grant.access_token",
              "actor":{"id":"00u2ab3cd4EfGh5ij6k7","type":"User","alternateId":"noor.haddad@acme.example"},"client":{"id":"0oa9ledgerweb","ipAddress":"198.51.100.23"},
              "outcome":{"result":"SUCCESS"},"target":[{"id":"AT.w3Ex7Rt1Yu5Io9Pa2Sd6Fg0Hj4Kl8Zx","type":"access_token","displayName":"Access Token"}]}]
            """, key))
        {
            await IngestAnswer.AcceptedAsync(okta, 1);
        }

        using (var auth0 = await server.PostAsync("/v1/sources/auth0", """
            [{"log_id":"90020261130081500000000000000000000000000000000000000021","data":{"date":{"$date":{"$numberLong":"1796026500000"}},"type":"s",
              "client_id":"Qx7pL2vN9rT4kW1mZ8cB5hJ3fD6gS0aY","ip":"2001:db8:3::61","user_id":"auth0|6a1b2c3d4e5f60718293a4b5","user_name":"lea.mbeki@acme.example",
              "details":{"session_id":"sX1uE9mG5T7oTQ0n7LuW1XYv"},"log_id":"90020261130081500000000000000000000000000000000000000021"}}]
            """, key))
        {
            await IngestAnswer.AcceptedAsync(auth0, 1);
        }

        // The help desk's reset of Kim's password also goes to the help desk's own partition, as its actor twin.
        var logged = (await server.ReadLoggedAsync(7)).ToList();
        Assert.Equal(
            ["helpdesk.ops@contoso.example", "kim.lee@contoso.example", "kim.lee@contoso.example", "kim.lee@contoso.example", "kim.lee@contoso.example", "lea.mbeki@acme.example", "noor.haddad@acme.example"],
            logged.Select(r => r.Record.Key).Order(StringComparer.Ordinal));
        Assert.Equal("kim.lee@contoso.example", logged.Single(r => r.Record.Key == "helpdesk.ops@contoso.example").Event.Attr(AddressTwins.Account));
        Assert.Equal("AT.w3Ex7Rt1Yu5Io9Pa2Sd6Fg0Hj4Kl8Zx", logged.Single(r => r.Record.Key == "noor.haddad@acme.example").Event.Token?.Jti);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 15, 0, TimeSpan.Zero), logged.Single(r => r.Record.Key == "lea.mbeki@acme.example").Event.Time);
    }
}
