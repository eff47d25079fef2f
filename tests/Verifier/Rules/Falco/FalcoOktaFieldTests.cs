using static ZtStream.Verifier.Tests.Rules.Falco.FalcoOktaTestData;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;
using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// The okta plugin's <c>okta.*</c> fields (plugins/okta/pkg/okta/okta.go) on LogEvents shaped as Okta's System Log
/// reference shows them: a group membership change with several targets, a sign-in to an app, events without a
/// client or a geolocation, nulls where Okta writes them.
/// </summary>
public sealed class FalcoOktaFieldTests
{
    // An administrator adds a user to a group: two User targets (the plugin keeps the last), a group, an app.
    private static readonly string Membership = Log(
        "group.user_membership.add",
        actorId: "00u1adm9Xq",
        actorName: "Ada Admin",
        extra: """
            ,"target":[{"id":"00u2first","type":"User","alternateId":"first@example.org","displayName":"First User","detailEntry":null},
                       {"id":"00g3fin","type":"UserGroup","alternateId":"unknown","displayName":"Finance Admins","detailEntry":null},
                       {"id":"0oa4app","type":"AppInstance","alternateId":"Salesforce.com","displayName":"Salesforce","detailEntry":null},
                       {"id":"00u5bo","type":"User","alternateId":"bo.lind@example.org","displayName":"Bo Lind","detailEntry":null}]
            """)
        .Replace("\"legacyEventType\":null", "\"legacyEventType\":\"core.user_group_member.user_add\"", StringComparison.Ordinal)
        .Replace("\"severity\":\"INFO\"", "\"severity\":\"WARN\"", StringComparison.Ordinal)
        .Replace("/api/v1/authn", "/app/salesforce/exk1fx4ot2Iw0VJsa0h8/sso/saml", StringComparison.Ordinal)
        .Replace("\"debugData\":{", "\"debugData\":{\"originalPrincipal\":{\"id\":\"00u9sup\",\"type\":\"User\",\"alternateId\":\"support@okta.example\",\"displayName\":\"Okta Support\"},", StringComparison.Ordinal);

    [Theory]
    [InlineData("okta.app", "salesforce")]
    [InlineData("okta.evt.type", "group.user_membership.add")]
    [InlineData("okta.evt.legacytype", "core.user_group_member.user_add")]
    [InlineData("okta.severity", "WARN")]
    [InlineData("okta.message", "Okta event")]
    [InlineData("okta.published", "2026-11-30T09:12:43.512Z")]
    [InlineData("okta.actor.id", "00u1adm9Xq")]
    [InlineData("okta.actor.Type", "User")]
    [InlineData("okta.actor.alternateid", "dana.ruiz@example.org")]
    [InlineData("okta.actor.name", "Ada Admin")]
    [InlineData("okta.client.zone", "null")]
    [InlineData("okta.client.ip", "198.51.100.23")]
    [InlineData("okta.client.device", "Computer")]
    [InlineData("okta.client.id", "<NA>")]
    [InlineData("okta.client.geo.city", "Lyon")]
    [InlineData("okta.client.geo.state", "Auvergne-Rhone-Alpes")]
    [InlineData("okta.client.geo.country", "France")]
    [InlineData("okta.client.geo.postalcode", "69001")]
    [InlineData("okta.client.geo.lat", "45.7485")]
    [InlineData("okta.client.geo.lon", "4.8467")]
    [InlineData("okta.useragent.os", "Windows 10")]
    [InlineData("okta.useragent.browser", "CHROME")]
    [InlineData("okta.useragent.raw", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")]
    [InlineData("okta.result", "SUCCESS")]
    [InlineData("okta.reason", "<NA>")]
    [InlineData("okta.transaction.id", "Y2b3kq0Z1x")]
    [InlineData("okta.transaction.type", "WEB")]
    [InlineData("okta.requesturi", "/app/salesforce/exk1fx4ot2Iw0VJsa0h8/sso/saml")]
    [InlineData("okta.principal.id", "00u9sup")]
    [InlineData("okta.principal.alternateid", "support@okta.example")]
    [InlineData("okta.principal.type", "User")]
    [InlineData("okta.principal.name", "Okta Support")]
    [InlineData("okta.authentication.step", "0")]
    [InlineData("okta.authentication.sessionid", "102bZDNFfWaQSyEZQuDgWt-uQ")]
    [InlineData("okta.security.asnumber", "16276")]
    [InlineData("okta.security.asorg", "ovh sas")]
    [InlineData("okta.security.isp", "ovh sas")]
    [InlineData("okta.security.domain", "ovh.net")]
    [InlineData("okta.target.user.id", "00u5bo")]
    [InlineData("okta.target.user.alternateid", "bo.lind@example.org")]
    [InlineData("okta.target.user.name", "Bo Lind")]
    [InlineData("okta.target.group.id", "00g3fin")]
    [InlineData("okta.target.group.alternateid", "unknown")]
    [InlineData("okta.target.group.name", "Finance Admins")]
    [InlineData("okta.target.app.alternateid", "Salesforce.com")]
    [InlineData("okta.mfa.failure.countlast[60]", "<NA>")]
    [InlineData("evt.source", "okta")]
    [InlineData("json.value[/client/geographicalContext/geolocation/lat]", "45.7485")]
    public void Field_ReadsTheLogEvent_InEveryShapeTheOktaAdapterTakes(string field, string expected)
    {
        var rule = Single(Rule("okta.evt.type exists", $"%{field}"));
        var line = Membership.ReplaceLineEndings("");

        // An event hook delivery, the System Log API's list, one LogEvent alone, and one per line (NDJSON).
        var shapes = new[] { OktaEventHook(Membership), ApiList(Membership), Membership, line + "\n" + line };
        var events = shapes.SelectMany(FalcoOktaTestData.Events).ToList();
        Assert.Equal(5, events.Count);
        foreach (var e in events)
        {
            Assert.True(rule.Condition.Matches(e));
            Assert.Equal(expected, ((FalcoRuleMatcher)rule.Condition).RenderOutput(e));
        }
    }

    [Theory]
    [InlineData("okta.target.user.name = \"Bo Lind\"", true)]
    [InlineData("okta.target.user.name = \"First User\"", false)]
    [InlineData("okta.target.group.name icontains finance and okta.target.app.alternateid startswith Sales", true)]
    [InlineData("okta.app = salesforce and okta.principal.alternateid endswith \"@okta.example\"", true)]
    [InlineData("okta.security.asnumber > 16000 and okta.security.asnumber < 17000", true)]
    [InlineData("okta.client.geo.lat >= 45.7485 and okta.client.geo.lon < 5", true)]
    [InlineData("okta.severity in (WARN, ERROR) and okta.evt.legacytype glob \"core.user_group_member.*\"", true)]
    [InlineData("okta.reason exists", false)]
    [InlineData("okta.client.id != x", false)]
    [InlineData("okta.actor.Type = User and okta.transaction.type = WEB and okta.authentication.step = 0", true)]
    public void Condition_ComparesOktaFields(string condition, bool matches)
    {
        var rule = Single(Rule(condition));

        Assert.Equal(matches, rule.Condition.Matches(Event(Membership)));
    }

    [Fact]
    public void EventWithoutClientGeolocationOrTargetsOfTheType_RendersNA_AndComparesFalse()
    {
        var noClient = Log("user.account.lock", client: null);
        var noGeo = Log("user.account.lock", client: """{"ipAddress":"203.0.113.9","userAgent":{"rawUserAgent":"okta-sdk-java/8.2.1"},"zone":"null","device":"Unknown"}""");
        var groupsOnly = Log("group.user_membership.remove", extra: ""","target":[{"id":"00g3fin","type":"UserGroup","alternateId":"unknown","displayName":"Finance Admins"}]""");
        const string Output = "ip=%okta.client.ip country=%okta.client.geo.country lat=%okta.client.geo.lat user=%okta.target.user.name group=%okta.target.group.name app=%okta.app";
        var render = Single(Rule("okta.evt.type exists", Output));
        var byCountry = Single(Rule("okta.client.geo.country != France", name: "Outside France"));
        var byUser = Single(Rule("okta.target.user.name exists or okta.target.user.id startswith 00u", name: "Targets a user"));

        string Render(string log) => ((FalcoRuleMatcher)render.Condition).RenderOutput(Event(log));

        Assert.Equal("ip=<NA> country=<NA> lat=<NA> user=Bo Lind group=<NA> app=<NA>", Render(noClient.Replace("\"securityContext\"", "\"target\":[{\"id\":\"00u5bo\",\"type\":\"User\",\"displayName\":\"Bo Lind\"}],\"securityContext\"", StringComparison.Ordinal)));
        Assert.Equal("ip=203.0.113.9 country=<NA> lat=<NA> user=<NA> group=<NA> app=<NA>", Render(noGeo));
        Assert.Equal("ip=198.51.100.23 country=France lat=45.7485 user=<NA> group=Finance Admins app=<NA>", Render(groupsOnly));
        Assert.False(byCountry.Condition.Matches(Event(noClient)));
        Assert.False(byCountry.Condition.Matches(Event(noGeo)));
        Assert.True(byCountry.Condition.Matches(Event(Log("user.account.lock", client: Client.Replace("France", "Brazil", StringComparison.Ordinal)))));
        Assert.False(byUser.Condition.Matches(Event(groupsOnly)));
        Assert.True(byUser.Condition.Matches(Event(Membership)));
    }

    [Fact]
    public void MacrosListsAndExceptions_WorkOnOktaFields()
    {
        var rules = LoadClean("""
            - list: admin_event_types
              items: [user.account.privilege.grant, group.privilege.grant]
            - list: break_glass
              items: [breakglass@example.org]
            - macro: admin_grant
              condition: okta.evt.type in (admin_event_types)
            - macro: from_france
              condition: okta.client.geo.country = France
            - rule: Admin Grant Outside France
              desc: d
              condition: admin_grant and not from_france
              output: "grant by %okta.actor.alternateid from %okta.client.geo.country to %okta.target.user.alternateid"
              priority: CRITICAL
              source: okta
              tags: [okta, mitre_privilege_escalation, T1098]
              exceptions:
                - name: break_glass_admins
                  fields: okta.actor.alternateid
                  values: [break_glass]
            """);
        var rule = Assert.Single(rules);
        var grant = Log("user.account.privilege.grant", client: Client.Replace("France", "Canada", StringComparison.Ordinal), extra: ""","target":[{"id":"00u5bo","type":"User","alternateId":"bo.lind@example.org","displayName":"Bo Lind"}]""");

        Assert.Equal(Severities.Critical, rule.Severity);
        Assert.Equal(["T1098"], rule.Techniques);
        Assert.Equal(["privilege-escalation"], rule.Tactics);
        Assert.Equal([("Admin Grant Outside France", "grant by dana.ruiz@example.org from Canada to bo.lind@example.org")], FalcoOktaTestData.Run(rules, [Event(grant)]));
        Assert.Empty(FalcoOktaTestData.Run(rules, [Event(grant.Replace("dana.ruiz@example.org", "breakglass@example.org", StringComparison.Ordinal))]));
        Assert.Empty(FalcoOktaTestData.Run(rules, [Event(Log("user.account.privilege.grant"))]));
        Assert.Empty(FalcoOktaTestData.Run(rules, [Event(Log("user.account.privilege.revoke", client: Client.Replace("France", "Canada", StringComparison.Ordinal)))]));
    }

    [Theory]
    [InlineData("okta.nope = x", "unknown field 'okta.nope' (not an okta or json plugin field)")]
    [InlineData("okta.actor.type = User", "did you mean 'okta.actor.Type'?")]
    [InlineData("okta.org = acme", "field 'okta.org' is not supported: it is the okta plugin's configured organization")]
    [InlineData("ka.verb = create", "field 'ka.verb' is a k8saudit plugin field, read from Kubernetes audit events: a rule of source okta cannot use it")]
    [InlineData("okta.mfa.failure.countlast >= 3", "field 'okta.mfa.failure.countlast' needs a number argument, e.g. okta.mfa.failure.countlast[300]")]
    [InlineData("okta.mfa.deny.countlast[5m] >= 3", "takes an index argument (a number), got 'okta.mfa.deny.countlast[5m]'")]
    [InlineData("okta.evt.type[1] = x", "field 'okta.evt.type' takes no argument")]
    public void OktaRule_WithAFieldItCannotRead_IsALoadErrorNamingIt(string condition, string reason)
    {
        var result = Load(("okta.yaml", Rule("okta.evt.type exists", name: "Good") + Rule(condition, name: "Bad")));

        var error = Assert.Single(result.Errors);
        Assert.Equal("Bad", error.RuleId);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal("Good", Assert.Single(result.Rules).Id);
    }

    [Fact]
    public void MacroOfOneSource_UsedByARuleOfTheOther_IsAnErrorForThatRuleOnly()
    {
        var result = Load(("mixed.yaml", """
            - macro: locked
              condition: okta.evt.type = user.account.lock
            - rule: Locked
              desc: d
              condition: locked
              output: "%okta.actor.name"
              priority: NOTICE
              source: okta
            - rule: Audit Uses Okta Macro
              desc: d
              condition: locked and ka.verb = get
              output: o
              priority: NOTICE
              source: k8s_audit
            - rule: Audit Prints Okta Field
              desc: d
              condition: ka.verb = get
              output: "%okta.actor.name"
              priority: NOTICE
              source: k8s_audit
            """));

        Assert.Equal("Locked", Assert.Single(result.Rules).Id);
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains("in macro 'locked'", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("field 'okta.evt.type' is an okta plugin field, read from Okta System Log events: a rule of source k8s_audit cannot use it", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("output: field 'okta.actor.name' is an okta plugin field", result.Errors[1].Reason, StringComparison.Ordinal);
    }
}
