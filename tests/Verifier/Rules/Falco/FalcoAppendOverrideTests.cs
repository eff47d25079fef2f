using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Several files in order, as Falco's <c>-r</c> does: redefinition, <c>append: true</c>, <c>override:</c>
/// (append/replace per key), <c>enabled</c>, and rule exceptions (falco.org "Adding exceptions to rules",
/// "Overriding rules").
/// </summary>
public sealed class FalcoAppendOverrideTests
{
    private const string Base = """
        - list: sensitive_namespaces
          items: [kube-system, payments]

        - macro: kmodify
          condition: (ka.verb in (create, update, patch))

        - rule: Secret Modified In Sensitive Namespace
          desc: a secret changed where it matters
          condition: kmodify and ka.target.resource=secrets and ka.target.namespace in (sensitive_namespaces)
          output: secret %ka.target.name changed by %ka.user.name
          priority: WARNING
          source: k8s_audit
          tags: [k8s]
        """;

    private const string RuleName = "Secret Modified In Sensitive Namespace";

    /// <summary><see cref="Base"/> with these items under the rule's <c>exceptions:</c> (then any further top-level YAML).</summary>
    private static string BaseWithExceptions(string exceptions) =>
        Base.Replace("  tags: [k8s]", "  tags: [k8s]\n  exceptions:\n" + exceptions, StringComparison.Ordinal);

    /// <summary>
    /// Files loaded after <see cref="Base"/>, then what the one rule matches: each expectation is
    /// "verb namespace user" for a secret change it detects, prefixed with '!' for one it lets through.
    /// </summary>
    public static TheoryData<string, string[], string[]> LaterFiles => new()
    {
        { "base alone detects patch in payments only", [], ["patch payments alice", "!patch web alice", "!delete payments alice"] },
        {
            "list append in a later file adds items",
            ["""
            - list: sensitive_namespaces
              items: [web]
              append: true
            """],
            ["patch web alice", "patch payments alice"]
        },
        {
            "list override append keeps the items",
            ["""
            - list: sensitive_namespaces
              items: [web]
              override:
                items: append
            """],
            ["patch web alice", "patch payments alice"]
        },
        {
            "list override replace drops the items",
            ["""
            - list: sensitive_namespaces
              items: [web]
              override:
                items: replace
            """],
            ["patch web alice", "!patch payments alice"]
        },
        {
            "macro append continues the condition text",
            ["""
            - macro: kmodify
              condition: or ka.verb=delete
              append: true
            """],
            ["delete payments alice", "update payments alice"]
        },
        {
            "macro override replace keeps the new condition only",
            ["""
            - macro: kmodify
              condition: ka.verb=delete
              override:
                condition: replace
            """],
            ["delete payments alice", "!patch payments alice"]
        },
        {
            "rule append continues the condition text",
            ["""
            - rule: Secret Modified In Sensitive Namespace
              condition: and not ka.user.name startswith "system:serviceaccount:payments:"
              append: true
            """],
            ["patch payments alice", "!patch payments system:serviceaccount:payments:rotator"]
        },
    };

    [Theory]
    [MemberData(nameof(LaterFiles))]
    public void LaterFile_AppendOrOverride_ChangesWhatTheRuleMatches(string because, string[] laterFiles, string[] expectations)
    {
        var rule = Only([Base, .. laterFiles]);

        AssertMatches(rule, because, expectations);
    }

    [Fact]
    public void RuleOverride_ReplaceConditionAndPriority_AppendOutput()
    {
        var rule = Only(Base, """
            - rule: Secret Modified In Sensitive Namespace
              condition: ka.target.resource=secrets and ka.verb=delete
              priority: CRITICAL
              output: (ns=%ka.target.namespace)
              override:
                condition: replace
                priority: replace
                output: append
            """);

        AssertMatches(rule, nameof(RuleOverride_ReplaceConditionAndPriority_AppendOutput), "delete web alice", "!patch payments alice");
        Assert.Equal("critical", rule.Severity);
        Assert.Equal("secret db changed by alice (ns=web)", Render(rule, Secret("delete", "web", "alice")));
    }

    [Fact]
    public void RuleOverrideTags_AppendAddsTechniques()
    {
        var rule = Only(Base, """
            - rule: Secret Modified In Sensitive Namespace
              tags: [T1552.007, mitre_credential_access]
              override:
                tags: append
            """);

        Assert.Equal(["T1552.007"], rule.Techniques);
        Assert.Equal(["credential-access"], rule.Tactics);
        Assert.Equal(["k8s", "T1552.007", "mitre_credential_access"], ((FalcoRuleMatcher)rule.Condition).Tags);
    }

    [Theory]
    [InlineData("""
        - rule: Secret Modified In Sensitive Namespace
          enabled: false
        """)]
    [InlineData("""
        - rule: Secret Modified In Sensitive Namespace
          enabled: false
          override:
            enabled: replace
        """)]
    public void RuleDisabled_IsNotLoaded_AndIsListedAsDisabled(string disable)
    {
        var result = FalcoRuleLoader.Load([("base.yaml", Base), ("local.yaml", disable)], out var disabled);

        Assert.Empty(result.Errors);
        Assert.Empty(result.Rules);
        Assert.Equal([RuleName], disabled);
    }

    [Fact]
    public void RuleDisabledThenEnabled_LaterFileWins()
    {
        var rule = Only(Base, "- rule: Secret Modified In Sensitive Namespace\n  enabled: false\n", "- rule: Secret Modified In Sensitive Namespace\n  enabled: true\n");

        Assert.Equal(RuleName, rule.Id);
    }

    [Fact]
    public void RuleRedefined_LaterDefinitionReplacesIt()
    {
        var rule = Only(Base, """
            - rule: Secret Modified In Sensitive Namespace
              desc: replaced
              condition: ka.verb=get and ka.target.resource=secrets
              output: read %ka.target.name
              priority: ERROR
              source: k8s_audit
            """);

        Assert.Equal("replaced", rule.Description);
        Assert.Equal("high", rule.Severity);
        AssertMatches(rule, nameof(RuleRedefined_LaterDefinitionReplacesIt), "get web alice", "!patch payments alice");
    }

    /// <summary>
    /// The rule's <c>exceptions:</c> items (<see cref="BaseWithExceptions"/>), files loaded after it, then what the one
    /// rule matches, as in <see cref="LaterFiles"/>.
    /// </summary>
    public static TheoryData<string, string, string[], string[]> Exceptions => new()
    {
        {
            "tuple form: default equals, and in with lists",
            """
                - name: rotators
                  fields: [ka.user.name, ka.target.name]
                  values:
                    - [vault, db]
                    - [cert-manager, tls]
                - name: namespaces_and_verbs
                  fields: [ka.target.namespace, ka.verb]
                  comps: [=, in]
                  values:
                    - [kube-system, [update, patch]]
            """,
            [],
            ["!patch payments vault", "patch payments vault api-key", "!update kube-system alice", "create kube-system alice"]
        },
        {
            "one-field form: default in, list names expand",
            """
                - name: automation
                  fields: ka.user.name
                  values: [vault, automation_users]
                - name: by_prefix
                  fields: ka.user.name
                  comps: startswith
                  values: ["system:serviceaccount:payments:"]
            - list: automation_users
              items: [argo, flux]
            """,
            [],
            ["!patch payments vault", "!patch payments flux", "!patch payments system:serviceaccount:payments:rotator", "patch payments alice"]
        },
        {
            "later files append values to an existing exception and add a new one",
            """
                - name: rotators
                  fields: [ka.user.name, ka.target.namespace]
                  comps: [=, startswith]
                  values:
                    - [vault, pay]
            """,
            ["""
            - rule: Secret Modified In Sensitive Namespace
              exceptions:
                - name: rotators
                  values:
                    - [cert-manager, kube-]
              append: true
            """, """
            - rule: Secret Modified In Sensitive Namespace
              exceptions:
                - name: read_only_robot
                  fields: [ka.user.name]
                  values:
                    - [robot]
              override:
                exceptions: append
            """],
            ["!patch payments vault", "!patch kube-system cert-manager", "patch kube-system vault", "!patch payments robot", "patch payments alice"]
        },
        {
            "override replace drops earlier exceptions",
            """
                - name: rotators
                  fields: [ka.user.name]
                  values: [[vault]]
            """,
            ["""
            - rule: Secret Modified In Sensitive Namespace
              exceptions:
                - name: others
                  fields: [ka.user.name]
                  values: [[robot]]
              override:
                exceptions: replace
            """],
            ["patch payments vault", "!patch payments robot"]
        },
        {
            "an exception without values changes nothing",
            """
                - name: to_be_filled_by_users
                  fields: [ka.user.name, ka.target.name]
            """,
            [],
            ["patch payments vault"]
        },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Exceptions_InTheRuleOrAppendedOrOverridden_LetTheirEventsThrough(string because, string exceptions, string[] laterFiles, string[] expectations)
    {
        var rule = Only([BaseWithExceptions(exceptions), .. laterFiles]);

        AssertMatches(rule, because, expectations);
    }

    /// <summary>Each expectation is "verb namespace user [secret name]", prefixed with '!' where the rule must not match.</summary>
    private static void AssertMatches(Rule rule, string because, params string[] expectations)
    {
        foreach (var expectation in expectations)
        {
            var detects = !expectation.StartsWith('!');
            var parts = expectation.TrimStart('!').Split(' ');
            var change = parts.Length > 3 ? Secret(parts[0], parts[1], parts[2], parts[3]) : Secret(parts[0], parts[1], parts[2]);
            Assert.True(Matches(rule, change) == detects, $"{because}: expected the rule {(detects ? "to detect" : "to let through")} '{expectation.TrimStart('!')}'");
        }
    }

    private static Rule Only(params string[] files)
    {
        var result = Load([.. files.Select((f, i) => ($"file{i + 1}.yaml", f))]);
        Assert.True(result.Errors.Count == 0, string.Join(Environment.NewLine, result.Errors));
        return Assert.Single(result.Rules);
    }

    private static string Secret(string verb, string ns, string user, string name = "db") => $$"""
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{{Guid.NewGuid()}}","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/{{ns}}/secrets/{{name}}","verb":"{{verb}}","user":{"username":"{{user}}"},
         "objectRef":{"resource":"secrets","namespace":"{{ns}}","name":"{{name}}","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":200} }
        """;
}
