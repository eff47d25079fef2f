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

    /// <summary>A value of the wrong type is refused naming its key and value, however deep, never a bare "exception during deserialization".</summary>
    [Theory]
    [InlineData("tokens:\n  expiry_grace_seconds: soon\n", "tokens.expiry_grace_seconds ('expiry_grace_seconds: soon')")]
    [InlineData("tokens:\n  enforce_binding: maybe\n", "tokens.enforce_binding ('enforce_binding: maybe')")]
    [InlineData("segmentation:\n  rules:\n    - from: shop\n      to: {a: b}\n", "segmentation.rules.to")]
    [InlineData("data_classes:\n  - name: pii\n    read:\n      subjects: {x: 1}\n", "data_classes.read.subjects")]
    [InlineData("data_classes: 7\n", "data_classes ('data_classes: 7')")]
    public void AValueOfTheWrongType_IsRefusedNamingItsKey(string yaml, string problem) => AssertRefused(yaml, problem);

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

    private static void AssertRefused(string yaml, params string[] problems)
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(yaml));
        ProblemList.AssertNames([ex.Message], problems);
    }
}
