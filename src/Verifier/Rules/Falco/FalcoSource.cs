namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// A Falco event source ZtStream evaluates: which events a rule of the source reads (and the object on
/// <see cref="AccessEvent.Raw"/> its fields extract from), which event kinds index it, and which plugin's fields it
/// may use. A rule never reads another source's events, so a field of one plugin never meets another's record.
/// </summary>
internal sealed class FalcoSource
{
    private readonly Func<RuleEvent, bool> accepts;

    private FalcoSource(string name, string plugin, string fieldPrefix, string describes, IReadOnlyList<string> kinds, Func<RuleEvent, bool> accepts)
    {
        Name = name;
        Plugin = plugin;
        FieldPrefix = fieldPrefix;
        Describes = describes;
        Kinds = kinds;
        NameUtf8 = Encoding.UTF8.GetBytes(name);
        this.accepts = accepts;
    }

    /// <summary>Kubernetes audit events (kind <c>k8s.audit</c>), read through the k8saudit plugin's <c>ka.*</c> fields.</summary>
    public static FalcoSource K8sAudit { get; } = new(
        "k8s_audit", "k8saudit", "ka.", "Kubernetes audit events", [EventKinds.K8sAudit], e => e.Event.Kind == EventKinds.K8sAudit);

    /// <summary>Okta System Log events (<c>idp.name</c> okta), read through the okta plugin's <c>okta.*</c> fields.</summary>
    public static FalcoSource Okta { get; } = new(
        "okta", "okta", "okta.", "Okta System Log events", IdentityProviderEvents.Kinds, e => IdentityProviderEvents.IsFrom(e, "okta"));

    public static IReadOnlyList<FalcoSource> All { get; } = [K8sAudit, Okta];

    /// <summary>The source's name as rules write it (<c>source: okta</c>) and <c>evt.source</c> gives it.</summary>
    public string Name { get; }

    public byte[] NameUtf8 { get; }

    /// <summary>The falcosecurity plugin whose fields the source's rules use.</summary>
    public string Plugin { get; }

    /// <summary>"a k8saudit", "an okta": the plugin's name with its article, for messages.</summary>
    public string APlugin => ("aeiou".Contains(Plugin[0], StringComparison.Ordinal) ? "an " : "a ") + Plugin;

    /// <summary>The prefix of that plugin's fields (<c>ka.</c>, <c>okta.</c>).</summary>
    public string FieldPrefix { get; }

    /// <summary>What the source's events are, for messages.</summary>
    public string Describes { get; }

    /// <summary>The event kinds the source's rules are indexed under.</summary>
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>The evaluated sources, for messages: "k8s_audit (Kubernetes audit events), okta (Okta System Log events)".</summary>
    public static string Listed { get; } = string.Join(", ", All.Select(s => $"{s.Name} ({s.Describes})"));

    public static FalcoSource? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>The source's original object when <paramref name="e"/> is one of the source's events that kept it.</summary>
    public bool TryRead(RuleEvent e, out JsonElement raw)
    {
        if (e.Raw is { ValueKind: JsonValueKind.Object } r && accepts(e))
        {
            raw = r;
            return true;
        }

        raw = default;
        return false;
    }
}
