namespace ZtStream.Verifier.Tests.Rules.Metamorphic;

/// <summary>
/// Detection gives the same answer on the same behaviour written another way. Falco's k8s-audit rules (k8saudit
/// 0.5.0 and plugins HEAD), SigmaHQ's Kubernetes rules and the built-in library, over Falco's regression traces, the
/// k8s-audit evaluation set and the library's own test events, each through the k8s-audit adapter and a scoring
/// engine as Ingest and the Verifier take them: renamed consistently, reshaped as real clusters write and deliver
/// audit events, the same rules fire on the same events the same number of times, on the same principals and
/// workloads (renamed back). A transform that removes what a rule needs says so and asserts the change. Seeded
/// (<c>ZTSTREAM_METAMORPHIC_SEED</c>; the seed is in every failure).
/// </summary>
public sealed class KubernetesAuditMetamorphicTests
{
    private static readonly int Seed = JsonReshaper.Setting("ZTSTREAM_METAMORPHIC_SEED", 20261203);

    private static readonly ConcurrentDictionary<string, (AuditCorpus Corpus, AuditVerdicts Verdicts)> Baselines = new();

    public static TheoryData<string> Corpora() => [.. AuditCorpus.Names];

    public static TheoryData<string, string> CorporaAndShapes()
    {
        var data = new TheoryData<string, string>();
        foreach (var corpus in AuditCorpus.Names)
        {
            foreach (var shape in AuditShapes.EventShapes.Concat(AuditShapes.Deliveries))
            {
                data.Add(corpus, shape);
            }
        }

        return data;
    }

    public static TheoryData<string, string> CorporaAndOptionalMembers()
    {
        var data = new TheoryData<string, string>();
        foreach (var corpus in AuditCorpus.Names)
        {
            foreach (var member in AuditShapes.Optional)
            {
                data.Add(corpus, member);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public void Baseline_EveryEventIsAccepted_AndRulesFire(string corpus)
    {
        var (c, baseline) = Baseline(corpus);

        Assert.True(baseline.Refused.Count == 0, string.Join("\n", baseline.Refused.Take(10)));
        Assert.Equal(c.Events.Count, baseline.Events);
        Assert.True(baseline.Firings.Count > 0, $"{corpus}: no rule fired on {c.Events.Count} events");
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public void ConsistentRenaming_SameRulesFireOnTheSameEvents_PrincipalsAndWorkloadsMapBack(string corpus)
    {
        var (c, baseline) = Baseline(corpus);
        var literals = RuleLiterals.Of(c.Sources.Select(s => s.Text));
        var renaming = new AuditRenaming(literals, c.Events, Seed);
        var renamed = c.Events.Select(renaming.Rename).ToList();

        var verdicts = AuditVerdicts.Of(c.Rules, AuditShapes.Deliver(renamed, "ndjson", new Random(Seed)));

        // The renaming reaches users, namespaces, object names and addresses, or it proves nothing.
        Assert.True(renaming.Words.Count >= 20 && renaming.Addresses.Count >= 3, $"seed {Seed}: {renaming.Words.Count} words, {renaming.Addresses.Count} addresses renamed");
        Assert.True(verdicts.Refused.Count == 0, $"seed {Seed}: " + string.Join("\n", verdicts.Refused.Take(10)));
        var expected = baseline.Firings.Select(f => MapFiring(f, renaming)).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(verdicts.Firings), $"{corpus}, seed {Seed}, {Sample(renaming)}:\n{AuditVerdicts.Difference(expected, verdicts.Firings)}");
    }

    [Theory]
    [MemberData(nameof(CorporaAndShapes))]
    public void RealClusterShapes_SameRulesFireOnTheSameEvents(string corpus, string shape)
    {
        var (c, baseline) = Baseline(corpus);
        var random = new Random(Seed);
        var bodies = AuditShapes.EventShapes.Contains(shape)
            ? AuditShapes.Deliver([.. c.Events.Select(e => AuditShapes.Shape(e, shape, random))], "ndjson", random)
            : AuditShapes.Deliver(c.Events, shape, random);

        var verdicts = AuditVerdicts.Of(c.Rules, bodies);

        Assert.True(verdicts.Refused.Count == 0, $"{corpus} {shape}, seed {Seed}: " + string.Join("\n", verdicts.Refused.Take(10)));
        Assert.True(baseline.Firings.SequenceEqual(verdicts.Firings), $"{corpus} {shape}, seed {Seed}:\n{AuditVerdicts.Difference(baseline.Firings, verdicts.Firings)}");
    }

    /// <summary>The names the adapter, the canonical event and Falco give each optional member: a rule mentioning one reads it.</summary>
    private static readonly Dictionary<string, string[]> Aliases = new(StringComparer.Ordinal)
    {
        ["annotations"] = ["annotations", "ka.auth", "authorization.k8s.io", "authentication.openshift.io"],
        ["userAgent"] = ["userAgent", "user_agent", "ka.useragent"],
        ["sourceIPs"] = ["sourceIPs", "src_ip", "ka.sourceips", "network"],
        ["user.uid"] = ["user.uid", "k8s.uid", "ka.user.uid"],
        ["user.extra"] = ["extra", "cloud.", "idp.", "credential", "token"],
        ["objectRef.apiVersion"] = ["objectRef.apiVersion", "apiVersion"],
        ["objectRef.uid"] = ["objectRef.uid"],
        ["responseObject"] = ["responseObject", "response_object", "ka.resp"],
    };

    /// <summary>
    /// An optional member removed, or null, on every event whose verdict no rule reading it takes part in (its condition
    /// matches the event: an aggregation counts it even when it does not fire on it) and whose outcome it does not decide:
    /// the same rules fire on the same events. Whom an event is about may change with the member (an anonymous caller is
    /// its address, a service account's workload its bound pod, an EKS user its IAM role): each firing's principal and
    /// workload are then the adapter's for the reshaped event. An unauthenticated request (<c>"user": {}</c>) that loses its
    /// address names no one and is refused, naming <c>user.username</c>, and only that.
    /// </summary>
    [Theory]
    [MemberData(nameof(CorporaAndOptionalMembers))]
    public void OptionalMemberRemovedOrNull_SameRulesFireWhereNoRuleReadsIt(string corpus, string member)
    {
        var (c, baseline) = Baseline(corpus);
        var reads = new RuleFieldReads(c.Sources.Select(s => s.Text));
        foreach (var asNull in new[] { false, true })
        {
            var what = $"{corpus} {member} {(asNull ? "null" : "removed")}";
            var everywhere = c.Events.Select(e => AuditShapes.Without(e, member, asNull)).ToList();
            var probe = AuditVerdicts.Of(c.Rules, AuditShapes.Deliver(everywhere, "ndjson", new Random(Seed)));
            var refusedIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in probe.Refused)
            {
                Assert.Matches(@"^request #0 item \d+ user\.username: required: the audit event names no user$", r);
                var index = int.Parse(r.Split(' ')[3], CultureInfo.InvariantCulture);
                Assert.True(member == "sourceIPs" && c.Events[index]["user"] is JsonObject { Count: 0 }, $"{what}: {r}");
                refusedIds.Add(c.Events[index]["auditID"]!.ToString());
            }

            var eligible = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (id, matching) in baseline.Matching)
            {
                if (!refusedIds.Contains(id) && !matching.Any(rule => reads.Reads(rule, Aliases[member]))
                    && probe.Identities.TryGetValue(id, out var after) && (after.Outcome, after.Status) == (baseline.Identities[id].Outcome, baseline.Identities[id].Status))
                {
                    eligible.Add(id);
                }
            }

            var shaped = c.Events.Select((e, i) => eligible.Contains(e["auditID"]!.ToString()) ? everywhere[i] : e).ToList();
            var verdicts = AuditVerdicts.Of(c.Rules, AuditShapes.Deliver(shaped, "ndjson", new Random(Seed)));
            var expected = baseline.Firings.Select(f =>
            {
                var parts = f.Split(" | ");
                if (!eligible.Contains(parts[1]))
                {
                    return f;
                }

                var after = probe.Identities[parts[1]];
                return AuditVerdicts.Firing(parts[0], parts[1], after.Principal, after.Workload);
            }).Order(StringComparer.Ordinal).ToList();

            Assert.True(eligible.Count >= c.Events.Count / 4, $"{what}: only {eligible.Count} of {c.Events.Count} events reshaped");
            Assert.True(verdicts.Refused.Count == 0, $"{what}: " + string.Join("\n", verdicts.Refused.Take(10)));
            Assert.True(expected.SequenceEqual(verdicts.Firings), $"{what}:\n{AuditVerdicts.Difference(expected, verdicts.Firings)}");
        }
    }

    /// <summary>
    /// <c>auditID</c> is what ties a request's stages together and tells a redelivery from a repeat. An event without it
    /// (an export that dropped it) is judged under an id derived from what the request's stages share: every event is
    /// accepted, no two requests share an id, and the same rules fire on the same principals and workloads.
    /// </summary>
    [Fact]
    public void AuditIdRemoved_EveryEventJudgedUnderADerivedId_TheSameRulesFireOnTheSamePrincipals()
    {
        var (c, baseline) = Baseline("library");
        var bodies = AuditShapes.Deliver([.. c.Events.Select(e => AuditShapes.Without(e, "auditID", asNull: false))], "ndjson", new Random(Seed));

        var verdicts = AuditVerdicts.Of(c.Rules, bodies);

        Assert.Empty(verdicts.Refused);
        Assert.Equal(baseline.Events, verdicts.Events);
        // Falco's traces anonymous_creates_namespace_foo and some-user_creates_namespace_foo are one event edited into two
        // users under one auditID: two requests by what they say, two ids with the auditID and without; every other request one.
        Assert.Equal(baseline.Identities.Count, verdicts.Identities.Count);
        Assert.All(verdicts.Identities.Keys, id => Assert.StartsWith(K8sAuditMapper.DerivedIdPrefix, id, StringComparison.Ordinal));
        Assert.Equal(WithoutIds(baseline.Firings), WithoutIds(verdicts.Firings));
    }

    /// <summary>Firings as rule, principal and workload, sorted: what was found on whom, whatever the events' ids.</summary>
    private static List<string> WithoutIds(IEnumerable<string> firings) =>
        [.. firings.Select(f => f.Split(" | ")).Select(p => $"{p[0]} | {p[2]} | {p[3]}").Order(StringComparer.Ordinal)];

    private static (AuditCorpus Corpus, AuditVerdicts Verdicts) Baseline(string corpus) => Baselines.GetOrAdd(corpus, name =>
    {
        var c = AuditCorpus.Get(name);
        return (c, AuditVerdicts.Of(c.Rules, AuditShapes.Deliver(c.Events, "ndjson", new Random(Seed))));
    });

    private static string MapFiring(string firing, AuditRenaming renaming)
    {
        var parts = firing.Split(" | ");
        return AuditVerdicts.Firing(parts[0], renaming.Map(parts[1]), renaming.Map(parts[2]), parts[3].Length == 0 ? null : renaming.Map(parts[3]));
    }

    private static string Sample(AuditRenaming renaming) =>
        "renamed e.g. " + string.Join(", ", renaming.Words.Take(12).Concat(renaming.Addresses.Take(4)).Select(p => $"{p.Key}→{p.Value}"));
}
