using System.Text.Json;
using ZtStream.Contracts.Events;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// One event as a rule sees it: the canonical event, and the source's original object where the source adapter
/// kept it (<see cref="AccessEvent.Raw"/>), so rules written for the source's own shape (Falco's <c>ka.*</c>
/// fields, Sigma's audit field names) match without a translation table per field.
/// </summary>
internal sealed class RuleEvent(AccessEvent e)
{
    public AccessEvent Event { get; } = e;

    /// <summary>The source's original object, if kept.</summary>
    public JsonElement? Raw => Event.Raw;
}
