namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Builds rules from YAML text and Kubernetes audit events through Ingest's own mapper.</summary>
internal static class RuleTesting
{
    private static int next;

    /// <summary>Loads one ZtStream or Sigma rule file given as text; fails the test on any load error.</summary>
    public static Rule One(string yaml, string file = "test.yaml")
    {
        var result = RuleLoader.Load([new RuleSource(file, yaml)]);
        Assert.Empty(result.Errors);
        return Assert.Single(result.Rules);
    }

    /// <summary>
    /// For each of <paramref name="events"/>, the ids of the enabled built-in rules that match it, in ordinal order: what a
    /// library's test of documented records asserts, a rule that fires on the wrong record or not at all showing in its row.
    /// </summary>
    public static List<string[]> BuiltinFired(IEnumerable<AccessEvent> events)
    {
        var builtin = RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => r.Enabled).ToList();
        return [.. events.Select(e => builtin.Where(r => r.Matches(e)).Select(r => r.Id).Order(StringComparer.Ordinal).ToArray())];
    }

    /// <summary>Every rule under <paramref name="folder"/>; fails the test on any read or load error.</summary>
    public static IReadOnlyList<Rule> Folder(string folder)
    {
        var errors = new List<RuleLoadError>();
        var result = RuleLoader.Load(RuleLoader.Read([folder], errors));
        Assert.Empty(errors);
        Assert.Empty(result.Errors);
        return result.Rules;
    }

    /// <summary>The errors of loading one file.</summary>
    public static IReadOnlyList<RuleLoadError> Errors(string yaml, string file = "bad.yaml")
    {
        var result = RuleLoader.Load([new RuleSource(file, yaml)]);
        Assert.NotEmpty(result.Errors);
        return result.Errors;
    }

    /// <summary>A ZtStream rule whose detection is <paramref name="detection"/> (YAML, indented under <c>detection:</c>).</summary>
    public static Rule Detection(string detection, string severity = "high") => One($"""
        id: t
        title: T
        severity: {severity}
        detection:
        {Indent(detection)}
        """);

    /// <summary>
    /// The one error of loading a low-severity ZtStream rule whose detection is <paramref name="detection"/>
    /// (indented under <c>detection:</c> on line 4), followed by <paramref name="after"/> (top-level YAML).
    /// </summary>
    public static RuleLoadError ErrorOf(string detection, string after = "", string id = "t") => Assert.Single(Errors($"""
        id: {id}
        title: T
        severity: low
        detection:
        {Indent(detection)}
        {after}
        """));

    /// <summary>
    /// A ZtStream rule file: rule <paramref name="id"/> matches denied requests, and carries <paramref name="tests"/>
    /// (YAML, indented under <c>tests:</c>, the first test on line 9).
    /// </summary>
    public static string DeniedRuleWithTests(string id, string tests) => $"""
        id: {id}
        title: Denied
        severity: high
        detection:
          d:
            outcome: denied
          condition: d
        tests:
        {Indent(tests)}
        """;

    /// <summary>
    /// The smallest ZtStream rule file: rule <paramref name="id"/> (titled <paramref name="title"/>, else its id), low
    /// severity, matching any request whose action is <c>x</c>.
    /// </summary>
    public static string Minimal(string id, string? title = null) =>
        $"id: {id}\ntitle: {title ?? id}\nseverity: low\ndetection:\n  s:\n    action: x\n  condition: s\n";

    public static bool Matches(this Rule rule, AccessEvent e) => rule.Condition.Matches(new RuleEvent(e));

    /// <summary>
    /// A native audit.k8s.io/v1 Event (as the API server's webhook sends it), mapped by Ingest's K8sAuditMapper.
    /// <paramref name="extra"/> is merged at the top level (requestObject, annotations, responseStatus …).
    /// </summary>
    public static AccessEvent Audit(string verb, string resource, string? ns = "default", string? name = null, string user = "alice@example.com",
        int code = 200, string? subresource = null, string? apiGroup = null, string? extra = null, DateTimeOffset? time = null, string? userAgent = "kubectl/v1.30.2")
    {
        var e = AuditEvents.Native(verb, resource, ns, name, user, code, time ?? Events.T0, subresource, apiGroup, userAgent);
        if (extra is not null)
        {
            foreach (var (k, v) in JsonNode.Parse(extra)!.AsObject().ToList())
            {
                e[k] = v?.DeepClone();
            }
        }

        return Mapped(e);
    }

    /// <summary>A Kubernetes audit record (or a managed cluster's envelope of one) as Ingest's K8sAuditMapper maps it: its only event, with no error.</summary>
    public static AccessEvent Mapped(JsonNode audit) => Assert.Single(MappedAll(audit.ToJsonString()));

    /// <summary>
    /// Every event Ingest's K8sAuditMapper maps from <paramref name="body"/> (an audit Event, an EventList, a managed
    /// cluster's envelope), as the endpoint maps one request's body; fails the test on any error.
    /// </summary>
    public static IReadOnlyList<AccessEvent> MappedAll(byte[] body)
    {
        var mapped = K8sAuditMapper.Map(body);
        Assert.Empty(mapped.Errors);
        return mapped.Events;
    }

    /// <inheritdoc cref="MappedAll(byte[])"/>
    public static IReadOnlyList<AccessEvent> MappedAll(string body) => MappedAll(Encoding.UTF8.GetBytes(body));

    /// <summary>A canonical event carrying <paramref name="raw"/> as its source object.</summary>
    public static AccessEvent WithRaw(string raw, string kind = EventKinds.K8sAudit) => new()
    {
        Id = $"raw-{Interlocked.Increment(ref next)}",
        Time = Events.T0,
        Kind = kind,
        Subject = new Subject { Id = "alice@example.com" },
        Raw = JsonDocument.Parse(raw).RootElement.Clone(),
    };

    /// <summary>Every line indented by two spaces, to sit under a YAML key.</summary>
    public static string Indent(string text) => string.Join('\n', text.Split('\n').Select(l => "  " + l));
}
