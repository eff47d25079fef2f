namespace ZtStream.TestSupport.Rules;

/// <summary>Sigma rules written as SigmaHQ writes them, for the tests of correlations over Kubernetes audit events.</summary>
public static class SigmaSamples
{
    /// <summary>A Kubernetes audit request the API server denied (403), as a Sigma rule with a <c>name</c> correlations reference.</summary>
    public static string DeniedRequest(string id, string name, string level, string title = "Kubernetes API request denied") => $"""
        title: {title}
        id: {id}
        name: {name}
        status: test
        logsource:
            product: kubernetes
            service: audit
        detection:
            selection:
                responseStatus.code: 403
            condition: selection
        level: {level}
        """;
}
