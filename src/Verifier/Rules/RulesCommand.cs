using ZtStream.Verifier.Rules.Testing;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// <c>ztstream rules test|list|coverage|backtest [PATH…]</c>: runs the rules' embedded tests, lists what loads (and what fails,
/// with file, line and reason), shows the ATT&amp;CK techniques covered, and backtests the rules on recorded events. Without a PATH the configured set is used:
/// the built-in library (unless <c>Verifier:Rules:Builtin</c> is false) and <c>Verifier:Rules:Paths</c>. The readers of
/// test inputs are given by the host (they live in Ingest) and map and validate with the configured <c>Ingest</c> section. Exit codes: 0 all good, 1 a
/// test or a file failed, 2 bad usage.
/// </summary>
internal sealed class RulesCommand(IReadOnlyDictionary<string, SourceFileReader> readers) : ICliCommand
{
    public Command Build()
    {
        var testPaths = Paths();
        var test = new Command("test", "run every embedded test (the configured rules when no PATH); exit 1 naming each failing test") { testPaths };
        test.SetCliAction((parsed, context, ct) => TestAsync(Load(parsed.GetValue(testPaths), context), context, ct));

        var listPaths = Paths();
        var listJson = Json("one JSON object per rule and per failing file; the last line is {\"loaded\": N, \"failed\": N}");
        var list = new Command("list", "id, revision, format, severity and ATT&CK techniques of each rule; failing files with their reason") { listPaths, listJson };
        list.SetCliAction((parsed, context, _) => ListAsync(Load(parsed.GetValue(listPaths), context), parsed.GetValue(listJson), context.Out));

        var coveragePaths = Paths();
        var coverageJson = Json("one JSON object per technique, then a summary");
        var coverage = new Command("coverage", "the ATT&CK techniques covered, and by which rules") { coveragePaths, coverageJson };
        coverage.SetCliAction((parsed, context, _) => CoverageAsync(Load(parsed.GetValue(coveragePaths), context), parsed.GetValue(coverageJson), context.Out));

        return new Command("rules", "detection rules (ZtStream, Sigma, Falco): rules test | list | coverage | backtest [PATH…]; exit 1 when a test or a file fails")
        {
            test, list, coverage, Backtest.BacktestCommand.Build(readers),
        };
    }

    internal static Argument<string[]> Paths()
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "rule files or directories (ZtStream, Sigma or Falco rules); none: the built-in library and Verifier:Rules:Paths",
            Arity = ArgumentArity.ZeroOrMore,
        };

        // An option this command does not have would otherwise be read as a path that does not exist.
        paths.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-'))
                {
                    result.AddError($"unknown option '{token.Value}'");
                }
            }
        });
        return paths;
    }

    private static Option<bool> Json(string description) => new("--json") { Description = description };

    /// <summary>The given paths alone, or (none given) the set <c>run</c> would load.</summary>
    internal static RuleLoadResult Load(string[]? paths, CliContext context)
    {
        if (paths is { Length: > 0 })
        {
            return LoadPaths(paths);
        }

        var options = context.Configuration.GetSection(VerifierOptions.Section).Get<VerifierOptions>()?.Rules ?? new RuleOptions();

        // A bad Verifier:Rules:Staged entry is a configuration error (exit 2), as it stops `ztstream run` from starting.
        if (options.Validate($"{VerifierOptions.Section}:Rules") is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(VerifierOptions.Section, typeof(RuleOptions), problems);
        }

        return RuleLoader.LoadConfigured(options);
    }

    internal static RuleLoadResult LoadPaths(IReadOnlyList<string> paths)
    {
        var errors = new List<RuleLoadError>();
        var sources = new List<RuleSource>();
        foreach (var path in paths)
        {
            // A folder named on the command line that holds no rule file is a wrong path, not "every test passed".
            var before = (sources.Count, errors.Count);
            sources.AddRange(RuleLoader.Read([path], errors));
            if ((sources.Count, errors.Count) == before)
            {
                errors.Add(new RuleLoadError(path, 0, null, "holds no rule files (*.yml or *.yaml, in it or below)"));
            }
        }

        var result = RuleLoader.Load(sources);
        return new RuleLoadResult(result.Rules, [.. errors, .. result.Errors]);
    }

    private async Task<int> TestAsync(RuleLoadResult loaded, CliContext context, CancellationToken cancellationToken)
    {
        // Test inputs map and validate with the configured Ingest section, as the events the rules will see live.
        var runner = new RuleTestRunner(readers, context.Configuration);
        var o = context.Out;
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
                    // A filter in effect may be why: say which, so the test or the filter can be fixed.
                    await o.WriteLineAsync("FAIL " + result + (rule.Filters.Count == 0 ? "" : $" (with filters {string.Join(", ", rule.Filters)} in effect)"));
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
                    w.WriteString("revision", r.Revision);
                    w.WriteString("severity", r.Severity);
                    w.WriteNumber("score", r.EffectiveScore);
                    Strings(w, "techniques", r.Techniques);
                    Strings(w, "tactics", r.Tactics);
                    Strings(w, "kinds", r.Kinds);
                    w.WriteBoolean("enabled", r.Enabled);
                    w.WriteBoolean("staged", r.Staged);
                    w.WriteBoolean("generates", r.Generates);
                    if (r.Correlation is { } c)
                    {
                        w.WriteString("correlation", c.Type);
                        Strings(w, "correlates", [.. c.Inputs.Select(i => i.Rule.Id)]);
                    }

                    if (r.Filters.Count > 0)
                    {
                        Strings(w, "filters", r.Filters);
                    }

                    w.WriteNumber("tests", r.Tests.Count);
                    w.WriteString("file", r.Origin.File);
                    w.WriteString("relative_file", r.RelativeFile);
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
            await o.WriteLineAsync($"{"ID",-40} {"REVISION",-12} {"FORMAT",-8} {"SEVERITY",-8} {"TECHNIQUES",-24} TITLE");
            foreach (var r in loaded.Rules)
            {
                var techniques = r.Techniques.Count == 0 ? "-" : string.Join(",", r.Techniques);
                await o.WriteLineAsync($"{r.Id,-40} {r.Revision,-12} {r.Format,-8} {r.Severity,-8} {techniques,-24} {r.Title}{(r.Enabled ? "" : " (disabled)")}{(r.Staged ? " (staged)" : "")}{Role(r)}");
            }

            foreach (var e in loaded.Errors)
            {
                await o.WriteLineAsync("FAILED " + e);
            }

            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{loaded.Rules.Count} rules loaded, {loaded.Errors.Count} failed"));
        }

        return loaded.Errors.Count > 0 ? 1 : 0;
    }

    private static string Role(Rule r) => (r.Correlation is { } c
        ? $" ({c.Type} of {string.Join(", ", c.Inputs.Select(i => i.Rule.Id))})"
        : r.Generates ? "" : " (correlated only)")
        + (r.Filters.Count == 0 ? "" : $" (filtered by {string.Join(", ", r.Filters)})");

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

    internal static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    internal static string Json(Action<Utf8JsonWriter> body)
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
