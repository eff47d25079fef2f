namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// What a Sigma rule was read from that a Sigma filter needs: its logsource as written (a filter applies only to rules
/// of its logsource) and its compiled detection (confined to the logsource's records), to which a filter adds its
/// exclusion.
/// </summary>
internal sealed record SigmaSource(string? Category, string? Product, string? Service, Node Detection)
{
    /// <summary>
    /// Whether a filter written for <paramref name="filter"/> applies to this rule: every part the filter's logsource
    /// names (category, product, service) is the rule's, case aside; a part the filter leaves out matches any.
    /// </summary>
    public bool Within(SigmaSource filter) =>
        Same(filter.Category, Category) && Same(filter.Product, Product) && Same(filter.Service, Service);

    public override string ToString() => $"category: {Category ?? "-"}, product: {Product ?? "-"}, service: {Service ?? "-"}";

    private static bool Same(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual, StringComparison.OrdinalIgnoreCase);
}
