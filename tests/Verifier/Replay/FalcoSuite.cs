namespace ZtStream.Verifier.Tests.Replay;

/// <summary>Falco's k8s-audit regression suite (../shared/data/falco-k8s-audit) and the readers the host injects into replay.</summary>
internal static class FalcoSuite
{
    public const string Variable = "ZTSTREAM_FALCO_SUITE";

    /// <summary>The readers the host gives replay: the source adapters, every unmapped item reported.</summary>
    public static IReadOnlyDictionary<string, SourceFileReader> Readers => SourceFileReaders.All;

    /// <summary>The suite folder: from the environment, else found walking up from the test binaries.</summary>
    public static string? Folder()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } env && Directory.Exists(env))
        {
            return env;
        }

        // A copy ships with the tests (Apache-2.0, see its README.txt), so the suite runs wherever the tests do.
        var shipped = Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit");
        if (File.Exists(Path.Combine(shipped, "expectations.json")))
        {
            return shipped;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "falco-k8s-audit");
            if (File.Exists(Path.Combine(candidate, "expectations.json")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The site rule files standing in for Falco's site-dependent allow-lists and its test overrides.</summary>
    public static string SiteFolder => Path.Combine(AppContext.BaseDirectory, "TestData", "falco-site");

    /// <summary>
    /// Falco rules files → the ZtStream rule files a site would write for the same allow-lists: the base site file,
    /// then one per Falco override the test loads (loaded after the built-in library, in this order).
    /// </summary>
    public static List<string> SiteRuleFiles(IEnumerable<string> rulesFiles)
    {
        var files = new List<string> { Path.Combine(SiteFolder, "site.yaml") };
        foreach (var r in rulesFiles)
        {
            var overlay = Path.Combine(SiteFolder, Path.GetFileName(r));
            if (File.Exists(overlay))
            {
                files.Add(overlay);
            }
        }

        return files;
    }

    public static List<Expectation> Expectations(string folder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "expectations.json")));
        var list = new List<Expectation>();
        foreach (var t in doc.RootElement.EnumerateArray())
        {
            list.Add(new Expectation(
                t.GetProperty("test").GetString()!,
                t.GetProperty("trace_file").GetString()!,
                t.GetProperty("detect").GetBoolean(),
                t.TryGetProperty("detect_level", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null,
                [.. t.GetProperty("rules_files").EnumerateArray().Select(x => x.GetString()!)],
                [.. t.GetProperty("detect_counts").EnumerateObject().Select(p => p.Name)]));
        }

        return list;
    }
}

internal sealed record Expectation(string Test, string TraceFile, bool Detect, string? Level, IReadOnlyList<string> RulesFiles, IReadOnlyList<string> Rules)
{
    /// <summary>WARNING or above must alert; INFO/NOTICE tracking rules need not.</summary>
    public bool MustAlert => Detect && Level is "WARNING" or "ERROR" or "CRITICAL" or "ALERT" or "EMERGENCY";

    public bool MustNotAlert => !Detect;

    /// <summary>Tests of Falco's own rule language with a custom rule (no k8s_audit_rules.yaml loaded).</summary>
    public bool IsRuleLanguageTest => !RulesFiles.Any(r => r.Contains("k8s_audit_rules", StringComparison.Ordinal));
}
