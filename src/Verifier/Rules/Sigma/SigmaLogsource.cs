namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// A Sigma logsource ZtStream can evaluate: the event kinds it means, how its field names resolve, and, where events of
/// those kinds come in several records (identity providers' records, GCP's audit log entries beside the webhook's
/// events), the node that admits only the logsource's own (<see cref="Records"/>). A logsource Sigma's taxonomy names by
/// category without a service (<c>product: linux, category: process_creation</c>) has a <see cref="Category"/> and no
/// <see cref="Service"/>.
/// </summary>
internal sealed record SigmaLogsource(string Product, string? Service, IReadOnlyList<string> Kinds, IFieldResolver Fields, Node? Records = null)
{
    /// <summary>
    /// The category a rule must name for this logsource; null where the service alone says what is logged (a rule's
    /// category is then not read, as SigmaHQ's cloud rules may name one or not).
    /// </summary>
    public string? Category { get; init; }

    /// <summary>How a list of the supported logsources names this one, where one line stands for several (a service per application).</summary>
    public string? Listed { get; init; }

    public override string ToString() =>
        Listed ?? (Category is null ? $"product: {Product}, service: {Service}" : $"category: {Category}, product: {Product}");

    /// <summary>
    /// The detection, confined to this logsource's records: events of one kind come from several sources, and a rule
    /// written for Okta's fields must not read Auth0's, nor a GCP rule a webhook's event (nor an event without the record,
    /// such as a failed sign-in's address twin, where <c>not</c> a field would be true of nothing).
    /// </summary>
    public Node Scope(Node detection) => Records is null ? detection : new AllOf([Records, detection]);

    /// <summary>
    /// The service name belongs to this product alone in Sigma's taxonomy (<c>okta</c>, <c>signinlogs</c>,
    /// <c>auditlogs</c>, <c>gcp.audit</c>), so a logsource naming only the service means this one.
    /// </summary>
    public bool ServiceNamesProduct { get; init; }
}
