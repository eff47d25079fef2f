using ZtStream.Responder.Policy;

namespace ZtStream.Host.Run;

/// <summary>
/// Where the Verifier and the Responder run in one process, a response rule naming a detection rule (detector
/// <c>rule</c>) must name one the Verifier loaded — the built-in library or <c>Verifier:Rules:Paths</c> — or it would
/// never fire. A Responder running alone cannot see the Verifier's rules; docs/response.md says so.
/// </summary>
internal static class PolicyRuleCheck
{
    public static IEnumerable<string> Problems(IServiceProvider services)
    {
        if (services.GetService<RuleSetHolder>() is not { } holder || services.GetService<ResponsePolicy>() is not { } policy)
        {
            yield break;
        }

        var loaded = holder.Current.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var path = services.GetService<IOptions<ResponderOptions>>()?.Value.PolicyPath;
        for (var i = 0; i < policy.Rules.Count; i++)
        {
            if (policy.Rules[i] is { Detector: Detectors.Rule, Rule: { } id } && !loaded.Contains(id))
            {
                var some = string.Join(", ", loaded.Order(StringComparer.Ordinal).Take(12));
                yield return $"policy '{path}': rules[{i}]: detection rule '{id}' is not in the built-in library or Verifier:Rules:Paths (loaded: {some}{(loaded.Count > 12 ? ", …" : "")}; `ztstream rules list` lists them all).";
            }
        }
    }
}
