using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// An attacker pads a privileged pod past <c>Ingest:MaxRawBytes</c> so that Ingest trims its request body: the rules that
/// read the spec — the built-in library's, falcosecurity's <c>Create Privileged Pod</c>, a SigmaHQ-style rule — still
/// fire on the event as Ingest's mapper keeps it, and <c>k8s-padded-request-object</c> names what was cut.
/// </summary>
public sealed class PaddedObjectDetectionTests
{
    private static readonly IReadOnlyList<Rule> Builtin = RuleLoader.Load(RuleLoader.Builtin()).Rules;

    private static readonly Rule FalcoPrivilegedPod = Load(RulesFile(Rules050)).Rules.Single(r => r.Id == "Create Privileged Pod");

    private static readonly Rule SigmaPrivilegedPod = RuleTesting.One(
        SigmaSamples.KubernetesAudit(
            "0c6f2a52-6c1e-4d1f-9c55-3e1a8f0b7d21", "Privileged Pod Created",
            "verb: create\nobjectRef.resource: pods\nrequestObject.spec.containers.securityContext.privileged: 'true'", "high"),
        "privileged_pod.yml");

    public static TheoryData<Padding> Paddings => [.. Enum.GetValues<Padding>()];

    public static TheoryData<Padding> PodPaddings => [.. Enum.GetValues<Padding>().Where(p => PaddedAudit.ResourceOf(p).Resource == "pods")];

    [Theory]
    [MemberData(nameof(Paddings))]
    public void BuiltinPrivilegedContainerRule_FiresOnAPaddedPrivilegedWorkload(Padding padding)
    {
        var e = Mapped(PaddedAudit.PrivilegedPodCreated(padding));

        Assert.True(One("k8s-privileged-container").Matches(e));
    }

    [Theory]
    [MemberData(nameof(PodPaddings))]
    public void FalcoAndSigmaPrivilegedPodRules_FireOnAPaddedPrivilegedPod(Padding padding)
    {
        var e = Mapped(PaddedAudit.PrivilegedPodCreated(padding));

        Assert.True(FalcoPrivilegedPod.Condition.Matches(new RuleEvent(e)));
        Assert.True(SigmaPrivilegedPod.Matches(e));
    }

    [Theory]
    [MemberData(nameof(Paddings))]
    public void PaddingRule_FiresOnAPaddedWorkload_NamingWhatWasCut(Padding padding)
    {
        var e = Mapped(PaddedAudit.PrivilegedPodCreated(padding));
        var rule = One("k8s-padded-request-object");

        var explanation = new RuleDetector(new RuleSetHolder(new RuleSet([rule]))).Match(rule, new RuleEvent(e));

        Assert.NotNull(explanation);
        var firstCut = e.Attributes![Ingest.Sources.RawObject.TrimmedAttribute][0].GetString()!;
        Assert.StartsWith("requestObject.", firstCut, StringComparison.Ordinal);
        // The explanation names the cut path (a long one clipped, as every value an explanation shows).
        Assert.Contains("attributes.raw.trimmed[0]=" + firstCut[..Math.Min(firstCut.Length, 60)], explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void PaddingRule_PaddedClusterAdminBinding_FiresBesideTheBindingRule()
    {
        var binding = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRoleBinding",
            ["metadata"] = new JsonObject { ["name"] = "backdoor", ["annotations"] = new JsonObject { ["example.com/pad"] = new string('x', 90 * 1024) } },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "cluster-admin" },
            ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "default", ["namespace"] = "default" }),
        };
        var e = Mapped(PaddedAudit.Event("create", "clusterrolebindings", "rbac.authorization.k8s.io", "default", "backdoor", "mallory@example.com", binding));

        Assert.True(One("k8s-cluster-admin-binding").Matches(e));
        Assert.True(One("k8s-padded-request-object").Matches(e));
    }

    /// <summary>
    /// The one padding trimming cannot see through: 3,000 tiny containers with the privileged one last. The array is the
    /// padding, its largest elements are cut whole, and the privileged container with them; k8s-container-cut-from-record
    /// alerts on that (high) where the spec rules cannot.
    /// </summary>
    [Fact]
    public void ThousandsOfTinyContainers_TheCutContainerAlertsInsteadOfTheSpecRules()
    {
        var pod = PaddedAudit.PrivilegedPod(Padding.HugeAnnotation);
        pod["metadata"]!.AsObject().Remove("annotations");
        var containers = pod["spec"]!["containers"]!.AsArray();
        for (var i = 0; i < 3_000; i++)
        {
            containers.Insert(i, new JsonObject { ["name"] = $"c{i}", ["image"] = "a" });
        }

        var e = Mapped(PaddedAudit.Event("create", "pods", null, "team-a", "debug", "mallory@example.com", pod));
        var rule = One("k8s-container-cut-from-record");

        var explanation = new RuleDetector(new RuleSetHolder(new RuleSet([rule]))).Match(rule, new RuleEvent(e));

        var kept = e.Raw!.Value.GetProperty("requestObject").GetProperty("spec").GetProperty("containers").EnumerateArray();
        Assert.DoesNotContain(kept, c => c.GetProperty("name").GetString() == "shell");
        Assert.False(One("k8s-privileged-container").Matches(e));
        Assert.NotNull(explanation);
        Assert.Contains("requestObject.spec.containers[", explanation, StringComparison.Ordinal);
        Assert.True(One("k8s-padded-request-object").Matches(e));
    }

    [Theory]
    [MemberData(nameof(Paddings))]
    public void ContainerCutRule_DoesNotFireWhereTrimmingKeptEveryContainer(Padding padding)
    {
        Assert.False(One("k8s-container-cut-from-record").Matches(Mapped(PaddedAudit.PrivilegedPodCreated(padding))));
    }

    /// <summary>
    /// Big but benign: a 100 KiB ConfigMap (not a workload: out of the rule's scope by design), an ordinary pod that fits,
    /// and a padded pod whose only cut was the response's echo.
    /// </summary>
    [Fact]
    public void PaddingRule_DoesNotFireOnBigButBenignObjects()
    {
        var rule = One("k8s-padded-request-object");
        var configMap = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "assets" },
            ["data"] = new JsonObject { ["bundle.js"] = new string('j', 100 * 1024) },
        };
        var plainPod = PaddedAudit.PrivilegedPod(Padding.HugeAnnotation);
        plainPod["metadata"]!["annotations"]!["example.com/notes"] = "short";
        var response = PaddedAudit.PrivilegedPod(Padding.HugeAnnotation);

        var bigConfigMap = Mapped(PaddedAudit.Event("create", "configmaps", null, "shop", "assets", "alice@example.com", configMap));
        var ordinary = Mapped(PaddedAudit.Event("create", "pods", null, "team-a", "debug", "alice@example.com", plainPod));
        var paddedResponse = Mapped(PaddedAudit.Event("create", "pods", null, "team-a", "debug", "alice@example.com", plainPod.DeepClone(), response));

        Assert.Contains(Ingest.Sources.RawObject.TrimmedAttribute, bigConfigMap.Attributes!.Keys);
        Assert.False(rule.Matches(bigConfigMap));
        Assert.False(rule.Matches(ordinary));
        Assert.Contains(Ingest.Sources.RawObject.TrimmedAttribute, paddedResponse.Attributes!.Keys);
        Assert.False(rule.Matches(paddedResponse));
    }

    private static Rule One(string id) => Builtin.Single(r => r.Id == id);

    private static AccessEvent Mapped(JsonObject audit)
    {
        var e = RuleTesting.Mapped(audit);
        Assert.True(e.Attributes!.ContainsKey(Ingest.Sources.RawObject.TrimmedAttribute) || audit.ToJsonString().Length <= 64 * 1024);
        return e;
    }
}
