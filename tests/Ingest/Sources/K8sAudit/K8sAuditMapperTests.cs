namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

public sealed class K8sAuditMapperTests
{
    [Fact]
    public void Map_ExecIntoPodTrace_MapsUserVerbSubresourceStatusAndSourceIp()
    {
        var e = Assert.Single(MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.K8sTrace("exec_pod.json")), EventKinds.K8sAudit));

        Assert.Equal("ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6", e.GivenId());
        Assert.Equal(new DateTimeOffset(2018, 10, 26, 13, 38, 34, TimeSpan.Zero).AddTicks(8671160), e.Time);
        Assert.Equal("minikube-user", e.Subject?.Id);
        Assert.Equal("user", e.Subject?.Type);
        Assert.Equal("create", e.Action);
        Assert.Equal("pods/exec", e.Resource?.Type);
        Assert.Equal("default/nginx-deployment-7998647bdf-phvq7", e.Resource?.Id);
        Assert.Equal(101, e.Status);
        Assert.Equal(Outcomes.Success, e.Outcome);
        Assert.Equal("192.168.99.1", e.Network?.SrcIp);
        Assert.Null(e.Workload);
        Assert.Equal("minikube-user", e.PrincipalKey);
        var attributes = e.Attributes!;
        Assert.Equal(["system:masters", "system:authenticated"], attributes["k8s.groups"].EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("ResponseStarted", attributes["k8s.stage"].GetString());
        Assert.StartsWith("/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec", attributes["k8s.request_uri"].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Map_AttachTrace_ResourceIsPodsAttach()
    {
        var e = Assert.Single(K8sAuditMapper.Map(TestData.K8sTrace("attach_pod.json")).Events);

        Assert.Equal("pods/attach", e.Resource?.Type);
    }

    [Fact]
    public void Map_PrivilegedPodCreatedByServiceAccount_SubjectIsServiceAccountAndPodSpecIsKept()
    {
        var e = Assert.Single(K8sAuditMapper.Map(TestData.K8sTrace("create_nginx_pod_privileged.json")).Events);

        Assert.Equal("system:serviceaccount:kube-system:replicaset-controller", e.Subject?.Id);
        Assert.Equal("service_account", e.Subject?.Type);
        Assert.Equal("replicaset-controller", e.Workload?.ServiceAccount);
        Assert.Equal("kube-system", e.Workload?.Namespace);
        Assert.Equal("kube-system/serviceaccount:replicaset-controller", e.Workload?.Id);
        Assert.Equal("pods", e.Resource?.Type);
        // A create names the object only in the response body.
        Assert.Equal("default/nginx-deployment-5cdcc99dbf-rgw6z", e.Resource?.Id);
        Assert.Equal(201, e.Status);
        Assert.Equal("::1", e.Network?.SrcIp);
        var container = e.Attributes!["k8s.request_object"].GetProperty("spec").GetProperty("containers")[0];
        Assert.True(container.GetProperty("securityContext").GetProperty("privileged").GetBoolean());
        Assert.Equal("8d5e1349-d30f-11e8-96d9-080027728ac4", e.Attributes["k8s.uid"].GetString());
    }

    [Fact]
    public void Map_SensitiveConfigMapTrace_MapsEveryLineAndKeepsDataKeys()
    {
        var result = K8sAuditMapper.Map(TestData.K8sTrace("create_configmap_sensitive_values.json"));

        var events = MapperAssert.MapsAll(result, 6);
        Assert.Equal([0, 1, 2, 3, 4, 5], result.Items.Select(i => i.Index));
        Assert.Equal(6, events.Select(e => e.Id).Distinct().Count());
        var data = events[0].Attributes!["k8s.request_object"].GetProperty("data");
        Assert.Contains("access.properties", data.EnumerateObject().Select(p => p.Name));
        Assert.All(events, e => Assert.Equal("configmaps", e.Resource?.Type));
    }

    [Fact]
    public void Map_AnonymousUser_SubjectTypeAnonymous()
    {
        var e = Assert.Single(K8sAuditMapper.Map(TestData.K8sTrace("anonymous_creates_namespace_foo.json")).Events);

        Assert.Equal("ip:192.168.99.1", e.Subject?.Id);
        Assert.Equal("anonymous", e.Subject?.Type);
        Assert.Equal("system:anonymous", e.Attr("k8s.username"));
        Assert.Equal("namespaces", e.Resource?.Type);
        Assert.Equal("foo", e.Resource?.Id);
    }

    [Fact]
    public void Map_MalformedTraceFal01003_IsRejectedWithClearReason()
    {
        var error = MapperAssert.RejectsWhole(K8sAuditMapper.Map(TestData.K8sTrace("fal_01_003.json")), "kind");

        Assert.Equal(0, error.Index);
        Assert.Contains("not recognized as a Kubernetes audit event", error.Reason, StringComparison.Ordinal);
        Assert.Contains("number 0", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_EveryRegressionTrace_MapsWithoutErrorExceptTheMalformedOne()
    {
        var events = 0;
        foreach (var name in TestData.K8sTraceNames())
        {
            var result = K8sAuditMapper.Map(TestData.K8sTrace(name));
            if (name == "fal_01_003.json")
            {
                Assert.Single(result.Errors);
                continue;
            }

            Assert.True(result.Errors.Count == 0, $"{name}: {string.Join("; ", result.Errors)}");
            Assert.NotEmpty(result.Events);
            Assert.All(result.Events, e =>
            {
                Assert.False(string.IsNullOrEmpty(e.Subject?.Id), name);
                Assert.False(string.IsNullOrEmpty(e.Action), name);
                Assert.NotNull(e.Status);
                Assert.NotNull(e.Resource?.Type);
            });
            events += result.Events.Count;
        }

        // 52 objects in the traces, one of them the malformed {"kind": 0}.
        Assert.Equal(51, events);
    }

    [Fact]
    public void Map_EventListWithOneBadItem_MapsTheOthersAndNamesTheBadIndex()
    {
        var exec = Encoding.UTF8.GetString(TestData.K8sTrace("exec_pod.json")).Trim();
        var attach = Encoding.UTF8.GetString(TestData.K8sTrace("attach_pod.json")).Trim();
        var body = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{{exec}},{"kind":"Event","verb":"get"},{{attach}}]}""";

        var result = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body));

        Assert.Equal([0, 2], result.Items.Select(i => i.Index));
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Index);
        Assert.Equal("requestReceivedTimestamp", error.Field);
    }

    [Theory]
    // A stolen service-account token used from the Internet, the caller writing a cluster address as X-Forwarded-For.
    [InlineData("\"10.0.0.5\", \"203.0.113.9\"", "203.0.113.9")]
    // Several hops: a client, a proxy of the cluster's network, the load balancer the API server saw.
    [InlineData("\"198.51.100.23\", \"192.0.2.77\", \"10.20.0.4\"", "192.0.2.77")]
    // IPv6 hops, one written in full and one IPv4-mapped, as dual-stack proxies write them.
    [InlineData("\"fd00::15\", \"2001:DB8:0:0:0:0:0:9\"", "2001:db8::9")]
    [InlineData("\"10.0.0.5\", \"::ffff:203.0.113.9\"", "203.0.113.9")]
    // Only private hops: the connection's own address, not the one written before it.
    [InlineData("\"10.0.0.5\", \"10.244.1.7\"", "10.244.1.7")]
    public void Map_SourceIpsWithHops_TheClientIsTheRightmostPublicAddress(string sourceIps, string client)
    {
        var body = $$"""
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"hops-1","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/kube-system/secrets","verb":"list",
             "user":{"username":"system:serviceaccount:ci:deployer","groups":["system:serviceaccounts","system:authenticated"]},
             "sourceIPs":[{{sourceIps}}],"userAgent":"python-requests/2.32.3",
             "objectRef":{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},
             "requestReceivedTimestamp":"2026-11-30T11:20:00.000000Z"}
            """;

        var e = Assert.Single(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)).Events);

        Assert.Equal(client, e.Network?.SrcIp);
        Assert.Equal(JsonDocument.Parse($"[{sourceIps}]").RootElement.GetArrayLength(), e.Attributes!["k8s.source_ips"].GetArrayLength());
    }

    [Fact]
    public void Map_ImpersonatedRequest_SubjectIsImpersonatedUserAndRealUserKept()
    {
        var body = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"imp-1","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/prod/secrets/db","verb":"get",
             "user":{"username":"alice","groups":["devs","system:authenticated"]},
             "impersonatedUser":{"username":"system:serviceaccount:prod:deployer","groups":["system:serviceaccounts"]},
             "sourceIPs":["10.0.0.7","10.0.0.1"],"userAgent":"kubectl/v1.31.0",
             "objectRef":{"resource":"secrets","namespace":"prod","name":"db","apiVersion":"v1"},
             "responseStatus":{"metadata":{},"code":403},
             "requestReceivedTimestamp":"2026-11-28T10:00:00.000000Z","stageTimestamp":"2026-11-28T10:00:00.002000Z"}
            """u8;

        var e = Assert.Single(K8sAuditMapper.Map(body).Events);

        Assert.Equal("system:serviceaccount:prod:deployer", e.Subject?.Id);
        Assert.Equal("service_account", e.Subject?.Type);
        Assert.Equal("deployer", e.Workload?.ServiceAccount);
        Assert.Equal("alice", e.Attributes!["k8s.impersonated_by"].GetString());
        Assert.Equal("devs", e.Attributes["k8s.impersonated_by_groups"][0].GetString());
        Assert.Equal(Outcomes.Denied, e.Outcome);
        Assert.Equal(403, e.Status);
        Assert.Equal("10.0.0.1", e.Network?.SrcIp);
        Assert.Equal(2, e.Attributes["k8s.source_ips"].GetArrayLength());
        Assert.Equal("kubectl/v1.31.0", e.UserAgent);
        Assert.Equal("secrets", e.Resource?.Type);
        Assert.Equal("prod/db", e.Resource?.Id);
    }

    [Fact]
    public void Map_ImpersonatedServiceAccountWhoseExtraNamesAPod_WorkloadIsTheServiceAccountNotThePod()
    {
        // Impersonate-Extra-authentication.kubernetes.io/pod-name: ledger-0 is the caller's to send (kubernetes.io, "User
        // impersonation"); taking it would put the caller's request, and any isolation it earns, on someone else's pod.
        var body = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"imp-2","stage":"ResponseComplete",
             "requestURI":"/api/v1/namespaces/payments/secrets","verb":"list",
             "user":{"username":"ops-admin","groups":["ops","system:authenticated"]},
             "impersonatedUser":{"username":"system:serviceaccount:payments:ledger","groups":["system:serviceaccounts"],
               "extra":{"authentication.kubernetes.io/pod-name":["ledger-0"],"authentication.kubernetes.io/node-name":["worker-9"]}},
             "sourceIPs":["198.51.100.61"],"objectRef":{"resource":"secrets","namespace":"payments","apiVersion":"v1"},
             "responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-28T10:00:00Z"}
            """u8;

        var e = Assert.Single(K8sAuditMapper.Map(body).Events);

        Assert.Equal(("payments/serviceaccount:ledger", null, null, "payments"), (e.Workload?.Id, e.Workload?.Name, e.Workload?.Node, e.Workload?.Namespace));
        Assert.Equal("system:serviceaccount:payments:ledger", e.Subject?.Id);
        Assert.Equal("ops-admin", e.Attr("k8s.impersonated_by"));
    }

    [Fact]
    public void Map_BoundPodInUserExtra_WorkloadIsThePod()
    {
        var body = """
            {"kind":"Event","auditID":"sa-1","verb":"list","requestReceivedTimestamp":"2026-11-28T10:00:00Z",
             "user":{"username":"system:serviceaccount:shop:cart","extra":{"authentication.kubernetes.io/pod-name":["cart-5d9"],"authentication.kubernetes.io/node-name":["node-3"]}},
             "objectRef":{"resource":"secrets","namespace":"shop"},"responseStatus":{"code":200}}
            """u8;

        var e = Assert.Single(K8sAuditMapper.Map(body).Events);

        Assert.Equal("shop/cart-5d9", e.Workload?.Id);
        Assert.Equal("node-3", e.Workload?.Node);
        Assert.Equal("cart", e.Workload?.ServiceAccount);
        Assert.Equal("shop/", e.Resource?.Id);
    }

    [Fact]
    public void Map_ObjectLargerThanBound_IsTrimmedWhereBig_KeepingItsSmallMembers()
    {
        var result = K8sAuditMapper.Map(TestData.K8sTrace("create_nginx_pod_privileged.json"), new SourceMapOptions(MaxObjectBytes: 100));

        var requestObject = Assert.Single(result.Events).Attributes!["k8s.request_object"];
        Assert.InRange(Encoding.UTF8.GetByteCount(requestObject.GetRawText()), 2, 100);
        Assert.Equal("Pod", requestObject.GetProperty("kind").GetString());
        Assert.Equal("v1", requestObject.GetProperty("apiVersion").GetString());
    }

    [Theory]
    [InlineData("""{"code":201}""", 201, Outcomes.Success)]
    [InlineData("""{"status":"Failure","reason":"Forbidden","message":"forbidden"}""", 403, Outcomes.Denied)]
    [InlineData("""{"status":"Failure","reason":"Unauthorized"}""", 401, Outcomes.Denied)]
    [InlineData("""{"status":"Failure","reason":"AlreadyExists"}""", 409, Outcomes.Error)]
    [InlineData("""{"status":"Failure"}""", null, Outcomes.Error)]
    [InlineData("""{"metadata":{},"status":"Success"}""", null, Outcomes.Success)]
    [InlineData("""{"metadata":{}}""", null, null)]
    public void Map_ResponseStatusWithoutCode_StatusFromItsReasonAndOutcomeFromItsStatus(string responseStatus, int? status, string? outcome)
    {
        var body = $$"""{"kind":"Event","auditID":"a","stage":"ResponseComplete","verb":"create","user":{"username":"u"},"requestReceivedTimestamp":"2026-11-30T10:00:00Z","responseStatus":{{responseStatus}}}""";

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

        Assert.Equal((status, outcome), (e.Status, e.Outcome));
    }

    [Theory]
    [InlineData("""{"@type":"core.k8s.io/v1.Status","status":"Failure","reason":"AlreadyExists","code":409}""", "", 409, Outcomes.Error)]
    [InlineData("""{"@type":"core.k8s.io/v1.Status","status":"Failure","reason":"Forbidden"}""", "", 403, Outcomes.Denied)]
    [InlineData("""{"@type":"core.k8s.io/v1.Status","status":"Failure","reason":"Invalid","code":422}""", ""","status":{"code":3,"message":"invalid"}""", 400, Outcomes.Error)]
    [InlineData("""{"@type":"core.k8s.io/v1.Pod","status":{"phase":"Pending"}}""", "", 200, Outcomes.Success)]
    public void Map_GkeEntry_AFailedStatusAnswerIsTheRequestsStatusUnlessTheEntryNamesAnError(string response, string entryStatus, int status, string outcome)
    {
        var body = $$"""{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.create","resourceName":"core/v1/namespaces/a/pods/p","authenticationInfo":{"principalEmail":"dev@example.com"},"response":{{response}}{{entryStatus}}},"insertId":"i-1","timestamp":"2026-11-30T10:00:00Z"}""";

        var e = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)));

        Assert.Equal((status, outcome), (e.Status, e.Outcome));
    }

    [Theory]
    [InlineData("", "$")]
    [InlineData("{\"kind\":\"Event\"", "$")]
    [InlineData("[1]", "$")]
    [InlineData("{\"kind\":\"EventList\"}", "items")]
    [InlineData("{\"kind\":\"Event\",\"auditID\":\"a\",\"requestReceivedTimestamp\":\"yesterday\",\"user\":{\"username\":\"u\"}}", "requestReceivedTimestamp")]
    [InlineData("{\"kind\":\"Event\",\"auditID\":\"a\",\"requestReceivedTimestamp\":\"2026-01-01T00:00:00Z\"}", "user.username")]
    public void Map_Invalid_ReportsFieldAndNoEvent(string body, string field)
    {
        MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), field);
    }

    [Fact]
    public void Map_MappedEvent_RoundTripsThroughContractJson()
    {
        var e = Assert.Single(K8sAuditMapper.Map(TestData.K8sTrace("create_nginx_pod_privileged.json")).Events);

        var back = ZtStream.Contracts.Serialization.ContractJson.DeserializeEvent(ZtStream.Contracts.Serialization.ContractJson.Serialize(e));

        Assert.Equal(e.Id, back.Id);
        Assert.Equal(JsonValueKind.Object, back.Attributes!["k8s.request_object"].ValueKind);
    }
}
