using ZtStream.Ingest.Sources.Scopes;
using ZtStream.Ingest.Tests.Endpoints;

namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Third-party records posted to their source's endpoint as the vendor's delivery posts them, by a source limited to its
/// kinds: each accepted and logged on the principal, token and session the vendor's documentation says it names.
/// </summary>
public sealed class SourceShapesEndpointTests
{
    private static readonly Dictionary<string, string?> AnyAge = new() { ["Ingest:MaxEventAge"] = "3650.00:00:00" };

    [Fact]
    public async Task PostKeycloakTokenResponses_LoggedWithTheIssuedTokensJti()
    {
        await using var server = await IngestServer.StartInProcessAsync(AnyAge);
        var key = await server.AddSourceAsync("keycloak-prod", new SourceScope(Kinds: ["auth.*"]));

        using var response = await server.PostAsync("/v1/sources/keycloak", TestData.Idp("keycloak", "token-responses.ndjson"), key, "application/x-ndjson");

        await IngestAnswer.AcceptedAsync(response, 5);
        var logged = (await server.ReadLoggedAsync(5)).Select(r => r.Event).ToDictionary(e => e.Token?.Jti ?? "none");
        Assert.Equal(
            ["2d3e4f50-9999-4aaa-8bbb-cccc00000003", "3c4d5e6f-9999-4aaa-8bbb-cccc00000001", "4a5b6c7d-9999-4aaa-8bbb-cccc00000005", "7e8f9a0b-9999-4aaa-8bbb-cccc00000002", "none"],
            logged.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(EventKinds.AuthTokenIssued, logged["3c4d5e6f-9999-4aaa-8bbb-cccc00000001"].Kind);
    }

    [Fact]
    public async Task PostFalcoEksAuditAlerts_LoggedOnTheIamRoleTheClusterMappedToAUserName()
    {
        await using var server = await IngestServer.StartInProcessAsync(AnyAge);
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
}
