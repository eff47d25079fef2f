namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Rule files come from outside (SigmaHQ, Falco's community rules, a customer's repository): inputs that would take a
/// recursive parser or an expansion past the stack or memory are errors that name the file and the limit, never a
/// crash of the process (a stack overflow cannot be caught) or a load that never ends.
/// </summary>
public sealed class RuleLimitTests
{
    private const string File = "deep.yml";

    public static TheoryData<string, string> DeepSigmaConditions => new()
    {
        { "parentheses 10,000 deep", new string('(', 10_000) + "selection" + new string(')', 10_000) },
        { "10,000 nots", string.Concat(Enumerable.Repeat("not ", 10_000)) + "selection" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(DeepSigmaConditions))]
    public async Task Load_SigmaConditionNestedTooDeep_ErrorNamesTheLimit(string because, string condition)
    {
        var result = await OnOwnThread(() => Load(Sigma(condition)), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.Equal(File, error.File);
        Assert.Contains("nests deeper than 100 levels", error.Reason, StringComparison.Ordinal);
        Assert.True(error.Reason.Length < 1_000, "the message quotes a long condition shortened");
        Assert.True(result.Rules.Count == 0, because);
    }

    [Fact(Timeout = 60_000)]
    public async Task Load_SelectionOfListsNested10000Deep_ErrorNamesTheLimit()
    {
        var text = "title: Deep\nid: 8f5d2d4e-0000-4000-8000-000000000002\nlogsource: {product: kubernetes, service: audit}\ndetection:\n  selection: "
            + new string('[', 10_000) + "{verb: create}" + new string(']', 10_000) + "\n  condition: selection\n";

        var result = await OnOwnThread(() => Load(text), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.Contains("nests lists deeper than 100 levels", error.Reason, StringComparison.Ordinal);
        Assert.True(error.Line > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Load_SelectionOfAliasesOfAliases_ABillionItems_ErrorNamesTheLimit()
    {
        // Ten lists of ten aliases of the list before: nine levels name a billion keywords.
        var lists = new StringBuilder("  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 9; i++)
        {
            lists.Append(CultureInfo.InvariantCulture, $"  l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }

        var text = "title: Bomb\nid: 8f5d2d4e-0000-4000-8000-000000000009\nlogsource: {product: kubernetes, service: audit}\ndetection:\n"
            + lists + "  selection: *l8\n  condition: selection\n";

        var result = await OnOwnThread(() => Load(text), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.Contains("more than 100000 list items (a YAML alias counts each time it is used)", error.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Rules);
    }

    [Fact(Timeout = 60_000)]
    public async Task Load_SigmaConditionWith10000AndTerms_Loads()
    {
        var condition = string.Join(" and ", Enumerable.Repeat("selection", 10_000));

        var result = await OnOwnThread(() => Load(Sigma(condition)), TestContext.Current.CancellationToken);

        Assert.Empty(result.Errors);
        Assert.Single(result.Rules);
    }

    [Fact(Timeout = 60_000)]
    public async Task Load_FalcoMacrosChained10000Deep_ErrorNamesTheLimit()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"- macro: m{i}\n  condition: m{i + 1}\n");
        }

        text.Append("- macro: m10000\n  condition: ka.verb=create\n").Append(FalcoRule("m0"));

        var result = await OnOwnThread(() => Load(text.ToString()), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.Equal("Deep", error.RuleId);
        Assert.Contains("nests deeper than", error.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Rules);
    }

    public static TheoryData<string, string, string> ExplodingFalcoLists => new()
    {
        { "a list naming itself twice", "- list: a\n  items: [a, a]\n", "refers to itself" },
        { "a cycle of lists", "- list: a\n  items: [x, b, b]\n- list: b\n  items: [a, a]\n", "refers to itself" },
        { "five lists of 100 each naming the next: 10^10 values", FalcoListChain(5, 100), "more than 100000 items" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(ExplodingFalcoLists))]
    public async Task Load_FalcoListsExpandingWithoutBound_ErrorNamesTheList(string because, string lists, string reason)
    {
        var result = await OnOwnThread(() => Load(lists + FalcoRule("ka.verb in (a)")), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.True(error.Reason.Contains(reason, StringComparison.Ordinal), $"{because}: {error}");
        Assert.Empty(result.Rules);
    }

    private static string FalcoListChain(int lists, int width)
    {
        var text = new StringBuilder($"- list: l{lists}\n  items: [x]\n");
        for (var i = lists - 1; i >= 0; i--)
        {
            var name = i == 0 ? "a" : $"l{i}";
            text.Append(CultureInfo.InvariantCulture, $"- list: {name}\n  items: [{string.Join(", ", Enumerable.Repeat($"l{i + 1}", width))}]\n");
        }

        return text.ToString();
    }

    public static TheoryData<string, string, string> ExplodingPlaceholders => new()
    {
        { "an item naming its own list", "lists:\n  users: [alice, '%users%']\n", "'%users%'" },
        { "ten placeholders of ten items: 10^10 values", "lists:\n  users: [a, b, c, d, e, f, g, h, i, j]\n", string.Concat(Enumerable.Repeat("%users%", 10)) },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(ExplodingPlaceholders))]
    public async Task Load_ExpandPlaceholders_NeverReexpandedAndBounded(string because, string lists, string value)
    {
        var rule = $"""
            id: expand-deep
            title: Expand
            severity: low
            detection:
              selection:
                kind: k8s.audit
                raw.user.username|expand: "{value}"
              condition: selection
            """;

        var result = await OnOwnThread(() => RuleLoader.Load([new RuleSource("lists.yml", lists), new RuleSource(File, rule)]), TestContext.Current.CancellationToken);

        if (value.Length > 10)
        {
            var error = Assert.Single(result.Errors);
            Assert.True(error.Reason.Contains("more than 100000 values", StringComparison.Ordinal), $"{because}: {error}");
        }
        else
        {
            Assert.Empty(result.Errors);
            Assert.Single(result.Rules);
        }
    }

    public static TheoryData<string, string> OddTests => new()
    {
        { "an event nested 2,000 deep", "    events: " + string.Concat(Enumerable.Repeat("{a: ", 2_000)) + "1" + new string('}', 2_000) + "\n" },
        { "an input named by a list", "    [events]: {kind: k8s.audit}\n" },
        { "an input named by a map", "    {events: x}: {kind: k8s.audit}\n" },
        { "an event of aliases of aliases: 10^10 values", "    events: {l0: &l0 [x, x, x, x, x, x, x, x, x, x], " + string.Concat(Enumerable.Range(1, 9).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}], ")) + "kind: k8s.audit}\n" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(OddTests))]
    public async Task Load_RuleTestInOddShape_ErrorNamesTheRule(string because, string input)
    {
        var rule = $"""
            id: odd-test
            title: Odd test
            severity: low
            detection:
              selection:
                kind: k8s.audit
              condition: selection
            tests:
              - name: odd
                expect: match

            """ + input;

        var result = await OnOwnThread(() => Load(rule), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.True(error.RuleId == "odd-test" && error.Line > 0, $"{because}: {error}");
    }

    public static TheoryData<string, string> DeepYaml => new()
    {
        { "flow lists 10,000 deep", "title: x\ntags: " + new string('[', 10_000) + new string(']', 10_000) + "\n" },
        { "flow maps 10,000 deep", "title: x\ntags: " + string.Concat(Enumerable.Repeat("{a: ", 10_000)) + "1" + new string('}', 10_000) + "\n" },
        { "block lists 10,000 deep", "title: x\ntags:\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => new string(' ', i) + "-\n")) },
        { "a Falco file 10,000 deep", "- rule: x\n  tags: " + new string('[', 10_000) + new string(']', 10_000) + "\n" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(DeepYaml))]
    public async Task Load_YamlNested10000Deep_ErrorNamesFileAndLine(string because, string text)
    {
        var result = await OnOwnThread(() => Load(text), TestContext.Current.CancellationToken);

        var error = Assert.Single(result.Errors);
        Assert.Equal(File, error.File);
        Assert.True(error.Line > 0, $"{because}: {error}");
    }

    [Theory]
    [InlineData("- {desc: no kind of item}\n")]
    [InlineData("- [rule, x]\n- just text\n")]
    public void Load_TopLevelListWithoutFalcoItems_ErrorSaysWhatIsMissing(string text)
    {
        var error = Assert.Single(Load(text).Errors);

        Assert.Equal((File, 1), (error.File, error.Line));
        Assert.Contains("no item of this one is a map with 'rule', 'macro' or 'list'", error.Reason, StringComparison.Ordinal);
    }

    private static string FalcoRule(string condition) => $"""
        - rule: Deep
          desc: deep
          condition: {condition}
          output: deep
          priority: WARNING
          source: k8s_audit

        """;

    private static string Sigma(string condition) =>
        SigmaSamples.KubernetesAudit("8f5d2d4e-0000-4000-8000-000000000001", "Deep", "verb: create", "high", $"'{condition}'");

    private static RuleLoadResult Load(string text) => RuleLoader.Load([new RuleSource(File, text)]);

    /// <summary>On a thread of its own, so a load that never returns fails the test at its timeout.</summary>
    private static Task<T> OnOwnThread<T>(Func<T> load, CancellationToken cancellationToken) => Task.Run(load, cancellationToken).WaitAsync(cancellationToken);
}
