namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// Text the API keeps — ids, reasons, notes, comments, assignees — is read later in the console, in notifications, in
/// logs and terminals (<c>ztstream audit</c>), and PostgreSQL refuses a NUL in text. A control character in it is a 400
/// naming the field on every store, never a 500 on one and a stored escape sequence on the other; free text keeps its
/// tabs and line breaks. Run on SQLite here and on PostgreSQL by <see cref="PostgresControlCharacterTests"/>.
/// </summary>
public class ControlCharacterTests
{
    private protected virtual Task<ResponderTestHost> StartAsync() => new ResponderTestHost().StartAsync();

    public static TheoryData<string, string, string> Writes => new()
    {
        { "/v1/actions", """{"kind":"revoke_token","jti":"j-1","reason":"stolen\u0000laptop"}""", "reason" },
        { "/v1/actions", """{"kind":"revoke_token","jti":"j\u001b[2J"}""", "jti" },
        { "/v1/actions", """{"kind":"revoke_subject_sessions","subject_id":"alice\nforged audit line"}""", "subject_id" },
        { "/v1/alerts/cc-1/comments", """{"text":"looks fine\u0000"}""", "text" },
        { "/v1/alerts/cc-1/status", """{"status":"acknowledged","note":"\u001b[31mred\u001b[0m"}""", "note" },
        { "/v1/alerts/cc-1/assign", """{"assignee":"bob\u0007"}""", "assignee" },
        { "/v1/suppressions", """{"alert_id":"cc-1","note":"nightly\u0000"}""", "note" },
        { "/v1/revocations/1/lift", """{"reason":"mistake\u0000"}""", "reason" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Write_WithAControlCharacter_Is400NamingTheField_AndNothingIsKept(string path, string body, string field)
    {
        var actions = await RefusedAsync("POST", path, body, "control character", field);

        // No action of the caller's was kept either (the policy's own notify aside).
        Assert.DoesNotContain(actions, a => a.RequestedBy == "rex");
    }

    /// <summary>
    /// Sends <paramref name="body"/> to <paramref name="path"/> as the responder (rex) on a host holding alert cc-1: the
    /// answer is a 400 naming <paramref name="naming"/> in one error, for <paramref name="field"/>, and rex has no audit
    /// entry. Returns the actions stored afterwards.
    /// </summary>
    private async Task<IReadOnlyList<ActionRecord>> RefusedAsync(string method, string path, string? body, string naming, string field)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("cc-1"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };

        using var response = await responder.SendAsync(request, Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, naming);
        Assert.Equal(field, Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Actor: "rex"), Ct));
        return await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 10), Ct);
    }

    public static TheoryData<string, string, string?, string> Lookups => new()
    {
        { "GET", "/v1/alerts/cc%1B-1", null, "id" },
        { "GET", "/v1/alerts/cc%1B-1/activity", null, "id" },
        { "POST", "/v1/alerts/cc%0A-1/comments", """{"text":"seen"}""", "id" },
        { "DELETE", "/v1/suppressions/sup%1B?reason=done", null, "id" },
        { "GET", "/v1/alerts?principal=alice%00", null, "principal" },
        { "GET", "/v1/audit?actor=rex%00", null, "actor" },
        { "GET", "/v1/suppressions?alert_id=cc%00", null, "alert_id" },
        { "GET", "/v1/actions?alert_id=cc%00", null, "alert_id" },
        { "POST", "/v1/suppressions", """{"alert_id":"cc-1\u0000"}""", "alert_id" },
        { "POST", "/v1/alerts/bulk", """{"ids":["cc-1\u0000"],"status":"acknowledged"}""", "ids" },
        { "POST", "/v1/alerts/bulk", """{"items":[{"id":"cc-1","version":1},{"id":"cc\u0000","version":1}],"status":"acknowledged"}""", "id" },
    };

    [Theory]
    [MemberData(nameof(Lookups))]
    public async Task IdOrFilter_WithAControlCharacter_Is400NamingIt_NotA500(string method, string path, string? body, string field)
    {
        // An id in a path, a filter or a body only looks something up, but PostgreSQL refuses a NUL even as a parameter.
        await RefusedAsync(method, path, body, "control character", field);
    }

    /// <summary>
    /// An id or a name with a bidi override, isolate or mark, a zero-width space or a byte order mark reads in the console
    /// as another principal or rule: refused as a control character is, in a body or a path. Free text (a comment) and a
    /// query's filters, which only look something up, keep direction marks.
    /// </summary>
    public static TheoryData<string, string, string?, string> InvisibleInNames => new()
    {
        { "POST", "/v1/actions", """{"kind":"revoke_token","jti":"j\u202E1-j"}""", "jti" },
        { "POST", "/v1/actions", """{"kind":"revoke_subject_sessions","subject_id":"alice\u2066@corp.example\u2069"}""", "subject_id" },
        { "POST", "/v1/alerts/cc-1/assign", """{"assignee":"b\u200Bob"}""", "assignee" },
        { "POST", "/v1/suppressions", """{"alert_id":"\uFEFFcc-1"}""", "alert_id" },
        { "GET", "/v1/alerts/cc%E2%80%AE-1", null, "id" },
    };

    [Theory]
    [MemberData(nameof(InvisibleInNames))]
    public async Task IdOrName_WithAnInvisibleOrBidiCharacter_Is400NamingIt_AndNothingIsKept(string method, string path, string? body, string field)
    {
        Assert.DoesNotContain(await RefusedAsync(method, path, body, "bidirectional formatting character", field), a => a.RequestedBy == "rex");
    }

    /// <summary>
    /// A variation selector is part of a name right after a character it varies (an assignee written with the glyph the
    /// Ideographic Variation Database registers, U+845B U+E0100), and refused by the same check, naming it, where it varies
    /// nothing (after ASCII, <c>bob</c> U+FE0F reads <c>bob</c>).
    /// </summary>
    [Fact]
    public async Task Assignee_WithAVariationSelector_IsKeptAfterABaseItVaries_RefusedElsewhere()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical("cc-4"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var refused = await responder.PostAsJsonAsync("/v1/alerts/cc-4/assign", new { assignee = "bob\uFE0F" }, Ct);
        using var kept = await responder.PostAsJsonAsync("/v1/alerts/cc-4/assign", new { assignee = "葛\U000E0100西" }, Ct);

        var problem = await HttpProblem.ReadNamingAsync(refused, HttpStatusCode.BadRequest, "variation selector");
        Assert.Equal("assignee", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }

    [Theory]
    [InlineData("cc-2", "checked with the owner:\r\n\t- nightly export\n\t- ticket OPS-12")]
    [InlineData("cc-3", "נבדק עם הבעלים\u200F: OPS-12")]
    public async Task FreeText_KeepsItsTabsLineBreaksAndDirectionMarks(string id, string text)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), TestAlerts.Critical(id));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        var comment = await analyst.PostAsJsonAsync($"/v1/alerts/{id}/comments", new { text }, Ct);

        Assert.Equal(HttpStatusCode.Created, comment.StatusCode);
        Assert.Contains(await host.Get<AlertStore>().HistoryAsync(id, Ct), h => h.Detail is { } d && d.Contains(text, StringComparison.Ordinal));
    }
}

public sealed class PostgresControlCharacterTests(ZtStream.TestSupport.Services.PostgresFixture postgres) : ControlCharacterTests
{
    private protected override async Task<ResponderTestHost> StartAsync() =>
        await new ResponderTestHost().OnPostgres(await postgres.CreateDatabaseAsync(Ct)).StartAsync();
}
