using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// SigmaHQ's own rules for the cloud logsources ZtStream maps (TestData/sigma-hq: Okta, Auth0, Entra ID sign-in and
/// audit logs, Identity Protection, GCP audit logs), loaded as published and run on vendor-shaped records through the readers
/// Ingest uses. The records follow the vendors' references (Okta's System Log LogEvent, Auth0's log event, Azure
/// Monitor's Entra ID export as elastic/integrations' azure fixtures show it), with invented names and documentation
/// addresses.
/// </summary>
public sealed class SigmaHqCloudRuleTests
{
    private static readonly Lazy<RuleLoadResult> Set = new(() =>
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read(CloudFolders, errors));
        Assert.Empty(errors);
        return result;
    });

    private static string Folder => Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq");

    /// <summary>
    /// Every folder of TestData/sigma-hq but Linux's (<see cref="SigmaHqLinuxProcessCreationTests"/>,
    /// <see cref="SigmaHqLinuxNetworkAndFileTests"/>, <see cref="SigmaHqLinuxEmergingThreatsTests"/>) and the hunting and
    /// emerging-threat ones <see cref="SigmaHqCloudHuntingTests"/> counts.
    /// </summary>
    private static IEnumerable<string> CloudFolders =>
        Directory.GetDirectories(Folder).Where(d => !Path.GetFileName(d).StartsWith("linux-", StringComparison.Ordinal))
            .Where(d => !SigmaHqCloudHuntingTests.Folders.Contains(Path.GetFileName(d))).Order(StringComparer.Ordinal);

    private static Rule Rule(string id) => Set.Value.Rules.Single(r => r.Id == id);

    [Fact]
    public void WholeFolder_LoadsExactlyTheRulesItShould_AndEveryFailureIsANamedReason()
    {
        var set = Set.Value;
        Assert.Equal(335, set.Rules.Count);

        // Each failure is one of the reasons docs/rules.md names for SigmaHQ's cloud rules, and no other.
        var failures = set.Errors.ToDictionary(e => Path.GetFileNameWithoutExtension(e.File), e => e.Reason, StringComparer.Ordinal);
        Assert.Equal(
            [
                "aws_cloudtrail_bedrock_put_use_case_for_model_access", "aws_cloudtrail_console_susp_login", "aws_cloudtrail_discovery_api_calls",
                "aws_secretsmanager_mass_secret_retrieval", "azure_ad_cross_tenant_user_provisioning", "azure_ad_password_spray_via_signinlogs",
                "azure_ad_self-assignment_privileged_role", "azure_ad_user_added_to_admin_role", "azure_mfa_disabled", "okta_mfa_fatigue",
            ],
            failures.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("logsource (category: -, product: azure, service: audit) has no field mapping", failures["azure_ad_cross_tenant_user_provisioning"], StringComparison.Ordinal);
        Assert.StartsWith("logsource (category: user_management, product: azure, service: entra_id) has no field mapping", failures["azure_ad_self-assignment_privileged_role"], StringComparison.Ordinal);
        Assert.Equal("'timeframe' belongs to Sigma's deprecated aggregations and is not supported", failures["azure_ad_password_spray_via_signinlogs"]);
        Assert.Equal("'timeframe' belongs to Sigma's deprecated aggregations and is not supported", failures["okta_mfa_fatigue"]);

        // CloudTrail and the Activity Log: a deprecated aggregation, fields of another log or a SIEM's enrichment, and two
        // SigmaHQ files sharing one id (the second is refused, not silently replacing the first).
        Assert.Contains("'| count() by userIdentity.arn > 20' is not supported", failures["aws_secretsmanager_mass_secret_retrieval"], StringComparison.Ordinal);
        Assert.Contains("field 'src_country' is not a field of an AWS CloudTrail record", failures["aws_cloudtrail_console_susp_login"], StringComparison.Ordinal);
        Assert.StartsWith("rule id already defined at ", failures["aws_cloudtrail_bedrock_put_use_case_for_model_access"], StringComparison.Ordinal);
        Assert.Contains("field 'eventSource' is not a field of an Azure Activity Log record", failures["azure_mfa_disabled"], StringComparison.Ordinal);
        Assert.Contains("field 'Operation' is not a field of an Azure Activity Log record", failures["azure_ad_user_added_to_admin_role"], StringComparison.Ordinal);
        Assert.All(set.Errors, e => Assert.True(e.Line > 0, e.File));
    }

    [Fact]
    public void EveryLoadedRule_IsConfinedToItsProvidersRecords()
    {
        foreach (var rule in Set.Value.Rules.Where(r => r.Correlation is null))
        {
            var file = rule.Origin.File.Replace('\\', '/');
            if (file.Contains("/azure-signinlogs/", StringComparison.Ordinal))
            {
                Assert.Equal([EventKinds.AuthLogin, EventKinds.AuthMfa], rule.Kinds.Order(StringComparer.Ordinal));
            }
            else if (file.Contains("/azure-auditlogs/", StringComparison.Ordinal))
            {
                Assert.DoesNotContain(EventKinds.AuthLogin, rule.Kinds);
                Assert.DoesNotContain(EventKinds.AuthRisk, rule.Kinds);
            }
            else if (file.Contains("/azure-identity-protection/", StringComparison.Ordinal))
            {
                Assert.Equal([EventKinds.AuthRisk], rule.Kinds);
            }
            else if (file.Contains("/aws-cloudtrail/", StringComparison.Ordinal) || file.Contains("/azure-activitylogs/", StringComparison.Ordinal))
            {
                // Each record is its caller's request: the identity kinds never reach these rules.
                Assert.Equal([EventKinds.AccessRequest], rule.Kinds);
                continue;
            }
            else if (file.Contains("/gcp-audit/", StringComparison.Ordinal))
            {
                // GKE's entries arrive as k8s.audit events carrying the entry; the identity kinds never reach these rules.
                Assert.Equal([EventKinds.K8sAudit, EventKinds.AccessRequest], rule.Kinds);
                continue;
            }

            Assert.DoesNotContain(EventKinds.K8sAudit, rule.Kinds);
        }
    }

    [Fact]
    public void ServiceAlone_MeansTheProductItBelongsTo_ButNeverAGenericServiceName()
    {
        // The specification makes every logsource part optional; a service that only one product has (okta, signinlogs,
        // auditlogs, gcp.audit) names its product, while audit, mfa or signup could be anyone's and stay errors.
        Assert.Equal(
            [EventKinds.AuthLogin, EventKinds.AuthMfa],
            SigmaIdp.Inline("service: signinlogs", "selection:\n  ResultType: 50053\ncondition: selection").Kinds.Order(StringComparer.Ordinal));
        Assert.Contains(EventKinds.IdpEvent, SigmaIdp.Inline("service: auditlogs", "selection:\n  OperationName: Update user\ncondition: selection").Kinds);
        Assert.Equal([EventKinds.K8sAudit, EventKinds.AccessRequest], SigmaIdp.Inline("service: gcp.audit", "selection:\n  gcp.audit.method_name: x\ncondition: selection").Kinds);

        Assert.Equal([EventKinds.AuthRisk], SigmaIdp.Inline("service: riskdetection", "selection:\n  riskEventType: x\ncondition: selection").Kinds);
        foreach (var service in new[] { "audit", "mfa", "signup" })
        {
            var error = SigmaIdp.ErrorOf($"service: {service}", "selection:\n  type: x\ncondition: selection");
            Assert.StartsWith($"logsource (category: -, product: -, service: {service}) has no field mapping", error.Reason, StringComparison.Ordinal);
        }

        // A product given is still required to be the service's own.
        SigmaIdp.ErrorOf("product: okta\nservice: signinlogs", "selection:\n  ResultType: 50053\ncondition: selection");
    }

    // --- Okta: System Log LogEvents, as an event hook delivers them ---

    private static string LogEvent(string eventType, string extra = "", string result = "SUCCESS") => $$"""
        {"uuid":"{{Guid.NewGuid()}}","published":"2026-11-30T09:12:43.512Z","eventType":"{{eventType}}","version":"0","severity":"INFO",
         "legacyEventType":"core.user_auth.login_success","displayMessage":"User login to Okta",
         "actor":{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"noor.haddad@example.org","displayName":"Noor Haddad"},
         "client":{"ipAddress":"198.51.100.23","userAgent":{"rawUserAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0","os":"Linux","browser":"FIREFOX"},"zone":"null"},
         "outcome":{"result":"{{result}}"},"authenticationContext":{"externalSessionId":"idxQx81Lm2"},
         "transaction":{"type":"WEB","id":"Zx1aBc2dEf"}{{extra}} }
        """;

    [Fact]
    public void OktaSessionThroughAnonymisingProxy_MatchesIsProxyTrue_NotADirectSession()
    {
        var rule = Rule("bde30855-5c53-4c18-ae90-1ff79ebc9578");
        Assert.True(rule.Fires("okta", OktaEventHook(LogEvent("user.session.start", ""","securityContext":{"asNumber":9009,"asOrg":"m247","isp":"m247","domain":"example.net","isProxy":true}"""))));
        Assert.False(rule.Fires("okta", OktaEventHook(LogEvent("user.session.start", ""","securityContext":{"asNumber":64496,"asOrg":"example isp","isp":"example isp","domain":"example.net","isProxy":false}"""))));
        Assert.False(rule.Fires("okta", OktaEventHook(LogEvent("user.session.start"))));
        Assert.False(rule.Fires("okta", OktaEventHook(LogEvent("user.session.end", ""","securityContext":{"isProxy":true}"""))));
    }

    [Fact]
    public void OktaMfaFactorDeactivated_MatchesTheDeactivation_NotAnActivation()
    {
        var rule = Rule("50e068d7-1e6b-4054-87e5-0a592c40c7e0");
        var target = ""","target":[{"id":"00u8f2kq1rTz5x0d7","type":"User","alternateId":"noor.haddad@example.org","displayName":"Noor Haddad"}]""";
        Assert.True(rule.Fires("okta", OktaEventHook(LogEvent("user.mfa.factor.deactivate", target))));
        Assert.True(rule.Fires("okta", $"[{LogEvent("user.mfa.factor.reset_all", target)}]"));
        Assert.False(rule.Fires("okta", OktaEventHook(LogEvent("user.mfa.factor.activate", target))));
    }

    [Fact]
    public void OktaApiTokenCreated_WithOnlyServiceOkta_LoadsAsAnOktaRule()
    {
        // The stored SigmaHQ version names `service: okta` without a product; it means Okta's System Log.
        var rule = Rule("19951c21-229d-4ccb-8774-b993c3ff3c5c");
        Assert.Contains(EventKinds.IdpEvent, rule.Kinds);
        Assert.True(rule.Fires("okta", OktaEventHook(LogEvent("system.api_token.create", ""","target":[{"id":"00Tabcdef1234","type":"Token","alternateId":"unknown","displayName":"ci-deploy"}]"""))));
        Assert.False(rule.Fires("okta", OktaEventHook(LogEvent("system.api_token.revoke"))));
    }

    [Fact]
    public void OktaNewAdminConsoleBehaviour_NeedsTheAdminConsoleTarget_AndAPositiveBehaviour()
    {
        var rule = Rule("a0b38b70-3cb5-484b-a4eb-c4d8e7bcc0a9");
        static string Evaluation(string app, string behaviors) => LogEvent("policy.evaluate_sign_on", $$$"""
            ,"target":[{"id":"0oa1k2l3m4","type":"AppInstance","alternateId":"{{{app}}}","displayName":"{{{app}}}"},{"id":"rul9z8y7","type":"Rule","alternateId":"unknown","displayName":"Catch-all Rule"}],
             "debugContext":{"debugData":{"requestUri":"/app/okta_admin_console/sso","behaviors":"{{{behaviors}}}","risk":"{level=MEDIUM}"}}
            """);

        Assert.True(rule.Fires("okta", OktaEventHook(Evaluation("Okta Admin Console", "{New Geo-Location=POSITIVE, New Device=NEGATIVE, New IP=POSITIVE}"))));
        Assert.False(rule.Fires("okta", OktaEventHook(Evaluation("Okta Admin Console", "{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE}"))));
        Assert.False(rule.Fires("okta", OktaEventHook(Evaluation("Okta Dashboard", "{New Geo-Location=POSITIVE, New Device=NEGATIVE, New IP=POSITIVE}"))));
    }

    // Written with Elastic's okta.event_type beside the LogEvent's own debugContext under okta.: both are the LogEvent's paths.
    [Fact]
    public void OktaImpossibleTravel_ElasticsEventTypeName_MatchesAVelocityPositiveSignOn()
    {
        var rule = Rule("7e302f6b-533d-4f57-8041-0480773744ff");
        static string SignOn(string type, string behaviors) => LogEvent(type, $$$"""
            ,"debugContext":{"debugData":{"requestUri":"/idp/idx/authenticators/poll","behaviors":"{{{behaviors}}}"}}
            """);

        Assert.True(rule.Fires("okta", OktaEventHook(SignOn("user.session.start", "{New Geo-Location=POSITIVE, Velocity=POSITIVE, New IP=POSITIVE}"))));
        // The rule's other type, policy.evaluate.sign_on, is no Okta event type (Okta's is policy.evaluate_sign_on):
        // as written it matches the session start only (docs/rules.md).
        Assert.False(rule.Fires("okta", OktaEventHook(SignOn("policy.evaluate_sign_on", "{Velocity=POSITIVE}"))));
        Assert.False(rule.Fires("okta", OktaEventHook(SignOn("user.session.start", "{New Geo-Location=POSITIVE, Velocity=NEGATIVE}"))));
        Assert.False(rule.Fires("okta", OktaEventHook(SignOn("user.account.lock", "{Velocity=POSITIVE}"))));
    }

    // --- Entra ID: Azure Monitor exports (one record, or {"records":[…]}) and Log Analytics rows ---

    private static string SignIn(string resultType, string description, string properties = "", string status = "") => $$$"""
        {"time":"2026-11-30T08:01:02.345Z","resourceId":"/tenants/0d3c4b5a-0000-4000-8000-000000000042/providers/Microsoft.aadiam","operationName":"Sign-in activity",
         "operationVersion":"1.0","category":"SignInLogs","tenantId":"0d3c4b5a-0000-4000-8000-000000000042","resultType":"{{{resultType}}}","resultSignature":"None",
         "resultDescription":"{{{description}}}","durationMs":0,"callerIpAddress":"203.0.113.91","correlationId":"7e1f0c2d-0000-4000-8000-000000000001","identity":"Ravi Patel","Level":4,
         "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"2026-11-30T08:01:02.345Z","userDisplayName":"Ravi Patel","userPrincipalName":"ravi.patel@contoso.example",
          "userId":"3a4b5c6d-0000-4000-8000-000000000007","ipAddress":"203.0.113.91","isInteractive":true,
          "status":{"errorCode":{{{resultType}}},"failureReason":"{{{description}}}"{{{status}}} }{{{properties}}} } }
        """;

    private static string Records(params string[] records) => $$"""{"records":[{{string.Join(',', records)}}]}""";

    [Fact]
    public void EntraAccountLockout_MatchesResultType50053_InTheExportAndTheLogAnalyticsRow()
    {
        var rule = Rule("2b7d6fc0-71ac-4cf7-8ed1-b5788ee5257a");
        Assert.True(rule.Fires("entra", Records(SignIn("50053", "Account is locked because user tried to sign in too many times with an incorrect user ID or password."))));
        Assert.True(rule.Fires("entra", """
            {"TimeGenerated":"2026-11-30T08:01:02Z","Type":"SigninLogs","Category":"SignInLogs","Id":"5f6e7d8c-0000-4000-8000-000000000011","UserPrincipalName":"ravi.patel@contoso.example","IPAddress":"203.0.113.91",
             "ResultType":"50053","ResultDescription":"Account is locked","Status":{"errorCode":50053,"failureReason":"Account is locked"}}
            """));
        Assert.False(rule.Fires("entra", Records(SignIn("50126", "Error validating credentials due to invalid username or password."))));
    }

    [Fact]
    public void EntraSignInFromNonCompliantDevice_ReadsDeviceDetailUnderProperties()
    {
        var rule = Rule("4f77e1d7-3982-4ee0-8489-abf2d6b75284");
        static string Device(string compliant) => $$""","deviceDetail":{"deviceId":"9c8b7a6d-0000-4000-8000-000000000003","displayName":"RP-LAPTOP","operatingSystem":"Windows10","browser":"Edge 131.0.0","isCompliant":{{compliant}},"isManaged":true,"trustType":"Azure AD joined"}""";
        Assert.True(rule.Fires("entra", Records(SignIn("0", "", Device("false")))));
        Assert.False(rule.Fires("entra", Records(SignIn("0", "", Device("true")))));

        // A sign-in without a device record says nothing about compliance.
        Assert.False(rule.Fires("entra", Records(SignIn("0", ""))));
    }

    [Fact]
    public void EntraSprayTooling_NeedsTheFailure_TheFirstPartyClient_AndTheBareUserAgent()
    {
        var rule = Rule("7c26981b-492d-46ef-a7eb-719cd84e7a43");
        static string Client(string appId, string agent) => $$""","appId":"{{appId}}","appDisplayName":"Microsoft Azure CLI","userAgent":"{{agent}}","clientAppUsed":"Mobile Apps and Desktop clients" """;
        const string Cli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
        Assert.True(rule.Fires("entra", Records(SignIn("50126", "Error validating credentials due to invalid username or password.", Client(Cli, "Mozilla/5.0")))));
        Assert.False(rule.Fires("entra", Records(SignIn("50126", "Error validating credentials due to invalid username or password.", Client(Cli, "python/3.12.4 (Linux-6.8.0-x86_64) AZURECLI/2.66.0")))));
        Assert.False(rule.Fires("entra", Records(SignIn("0", "", Client(Cli, "Mozilla/5.0")))));
    }

    [Fact]
    public void EntraMfaDenied_FindsTheDenialInTheStatusObjectsText()
    {
        // `Status|contains` reads the sign-in's status object (errorCode, failureReason, additionalDetails) as its JSON text.
        var rule = Rule("e40f4962-b02b-4192-9bfe-245f7ece1f99");
        static string Mfa(string details, string requirement = "multiFactorAuthentication") => SignIn(
            "500121", "Authentication failed during strong authentication request.", $$""","authenticationRequirement":"{{requirement}}" """, $$""","additionalDetails":"{{details}}" """);

        Assert.True(rule.Fires("entra", Records(Mfa("MFA denied; user declined the authentication"))));
        Assert.False(rule.Fires("entra", Records(Mfa("MFA denied; user declined the authentication", "singleFactorAuthentication"))));
        Assert.False(rule.Fires("entra", Records(Mfa("MFA requirement satisfied by claim in the token"))));
    }

    [Fact]
    public void EntraSignInStatusSuccess_IsNoTextOfARealSignIn()
    {
        // A sign-in's status is an object, never the text `Success` (docs/rules.md): the rule requiring it matches
        // nothing, and the one written `not selection and not selection1` matches every sign-in, failed or not.
        Assert.False(Rule("28eea407-28d7-4e42-b0be-575d5ba60b2c").Fires("entra", Records(SignIn("0", "", ""","authenticationRequirement":"singleFactorAuthentication" """))));
        var failedFromElsewhere = Rule("28870ae4-6a13-4616-bd1a-235a7fad7458");
        Assert.True(failedFromElsewhere.Fires("entra", Records(SignIn("0", "", ""","location":{"city":"Leeds","countryOrRegion":"GB"}"""))));
        Assert.True(failedFromElsewhere.Fires("entra", Records(SignIn("50126", "Invalid username or password.", ""","location":{"city":"Lagos","countryOrRegion":"NG"}"""))));
    }

    private static string Audit(string activity, string category, string targetResources, string result = "success") => $$$"""
        {"time":"2026-11-30T08:05:00.123Z","resourceId":"/tenants/0d3c4b5a-0000-4000-8000-000000000042/providers/Microsoft.aadiam","operationName":"{{{activity}}}",
         "operationVersion":"1.0","category":"AuditLogs","tenantId":"0d3c4b5a-0000-4000-8000-000000000042","resultSignature":"None","durationMs":0,
         "callerIpAddress":"203.0.113.5","correlationId":"7e1f0c2d-0000-4000-8000-000000000002","identity":"Ops Admin","level":"Informational",
         "properties":{"id":"Directory_{{{Guid.NewGuid()}}}","category":"{{{category}}}","correlationId":"7e1f0c2d-0000-4000-8000-000000000002","result":"{{{result}}}","resultReason":"",
          "activityDisplayName":"{{{activity}}}","activityDateTime":"2026-11-30T08:05:00.123Z","loggedByService":"Core Directory","operationType":"Assign",
          "initiatedBy":{"user":{"id":"a1b2c3d4-0000-4000-8000-000000000005","userPrincipalName":"ops.admin@contoso.example","ipAddress":"203.0.113.5"}},
          "targetResources":[{{{targetResources}}}]}}
        """;

    private static string RoleTarget(string role) => $$"""
        {"id":"3a4b5c6d-0000-4000-8000-000000000007","type":"User","userPrincipalName":"ravi.patel@contoso.example",
         "modifiedProperties":[{"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"{{role}}\""},{"displayName":"Role.TemplateId","oldValue":null,"newValue":"\"62e90394-69f5-4237-9190-012177145e10\""}]}
        """;

    [Fact]
    public void EntraUserAddedToAdminRole_ReadsOperationName_AndTheRoleInTargetResources()
    {
        var rule = Rule("ebbeb024-5b1d-4e16-9c0c-917f86c708a7");
        Assert.True(rule.Fires("entra", Audit("Add member to role", "RoleManagement", RoleTarget("Global Administrator"))));
        Assert.True(rule.Fires("entra", Records(Audit("Add member to role", "RoleManagement", RoleTarget("Exchange Administrator")))));
        Assert.False(rule.Fires("entra", Audit("Add member to role", "RoleManagement", RoleTarget("Reports Reader"))));
        Assert.False(rule.Fires("entra", Audit("Remove member from role", "RoleManagement", RoleTarget("Global Administrator"))));
    }

    [Fact]
    public void EntraFederatedCredentialAdded_SearchesTheModifiedPropertiesOfAnApplicationUpdate()
    {
        var rule = Rule("6e6bffed-fc61-4943-b0f4-6f072c8c3ddc");
        static string App(string property) => $$"""
            {"id":"5d6e7f80-0000-4000-8000-000000000009","type":"Application","displayName":"payments-deployer",
             "modifiedProperties":[{"displayName":"{{property}}","oldValue":"[]","newValue":"[{\"Issuer\":\"https://token.actions.example.com\",\"Subject\":\"repo:acme/payments:ref:refs/heads/main\"}]"},
              {"displayName":"Included Updated Properties","oldValue":null,"newValue":"\"{{property}}\""}]}
            """;

        Assert.True(rule.Fires("entra", Audit("Update application", "ApplicationManagement", App("FederatedIdentityCredentials"))));
        Assert.False(rule.Fires("entra", Audit("Update application", "ApplicationManagement", App("AppAddress"))));
        Assert.False(rule.Fires("entra", Audit("Add application", "ApplicationManagement", App("FederatedIdentityCredentials"))));
    }

    [Fact]
    public void EntraMfaDisabled_NeedsTheSuccessfulDisable()
    {
        var rule = Rule("7ea78478-a4f9-42a6-9dcd-f861816122bf");
        var user = """{"id":"3a4b5c6d-0000-4000-8000-000000000007","type":"User","userPrincipalName":"ravi.patel@contoso.example","modifiedProperties":[]}""";
        Assert.True(rule.Fires("entra", Audit("Disable Strong Authentication", "UserManagement", user)));
        Assert.False(rule.Fires("entra", Audit("Disable Strong Authentication", "UserManagement", user, result: "failure")));
        Assert.False(rule.Fires("entra", Audit("Enable Strong Authentication", "UserManagement", user)));
    }

    [Fact]
    public void EntraPropertiesMessage_IsNoMemberOfARealAuditRecord_SoThoseRulesMatchNothing()
    {
        // SigmaHQ's older Entra audit rules select `properties.message: <activity>`; no sign-in or audit record (export,
        // Log Analytics or Graph) has a `message`: loaded as written, they match nothing real (docs/rules.md).
        var rule = Rule("74298991-9fc4-460e-a92e-511aa60baec1");
        var app = """{"id":"5d6e7f80-0000-4000-8000-000000000009","type":"Application","displayName":"payments-deployer","modifiedProperties":[]}""";
        Assert.False(rule.Fires("entra", Audit("Add owner to application", "ApplicationManagement", app)));
    }

    // --- GCP: GKE's Cloud Audit Logs entries, as Ingest maps them ---

    [Fact]
    public void GkeRoleBindingAndSecretRules_MatchGkesMethodNames_NotAWebhookEvent()
    {
        var binding = Rule("0322d9f2-289a-47c2-b5e1-b63c90901a3e");
        Assert.True(binding.Fires("k8s-audit", GcpAuditLogsourceTests.Entry("io.k8s.authorization.rbac.v1.clusterrolebindings.create", "rbac.authorization.k8s.io/v1/clusterrolebindings/ci-admin")));
        Assert.False(binding.Fires("k8s-audit", GcpAuditLogsourceTests.Entry("io.k8s.authorization.rbac.v1.clusterrolebindings.get", "rbac.authorization.k8s.io/v1/clusterrolebindings/ci-admin")));

        var secrets = Rule("2f0bae2d-bf20-4465-be86-1311addebaa3");
        Assert.True(secrets.Fires("k8s-audit", GcpAuditLogsourceTests.Entry("io.k8s.core.v1.secrets.delete", "core/v1/namespaces/shop/secrets/db")));
        Assert.False(secrets.Fires("k8s-audit", GcpAuditLogsourceTests.Entry("io.k8s.core.v1.secrets.get", "core/v1/namespaces/shop/secrets/db")));

        // The webhook's own Event of the same call is not a GCP entry.
        Assert.False(secrets.Fires("k8s-audit", """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"4f1b2c3d-0000-4000-8000-000000000021","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/shop/secrets/db","verb":"delete","user":{"username":"dana.ruiz@retail.example","groups":["system:authenticated"]},
             "sourceIPs":["198.51.100.14"],"objectRef":{"resource":"secrets","namespace":"shop","name":"db","apiVersion":"v1"},"responseStatus":{"code":200},
             "requestReceivedTimestamp":"2026-12-01T03:20:00.100000Z","stageTimestamp":"2026-12-01T03:20:00.120000Z"}
            """));
    }

    // --- Auth0: log events, as a log stream posts them ({log_id, data}) and as the Management API lists them ---

    private static string Auth0Log(string type, string description, string extra = "") => $$$"""
        {"log_id":"900{{{Guid.NewGuid():N}}}","data":{"date":"2026-11-30T09:15:00.412Z","type":"{{{type}}}","description":"{{{description}}}",
         "client_id":"k3Jd8sQ2mZx7Lp0aVb4nC6tY1uR9wE5h","client_name":"Storefront","ip":"192.0.2.61","user_agent":"Chrome 131.0.0 / Windows 10.0.0",
         "user_id":"auth0|65a1b2c3d4e5f60718293a4b","user_name":"mei.tanaka@example.com","tenant_name":"acme-shop","log_id":"900{{{Guid.NewGuid():N}}}"{{{extra}}} } }
        """;

    private static string ManagementApi(string path, string request, string response) => $$$"""
        ,"details":{"request":{"method":"patch","path":"{{{path}}}","channel":"https://manage.auth0.com/","ip":"192.0.2.61",
          "auth":{"user":{"user_id":"google-oauth2|1029384756","name":"Ops Admin","email":"ops@example.com"},"strategy":"jwt","credentials":{"jti":"9f8e7d6c"}},
          "body":{{{request}}} },"response":{"statusCode":200,"body":{{{response}}} } }
        """;

    [Fact]
    public void Auth0PushFatigue_MatchesAGuardianPush_NotAnSms()
    {
        var rule = Rule("86c33ec8-af3e-483a-9686-d61d601081b8");
        Assert.True(rule.Fires("auth0", $"[{Auth0Log("gd_send_pn", "Guardian - Second factor notification sent")}]"));
        Assert.False(rule.Fires("auth0", $"[{Auth0Log("gd_send_sms", "Guardian - Second factor sms sent")}]"));
    }

    [Fact]
    public void Auth0InsecureGrants_MatchAClientUpdateAllowingPasswordOrImplicit()
    {
        var rule = Rule("655f4e60-b10f-4ba7-a3ab-9a87cedabb07");
        static string Update(string grants) => Auth0Log("sapi", "Update a client", ManagementApi(
            "/api/v2/clients/k3Jd8sQ2mZx7Lp0aVb4nC6tY1uR9wE5h",
            $$"""{"grant_types":{{grants}}}""",
            $$"""{"client_id":"k3Jd8sQ2mZx7Lp0aVb4nC6tY1uR9wE5h","name":"Storefront","grant_types":{{grants}}}"""));

        Assert.True(rule.Fires("auth0", $"[{Update("""["authorization_code","refresh_token","password"]""")}]"));
        Assert.True(rule.Fires("auth0", $"[{Update("""["implicit"]""")}]"));
        Assert.False(rule.Fires("auth0", $"[{Update("""["authorization_code","refresh_token"]""")}]"));
    }

    [Fact]
    public void Auth0BreachedPasswordDetection_MatchesDisabledOrNotBlocking_NotFullyBlocking()
    {
        var rule = Rule("412ccc61-54a4-488c-a5c5-f1e58a64bdcb");
        static string Settings(string enabled, string loginShields, string signupShields) => Auth0Log("sapi", "Update Breached Password Detection settings", ManagementApi(
            "/api/v2/attack-protection/breached-password-detection",
            $$"""{"enabled":{{enabled}}}""",
            $$$$"""{"enabled":{{{{enabled}}}},"shields":{{{{loginShields}}}},"admin_notification_frequency":["daily"],"method":"standard","stage":{"pre-user-registration":{"shields":{{{{signupShields}}}} } } }"""));

        Assert.True(rule.Fires("auth0", $"[{Settings("false", """["block","user_notification"]""", """["block"]""")}]"));
        Assert.True(rule.Fires("auth0", $"[{Settings("true", """["user_notification"]""", """["block"]""")}]"));
        Assert.True(rule.Fires("auth0", $"[{Settings("true", """["block"]""", "[]")}]"));
        Assert.False(rule.Fires("auth0", $"[{Settings("true", """["block","user_notification"]""", """["block","admin_notification"]""")}]"));
    }

    [Fact]
    public void Auth0MfaPoliciesDisabled_AsWritten_MatchesEnablingMfa_NotSettingItToNever()
    {
        // The rule's explanation says it should report the policy set to Never (an empty response body), but its
        // condition selects the bodies that name a policy: loaded as written, it matches the opposite (docs/rules.md).
        var rule = Rule("faec1ce6-fee1-4580-aa70-461b94240b0d");
        static string Policies(string body) => Auth0Log("sapi", "Update multi-factor authentication policies", ManagementApi("/api/v2/guardian/policies", body, body));
        Assert.True(rule.Fires("auth0", $"[{Policies("""["all-applications"]""")}]"));
        Assert.False(rule.Fires("auth0", $"[{Policies("[]")}]"));
    }
}
