using ZtStream.Verifier.Tests.Rules.Sigma;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoOktaTestData;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;
using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Rules of <c>source: gcp_auditlog</c>: falcosecurity's gcp_auditlog_rules.yaml (plugins/gcpaudit) loaded unchanged,
/// the gcpaudit plugin's <c>gcp.*</c> fields (plugins/gcpaudit/pkg/gcpaudit/extract.go) on Cloud Audit Logs entries
/// written after Google's AuditLog and LogEntry references (GKE's, read by Ingest's k8s-audit reader, and entries of
/// other services kept the way Ingest keeps GKE's), and the confinement of the source's rules to those events.
/// </summary>
public sealed class FalcoGcpAuditRuleTests
{
    private const string RulesGcp = "gcp_auditlog_rules.plugins-HEAD.yaml";
    private const string Principal = "dana.ruiz@retail.example";

    /// <summary>
    /// An entry of another GCP service as Ingest keeps a GKE entry: the entry on <c>raw.logEntry</c> without its request
    /// body, the body on <c>raw.requestObject</c>, the method on <c>attributes["gcp.method_name"]</c>.
    /// </summary>
    private static RuleEvent Kept(string service, string method, string resource, string labels, string payload = "", string request = """{"name":"x"}""",
        string requestMetadata = ""","requestMetadata":{"callerIp":"203.0.113.41","callerSuppliedUserAgent":"google-cloud-sdk gcloud/498.0.0"}""")
    {
        var labelsObject = "{" + labels + "}";
        var raw = $$"""
            {"kind":"Event","logEntry":{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",
              "authenticationInfo":{"principalEmail":"{{Principal}}"}{{requestMetadata}},
              "serviceName":"{{service}}","methodName":"{{method}}","resourceName":"projects/retail-prod/x",
              "authorizationInfo":[{"resource":"projects/retail-prod","permission":"iam.serviceAccountKeys.create","granted":true}]{{payload}} },
             "resource":{"type":"{{resource}}","labels":{{labelsObject}} },"timestamp":"2026-12-01T03:20:00.123456Z",
             "logName":"projects/retail-prod/logs/cloudaudit.googleapis.com%2Factivity"},
             "requestObject":{{request}} }
            """;
        return new RuleEvent(RuleTesting.WithRaw(raw) with
        {
            Attributes = new() { ["gcp.method_name"] = JsonSerializer.SerializeToElement(method) },
        });
    }

    private static RuleEvent Iam(string method, string payload = "") =>
        Kept("iam.googleapis.com", method, "service_account", """ "project_id":"retail-prod","email_id":"ci@retail-prod.iam.gserviceaccount.com","unique_id":"1029384756" """, payload);

    /// <summary>The binding deltas of a policy change (<c>google.iam.v1.BindingDelta</c>): one member added to one role.</summary>
    private static string Deltas(string member, string action = "ADD") =>
        $$"""[{"action":"{{action}}","role":"roles/storage.objectViewer","member":"{{member}}"}]""";

    /// <summary>Events the k8s-audit reader (live ingestion's) maps from a GKE entry.</summary>
    private static List<RuleEvent> Gke(string entry) => IdpRuleEvents("k8s-audit", entry);

    private static Rule GcpRule(string condition, string output = "m=%gcp.methodName") => Single(RuleText("gcp_auditlog", condition, output));


    [Fact]
    public void GcpAuditLogRulesFile_LoadsWithoutErrors_ItsRulesIndexedUnderTheKindsMadeOfCloudAuditEntries()
    {
        var result = Load(RulesFile(RulesGcp));

        Assert.Empty(result.Errors);
        Assert.Equal(35, result.Rules.Count);
        Assert.All(result.Rules, r => Assert.Equal([EventKinds.K8sAudit, EventKinds.AccessRequest], r.Kinds));
        Assert.All(result.Rules, r => Assert.Equal(FalcoSource.GcpAuditLog, ((FalcoRuleMatcher)r.Condition).Source));
        Assert.Equal("critical", result.Rules.Single(r => r.Id == "GCP Bucket configured to be public").Severity);
        Assert.Equal(["T1562"], result.Rules.Single(r => r.Id == "GCP GCE Firewall rule modified").Techniques);
        Assert.Equal(["defense-evasion"], result.Rules.Single(r => r.Id == "GCP GCE Firewall rule modified").Tactics);
        Assert.Equal(["T1083"], result.Rules.Single(r => r.Id == "GCP Bucket enumerated").Techniques);
        Assert.Equal(["discovery"], result.Rules.Single(r => r.Id == "GCP Bucket enumerated").Tactics);
    }

    // The file's tags name a technique or tactic after its id; a bare word ("impact") or a technique's name
    // (mitre_data_destruction) is a free tag, as before.
    [Fact]
    public void TagsNamingTheTechniqueOrTacticAfterItsId_GiveTheIdAndTheTactic()
    {
        var rule = Single("""
            - rule: R
              desc: d
              condition: ka.verb = delete
              output: o
              priority: WARNING
              source: k8s_audit
              tags: [T1485-data-destruction, T1552.007-container-api, TA0040-impact, TA0007-Discovery, impact, mitre_data_destruction, T12-x, TA0005-not-a-tactic]
            """);

        Assert.Equal(["T1485", "T1552.007"], rule.Techniques);
        Assert.Equal(["impact", "discovery"], rule.Tactics);
    }

    [Theory]
    [InlineData("google.iam.admin.v1.CreateServiceAccountKey", "GCP IAM serviceAccount key created")]
    [InlineData("google.iam.admin.v1.DeleteServiceAccountKey", "GCP IAM serviceAccount key deleted")]
    [InlineData("google.iam.admin.v1.CreateRole", "GCP IAM custom role created")]
    [InlineData("google.iam.admin.v1.UpdateServiceAccount", "GCP IAM serviceAccount modified")]
    public void IamRule_FiresOnItsMethodOnly_AndRendersTheEntryInItsOutput(string method, string rule)
    {
        var rules = Load(RulesFile(RulesGcp)).Rules;

        var fired = Assert.Single(Run(rules, [Iam(method)]));
        Assert.Equal(rule, fired.Rule);
        Assert.StartsWith("project=retail-prod A GCP ", fired.Output, StringComparison.Ordinal);

        // The output is folded YAML with blanks at line ends, as upstream writes it: compare its words.
        var output = Words(fired.Output);
        Assert.Contains($"by user={Principal} userIP=203.0.113.41 userAgent=google-cloud-sdk gcloud/498.0.0 authorizationInfo=[{{", output, StringComparison.Ordinal);
        Assert.EndsWith("rawRequest={\"name\":\"x\"}", output, StringComparison.Ordinal);

        // Another service's method of the same name, and the method read, are not the change.
        Assert.Empty(Run(rules, [Kept("cloudkms.googleapis.com", method, "cloudkms_keyring", """ "project_id":"retail-prod" """)]));
        Assert.Empty(Run(rules, [Iam("google.iam.admin.v1.GetServiceAccountKey")]));
    }

    [Fact]
    public void BucketPublicRule_ReadsTheBindingDeltas_AllUsersAddedNotRemovedNorAUser()
    {
        var rules = Load(RulesFile(RulesGcp)).Rules;
        RuleEvent Bucket(string deltas) => Kept("storage.googleapis.com", "storage.setIamPermissions", "gcs_bucket",
            """ "project_id":"retail-prod","bucket_name":"retail-exports","location":"us" """,
            ""","serviceData":{"@type":"type.googleapis.com/google.iam.v1.logging.AuditData","policyDelta":{"bindingDeltas":""" + deltas + "}}");

        var fired = Run(rules, [Bucket(Deltas("allUsers"))]);
        Assert.Equal(["GCP Bucket configured to be public", "GCP Bucket permissions modified"], fired.Select(f => f.Rule));
        Assert.Contains("""bindedDelta=[{"action":"ADD","role":"roles/storage.objectViewer","member":"allUsers"}]""", fired[0].Output, StringComparison.Ordinal);
        Assert.EndsWith("bucketName=retail-exports", Words(fired[0].Output), StringComparison.Ordinal);

        Assert.Contains("GCP Bucket configured to be public", Run(rules, [Bucket(Deltas("allAuthenticatedUsers"))]).Select(f => f.Rule));
        Assert.Equal(["GCP Bucket permissions modified"], Run(rules, [Bucket(Deltas("allUsers", "REMOVE"))]).Select(f => f.Rule));
        Assert.Equal(["GCP Bucket permissions modified"], Run(rules, [Bucket(Deltas("user:bo.lind@retail.example"))]).Select(f => f.Rule));
    }

    [Fact]
    public void PolicyDelta_IsTheDatasetChangeForBigQuery_AndTheServiceDataForAnyOtherResource()
    {
        var delta = GcpRule("gcp.policyDelta contains allUsers", "d=%gcp.policyDelta");
        var dataset = ""","metadata":{"@type":"type.googleapis.com/google.cloud.audit.BigQueryAuditMetadata","datasetChange":{"bindingDeltas":""" + Deltas("allUsers") + "}}";
        var serviceData = ""","serviceData":{"policyDelta":{"bindingDeltas":""" + Deltas("allUsers") + "}}";

        var bigQuery = Kept("bigquery.googleapis.com", "google.iam.v1.IAMPolicy.SetIamPolicy", "bigquery_dataset", """ "project_id":"retail-prod","dataset_id":"sales" """, dataset);
        Assert.True(delta.Condition.Matches(bigQuery));
        Assert.Contains("GCP BigQuery Dataset access configured to be public", Run(Load(RulesFile(RulesGcp)).Rules, [bigQuery]).Select(f => f.Rule));
        Assert.False(delta.Condition.Matches(Kept("bigquery.googleapis.com", "google.iam.v1.IAMPolicy.SetIamPolicy", "bigquery_dataset", """ "project_id":"retail-prod" """, serviceData)));

        // A project's policy (falcosecurity/plugins#1351: not the dataset path for every resource but buckets).
        var project = Kept("cloudresourcemanager.googleapis.com", "SetIamPolicy", "project", """ "project_id":"retail-prod" """, serviceData);
        Assert.True(delta.Condition.Matches(project));
        Assert.Contains("GCP IAM principle modified", Run(Load(RulesFile(RulesGcp)).Rules, [project]).Select(f => f.Rule));
        Assert.False(delta.Condition.Matches(Kept("cloudresourcemanager.googleapis.com", "SetIamPolicy", "project", """ "project_id":"retail-prod" """, dataset)));
    }

    [Fact]
    public void GkeEntry_ReadThroughTheK8sAuditReader_GivesTheEntrysFields()
    {
        var entry = GcpAuditLogsourceTests.Entry("io.k8s.core.v1.secrets.create", "core/v1/namespaces/shop/secrets/db",
            payload: ""","request":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"}}""");
        var rule = GcpRule("gcp.methodName startswith io.k8s.core.v1.secrets. and gcp.serviceName = k8s.io",
            "%evt.source %gcp.user %gcp.callerIP %gcp.projectId %gcp.location %gcp.resourceType %gcp.resourceName "
            + "cluster=%json.value[/resource/labels/cluster_name] secret=%json.value[/protoPayload/request/metadata/name] sink=%gcp.logging.sink");

        var events = Gke(entry);
        var e = Assert.Single(events, rule.Condition.Matches);
        Assert.Equal("gcp_auditlog dana.ruiz@retail.example 198.51.100.14 retail-prod us-central1 k8s_cluster core/v1/namespaces/shop/secrets/db "
            + "cluster=checkout secret=db sink=<NA>", ((FalcoRuleMatcher)rule.Condition).RenderOutput(e));

        Assert.DoesNotContain(Gke(GcpAuditLogsourceTests.Entry("io.k8s.core.v1.configmaps.create", "core/v1/namespaces/shop/configmaps/db")), rule.Condition.Matches);
    }

    [Fact]
    public void MissingMembers_AreNoValue_EveryComparisonFalse()
    {
        var noMetadata = Kept("iam.googleapis.com", "google.iam.admin.v1.CreateRole", "iam_role", """ "project_id":"retail-prod" """, requestMetadata: "");

        Assert.False(GcpRule("gcp.callerIP != 203.0.113.41").Condition.Matches(noMetadata));
        Assert.True(GcpRule("not gcp.callerIP exists and not gcp.userAgent exists").Condition.Matches(noMetadata));
        Assert.False(GcpRule("gcp.storage.bucket exists").Condition.Matches(noMetadata));
        Assert.Equal("ip=<NA> ua=<NA>", ((FalcoRuleMatcher)GcpRule("gcp.methodName exists", "ip=%gcp.callerIP ua=%gcp.userAgent").Condition).RenderOutput(noMetadata));
    }

    [Theory]
    [InlineData(""" "location":"europe-west4","region":"europe-west1","zone":"europe-west1-b" """, "europe-west4")]
    [InlineData(""" "region":"europe-west1","zone":"europe-west1-b" """, "europe-west1")]
    [InlineData(""" "zone":"us-central1-c" """, "us-central1")]
    [InlineData(""" "project_id":"retail-prod" """, "<NA>")]
    public void Location_IsTheLocationLabel_ElseTheRegion_ElseTheZonesRegion(string labels, string location)
    {
        var e = Kept("compute.googleapis.com", "v1.compute.instances.stop", "gce_instance", labels);
        Assert.Equal(location, ((FalcoRuleMatcher)GcpRule("gcp.methodName exists", "%gcp.location").Condition).RenderOutput(e));
    }

    [Fact]
    public void LoggingSink_IsTheNameLabelOfASinkOnly()
    {
        var sink = GcpRule("gcp.logging.sink = audit-to-siem");
        Assert.True(sink.Condition.Matches(Kept("logging.googleapis.com", "google.logging.v2.ConfigServiceV2.DeleteSink", "logging_sink", """ "project_id":"retail-prod","name":"audit-to-siem" """)));
        Assert.False(sink.Condition.Matches(Kept("logging.googleapis.com", "google.logging.v2.ConfigServiceV2.DeleteSink", "gcs_bucket", """ "project_id":"retail-prod","name":"audit-to-siem" """)));
    }

    [Fact]
    public void GcpRules_NeverReadAWebhooksEventOrAnOktaRecord_EvenNegated()
    {
        var negated = GcpRule("not gcp.methodName exists and not gcp.user exists");
        var webhook = FalcoTestData.Event("""{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"create","user":{"username":"dana"},"objectRef":{"resource":"secrets","namespace":"shop"}}""");

        Assert.False(negated.Condition.Matches(webhook));
        Assert.Empty(Run([negated], Events(OktaEventHook(Log("user.session.start")))));

        // The GKE entry's native Event is a k8s_audit event as well: Kubernetes rules still read it.
        var k8s = Single("- rule: K\n  desc: d\n  condition: ka.verb = create and ka.target.resource = secrets\n  output: o\n  priority: WARNING\n  source: k8s_audit\n");
        Assert.Contains(Gke(GcpAuditLogsourceTests.Entry("io.k8s.core.v1.secrets.create", "core/v1/namespaces/shop/secrets/db")), k8s.Condition.Matches);
    }

    [Theory]
    [InlineData("gcp_auditlog", "ka.verb = create", "field 'ka.verb' is a k8saudit plugin field, read from Kubernetes audit events: a rule of source gcp_auditlog cannot use it")]
    [InlineData("k8s_audit", "gcp.methodName = x", "field 'gcp.methodName' is a gcpaudit plugin field, read from GCP Cloud Audit Logs entries: a rule of source k8s_audit cannot use it")]
    [InlineData("gcp_auditlog", "gcp.methodname = x", "did you mean 'gcp.methodName'?")]
    [InlineData("gcp_auditlog", "gcp.principal = x", "unknown field 'gcp.principal' (not a gcpaudit or json plugin field)")]
    public void AFieldOfAnotherPlugin_OrNoField_IsAnErrorNamingIt(string source, string condition, string reason)
    {
        var error = Assert.Single(Load(("bad.yaml", $"- rule: R\n  desc: d\n  condition: {condition}\n  output: o\n  priority: WARNING\n  source: {source}\n")).Errors);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
