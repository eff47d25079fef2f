namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>The logsources with a field mapping. Any other logsource is an error naming it, never a rule that silently matches nothing.</summary>
internal static class SigmaLogsources
{
    public static IReadOnlyList<SigmaLogsource> All { get; } =
    [
        new("kubernetes", "audit", [EventKinds.K8sAudit], KubernetesAuditFields.Instance),
    ];

    public static SigmaLogsource? Find(string? product, string? service) =>
        All.FirstOrDefault(l => string.Equals(l.Product, product, StringComparison.OrdinalIgnoreCase) && string.Equals(l.Service, service, StringComparison.OrdinalIgnoreCase));
}
