namespace ZtStream.Verifier.Tests.Scoring;

public sealed class ServiceAccountNamesTests
{
    [Theory]
    [InlineData("system:serviceaccount:shop:api", null, "shop", "shop/api")]
    [InlineData("system:serviceaccount:shop:api", "payments", "payments", "shop/api")]
    [InlineData("system:serviceaccount:shop", null, null, null)]
    [InlineData("system:serviceaccount::api", "shop", "shop", null)]
    [InlineData("alice", "shop", "shop", null)]
    public void Identity_WithTheEnginesCache_SameAsBuiltEachTime(string subject, string? workloadNamespace, string? ns, string? account)
    {
        var names = new ServiceAccountNames();
        var e = Events.Read(Events.T0, principal: subject) with
        {
            Workload = new Workload { Id = "shop/api-1", Namespace = workloadNamespace },
        };

        foreach (var who in new[] { new Identity(e), new Identity(e, names), new Identity(e, names) })
        {
            Assert.Equal(ns, who.Namespace);
            Assert.Equal(account, who.ServiceAccount);
            Assert.Equal(subject.StartsWith("system:serviceaccount:", StringComparison.Ordinal), who.IsServiceAccount);
        }
    }

    [Fact]
    public void Of_RepeatedSubject_BuildsItsNamesOnce_AndEachSubjectKeepsItsOwn()
    {
        var names = new ServiceAccountNames();
        var subjects = Enumerable.Range(0, 3_000).Select(i => $"system:serviceaccount:ns-{i % 7}:sa-{i}").ToArray();
        var first = subjects.Select(s => names.Of(s)!.Value).ToArray();
        for (var i = 0; i < subjects.Length; i++)
        {
            // Slots are shared by subjects (3,000 against 1,024): whatever pushed another out, each reads its own names.
            var again = names.Of(subjects[i])!.Value;
            Assert.Equal($"ns-{i % 7}", again.Namespace);
            Assert.Equal($"ns-{i % 7}/sa-{i}", again.Account);
        }

        var subject = subjects[0];
        var kept = names.Of(subject)!.Value;
        Assert.Same(kept.Account, names.Of(subject)!.Value.Account);
        Assert.Same(kept.Namespace, names.Of(subject)!.Value.Namespace);

        // Another instance of the same text is built again, never another subject's names.
        var copy = new string(subject.AsSpan());
        Assert.Equal(kept, names.Of(copy));
        Assert.Equal(first[0], kept);
    }
}
