using ZtStream.Verifier.Rules.Detection;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Rule files come from outside and are loaded at start and on every change. Whatever shape a file takes (real
/// Sigma, Falco and ZtStream rules reshaped: keys dropped, null or retyped, conditions 10,000 deep, unknown
/// modifiers, bad regular expressions, YAML nested 10,000 deep, aliases of aliases), loading it gives rules or
/// errors naming the file, never another exception, a hang or running out of memory; and every rule that loads
/// scores any event, reshaped too, without an exception.
/// </summary>
public sealed class RuleFuzzTests
{
    private static readonly string TestData = Path.Combine(AppContext.BaseDirectory, "TestData");

    // A guard against a hang, not a time this test must meet: 700 cases take about a minute on an idle two-core
    // machine, and more than five under a loaded one (a run of the whole suite beside other builds).
    [Fact(Timeout = 900_000)]
    public async Task Load_RuleFilesInOtherShapes_RulesOrErrorsNamingTheFile_AndEveryRuleScoresAnyEvent()
    {
        var seeds = Seeds();

        // The built-in lists, as they are: the built-in rules' placeholders name them.
        var lists = RuleLoader.Builtin().Where(s => s.Text.Contains("\nlists:", StringComparison.Ordinal) || s.Text.StartsWith("lists:", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(lists);
        var events = ScoringFuzzTests.Seeds().Select(e => JsonNode.Parse(ContractJson.Serialize(e))!).ToArray();
        var options = new VerifierOptions();
        var holder = new RuleSetHolder(new RuleSet([]));
        var engine = new ScoringEngine(options, DefaultPolicy.Load(), new ModelHost(options), holder);
        var (loaded, refused, scored) = (0, 0, 0);

        await JsonReshaper.RunAsync(JsonReshaper.Setting("ZTSTREAM_RULE_FUZZ_CASES", 700), JsonReshaper.Setting("ZTSTREAM_RULE_FUZZ_SEED", 20261130), (i, random) =>
        {
            var (path, seed, companions) = seeds[random.Next(seeds.Length)];
            var text = YamlReshaper.Reshape(seed, random);
            var file = $"fuzz-{i}{Path.GetExtension(path)}";
            var companionFile = $"fuzz-{i}-companions.yml";
            RuleLoadResult result;
            try
            {
                result = RuleLoader.Load([.. lists, .. companions is null ? [] : new[] { new RuleSource(companionFile, companions) }, new RuleSource(file, text)]);
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i} ({path}): {ex}\n{ScoringFuzzTests.Shown(text)}");
                return;
            }

            Assert.All(result.Errors, e => Assert.True((e.File == file || e.File == companionFile) && e.Reason.Length > 0, $"case {i}: {e}"));
            loaded += result.Rules.Count;
            refused += result.Errors.Count;
            if (result.Rules.Count == 0)
            {
                return;
            }

            holder.Swap(new RuleSet(result.Rules));
            scored += ScoringFuzzTests.ScoreSome(engine, events, random, i, $"rule file {path}, reshaped:\n{ScoringFuzzTests.Shown(text)}");
        }, TestContext.Current.CancellationToken);

        // Both outcomes occur: the reshaping neither always breaks the files nor never does, and rules do get events.
        Assert.True(loaded > 0 && refused > 0 && scored > 0, $"loaded {loaded}, refused {refused}, scored {scored}");
        TestContext.Current.SendDiagnosticMessage($"rule fuzz: {loaded} rules loaded, {refused} errors, {scored} events scored");
    }

    private static bool IsYaml(string text)
    {
        try
        {
            _ = RuleYaml.Documents(text).ToList();
            return true;
        }
        catch (RuleFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The built-in library, SigmaHQ's Kubernetes audit rules, Sigma correlations and Falco's audit rules and site
    /// overrides, as JSON. A document of a correlation file comes with the file's other documents unchanged (its
    /// companions), so a reshaped correlation still finds the rules it references and a reshaped rule its correlations.
    /// </summary>
    private static (string Path, JsonNode Rule, string? Companions)[] Seeds()
    {
        var files = RuleLoader.Builtin().Select(s => (s.Path, s.Text))
            .Concat(Directory.EnumerateFiles(TestData, "*.y*ml", SearchOption.AllDirectories)
                .Where(f => f.Contains("sigma", StringComparison.Ordinal) || f.Contains("falco", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(f => (f, System.IO.File.ReadAllText(f))));
        // A file SigmaHQ published as invalid YAML (kept as test data for its refusal) is no shape to start from.
        var read = files.Where(f => IsYaml(f.Item2))
            .Select(f => (Path: f.Item1, Docs: RuleYaml.Documents(f.Item2).Select(d => Encoding.UTF8.GetString(RuleYaml.ToJson(d.RootNode))).ToList())).ToList();
        var seeds = read
            .SelectMany(f =>
            {
                var docs = f.Docs;
                var correlated = docs.Exists(d => d.Contains("\"correlation\":", StringComparison.Ordinal));

                // A filter's rules are in the other files of its folder.
                var folder = read.Where(o => o.Path != f.Path && System.IO.Path.GetDirectoryName(o.Path) == System.IO.Path.GetDirectoryName(f.Path)).SelectMany(o => o.Docs).ToList();
                return docs.Select((d, i) => (f.Path, JsonNode.Parse(d)!,
                    correlated ? string.Join("\n---\n", docs.Where((_, j) => j != i))
                    : JsonNode.Parse(d) is JsonObject { } o && o["filter"] is not null ? string.Join("\n---\n", folder) : null));
            })
            .ToArray();
        Assert.Contains(seeds, s => s.Item1.Contains("sigma", StringComparison.Ordinal));
        Assert.Contains(seeds, s => s.Item3 is not null && s.Item2["correlation"] is not null);
        Assert.Contains(seeds, s => s.Item3 is not null && s.Item2 is JsonObject o && o["filter"] is not null);
        Assert.Contains(seeds, s => s.Item1.Contains("falco", StringComparison.Ordinal));
        return seeds;
    }
}
