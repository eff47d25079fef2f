namespace ZtStream.TestSupport.Rules;

/// <summary>How an attacker pads a Kubernetes object past the raw-object bound (each within what the API server accepts).</summary>
public enum Padding
{
    /// <summary>One 80 KiB annotation (an object may carry 256 KiB of annotations).</summary>
    HugeAnnotation,

    /// <summary>5,000 tiny labels.</summary>
    ManyLabels,

    /// <summary>An 80 KiB environment value in the privileged container itself.</summary>
    HugeEnvInPrivilegedContainer,

    /// <summary>Forty containers with 2 KiB of env each, the privileged one last.</summary>
    ManyContainersPrivilegedLast,

    /// <summary>The pod spec nested inside a CronJob, padded with an 80 KiB annotation on the pod template.</summary>
    DeepTemplate,

    /// <summary>Annotations of non-ASCII and control characters, whose JSON bytes are several times their characters.</summary>
    EscapedUnicode,
}

/// <summary>Kubernetes audit events whose request object is padded past <c>Ingest:MaxRawBytes</c> (64 KiB).</summary>
public static class PaddedAudit
{
    /// <summary>A privileged pod (or, for <see cref="Padding.DeepTemplate"/>, CronJob) created with <paramref name="padding"/>.</summary>
    public static JsonObject PrivilegedPod(Padding padding, string name = "debug")
    {
        var privileged = new JsonObject
        {
            ["name"] = "shell",
            ["image"] = "alpine:3.20",
            ["command"] = new JsonArray("sh", "-c", "sleep infinity"),
            ["securityContext"] = new JsonObject { ["privileged"] = true },
        };
        var containers = new JsonArray();
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "team-a" };
        switch (padding)
        {
            case Padding.HugeAnnotation:
                metadata["annotations"] = new JsonObject { ["example.com/notes"] = new string('x', 80 * 1024) };
                break;
            case Padding.ManyLabels:
                var labels = new JsonObject();
                for (var i = 0; i < 5_000; i++)
                {
                    labels[$"example.com/l{i:D4}"] = "true";
                }

                metadata["labels"] = labels;
                break;
            case Padding.HugeEnvInPrivilegedContainer:
                privileged["env"] = new JsonArray(new JsonObject { ["name"] = "BLOB", ["value"] = new string('e', 80 * 1024) });
                break;
            case Padding.ManyContainersPrivilegedLast:
                for (var i = 0; i < 40; i++)
                {
                    containers.Add(new JsonObject
                    {
                        ["name"] = $"side{i}",
                        ["image"] = "registry.example.com/side:1",
                        ["env"] = new JsonArray(new JsonObject { ["name"] = "PAD", ["value"] = new string('p', 2 * 1024) }),
                    });
                }

                break;
            case Padding.DeepTemplate:
                break;
            case Padding.EscapedUnicode:
                var annotations = new JsonObject();
                for (var i = 0; i < 8; i++)
                {
                    annotations[$"example.com/n{i}"] = string.Concat(Enumerable.Repeat("é\u0001😀\"", 1_500));
                }

                metadata["annotations"] = annotations;
                break;
        }

        containers.Add(privileged);
        var spec = new JsonObject { ["containers"] = containers, ["serviceAccountName"] = "default" };
        if (padding != Padding.DeepTemplate)
        {
            return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
        }

        var template = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["example.com/notes"] = new string('x', 80 * 1024) } },
            ["spec"] = spec,
        };
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "CronJob",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["schedule"] = "* * * * *",
                ["jobTemplate"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } },
            },
        };
    }

    /// <summary>The resource a <see cref="PrivilegedPod"/> of <paramref name="padding"/> is created as.</summary>
    public static (string Resource, string? ApiGroup) ResourceOf(Padding padding) =>
        padding == Padding.DeepTemplate ? ("cronjobs", "batch") : ("pods", null);

    /// <summary>
    /// One audit.k8s.io/v1 Event at level RequestResponse, as the API server's webhook sends it, creating
    /// <paramref name="requestObject"/>; <paramref name="responseObject"/> when the response is logged too; answered
    /// with <paramref name="code"/>.
    /// </summary>
    public static JsonObject Event(string verb, string resource, string? apiGroup, string ns, string name, string user, JsonNode? requestObject,
        JsonNode? responseObject = null, DateTimeOffset? time = null, int code = 201)
    {
        var e = AuditEvents.Native(verb, resource, ns, name, user, code, time ?? DateTimeOffset.UtcNow, apiGroup: apiGroup, userAgent: "kubectl/v1.31.0", sourceIp: "203.0.113.10");
        if (requestObject is not null)
        {
            e["requestObject"] = requestObject;
        }

        if (responseObject is not null)
        {
            e["responseObject"] = responseObject;
        }

        return e;
    }

    /// <summary>A <see cref="PrivilegedPod"/> of <paramref name="padding"/> created by <paramref name="user"/>.</summary>
    public static JsonObject PrivilegedPodCreated(Padding padding, string user = "mallory@example.com", string name = "debug")
    {
        var (resource, apiGroup) = ResourceOf(padding);
        return Event("create", resource, apiGroup, "team-a", name, user, PrivilegedPod(padding, name));
    }
}
