using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// The <c>ka.*</c> fields as the falcosecurity k8saudit plugin extracts them (plugins/k8saudit extract.go), on
/// events written from the Kubernetes API reference (Pod, ClusterRole, RoleBinding, pods/exec).
/// </summary>
public sealed class FalcoFieldTests
{
    // A pod with two containers (one privileged, one not saying), an init container, an ephemeral container,
    // volumes of several types, pod- and container-level security contexts, host namespaces and ports.
    private const string CreatePod = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"c0ffee00-0001","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/team-a/pods","verb":"create",
         "user":{"username":"system:serviceaccount:team-a:deployer","groups":["system:serviceaccounts","system:authenticated"]},
         "impersonatedUser":{"username":"bob"},
         "sourceIPs":["10.0.0.12","192.0.2.1"],"userAgent":"helm/3.14",
         "objectRef":{"resource":"pods","namespace":"team-a","name":"web-0","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":201},
         "requestObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"team-a"},
           "spec":{
             "hostNetwork":true,"hostPID":false,
             "securityContext":{"runAsUser":1000,"fsGroup":2000,"supplementalGroups":[3000,3001]},
             "containers":[
               {"name":"app","image":"registry.example.com:5000/team-a/web:1.4.2@sha256:0123","securityContext":{"privileged":true,"runAsUser":0,"capabilities":{"add":["NET_ADMIN","SYS_TIME"]}},
                "ports":[{"containerPort":8080},{"containerPort":9090,"hostPort":19090}]},
               {"name":"sidecar","image":"docker.io/envoyproxy/envoy:v1.30"}],
             "initContainers":[{"name":"init","image":"busybox","securityContext":{"privileged":true,"allowPrivilegeEscalation":true}}],
             "ephemeralContainers":[{"name":"debugger","image":"nicolaka/netshoot"}],
             "volumes":[{"name":"sock","hostPath":{"path":"/var/run/containerd/containerd.sock","type":"Socket"}},
                        {"name":"logs","hostPath":{"path":"/var/log/pods"}},
                        {"name":"cfg","configMap":{"name":"web-config"}},
                        {"name":"flex","flexVolume":{"driver":"example.com/lvm"}}]}},
         "responseObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"team-a","uid":"6f1c"}},
         "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"deployers\""}}
        """;

    // A ClusterRole with a wildcard and an escalation rule; a binding of users, a group and service accounts.
    private const string CreateClusterRole = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"c0ffee00-0002","stage":"ResponseComplete",
         "requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterroles","verb":"create","user":{"username":"carol"},
         "objectRef":{"resource":"clusterroles","name":"ops","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":201},
         "requestObject":{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"ops"},
           "rules":[{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]},
                    {"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],"verbs":["escalate","bind"]},
                    {"nonResourceURLs":["/metrics"],"verbs":["*"]}]}}
        """;

    private const string CreateBinding = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"c0ffee00-0003","stage":"ResponseComplete",
         "requestURI":"/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings","verb":"create","user":{"username":"carol"},
         "objectRef":{"resource":"rolebindings","namespace":"team-a","name":"ops-binding","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
         "requestObject":{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"ops-binding","namespace":"team-a"},
           "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
           "subjects":[{"kind":"User","name":"dave","apiGroup":"rbac.authorization.k8s.io"},{"kind":"Group","name":"oncall","apiGroup":"rbac.authorization.k8s.io"},
                       {"kind":"ServiceAccount","name":"ci","namespace":"build"}]}}
        """;

    // kubectl exec: ResponseStarted, the command in repeated query parameters, percent-encoded.
    private const string ExecPod = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"c0ffee00-0004","stage":"ResponseStarted",
         "requestURI":"/api/v1/namespaces/team-a/pods/web-0/exec?command=%2Fbin%2Fsh&command=-c&command=cat+%2Fetc%2Fshadow&container=app&stdin=true&tty=true",
         "verb":"create","user":{"username":"eve"},
         "objectRef":{"resource":"pods","namespace":"team-a","name":"web-0","apiVersion":"v1","subresource":"exec"},
         "responseStatus":{"metadata":{},"code":101}}
        """;

    [Theory]
    [InlineData(CreatePod, "ka.auditid", "c0ffee00-0001")]
    [InlineData(CreatePod, "ka.stage", "ResponseComplete")]
    [InlineData(CreatePod, "ka.auth.decision", "allow")]
    [InlineData(CreatePod, "ka.auth.reason", "RBAC: allowed by ClusterRoleBinding \"deployers\"")]
    [InlineData(CreatePod, "ka.user.name", "system:serviceaccount:team-a:deployer")]
    [InlineData(CreatePod, "ka.user.groups", "(system:serviceaccounts,system:authenticated)")]
    [InlineData(CreatePod, "ka.impuser.name", "bob")]
    [InlineData(CreatePod, "ka.verb", "create")]
    [InlineData(CreatePod, "ka.uri", "/api/v1/namespaces/team-a/pods")]
    [InlineData(CreatePod, "ka.target.name", "web-0")]
    [InlineData(CreatePod, "ka.target.namespace", "team-a")]
    [InlineData(CreatePod, "ka.target.resource", "pods")]
    [InlineData(CreatePod, "ka.target.subresource", "<NA>")]
    [InlineData(CreatePod, "ka.resp.name", "web-0")]
    [InlineData(CreatePod, "ka.response.code", "201")]
    [InlineData(CreatePod, "ka.response.reason", "<NA>")]
    [InlineData(CreatePod, "ka.useragent", "helm/3.14")]
    [InlineData(CreatePod, "ka.sourceips", "(10.0.0.12,192.0.2.1)")]
    [InlineData(CreatePod, "ka.req.pod.containers.image", "(registry.example.com:5000/team-a/web:1.4.2@sha256:0123,docker.io/envoyproxy/envoy:v1.30)")]
    [InlineData(CreatePod, "ka.req.pod.containers.image[1]", "(docker.io/envoyproxy/envoy:v1.30)")]
    [InlineData(CreatePod, "ka.req.pod.containers.image[2]", "<NA>")]
    // The plugin's split: up to the first ':' (so a registry port cuts it), then the first '@'.
    [InlineData(CreatePod, "ka.req.pod.containers.image.repository", "(registry.example.com,docker.io/envoyproxy/envoy)")]
    [InlineData(CreatePod, "ka.req.pod.containers.name", "(app,sidecar)")]
    [InlineData(CreatePod, "ka.req.pod.containers.privileged", "(true)")]
    [InlineData(CreatePod, "ka.req.pod.containers.run_as_user", "(0)")]
    [InlineData(CreatePod, "ka.req.pod.containers.eff_run_as_user", "(0,1000)")]
    [InlineData(CreatePod, "ka.req.pod.containers.eff_run_as_group", "(0,0)")]
    [InlineData(CreatePod, "ka.req.pod.containers.add_capabilities", "(NET_ADMIN,SYS_TIME)")]
    [InlineData(CreatePod, "ka.req.pod.containers.host_port", "(8080,19090)")]
    [InlineData(CreatePod, "ka.req.pod.containers.allow_privilege_escalation", "<NA>")]
    [InlineData(CreatePod, "ka.req.pod.initContainers.privileged", "(true)")]
    [InlineData(CreatePod, "ka.req.pod.initContainers.allow_privilege_escalation", "(true)")]
    [InlineData(CreatePod, "ka.req.pod.initContainers.image", "(busybox)")]
    [InlineData(CreatePod, "ka.req.pod.ephemeralContainers.image.repository", "(nicolaka/netshoot)")]
    [InlineData(CreatePod, "ka.req.pod.ephemeralContainers.privileged", "<NA>")]
    [InlineData(CreatePod, "ka.req.container.image", "registry.example.com:5000/team-a/web:1.4.2@sha256:0123")]
    [InlineData(CreatePod, "ka.req.container.image.repository", "registry.example.com")]
    [InlineData(CreatePod, "ka.req.container.privileged", "true")]
    [InlineData(CreatePod, "ka.req.pod.host_network", "true")]
    [InlineData(CreatePod, "ka.req.container.host_network", "true")]
    [InlineData(CreatePod, "ka.req.pod.host_pid", "false")]
    [InlineData(CreatePod, "ka.req.pod.host_ipc", "<NA>")]
    [InlineData(CreatePod, "ka.req.pod.run_as_user", "1000")]
    [InlineData(CreatePod, "ka.req.pod.run_as_group", "<NA>")]
    [InlineData(CreatePod, "ka.req.pod.fs_group", "2000")]
    [InlineData(CreatePod, "ka.req.pod.supplemental_groups", "(3000,3001)")]
    [InlineData(CreatePod, "ka.req.pod.volumes.hostpath", "(/var/run/containerd/containerd.sock,/var/log/pods)")]
    [InlineData(CreatePod, "ka.req.pod.volumes.flexvolume_driver", "(example.com/lvm)")]
    [InlineData(CreatePod, "ka.req.pod.volumes.volume_type", "(hostPath,hostPath,configMap,flexVolume)")]
    [InlineData(CreatePod, "ka.req.volume.hostpath[/var/log/pods]", "true")]
    [InlineData(CreatePod, "ka.req.volume.hostpath[/var/log]", "false")]
    [InlineData(CreatePod, "ka.req.volume.hostpath[/var/run*]", "true")]
    [InlineData(CreatePod, "ka.req.role.rules", "<NA>")]
    [InlineData(CreatePod, "jevt.value[/requestObject/spec/securityContext]", "{\"runAsUser\":1000,\"fsGroup\":2000,\"supplementalGroups\":[3000,3001]}")]
    [InlineData(CreatePod, "evt.source", "k8s_audit")]
    [InlineData(CreateClusterRole, "ka.req.role.rules.verbs", "(get,create,escalate,bind,*)")]
    [InlineData(CreateClusterRole, "ka.req.role.rules.resources", "(pods,pods/exec,clusterroles)")]
    [InlineData(CreateClusterRole, "ka.req.role.rules.resources[1]", "(clusterroles)")]
    [InlineData(CreateClusterRole, "ka.req.role.rules.apiGroups", "(,rbac.authorization.k8s.io)")]
    [InlineData(CreateClusterRole, "ka.req.role.rules.nonResourceURLs", "(/metrics)")]
    [InlineData(CreateClusterRole, "ka.req.pod.containers.image", "<NA>")]
    [InlineData(CreateBinding, "ka.req.binding.role", "cluster-admin")]
    [InlineData(CreateBinding, "ka.req.binding.subjects.user_names", "(dave)")]
    [InlineData(CreateBinding, "ka.req.binding.subjects.group_names", "(oncall)")]
    [InlineData(CreateBinding, "ka.req.binding.subjects.serviceaccount_names", "(ci)")]
    [InlineData(CreateBinding, "ka.req.binding.subjects.serviceaccount_ns_names", "(build:ci)")]
    [InlineData(CreateBinding, "ka.req.binding.subject.has_name[anyone]", "true")]
    [InlineData(ExecPod, "ka.uri.param[command]", "/bin/sh")]
    [InlineData(ExecPod, "ka.uri.param[container]", "app")]
    [InlineData(ExecPod, "ka.uri.param[stderr]", "<NA>")]
    [InlineData(ExecPod, "ka.target.subresource", "exec")]
    [InlineData(ExecPod, "ka.response.code", "101")]
    public void Field_ExtractsAsThePluginDoes(string json, string field, string rendered)
    {
        var rule = Single($"""
            - rule: show
              desc: renders one field
              condition: ka.verb exists
              output: "%{field}"
              priority: DEBUG
              source: k8s_audit
            """);

        Assert.Equal(rendered, Render(rule, json));
    }

    [Theory]
    [InlineData("ka.req.pod.containers.privileged intersects (true)", true)]
    [InlineData("ka.req.pod.containers.privileged in (true)", true)]
    [InlineData("ka.req.pod.containers.privileged[1] exists", false)]
    [InlineData("ka.req.pod.initContainers.privileged intersects (true)", true)]
    [InlineData("ka.req.pod.containers.image.repository in (registry.example.com, docker.io/envoyproxy/envoy)", true)]
    [InlineData("ka.req.pod.containers.image.repository in (docker.io/envoyproxy/envoy)", false)]
    [InlineData("ka.req.pod.containers.add_capabilities intersects (SYS_ADMIN, NET_ADMIN)", true)]
    [InlineData("ka.req.pod.volumes.hostpath intersects (/var/run/containerd/containerd.sock)", true)]
    [InlineData("ka.req.pod.volumes.hostpath pmatch (/var/run)", true)]
    [InlineData("ka.req.pod.volumes.hostpath pmatch (/var/ru)", false)]
    [InlineData("ka.req.pod.volumes.hostpath glob \"/var/log/*\"", true)]
    [InlineData("ka.req.pod.host_network intersects (true)", true)]
    [InlineData("ka.req.pod.host_pid intersects (true)", false)]
    [InlineData("ka.req.pod.host_ipc intersects (true)", false)]
    [InlineData("ka.req.pod.containers.host_port intersects (19090)", true)]
    [InlineData("ka.req.pod.containers.eff_run_as_user intersects (0)", true)]
    [InlineData("ka.req.container.privileged=true", true)]
    [InlineData("ka.req.volume.hostpath[/var/run/containerd/containerd.sock]=true", true)]
    [InlineData("ka.req.volume.hostpath[/proc*]=true", false)]
    public void Field_PodChecks(string condition, bool expected) =>
        Assert.Equal(expected, Matches(FalcoConditionTests.Rule(condition), CreatePod));

    [Theory]
    [InlineData("ka.req.role.rules.verbs intersects (\"*\")", true)]
    [InlineData("ka.req.role.rules.resources intersects (pods/exec)", true)]
    [InlineData("ka.req.role.rules.verbs intersects (escalate, bind, impersonate)", true)]
    [InlineData("ka.req.role.rules.resources contains secrets", false)]
    [InlineData("ka.req.role.rules contains pods/exec", true)]
    public void Field_RoleChecks(string condition, bool expected) =>
        Assert.Equal(expected, Matches(FalcoConditionTests.Rule(condition), CreateClusterRole));

    [Fact]
    public void Field_ContainerWithoutImage_MakesTheImageFieldsUnavailable()
    {
        var noImage = CreatePod.Replace("""{"name":"sidecar","image":"docker.io/envoyproxy/envoy:v1.30"}""", """{"name":"sidecar"}""", StringComparison.Ordinal);

        Assert.False(Matches(FalcoConditionTests.Rule("ka.req.pod.containers.image exists"), noImage));
        Assert.True(Matches(FalcoConditionTests.Rule("ka.req.pod.containers.image[0] exists"), noImage));
        Assert.True(Matches(FalcoConditionTests.Rule("ka.req.pod.containers.name intersects (sidecar)"), noImage));
    }

    [Fact]
    public void Field_EscapedJsonString_IsUnescaped()
    {
        var json = CreatePod.Replace("\"name\":\"web-0\",\"namespace\":\"team-a\",\"apiVersion\"", "\"name\":\"web\\u002d0\",\"namespace\":\"team-a\",\"apiVersion\"", StringComparison.Ordinal);

        Assert.True(Matches(FalcoConditionTests.Rule("ka.target.name = web-0"), json));
    }

    [Fact]
    public void Field_EventTime_InNanosecondsAndUtc()
    {
        var rule = Single("""
            - rule: time
              desc: renders the event time
              condition: jevt.rawtime exists
              output: "%evt.time.iso8601 | %evt.datetime | %evt.time | %jevt.rawtime | %evt.rawtime"
              priority: DEBUG
              source: k8s_audit
            """);
        var at = new DateTimeOffset(2024, 2, 29, 23, 59, 58, 123, TimeSpan.FromHours(2)).AddTicks(4567);

        var rendered = ((FalcoRuleMatcher)rule.Condition).RenderOutput(Event(CreatePod, at));

        Assert.Equal("2024-02-29T21:59:58.123456700Z | 2024-02-29 21:59:58.123456700 | 21:59:58.123456700 | 1709243998123456700 | 1709243998123456700", rendered);
    }

    [Fact]
    public void Catalog_CoversEveryFieldTheRulesFilesUse()
    {
        var used = new[] { RulesHead, Rules050, RulesGke }
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(RulesFile(f).Text, @"\b(ka|jevt)\.[a-zA-Z_.]+[a-zA-Z_]").Select(m => m.Value))
            .Distinct()
            .ToList();

        Assert.NotEmpty(used);
        Assert.All(used, f => Assert.True(FalcoFieldCatalog.IsKnown(f), f));
    }
}
