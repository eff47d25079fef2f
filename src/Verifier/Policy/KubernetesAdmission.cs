using System.Text.Json;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Events;
using ZtStream.Verifier.Attack;
using ZtStream.Verifier.Scoring;

namespace ZtStream.Verifier.Policy;

/// <summary>
/// Rules over Kubernetes audit events that look into the request body (<c>k8s.request_object</c> kept by Ingest):
/// the allow-lists of <c>kubernetes:</c> in the policy — the same ground Falco's k8s-audit WARNING rules cover.
/// Only completed requests count (stage ResponseComplete, when the stage is known).
/// </summary>
internal sealed class KubernetesAdmission(KubernetesPolicy k)
{
    public const string StageAttribute = "k8s.stage";
    public const string RequestObjectAttribute = "k8s.request_object";
    public const string AnnotationsAttribute = "k8s.annotations";
    public const string RequestUriAttribute = "k8s.request_uri";

    public void Evaluate(AccessEvent e, List<Contribution> output)
    {
        var attrs = e.Attributes;
        if (attrs is not null && attrs.TryGetValue(StageAttribute, out var stage)
            && stage.ValueKind == JsonValueKind.String && !stage.ValueEquals("ResponseComplete"))
        {
            return;
        }

        var user = e.Subject?.Id ?? "";
        var type = e.Resource?.Type;
        var id = e.Resource?.Id ?? "";
        var verb = e.Action ?? "";
        var ok = e.Status is null or (>= 200 and < 300);
        JsonElement body = default;
        var hasBody = attrs is not null && attrs.TryGetValue(RequestObjectAttribute, out body) && body.ValueKind == JsonValueKind.Object;

        if (k.AllowedUsers is not null && !user.StartsWith("system:", StringComparison.Ordinal) && !PolicyLists.Matches(k.AllowedUsers, user))
        {
            Add(output, 70, $"user {user} {verb} {type} {id}; kubernetes.allowed_users does not list it", Techniques.ValidAccounts);
        }

        if (k.DenyAnonymous && user == "system:anonymous" && Decision(attrs) == "allow" && !IsHealthUri(attrs))
        {
            Add(output, 80, $"anonymous request {verb} {Uri(attrs)} was allowed; kubernetes.deny_anonymous", Techniques.ValidAccounts);
        }

        var ns = Namespace(id);
        switch (type)
        {
            case "pods" when verb == "create" && hasBody:
                Pod(body, ns, id, output);
                break;
            case "namespaces" when verb == "create" && k.AllowedNamespaces is not null && !PolicyLists.Matches(k.AllowedNamespaces, id):
                Add(output, 70, $"{user} created namespace {id}; kubernetes.allowed_namespaces lists only [{string.Join(", ", k.AllowedNamespaces)}]", AttackMapping.None);
                break;
            case "serviceaccounts" when verb == "create" && ok && PolicyLists.Matches(k.KubeNamespaces, ns)
                && !PolicyLists.Matches(k.KubeNamespaceServiceAccounts, Name(id)):
                Add(output, 70, $"{user} created service account {id} in system namespace {ns}; kubernetes.kube_namespace_service_accounts does not list it", Techniques.CreateAccount);
                break;
            case "roles" or "clusterroles":
                Role(e, body, hasBody, id, verb, output);
                break;
            case "clusterrolebindings" or "rolebindings" when verb == "create" && hasBody
                && body.TryGetProperty("roleRef", out var roleRef) && Str(roleRef, "name") is { } role && PolicyLists.Matches(k.AdminRoles, role):
                Add(output, 85, $"{user} bound {Subjects(body)} to admin role {role} ({type} {id}); kubernetes.admin_roles", Techniques.ClusterRoles);
                break;
            case "services" when verb == "create" && k.DenyNodePortServices && hasBody
                && body.TryGetProperty("spec", out var spec) && Str(spec, "type") == "NodePort":
                Add(output, 70, $"{user} created NodePort service {id}; kubernetes.deny_node_port_services", AttackMapping.None);
                break;
            case "configmaps" when verb is "create" or "update" or "patch" && hasBody && k.ConfigMapCredentialPatterns.Count > 0:
                var text = body.TryGetProperty("data", out var data) ? data.GetRawText() : body.GetRawText();
                foreach (var p in k.ConfigMapCredentialPatterns)
                {
                    if (text.Contains(p, StringComparison.OrdinalIgnoreCase))
                    {
                        Add(output, 70, $"{user} {verb} config map {id} holding a credential ('{p}'); kubernetes.config_map_credential_patterns", Techniques.UnsecuredCredentials);
                        break;
                    }
                }

                break;
        }
    }

    private void Pod(JsonElement body, string? ns, string id, List<Contribution> output)
    {
        if (!body.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var images = new List<string>();
        string? privileged = null;
        if (spec.TryGetProperty("containers", out var containers) && containers.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in containers.EnumerateArray())
            {
                var repo = Repository(Str(c, "image"));
                images.Add(repo);
                if (c.TryGetProperty("securityContext", out var sc) && sc.ValueKind == JsonValueKind.Object
                    && sc.TryGetProperty("privileged", out var p) && p.ValueKind == JsonValueKind.True
                    && !PolicyLists.Matches(k.PrivilegedImages, repo))
                {
                    privileged ??= repo;
                }
            }
        }

        var shown = string.Join(", ", images);
        if (k.AllowedImages is not null)
        {
            foreach (var img in images)
            {
                if (!PolicyLists.Matches(k.AllowedImages, img))
                {
                    Add(output, 70, $"pod {id} runs image {img}; kubernetes.allowed_images lists only [{string.Join(", ", k.AllowedImages)}]", Techniques.DeployContainer);
                    break;
                }
            }
        }

        if (privileged is not null)
        {
            Add(output, 75, $"pod {id} runs privileged container image {privileged}; kubernetes.privileged_images does not list it", Techniques.EscapeToHost);
        }

        if (spec.TryGetProperty("hostNetwork", out var hn) && hn.ValueKind == JsonValueKind.True && !AllMatch(k.HostNetworkImages, images))
        {
            Add(output, 70, $"pod {id} ({shown}) uses the host network; kubernetes.host_network_images does not list it", Techniques.DeployContainer);
        }

        if (spec.TryGetProperty("volumes", out var volumes) && volumes.ValueKind == JsonValueKind.Array && !AllMatch(k.SensitiveMountImages, images))
        {
            foreach (var v in volumes.EnumerateArray())
            {
                if (v.TryGetProperty("hostPath", out var hp) && Str(hp, "path") is { } path && SensitivePath(path))
                {
                    Add(output, 75, $"pod {id} ({shown}) mounts host path {path}; kubernetes.sensitive_mount_images does not list it", Techniques.EscapeToHost);
                    break;
                }
            }
        }

        if (PolicyLists.Matches(k.KubeNamespaces, ns) && !AllMatch(k.KubeNamespaceImages, images))
        {
            Add(output, 70, $"pod {id} ({shown}) created in system namespace {ns}; kubernetes.kube_namespace_images does not list it", Techniques.SystemNamespacePod);
        }
    }

    private void Role(AccessEvent e, JsonElement body, bool hasBody, string id, string verb, List<Contribution> output)
    {
        var user = e.Subject?.Id ?? "";
        if (verb is "create" or "update" or "patch" or "delete" && PolicyLists.Matches(k.SystemRolePrefixes.ConvertAll(p => p.EndsWith('*') ? p : p + "*"), Name(id))
            && !PolicyLists.Matches(k.SystemRoleExceptions, Name(id)))
        {
            Add(output, 75, $"{user} {verb} system role {id}; kubernetes.system_role_prefixes protects it", Techniques.ClusterRoles);
            return;
        }

        if (verb != "create" || !hasBody || !body.TryGetProperty("rules", out var rules) || rules.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var r in rules.EnumerateArray())
        {
            if (k.DenyWildcardRoles && (Has(r, "resources", "*") || Has(r, "verbs", "*")))
            {
                Add(output, 75, $"{user} created {e.Resource!.Type} {id} granting '*'; kubernetes.deny_wildcard_roles", Techniques.ClusterRoles);
                return;
            }

            if (k.DenyPodExecRoles && Has(r, "resources", "pods/exec"))
            {
                Add(output, 70, $"{user} created {e.Resource!.Type} {id} granting pods/exec; kubernetes.deny_pod_exec_roles", Techniques.ClusterRoles);
                return;
            }
        }
    }

    private bool SensitivePath(string path)
    {
        foreach (var p in k.SensitiveMountPaths)
        {
            if (p.EndsWith('*') ? path.StartsWith(p[..^1], StringComparison.Ordinal) : string.Equals(p, path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AllMatch(List<string> allowed, List<string> images)
    {
        if (images.Count == 0)
        {
            return false;
        }

        foreach (var i in images)
        {
            if (!PolicyLists.Matches(allowed, i))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Has(JsonElement rule, string property, string value)
    {
        if (rule.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in list.EnumerateArray())
            {
                if (x.ValueKind == JsonValueKind.String && x.ValueEquals(value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string Subjects(JsonElement body)
    {
        if (!body.TryGetProperty("subjects", out var s) || s.ValueKind != JsonValueKind.Array)
        {
            return "(no subjects)";
        }

        var names = new List<string>();
        foreach (var x in s.EnumerateArray())
        {
            names.Add($"{Str(x, "kind")} {Str(x, "name")}");
        }

        return string.Join(", ", names);
    }

    /// <summary><c>registry/repo:tag@sha</c> → <c>registry/repo</c>.</summary>
    public static string Repository(string? image)
    {
        if (string.IsNullOrEmpty(image))
        {
            return "";
        }

        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            image = image[..at];
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? image[..colon] : image;
    }

    private static string? Namespace(string id)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? id[..slash] : null;
    }

    private static string Name(string id)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? id[(slash + 1)..] : id;
    }

    private static string? Decision(Dictionary<string, JsonElement>? attrs) =>
        attrs is not null && attrs.TryGetValue(AnnotationsAttribute, out var a) && a.ValueKind == JsonValueKind.Object
            ? Str(a, "authorization.k8s.io/decision")
            : null;

    private static string Uri(Dictionary<string, JsonElement>? attrs) =>
        attrs is not null && attrs.TryGetValue(RequestUriAttribute, out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() ?? "" : "";

    private static bool IsHealthUri(Dictionary<string, JsonElement>? attrs) => Uri(attrs) is "/healthz" or "/livez" or "/readyz";

    private static string? Str(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static void Add(List<Contribution> output, int score, string text, AttackMapping attack) =>
        output.Add(new Contribution(Detectors.Policy, RuleNames.K8sAdmission, score, text).Of(attack));
}
