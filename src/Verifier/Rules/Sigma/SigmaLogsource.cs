using ZtStream.Verifier.Rules.Detection;

namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>
/// A Sigma logsource ZtStream can evaluate: the event kinds it means, how its field names resolve, and for an identity
/// provider's logsource the provider (<c>idp.name</c>) whose records alone it reads.
/// </summary>
internal sealed record SigmaLogsource(string Product, string Service, IReadOnlyList<string> Kinds, IFieldResolver Fields, string? Idp = null)
{
    /// <summary>
    /// The detection, confined to this logsource's records: events of one kind come from several identity providers,
    /// and a rule written for Okta's fields must not read Auth0's (nor an event without the record, such as a failed
    /// sign-in's address twin, where <c>not</c> a field would be true of nothing).
    /// </summary>
    public Node Scope(Node detection) => Idp is null ? detection : new AllOf([new ProviderRecord(Idp, Kinds), detection]);
}
