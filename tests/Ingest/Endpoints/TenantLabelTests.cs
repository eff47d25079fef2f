using ZtStream.Ingest.Sources.Scopes;
using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// An Okta source whose key speaks for one org (<c>sources add NAME --tenant acme.okta.com</c>), over HTTP, in the shapes
/// Okta delivers (developer.okta.com, "Event hooks": the delivery's <c>source</c> is the hook's URL on the org; Log
/// Streaming to Amazon EventBridge: the envelope's <c>source</c> is <c>aws.partner/okta.com/ORG/NAME</c>; the System Log
/// API's bare array and one LogEvent name no org): every event naming no org is labelled <c>subject.tenant</c> with the
/// key's org; an envelope naming another org is refused by index, field and reason.
/// </summary>
public sealed class TenantLabelTests
{
    private const string Org = "acme.okta.com";

    private static SourceScope Labelled => new(Kinds: ["auth.*", "idp.event"], Tenant: Org);

    private static string LogEvent(string uuid, string login = "ana@acme.example") =>
        $$$"""{"uuid":"{{{uuid}}}","published":"2026-11-30T08:00:00.000Z","eventType":"user.session.start","actor":{"id":"00uAna1","type":"User","alternateId":"{{{login}}}"},"client":{"ipAddress":"203.0.113.9"},"outcome":{"result":"SUCCESS"}}""";

    public static TheoryData<string, string, int> OwnOrgShapes => new()
    {
        { "event hook delivery from the org", OktaEventHookFrom("https://acme.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3", [LogEvent("e-1"), LogEvent("e-2", "bo@acme.example")]), 2 },
        { "event hook delivery, the host in capitals", OktaEventHookFrom("https://ACME.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3", [LogEvent("e-1")]), 1 },
        { "System Log API page (a bare array)", $"[{LogEvent("e-1")},{LogEvent("e-2", "bo@acme.example")}]", 2 },
        { "one LogEvent alone", LogEvent("e-1"), 1 },
        { "EventBridge events of the org, one per line", OktaEventBridge("acme", LogEvent("e-1")) + "\n" + OktaEventBridge("acme", LogEvent("e-2", "bo@acme.example")) + "\n", 2 },
    };

    [Theory]
    [MemberData(nameof(OwnOrgShapes))]
    public async Task PostOkta_ByLabelledSource_EveryEventOfEachShapeLabelledWithItsOrg(string shape, string body, int count)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta-acme", Labelled);

        var logged = await server.PostAcceptedAsync("/v1/sources/okta", Encoding.UTF8.GetBytes(body), key, count);

        Assert.True(logged.All(r => r.Event.Subject?.Tenant == Org && r.Event.Source == "okta-acme"), shape);
    }

    [Fact]
    public async Task PostOkta_HookDeliveryFromAnotherOrg_Refused403ForEachEvent_NothingLogged()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta-acme", Labelled);

        using var response = await server.PostAsync(
            "/v1/sources/okta", Encoding.UTF8.GetBytes(OktaEventHookFrom("https://initech.okta.com/api/v1/eventHooks/who0", [LogEvent("e-1"), LogEvent("e-2")])), key);

        var errors = await ProblemErrors.ReadAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal([(0, SourceScope.TenantField), (1, SourceScope.TenantField)], errors.Select(e => (e.Index, e.Field)));
        Assert.All(errors, e => Assert.Equal("outside the scope of source okta-acme: its key speaks for tenant acme.okta.com only, and this event names 'initech.okta.com'", e.Reason));
        Assert.Empty(await server.ReadLoggedAsync(0, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task PostOkta_EventBridgeLinesOfTwoOrgs_TheOtherOrgsLineRefusedByIndex_TheRestLabelled()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta-acme", Labelled);
        var body = string.Join('\n', OktaEventBridge("acme", LogEvent("e-0")), OktaEventBridge("initech", LogEvent("e-1")), OktaEventBridge("acme", LogEvent("e-2")));

        using var response = await server.PostAsync("/v1/sources/okta", Encoding.UTF8.GetBytes(body), key);

        var error = Assert.Single(await ProblemErrors.ReadAsync(response, HttpStatusCode.MultiStatus));
        Assert.Equal((1, SourceScope.TenantField), (error.Index, error.Field));
        Assert.Equal("outside the scope of source okta-acme: its key speaks for tenant acme.okta.com only, and this event names 'initech'", error.Reason);
        var logged = await server.ReadLoggedAsync(2, TimeSpan.FromMilliseconds(300));
        Assert.Equal(["e-0", "e-2"], logged.Select(r => r.Event.Id).Order(StringComparer.Ordinal));
        Assert.All(logged, r => Assert.Equal(Org, r.Event.Subject?.Tenant));
    }

    /// <summary>Without a label each event carries the org its envelope names, and none where it names none.</summary>
    [Theory]
    [InlineData("hook", "acme.okta.com")]
    [InlineData("eventbridge", "acme")]
    [InlineData("array", null)]
    public async Task PostOkta_ByUnlabelledSource_TheTenantIsWhatTheEnvelopeNames(string shape, string? tenant)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta", new SourceScope(Kinds: ["auth.*", "idp.event"]));
        var body = shape switch
        {
            "hook" => OktaEventHookFrom("https://acme.okta.com/api/v1/eventHooks/who0", [LogEvent("e-1")]),
            "eventbridge" => OktaEventBridge("acme", LogEvent("e-1")),
            _ => $"[{LogEvent("e-1")}]",
        };

        var logged = await server.PostAcceptedAsync("/v1/sources/okta", Encoding.UTF8.GetBytes(body), key, 1);

        Assert.Equal(tenant, Assert.Single(logged).Event.Subject?.Tenant);
    }

    /// <summary>Okta sources can be held to their org by the tenant limit alone: a hook delivery names it, a bare page does not.</summary>
    [Fact]
    public async Task PostOkta_ByTenantLimitedSource_HookOfTheOrgAccepted_PageNamingNoOrgRefused()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("okta-limited", new SourceScope(Tenants: [Org]));

        await server.PostAcceptedAsync("/v1/sources/okta", Encoding.UTF8.GetBytes(OktaEventHookFrom("https://acme.okta.com/api/v1/eventHooks/who0", [LogEvent("e-1")])), key, 1);
        using var page = await server.PostAsync("/v1/sources/okta", Encoding.UTF8.GetBytes($"[{LogEvent("e-2")}]"), key);

        var error = Assert.Single(await ProblemErrors.ReadAsync(page, HttpStatusCode.Forbidden));
        Assert.Equal((0, SourceScope.TenantField), (error.Index, error.Field));
        Assert.Contains("names no tenant", error.Reason, StringComparison.Ordinal);
    }
}
