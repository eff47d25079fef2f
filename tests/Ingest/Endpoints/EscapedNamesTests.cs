namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>
/// A source adapter reports what a third party's record says, and a user can set their own name in it (a client
/// certificate's CN, an OIDC claim, an impersonation header, an IdP login or display name): an id or a name with a control
/// or invisible character is kept with each such character written as a visible escape, listed in
/// <c>attributes["ingest.escaped"]</c>, the record as received in <c>raw</c>, so whoever controls a name does not control
/// whether the event is seen. A canonical event's sender chose its shape, and is refused.
/// </summary>
public sealed class EscapedNamesTests
{
    private const string Escaped = "ingest.escaped";

    private static readonly string Now = DateTimeOffset.UtcNow.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A Kubernetes audit.k8s.io/v1 Event at Metadata level, as the API server's webhook backend sends it.</summary>
    private static string Audit(string id, string user, string name = "db", string ns = "shop", string extraUser = "", string ips = "\"10.4.2.17\"") => $$"""
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{id}}","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/shop/secrets/db","verb":"get",
         "user":{"username":"{{user}}","uid":"u-1","groups":["system:authenticated"]}{{extraUser}},
         "sourceIPs":[{{ips}}],"userAgent":"kubectl/v1.31.0",
         "objectRef":{"resource":"secrets","namespace":"{{ns}}","name":"{{name}}","apiVersion":"v1"},"responseStatus":{"code":200},
         "requestReceivedTimestamp":"{{Now}}","stageTimestamp":"{{Now}}"}
        """;

    private static string EventList(params string[] items) =>
        $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{string.Join(',', items)}}]}""";

    [Fact]
    public async Task PostK8sAudit_NulInAUserNameAndAControlInAnObjectName_EveryEventIsAcceptedEscaped()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("kube");

        using var response = await server.PostAsync("/v1/sources/k8s-audit",
            EventList(Audit("a-ok", "ops@example.com"), Audit("a-nul", @"evil\u0000admin"), Audit("a-soh", "ops@example.com", name: @"x\u0001y")), key);

        await IngestAnswer.AcceptedAsync(response, 3);
        var events = (await server.ReadLoggedAsync(3)).Select(r => r.Event).ToDictionary(e => e.Raw!.Value.GetProperty("auditID").GetString()!);
        Assert.Empty(events["a-ok"].List(Escaped));

        var nul = events["a-nul"];
        Assert.Equal(@"evil\u0000admin", nul.Subject!.Id);
        Assert.Equal(["subject.id"], nul.List(Escaped));
        Assert.Equal("evil\0admin", nul.Raw!.Value.GetProperty("user").GetProperty("username").GetString());

        var soh = events["a-soh"];
        Assert.Equal(@"shop/x\u0001y", soh.Resource!.Id);
        Assert.Equal("ops@example.com", soh.Subject!.Id);
        Assert.Equal(["resource.id"], soh.List(Escaped));
    }

    /// <summary>Neither stripped nor merged: the escaped name is a principal of its own, beside the names it hides between.</summary>
    [Fact]
    public async Task PostK8sAudit_EscapedUserName_IsAPrincipalOfItsOwn()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("kube");

        using var response = await server.PostAsync("/v1/sources/k8s-audit",
            EventList(Audit("p-1", "evil"), Audit("p-2", "admin"), Audit("p-3", "eviladmin"), Audit("p-4", @"evil\u0000admin"), Audit("p-5", @"evil\u200Badmin")), key);

        await IngestAnswer.AcceptedAsync(response, 5);
        var keys = (await server.ReadLoggedAsync(5)).Select(r => r.Record.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["admin", "evil", @"evil\u0000admin", @"evil\u200Badmin", "eviladmin"], keys);
    }

    /// <summary>Every name of an audit event a user or a caller can set, with the field it lands in escaped.</summary>
    [Theory]
    [InlineData(@"system:serviceaccount:shop:\u202Eadmin", "db", "shop", "", "subject.id", @"system:serviceaccount:shop:\u202Eadmin")]
    [InlineData("ops@example.com", @"db\u2066", "shop", "", "resource.id", @"shop/db\u2066")]
    [InlineData("ops@example.com", "db", @"sh\u0000op", "", "resource.id", @"sh\u0000op/db")]
    [InlineData("ops@example.com", "db", "shop", @",""impersonatedUser"":{""username"":""root\u001b[2K"",""groups"":[""system:masters""]}", "subject.id", @"root\u001B[2K")]
    [InlineData("\uFEFFops@example.com", "db", "shop", "", "subject.id", @"\uFEFFops@example.com")]
    public async Task PostK8sAudit_HiddenCharacterInANameTheCallerSets_IsAcceptedWithThatFieldEscaped(
        string user, string name, string ns, string extraUser, string field, string expected)
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("kube");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", Audit("h-1", user, name, ns, extraUser), key);

        await IngestAnswer.AcceptedAsync(response, 1);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Contains(field, e.List(Escaped));
        Assert.Equal(expected, field == "subject.id" ? e.Subject!.Id : e.Resource!.Id);
    }

    /// <summary>
    /// A uid and groups are evidence in attributes (not keys, not names shown as a principal) and are kept as sent. Of
    /// <c>sourceIPs</c>, the X-Forwarded-For entries a caller writes come first and the connection's address, which the API
    /// server writes, last: an entry that is no address is passed over for it.
    /// </summary>
    [Fact]
    public async Task PostK8sAudit_ControlInUidGroupsOrSourceIp_IsAcceptedAndNothingIsEscaped()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("kube");
        var audit = Audit("u-1", "ops@example.com", ips: @"""203.0.113.7\u0000x"",""10.4.2.17""")
            .Replace("\"uid\":\"u-1\"", @"""uid"":""u\u0000-1""", StringComparison.Ordinal)
            .Replace("[\"system:authenticated\"]", @"[""team\u202Eops""]", StringComparison.Ordinal);

        using var response = await server.PostAsync("/v1/sources/k8s-audit", audit, key);

        await IngestAnswer.AcceptedAsync(response, 1);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Empty(e.List(Escaped));
        Assert.Equal("ops@example.com", e.Subject!.Id);
        Assert.Equal("10.4.2.17", e.Network?.SrcIp);
    }

    /// <summary>Okta's documented event hook delivery, with the user's login carrying a right-to-left override.</summary>
    [Fact]
    public async Task PostOkta_EventHookWithAnOverrideInTheLogin_BothEventsAcceptedEscaped()
    {
        var events = await PostIdpAsync("okta", "event-hook-delivery.json", "jane.doe@acme.example", @"jane.doe\u202Eelpmaxe.emca@", 2);

        Assert.All(events, e => Assert.Equal(@"jane.doe\u202Eelpmaxe.emca@", e.Subject!.Id));
        Assert.All(events, e => Assert.Contains("subject.id", e.List(Escaped)));
    }

    /// <summary>Entra ID's documented sign-in records (diagnostic settings' records array), the UPN carrying a NUL.</summary>
    [Fact]
    public async Task PostEntra_SignInsWithANulInTheUserPrincipalName_EveryRecordAcceptedEscaped()
    {
        var events = await PostIdpAsync("entra", "signin-records.json", "tperkins@contoso.example", @"tperkins\u0000@contoso.example", 4);

        var mine = events.Where(e => e.Subject?.Id.StartsWith("tperkins", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(mine);
        Assert.All(mine, e => Assert.Equal(@"tperkins\u0000@contoso.example", e.Subject!.Id));
        Assert.All(mine, e => Assert.Contains("subject.id", e.List(Escaped)));
    }

    /// <summary>
    /// Identity provider <paramref name="source"/>'s documented delivery <paramref name="file"/>, every <paramref name="name"/>
    /// in it written as <paramref name="escaped"/> (a JSON escape, so the name arrives with the character itself), posted and
    /// accepted whole: the <paramref name="count"/> events it logged.
    /// </summary>
    private static async Task<List<AccessEvent>> PostIdpAsync(string source, string file, string name, string escaped, int count)
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync(source);
        var body = Encoding.UTF8.GetString(Sources.TestData.Idp(source, file)).Replace(name, escaped, StringComparison.Ordinal);

        return [.. (await server.PostAcceptedAsync($"/v1/sources/{source}", Encoding.UTF8.GetBytes(body), key, count)).Select(r => r.Event)];
    }

    /// <summary>A Falco k8saudit plugin alert whose ka.user.name carries a terminal escape sequence.</summary>
    [Fact]
    public async Task PostFalco_K8sAuditAlertWithAnEscapeSequenceInTheUser_IsAcceptedEscaped()
    {
        await using var server = await IngestServer.StartInProcessAsync(IngestServer.AnyAge);
        var key = await server.AddSourceAsync("falco");
        var alert = Encoding.UTF8.GetString(Sources.TestData.Falco("k8saudit-plugin.jsonl")).Split('\n')[1]
            .Replace("\"ka.user.name\":\"jdoe\"", @"""ka.user.name"":""j\u001b[2Kdoe\u2069""", StringComparison.Ordinal);

        using var response = await server.PostAsync("/v1/sources/falco", alert, key);

        await IngestAnswer.AcceptedAsync(response, 1);
        var e = Assert.Single(await server.ReadLoggedAsync(1)).Event;
        Assert.Equal(@"j\u001B[2Kdoe\u2069", e.Subject!.Id);
        Assert.Equal(["subject.id"], e.List(Escaped));
    }

    /// <summary>
    /// A variation selector right after a character it varies is part of the name (a Japanese name with its registered
    /// ideograph, an emoji's presentation), as sent or escaped in the JSON; one after ASCII or at the start varies nothing,
    /// draws nothing, and is escaped like any hidden character.
    /// </summary>
    [Fact]
    public async Task PostK8sAudit_VariationSelectors_KeptAfterABaseTheyVaryEscapedElsewhere()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("kube");

        using var response = await server.PostAsync("/v1/sources/k8s-audit", EventList(
            Audit("v-ivs", "葛\U000E0100西@example.jp"),
            Audit("v-ivs-escaped", @"\u8FBB\uDB40\uDD00@example.jp"),
            Audit("v-emoji", "ops@example.com", name: "db\u2764\uFE0F"),
            Audit("v-ascii", "admin\uFE0F"),
            Audit("v-start", "ops@example.com", name: @"\uDB40\uDD00db")), key);

        await IngestAnswer.AcceptedAsync(response, 5);
        var events = (await server.ReadLoggedAsync(5)).Select(r => r.Event).ToDictionary(e => e.Raw!.Value.GetProperty("auditID").GetString()!);
        Assert.Equal("葛\U000E0100西@example.jp", events["v-ivs"].Subject!.Id);
        Assert.Equal("辻\U000E0100@example.jp", events["v-ivs-escaped"].Subject!.Id);
        Assert.Equal("shop/db\u2764\uFE0F", events["v-emoji"].Resource!.Id);
        Assert.All(["v-ivs", "v-ivs-escaped", "v-emoji"], id => Assert.Empty(events[id].List(Escaped)));

        Assert.Equal(@"admin\uFE0F", events["v-ascii"].Subject!.Id);
        Assert.Equal(["subject.id"], events["v-ascii"].List(Escaped));
        Assert.Equal(@"shop/\U000E0100db", events["v-start"].Resource!.Id);
        Assert.Equal(["resource.id"], events["v-start"].List(Escaped));
    }

    /// <summary>The same names through the canonical endpoint: refused by index and field, naming the code point and where.</summary>
    [Fact]
    public async Task PostEvents_HiddenCharactersInNames_AreRefusedByIndexAndField()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("app");
        var body = $$$"""
            [{"id":"c-0","time":"{{{Now}}}","kind":"access.data","subject":{"id":"alice\u202Etxt.exe"}},
             {"id":"c-1","time":"{{{Now}}}","kind":"access.data","subject":{"id":"bob"}},
             {"id":"c-2","time":"{{{Now}}}","kind":"access.data","subject":{"id":"evil\u0000admin"}},
             {"id":"c-3","time":"{{{Now}}}","kind":"access.data","subject":{"id":"bob"},"resource":{"type":"db","id":"x\u200By"}}]
            """;

        using var response = await server.PostAsync("/v1/events", body, key);

        var errors = await IngestAnswer.PartlyAcceptedAsync(response, "c-1");
        Assert.Equal(
            [(0, "subject.id", "must not hold an invisible or bidirectional formatting character: U+202E at position 5"),
             (2, "subject.id", "must not hold a control character: U+0000 at position 4"),
             (3, "resource.id", "must not hold an invisible or bidirectional formatting character: U+200B at position 1")],
            errors.Select(e => (e.Index, e.Field, e.Reason)));
    }

    /// <summary>
    /// Through the canonical endpoint, a name with an Ideographic Variation Sequence is accepted, and a variation selector
    /// that varies nothing (after ASCII, after another selector) is refused by index and field, naming it and where it is.
    /// </summary>
    [Fact]
    public async Task PostEvents_VariationSelectors_AcceptedAfterABaseRefusedElsewhereByIndexAndField()
    {
        await using var server = await IngestServer.StartInProcessAsync();
        var key = await server.AddSourceAsync("app");
        var body = $$$"""
            [{"id":"s-0","time":"{{{Now}}}","kind":"access.data","subject":{"id":"{{{"葛\U000E0100城"}}}"}},
             {"id":"s-1","time":"{{{Now}}}","kind":"access.data","subject":{"id":"admin\uFE0F"}},
             {"id":"s-2","time":"{{{Now}}}","kind":"access.data","subject":{"id":"\u845B\uDB40\uDD00"},"resource":{"type":"db","id":"\u2764\uFE0F\uFE0F"}},
             {"id":"s-3","time":"{{{Now}}}","kind":"access.data","subject":{"id":"ops"},"resource":{"type":"db","id":"0\uFE0E"}}]
            """;

        using var response = await server.PostAsync("/v1/events", body, key);

        var errors = await IngestAnswer.PartlyAcceptedAsync(response, "s-0", "s-3");
        Assert.Equal(
            [(1, "subject.id", "must not hold a variation selector except right after a character it varies: U+FE0F at position 5"),
             (2, "resource.id", "must not hold a variation selector except right after a character it varies: U+FE0F at position 2")],
            errors.Select(e => (e.Index, e.Field, e.Reason)));
    }
}
