namespace ZtStream.Verifier.Tests.Policy;

/// <summary>
/// Policy files are written by operators, not here. Whatever shape one takes (the default, the shipped and the
/// documented policies reshaped: keys dropped, null or retyped, 100 KB strings, 10,000-item lists, YAML nested 10,000
/// deep, aliases of aliases, duplicate keys, odd numbers, <c>extends</c> naming nothing, itself or no file), loading it
/// gives a policy or a <see cref="PolicyException"/> naming the file, never another exception or a hang; and every
/// policy that loads scores any event, reshaped too, without an exception.
/// </summary>
public sealed class PolicyFuzzTests
{
    private static readonly string[] Extends = ["", " ", "\u0000", "nosuch.yaml", "/", ".", "base.yaml", "fuzz.yaml", "../../../../../../../../etc/passwd", new string('a', 100_000)];

    private static readonly string[] Numbers = ["-1", "1e308", "-1e308", "NaN", ".nan", ".inf", "99999999999999999999", "0x7fffffff", "0s", "-5m", "99999999d", "yes", "~"];

    [Fact(Timeout = 300_000)]
    public async Task Load_PolicyFilesInOtherShapes_PolicyOrErrorNamingTheFile_AndEveryPolicyScoresAnyEvent()
    {
        var seeds = Seeds();
        var events = ScoringFuzzTests.Seeds().Select(e => JsonNode.Parse(ContractJson.Serialize(e))!).ToArray();
        var options = new VerifierOptions();
        var model = new ModelHost(options);
        var rules = new RuleSetHolder(new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules));
        using var dir = new TempFolder("zt-policy-fuzz-");
        File.WriteAllText(Path.Combine(dir.Path, "base.yaml"), DefaultPolicy.Yaml());
        var (loaded, refused, scored) = (0, 0, 0);

        await JsonReshaper.RunAsync(JsonReshaper.Setting("ZTSTREAM_POLICY_FUZZ_CASES", 400), JsonReshaper.Setting("ZTSTREAM_POLICY_FUZZ_SEED", 20261130), (i, random) =>
        {
            var seed = seeds[random.Next(seeds.Length)].DeepClone();
            if (seed is JsonObject top)
            {
                if (random.Next(4) == 0)
                {
                    top["extends"] = random.Next(3) == 0
                        ? new JsonArray(JsonValue.Create(Extends[random.Next(Extends.Length)]), JsonValue.Create(Extends[random.Next(Extends.Length)]))
                        : JsonValue.Create(Extends[random.Next(Extends.Length)]);
                }

                if (random.Next(3) == 0)
                {
                    top["tokens"] = new JsonObject { ["expiry_grace_seconds"] = Numbers[random.Next(Numbers.Length)], ["enforce_binding"] = Numbers[random.Next(Numbers.Length)] };
                }
            }

            var text = YamlReshaper.Reshape(seed, random);
            var file = Path.Combine(dir.Path, "fuzz.yaml");
            File.WriteAllText(file, text);
            ZeroTrustPolicy policy;
            try
            {
                policy = PolicyLoader.LoadFile(file);
                loaded++;
            }
            catch (PolicyException ex)
            {
                Assert.True(ex.Message.Contains(dir.Path, StringComparison.Ordinal), $"case {i}: {ex.Message} names no file");
                refused++;
                return;
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i}: {ex}\n{ScoringFuzzTests.Shown(text)}");
                return;
            }

            scored += ScoringFuzzTests.ScoreSome(new ScoringEngine(options, policy, model, rules), events, random, i, $"policy:\n{ScoringFuzzTests.Shown(text)}");
        }, TestContext.Current.CancellationToken);

        Assert.True(loaded > 0 && refused > 0 && scored > 0, $"loaded {loaded}, refused {refused}, scored {scored}");
        TestContext.Current.SendDiagnosticMessage($"policy fuzz: {loaded} policies loaded, {refused} refused, {scored} events scored");
    }

    /// <summary>The built-in default, the shipped policy and the examples of docs/policy.md that are zero-trust policies.</summary>
    private static JsonNode[] Seeds()
    {
        var root = Repository.Root();
        var texts = new[] { DefaultPolicy.Yaml(), File.ReadAllText(Path.Combine(root, "infra", "config", "policy.yaml")) }
            .Concat(YamlReshaper.Blocks(File.ReadAllText(Path.Combine(root, "docs", "policy.md")))
                .Where(y => y.Contains("data_classes:", StringComparison.Ordinal) || y.Contains("segmentation:", StringComparison.Ordinal)
                    || y.Contains("protected_resources:", StringComparison.Ordinal) || y.Contains("exec_allowed:", StringComparison.Ordinal)));
        var seeds = texts.Select(YamlReshaper.FromYaml).Where(n => n is JsonObject).ToArray();
        Assert.True(seeds.Length >= 3, $"{seeds.Length} seed policies");
        return seeds;
    }
}
