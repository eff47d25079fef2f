namespace ZtStream.Responder.Isolation.Kubernetes;

/// <summary>
/// One more cluster the Kubernetes isolator acts in (<c>Responder:Drivers:Kubernetes:Clusters:N</c>): the name its events
/// give it and how to reach it. A list rather than a map keyed by name, since a configuration key cannot hold every name
/// a cluster may have (a <c>:</c>, or two names differing only in case, as AKS and EKS names may).
/// </summary>
internal sealed record KubernetesClusterOptions
{
    /// <summary>The cluster as its events name it (<c>attributes["k8s.cluster"]</c>), exactly.</summary>
    public string Name { get; init; } = "";

    /// <summary>A kubeconfig file; when empty, the default kubeconfig.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The kubeconfig context to use; when empty, its current context.</summary>
    public string? Context { get; init; }

    /// <summary>The API server URL, overriding the kubeconfig's.</summary>
    public Uri? Host { get; init; }
}
