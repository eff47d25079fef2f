using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// Sigma filters (Sigma filters specification 2.0, and 2.2's <c>rules: any</c>): a site's tuning of rules it does not
/// edit, applied by id or name to Sigma rules of the filter's logsource, its fields read through each rule's mapping,
/// on Kubernetes audit, Okta, Auth0 and GKE Cloud Audit Logs rules; beside correlations; and every way a filter can be
/// wrong as an error naming file, line and filter, the rules it names still loading.
/// </summary>
public sealed class SigmaFilterTests
{
    private const string DeniedId = "5638f7c0-ac70-491d-8465-2a65075e0d86";
    private const string FilterId = "f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b";

    private static readonly string Denied = SigmaSamples.DeniedRequest(DeniedId, "denied_request", "high", "Denied API request");

    private static readonly string SecretRead = SigmaSamples.KubernetesAudit(
        "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8", "Secret read", "verb: get\nobjectRef.resource: secrets\nresponseStatus.code: 200", "high", name: "secret_read");

    // The specification's example, shaped for Kubernetes audit: the site's CI service accounts are expected to be refused.
    private static string Filter(string rules = $"- {DeniedId}", string selection = "user.username|startswith: 'system:serviceaccount:ci:'",
        string logsource = "product: kubernetes\n    service: audit", string condition = "selection", string id = FilterId, string extra = "") => $"""
        title: Filter the CI service accounts
        id: {id}
        description: Our CI's service accounts probe what they may do; their refusals are expected
        {extra}logsource:
            {logsource}
        filter:
            rules:
        {string.Join('\n', rules.Split('\n').Select(r => "        " + r))}
            selection:
                {selection}
            condition: {condition}
        """;

    private static RuleLoadResult Load(params string[] files) => SigmaCorrelationTests.Load(files);

    private static Rule Loaded(RuleLoadResult result, string id)
    {
        Assert.Empty(result.Errors);
        return Assert.Single(result.Rules, r => r.Id == id);
    }

    private static AccessEvent DeniedFor(string user, int minute = 0) =>
        Audit("get", "secrets", "payments", "db", user: user, code: 403, time: Events.T0.AddMinutes(minute));

    [Fact]
    public void SpecExample_ById_ExcludesTheFilteredEvents_OtherEventsAndRulesUnchanged()
    {
        var result = Load(Denied, SecretRead, Filter());
        var denied = Loaded(result, DeniedId);
        Assert.Equal([FilterId], denied.Filters);
        Assert.True(denied.Matches(DeniedFor("eve@example.com")));
        Assert.False(denied.Matches(DeniedFor("system:serviceaccount:ci:deployer")));
        Assert.True(denied.Matches(DeniedFor("system:serviceaccount:shop:web")));

        var read = Assert.Single(result.Rules, r => r.Name == "secret_read");
        Assert.Empty(read.Filters);
        Assert.True(read.Matches(Audit("get", "secrets", "payments", "db", user: "system:serviceaccount:ci:deployer")));
    }

    [Fact]
    public void ByName_InAnotherFile_ReadFirst_AndTwoFiltersOnOneRule_BothExclude()
    {
        var byName = Filter("- denied_request");
        var second = Filter("- denied_request", "user.groups: 'system:masters'", id: "second-filter");
        var result = Load(byName, second, Denied);
        var denied = Loaded(result, DeniedId);
        Assert.Equal([FilterId, "second-filter"], denied.Filters);
        Assert.False(denied.Matches(DeniedFor("system:serviceaccount:ci:deployer")));
        var admin = Audit("get", "secrets", "payments", "db", user: "root@example.com", code: 403, extra: """{"user":{"username":"root@example.com","groups":["system:masters"]}}""");
        Assert.False(denied.Matches(admin));
        Assert.True(denied.Matches(DeniedFor("eve@example.com")));
    }

    [Fact]
    public void FilterCondition_IsItsOwn_NotAndSeveralSelections()
    {
        // "Exclude everyone but the break-glass account": the filter's condition is negated as a whole.
        var result = Load(Denied, Filter(selection: "user.username: breakglass@example.com\n    other:\n        verb: list", condition: "not selection and not other"));
        var denied = Loaded(result, DeniedId);
        Assert.True(denied.Matches(DeniedFor("breakglass@example.com")));
        Assert.False(denied.Matches(DeniedFor("eve@example.com")));
        Assert.True(denied.Matches(Audit("list", "secrets", "payments", null, user: "eve@example.com", code: 403)));
    }

    [Fact]
    public void RulesAny_AppliesToEveryRuleOfItsLogsource_NotOthers()
    {
        var okta = SigmaIdp.RuleText("product: okta\nservice: okta", "selection:\n    eventtype: user.session.start\ncondition: selection");
        var result = Load(Denied, SecretRead, okta, Filter("any"));
        Assert.Empty(result.Errors);
        Assert.All(result.Rules.Where(r => r.Format == RuleFormats.Sigma && r.Kinds.Contains(EventKinds.K8sAudit)), r => Assert.Equal([FilterId], r.Filters));
        Assert.Empty(Assert.Single(result.Rules, r => r.Kinds.Contains(EventKinds.AuthLogin)).Filters);

        var none = Assert.Single(Load(okta, Filter("any")).Errors);
        Assert.Contains("applies to 'any' rule of its logsource (category: -, product: kubernetes, service: audit), and no loaded Sigma rule is of it", none.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Okta_TheFiltersFieldsReadThroughOktasMapping()
    {
        var rule = SigmaIdp.RuleText("product: okta\nservice: okta", "selection:\n    eventtype: user.session.start\n    outcome.result: FAILURE\ncondition: selection")
            .Replace("title: T", "title: Okta sign-in failed\nname: okta_signin_failed", StringComparison.Ordinal);
        var filter = Filter("- okta_signin_failed", "actor.alternateid|endswith: '@svc.example.org'", "product: okta\n    service: okta");
        var failed = Loaded(Load(rule, filter), "00000000-0000-4000-8000-000000000001");
        Assert.True(failed.Matches(IdpRecords.Okta("user.session.start", "dana.ruiz@example.org", "198.51.100.23", IdpRecords.T0, result: "FAILURE")));
        Assert.False(failed.Matches(IdpRecords.Okta("user.session.start", "backup@svc.example.org", "198.51.100.23", IdpRecords.T0, result: "FAILURE")));
    }

    [Fact]
    public void Auth0_AndGcp_EachOfItsOwnLogsourceAndFields()
    {
        var auth0 = SigmaIdp.RuleText("product: auth0\nservice: mfa", "selection:\n    data.type: gd_send_pn\ncondition: selection");
        var auth0Filter = Filter("any", "data.ip|cidr: 192.0.2.0/24", "product: auth0");
        var push = Loaded(Load(auth0, auth0Filter), "00000000-0000-4000-8000-000000000001");
        Assert.True(push.Matches(IdpRecords.Auth0("gd_send_pn", "lee.park@example.org", "203.0.113.9", IdpRecords.T0)));
        Assert.False(push.Matches(IdpRecords.Auth0("gd_send_pn", "lee.park@example.org", "192.0.2.77", IdpRecords.T0)));

        // GKE entries: Elastic's names through the gcp.audit mapping; a webhook-only field name is no GCP field.
        var gcp = SigmaIdp.RuleText("product: gcp\nservice: gcp.audit", "selection:\n    gcp.audit.method_name: io.k8s.core.v1.secrets.list\ncondition: selection");
        var gcpFilter = Filter("any", "gcp.audit.authentication_info.principal_email|endswith: '.iam.gserviceaccount.com'", "product: gcp\n    service: gcp.audit");
        Assert.Equal([FilterId], Loaded(Load(gcp, gcpFilter), "00000000-0000-4000-8000-000000000001").Filters);
        var wrongField = Assert.Single(Load(gcp, Filter("any", "user.username: x", "product: gcp")).Errors);
        Assert.Contains("for rule '00000000-0000-4000-8000-000000000001' (category: -, product: gcp, service: gcp.audit)", wrongField.Reason, StringComparison.Ordinal);
        Assert.Equal(FilterId, wrongField.RuleId);
    }

    [Fact]
    public void Entra_SignInRule_TheCorporateEgressRangeFilteredOut_InEitherFieldSpelling()
    {
        var rule = SigmaIdp.RuleText("product: azure\nservice: signinlogs", "selection:\n    ResultType: 50126\ncondition: selection");
        foreach (var field in new[] { "IPAddress", "properties.ipAddress" })
        {
            // SigmaHQ writes Log Analytics' column or Azure Monitor's path; the filter reads either as the rule does.
            var filtered = Loaded(Load(rule, Filter("any", $"{field}|cidr: 198.51.100.0/24", "product: azure\n    service: signinlogs")), "00000000-0000-4000-8000-000000000001");
            Assert.True(filtered.Matches(IdpRecords.EntraSignIn("kim.lee@contoso.example", "203.0.113.50", IdpRecords.T0, code: 50126)));
            Assert.False(filtered.Matches(IdpRecords.EntraSignIn("kim.lee@contoso.example", "198.51.100.7", IdpRecords.T0, code: 50126)));
        }

        // An audit-log filter is not of the sign-ins' service.
        var other = Assert.Single(Load(rule, Filter("any", "IPAddress|cidr: 198.51.100.0/24", "product: azure\n    service: auditlogs")).Errors);
        Assert.Contains("no loaded Sigma rule is of it", other.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Correlation_CountsOnlyWhatItsFilteredRuleStillMatches()
    {
        var correlation = """
            title: Many denied requests
            id: c0e95725-7320-415d-80f7-004da920fc11
            correlation:
                type: event_count
                rules: [denied_request]
                group-by: [objectRef.namespace]
                timespan: 10m
                condition: {gte: 3}
            level: high
            """;
        var detector = SigmaCorrelationTests.Detector(Denied, correlation, Filter());
        var output = new List<Contribution>();
        detector.Evaluate(DeniedFor("system:serviceaccount:ci:a", 0), output);
        detector.Evaluate(DeniedFor("system:serviceaccount:ci:b", 1), output);
        detector.Evaluate(DeniedFor("eve@example.com", 2), output);
        detector.Evaluate(DeniedFor("system:serviceaccount:ci:c", 3), output);
        Assert.Empty(output);
        detector.Evaluate(DeniedFor("bob@example.com", 4), output);
        detector.Evaluate(DeniedFor("mallory@example.com", 5), output);
        Assert.Contains("3 events of denied_request", Assert.Single(output).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ADocumentWithAFilter_WasNotARuleBefore_AndIsNoRuleNow()
    {
        var result = Load(Denied, Filter());
        Assert.Single(result.Rules);
        Assert.DoesNotContain(result.Rules, r => r.Id == FilterId);
    }

    [Theory]
    [InlineData("rules:nobody", "references 'nobody', but no loaded rule has that id or name")]
    [InlineData("rules:many_denied", "references 'many_denied', a correlation: a filter applies to Sigma rules of its logsource")]
    [InlineData("rules:k8s-ztstream-rule", "references 'k8s-ztstream-rule', a ztstream rule: a filter applies to Sigma rules of its logsource")]
    [InlineData("rules:okta_rule", "references 'okta_rule', whose logsource (category: -, product: okta, service: okta) is not the filter's (category: -, product: kubernetes, service: audit)")]
    [InlineData("rules:[]", "'rules' is empty: name the rules the filter applies to, or write 'any'")]
    [InlineData("rules:", "the filter needs 'rules'")]
    [InlineData("selection:user.username|nosuchmod: x", "nosuchmod")]
    [InlineData("extra:level: low", "a filter has no 'level'")]
    [InlineData("extra:tags: [x]", "unknown filter key 'tags'")]
    [InlineData("extra:detection: {s: {verb: get}, condition: s}", "a document is a rule (detection) or a filter, not both")]
    [InlineData("condition:", "the filter needs a 'condition'")]
    [InlineData("logsource:category: process_creation\n    product: windows", "whose logsource (category: -, product: kubernetes, service: audit) is not the filter's (category: process_creation, product: windows, service: -)")]
    public void Errors_NameFileLineAndFilter_TheRulesStillLoad(string change, string reason)
    {
        var (what, value) = (change[..change.IndexOf(':', StringComparison.Ordinal)], change[(change.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        var filter = what switch
        {
            "rules" => value.Length == 0
                ? Filter().Replace($"    rules:\n        - {DeniedId}\n", "", StringComparison.Ordinal)
                : value.StartsWith('[') ? Filter().Replace($"rules:\n        - {DeniedId}", "rules: " + value, StringComparison.Ordinal) : Filter("- " + value),
            "selection" => Filter(selection: value),
            "extra" => Filter(extra: value + "\n"),
            "condition" => Filter().Replace("    condition: selection\n", "", StringComparison.Ordinal).Replace("    condition: selection", "", StringComparison.Ordinal),
            _ => Filter(logsource: value),
        };
        Assert.NotEqual(Filter(), filter);
        var others = new[]
        {
            Denied,
            "title: Many denied\nid: many_denied\ncorrelation:\n    type: event_count\n    rules: [denied_request]\n    group-by: []\n    timespan: 5m\n    condition: {gte: 3}\n",
            "id: k8s-ztstream-rule\ntitle: Z\nseverity: low\ndetection:\n  s:\n    kind: k8s.audit\n  condition: s\n",
            SigmaIdp.RuleText("product: okta\nservice: okta", "selection:\n    eventtype: user.session.start\ncondition: selection").Replace("id: 00000000-0000-4000-8000-000000000001", "id: 00000000-0000-4000-8000-000000000002\nname: okta_rule", StringComparison.Ordinal),
        };
        var result = Load([.. others, filter]);
        var error = Assert.Single(result.Errors);
        Assert.Equal("set4.yml", error.File);
        Assert.Equal(FilterId, error.RuleId);
        Assert.True(error.Line > 0);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal(4, result.Rules.Count);
        Assert.All(result.Rules, r => Assert.Empty(r.Filters));
    }
}
