using static ZtStream.Verifier.Tests.Rules.RuleTesting;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// ZtStream field paths: canonical fields, attributes, the raw source object with any-element semantics, and the derived
/// pod_spec / all_containers roots over every workload kind of the Kubernetes API (apps/v1, batch/v1, core/v1).
/// </summary>
public sealed class FieldPathTests
{
    private static Rule Privileged(string field = "pod_spec.containers[*].securityContext.privileged") => Detection($"""
        sel:
          {field}: true
        condition: sel
        """);

    [Theory]
    [InlineData("pods", """{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}""")]
    [InlineData("deployments", """{"kind":"Deployment","apiVersion":"apps/v1","spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}""")]
    [InlineData("daemonsets", """{"kind":"DaemonSet","apiVersion":"apps/v1","spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}""")]
    [InlineData("statefulsets", """{"kind":"StatefulSet","apiVersion":"apps/v1","spec":{"serviceName":"db","template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}""")]
    [InlineData("replicasets", """{"kind":"ReplicaSet","apiVersion":"apps/v1","spec":{"template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}""")]
    [InlineData("jobs", """{"kind":"Job","apiVersion":"batch/v1","spec":{"backoffLimit":1,"template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}""")]
    [InlineData("cronjobs", """{"kind":"CronJob","apiVersion":"batch/v1","spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}}}""")]
    [InlineData("podtemplates", """{"kind":"PodTemplate","apiVersion":"v1","template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}""")]
    [InlineData("deployments", """{"spec":{"template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}""")] // a patch without kind
    public void PodSpec_EveryWorkloadKind_ReachesTheContainers(string resource, string requestObject)
    {
        var e = Audit("create", resource, "team-a", "w", extra: $$"""{"requestObject":{{requestObject}}}""");
        Assert.True(Privileged().Matches(e));
        Assert.False(Privileged().Matches(Audit("create", resource, "team-a", "w", extra: $$"""{"requestObject":{{requestObject.Replace("true", "false", StringComparison.Ordinal)}}}""")));
    }

    [Fact]
    public void PodSpec_WithoutRequestObject_UsesTheResponseObject()
    {
        var e = Audit("create", "pods", extra: """{"responseObject":{"kind":"Pod","spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}""");
        Assert.True(Privileged().Matches(e));
    }

    [Theory]
    [InlineData("""[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"x","securityContext":{"privileged":true}}}]""")]
    [InlineData("""[{"op":"replace","path":"/spec/template/spec","value":{"containers":[{"name":"x","securityContext":{"privileged":true}}]}}]""")]
    [InlineData("""[{"op":"add","path":"/spec/template/spec/containers/1/name","value":"x"},{"op":"add","path":"/spec/template/spec/containers/1/securityContext","value":{"privileged":true}}]""")]
    [InlineData("""[{"op":"add","path":"/spec/template","value":{"spec":{}}},{"op":"add","path":"/spec/template/spec/containers","value":[{"name":"x"}]},{"op":"add","path":"/spec/template/spec/containers/0/securityContext/privileged","value":true}]""")]
    public void PodSpec_OfAJsonPatch_IsTheObjectItWrites(string patch)
    {
        Assert.True(Privileged().Matches(Audit("patch", "deployments", extra: $$"""{"requestObject":{{patch}}}""")));
    }

    [Theory]
    [InlineData("""[{"op":"test","path":"/spec/template/spec/containers/0/securityContext/privileged","value":true}]""")]
    [InlineData("""[{"op":"remove","path":"/spec/template/spec/containers/0/securityContext/privileged"}]""")]
    [InlineData("""[{"op":"copy","from":"/spec/template/spec/containers/0","path":"/spec/template/spec/containers/-"}]""")]
    public void PodSpec_OfAJsonPatch_ReadsOnlyWhatAddAndReplaceWrite(string patch)
    {
        Assert.False(Privileged().Matches(Audit("patch", "deployments", extra: $$"""{"requestObject":{{patch}}}""")));
    }

    [Fact]
    public void RequestObject_JsonPatchKeys_AreUnescaped()
    {
        var rule = Detection("""
            sel:
              request_object.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]: unconfined
            condition: sel
            """);
        var e = Audit("patch", "pods", extra: """{"requestObject":[{"op":"add","path":"/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app","value":"unconfined"}]}""");
        Assert.True(rule.Matches(e));
    }

    [Theory]
    [InlineData("//etc", "/etc")]
    [InlineData("/./etc", "/etc")]
    [InlineData("/etc/.", "/etc")]
    [InlineData("/etc/", "/etc")]
    [InlineData("/var//run/./docker.sock", "/var/run/docker.sock")]
    [InlineData("//", "/")]
    [InlineData("/etc", "/etc")]
    [InlineData("relative/dir", "relative/dir")]
    public void HostPaths_AreReadCleaned(string written, string read)
    {
        var rule = Detection($$"""
            sel:
              pod_spec.volumes.hostPath.path: '{{read}}'
            condition: sel
            """);
        var e = Audit("create", "pods", extra: """{"requestObject":{"kind":"Pod","spec":{"volumes":[{"name":"h","hostPath":{"path":""" + "\"" + written + "\"" + """}}]}}}""");
        Assert.True(rule.Matches(e));
    }

    [Fact]
    public void RequestObject_PersistentVolumeHostPath_IsReadCleaned()
    {
        var rule = Detection("""
            sel:
              request_object.spec.local.path: /var/lib/kubelet
            condition: sel
            """);
        Assert.True(rule.Matches(Audit("create", "persistentvolumes", extra: """{"requestObject":{"kind":"PersistentVolume","spec":{"local":{"path":"/var/lib//kubelet/"}}}}""")));
    }

    [Theory]
    [InlineData("containers")]
    [InlineData("initContainers")]
    [InlineData("ephemeralContainers")]
    public void AllContainers_CoversEveryContainerList(string list)
    {
        var e = Audit("patch", "pods", subresource: list == "ephemeralContainers" ? "ephemeralcontainers" : null,
            extra: "{\"requestObject\":{\"spec\":{\"" + list + "\":[{\"name\":\"x\",\"image\":\"busybox\",\"securityContext\":{\"privileged\":true}}]}}}");
        Assert.True(Privileged("all_containers.securityContext.privileged").Matches(e));
        Assert.True(Privileged("all_containers[*].securityContext.privileged").Matches(e));
        Assert.Equal(list == "containers", Privileged().Matches(e));
    }

    [Fact]
    public void RawPath_ArraysAreSearchedElementByElement()
    {
        var rule = Detection("""
            sel:
              raw.requestObject.rules.verbs: '\*'
            condition: sel
            """);
        Assert.True(rule.Matches(WithRaw("""{"requestObject":{"rules":[{"verbs":["get"]},{"verbs":["list","*"]}]}}""")));
        Assert.False(rule.Matches(WithRaw("""{"requestObject":{"rules":[{"verbs":["get"]},{"verbs":["list"]}]}}""")));
        Assert.False(rule.Matches(WithRaw("""{"requestObject":{}}""")));
    }

    [Fact]
    public void Neq_OnAList_MatchesWhenSomeValueIsNotAllowed()
    {
        // "Some container runs an image from outside the registry": an allow-list over every container.
        var rule = Detection("""
            sel:
              all_containers.image|neq|startswith: registry.example.com/
            condition: sel
            """);
        Assert.False(rule.Matches(Audit("create", "pods", extra: """{"requestObject":{"spec":{"containers":[{"name":"a","image":"registry.example.com/a:1"}],"initContainers":[{"name":"i","image":"registry.example.com/init:1"}]}}}""")));
        Assert.True(rule.Matches(Audit("create", "pods", extra: """{"requestObject":{"spec":{"containers":[{"name":"a","image":"registry.example.com/a:1"}],"initContainers":[{"name":"i","image":"docker.io/evil:1"}]}}}""")));
        Assert.False(rule.Matches(Audit("create", "pods", extra: """{"requestObject":{"spec":{}}}""")));
    }

    [Fact]
    public void RawPath_IndexPicksOneElement()
    {
        var rule = Detection("""
            sel:
              raw.sourceIPs[1]|cidr: 203.0.113.0/24
            condition: sel
            """);
        Assert.True(rule.Matches(WithRaw("""{"sourceIPs":["10.0.0.1","203.0.113.9"]}""")));
        Assert.False(rule.Matches(WithRaw("""{"sourceIPs":["203.0.113.9","10.0.0.1"]}""")));
    }

    [Fact]
    public void RawPath_KeysWithDots_ResolveQuotedAndUnquoted()
    {
        foreach (var field in new[] { "raw.annotations.authorization.k8s.io/decision", "raw.annotations[\"authorization.k8s.io/decision\"]" })
        {
            var rule = Detection($"""
                sel:
                  '{field}': allow
                condition: sel
                """);
            Assert.True(rule.Matches(WithRaw("""{"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}""")), field);
            Assert.False(rule.Matches(WithRaw("""{"annotations":{"authorization.k8s.io/decision":"forbid"}}""")), field);
        }
    }

    [Fact]
    public void RawPath_EscapedAndLongStrings_AreCompared()
    {
        var rule = Detection("""
            sel:
              raw.msg|contains: 'quote " inside'
            condition: sel
            """);
        Assert.True(rule.Matches(WithRaw("""{"msg":"a \"quote \" inside\" b"}""")));
        var longText = new string('x', 5000) + "needle";
        var needle = Detection("""
            sel:
              raw.msg|endswith: needle
            condition: sel
            """);
        Assert.True(needle.Matches(WithRaw($$"""{"msg":"{{longText}}"}""")));
    }

    [Fact]
    public void Attributes_KeyWithDots_ReachesIntoTheValue()
    {
        var rule = Detection("""
            sel:
              attributes.k8s.request_object.spec.containers.image|startswith: busybox
            condition: sel
            """);
        var e = Audit("create", "pods", extra: """{"requestObject":{"spec":{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"busybox:1.36"}]}}}""");
        Assert.True(rule.Matches(e));
    }

    [Fact]
    public void Canonical_NumbersAndNestedNames()
    {
        var rule = Detection("""
            sel:
              status: 403
              subject.type: user
              workload.namespace: null
            condition: sel
            """);
        Assert.True(rule.Matches(Audit("get", "secrets", code: 403)));
        Assert.False(rule.Matches(Audit("get", "secrets", code: 200)));
    }

    [Fact]
    public void RuleWithoutRaw_RawFieldsDoNotMatch()
    {
        var rule = Privileged();
        Assert.False(rule.Matches(new AccessEvent { Id = "x", Time = Events.T0, Kind = EventKinds.K8sAudit, Subject = new Subject { Id = "a" } }));
    }

    [Fact]
    public void RawIgnoringCase_ReadsAKeyInAnyCase_PreferringTheExactOne_WhileRawPathsStayCased()
    {
        var e = new RuleEvent(Audit("get", "pods", extra: """{"annotations":{"Decision":"deny","decision":"allow"}}"""));
        Assert.Equal("allow", FieldPath.RawIgnoringCase("annotations.decision", "annotations.decision").First(e));
        Assert.Equal("deny", FieldPath.RawIgnoringCase("annotations.DECISION", "annotations.DECISION").First(e));
        Assert.Equal("pods", FieldPath.RawIgnoringCase("OBJECTREF.Resource", "OBJECTREF.Resource").First(e));

        Assert.Null(FieldNames.Instance.Resolve("raw.objectref.resource").First(e));
        Assert.Equal("pods", FieldNames.Instance.Resolve("raw.objectRef.resource").First(e));
    }

    [Fact]
    public void AnyOf_ExistsWhereAnyPathDoes_MatchesAValueAtAny_AndReadsTheFirstPathWithAValue()
    {
        var e = new RuleEvent(Audit("get", "pods"));
        var field = FieldPath.AnyOf("f", [FieldPath.RawIgnoringCase("f", "nosuch"), FieldPath.RawIgnoringCase("f", "verb"), FieldPath.RawIgnoringCase("f", "objectRef.resource")]);
        Assert.True(field.Exists(e));
        Assert.Equal("get", field.First(e));
        Assert.True(field.Any(e, TextPattern.Compile("pods", cased: true), null));
        Assert.True(field.Any(e, TextPattern.Compile("get", cased: true), null));
        Assert.False(field.Any(e, TextPattern.Compile("list", cased: true), null));

        var none = FieldPath.AnyOf("g", [FieldPath.RawIgnoringCase("g", "nosuch"), FieldPath.RawIgnoringCase("g", "other")]);
        Assert.False(none.Exists(e));
        Assert.Null(none.First(e));
    }

    [Fact]
    public void RawIgnoringCase_FindsKeysInAnyCase_WithoutAllocating()
    {
        var e = new RuleEvent(Audit("get", "pods"));
        var path = FieldPath.RawIgnoringCase("objectref.resource", "objectref.resource");
        var secrets = TextPattern.Compile("secrets", cased: true);
        Assert.True(path.Any(e, TextPattern.Compile("pods", cased: true), null));
        Assert.False(path.Any(e, secrets, null));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            path.Any(e, secrets, null);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
