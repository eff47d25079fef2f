namespace ZtStream.Verifier.Tests.Policy;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void Default_Parses_WithEveryKey()
    {
        var p = DefaultPolicy.Load();
        Assert.Contains(p.DataClasses, d => d.Name == "confidential/payments");
        Assert.NotEmpty(p.Segmentation.Rules);
        Assert.True(p.Tokens.EnforceBinding);
        Assert.NotEmpty(p.ProtectedResources);
        Assert.NotNull(p.Kubernetes.ExecAllowed);
    }

    [Fact]
    public void Extends_ListsAppend_ScalarsOverride()
    {
        using var dir = new TempFolder("zt-policy-");
        File.WriteAllText(Path.Combine(dir.Path, "base.yaml"), "kubernetes:\n  exec_allowed:\n    subjects: [a]\ntokens:\n  enforce_binding: false\n");
        File.WriteAllText(Path.Combine(dir.Path, "top.yaml"), "extends: base.yaml\nkubernetes:\n  exec_allowed:\n    subjects: [b]\ntokens:\n  enforce_binding: true\n");
        var p = PolicyLoader.LoadFile(Path.Combine(dir.Path, "top.yaml"));
        Assert.Equal(["a", "b"], p.Kubernetes.ExecAllowed!.Subjects);
        Assert.True(p.Tokens.EnforceBinding);
    }

    [Fact]
    public void Invalid_ListsEveryProblem()
    {
        AssertRefused(
            "data_classes:\n  - name: ''\nsegmentation:\n  default: maybe\ntokens:\n  expiry_grace_seconds: -1\n",
            "data_classes[0].name is empty",
            "segmentation.default",
            "expiry_grace_seconds");
    }

    [Fact]
    public void KubernetesKeysTheRulesReplaced_AreRefusedNamingWhereTheyWent()
    {
        AssertRefused(
            "kubernetes:\n  exec_allowed:\n    subjects: [a]\n  privileged_images: [calico/node]\n  deny_anonymous: true\n",
            "kubernetes.privileged_images is no longer a policy key: it is the list k8s_privileged_images (rule k8s-privileged-container)",
            "kubernetes.deny_anonymous is no longer a policy key: it is rule k8s-anonymous-request-allowed");
    }

    [Fact]
    public void UnknownKey_IsAnError()
    {
        Assert.Throws<PolicyException>(() => PolicyLoader.Parse("tokenz:\n  enforce_binding: true\n"));
    }

    /// <summary>The policy is refused with one message that names each of <paramref name="problems"/>.</summary>
    [Theory]
    [InlineData("data_classes:\n  - ~\n", "data_classes[0] is empty")]
    [InlineData("segmentation:\n  rules: [~]\n", "segmentation.rules[0] is empty")]
    [InlineData("protected_resources: [~]\n", "protected_resources[0] is empty")]
    [InlineData("data_classes:\n  - name: pii\n    read:\n      subjects: [alice, ~]\n", "data_classes[0].read.subjects[1] is empty")]
    [InlineData("segmentation:\n  rules:\n    - from: shop\n      to: [~]\n", "segmentation.rules[0].to[0] is empty")]
    [InlineData("kubernetes:\n  exec_allowed:\n    namespaces: ['']\n", "kubernetes.exec_allowed.namespaces[0] is empty")]
    public void AnItemWithNoValue_IsRefusedNamingItsKey(string yaml, string problem) => AssertRefused(yaml, problem);

    /// <summary>
    /// A value of the wrong type is refused naming its key and value, however deep, never a bare "exception during
    /// deserialization"; in a list, with the index of each item on the way, and in YAML's words: before,
    /// <c>data_classes.read.subject</c> and "No node deserializer … ZtStream.Verifier.Policy.PrincipalSet, Version=…".
    /// </summary>
    [Theory]
    [InlineData("tokens:\n  expiry_grace_seconds: soon\n", "tokens.expiry_grace_seconds ('expiry_grace_seconds: soon')")]
    [InlineData("tokens:\n  enforce_binding: maybe\n", "tokens.enforce_binding ('enforce_binding: maybe')")]
    [InlineData("segmentation:\n  rules:\n    - from: shop\n      to: {a: b}\n", "segmentation.rules[0].to")]
    [InlineData("data_classes:\n  - name: pii\n    read:\n      subjects: {x: 1}\n", "data_classes[0].read.subjects")]
    [InlineData("data_classes: 7\n", "data_classes ('data_classes: 7')")]
    [InlineData("data_classes:\n  - name: a\n  - name: pii\n    read:\n      subject: [x]\n", "data_classes[1].read.subject ('subject:'): unknown key 'subject'")]
    [InlineData("protected_resources:\n  - id: a\n  - type: secrets\n    id: b\n    allow: []\n", "protected_resources[1].allow ('allow: []'): a map of keys is needed here")]
    [InlineData("segmentation:\n  rules:\n    - { from: a, to: [b] }\n    - { from: c, to: [d] }\n    - { from: frontend, to: checkout }\n", "segmentation.rules[2].to ('to: checkout'): a list is needed here, not a single value")]
    [InlineData("data_classes:\n  - name: a\n    write:\n      subjects: [x]\n  - name: b\n    read:\n      namespaces: [x, {y: 1}]\n", "data_classes[1].read.namespaces[1]")]
    public void AValueOfTheWrongType_IsRefusedNamingItsKey(string yaml, string problem) => AssertRefused(yaml, problem);

    /// <summary>
    /// A key given twice in one map is refused with the map's line: before, the second silently won, so a file reading
    /// <c>enforce_binding: true</c> at the top could run with binding off.
    /// </summary>
    [Theory]
    [InlineData("tokens:\n  enforce_binding: true\ntokens:\n  enforce_binding: false\n", "line 1: the key 'tokens' is given twice in the map there")]
    [InlineData("data_classes:\n  - name: pii\n    read:\n      subjects: [a]\n      subjects: [b]\n", "line 4: the key 'subjects' is given twice in the map there")]
    [InlineData("segmentation:\n  default: deny\n  default: allow\n", "line 2: the key 'default' is given twice in the map there")]
    public void AKeyGivenTwice_IsRefusedWithItsLine(string yaml, string problem) => AssertRefused(yaml, problem);

    /// <summary>
    /// A file whose top level is not a map was read as an empty policy, with nothing said: no data class, no protected
    /// resource. An empty file still is the empty policy.
    /// </summary>
    [Fact]
    public void ATopLevelThatIsNotAMap_IsRefused_AnEmptyFileIsTheEmptyPolicy()
    {
        AssertRefused("- data_classes: []\n- tokens: {}\n", "the top level is a list; a policy is a map of keys");
        AssertRefused("data_classes\n", "the top level is a single value; a policy is a map of keys");
        Assert.Empty(PolicyLoader.Parse("# nothing yet\n").DataClasses);
    }

    /// <summary>A file reached through <c>extends</c> that is no policy was read as an empty one; now refused naming the file that extends it.</summary>
    [Fact]
    public void Extends_AFileThatIsNoPolicy_IsRefusedNamingTheFileThatExtendsIt()
    {
        using var dir = new TempFolder("zt-policy-");
        var bad = Path.Combine(dir.Path, "hosts.yaml");
        File.WriteAllText(bad, "127.0.0.1 localhost\n");
        var top = Path.Combine(dir.Path, "top.yaml");
        File.WriteAllText(top, "extends: hosts.yaml\n");

        var ex = Assert.Throws<PolicyException>(() => PolicyLoader.LoadFile(top));

        Assert.StartsWith($"policy {bad} (extended by {top}): the top level is a single value", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A format version this ZtStream does not know was read as version 1 without a word.</summary>
    [Theory]
    [InlineData("version: 2\n", "version 2 is not a policy format this ZtStream reads (it reads version 1)")]
    [InlineData("version: 0\n", "version 0 is not a policy format")]
    public void AVersionOtherThanOne_IsRefused(string yaml, string problem) => AssertRefused(yaml, problem);

    /// <summary>
    /// Two segmentation rules for one calling namespace: before, the last replaced the first, so the namespaces the first
    /// allowed were flagged (or, read the other way, the operator believed the first's list was in force).
    /// </summary>
    [Fact]
    public void TwoSegmentationRulesFromOneNamespace_AreRefusedNamingBoth()
    {
        AssertRefused(
            "segmentation:\n  rules:\n    - { from: frontend, to: [checkout] }\n    - { from: catalog, to: [search] }\n    - { from: frontend, to: [payments] }\n",
            "segmentation.rules[2].from 'frontend' is listed twice (also rules[0])");
    }

    /// <summary>
    /// A '*' anywhere but at the end was a literal character: the entry matched nobody, so a protected resource
    /// <c>secrets/*-prod</c> protected nothing and an allow-list entry <c>user:*-admin</c> allowed no one.
    /// </summary>
    [Theory]
    [InlineData("kubernetes:\n  exec_allowed:\n    subjects: ['user:sre-*', 'user:*-admin']\n", "kubernetes.exec_allowed.subjects[1] 'user:*-admin' has a '*' before its end")]
    [InlineData("protected_resources:\n  - type: secrets\n    id: 'prod/*-db'\n    allow:\n      namespaces: [db]\n", "protected_resources[0].id 'prod/*-db' has a '*' before its end")]
    [InlineData("segmentation:\n  rules:\n    - { from: shop, to: ['*pay'] }\n", "segmentation.rules[0].to[0] '*pay' has a '*' before its end")]
    public void AStarBeforeTheEnd_IsRefused(string yaml, string problem) => AssertRefused(yaml, problem);

    [Fact]
    public void NotYaml_IsAPolicyError()
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyLoader.Parse("tokens: [unclosed\n"));
        Assert.StartsWith("policy (inline): ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASectionWithNoValue_ReadsAsItsDefault()
    {
        var p = PolicyLoader.Parse("tokens:\nsegmentation:\nkubernetes:\ndata_classes:\nprotected_resources:\n");
        Assert.Equal(("allow", 60), (p.Segmentation.Default, p.Tokens.ExpiryGraceSeconds));
        Assert.Empty(p.DataClasses);
        Assert.NotNull(p.Kubernetes.ExecAllowed);
    }

    [Theory]
    [InlineData("''", "extends '' names no file")]
    [InlineData("nosuch.yaml", "extends 'nosuch.yaml' names no file")]
    [InlineData("[base.yaml, /]", "extends[1] '/' names no file")]
    [InlineData("top.yaml", "'extends' comes back to a file it started from")]
    [InlineData("[base.yaml, [a]]", "'extends' must be a file name or a list of them")]
    public void Extends_NamingNoFile_IsRefusedNamingThePolicyThatSaysSo(string extends, string problem)
    {
        using var dir = new TempFolder("zt-policy-");
        File.WriteAllText(Path.Combine(dir.Path, "base.yaml"), "tokens:\n  enforce_binding: false\n");
        var top = Path.Combine(dir.Path, "top.yaml");
        File.WriteAllText(top, $"extends: {extends}\n");

        var ex = Assert.Throws<PolicyException>(() => PolicyLoader.LoadFile(top));

        Assert.StartsWith($"policy {top}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Refused naming each of <paramref name="problems"/>, and in the words of the file: no .NET type name.</summary>
    private static void AssertRefused(string yaml, params string[] problems)
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(yaml));
        ProblemList.AssertNames([ex.Message], problems);
        Assert.DoesNotContain("System.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ZtStream.", ex.Message, StringComparison.Ordinal);
    }
}
