namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>
/// Credentials an audit event carries when the cluster's policy logs request or response bodies where Kubernetes' own
/// policies log metadata only: the token a TokenRequest (<c>serviceaccounts/token</c>) minted, in its response; the bearer
/// token a TokenReview (<c>tokenreviews</c>) was asked about; a Secret's values, in its <c>data</c> and
/// <c>stringData</c>, a list's items, a patch, and the <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation
/// that repeats them. Each is replaced before the event is kept anywhere (<c>raw</c>, the attribute copies, the event log),
/// so the log is no store of live tokens and secrets; the keys stay, and the paths replaced are listed in
/// <see cref="Attribute"/>. Rules read who asked for which token or secret, never its value.
/// </summary>
internal static class AuditCredentials
{
    /// <summary>The attribute listing the paths whose values were replaced, in document order.</summary>
    public const string Attribute = "k8s.redacted";

    /// <summary>What a credential's value is replaced with.</summary>
    public const string Redacted = "[redacted]";

    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>
    /// The event with its credentials replaced, and the paths replaced; the event itself (and null) when it holds none. Only
    /// an event with a body about a Secret, a TokenRequest or a TokenReview is copied.
    /// </summary>
    public static JsonElement Without(JsonElement audit, out List<string>? redacted)
    {
        redacted = null;
        var objectRef = audit.Child("objectRef");
        var group = objectRef.String("apiGroup") ?? string.Empty;
        var kind = (objectRef.String("resource"), objectRef.String("subresource"), group) switch
        {
            ("secrets", null, "") => Kind.Secret,
            ("serviceaccounts", "token", "") => Kind.TokenRequest,
            ("tokenreviews", null, "authentication.k8s.io") => Kind.TokenReview,
            _ => Kind.None,
        };
        if (kind == Kind.None || (audit.Child("requestObject") is null && audit.Child("responseObject") is null)
            || JsonNode.Parse(audit.GetRawText()) is not JsonObject copy)
        {
            return audit;
        }

        var paths = new List<string>();
        foreach (var body in (ReadOnlySpan<string>)["requestObject", "responseObject"])
        {
            switch (kind)
            {
                case Kind.TokenRequest:
                    Replace(copy[body]?["status"] as JsonObject, "token", $"{body}.status.token", paths);
                    break;
                case Kind.TokenReview:
                    Replace(copy[body]?["spec"] as JsonObject, "token", $"{body}.spec.token", paths);
                    break;
                default:
                    Secret(copy[body], body, paths);
                    break;
            }
        }

        if (paths.Count == 0)
        {
            return audit;
        }

        redacted = paths;
        using var document = JsonDocument.Parse(copy.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>
    /// A Secret, a list of them (each item), a merge patch (the same shape, without <c>kind</c>) or a JSON patch (its
    /// operations' values); a body of another kind (a <c>Status</c> answering a refusal, <c>DeleteOptions</c>) holds none.
    /// </summary>
    private static void Secret(JsonNode? body, string path, List<string> paths)
    {
        switch (body)
        {
            case JsonObject secret when secret["kind"] is null || KindOf(secret) is "Secret" or "SecretList" or "List":
                Values(secret["data"] as JsonObject, $"{path}.data", paths);
                Values(secret["stringData"] as JsonObject, $"{path}.stringData", paths);
                Replace(secret["metadata"]?["annotations"] as JsonObject, LastApplied, $"{path}.metadata.annotations.{LastApplied}", paths);
                if (secret["items"] is JsonArray items)
                {
                    for (var i = 0; i < items.Count; i++)
                    {
                        Secret(items[i], $"{path}.items[{i}]", paths);
                    }
                }

                break;
            case JsonArray operations:
                // RFC 6902: {"op": "add", "path": "/data/password", "value": "…"}, "/data" with an object of values, or the
                // last-applied annotation (its "/" escaped as "~1").
                for (var i = 0; i < operations.Count; i++)
                {
                    if (operations[i] is not JsonObject operation || operation["path"] is not JsonValue target
                        || !target.TryGetValue<string>(out var pointer) || !operation.ContainsKey("value"))
                    {
                        continue;
                    }

                    if (pointer.StartsWith("/data", StringComparison.Ordinal) || pointer.StartsWith("/stringData", StringComparison.Ordinal)
                        || pointer == "/metadata/annotations/" + LastApplied.Replace("/", "~1", StringComparison.Ordinal))
                    {
                        if (operation["value"] is JsonObject values)
                        {
                            Values(values, $"{path}[{i}].value", paths);
                        }
                        else
                        {
                            Replace(operation, "value", $"{path}[{i}].value", paths);
                        }
                    }
                    else if (pointer == "/metadata/annotations" || pointer == "/metadata")
                    {
                        var annotations = pointer == "/metadata" ? operation["value"]?["annotations"] : operation["value"];
                        Replace(annotations as JsonObject, LastApplied, $"{path}[{i}].value", paths);
                    }
                }

                break;
        }
    }

    private static string? KindOf(JsonObject body) => body["kind"] is JsonValue kind && kind.TryGetValue<string>(out var text) ? text : null;

    private static void Values(JsonObject? values, string path, List<string> paths)
    {
        if (values is null)
        {
            return;
        }

        foreach (var key in values.Select(p => p.Key).ToList())
        {
            Replace(values, key, $"{path}.{key}", paths);
        }
    }

    private static void Replace(JsonObject? parent, string key, string path, List<string> paths)
    {
        // An empty value (a TokenRequest's request carries "token": "") holds nothing.
        if (parent is not null && parent.TryGetPropertyValue(key, out var value) && value is not null
            && !(value is JsonValue text && text.TryGetValue<string>(out var written) && written.Length == 0))
        {
            parent[key] = Redacted;
            paths.Add(path);
        }
    }

    private enum Kind
    {
        None,
        Secret,
        TokenRequest,
        TokenReview,
    }
}
