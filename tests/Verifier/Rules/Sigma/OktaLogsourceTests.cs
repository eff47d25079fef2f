using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: okta, service: okta</c>: SigmaHQ's field names (lower-cased LogEvent paths) on Okta System Log
/// LogEvents written after Okta's System Log API reference, delivered by an event hook or listed by the API.
/// </summary>
public sealed class OktaLogsourceTests
{
    private const string Okta = "product: okta\nservice: okta";

    /// <summary>A LogEvent with the members Okta's reference shows; <paramref name="extra"/> is added at the top level.</summary>
    private static string LogEvent(string eventType, string actor = "dana.ruiz@example.org", string result = "SUCCESS", string extra = "") => $$"""
        {"uuid":"{{Guid.NewGuid()}}","published":"2026-11-30T09:12:43.512Z","eventType":"{{eventType}}","version":"0","severity":"INFO",
         "displayMessage":"Okta event","actor":{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"{{actor}}","displayName":"Dana Ruiz"},
         "client":{"ipAddress":"198.51.100.23","userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"SAFARI"},"zone":"null"},
         "outcome":{"result":"{{result}}"},"authenticationContext":{"externalSessionId":"idxAb12Cd34"}{{extra}} }
        """;

    [Fact]
    public void SigmaHqStyleRules_LoadAsOktaRules_OverEveryIdentityKind()
    {
        var okta = SigmaIdp.All.Where(r => r.Origin.File.Contains("/okta/", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, okta.Count);
        Assert.All(okta, r => Assert.Contains(EventKinds.AuthLogin, r.Kinds));
        Assert.All(okta, r => Assert.Contains(EventKinds.IdpEvent, r.Kinds));
        Assert.DoesNotContain(EventKinds.K8sAudit, okta[0].Kinds);
    }

    [Fact]
    public void LowerCasedFieldNames_ReadTheCamelCaseLogEvent_InAHookOrAnApiList()
    {
        var rule = SigmaIdp.Rule("okta_fastpass_declined_phishing");
        var refused = LogEvent("user.authentication.auth_via_mfa", result: "FAILURE").Replace("""{"result":"FAILURE"}""", """{"result":"FAILURE","reason":"FastPass declined phishing attempt"}""", StringComparison.Ordinal);
        Assert.True(rule.Fires("okta", OktaEventHook(refused)));
        Assert.True(rule.Fires("okta", $"[{refused}]"));
        Assert.True(rule.Fires("okta", refused));

        // The explanation names the keys as Okta writes them.
        var explained = ((ZtStream.Verifier.Rules.Detection.DetectionMatcher)rule.Condition).Explain(new RuleEvent(Authentication.IdpRecords.Map("okta", refused)));
        Assert.Contains(("eventType", "user.authentication.auth_via_mfa"), explained);
        Assert.Contains(("outcome.reason", "FastPass declined phishing attempt"), explained);

        // The same event type without the reason, or a success: not a refusal.
        Assert.False(rule.Fires("okta", LogEvent("user.authentication.auth_via_mfa", result: "FAILURE")));
        Assert.False(rule.Fires("okta", OktaEventHook(LogEvent("user.authentication.auth_via_mfa"))));
    }

    [Fact]
    public void RegexFilterOnTheActor_ExcludesAddresses_AndAMissingLegacyTypeMatchesNothing()
    {
        var rule = SigmaIdp.Rule("okta_password_typed_as_username");
        const string failed = ""","legacyEventType":"core.user_auth.login_failed" """;
        Assert.True(rule.Fires("okta", LogEvent("user.session.start", "Autumn-2026!x", "FAILURE", failed)));
        Assert.False(rule.Fires("okta", LogEvent("user.session.start", "lee.park@example.org", "FAILURE", failed)));
        Assert.False(rule.Fires("okta", LogEvent("user.session.start", "0oa1x2y3z4ServiceApp", "FAILURE", failed)));
        Assert.False(rule.Fires("okta", LogEvent("user.session.start", "Autumn-2026!x", "FAILURE")));
    }

    [Fact]
    public void TargetArrayAndDebugData_MatchAnyElementAndContainedText()
    {
        var rule = SigmaIdp.Rule("okta_admin_console_new_behaviour");
        const string console = ""","target":[{"id":"0pp1","type":"PolicyEntity","alternateId":"unknown","displayName":"Admin App Policy"},{"id":"0oa2","type":"AppInstance","alternateId":"Okta Admin Console","displayName":"Okta Admin Console"}]""";
        Assert.True(rule.Fires("okta", LogEvent("policy.evaluate_sign_on", extra: console
            + ""","debugContext":{"debugData":{"behaviors":"{New Geo-Location=NEGATIVE, New Device=POSITIVE, New IP=NEGATIVE}"}}""")));
        Assert.True(rule.Fires("okta", LogEvent("policy.evaluate_sign_on", extra: console
            + ""","debugContext":{"debugData":{"logOnlySecurityData":"{\"behaviors\":{\"New City\":\"POSITIVE\"}}"}}""")));
        Assert.False(rule.Fires("okta", LogEvent("policy.evaluate_sign_on", extra: console
            + ""","debugContext":{"debugData":{"behaviors":"{New Geo-Location=NEGATIVE, New Device=NEGATIVE}"}}""")));
        Assert.False(rule.Fires("okta", LogEvent("policy.evaluate_sign_on", extra: console)));
    }

    [Fact]
    public void QuotedTrue_MatchesOktasBooleanIsProxy()
    {
        var rule = SigmaIdp.Rule("okta_session_through_anonymiser");
        Assert.True(rule.Fires("okta", LogEvent("user.session.start", extra: ""","securityContext":{"asNumber":9009,"asOrg":"m247","isp":"m247 ltd","domain":"example.net","isProxy":true}""")));
        Assert.False(rule.Fires("okta", LogEvent("user.session.start", extra: ""","securityContext":{"isProxy":false}""")));
        Assert.False(rule.Fires("okta", LogEvent("user.session.start", extra: ""","securityContext":{"isProxy":null}""")));
        Assert.False(rule.Fires("okta", LogEvent("user.session.start")));
    }

    [Fact]
    public void BareAlternateId_IsTheActors()
    {
        var rule = SigmaIdp.Rule("okta_support_impersonation");
        const string admin = ""","debugContext":{"debugData":{"requestUri":"/api/internal/admin/impersonation"}}""";
        Assert.True(rule.Fires("okta", LogEvent("user.session.impersonation.grant", "someone@attacker.example", extra: admin)));
        Assert.False(rule.Fires("okta", LogEvent("user.session.impersonation.grant", "system@okta.com", extra: admin)));
        Assert.False(rule.Fires("okta", LogEvent("user.session.impersonation.grant", "it.admin@example.org", extra: admin)));
    }

    [Fact]
    public void OtherProvidersAndAddressTwins_NeverMatch_EvenANegatedSelection()
    {
        var rule = SigmaIdp.Inline(Okta, "selection:\n  eventtype: user.session.start\ncondition: not selection");
        Assert.True(rule.Fires("okta", LogEvent("user.account.lock")));

        // An Auth0 failed login, a Keycloak one and an Entra sign-in have no eventType either: they are not Okta's.
        Assert.False(rule.Fires("auth0", """{"log_id":"900201","data":{"date":"2026-11-30T09:00:00Z","type":"fp","ip":"192.0.2.4","user_name":"kim@example.com","user_id":"auth0|1"}}"""));
        Assert.False(rule.Fires("keycloak", """{"time":1764493200000,"type":"LOGIN_ERROR","realmId":"acme","clientId":"web","userId":"3f6b","ipAddress":"192.0.2.4","error":"invalid_user_credentials","details":{"username":"kim"}}"""));

        // An Okta failed sign-in is followed by its address and tenant twins, which carry no LogEvent: only the sign-in is read.
        var rule2 = SigmaIdp.Inline(Okta, "selection:\n  eventtype: user.account.lock\ncondition: not selection");
        var events = Authentication.IdpRecords.MapAll("okta", LogEvent("user.session.start", result: "FAILURE"));
        Assert.Equal(3, events.Count);
        Assert.Equal([true, false, false], events.Select(rule2.Matches));
    }

    [Fact]
    public void AFieldNoLogEventHas_IsAnErrorNamingIt()
    {
        var error = SigmaIdp.ErrorOf(Okta, "selection:\n  eventtyp: user.session.start\ncondition: selection");
        Assert.Contains("field 'eventtyp' is not a field of an Okta LogEvent", error.Reason, StringComparison.Ordinal);
        Assert.Contains("eventType", error.Reason, StringComparison.Ordinal);

        // Under Elastic's okta. prefix too: a key that is no member of the LogEvent, in either spelling.
        var elastic = SigmaIdp.ErrorOf(Okta, "selection:\n  okta.event_typo: user.session.start\ncondition: selection");
        Assert.Contains("field 'okta.event_typo' is not a field of an Okta LogEvent", elastic.Reason, StringComparison.Ordinal);
    }

    // Elastic's Okta integration (system data stream) names: the LogEvent under okta., keys in snake_case, and its three
    // renames (client.ip, security_context.as.number, security_context.as.organization.name).
    [Theory]
    [InlineData("okta.event_type: user.session.start", true)]
    [InlineData("okta.event_type: user.account.lock", false)]
    [InlineData("okta.actor.alternate_id: dana.ruiz@example.org", true)]
    [InlineData("okta.actor.display_name: Lee Park", false)]
    [InlineData("okta.client.ip: 198.51.100.23", true)]
    [InlineData("okta.client.ip|cidr: 203.0.113.0/24", false)]
    [InlineData("okta.client.user_agent.raw_user_agent|startswith: Mozilla", true)]
    [InlineData("okta.outcome.result: SUCCESS", true)]
    [InlineData("okta.authentication_context.external_session_id: idxAb12Cd34", true)]
    [InlineData("okta.security_context.as.number: 9009", true)]
    [InlineData("okta.security_context.as.organization.name: m247", true)]
    [InlineData("okta.security_context.is_proxy: 'true'", true)]
    [InlineData("okta.debug_context.debug_data.request_uri|endswith: /login/login.htm", true)]
    [InlineData("okta.debug_context.debug_data.threat_suspected: 'true'", false)]
    [InlineData("okta.debugContext.debugData.behaviors|contains: Velocity=POSITIVE", true)]
    public void ElasticsOktaNames_ReadTheLogEventPathsTheyStandFor(string selection, bool matches)
    {
        var rule = SigmaIdp.Inline(Okta, $"selection:\n  {selection}\ncondition: selection");
        var log = LogEvent("user.session.start", extra: ""","securityContext":{"asNumber":9009,"asOrg":"m247","isp":"m247 ltd","domain":"example.net","isProxy":true}"""
            + ""","debugContext":{"debugData":{"requestUri":"/login/login.htm","threatSuspected":"false","behaviors":"{New Geo-Location=POSITIVE, Velocity=POSITIVE}"}}""");

        Assert.Equal(matches, rule.Fires("okta", OktaEventHook(log)));
        Assert.Equal(matches, rule.Fires("okta", $"[{log}]"));
    }
}
