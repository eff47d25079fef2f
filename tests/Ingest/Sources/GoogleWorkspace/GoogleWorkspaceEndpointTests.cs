namespace ZtStream.Ingest.Tests.Sources.GoogleWorkspace;

public sealed class GoogleWorkspaceEndpointTests
{
    private const string TwoSignInEvents = """
        {"kind":"admin#reports#activity","id":{"time":"2026-11-30T14:00:00Z","uniqueQualifier":"-7e0b","applicationName":"login","customerId":"C03gw7e01"},
         "actor":{"email":"lea.mbeki@acme.example"},"ipAddress":"203.0.113.111",
         "events":[{"name":"login_challenge"},{"name":"login_success"}]}
        """;

    [Fact]
    public async Task Post_AnActivityOfSeveralEventsAllOutsideTheScope_IsRefusedForWhoSentIt()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var drive = await server.AddSourceAsync("gws-drive-only", new SourceScope(Kinds: [EventKinds.IdpEvent]));
        var any = await server.AddSourceAsync("gws-any", new SourceScope(Kinds: ["auth.*"]));

        using var refused = await server.PostAsync("/v1/sources/google-workspace", TwoSignInEvents, drive);
        using var accepted = await server.PostAsync("/v1/sources/google-workspace", TwoSignInEvents, any);

        await HttpProblem.ReadTypedAsync(refused, HttpStatusCode.Forbidden, "outside-scope");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var logged = await server.ReadLoggedAsync(2);
        Assert.Equal([EventKinds.AuthMfa, EventKinds.AuthLogin], logged.Select(r => r.Event.Kind));
    }
}
