using ZtStream.Ingest.Sources.Gcp;

namespace ZtStream.Ingest.Tests.Sources.Gcp;

/// <summary>
/// Cloud Audit Logs entries of Google Cloud services other than GKE (TestData/gcp-audit, documented shapes): each is the
/// caller's access to the project (<c>access.request</c>), keyed by the caller, with the entry kept where the GCP rules read it.
/// </summary>
public sealed class CloudAuditEntryTests
{
    private static MapResult Entries() => K8sAuditMapper.Map(File.ReadAllBytes(TestData.Path("gcp-audit", "cloud-audit-entries.ndjson")));

    [Fact]
    public void Map_EntriesOfOtherServices_AreTheCallersAccesses()
    {
        var events = MapperAssert.MapsAll(Entries(), 8);

        Assert.All(events, e => Assert.Equal(EventKinds.AccessRequest, e.Kind));
        var policy = events[0];
        Assert.Equal(
            ("gcp-1a2b3c", "alice.admin@example.com", "user", "shop-prod-4711", "SetIamPolicy", "project", "projects/shop-prod-4711", 200, Outcomes.Success, "198.51.100.23"),
            (policy.Id, policy.Subject?.Id, policy.Subject?.Type, policy.Subject?.Tenant, policy.Action, policy.Resource?.Type, policy.Resource?.Id, policy.Status, policy.Outcome, policy.Network?.SrcIp));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 22, 14, 3, TimeSpan.Zero).AddTicks(5118230), policy.Time);
        Assert.Equal(("cloudresourcemanager.googleapis.com", "SetIamPolicy", "activity", "shop-prod-4711"),
            (policy.Attr("gcp.service_name"), policy.Attr("gcp.method_name"), policy.Attr("gcp.log_type"), policy.Attr("gcp.project_id")));
        Assert.Null(policy.Workload);

        // The rules' paths: the entry without its bodies as logEntry, the bodies beside it once, serviceData kept.
        var raw = policy.Raw!.Value;
        var delta = raw.GetProperty("logEntry").GetProperty("protoPayload").GetProperty("serviceData").GetProperty("policyDelta").GetProperty("bindingDeltas")[0];
        Assert.Equal("user:mallory@example.net", delta.GetProperty("member").GetString());
        Assert.False(raw.GetProperty("logEntry").GetProperty("protoPayload").TryGetProperty("request", out _));
        Assert.Equal("roles/owner", raw.GetProperty("requestObject").GetProperty("policy").GetProperty("bindings")[0].GetProperty("role").GetString());
        Assert.Equal("BwYgVh1Ysz0=", raw.GetProperty("responseObject").GetProperty("etag").GetString());
    }

    [Fact]
    public void Map_AServiceAccountActingForAGkeWorkload_IsThatWorkloadsServiceAccount()
    {
        var key = Entries().Events[1];

        Assert.Equal(("deployer@shop-prod-4711.iam.gserviceaccount.com", "service_account"), (key.Subject?.Id, key.Subject?.Type));
        // Workload Identity: the Kubernetes service account the Google one acts for, named as the cluster's audit events name it.
        Assert.Equal(("ci/serviceaccount:deployer", "ci", "deployer"), (key.Workload?.Id, key.Workload?.Namespace, key.Workload?.ServiceAccount));
        Assert.Equal("2001:db8:4711::17", key.Network?.SrcIp);
        Assert.Equal("service_account", key.Resource?.Type);
        Assert.Equal("serviceAccount:deployer@shop-prod-4711.iam.gserviceaccount.com", key.Attr("gcp.principal_subject"));
    }

    [Fact]
    public void Map_StatusErrorsAndOtherCallers_KeepTheirOutcomeAndPrincipal()
    {
        var events = Entries().Events;

        var destroy = events[2];
        Assert.Equal((403, Outcomes.Denied), (destroy.Status, destroy.Outcome));
        Assert.StartsWith("Permission 'cloudkms.cryptoKeyVersions.destroy' denied", destroy.Attr("gcp.status_message"), StringComparison.Ordinal);
        Assert.Equal("europe-west1", destroy.Attr("gcp.location"));

        // A dual-stack front end's IPv4 caller is written as IPv4, as every adapter writes it.
        Assert.Equal("198.51.100.23", events[3].Network?.SrcIp);
        Assert.Equal("google.logging.v2.ConfigServiceV2.DeleteSink", events[4].Action);

        // An outside caller Google did not name: anonymous, keyed by its address, flagged.
        var redacted = events[5];
        Assert.Equal(("ip:203.0.113.201", "anonymous", "data_access"), (redacted.Subject?.Id, redacted.Subject?.Type, redacted.Attr("gcp.log_type")));
        Assert.Equal("true", redacted.Attributes![CloudAuditEntry.RedactedAttribute].GetRawText());

        // No authenticationInfo and no address ("private"), dated by receiveTimestamp: still taken, never dropped.
        var unnamed = events[6];
        Assert.Equal((CloudAuditEntry.RedactedCaller + "shop-prod-4711/private/bigquery.googleapis.com", "anonymous", null),
            (unnamed.Subject?.Id, unnamed.Subject?.Type, unnamed.Network));
        Assert.Equal("true", unnamed.Attributes![CloudAuditEntry.RedactedAttribute].GetRawText());
        Assert.Equal("receiveTimestamp", unnamed.Attr(TimeSources.Attribute));
        Assert.Equal("TABLEDATA_LIST_REQUEST", unnamed.Raw!.Value.GetProperty("logEntry").GetProperty("protoPayload").GetProperty("metadata").GetProperty("tableDataRead").GetProperty("reason").GetString());

        // A workforce pool's caller is named by its principalSubject.
        Assert.Equal(("principal://iam.googleapis.com/locations/global/workforcePools/partners/subject/ines.rocha@partner.example", "user"),
            (events[7].Subject?.Id, events[7].Subject?.Type));
    }

    [Fact]
    public void Map_ABatchedPubSubPull_MapsEachMessagesEntry_AndGkesEntriesAsBefore()
    {
        var lines = File.ReadAllLines(TestData.Path("gcp-audit", "cloud-audit-entries.ndjson"));
        var gke = """{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"dev@example.com"},"serviceName":"k8s.io","methodName":"io.k8s.core.v1.secrets.delete","resourceName":"core/v1/namespaces/shop/secrets/db"},"insertId":"gke-1","resource":{"type":"k8s_cluster","labels":{"project_id":"shop-prod-4711","location":"europe-west1","cluster_name":"gke-shop"}},"timestamp":"2026-11-30T22:22:00Z"}""";
        string Message(string entry, int id) => $$$"""{"ackId":"ack-{{{id}}}","message":{"data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(entry))}}}","messageId":"{{{id}}}"}}""";

        var result = K8sAuditMapper.Map(Encoding.UTF8.GetBytes($"[{Message(lines[1], 1)},{Message(gke, 2)},{Message(lines[4], 3)}]"));

        var events = MapperAssert.MapsAll(result, 3);
        Assert.Equal((EventKinds.AccessRequest, EventKinds.K8sAudit, EventKinds.AccessRequest), (events[0].Kind, events[1].Kind, events[2].Kind));
        Assert.Equal(("delete", "secrets", "gke-shop"), (events[1].Action, events[1].Resource?.Type, events[1].Attr(K8sAuditMapper.ClusterAttribute)));
        Assert.Equal("logging_sink", events[2].Resource?.Type);
    }

    [Theory]
    // google.cloud.audit.AuthenticationInfo: the key a service account signed with names the account even when its e-mail is withheld.
    [InlineData("""{"authenticationInfo":{"principalEmail":"","serviceAccountKeyName":"//iam.googleapis.com/projects/shop-prod-4711/serviceAccounts/exporter@shop-prod-4711.iam.gserviceaccount.com/keys/8f2c0d1e4b7a"},"requestMetadata":{"callerIp":"gce-internal-ip"},"serviceName":"storage.googleapis.com"}""",
        "projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Fdata_access", "exporter@shop-prod-4711.iam.gserviceaccount.com", "service_account")]
    // RequestMetadata.callerNetwork, given for a VM of the resource's organisation whose address Google withholds.
    [InlineData("""{"authenticationInfo":{},"requestMetadata":{"callerIp":"gce-internal-ip","callerNetwork":"//compute.googleapis.com/projects/net-host-17/global/networks/shared-vpc"},"serviceName":"storage.googleapis.com"}""",
        "projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Fdata_access", "gcp:redacted-caller/network/compute.googleapis.com/projects/net-host-17/global/networks/shared-vpc", "anonymous")]
    // A VM of another organisation ("gce-internal-ip"), a call between Google services ("private"), no requestMetadata at
    // all (the project from logName when the resource has no labels): keyed by project, what callerIp says and the service.
    [InlineData("""{"requestMetadata":{"callerIp":"gce-internal-ip"},"serviceName":"storage.googleapis.com"}""",
        "projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Fdata_access", "gcp:redacted-caller/shop-prod-4711/gce-internal-ip/storage.googleapis.com", "anonymous")]
    [InlineData("""{"authenticationInfo":{"principalEmail":""},"requestMetadata":{"callerIp":"private"},"serviceName":"pubsub.googleapis.com"}""",
        "projects/data-lake-2/logs/cloudaudit.googleapis.com%2Fdata_access", "gcp:redacted-caller/data-lake-2/private/pubsub.googleapis.com", "anonymous")]
    [InlineData("""{"serviceName":"cloudkms.googleapis.com"}""",
        "projects/data-lake-2/logs/cloudaudit.googleapis.com%2Fsystem_event", "gcp:redacted-caller/data-lake-2/no-address/cloudkms.googleapis.com", "anonymous")]
    // An address is still the best key of an unnamed caller, its user agent (the caller's to choose) never part of it.
    [InlineData("""{"authenticationInfo":{},"requestMetadata":{"callerIp":"2001:db8::ffff:c633:6417","callerSuppliedUserAgent":"gcloud/503.0.0","callerNetwork":"//compute.googleapis.com/projects/p/global/networks/n"},"serviceName":"storage.googleapis.com"}""",
        "projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Fdata_access", "ip:2001:db8::ffff:c633:6417", "anonymous")]
    public void Map_ACallerGoogleDoesNotName_IsKeyedByWhatTheEntryCarries(string payload, string logName, string subjectId, string subjectType)
    {
        // The data-lake-2 entries' resource has no labels: their project is the one logName names.
        var resource = logName.Contains("data-lake-2", StringComparison.Ordinal)
            ? """{"type":"project"}"""
            : """{"type":"gcs_bucket","labels":{"project_id":"shop-prod-4711"}}""";
        var entry = $$"""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"m",{{payload[1..^1]}}},"insertId":"e1","resource":{{resource}},"timestamp":"2026-11-30T22:00:00Z","logName":"{{logName}}"}""";

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(entry)));

        Assert.Equal((subjectId, subjectType), (e.Subject?.Id, e.Subject?.Type));
        Assert.Equal("true", e.Attributes![CloudAuditEntry.RedactedAttribute].GetRawText());
    }

    [Fact]
    public void Map_UnnamedCallersOfOtherProjectsOrServices_AreOtherPrincipals()
    {
        static string Principal(string project, string service, string callerIp) => MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(
            $$$"""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"{{{service}}}","methodName":"m","requestMetadata":{"callerIp":"{{{callerIp}}}"}},"insertId":"e","resource":{"type":"project","labels":{"project_id":"{{{project}}}"}},"timestamp":"2026-11-30T22:00:00Z"}""")), 1)[0].PrincipalKey;

        string[] principals =
        [
            Principal("shop-prod-4711", "storage.googleapis.com", "private"),
            Principal("shop-dev-0815", "storage.googleapis.com", "private"),
            Principal("shop-prod-4711", "bigquery.googleapis.com", "private"),
            Principal("shop-prod-4711", "storage.googleapis.com", "gce-internal-ip"),
        ];

        Assert.Equal(principals.Length, principals.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(principals[0], Principal("shop-prod-4711", "storage.googleapis.com", "private"));
    }

    [Theory]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"iam.googleapis.com"},"insertId":"i","timestamp":"2026-11-30T22:00:00Z"}""", "protoPayload.methodName")]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"iam.googleapis.com","methodName":"m"},"insertId":"i","timestamp":"last night"}""", "timestamp")]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"m"},"insertId":"i","timestamp":"2026-11-30T22:00:00Z"}""", "protoPayload.serviceName")]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"iam.googleapis.com","methodName":"m"},"insertId":"i"}""", "timestamp")]
    public void Map_AnEntryMissingWhatNamesIt_IsAnItemError(string entry, string field)
    {
        var result = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(entry));

        MapperAssert.Rejects(result, [], (0, field));
    }

    /// <summary>An IAM key created, written without insertId (as exports and hand-made entries may be).</summary>
    private static string KeyCreated(string? timestamp) =>
        $$$"""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"ops@shop.example"},"requestMetadata":{"callerIp":"198.51.100.23"},"serviceName":"iam.googleapis.com","methodName":"google.iam.admin.v1.CreateServiceAccountKey","resourceName":"projects/-/serviceAccounts/deploy@shop-prod-4711.iam.gserviceaccount.com"},"resource":{"type":"service_account","labels":{"project_id":"shop-prod-4711"}},{{{(timestamp is null ? "" : $"\"timestamp\":\"{timestamp}\",")}}}"logName":"projects/shop-prod-4711/logs/cloudaudit.googleapis.com%2Factivity"}""";

    private static string PubSubPush(string entry) =>
        $$"""{"message":{"data":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(entry))}}","messageId":"1","publishTime":"2026-11-30T22:00:02Z"},"subscription":"projects/shop-prod-4711/subscriptions/ztstream"}""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Map_AnEntryWithoutInsertId_IsJudgedUnderAnIdKeptOnRedeliveryAndNotSharedWithAnotherCall(bool pubSub)
    {
        string Body(string timestamp) => pubSub ? PubSubPush(KeyCreated(timestamp)) : KeyCreated(timestamp);
        AccessEvent Map(string timestamp) => Assert.Single(MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(Body(timestamp))), EventKinds.AccessRequest));

        var first = Map("2026-11-30T22:00:00.5Z");
        var again = Map("2026-11-30T22:00:00.5Z");
        var later = Map("2026-11-30T22:00:00.6Z");

        Assert.StartsWith(CloudAuditEntry.DerivedIdPrefix, first.Id, StringComparison.Ordinal);
        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, later.Id);
        Assert.Equal("ops@shop.example", first.Subject?.Id);
    }

    [Fact]
    public void Map_AnEntrySpellingItsCallersAddressCallerIP_IsFromThatAddress()
    {
        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(KeyCreated("2026-11-30T22:00:00Z").Replace("\"callerIp\"", "\"callerIP\"", StringComparison.Ordinal))).Events);

        Assert.Equal("198.51.100.23", e.Network?.SrcIp);
    }

    [Fact]
    public void Map_AnEntryWithoutInsertIdOrTime_IsDatedOnArrivalAndKeepsItsIdOnRedelivery()
    {
        var arrival = new DateTimeOffset(2026, 11, 30, 22, 5, 0, TimeSpan.Zero);
        AccessEvent Map(DateTimeOffset at) => Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(KeyCreated(null)), SourceMapOptions.Default with { ReceivedAt = at }).Events);

        var first = Map(arrival);
        var again = Map(arrival.AddMinutes(1));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal((arrival, TimeSources.Received), (first.Time, first.Attr(TimeSources.Attribute)));
    }

    [Theory]
    // Google's JSON: the delta's actions by name.
    [InlineData("""{"bindingDeltas":[{"action":"ADD","role":"roles/owner","member":"user:mallory@example.net"},{"action":"REMOVE","role":"roles/viewer","member":"allUsers"}]}""",
        "roles/owner user:mallory@example.net", null)]
    // The proto3 JSON mapping may write an enum by number (ADD 1, REMOVE 2); a delta missing its member, and an element that
    // is no object, name nothing.
    [InlineData("""{"bindingDeltas":[{"action":2,"role":"roles/owner","member":"user:old@example.com"},{"action":1,"role":"roles/storage.objectViewer","member":"allUsers"},{"action":"ADD","role":"roles/editor"},"ADD"]}""",
        "roles/storage.objectViewer allUsers", null)]
    // A log type turned off and a member exempted reduce logging; a log type turned on and an exemption removed do not.
    [InlineData("""{"auditConfigDeltas":[{"action":"REMOVE","service":"allServices","logType":"DATA_READ"},{"action":"ADD","service":"storage.googleapis.com","logType":"DATA_WRITE","exemptedMember":"user:mallory@example.net"},{"action":"ADD","service":"allServices","logType":"ADMIN_READ"},{"action":"REMOVE","service":"allServices","logType":"DATA_READ","exemptedMember":"user:dana@example.com"}]}""",
        null, "allServices DATA_READ|storage.googleapis.com DATA_WRITE user:mallory@example.net")]
    // Only what widens is listed: a change that removed a binding and turned logging on lists nothing.
    [InlineData("""{"bindingDeltas":[{"action":"REMOVE","role":"roles/owner","member":"user:old@example.com"}],"auditConfigDeltas":[{"action":"ADD","service":"allServices","logType":"DATA_READ"}]}""",
        null, null)]
    public void Map_AnIamPolicyChange_ListsEachBindingItAdded_AndTheAuditLoggingItTookAway(string policyDelta, string? granted, string? reduced)
    {
        var serviceData = $$"""
            "serviceData":{"@type":"type.googleapis.com/google.iam.v1.logging.AuditData","policyDelta":{{policyDelta}}},"resourceName":
            """;
        var entry = KeyCreated("2026-11-30T22:00:00Z").Replace("\"resourceName\":", serviceData, StringComparison.Ordinal);

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(entry)).Events);

        Assert.Equal(granted, Listed(e, CloudAuditEntry.GrantedAttribute));
        Assert.Equal(reduced, Listed(e, CloudAuditEntry.AuditLoggingReducedAttribute));
    }

    [Fact]
    public void Map_AnEntryWithoutAPolicyDelta_ListsNoGrant()
    {
        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(KeyCreated("2026-11-30T22:00:00Z"))).Events);

        Assert.False(e.Attributes!.ContainsKey(CloudAuditEntry.GrantedAttribute));
        Assert.False(e.Attributes.ContainsKey(CloudAuditEntry.AuditLoggingReducedAttribute));
    }

    private static string? Listed(AccessEvent e, string attribute) =>
        e.Attributes!.TryGetValue(attribute, out var list) ? string.Join('|', list.EnumerateArray().Select(v => v.GetString())) : null;
}
