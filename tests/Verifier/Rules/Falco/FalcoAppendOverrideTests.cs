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

    [Fact]
    public void Base_DetectsPatchInPaymentsOnly()
    {
        var rule = Only(Base);

        Assert.True(Matches(rule, Secret("patch", "payments", "alice")));
        Assert.False(Matches(rule, Secret("patch", "web", "alice")));
        Assert.False(Matches(rule, Secret("delete", "payments", "alice")));
    }

    [Fact]
    public void ListAppend_InALaterFile_AddsItems()
    {
        var rule = Only(Base, """
            - list: sensitive_namespaces
              items: [web]
              append: true
            """);

        Assert.True(Matches(rule, Secret("patch", "web", "alice")));
        Assert.True(Matches(rule, Secret("patch", "payments", "alice")));
    }

    [Theory]
    [InlineData("append", true)]
    [InlineData("replace", false)]
    public void ListOverride_AppendsOrReplacesItems(string mode, bool paymentsStillSensitive)
    {
        var rule = Only(Base, $"""
            - list: sensitive_namespaces
              items: [web]
              override:
                items: {mode}
            """);

        Assert.True(Matches(rule, Secret("patch", "web", "alice")));
        Assert.Equal(paymentsStillSensitive, Matches(rule, Secret("patch", "payments", "alice")));
    }

    [Fact]
    public void MacroAppend_ConditionTextContinues()
    {
        var rule = Only(Base, """
            - macro: kmodify
              condition: or ka.verb=delete
              append: true
            """);

        Assert.True(Matches(rule, Secret("delete", "payments", "alice")));
        Assert.True(Matches(rule, Secret("update", "payments", "alice")));
    }

    [Fact]
    public void MacroOverrideReplace_NewConditionOnly()
    {
        var rule = Only(Base, """
            - macro: kmodify
              condition: ka.verb=delete
              override:
                condition: replace
            """);

        Assert.True(Matches(rule, Secret("delete", "payments", "alice")));
        Assert.False(Matches(rule, Secret("patch", "payments", "alice")));
    }

    [Fact]
    public void RuleAppend_ConditionTextContinues()
    {
        var rule = Only(Base, """
            - rule: Secret Modified In Sensitive Namespace
              condition: and not ka.user.name startswith "system:serviceaccount:payments:"
              append: true
            """);

        Assert.True(Matches(rule, Secret("patch", "payments", "alice")));
        Assert.False(Matches(rule, Secret("patch", "payments", "system:serviceaccount:payments:rotator")));
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

        Assert.True(Matches(rule, Secret("delete", "web", "alice")));
        Assert.False(Matches(rule, Secret("patch", "payments", "alice")));
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
        Assert.True(Matches(rule, Secret("get", "web", "alice")));
        Assert.False(Matches(rule, Secret("patch", "payments", "alice")));
    }

    [Fact]
    public void Exceptions_TupleForm_DefaultEqualsAndInWithLists()
    {
        var rule = Only(Base.Replace("  tags: [k8s]", """
              tags: [k8s]
              exceptions:
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
            """, StringComparison.Ordinal));

        Assert.False(Matches(rule, Secret("patch", "payments", "vault")));
        Assert.True(Matches(rule, Secret("patch", "payments", "vault", name: "api-key")));
        Assert.False(Matches(rule, Secret("update", "kube-system", "alice")));
        Assert.True(Matches(rule, Secret("create", "kube-system", "alice")));
    }

    [Fact]
    public void Exceptions_OneFieldForm_DefaultIn_ListNamesExpand()
    {
        var rule = Only(Base.Replace("  tags: [k8s]", """
              tags: [k8s]
              exceptions:
                - name: automation
                  fields: ka.user.name
                  values: [vault, automation_users]
                - name: by_prefix
                  fields: ka.user.name
                  comps: startswith
                  values: ["system:serviceaccount:payments:"]
            - list: automation_users
              items: [argo, flux]
            """, StringComparison.Ordinal));

        Assert.False(Matches(rule, Secret("patch", "payments", "vault")));
        Assert.False(Matches(rule, Secret("patch", "payments", "flux")));
        Assert.False(Matches(rule, Secret("patch", "payments", "system:serviceaccount:payments:rotator")));
        Assert.True(Matches(rule, Secret("patch", "payments", "alice")));
    }

    [Fact]
    public void Exceptions_AppendValuesToAnExistingException_AndAddANewOne()
    {
        var withException = Base.Replace("  tags: [k8s]", """
              tags: [k8s]
              exceptions:
                - name: rotators
                  fields: [ka.user.name, ka.target.namespace]
                  comps: [=, startswith]
                  values:
                    - [vault, pay]
            """, StringComparison.Ordinal);

        var rule = Only(withException, """
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
            """);

        Assert.False(Matches(rule, Secret("patch", "payments", "vault")));
        Assert.False(Matches(rule, Secret("patch", "kube-system", "cert-manager")));
        Assert.True(Matches(rule, Secret("patch", "kube-system", "vault")));
        Assert.False(Matches(rule, Secret("patch", "payments", "robot")));
        Assert.True(Matches(rule, Secret("patch", "payments", "alice")));
    }

    [Fact]
    public void Exceptions_OverrideReplace_DropsEarlierExceptions()
    {
        var withException = Base.Replace("  tags: [k8s]", """
              tags: [k8s]
              exceptions:
                - name: rotators
                  fields: [ka.user.name]
                  values: [[vault]]
            """, StringComparison.Ordinal);

        var rule = Only(withException, """
            - rule: Secret Modified In Sensitive Namespace
              exceptions:
                - name: others
                  fields: [ka.user.name]
                  values: [[robot]]
              override:
                exceptions: replace
            """);

        Assert.True(Matches(rule, Secret("patch", "payments", "vault")));
        Assert.False(Matches(rule, Secret("patch", "payments", "robot")));
    }

    [Fact]
    public void Exceptions_WithoutValues_ChangeNothing()
    {
        var rule = Only(Base.Replace("  tags: [k8s]", """
              tags: [k8s]
              exceptions:
                - name: to_be_filled_by_users
                  fields: [ka.user.name, ka.target.name]
            """, StringComparison.Ordinal));

        Assert.True(Matches(rule, Secret("patch", "payments", "vault")));
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
