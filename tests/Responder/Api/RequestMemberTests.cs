namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// A member the API does not take is a mistake the caller must hear about: a misspelt <c>reasn</c> or
/// <c>"expires_at "</c> silently dropped would let a rejection go without its reason or a suppression run for the
/// default 30 days. Each is a 400 naming the member, and nothing changes.
/// </summary>
public sealed class RequestMemberTests
{
    [Theory]
    [InlineData("/v1/alerts/m-1/comments", """{"text":"seen","txet":"again"}""", "txet")]
    [InlineData("/v1/alerts/m-1/status", """{"status":"acknowledged","Note":"on it"}""", "Note")]
    [InlineData("/v1/alerts/m-1/verdict", """{"verdict":"false_positive","rules":["policy/r"],"expires_at ":"2099-01-01T00:00:00Z"}""", "expires_at ")]
    [InlineData("/v1/alerts/m-1/assign", """{"assignee":"ann","assigne":"bob"}""", "assigne")]
    [InlineData("/v1/alerts/bulk", """{"ids":["m-1"],"status":"benign","note":"x","unasign":true}""", "unasign")]
    [InlineData("/v1/suppressions", """{"alert_id":"m-1","expires":"2099-01-01T00:00:00Z"}""", "expires")]
    [InlineData("/v1/actions", """{"kind":"revoke_subject_sessions","subject_id":"jane","reasn":"stolen laptop"}""", "reasn")]
    [InlineData("/v1/revocations/1/lift", """{"reasn":"mistake"}""", "reasn")]
    public async Task Post_AMemberTheRequestDoesNotTake_Is400NamingIt_AndNothingChanges(string path, string body, string member)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), TestAlerts.Critical("m-1"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var before = await AuditCountAsync(responder);

        using var response = await responder.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, $"'{member}'");
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(member, error.GetProperty("field").GetString());
        Assert.Equal(0, error.GetProperty("index").GetInt32());
        Assert.Equal(before, await AuditCountAsync(responder));
        Assert.Equal("open", (await responder.GetFromJsonAsync<JsonElement>("/v1/alerts/m-1", Ct)).GetProperty("alert").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reject_WithAMisspeltReason_Is400_AndTheActionStaysPending()
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke).StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("m-2"))).Id;
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var response = await responder.PostAsJsonAsync($"/v1/actions/{id}/reject", new { reasn = "known test account" }, Ct);

        await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, "'reasn'");
        Assert.Equal(ActionStates.PendingApproval, (await host.Get<ActionStore>().GetAsync(id, Ct))!.State);
    }

    /// <summary>An approval takes no member at all, and the refusal says so rather than listing nothing.</summary>
    [Fact]
    public async Task Approve_WithAMember_Is400SayingItTakesNone_AndTheActionStaysPending()
    {
        await using var host = await new ResponderTestHost(TestPolicies.ApproveRevoke).StartAsync();
        var id = (await host.RaiseAsync(TestAlerts.Critical("m-5"))).Id;
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var response = await responder.PostAsJsonAsync($"/v1/actions/{id}/approve", new { confirm = true }, Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, "'confirm'");
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("confirm", error.GetProperty("field").GetString());
        Assert.EndsWith("it takes none: send no body, or {}", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(ActionStates.PendingApproval, (await host.Get<ActionStore>().GetAsync(id, Ct))!.State);
    }

    /// <summary>Parsers disagree on which copy of a member counts; the API takes neither.</summary>
    [Fact]
    public async Task Post_AMemberNamedTwice_Is400NamingIt()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), TestAlerts.Critical("m-3"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var response = await analyst.PostAsync("/v1/alerts/m-3/assign",
            new StringContent("""{"assignee":"ann","assignee":"mallory"}""", Encoding.UTF8, "application/json"), Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, "'assignee'");
        Assert.Equal("assignee", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.False((await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts/m-3", Ct)).GetProperty("alert").TryGetProperty("assignee", out _));
    }

    /// <summary>What the API does take is taken as before, with the members a caller may leave out left out.</summary>
    [Fact]
    public async Task Post_OnlyMembersTheRequestTakes_IsServed()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), TestAlerts.Critical("m-4"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var status = await analyst.PostAsync("/v1/alerts/m-4/status",
            new StringContent("""{"status":"false_positive","note":"test rig","rules":null,"scope":"principal"}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    private static async Task<int> AuditCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/v1/audit?limit=1000", Ct)).GetArrayLength();
}
