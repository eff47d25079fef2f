namespace ZtStream.TestSupport.Rules;

/// <summary>Sigma rules written as SigmaHQ writes them, for the tests of correlations over Kubernetes audit events.</summary>
public static class SigmaSamples
{
    /// <summary>A Kubernetes audit request the API server denied (403), as a Sigma rule with a <c>name</c> correlations reference.</summary>
    public static string DeniedRequest(string id, string name, string level, string title = "Kubernetes API request denied") =>
        KubernetesAudit(id, title, "responseStatus.code: 403", level, name: name);

    /// <summary>
    /// A Sigma rule over Kubernetes audit events: <paramref name="selection"/> is the selection's fields, one per line,
    /// <paramref name="condition"/> the condition as written in YAML.
    /// </summary>
    public static string KubernetesAudit(string id, string title, string selection, string level, string condition = "selection", string? name = null) => $"""
        title: {title}
        id: {id}
        {(name is null ? "" : $"name: {name}")}
        status: test
        logsource:
            product: kubernetes
            service: audit
        detection:
            selection:
        {string.Join('\n', selection.Split('\n').Select(line => "        " + line))}
            condition: {condition}
        level: {level}
        """;
}
