using ZtStream.TestSupport.Rules.Metamorphic;

namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// Kubernetes audit data nobody here wrote, as the end-to-end tests read it: Falco's regression traces and the k8s-audit
/// evaluation set, copied next to the tests from the Verifier's TestData; and the built-in rule library's files, as the
/// binary embeds them.
/// </summary>
internal static class AuditCorpusFiles
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "k8s-audit");

    /// <summary>The traces' events, then the evaluation set's, each once.</summary>
    public static List<JsonObject> Events() =>
        [.. AuditEventFiles.FalcoTraces(Path.Combine(Folder, "falco-traces"))
            .Concat(AuditEventFiles.Lines(Path.Combine(Folder, "k8s-audit-eval", "events.jsonl")))
            .DistinctBy(e => e.ToJsonString())];

    /// <summary>The texts of the built-in library's files, which <c>ztstream run</c> loads by default.</summary>
    public static IEnumerable<string> BuiltinRules() => ZtStream.Verifier.Rules.RuleLoader.Builtin().Select(s => s.Text);
}
