using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ZtStream.Contracts.Events;
using ZtStream.Platform.Hosting;
using ZtStream.Verifier.Replay;
using ZtStream.Verifier.Rules.Testing;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// <c>ztstream rules test|list|coverage [PATH…]</c>: runs the rules' embedded tests, lists what loads (and what fails,
/// with file, line and reason), and shows the ATT&amp;CK techniques covered. Without a PATH the configured set is used:
/// the built-in library (unless <c>Verifier:Rules:Builtin</c> is false) and <c>Verifier:Rules:Paths</c>. Source readers
/// for tests written as a source's payload are given by the host (they live in Ingest).
/// </summary>
internal sealed class RulesCommand(IReadOnlyDictionary<string, Func<Stream, IEnumerable<AccessEvent>>>? readers = null) : ICliCommand
{
    private const string Usage = """
        usage: ztstream rules test [PATH…]             run every embedded test; exit 1 naming each failing test
               ztstream rules list [PATH…] [--json]    id, format, severity, techniques of each rule; failing files with their reason
               ztstream rules coverage [PATH…] [--json] the ATT&CK techniques covered, and by which rules
        PATH is a rule file or a directory (ZtStream, Sigma or Falco rules). Without PATH: the built-in library and
        Verifier:Rules:Paths. Exit codes: 0 all good, 1 a test or a file failed, 2 bad usage.
        """;

    public string Name => "rules";

    public string Summary => "test, list and show ATT&CK coverage of detection rules (ZtStream, Sigma, Falco): rules test|list|coverage [PATH…]";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            await (args.Count == 0 ? context.Error : context.Out).WriteLineAsync(Usage);
            return args.Count == 0 ? 2 : 0;
        }

        var verb = args[0];
        var a = new CliArgs([.. args.Skip(1)], [], ["json", "help"]);
        if (a.Has("help") || a.Positional.Contains("-h"))
        {
            await context.Out.WriteLineAsync(Usage);
            return 0;
        }

        if (verb is not ("test" or "list" or "coverage"))
        {
            a.Problems.Add($"unknown sub-command '{verb}' (test, list or coverage)");
        }

        if (verb == "test" && a.Has("json"))
        {
            a.Problems.Add("--json applies to list and coverage");
        }

        var options = context.Configuration.GetSection(VerifierOptions.Section).Get<VerifierOptions>()?.Rules ?? new RuleOptions();
        if (a.Problems.Count > 0)
        {
            foreach (var p in a.Problems)
            {
                await context.Error.WriteLineAsync($"rules: {p}");
            }

            await context.Error.WriteLineAsync(Usage);
            return 2;
        }

        var loaded = a.Positional.Count == 0 ? RuleLoader.LoadConfigured(options) : LoadPaths(a.Positional);
        return verb switch
        {
            "test" => await TestAsync(loaded, context.Out, cancellationToken),
            "list" => await ListAsync(loaded, a.Has("json"), context.Out),
            _ => await CoverageAsync(loaded, a.Has("json"), context.Out),
        };
    }

    private static RuleLoadResult LoadPaths(IReadOnlyList<string> paths)
    {
        var errors = new List<RuleLoadError>();
        var sources = RuleLoader.Read(paths, errors);
        var result = RuleLoader.Load(sources);
        return new RuleLoadResult(result.Rules, [.. errors, .. result.Errors]);
    }

    private async Task<int> TestAsync(RuleLoadResult loaded, TextWriter o, CancellationToken cancellationToken)
    {
        var runner = new RuleTestRunner(readers);
        int passed = 0, failed = 0, untested = 0;
        foreach (var rule in loaded.Rules)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (rule.Tests.Count == 0)
            {
                untested++;
                continue;
            }

            foreach (var result in runner.Run(rule))
            {
                if (result.Passed)
                {
                    passed++;
                }
                else
                {
                    failed++;
                    await o.WriteLineAsync("FAIL " + result);
                }
            }
        }

        foreach (var error in loaded.Errors)
        {
            await o.WriteLineAsync("ERROR " + error);
        }

        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{passed} tests passed, {failed} failed; {loaded.Rules.Count} rules ({untested} without tests), {loaded.Errors.Count} load errors"));
        return failed > 0 || loaded.Errors.Count > 0 ? 1 : 0;
    }

    private static async Task<int> ListAsync(RuleLoadResult loaded, bool json, TextWriter o)
    {
        if (json)
        {
            foreach (var r in loaded.Rules)
            {
                await o.WriteLineAsync(Json(w =>
                {
                    w.WriteString("id", r.Id);
                    w.WriteString("title", r.Title);
                    w.WriteString("format", r.Format);
                    w.WriteString("severity", r.Severity);
                    w.WriteNumber("score", r.EffectiveScore);
                    Strings(w, "techniques", r.Techniques);
                    Strings(w, "tactics", r.Tactics);
                    Strings(w, "kinds", r.Kinds);
                    w.WriteBoolean("enabled", r.Enabled);
                    w.WriteNumber("tests", r.Tests.Count);
                    w.WriteString("file", r.Origin.File);
                    w.WriteNumber("line", r.Origin.Line);
                }));
            }

            foreach (var e in loaded.Errors)
            {
                await o.WriteLineAsync(Json(w =>
                {
                    w.WriteString("file", e.File);
                    w.WriteNumber("line", e.Line);
                    if (e.RuleId is not null)
                    {
                        w.WriteString("rule", e.RuleId);
                    }

                    w.WriteString("error", e.Reason);
                }));
            }

            await o.WriteLineAsync(Json(w =>
            {
                w.WriteNumber("loaded", loaded.Rules.Count);
                w.WriteNumber("failed", loaded.Errors.Count);
            }));
        }
        else
        {
            await o.WriteLineAsync($"{"ID",-40} {"FORMAT",-8} {"SEVERITY",-8} {"TECHNIQUES",-24} TITLE");
            foreach (var r in loaded.Rules)
            {
                var techniques = r.Techniques.Count == 0 ? "-" : string.Join(",", r.Techniques);
                await o.WriteLineAsync($"{r.Id,-40} {r.Format,-8} {r.Severity,-8} {techniques,-24} {r.Title}{(r.Enabled ? "" : " (disabled)")}");
            }

            foreach (var e in loaded.Errors)
            {
                await o.WriteLineAsync("FAILED " + e);
            }

            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{loaded.Rules.Count} rules loaded, {loaded.Errors.Count} failed"));
        }

        return loaded.Errors.Count > 0 ? 1 : 0;
    }

    private static async Task<int> CoverageAsync(RuleLoadResult loaded, bool json, TextWriter o)
    {
        var byTechnique = loaded.Rules
            .SelectMany(r => r.Techniques.Select(t => (Technique: t, Rule: r)))
            .GroupBy(x => x.Technique, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var without = loaded.Rules.Count(r => r.Techniques.Count == 0);
        if (json)
        {
            foreach (var g in byTechnique)
            {
                await o.WriteLineAsync(Json(w =>
                {
                    w.WriteString("technique", g.Key);
                    Strings(w, "tactics", [.. g.SelectMany(x => x.Rule.Tactics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
                    Strings(w, "rules", [.. g.Select(x => x.Rule.Id)]);
                }));
            }

            await o.WriteLineAsync(Json(w =>
            {
                w.WriteNumber("techniques", byTechnique.Count);
                w.WriteNumber("rules", loaded.Rules.Count);
                w.WriteNumber("rules_without_technique", without);
                w.WriteNumber("failed", loaded.Errors.Count);
            }));
        }
        else
        {
            foreach (var g in byTechnique)
            {
                await o.WriteLineAsync($"{g.Key,-10} {string.Join(", ", g.Select(x => x.Rule.Id))}");
            }

            foreach (var e in loaded.Errors)
            {
                await o.WriteLineAsync("FAILED " + e);
            }

            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{byTechnique.Count} techniques covered by {loaded.Rules.Count - without} of {loaded.Rules.Count} rules ({without} name no technique), {loaded.Errors.Count} failed"));
        }

        return loaded.Errors.Count > 0 ? 1 : 0;
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
