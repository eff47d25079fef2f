using Microsoft.AspNetCore.Routing;
using ZtStream.Responder.Api;
using ZtStream.Responder.Console.SignIn;
using ZtStream.Responder.Revocation.SharedSignals;

namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// Every state-changing route the Responder maps, read from its endpoint table at run time (not a hand list, so a route
/// added later is walked too), attacked over real HTTP: by no one, by roles below the one docs/console.md and
/// docs/response.md give the change, and with hostile bodies by a caller who may make it. Each refusal is a problem
/// document, and nothing refused changed anything.
/// </summary>
public sealed class RouteAttackTests : IAsyncLifetime
{
    private const string AdminToken = "admin-token-0123456789abcdef0123456789abc";
    private const string SiemToken = "siem-receiver-token-0123456789abcdef";
    private const int BodyLimit = 65536;

    private ResponderTestHost host = null!;
    private Guid pendingAction;
    private string suppressionId = null!;

    public async ValueTask InitializeAsync()
    {
        host = await ResponderTestHost.WithAlertsAsync(
            new ResponderTestHost(TestPolicies.ApproveRevoke) { UseKestrel = true }
                .WithSetting("Responder:MaxBodyBytes", BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithSetting("Responder:ApiTokens:3:Name", "ada")
                .WithSetting("Responder:ApiTokens:3:Role", "admin")
                .WithSetting("Responder:ApiTokens:3:Token", AdminToken)
                .WithSharedSignalsReceiver(SiemToken)
                .StartAsync(),
            TestAlerts.Critical("a-1"),
            TestAlerts.Critical("a-2", "bob"));
        pendingAction = (await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "a-1"), Ct)).Single().Id;
        using var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        using (var verdict = await analyst.PostAsJsonAsync("/v1/alerts/a-2/verdict", new { verdict = "false_positive" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, verdict.StatusCode);
        }

        var suppressions = await analyst.GetFromJsonAsync<JsonElement>("/v1/suppressions", Ct);
        suppressionId = suppressions.EnumerateArray().First().GetProperty("id").GetString()!;
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>What each role may change, as docs/console.md and docs/response.md give it: the lowest role allowed.</summary>
    private static string? RoleFor(string route) => route switch
    {
        _ when route.StartsWith("/v1/console/", StringComparison.Ordinal) => ApiRoles.Admin,
        _ when route.StartsWith("/v1/actions", StringComparison.Ordinal)
            || route.StartsWith("/v1/revocations", StringComparison.Ordinal)
            || route.StartsWith("/v1/ssf/", StringComparison.Ordinal) => ApiRoles.Responder,
        _ when route.StartsWith("/v1/", StringComparison.Ordinal) => ApiRoles.Analyst,
        // The SSF stream-management API: a receiver's own bearer token, never an API role.
        _ when route.StartsWith("/ssf/", StringComparison.Ordinal) => null,
        _ => throw new InvalidOperationException($"{route}: a state-changing route outside /v1 and /ssf; say here who may use it"),
    };

    private static readonly (string Role, string Token)[] RolesLowToHigh =
    [
        (ApiRoles.Viewer, ResponderTestHost.ViewerToken),
        (ApiRoles.Analyst, ResponderTestHost.AnalystToken),
        (ApiRoles.Responder, ResponderTestHost.ResponderToken),
        (ApiRoles.Admin, AdminToken),
    ];

    private List<(string Method, string Route)> MutatingRoutes() =>
        [.. host.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Route: e.RoutePattern.RawText!)))
            .Where(e => e.Method is "POST" or "PUT" or "PATCH" or "DELETE")
            // Signing out ends only the caller's own session, and needs none (a 204 for no one).
            .Where(e => e.Route != ConsoleSignIn.SignOutPath)
            .Distinct()
            .OrderBy(e => e.Route, StringComparer.Ordinal)];

    private string Fill(string route) => route
        .Replace("{id:guid}", pendingAction.ToString(), StringComparison.Ordinal)
        .Replace("/alerts/{id}", "/alerts/a-1", StringComparison.Ordinal)
        .Replace("/suppressions/{id}", "/suppressions/" + suppressionId, StringComparison.Ordinal)
        .Replace("{version:long}", "1", StringComparison.Ordinal)
        .Replace("{streamId}", "no-such-stream", StringComparison.Ordinal);

    [Fact]
    public async Task EveryMutatingRoute_NoCredential_Is401_EachRoleBelowItsOwn_Is403_AndNothingChanges()
    {
        var routes = MutatingRoutes();
        // The walk reaches what the docs name, so an empty or shrunken table cannot pass.
        Assert.Contains(routes, r => r.Route == "/v1/actions/{id:guid}/approve");
        Assert.Contains(routes, r => r.Route == "/v1/alerts/{id}/status");
        Assert.Contains(routes, r => r.Route == "/v1/console/sessions/" && r.Method == "DELETE");
        Assert.Contains(routes, r => r.Route == SsfStreamEndpoints.StreamsPath);
        var failures = new List<string>();
        foreach (var (method, route) in routes)
        {
            var needed = RoleFor(route);
            var path = Fill(route);
            using (var response = await SendAsync(method, path, token: null, "{}"))
            {
                await Expect(response, HttpStatusCode.Unauthorized, $"{method} {route} with no credential", failures);
                if (response.StatusCode == HttpStatusCode.Unauthorized && response.Headers.WwwAuthenticate.Count == 0)
                {
                    failures.Add($"{method} {route}: 401 without WWW-Authenticate");
                }
            }

            foreach (var (role, token) in RolesLowToHigh.Where(r => needed is null || ApiRoles.Rank(r.Role) < ApiRoles.Rank(needed)))
            {
                using var response = await SendAsync(method, path, token, "{}");
                // An API token is no SSF receiver's credential: 401 there, 403 where the role is too low.
                await Expect(response, needed is null ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, $"{method} {route} as {role}", failures);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(ActionStates.PendingApproval, await host.StateOfAsync(pendingAction));
        var alert = await host.Get<AlertStore>().GetAsync("a-1", Ct);
        Assert.Equal(AlertStatuses.Open, alert!.Status);
        var refused = await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.Forbidden, Limit: 1000), Ct);
        Assert.Contains(refused, e => e.Actor == "vic" && e.Summary.Contains($"POST /v1/actions/{pendingAction}/approve", StringComparison.Ordinal));
    }

    /// <summary>
    /// Bodies no client should send, to every state-changing route as a caller allowed to use it: past the body limit
    /// (declared, or announced with <c>Expect: 100-continue</c> and never sent), nested 10,000 deep, a member named twice,
    /// members of the wrong type, a root that is not an object. Each is a 4xx problem, never a 500 and never done.
    /// </summary>
    [Fact]
    public async Task EveryMutatingRoute_HostileBodies_Are4xxProblems_AndNothingIsDone()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        // Within the body limit, so what refuses it is the depth.
        var nestedObject = string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000);
        (string Name, Func<HttpContent> Body, HttpStatusCode? Status, string? Naming)[] attacks =
        [
            ("a body past the limit", () => Json("{\"reason\":\"" + new string('a', BodyLimit + 1024) + "\"}"), HttpStatusCode.RequestEntityTooLarge, null),
            ("a 10 MB string announced with Expect: 100-continue", () => Json("{\"reason\":\"" + new string('a', 10 * 1024 * 1024) + "\"}"), HttpStatusCode.RequestEntityTooLarge, null),
            ("arrays nested 10,000 deep", () => Json(deep), HttpStatusCode.BadRequest, null),
            ("objects nested 10,000 deep", () => Json(nestedObject), HttpStatusCode.BadRequest, null),
            ("a member named twice", () => Json("{\"reason\":\"a\",\"reason\":\"b\"}"), HttpStatusCode.BadRequest, "reason"),
            ("a root array", () => Json("[1]"), HttpStatusCode.BadRequest, null),
            ("a root string", () => Json("\"approve\""), HttpStatusCode.BadRequest, null),
        ];
        // Members each route takes, with a value of the wrong type: /v1 routes take a reason, a signal its subject, SSF a stream id.
        (string Name, Func<HttpContent> Body, HttpStatusCode? Status, string? Naming)[] wrongTypes =
        [
            ("a number where text goes", () => Json("{\"reason\":5}"), HttpStatusCode.BadRequest, "reason"),
            ("a signal's reason as a number", () => Json("{\"event\":\"session-revoked\",\"subject_id\":\"alice\",\"reason\":5}"), HttpStatusCode.BadRequest, "reason"),
            ("a stream id as a number", () => Json("{\"stream_id\":5,\"events_requested\":5}"), HttpStatusCode.BadRequest, null),
        ];
        var failures = new List<string>();
        foreach (var (method, route) in MutatingRoutes())
        {
            var token = RoleFor(route) is null ? SiemToken : AdminToken;
            var typed = route switch
            {
                SsfStreamEndpoints.SignalsPath => wrongTypes[1],
                _ when route.StartsWith("/ssf/", StringComparison.Ordinal) => wrongTypes[2],
                _ => wrongTypes[0],
            };
            foreach (var (name, body, status, naming) in attacks.Append(typed))
            {
                // DELETE /ssf/streams names its stream in the query, as the other SSF routes do in the route or the body.
                var path = method == "DELETE" && route == SsfStreamEndpoints.StreamsPath ? route + "?stream_id=no-such-stream" : Fill(route);
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body() };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                request.Headers.ExpectContinue = name.Contains("100-continue", StringComparison.Ordinal);
                using var client = new HttpClient { BaseAddress = host.BaseAddress };
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request, Ct);
                }
                catch (HttpRequestException e)
                {
                    failures.Add($"{method} {route}, {name}: the connection failed ({e.Message})");
                    continue;
                }

                using (response)
                {
                    var what = $"{method} {route}, {name}";
                    var code = (int)response.StatusCode;
                    if (code is < 400 or >= 500)
                    {
                        failures.Add($"{what}: answered {code} {await response.Content.ReadAsStringAsync(Ct)}");
                        continue;
                    }

                    // A route answers 404 for a missing stream before any body is read (its stream_id is the body's).
                    if (status is { } expected && response.StatusCode != expected && response.StatusCode != HttpStatusCode.NotFound)
                    {
                        failures.Add($"{what}: answered {code}, not {(int)expected}: {await response.Content.ReadAsStringAsync(Ct)}");
                        continue;
                    }

                    if (response.Content.Headers.ContentType?.MediaType != HttpProblem.MediaType)
                    {
                        failures.Add($"{what}: {code} as {response.Content.Headers.ContentType}");
                        continue;
                    }

                    var text = await response.Content.ReadAsStringAsync(Ct);
                    if (naming is not null && response.StatusCode == status && !text.Contains(naming, StringComparison.Ordinal))
                    {
                        failures.Add($"{what}: the problem does not name {naming}: {text}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(ActionStates.PendingApproval, await host.StateOfAsync(pendingAction));
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("a-1", Ct))!.Status);
        var suppression = await host.ClientFor(AdminToken).GetFromJsonAsync<JsonElement>("/v1/suppressions", Ct);
        Assert.Contains(suppression.EnumerateArray(), s => s.GetProperty("id").GetString() == suppressionId);
    }

    /// <summary>
    /// A change captured on the wire (a proxy log, a shared HAR file) and sent again later does nothing twice: an approval
    /// replayed meets an action no longer pending (409); a status change replayed at once is the status the alert has
    /// (answered as it is, nothing written), and replayed after a colleague's change carries a version the alert has
    /// left (409 with <c>current_version</c>, docs/response.md). The audit trail and the history hold each change once.
    /// </summary>
    [Fact]
    public async Task CapturedChange_ReplayedLater_IsRefusedOrChangesNothing()
    {
        using var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var approve = $"/v1/actions/{pendingAction}/approve";
        using (var first = await responder.PostAsync(approve, Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        host.Time.Advance(TimeSpan.FromMinutes(5));
        using (var replayed = await responder.PostAsync(approve, Json("{}"), Ct))
        {
            await HttpProblem.ReadAsync(replayed, HttpStatusCode.Conflict);
        }

        var version = await ResponderTestHost.AlertVersionAsync(responder, "a-1");
        var acknowledge = Json($"{{\"status\":\"acknowledged\",\"version\":{version}}}");
        var captured = await acknowledge.ReadAsStringAsync(Ct);
        using (var first = await responder.PostAsync("/v1/alerts/a-1/status", acknowledge, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var acknowledged = await ResponderTestHost.AlertVersionAsync(responder, "a-1");
        using (var again = await responder.PostAsync("/v1/alerts/a-1/status", Json(captured), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(acknowledged, await ResponderTestHost.AlertVersionAsync(responder, "a-1"));
        }

        using (var colleague = await responder.PostAsJsonAsync("/v1/alerts/a-1/status", new { status = "in_progress", version = acknowledged }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, colleague.StatusCode);
        }

        using (var replayed = await responder.PostAsync("/v1/alerts/a-1/status", Json(captured), Ct))
        {
            var problem = await HttpProblem.ReadAsync(replayed, HttpStatusCode.Conflict);
            Assert.Equal(await ResponderTestHost.AlertVersionAsync(responder, "a-1"), problem.GetProperty("current_version").GetInt64());
        }

        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Limit: 1000), Ct), e => e.Kind == AuditKinds.Approved);
        Assert.Single(await host.Get<AlertStore>().HistoryAsync("a-1", Ct), h => h.Status == AlertStatuses.Acknowledged);
        Assert.Equal(AlertStatuses.InProgress, (await host.Get<AlertStore>().GetAsync("a-1", Ct))!.Status);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        return await client.SendAsync(request, Ct);
    }

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode status, string what, List<string> failures)
    {
        if (response.StatusCode != status)
        {
            failures.Add($"{what}: answered {(int)response.StatusCode}, not {(int)status}: {await response.Content.ReadAsStringAsync(Ct)}");
        }
        else if (response.Content.Headers.ContentType?.MediaType != HttpProblem.MediaType)
        {
            failures.Add($"{what}: {(int)status} as {response.Content.Headers.ContentType}, not a problem document");
        }
    }
}
