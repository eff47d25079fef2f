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
    private static void AssertRefused(string yaml, params string[] problems)
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(yaml));
        ProblemList.AssertNames([ex.Message], problems);
    }
}
