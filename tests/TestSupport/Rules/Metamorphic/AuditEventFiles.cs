namespace ZtStream.TestSupport.Rules.Metamorphic;

/// <summary>Kubernetes audit recordings as files hold them: one Event a line, and Falco's regression traces.</summary>
public static class AuditEventFiles
{
    /// <summary>The events of an audit log file, one a line (blank lines skipped).</summary>
    public static IEnumerable<JsonObject> Lines(string path) =>
        File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => (JsonObject)JsonNode.Parse(l)!);

    /// <summary>
    /// Every event of Falco's regression traces in <paramref name="folder"/>, each once (several tests share a trace); not
    /// the one trace that is malformed on purpose (<c>fal_01_003.json</c>, <c>{"kind": 0}</c>).
    /// </summary>
    public static List<JsonObject> FalcoTraces(string folder) =>
        [.. Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal)
            .Where(f => Path.GetFileName(f) != "fal_01_003.json").SelectMany(Lines).DistinctBy(e => e.ToJsonString())];
}
