namespace ZtStream.Responder.Tests.Suppressions;

/// <summary>
/// A suppression's <c>version</c>: taken by every change in the transaction that writes it, and, sent with a narrowing or
/// a lift, compared there, so a change decided on a suppression someone else changed since is refused (409 with
/// <c>current_version</c>) and changes nothing. Before, suppressions had no version: a lift decided on the suppression as
/// the caller saw it also lifted the one a colleague had narrowed meanwhile.
/// </summary>
public partial class SuppressionApiTests
{
    /// <summary>Makes a suppression through <c>POST /v1/suppressions</c>; its id.</summary>
    internal static async Task<string> SuppressAsync(HttpClient client, object body)
    {
        using var created = await client.PostAsJsonAsync("/v1/suppressions", body, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await JsonOf(created)).GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> LiftAsync(HttpClient client, string id, string reason, long version) =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/v1/suppressions/{id}") { Content = JsonContent.Create(new { reason, version }) }, Ct);

    [Fact]
    public async Task Version_EachChangeTakesTheNext_AndEveryAnswerCarriesIt()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sv-1"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);

        var created = await JsonOf(await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sv-1" }, Ct));
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(1, created.GetProperty("version").GetInt64());

        var narrowed = await JsonOf(await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" }, version = 1 }, Ct));
        Assert.Equal(2, narrowed.GetProperty("version").GetInt64());
        var listed = Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/v1/suppressions?alert_id=sv-1", Ct)).EnumerateArray());
        Assert.Equal(2, listed.GetProperty("version").GetInt64());
        var detail = await viewer.GetFromJsonAsync<JsonElement>("/v1/alerts/sv-1", Ct);
        Assert.Equal(2, Assert.Single(detail.GetProperty("suppressions").EnumerateArray()).GetProperty("version").GetInt64());

        using var lifted = await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=export%20retired&version=2", Ct);
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        Assert.Equal((3, "lifted"), ((await JsonOf(lifted)).GetProperty("version").GetInt64(), (await JsonOf(lifted)).GetProperty("state").GetString()));
        Assert.Equal(3, (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Version);
        await host.AssertAuditIntactAsync();
    }

    /// <summary>
    /// Two narrowings decided on the same version, the first held after its check while the second is stored: the second
    /// is made, the first refused where it is written (409 naming the suppression as it is now, with
    /// <c>current_version</c>), never decided again on the other's narrowing; the Verifier's last word is what is stored.
    /// </summary>
    [Fact]
    public async Task Narrow_TwoWithTheSameVersion_ExactlyOneIsMade()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sv-race"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var id = await SuppressAsync(analyst, new { alert_id = "sv-race" });
        var earlier = host.Time.GetUtcNow().AddDays(2);

        using var fewer = await HeldWhileAsync(
            host,
            () => analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" }, version = 1 }, Ct),
            async () => Assert.Equal(HttpStatusCode.OK, (await responder.PatchAsJsonAsync($"/v1/suppressions/{id}", new { expires_at = earlier, version = 1 }, Ct)).StatusCode));

        var refused = await HttpProblem.ReadAsync(fewer, HttpStatusCode.Conflict);
        Assert.Equal(2, refused.GetProperty("current_version").GetInt64());
        Assert.Contains("it is now active, baseline/bytes_spike, baseline/first_resource", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var stored = (await host.Get<SuppressionStore>().GetAsync(id, Ct))!;
        Assert.Equal((2L, earlier), (stored.Version, stored.ExpiresAt));
        Assert.Equal(["baseline/bytes_spike", "baseline/first_resource"], stored.Rules);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionNarrowed), Ct));
        var last = Feedback(host).Last(f => f.SuppressionId == id);
        Assert.Equal(stored.Rules, last.Rules);
        Assert.Equal((earlier, false), (last.ExpiresAt, last.Lifted));

        // Sent at once, without holding either: still exactly one.
        var answers = await Task.WhenAll(
            analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" }, version = 2 }, Ct),
            responder.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/first_resource" }, version = 2 }, Ct));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        Assert.Equal(3, (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Version);
        Assert.Single((await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Rules);
        await host.AssertAuditIntactAsync();
    }

    /// <summary>
    /// A lift decided on version 1 of a suppression a colleague narrowed meanwhile (version 2) is refused and lifts nothing:
    /// checked before the Verifier is told when the narrowing is already stored, and where the lift is written when it
    /// commits while the lift is under way — the Verifier, told of the lift, is then told the narrowed suppression again.
    /// Decided again on <c>current_version</c>, the lift is made.
    /// </summary>
    [Fact]
    public async Task Lift_DecidedOnAStaleVersion_Is409_AndLiftsNothing()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sv-lift"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var id = await SuppressAsync(analyst, new { alert_id = "sv-lift" });

        using var lost = await HeldWhileAsync(
            host,
            () => LiftAsync(analyst, id, "export retired", 1),
            async () => Assert.Equal(HttpStatusCode.OK, (await responder.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" }, version = 1 }, Ct)).StatusCode));

        Assert.Equal(2, (await HttpProblem.ReadAsync(lost, HttpStatusCode.Conflict)).GetProperty("current_version").GetInt64());
        Assert.Equal((SuppressionStates.Active, 2L), ((await host.Get<SuppressionStore>().GetAsync(id, Ct))!.State, (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Version));
        var told = Feedback(host).Where(f => f.SuppressionId == id).ToList();
        Assert.True(told[^2].Lifted);
        Assert.False(told[^1].Lifted);
        Assert.Equal(["baseline/bytes_spike"], told[^1].Rules);

        var sentBefore = Feedback(host).Length;
        using var stale = await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=export%20retired&version=1", Ct);
        var problem = await HttpProblem.ReadAsync(stale, HttpStatusCode.Conflict);
        Assert.Equal(2, problem.GetProperty("current_version").GetInt64());
        Assert.Contains("it is now active, baseline/bytes_spike", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(sentBefore, Feedback(host).Length);
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionLifted), Ct));

        using var lifted = await LiftAsync(analyst, id, "export retired", problem.GetProperty("current_version").GetInt64());
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        Assert.True(Feedback(host)[^1].Lifted);

        // Lifted already: with the version it was lifted at, or the one before, still a 409, and nothing recorded.
        Assert.Equal(HttpStatusCode.Conflict, (await LiftAsync(responder, id, "again", 3)).StatusCode);
        var again = await HttpProblem.ReadAsync(await LiftAsync(responder, id, "again", 2), HttpStatusCode.Conflict);
        Assert.Equal(3, again.GetProperty("current_version").GetInt64());
        Assert.Contains("was lifted by ana", again.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionLifted), Ct));
        await host.AssertAuditIntactAsync();
    }

    /// <summary>
    /// The version changes nothing of what each role may do: a viewer may neither narrow nor lift with the right version;
    /// an analyst may narrow a responder's wide suppression and is still refused a widening; a malformed version is a 400.
    /// </summary>
    [Fact]
    public async Task Version_LeavesEachRolesRightsAsTheyWere()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TwoReasons("sv-roles"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var viewer = host.ClientFor(ResponderTestHost.ViewerToken);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var id = await SuppressAsync(responder, new { alert_id = "sv-roles", scope = "everyone", rules = new[] { "baseline" } });

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PatchAsJsonAsync($"/v1/suppressions/{id}", new { scope = "principal", version = 1 }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LiftAsync(viewer, id, "not mine to lift", 1)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "*" }, version = 1 }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=x&version=one", Ct)).StatusCode);
        Assert.Equal(1, (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Version);

        using var narrowed = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { scope = "principal", version = 1 }, Ct);
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        Assert.Equal(("principal", 2L), ((await JsonOf(narrowed)).GetProperty("scope").GetString(), (await JsonOf(narrowed)).GetProperty("version").GetInt64()));
    }
}
