namespace ZtStream.Responder.Tests.Isolation.Kubernetes;

/// <summary>
/// Just enough of the Kubernetes API on loopback for the quarantine driver: pods (get, merge patch, JSON patch
/// with test/remove on labels) and NetworkPolicies (get, create, delete). Every request is recorded.
/// </summary>
internal sealed class FakeApiServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, JsonObject> pods = new();
    private readonly ConcurrentDictionary<string, JsonObject> policies = new();
    private readonly ConcurrentQueue<Recorded> requests = new();
    private LoopbackApp? app;

    internal sealed record Recorded(string Method, string Path, string? ContentType, string Body)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    public Uri BaseAddress => app!.BaseAddress;

    public IReadOnlyList<Recorded> Requests => [.. requests];

    public void ClearRequests() => requests.Clear();

    public IReadOnlyDictionary<string, JsonObject> Policies => policies;

    public static async Task<FakeApiServer> StartAsync()
    {
        var server = new FakeApiServer();
        server.app = await LoopbackApp.StartAsync(web => web.Map("/{**path}", server.HandleAsync));
        return server;
    }

    public void AddPod(string ns, string name, Dictionary<string, string> labels)
    {
        var labelObject = new JsonObject();
        foreach (var (key, value) in labels)
        {
            labelObject[key] = value;
        }

        pods[$"{ns}/{name}"] = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labelObject },
        };
    }

    public void AddPolicy(string ns, string name) =>
        policies[$"{ns}/{name}"] = new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "NetworkPolicy",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        };

    public IReadOnlyDictionary<string, string> PodLabels(string ns, string name) =>
        pods[$"{ns}/{name}"]["metadata"]!["labels"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value!;
        var method = context.Request.Method;
        requests.Enqueue(new Recorded(method, path, context.Request.ContentType, body));

        var segments = path.Trim('/').Split('/');
        // /api/v1/namespaces/{ns}/pods/{name}
        if (segments is ["api", "v1", "namespaces", var podNs, "pods", var podName])
        {
            var key = $"{podNs}/{podName}";
            if (!pods.TryGetValue(key, out var pod))
            {
                await StatusAsync(context, 404, "NotFound");
                return;
            }

            if (method == "PATCH")
            {
                var labels = pod["metadata"]!["labels"]!.AsObject();
                var patch = JsonNode.Parse(body)!;
                if (context.Request.ContentType!.StartsWith("application/json-patch+json", StringComparison.Ordinal))
                {
                    foreach (var operation in patch.AsArray())
                    {
                        var labelKey = operation!["path"]!.GetValue<string>()["/metadata/labels/".Length..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                        var op = operation["op"]!.GetValue<string>();
                        if (op == "test" && labels[labelKey]?.GetValue<string>() != operation["value"]!.GetValue<string>())
                        {
                            await StatusAsync(context, 422, "Invalid");
                            return;
                        }

                        if (op == "remove")
                        {
                            labels.Remove(labelKey);
                        }
                    }
                }
                else
                {
                    foreach (var (labelKey, value) in patch["metadata"]!["labels"]!.AsObject())
                    {
                        labels[labelKey] = value?.GetValue<string>();
                    }
                }
            }

            await JsonAsync(context, 200, pod);
            return;
        }

        // /apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies[/{name}]
        if (segments is ["apis", "networking.k8s.io", "v1", "namespaces", var ns, "networkpolicies", ..])
        {
            if (segments.Length == 6 && method == "POST")
            {
                var policy = JsonNode.Parse(body)!.AsObject();
                var name = policy["metadata"]!["name"]!.GetValue<string>();
                if (!policies.TryAdd($"{ns}/{name}", policy))
                {
                    await StatusAsync(context, 409, "AlreadyExists");
                    return;
                }

                await JsonAsync(context, 201, policy);
                return;
            }

            if (segments.Length == 7)
            {
                var key = $"{ns}/{segments[6]}";
                if (method == "GET")
                {
                    await (policies.TryGetValue(key, out var found) ? JsonAsync(context, 200, found) : StatusAsync(context, 404, "NotFound"));
                    return;
                }

                if (method == "DELETE")
                {
                    await (policies.TryRemove(key, out _) ? StatusAsync(context, 200, "Success") : StatusAsync(context, 404, "NotFound"));
                    return;
                }
            }
        }

        await StatusAsync(context, 404, "NotFound");
    }

    private static Task JsonAsync(HttpContext context, int status, JsonNode node)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(node.ToJsonString());
    }

    private static Task StatusAsync(HttpContext context, int code, string reason) =>
        JsonAsync(context, code, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = code < 300 ? "Success" : "Failure",
            ["reason"] = reason,
            ["code"] = code,
        });

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
