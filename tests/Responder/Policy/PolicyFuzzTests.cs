using ZtStream.TestSupport.Fuzzing;

namespace ZtStream.Responder.Tests.Policy;

/// <summary>
/// Response policies are written by operators, not here. Whatever shape one takes (the shipped and documented
/// policies reshaped: keys dropped, null or retyped, 100 KB strings, 10,000-item lists, YAML nested 10,000 deep,
/// aliases, duplicate keys, durations such as <c>-5m</c> or <c>99999999d</c>, globs of many stars), loading it gives a
/// policy or errors naming the file, never an exception or a hang; and every policy that loads matches any alert,
/// reshaped too, against its rules and protected targets without an exception.
/// </summary>
public sealed class PolicyFuzzTests
{
    private static readonly string[] Durations = ["0s", "-5m", "99999999d", "NaNs", "1e308h", "Infinitym", "-0d", "1x", "00:00:00", "10675199.02:48:05.4775807", "s", ""];

    [Fact(Timeout = 300_000)]
    public async Task Load_ResponsePoliciesInOtherShapes_PolicyOrErrorsNamingTheFile_AndEveryPolicyMatchesAnyAlert()
    {
        var root = Repository.Root();
        var seeds = new[] { File.ReadAllText(Path.Combine(root, "infra", "config", "response.yaml")) }
            .Concat(YamlReshaper.Blocks(File.ReadAllText(Path.Combine(root, "docs", "response.md"))).Where(y => y.Contains("action:", StringComparison.Ordinal)))
            .Select(YamlReshaper.FromYaml).Where(n => n is JsonObject).ToArray();
        Assert.True(seeds.Length >= 2, $"{seeds.Length} seed policies");
        var alerts = new[]
        {
            TestAlerts.Critical("a-1"),
            TestAlerts.Critical("a-2", "system:serviceaccount:shop:api", workload: new AlertWorkload("shop/web-1", "shop", "web-1")),
            TestAlerts.WithTechniques("a-3", "bob", "T1528"),
        }.Select(a => JsonNode.Parse(ContractJson.Serialize(a))!).ToArray();
        var (loaded, refused, matched) = (0, 0, 0);

        await JsonReshaper.RunAsync(JsonReshaper.Setting("ZTSTREAM_POLICY_FUZZ_CASES", 400), JsonReshaper.Setting("ZTSTREAM_POLICY_FUZZ_SEED", 20261130), (i, random) =>
        {
            var seed = seeds[random.Next(seeds.Length)].DeepClone();
            if (seed is JsonObject top && random.Next(3) == 0)
            {
                top[new[] { "budget", "isolation", "approval" }[random.Next(3)]] = new JsonObject
                {
                    [new[] { "window", "default_ttl", "expires_after" }[random.Next(3)]] = Durations[random.Next(Durations.Length)],
                };
            }

            var text = YamlReshaper.Reshape(seed, random);
            var errors = new List<string>();
            ResponsePolicy? policy;
            try
            {
                policy = PolicyLoader.Load(text, errors, "policy 'fuzz.yaml'");
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {i}: {ex}\n{Shown(text)}");
                return;
            }

            Assert.All(errors, e => Assert.StartsWith("policy 'fuzz.yaml': ", e, StringComparison.Ordinal));
            Assert.True((policy is null) == (errors.Count > 0), $"case {i}: a policy and {errors.Count} errors");
            if (policy is null)
            {
                refused++;
                return;
            }

            loaded++;
            for (var n = 0; n < 3; n++)
            {
                Alert alert;
                try
                {
                    alert = ContractJson.DeserializeAlert(Encoding.UTF8.GetBytes((n == 0 ? alerts[random.Next(alerts.Length)] : JsonReshaper.Reshape(alerts[random.Next(alerts.Length)], random)).ToJsonString()));
                }
                catch (JsonException)
                {
                    continue;
                }

                try
                {
                    matched += policy.Rules.Count(r => r.Matches(alert));
                    _ = policy.IsProtectedSubject(alert.SubjectId) || policy.IsProtectedWorkload(alert.Workload?.Id, alert.Workload?.Namespace, alert.Workload?.Name);
                }
                catch (Exception ex)
                {
                    Assert.Fail($"case {i}: matching threw {ex}\npolicy:\n{Shown(text)}");
                }
            }
        }, TestContext.Current.CancellationToken);

        Assert.True(loaded > 0 && refused > 0 && matched > 0, $"loaded {loaded}, refused {refused}, matched {matched}");
        TestContext.Current.SendDiagnosticMessage($"response policy fuzz: {loaded} loaded, {refused} refused, {matched} rule matches");
    }

    private static string Shown(string text) => text.Length <= 2_000 ? text : text[..2_000] + "…";
}
