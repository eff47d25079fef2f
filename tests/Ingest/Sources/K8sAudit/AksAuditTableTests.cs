namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// AKS's audit log as rows of the Log Analytics tables <c>AKSAudit</c> / <c>AKSAuditAdmin</c> (resource-specific mode),
/// written from Microsoft's table reference: the query API's tables (columns in any order, dynamics as JSON text), a data
/// export rule's records (dynamics as objects), rows one per line; each row is the native event it was split from.
/// </summary>
public sealed class AksAuditTableTests
{
    private const string ResourceId = "/subscriptions/0000/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-weu-1";

    [Fact]
    public void Map_QueryApiTableWithColumnsInAnyOrderAndDynamicsAsText_MapsEachRow()
    {
        // The query API writes dynamic columns as JSON text, and a projection puts the columns in its own order.
        var body = $$$"""
            {"tables":[{"name":"PrimaryResult","columns":[
              {"name":"Verb","type":"string"},{"name":"User","type":"dynamic"},{"name":"AuditId","type":"string"},
              {"name":"ObjectRef","type":"dynamic"},{"name":"SourceIps","type":"dynamic"},{"name":"ResponseStatus","type":"dynamic"},
              {"name":"RequestReceivedTime","type":"datetime"},{"name":"_ResourceId","type":"string"},{"name":"TimeGenerated","type":"datetime"},
              {"name":"Level","type":"string"},{"name":"Stage","type":"string"},{"name":"RequestUri","type":"string"},{"name":"Type","type":"string"}],
             "rows":[
              ["get","{\"username\":\"system:serviceaccount:ci:runner\",\"groups\":[\"system:serviceaccounts\"],\"extra\":{\"authentication.kubernetes.io/pod-name\":[\"runner-5d8f7-abcde\"]}}","la-1",
               "{\"resource\":\"secrets\",\"namespace\":\"payments\",\"name\":\"db-password\",\"apiVersion\":\"v1\"}","[\"10.224.0.31\"]","{\"metadata\":{},\"code\":200}",
               "2026-11-30T20:00:01.5Z","{{{ResourceId}}}","2026-11-30T20:00:04Z","Metadata","ResponseComplete","/api/v1/namespaces/payments/secrets/db-password","AKSAudit"],
              ["delete","{\"username\":\"kim@contoso.com\"}","la-2","{\"resource\":\"pods\",\"namespace\":\"payments\",\"name\":\"api-0\",\"apiVersion\":\"v1\"}",
               "[\"20.61.3.9\"]","{\"code\":403}","2026-11-30T20:00:02Z","{{{ResourceId}}}","2026-11-30T20:00:05Z","Metadata","ResponseComplete",
               "/api/v1/namespaces/payments/pods/api-0","AKSAudit"]]}]}
            """;

        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), 2);

        var read = events[0];
        MapperAssert.IsClusterRequest(read, "la-1", "system:serviceaccount:ci:runner", "get", "secrets", "payments/db-password", "10.224.0.31", "AKS-WEU-1");
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 20, 0, 1, 500, TimeSpan.Zero), read.Time);
        Assert.Equal("ci/runner-5d8f7-abcde", read.Workload?.Id);
        Assert.Equal("AKSAudit", read.Attr("azure.table"));
        // raw is the native event the row stands for: the rules read its paths.
        Assert.Equal("secrets", read.Raw!.Value.GetProperty("objectRef").GetProperty("resource").GetString());
        Assert.Equal("kim@contoso.com", events[1].Subject?.Id);
        Assert.Equal(Outcomes.Denied, events[1].Outcome);
    }

    /// <summary>
    /// Log Analytics writes <c>_ResourceId</c> lower case, a diagnostic record its <c>resourceId</c> upper case: the same
    /// cluster's event through either is labelled with the one cluster name, so a source registered for it (as the records
    /// name it) takes both, and its service accounts are one principal each.
    /// </summary>
    [Fact]
    public void Map_SameEventAsARowAndAsADiagnosticRecord_SameCluster()
    {
        const string Event = """{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ci/secrets/token","verb":"get","user":{"username":"system:serviceaccount:ci:runner"},"sourceIPs":["10.224.0.31"],"objectRef":{"resource":"secrets","namespace":"ci","name":"token","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-30T20:00:01Z"}""";
        var row = $$$"""[{"TimeGenerated":"2026-11-30T20:00:04Z","Type":"AKSAudit","_ResourceId":"{{{ResourceId}}}","AuditId":"a-1","Level":"Metadata","Stage":"ResponseComplete","RequestUri":"/api/v1/namespaces/ci/secrets/token","Verb":"get","User":{"username":"system:serviceaccount:ci:runner"},"SourceIps":["10.224.0.31"],"ObjectRef":{"resource":"secrets","namespace":"ci","name":"token","apiVersion":"v1"},"ResponseStatus":{"code":200},"StageReceivedTime":"2026-11-30T20:00:01Z"}]""";
        var record = $$$"""{"records":[{"time":"2026-11-30T20:00:04Z","resourceId":"{{{ResourceId.ToUpperInvariant()}}}","category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"log":{{{JsonSerializer.Serialize(Event)}}},"stream":"stdout","pod":"kube-apiserver-1"}}]}""";

        var fromRow = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(row)));
        var fromRecord = MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(record)));

        Assert.Equal("AKS-WEU-1", fromRow.Attr(K8sAuditMapper.ClusterAttribute));
        Assert.Equal(fromRecord.Attr(K8sAuditMapper.ClusterAttribute), fromRow.Attr(K8sAuditMapper.ClusterAttribute));
    }

    [Fact]
    public void Map_QueryApiAnswerOfTheFullTable_KeepsWhatRulesReadAndLeavesOutWhatAksDidNotKeep()
    {
        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(TestData.Managed("aks-audit-query-api.json")), 2);

        MapperAssert.IsClusterRequest(events[0], "7c1e9a40-aks3-4b61-8d2f-3a9c5e7b1d03", "system:serviceaccount:ci:deployer", "get", "secrets", "payments/stripe-key", "10.224.1.17", "AKS-SHOP-PROD");
        Assert.False(events[0].Raw!.Value.TryGetProperty("responseObject", out _));
        var pod = events[1];
        Assert.Equal(Outcomes.Denied, pod.Outcome);
        Assert.True(pod.Raw!.Value.GetProperty("requestObject").GetProperty("spec").GetProperty("hostPID").GetBoolean());
        Assert.Equal("forbid", pod.Raw!.Value.GetProperty("annotations").GetProperty("authorization.k8s.io/decision").GetString());
    }

    [Fact]
    public void Map_QueryApiAnswerWithNoRows_IsADeliveryWithoutEvents()
    {
        var result = K8sAuditMapper.Map("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"AuditId","type":"string"}],"rows":[]}]}"""u8);

        Assert.Equal(0, result.ItemCount);
        Assert.Equal(1, result.EmptyDeliveries);
    }

    [Fact]
    public void Map_DataExportRecordsWithDynamicsAsObjects_MapsTheAuditRowsAndNamesAnotherTable()
    {
        // A data export rule sends every table it covers as {"records":[…]}: a ContainerLogV2 row is no audit event.
        var body = $$$"""
            {"records":[
             {"TenantId":"t-1","TimeGenerated":"2026-11-30T21:00:03.1234567Z","Level":"RequestResponse","AuditId":"ex-1","Stage":"ResponseComplete",
              "RequestUri":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","Verb":"create",
              "User":{"username":"masterclient","groups":["system:masters","system:authenticated"]},
              "SourceIps":["52.160.0.7"],"UserAgent":"kubectl/v1.31.2",
              "ObjectRef":{"resource":"clusterrolebindings","name":"pwn","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
              "ResponseStatus":{"metadata":{},"code":201},
              "RequestObject":{"kind":"ClusterRoleBinding","roleRef":{"kind":"ClusterRole","name":"cluster-admin"}},
              "ResponseObject":"skipped-too-big-size-object",
              "RequestReceivedTime":"2026-11-30T21:00:00.0000000Z","StageReceivedTime":"2026-11-30T21:00:00.0100000Z",
              "Annotations":{"authorization.k8s.io/decision":"allow"},"PodName":"kube-apiserver-7f9c","SourceSystem":"Azure",
              "Type":"AKSAuditAdmin","_ResourceId":"{{{ResourceId.ToUpperInvariant()}}}"},
             {"TimeGenerated":"2026-11-30T21:00:04Z","ContainerName":"app","LogMessage":"hello","Type":"ContainerLogV2","_ResourceId":"{{{ResourceId}}}"}]}
            """;

        var result = K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body));

        MapperAssert.Rejects(result, [0], (1, "records[1].Type"));
        Assert.Contains("\"ContainerLogV2\"", result.Errors[0].Reason, StringComparison.Ordinal);
        var binding = Assert.Single(result.Events);
        Assert.Equal("ex-1", binding.GivenId());
        Assert.Equal("masterclient", binding.Subject?.Id);
        Assert.Equal("clusterrolebindings", binding.Resource?.Type);
        Assert.Equal("AKS-WEU-1", binding.Attr(K8sAuditMapper.ClusterAttribute));
        var raw = binding.Raw!.Value;
        Assert.Equal("cluster-admin", raw.GetProperty("requestObject").GetProperty("roleRef").GetProperty("name").GetString());
        // AKS kept no response body: nothing stands in for it, as at a level that keeps none.
        Assert.False(raw.TryGetProperty("responseObject", out _));
        Assert.Equal("allow", raw.GetProperty("annotations").GetProperty("authorization.k8s.io/decision").GetString());
    }

    [Fact]
    public void Map_RowsOnePerLineWithOptionalColumnsMissing_AreMapped()
    {
        // A projection keeping few columns, named in another case, and a row with an impersonation and no object.
        var body = """
            {"TimeGenerated":"2026-11-30T22:00:00Z","auditid":"ln-1","verb":"list","user":"{\"username\":\"ops@contoso.com\"}","objectref":"{\"resource\":\"nodes\"}"}
            {"TimeGenerated":"2026-11-30T22:00:09Z","AuditId":"ln-2","Verb":"get","User":{"username":"alice"},"ImpersonatedUser":{"username":"system:admin"},"RequestUri":"/version","SourceIps":"","RequestObject":null}
            """u8;

        var events = MapperAssert.MapsAll(K8sAuditMapper.Map(body), 2);

        Assert.Equal("ops@contoso.com", events[0].Subject?.Id);
        Assert.Equal("nodes", events[0].Resource?.Type);
        // Without the event's own times, the row's TimeGenerated is the nearest, and recorded as such.
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero), events[0].Time);
        Assert.Null(events[0].Attr(K8sAuditMapper.ClusterAttribute));
        Assert.Equal("system:admin", events[1].Subject?.Id);
        Assert.Equal("alice", events[1].Attr("k8s.impersonated_by"));
    }

    [Theory]
    [InlineData("""{"Type":"AKSAudit","TimeGenerated":"2026-11-30T22:00:00Z","AuditId":"b-1","User":"{username:kim}"}""", "User", "not JSON")]
    [InlineData("""{"Type":"AKSAudit","TimeGenerated":"2026-11-30T22:00:00Z","AuditId":"b-1","User":{"uid":"7"}}""", "User.username", "names no user")]
    [InlineData("""{"Type":"AKSAudit","AuditId":"b-1","RequestReceivedTime":"yesterday","User":{"username":"kim"}}""", "RequestReceivedTime", "RFC 3339")]
    [InlineData("""{"Type":"AKSAudit","AuditId":17,"User":{"username":"kim"}}""", "AuditId", "expected a string")]
    [InlineData("""{"Type":"AzureDiagnostics","TimeGenerated":"2026-11-30T22:00:00Z","Category":"kube-audit"}""", "Type", "\"AzureDiagnostics\"")]
    [InlineData("""{"records":[{"Type":"KubePodInventory","TimeGenerated":"2026-11-30T22:00:00Z"}]}""", "records[0].Type", "AKSAudit or AKSAuditAdmin")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","rows":[]}]}""", "tables[0].columns", "required")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"AuditId"}]}]}""", "tables[0].rows", "required")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"type":"string"}],"rows":[["x"]]}]}""", "tables[0].columns[0].name", "required")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"AuditId"},{"name":"Verb"}],"rows":[["a-1"]]}]}""", "tables[0].rows[0]", "one value per column (2), got 1 values")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"AuditId"},{"name":"User"},{"name":"StageReceivedTime"}],"rows":[["a-1","{\"username\":\"\"}","2026-11-30T22:00:00Z"]]}]}""", "tables[0].rows[0].User.username", "names no user")]
    public void Map_BadRow_IsOneErrorNamingItsColumn(string body, string field, string reason)
    {
        var error = MapperAssert.RejectsWhole(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(body)), field);

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_QueryApiTableWithABadRow_KeepsTheOthersAndNumbersEveryRow()
    {
        var body = """
            {"tables":[{"name":"PrimaryResult","columns":[{"name":"AuditId","type":"string"},{"name":"User","type":"dynamic"},{"name":"TimeGenerated","type":"datetime"}],
             "rows":[["q-1","{\"username\":\"a\"}","2026-11-30T22:00:00Z"],"not a row",["q-3","{\"username\":\"c\"}","2026-11-30T22:00:01Z"]]}]}
            """u8;

        var result = K8sAuditMapper.Map(body);

        MapperAssert.Rejects(result, [0, 2], (1, "tables[0].rows[1]"));
        Assert.Equal(["q-1", "q-3"], result.Events.Select(e => e.GivenId()));
    }
}
