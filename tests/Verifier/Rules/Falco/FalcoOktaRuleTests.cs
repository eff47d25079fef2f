using static ZtStream.Verifier.Tests.Rules.Falco.FalcoOktaTestData;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;
using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Rules of <c>source: okta</c>: falcosecurity's okta_rules.yaml loaded unchanged and evaluated on Okta System Log
/// events as Ingest keeps them, the okta plugin's fields (plugins/okta/pkg/okta/okta.go) on LogEvents in varied
/// shapes, and the confinement of each source's rules to its own events.
/// </summary>
public sealed class FalcoOktaRuleTests
{
    private static readonly string[] EnabledInFile =
    [
        "User has been locked out in OKTA", "User has been suspended in OKTA", "Admin permission has been assigned to a user in OKTA",
        "Creating a new OKTA API token", "User accessing OKTA admin section", "removing MFA factor from user in OKTA",
        "removing all MFA factor from user in OKTA", "User password reset by OKTA admin", "User hitting the rate limit on requests in OKTA",
        "User initiating impersonation session in OKTA", "Too many failed MFA in last 5min", "Too many denied MFA Pushes in last 5min",
    ];

    private const string TargetUser = ""","target":[{"id":"00u2bo7Qw1Lx","type":"User","alternateId":"bo.lind@example.org","displayName":"Bo Lind","detailEntry":null}]""";

    [Fact]
    public void OktaRulesFile_LoadsWithoutErrors_ItsRulesIndexedUnderTheIdentityKindsOnly()
    {
        var result = FalcoRuleLoader.Load([RulesFile(RulesOkta)], out var disabled);

        Assert.Empty(result.Errors);
        Assert.Equal(EnabledInFile, result.Rules.Select(r => r.Id));
        Assert.Equal(9, disabled.Count);
        Assert.All(result.Rules, r => Assert.Equal(IdentityProviderEvents.Kinds, r.Kinds));
        Assert.All(result.Rules, r => Assert.DoesNotContain(EventKinds.K8sAudit, r.Kinds));
        Assert.All(result.Rules, r => Assert.Equal(FalcoSource.Okta, ((FalcoRuleMatcher)r.Condition).Source));
        var set = new RuleSet(result.Rules);
        Assert.Equal(12, set.For(EventKinds.AuthAccountChange).Rules.Length);
        Assert.Empty(set.For(EventKinds.K8sAudit).Rules);
    }

    // Event types from Okta's event types catalog; the near miss is the neighbouring event of the same family.
    [Theory]
    [InlineData("User has been locked out in OKTA", "user.account.lock", "user.account.unlock", "", "A user has been locked out in OKTA (user=Dana Ruiz, ip=198.51.100.23)")]
    [InlineData("Admin permission has been assigned to a user in OKTA", "user.account.privilege.grant", "user.account.privilege.revoke", TargetUser, "A user has been locked out in OKTA (user=Dana Ruiz, ip=198.51.100.23, target user=Bo Lind)")]
    [InlineData("Creating a new OKTA API token", "system.api_token.create", "system.api_token.revoke", "", "A new OKTA API token has been created in OKTA (user=Dana Ruiz, ip=198.51.100.23)")]
    [InlineData("User accessing OKTA admin section", "user.session.access_admin_app", "user.session.start", "", "A user accessed the OKTA admin section of your OKTA instance (user=Dana Ruiz, ip=198.51.100.23)")]
    [InlineData("removing MFA factor from user in OKTA", "user.mfa.factor.deactivate", "user.mfa.factor.activate", "", "A user has removed MFA factor in the OKTA account (user=Dana Ruiz, ip=198.51.100.23)")]
    [InlineData("removing all MFA factor from user in OKTA", "user.mfa.factor.reset_all", "user.mfa.factor.deactivate", "", "A user has removed all MFA factor in the OKTA account (user=Dana Ruiz, ip=198.51.100.23)")]
    [InlineData("User password reset by OKTA admin", "user.account.reset_password", "user.account.update_password", TargetUser, "A user password has been reset by an OKTA Admin account (user=Dana Ruiz, ip=198.51.100.23, target user=Bo Lind)")]
    [InlineData("User hitting the rate limit on requests in OKTA", "system.org.rate_limit.violation", "system.org.rate_limit.warning", "", "A user has hitted the rate limit on requests in OKTA (user=Dana Ruiz, ip=198.51.100.23)")]
    [InlineData("User initiating impersonation session in OKTA", "user.session.impersonation.initiate", "user.session.impersonation.end", TargetUser, "A user has initiated an impersonation session in OKTA (user=Dana Ruiz, ip=198.51.100.23, target user=Bo Lind)")]
    public void EnabledRule_FiresOnItsOktaEvent_InAHookAndAnApiList_NotOnTheNearMiss(string rule, string eventType, string nearMiss, string extra, string output)
    {
        var rules = Load(RulesFile(RulesOkta)).Rules;
        var log = Log(eventType, extra: extra);

        Assert.Equal([(rule, output)], Run(rules, Events(OktaEventHook(log))));
        Assert.Equal([(rule, output)], Run(rules, Events(ApiList(log))));
        Assert.DoesNotContain(Run(rules, Events(OktaEventHook(Log(nearMiss, extra: extra)))), f => f.Rule == rule);
    }

    [Fact]
    public void SuspendedRule_MatchesItsLiteralEventType_WhichIsNotTheTypeOktaWritesForASuspension()
    {
        // The shipped rule tests "user.lifecycle.suspended"; Okta's catalog names the event "user.lifecycle.suspend".
        // Loaded unchanged, the rule means what it says: a local override can fix it (see the next test's pattern).
        var rules = Load(RulesFile(RulesOkta)).Rules;

        Assert.Equal(
            [("User has been suspended in OKTA", "A user has been suspended in OKTA (user=Dana Ruiz, ip=198.51.100.23, target user=Bo Lind)")],
            Run(rules, Events(OktaEventHook(Log("user.lifecycle.suspended", extra: TargetUser)))));
        Assert.Empty(Run(rules, Events(OktaEventHook(Log("user.lifecycle.suspend", extra: TargetUser)))));
    }

    [Fact]
    public void LocalRulesFile_EnablesOverridesAndExtendsTheShippedOktaRules()
    {
        var local = ("okta_local.yaml", """
            - rule: User has been suspended in OKTA
              condition: okta.evt.type in (user.lifecycle.suspend, user.lifecycle.suspended)
              override:
                condition: replace
            - rule: Creating a new OKTA user account
              enabled: true
            - list: allowed_countries_list
              items: [France, Germany]
              override:
                items: replace
            - rule: Detecting unknown logins using geolocation
              enabled: true
            - rule: User has been locked out in OKTA
              exceptions:
                - name: service_accounts
                  fields: [okta.actor.alternateid, okta.client.ip]
                  values:
                    - [svc-ci@example.org, 198.51.100.23]
              append: true
            """);
        var result = Load(RulesFile(RulesOkta), local);
        Assert.Empty(result.Errors);

        var fired = Run(result.Rules, Events(OktaEventHook(
            Log("user.lifecycle.suspend", extra: TargetUser),
            Log("user.lifecycle.create", extra: TargetUser),
            Log("user.session.start", client: Client.Replace("France", "Brazil", StringComparison.Ordinal)),
            Log("user.session.start"),
            Log("user.account.lock"))));

        Assert.Equal(
            [
                ("User has been suspended in OKTA", "A user has been suspended in OKTA (user=Dana Ruiz, ip=198.51.100.23, target user=Bo Lind)"),
                ("Creating a new OKTA user account", "A new OKTA user account created (user=Dana Ruiz, target user=Bo Lind)"),
                ("Detecting unknown logins using geolocation", "A user logged in OKTA from a suspicious country (user=Dana Ruiz, ip=198.51.100.23, country=Brazil)"),
                ("User has been locked out in OKTA", "A user has been locked out in OKTA (user=Dana Ruiz, ip=198.51.100.23)"),
            ],
            fired);

        // The exception's tuple: the same lock by the service account from its address raises nothing.
        var service = Log("user.account.lock").Replace("dana.ruiz@example.org", "svc-ci@example.org", StringComparison.Ordinal);
        Assert.Empty(Run(result.Rules, Events(OktaEventHook(service))));
    }

    [Fact]
    public void OktaRule_NeverReadsKubernetesAuditOrOtherProvidersEvents_AndK8sRulesNeverReadOkta()
    {
        var rules = LoadClean(Rule("okta.evt.type exists or okta.actor.id exists or not okta.client.ip exists", "%okta.evt.type", "Any Okta") + """
            - rule: Any Audit
              desc: d
              condition: ka.verb exists or not ka.user.name exists
              output: "%ka.verb"
              priority: WARNING
              source: k8s_audit
            """);
        var audit = FalcoTestData.Event("""{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"get","user":{"username":"eve"},"eventType":"user.account.lock","actor":{"id":"00u1"}}""");
        var auth0 = IdpRuleEvents("auth0", """[{"log_id":"90020240506","data":{"date":"2026-11-30T09:12:43.512Z","type":"s","eventType":"user.account.lock","user_id":"auth0|1","user_name":"a@example.org","ip":"192.0.2.4","actor":{"id":"00u1"}}}]""");
        var entra = IdpRuleEvents("entra", """{"records":[{"time":"2026-11-30T09:12:43.512Z","operationName":"Sign-in activity","category":"SignInLogs","resultType":"0","properties":{"id":"5e0c","createdDateTime":"2026-11-30T09:12:43.512Z","userPrincipalName":"kim@contoso.example","ipAddress":"203.0.113.7","status":{"errorCode":0},"eventType":"user.account.lock"}}]}""");
        var okta = Events(OktaEventHook(Log("user.account.lock")));

        Assert.Equal([("Any Audit", "get")], Run(rules, [audit]));
        Assert.Empty(Run(rules, auth0));
        Assert.Empty(Run(rules, entra));
        Assert.Equal([("Any Okta", "user.account.lock")], Run(rules, okta));

        // A failed sign-in comes with its address and tenant twins, which carry no record: the rule fires once.
        var failedSignIn = Events(OktaEventHook(Log("user.session.start", result: "FAILURE", reason: "INVALID_CREDENTIALS")));
        Assert.Equal(3, failedSignIn.Count);
        Assert.Equal([("Any Okta", "user.session.start")], Run(rules, failedSignIn));
    }
}
