namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// <c>product: auth0</c> (every service SigmaHQ files Auth0's rules under): fields written with the log stream's
/// <c>data.</c> or without it, on Auth0 log events as a log stream delivers them (<c>{log_id, data}</c>) and as the
/// Management API's <c>/api/v2/logs</c> returns them (bare), after Auth0's log event reference.
/// </summary>
public sealed class Auth0LogsourceTests
{
    /// <summary>A bare Auth0 log event; <paramref name="extra"/> is added at the top level.</summary>
    private static string Log(string type, string description, string extra = "", string user = "sam.okafor@example.com") => $$$"""
        {"date":"2026-11-30T09:15:00.412Z","type":"{{{type}}}","description":"{{{description}}}","client_id":"AaiyAPdpYdesoKnqjj8HJqRn4T5titww",
         "client_name":"Billing","ip":"192.0.2.44","user_agent":"Chrome 131.0.0 / Windows 10.0.0","user_id":"auth0|6501f2c3a4b5c6d7e8f90a1b",
         "user_name":"{{{user}}}","log_id":"{{{LogId()}}}","tenant_name":"acme"{{{extra}}} }
        """;

    /// <summary>The logs as a log stream (webhook) posts them: an array of <c>{log_id, data}</c>.</summary>
    private static string Stream(params string[] logs) => "[" + string.Join(',', logs.Select(l => $$$"""{"log_id":"{{{LogId()}}}","data":{{{l}}} }""")) + "]";

    private static string LogId() => "900" + Guid.NewGuid().ToString("N");

    private static string ManagementApi(string request, string response = "{}") => $$$""","details":{"request":{"method":"patch","path":"/api/v2/x","auth":{"user":{"user_id":"google-oauth2|1029","name":"Ops Admin","email":"ops@example.com"},"strategy":"jwt","credentials":{"jti":"7fd2"}},"body":{{{request}}} },"response":{"statusCode":200,"body":{{{response}}} } }""";

    [Fact]
    public void EveryServiceOfSigmaHqsAuth0Rules_HasTheMapping()
    {
        foreach (var service in new[] { "admin", "attack_protection", "management_api", "mfa", "oidc_oauth2", "signup" })
        {
            var rule = SigmaIdp.Inline($"product: auth0\nservice: {service}", "selection:\n  data.type: fp\ncondition: selection");
            Assert.True(rule.Fires("auth0", Stream(Log("fp", "Wrong email or password."))), service);
        }

        var error = SigmaIdp.ErrorOf("product: auth0\nservice: tenant_logs", "selection:\n  data.type: fp\ncondition: selection");
        Assert.Contains("product: auth0, service: tenant_logs", error.Reason, StringComparison.Ordinal);
        Assert.Contains("has no field mapping", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DataPrefixedFields_ReadTheStreamWrapper_AndTheBareLog()
    {
        var rule = SigmaIdp.Rule("auth0_guardian_push_sent");
        var push = Log("gd_send_pn", "Guardian - Second factor notification sent");
        Assert.True(rule.Fires("auth0", Stream(push)));
        Assert.True(rule.Fires("auth0", push));
        Assert.True(rule.Fires("auth0", $"[{push}]"));
        Assert.False(rule.Fires("auth0", Stream(Log("gd_send_sms", "Guardian - Second factor sms sent"))));

        // Without a description the selection's second field is missing: no match.
        Assert.False(rule.Fires("auth0", push.Replace("\"description\":\"Guardian - Second factor notification sent\",", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void UnprefixedFields_ReadTheSameMembers_AndQuotedFalseMatchesJsonFalse()
    {
        var rule = SigmaIdp.Rule("auth0_brute_force_protection_off");
        var off = Log("sapi", "Update Brute-force settings", ManagementApi("""{"enabled":false,"shields":["user_notification"]}"""));
        Assert.True(rule.Fires("auth0", Stream(off)));
        Assert.True(rule.Fires("auth0", off));
        Assert.False(rule.Fires("auth0", Stream(Log("sapi", "Update Brute-force settings", ManagementApi("""{"enabled":true,"shields":["block"]}""")))));
        Assert.False(rule.Fires("auth0", Stream(Log("sapi", "Update Brute-force settings"))));
    }

    [Fact]
    public void SplunkArraySuffix_MatchesAnyElement()
    {
        var rule = SigmaIdp.Rule("auth0_destructive_management_scope_granted");
        Assert.True(rule.Fires("auth0", Stream(Log("sapi", "Update client grant", ManagementApi("""{"scope":["read:users","delete:users"]}""")))));
        Assert.False(rule.Fires("auth0", Stream(Log("sapi", "Update client grant", ManagementApi("""{"scope":["read:users","read:logs"]}""")))));
        Assert.False(rule.Fires("auth0", Stream(Log("sapi", "Update client grant", ManagementApi("""{"scope":[]}""")))));

        var owner = SigmaIdp.Rule("auth0_tenant_owner_invited");
        Assert.True(owner.Fires("auth0", Log("sapi", "Create tenant invitations for a given client", ManagementApi("""{"owners":["new.admin@example.net"],"roles":["owner"]}"""))));
        Assert.False(owner.Fires("auth0", Log("sapi", "Create tenant invitations for a given client", ManagementApi("""{"owners":["new.admin@example.net"],"roles":["viewer"]}"""))));
    }

    [Fact]
    public void TokenAndSignupRules_FireOnTheirTypeCodesOnly()
    {
        var reuse = SigmaIdp.Rule("auth0_reused_refresh_token");
        Assert.True(reuse.Fires("auth0", Stream(Log("ferrt", "Unsuccessful Refresh Token exchange, reused refresh token detected"))));
        Assert.False(reuse.Fires("auth0", Stream(Log("sertft", "Successful Refresh Token exchange"))));

        var signup = SigmaIdp.Rule("auth0_signup_disposable_mail");
        Assert.True(signup.Fires("auth0", Stream(Log("ss", "", user: "x7q@mailinator.com"))));
        Assert.False(signup.Fires("auth0", Stream(Log("ss", "", user: "kim@example.com"))));
        Assert.False(signup.Fires("auth0", Stream(Log("fs", "", user: "x7q@mailinator.com"))));
    }

    [Fact]
    public void OktaEventsWithTheSameMembers_AreNotAuth0s()
    {
        // An Okta LogEvent carrying a "type" member (it has none; an extension may add one) is still Okta's.
        var rule = SigmaIdp.Inline("product: auth0\nservice: oidc_oauth2", "selection:\n  type: ferrt\ncondition: selection");
        Assert.False(rule.Fires("okta", """
            {"uuid":"9f1b5c2e-0000-4000-8000-000000000001","published":"2026-11-30T09:00:00Z","eventType":"user.session.start","type":"ferrt",
             "actor":{"id":"00u1","type":"User","alternateId":"kim@example.com"},"client":{"ipAddress":"192.0.2.9"},"outcome":{"result":"SUCCESS"}}
            """));
    }
}
