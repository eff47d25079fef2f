
namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// The audit events of managed clusters, in the envelopes the clouds' log pipelines deliver them in (Azure Monitor
/// diagnostic settings, CloudWatch Logs subscriptions, Amazon Data Firehose, Cloud Logging and Pub/Sub): each event is one
/// item mapped as the native one, each record that holds none is an error with its path.
/// </summary>
public sealed class ManagedClusterEnvelopesTests
{
    private const string PrivilegedPod = """{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"pp-1","stage":"ResponseComplete","verb":"create","user":{"username":"kim@example.com"},"sourceIPs":["203.0.113.9"],"objectRef":{"resource":"pods","namespace":"team","name":"x","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"kind":"Pod","spec":{"containers":[{"name":"x","image":"alpine","securityContext":{"privileged":true}}]}},"requestReceivedTimestamp":"2026-11-30T20:00:00Z"}""";

    [Fact]
    public void Map_AksDiagnosticRecords_MapsAuditCategoriesAndReportsTheOthers()
    {
        var result = K8sAuditMapper.Map(TestData.Managed("aks-diagnostic-records.json"));

        MapperAssert.Rejects(result, [0, 1], (2, "records[2].category"), (3, "records[3].properties.log"));
        Assert.Contains("\"kube-apiserver\" record is not a Kubernetes audit event", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains(JsonPayload.MalformedJson, result.Errors[1].Reason, StringComparison.Ordinal);
        var pod = result.Events[0];
        MapperAssert.IsClusterRequest(pod, "0a8d6c1e-aks1-4f0e-9a51-7c2d1b3e4f01", "masterclient", "create", "pods", "payments/debug", "20.51.7.14", "AKS-PROD-WEU");
        // raw is the audit event itself, not the record around it, so rules read the native paths.
        Assert.Equal("create", pod.Raw!.Value.GetProperty("verb").GetString());
        var secret = result.Events[1];
        Assert.Equal("system:serviceaccount:default:builder", secret.Subject?.Id);
        Assert.Equal("default/builder-7c9f8d6b5-x2k4q", secret.Workload?.Id);
        Assert.Equal(Outcomes.Denied, secret.Outcome);
    }

    [Fact]
    public void Map_AksStorageArchiveLines_AreRecordsWithoutTheWrapper()
    {
        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.Managed("aks-storage-archive.ndjson")), 2);

        Assert.Equal("AKS-PROD-WEU", events[0].Attr(K8sAuditMapper.ClusterAttribute));
        // The second record carries only its category and log: no cluster to name, nothing else missing.
        Assert.Null(events[1].Attr(K8sAuditMapper.ClusterAttribute));
        Assert.Equal("get", events[1].Action);
    }

    [Theory]
    [InlineData("""{"records":[{"category":"kube-audit","properties":{}}]}""", "records[0].properties.log", "required")]
    [InlineData("""{"records":[{"category":"kube-audit","properties":{"log":17}}]}""", "records[0].properties.log", "expected the event as a JSON string")]
    [InlineData("""{"records":[{"properties":{"log":"{}"}}]}""", "records[0].category", "required")]
    [InlineData("""{"records":[{"category":"guard","properties":{"log":"{}"}}]}""", "records[0].category", "\"guard\" record")]
    [InlineData("""{"records":[{"category":"kube-audit","properties":{"log":"{\"kind\":\"Event\",\"auditID\":\"a\",\"requestReceivedTimestamp\":\"2026-11-30T20:00:00Z\"}"}}]}""", "records[0].properties.log.user.username", "names no user")]
    [InlineData("""{"records":[{"category":"kube-audit","properties":{"log":"[1,2]"}}]}""", "records[0].properties.log", "expected a JSON object")]
    [InlineData("""{"records":["kube-audit"]}""", "records[0]", "not an AKS diagnostic record")]
    public void Map_BadAksRecord_IsOneErrorNamingItsPath(string body, string field, string reason)
    {
        var error = MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), field);

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_AksRecordWhoseLogAPipelineAlreadyParsed_IsMapped()
    {
        var body = $$$"""{"records":[{"category":"kube-audit-admin","resourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/dev-aks","properties":{"log":{{{PrivilegedPod}}}}}]}""";

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("pp-1", e.GivenId());
        Assert.Equal("DEV-AKS", e.Attr(K8sAuditMapper.ClusterAttribute));
    }

    [Fact]
    public void Map_EksCloudWatchDelivery_MapsEachLogEvent()
    {
        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.Managed("eks-cloudwatch-subscription.json")), 2);

        Assert.Equal("arn:aws:iam::111122223333:role/ops-admin", events[0].Subject?.Id);
        Assert.Equal("pods", events[0].Resource?.Type);
        Assert.Equal("prod-eks", events[0].Attr(K8sAuditMapper.ClusterAttribute));
        Assert.Equal("list", events[1].Action);
        Assert.Equal("ci", events[1].Workload?.Namespace);
    }

    [Fact]
    public void Map_EksDeliveryOfAnotherLogStream_ReportsEveryLogEventAsNotAudit()
    {
        var result = K8sAuditMapper.Map(TestData.Managed("eks-cloudwatch-authenticator.json"));

        var error = MapperAssert.RejectsWhole(result, "logStream");
        Assert.Contains("authenticator-", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_EksCompressedLambdaEvent_IsUnwrapped()
    {
        var delivery = $$"""{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/dev/cluster","logStream":"kube-apiserver-audit-1","logEvents":[{"id":"1","timestamp":1,"message":{{JsonSerializer.Serialize(PrivilegedPod)}}},{"id":"2","timestamp":2}]}""";
        var body = $$$"""{"awslogs":{"data":"{{{Convert.ToBase64String(TestData.Gzip(delivery))}}}"}}""";

        var result = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body));

        MapperAssert.Rejects(result, [0], (1, "awslogs.data.logEvents[1].message"));
        Assert.Equal("dev", result.Events[0].Attr(K8sAuditMapper.ClusterAttribute));
    }

    [Fact]
    public void Map_CloudWatchControlMessage_IsAnEmptyDeliveryNotAnError()
    {
        var result = K8sAuditMapper.Map("""{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination"}]}"""u8);

        Assert.Equal(0, result.ItemCount);
        Assert.Equal(1, result.EmptyDeliveries);
    }

    [Theory]
    [InlineData("""{"messageType":"SOMETHING_ELSE","logEvents":[]}""", "messageType")]
    [InlineData("""{"messageType":"DATA_MESSAGE","logStream":"kube-apiserver-audit-1"}""", "logEvents")]
    public void Map_BadCloudWatchDelivery_IsOneError(string body, string field) =>
        MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), field);

    [Fact]
    public void Map_FirehoseDelivery_UnwrapsCompressedAndPlainRecordsAndReportsTheUndecodable()
    {
        var result = K8sAuditMapper.Map(TestData.Managed("eks-firehose-delivery.json"));

        // Record 0 is a CONTROL_MESSAGE (nothing), record 1 holds two log events, record 2 one audit line, record 3 no base64.
        MapperAssert.Rejects(result, [0, 1, 2], (3, "records[3].data"));
        Assert.Equal(1, result.EmptyDeliveries);
        Assert.Equal(["9f0e1d2c-eks1-4b3a-8c7d-6e5f4a3b2c01", "9f0e1d2c-eks2-4b3a-8c7d-6e5f4a3b2c02", "9f0e1d2c-eks3-4b3a-8c7d-6e5f4a3b2c02"], result.Events.Select(e => e.GivenId()));
        Assert.Contains("not base64", result.Errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_FirehoseRecordWithABadEvent_NamesTheRecordAndTheLogEvent()
    {
        var delivery = """{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/x/cluster","logStream":"kube-apiserver-audit-1","logEvents":[{"id":"1","timestamp":1,"message":"{\"kind\":\"Event\",\"user\":{\"username\":\"u\"}}"}]}""";
        var body = $$"""{"requestId":"r","timestamp":1,"records":[{"data":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(PrivilegedPod))}}"},{"data":"{{Convert.ToBase64String(TestData.Gzip(delivery))}}"}]}""";

        MapperAssert.Rejects(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), [0], (1, "records[1].data.logEvents[0].message.requestReceivedTimestamp"));
    }

    [Fact]
    public void Map_GzipBombInARecord_StopsAtTheDecodedLimit()
    {
        var bomb = new byte[2 * 1024 * 1024];
        var body = $$"""{"records":[{"data":"{{Convert.ToBase64String(TestData.Gzip(bomb))}}"}]}""";

        var result = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body), SourceMapOptions.Default with { MaxDecodedBytes = 1024 * 1024 });

        var error = MapperAssert.RejectsWhole(result, "records[0].data");
        Assert.Contains("Ingest:MaxBodyBytes", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_GkeAuditEntries_MapToTheNativeShape()
    {
        var result = K8sAuditMapper.Map(TestData.Managed("gke-audit-entries.ndjson"));

        // GKE's own API (container.googleapis.com) is no Kubernetes request: the caller's access to the project.
        MapperAssert.MapsAll(result, 4);
        Assert.Equal((EventKinds.AccessRequest, "admin@shop.example", "google.container.v1.ClusterManager.UpdateCluster", "gke-shop"),
            (result.Events[3].Kind, result.Events[3].Subject?.Id, result.Events[3].Action, result.Events[3].Attr(K8sAuditMapper.ClusterAttribute)));

        var pod = result.Events[0];
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 21, 7, 0, TimeSpan.Zero).AddTicks(1234560), pod.Time);
        Assert.Equal(
            ("a1b2c3d4-gke1", "dev@shop.example", "user", "create", "pods", "shop/debug", 200, Outcomes.Success, "203.0.113.45"),
            (pod.GivenId(), pod.Subject?.Id, pod.Subject?.Type, pod.Action, pod.Resource?.Type, pod.Resource?.Id, pod.Status, pod.Outcome, pod.Network?.SrcIp));
        Assert.Equal("kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9", pod.UserAgent);
        Assert.Equal("gke-shop", pod.Attr(K8sAuditMapper.ClusterAttribute));
        Assert.Equal("shop-prod-4711", pod.Attr("gcp.project_id"));
        Assert.Equal("io.k8s.core.v1.pods.create", pod.Attr("gcp.method_name"));
        // A create is posted to its collection: the name GKE's resourceName adds is the body's, not the URL's.
        Assert.Equal("/api/v1/namespaces/shop/pods", pod.Attr("k8s.request_uri"));
        Assert.Equal("debug", pod.Raw!.Value.GetProperty("objectRef").GetProperty("name").GetString());
        var container = pod.Attributes!["k8s.request_object"].GetProperty("spec").GetProperty("containers")[0];
        Assert.True(container.GetProperty("securityContext").GetProperty("privileged").GetBoolean());
        // The rules' paths: raw is the native event, the entry beside it without the bodies a second time.
        var raw = pod.Raw!.Value;
        Assert.Equal("create", raw.GetProperty("verb").GetString());
        Assert.Equal("pods", raw.GetProperty("objectRef").GetProperty("resource").GetString());
        Assert.Equal("dev@shop.example", raw.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal("allow", raw.GetProperty("annotations").GetProperty("authorization.k8s.io/decision").GetString());
        Assert.Equal("NOTICE", raw.GetProperty("logEntry").GetProperty("severity").GetString());
        Assert.False(raw.GetProperty("logEntry").GetProperty("protoPayload").TryGetProperty("request", out _));

        var exec = result.Events[1];
        Assert.Equal("service_account", exec.Subject?.Type);
        Assert.Equal("shop/serviceaccount:deployer", exec.Workload?.Id);
        Assert.Equal("pods/exec", exec.Resource?.Type);
        Assert.Equal("shop/web-6f7c9d8b5-abcde", exec.Resource?.Id);
        // The exec GKE let through (an OK status) is the stream the API server answered 101, counted at its start.
        Assert.Equal((101, "ResponseStarted"), (exec.Status, exec.Raw!.Value.GetProperty("stage").GetString()));
        Assert.Equal("/api/v1/namespaces/shop/pods/web-6f7c9d8b5-abcde/exec", exec.Attr("k8s.request_uri"));

        var denied = result.Events[2];
        Assert.Equal(403, denied.Status);
        Assert.Equal(Outcomes.Denied, denied.Outcome);
        Assert.Equal("get", denied.Action);
        Assert.Equal("kube-system/gcp-sa-key", denied.Resource?.Id);
    }

    [Theory]
    [InlineData("rbac.authorization.k8s.io/v1/clusterrolebindings/admins", "clusterrolebindings", "admins", null, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/admins")]
    [InlineData("core/v1/namespaces/shop/pods", "pods", "shop/", "shop", "/api/v1/namespaces/shop/pods")]
    // The API server takes the namespace from the URL, so a namespace is its own (objectRef.namespace of /api/v1/namespaces/shop is shop).
    [InlineData("core/v1/namespaces/shop", "namespaces", "shop/shop", "shop", "/api/v1/namespaces/shop")]
    [InlineData("core/v1/namespaces/shop/finalize", "namespaces/finalize", "shop/shop", "shop", "/api/v1/namespaces/shop/finalize")]
    [InlineData("core/v1/namespaces/shop/status", "namespaces/status", "shop/shop", "shop", "/api/v1/namespaces/shop/status")]
    [InlineData("core/v1/namespaces", "namespaces", null, null, "/api/v1/namespaces")]
    [InlineData("apps/v1/namespaces/shop/deployments/web/scale", "deployments/scale", "shop/web", "shop", "/apis/apps/v1/namespaces/shop/deployments/web/scale")]
    // Cluster-scoped, as Google's Kubernetes History Inspector reads GKE's entries: a node's status, a cluster-wide list.
    [InlineData("core/v1/nodes/gke-p0-default-6400229f-n02c/status", "nodes/status", "gke-p0-default-6400229f-n02c", null, "/api/v1/nodes/gke-p0-default-6400229f-n02c/status")]
    [InlineData("core/v1/nodes", "nodes", null, null, "/api/v1/nodes")]
    public void Map_GkeResourceName_GivesTheObjectAndTheRequestUri(string resourceName, string type, string? id, string? ns, string uri)
    {
        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(GkeEntry("io.k8s.x.v1.y.update", resourceName))));

        Assert.Equal(type, e.Resource?.Type);
        Assert.Equal(id, e.Resource?.Id);
        Assert.Equal(uri, e.Attr("k8s.request_uri"));
        Assert.Equal(ns, e.Raw!.Value.GetProperty("objectRef").TryGetProperty("namespace", out var n) ? n.GetString() : null);
    }

    /// <summary>
    /// A request for no object (a health check, discovery, the OpenAPI document, metrics) is logged by GKE with the method
    /// <c>io.k8s.VERB</c> and its path, without the leading slash, as <c>resourceName</c> (<c>livez</c>, <c>readyz</c>,
    /// <c>metrics</c>, as the log exclusions written for GKE's audit log match them): the native event's <c>requestURI</c>,
    /// with no <c>objectRef</c>, as the API server writes a non-resource request, whatever the path's shape.
    /// </summary>
    [Theory]
    [InlineData("io.k8s.get", "livez", "get", "/livez")]
    [InlineData("io.k8s.get", "readyz", "get", "/readyz")]
    [InlineData("io.k8s.get", "metrics", "get", "/metrics")]
    [InlineData("io.k8s.get", "version", "get", "/version")]
    [InlineData("io.k8s.get", "healthz/etcd", "get", "/healthz/etcd")]
    [InlineData("io.k8s.get", "openapi/v2", "get", "/openapi/v2")]
    [InlineData("io.k8s.get", "apis/metrics.k8s.io/v1beta1", "get", "/apis/metrics.k8s.io/v1beta1")]
    public void Map_GkeNonResourceRequest_IsItsPathWithoutAnObject(string method, string resourceName, string verb, string uri)
    {
        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(GkeEntry(method, resourceName))));

        Assert.Equal(verb, e.Action);
        Assert.Equal(("non_resource_url", uri), (e.Resource?.Type, e.Resource?.Id));
        Assert.Equal(uri, e.Attr("k8s.request_uri"));
        Assert.Equal(uri, e.Raw!.Value.GetProperty("requestURI").GetString());
        Assert.False(e.Raw.Value.TryGetProperty("objectRef", out _));
    }

    /// <summary>
    /// A create is posted to its collection (<c>/api/v1/namespaces</c>): the namespace created is named by its body, not
    /// its URL, so the native event gives it no namespace, whatever name GKE's <c>resourceName</c> writes.
    /// </summary>
    [Fact]
    public void Map_GkeNamespaceCreated_HasNoNamespaceOfItsOwn_AsTheApiServerWritesIt()
    {
        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(GkeEntry("io.k8s.core.v1.namespaces.create", "core/v1/namespaces/shop"))));

        Assert.Equal(("namespaces", "shop"), (e.Resource?.Type, e.Resource?.Id));
        Assert.False(e.Raw!.Value.GetProperty("objectRef").TryGetProperty("namespace", out _));
    }

    [Theory]
    [InlineData(7, 403, "denied")]
    [InlineData(16, 401, "denied")]
    [InlineData(5, 404, "error")]
    [InlineData(6, 409, "error")]
    [InlineData(0, 200, "success")]
    public void Map_GkeStatus_IsTheHttpStatusOfTheGoogleRpcCode(int code, int status, string outcome)
    {
        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(GkeEntry("io.k8s.core.v1.pods.get", "core/v1/namespaces/a/pods/b", $$""","status":{"code":{{code}}}"""))).Events);

        Assert.Equal(status, e.Status);
        Assert.Equal(outcome, e.Outcome);
    }

    /// <summary>
    /// Without the authorizer's labels the decision is <c>authorizationInfo</c>'s, and an entry without a status (GKE omits
    /// a success's) that lists a permission <c>"granted": false</c> was answered 403. Cloud Logging omits a false
    /// <c>granted</c> too: omitted, it is refused beside an error status and granted beside none (the request ran).
    /// </summary>
    [Theory]
    [InlineData("""[{"granted":true,"permission":"a"},{"granted":false,"permission":"b"}]""", "", "forbid", 403, Outcomes.Denied)]
    [InlineData("""[{"granted":false,"permission":"io.k8s.core.v1.secrets.list"}]""", ""","status":{}""", "forbid", 403, Outcomes.Denied)]
    [InlineData("""[{"permission":"io.k8s.core.v1.secrets.list"}]""", ""","status":{"code":7,"message":"PERMISSION_DENIED"}""", "forbid", 403, Outcomes.Denied)]
    [InlineData("""[{"permission":"io.k8s.core.v1.secrets.list"}]""", "", "allow", 200, Outcomes.Success)]
    [InlineData("""[{"granted":true,"permission":"io.k8s.core.v1.secrets.list"}]""", "", "allow", 200, Outcomes.Success)]
    public void Map_GkeEntryWithoutLabels_TakesTheDecisionFromAuthorizationInfo(string checks, string status, string decision, int code, string outcome)
    {
        var body = GkeEntry("io.k8s.core.v1.secrets.list", "core/v1/secrets", ""","authorizationInfo":""" + checks + status);

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal(decision, e.Raw!.Value.GetProperty("annotations").GetProperty("authorization.k8s.io/decision").GetString());
        Assert.Equal(code, e.Status);
        Assert.Equal(outcome, e.Outcome);
    }

    [Fact]
    public void Map_GkeEntryWithOnlyWhatIsRequired_IsMappedWithTheArrivalTime()
    {
        // No timestamp, no insertId fallback needed (operation.id), no caller address ("gce-internal-ip" is not one), no status.
        const string body = """{"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.configmaps.delete","resourceName":"core/v1/namespaces/a/configmaps/c","authenticationInfo":{"principalEmail":"system:serviceaccount:a:b"},"requestMetadata":{"callerIp":"gce-internal-ip"}},"operation":{"id":"op-9","producer":"k8s.io","first":true,"last":true}}""";
        var received = new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero);

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body), SourceMapOptions.Default with { ReceivedAt = received }).Events);

        Assert.Equal("op-9", e.GivenId());
        Assert.Equal(received, e.Time);
        Assert.Equal(TimeSources.Received, e.Attr(TimeSources.Attribute));
        Assert.Null(e.Network);
        Assert.Equal("delete", e.Action);
    }

    /// <summary>
    /// An entry that lost <c>serviceName</c> (and <c>@type</c>) on its way — an export keeping some fields, a converted or
    /// hand-written record — still names a Kubernetes method, which no other service has: it is the request it records,
    /// not an item refused. A method of no service is still refused for the service it does not name.
    /// </summary>
    [Theory]
    [InlineData("io.k8s.core.v1.pods.exec.create", "core/v1/namespaces/shop/pods/web-1/exec", "create", "pods/exec", "exec")]
    [InlineData("io.k8s.rbac.v1.clusterrolebindings.create", "rbac.authorization.k8s.io/v1/clusterrolebindings/backdoor", "create", "clusterrolebindings", null)]
    [InlineData("io.k8s.get", "readyz", "get", "non_resource_url", null)]
    public void Map_GkeEntryWithoutServiceName_IsTheKubernetesRequestItsMethodNames(string method, string resourceName, string verb, string? resource, string? subresource)
    {
        var body = $$$"""{"protoPayload":{"authenticationInfo":{"principalEmail":"dev@shop.example"},"methodName":"{{{method}}}","resourceName":"{{{resourceName}}}","requestMetadata":{"callerIp":"203.0.113.9"}},"resource":{"type":"k8s_cluster","labels":{"project_id":"shop-prod-4711"}},"timestamp":"2026-11-30T16:01:49.978756Z"}""";

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("dev@shop.example", e.Subject?.Id);
        Assert.Equal(verb, e.Action);
        Assert.Equal(resource, e.Resource?.Type);
        Assert.Equal(subresource, e.Raw!.Value.TryGetProperty("objectRef", out var objectRef) && objectRef.TryGetProperty("subresource", out var sub) ? sub.GetString() : null);
    }

    [Theory]
    [InlineData("google.iam.admin.v1.CreateServiceAccountKey")]
    [InlineData("io.k8sx.core.v1.pods.get")]
    [InlineData("io.k8s")]
    public void Map_EntryWithoutServiceNameOrAKubernetesMethod_IsRefusedForTheService(string method) =>
        MapperAssert.RejectsWhole(
            K8sAuditMapper.Map(Encoding.UTF8.GetBytes($$$"""{"protoPayload":{"authenticationInfo":{"principalEmail":"a@b.example"},"methodName":"{{{method}}}"},"insertId":"i","timestamp":"2026-11-30T20:00:00Z"}""")),
            "protoPayload.serviceName");

    /// <summary>
    /// Cloud Audit Logs name a caller of a workforce or workload identity pool, which has no e-mail address, in
    /// <c>principalSubject</c> instead of <c>principalEmail</c> (the AuditLog reference's AuthenticationInfo); an address
    /// withheld for privacy is empty. Either way the request is that principal's.
    /// </summary>
    [Theory]
    [InlineData("""{"principalSubject":"principal://iam.googleapis.com/locations/global/workforcePools/contractors/subject/ext-4471"}""", "principal://iam.googleapis.com/locations/global/workforcePools/contractors/subject/ext-4471")]
    [InlineData("""{"principalEmail":"","principalSubject":"serviceAccount:shop-prod-4711.svc.id.goog[shop/deployer]"}""", "serviceAccount:shop-prod-4711.svc.id.goog[shop/deployer]")]
    [InlineData("""{"principalEmail":"ops@example.com","principalSubject":"user:ops@example.com"}""", "ops@example.com")]
    public void Map_GkeEntryOfAThirdPartyIdentity_IsThePrincipalSubjects(string authenticationInfo, string subject)
    {
        var body = GkeEntry("io.k8s.apps.v1.deployments.patch", "apps/v1/namespaces/shop/deployments/web").Replace(
            "\"authenticationInfo\":{\"principalEmail\":\"ops@example.com\"}", "\"authenticationInfo\":" + authenticationInfo, StringComparison.Ordinal);

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal(subject, e.Subject?.Id);
        Assert.Equal("patch", e.Action);
    }

    [Theory]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io","resourceName":"core/v1/pods","authenticationInfo":{"principalEmail":"a"},"timestamp":"x"},"insertId":"i"}""", "protoPayload.methodName")]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.get","resourceName":"core/v1/pods"},"insertId":"i","timestamp":"2026-11-30T20:00:00Z"}""", "protoPayload.authenticationInfo.principalEmail")]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.get","authenticationInfo":{"principalEmail":"a"}},"insertId":"i","timestamp":"yesterday"}""", "timestamp")]
    [InlineData("""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.RequestLog"},"insertId":"i"}""", "protoPayload.@type")]
    [InlineData("""{"protoPayload":"text","insertId":"i"}""", "protoPayload")]
    public void Map_BadGkeEntry_NamesTheEntrysOwnField(string body, string field) =>
        MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), field);

    [Theory]
    // Cloud Logging writes callerIp; converted and hand-written entries (Panther's) callerIP.
    [InlineData("callerIp")]
    [InlineData("callerIP")]
    public void Map_GkeEntryNamingItsCallersAddressEitherWay_IsFromThatAddress(string member)
    {
        var body = GkeEntry("io.k8s.core.v1.pods.get", "core/v1/namespaces/shop/pods/web").Replace("\"callerIp\"", $"\"{member}\"", StringComparison.Ordinal);

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("198.51.100.4", e.Network?.SrcIp);
        Assert.Equal("198.51.100.4", e.Raw!.Value.GetProperty("sourceIPs")[0].GetString());
    }

    [Fact]
    public void Map_PubSubPushOfAGkeEntry_IsUnwrapped()
    {
        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(TestData.Managed("gke-pubsub-push.json")));

        Assert.Equal("a1b2c3d4-gke1", e.GivenId());
        Assert.Equal("pods", e.Resource?.Type);
    }

    [Theory]
    [InlineData("""{"message":{"data":"%%%","messageId":"1"},"subscription":"s"}""", "message.data", "not base64")]
    [InlineData("""{"message":{"data":"eyJ0cnVuY2F0ZWQ=","messageId":"1"},"subscription":"s"}""", "message.data", JsonPayload.MalformedJson)]
    public void Map_BadPubSubMessage_IsOneErrorAtItsData(string body, string field, string reason)
    {
        var error = MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), field);

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_EnvelopesInsideEnvelopesWithoutEnd_StopAtTheNestingLimit()
    {
        var body = """{"message":{"data":"e30="}}""";
        for (var i = 0; i < 6; i++)
        {
            body = $$$"""{"message":{"data":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body))}}}"}}""";
        }

        var error = MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), "message.data.message.data.message.data.message.data.message.data");

        Assert.Contains("nested", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_MixedLinesOfNativeAndManagedEvents_NumbersItemsAcrossThePayload()
    {
        var aks = $$$"""{"records":[{"category":"kube-audit","properties":{"log":{{{JsonSerializer.Serialize(PrivilegedPod.Replace("pp-1", "pp-2", StringComparison.Ordinal))}}}}},{"category":"cloud-controller-manager","properties":{"log":"x"}}]}""";
        var body = string.Join('\n', PrivilegedPod, aks, GkeEntry("io.k8s.core.v1.pods.get", "core/v1/namespaces/a/pods/b"));

        MapperAssert.Rejects(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), [0, 1, 3], (2, "records[1].category"));
    }

    private static string GkeEntry(string method, string resourceName, string extra = "") =>
        "{\"protoPayload\":{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"serviceName\":\"k8s.io\",\"methodName\":\"" + method
        + "\",\"resourceName\":\"" + resourceName + "\",\"authenticationInfo\":{\"principalEmail\":\"ops@example.com\"},\"requestMetadata\":{\"callerIp\":\"198.51.100.4\"}" + extra
        + "},\"insertId\":\"" + Guid.NewGuid() + "\",\"timestamp\":\"2026-11-30T20:00:00Z\",\"resource\":{\"type\":\"k8s_cluster\",\"labels\":{\"cluster_name\":\"c1\"}}}";
}
