using ZtStream.Ingest.Sources.Identity;
using static ZtStream.Verifier.Tests.Authentication.IdpRecords;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// The built-in identity rules' aggregations on identity-provider time: windows run on the provider's timestamps in
/// whatever order and format its records arrive, and state stays bounded when a spray touches many accounts.
/// </summary>
public sealed class IdentityLibraryTests
{
    private static readonly IReadOnlyList<Rule> Identity = [.. RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => r.Id.StartsWith("identity-", StringComparison.Ordinal))];

    private static Rule One(string id) => Identity.Single(r => r.Id == id);

    /// <summary>Each event through a detector holding only <paramref name="rule"/>; the explanation of the last.</summary>
    private static string? Last(RuleDetector detector, Rule rule, IEnumerable<AccessEvent> events)
    {
        string? last = null;
        foreach (var e in events)
        {
            var re = new RuleEvent(e);
            var match = detector.Match(rule, re);
            // A twin the rule does not count (the tenant twin after an address twin) is not the input's last event for it.
            if (!AuthenticationDetector.IsAddressTwin(e) || rule.Condition.Matches(re))
            {
                last = match;
            }
        }

        return last;
    }

    private static RuleDetector Detector(params Rule[] rules) => new(new RuleSetHolder(new RuleSet(rules)));

    /// <summary>
    /// A site's own privileged group, added to <c>entra_privileged_groups</c> by a lists document of its own: a guest added
    /// to it is raised; the same group is nobody's privileged group under the library's list alone, and a member of the
    /// tenant added to it is not raised either way.
    /// </summary>
    [Fact]
    public void GuestPrivilegedGroup_SiteListsItsOwnGroup_GuestAddedToItIsRaised_OnlyWithTheSitesList()
    {
        static AccessEvent Added(string upn) => Map("entra", $$$"""
            {"id":"Directory_a7e6_0301","activityDateTime":"2026-12-02T11:00:00Z","activityDisplayName":"Add member to group","category":"GroupManagement","result":"success",
             "initiatedBy":{"user":{"userPrincipalName":"it-admin@contoso.example","ipAddress":"203.0.113.82"}},
             "targetResources":[{"id":"a7e60000-0000-4000-8000-0000000000g3","type":"User","userPrincipalName":"{{{upn}}}",
               "modifiedProperties":[{"displayName":"Group.ObjectID","oldValue":null,"newValue":"\"a7e60000-0000-4000-8000-0000000000b9\""},{"displayName":"Group.DisplayName","oldValue":null,"newValue":"\"CA-Exclusions-BreakGlass\""}]},
               {"id":"a7e60000-0000-4000-8000-0000000000b9","type":"Group","displayName":null}]}
            """);
        var site = RuleLoader.Load([.. RuleLoader.Builtin(), new RuleSource("site-lists.yaml", "lists:\n  entra_privileged_groups: [CA-Exclusions]\n")]);
        Assert.Empty(site.Errors);
        var sites = site.Rules.Single(r => r.Id == "identity-guest-privileged-group");
        var builtin = One("identity-guest-privileged-group");
        var guest = new RuleEvent(Added("mallory_partner.example#EXT#@contoso.onmicrosoft.com"));
        var member = new RuleEvent(Added("sam.lee@contoso.example"));

        Assert.True(sites.Condition.Matches(guest));
        Assert.False(builtin.Condition.Matches(guest));
        Assert.False(sites.Condition.Matches(member));
    }

    [Fact]
    public void Spray_OktaRecordsNewestFirst_AsTheSystemLogApiReturnsThemDescending_StillCountsTenAccounts()
    {
        var rule = One("identity-password-spray");
        var records = Enumerable.Range(0, 10)
            .Select(i => Okta("user.session.start", $"user{i}@acme.example", "198.51.100.250", T0.AddMinutes(5 * i), "FAILURE", "INVALID_CREDENTIALS"))
            .Reverse()
            .ToList();

        var text = Last(Detector(rule), rule, AddressTwins.With(records));

        Assert.NotNull(text);
        Assert.Contains("10 distinct attributes.auth.account", text, StringComparison.Ordinal);
        Assert.Contains("by subject.id=ip:198.51.100.250", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Spray_AlertsOnTheAddress_WhoseTwinsKeepNoHistoryOfTheirOwn()
    {
        var engine = new Verifier.Scoring.ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Identity)));
        var failures = Enumerable.Range(0, 10).Select(i => Okta("user.session.start", $"user{i}@acme.example", "198.51.100.250", T0.AddMinutes(3 * i), "FAILURE", "INVALID_CREDENTIALS"));

        var results = AddressTwins.With(failures).Select(e => (e, r: engine.Score(e))).ToList();

        var alert = Assert.Single(results, x => x.r.Alert?.Reasons.Any(r => r.Rule == "identity-password-spray") == true).r.Alert!;
        Assert.Equal("ip:198.51.100.250", alert.Principal);
        Assert.Equal("high", alert.Severity);
        Assert.Contains("(user0@acme.example, user1@acme.example, user2@acme.example, user3@acme.example, …)", alert.Reasons[0].Text, StringComparison.Ordinal);
        Assert.Null(engine.StateOf("ip:198.51.100.250"));
        Assert.NotNull(engine.StateOf("user9@acme.example"));
    }

    [Fact]
    public void RuleOnOneFailedSignIn_AlertsOnTheAccount_NotAgainOnItsAddressAndTenantTwins()
    {
        var engine = new Verifier.Scoring.ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Identity)));
        var refused = Okta("user.session.start", "sam.lee@acme.example", "203.0.113.44", T0, "FAILURE", "FastPass declined phishing attempt");

        var events = AddressTwins.With([refused]).ToList();
        var alerts = events.Select(engine.Score).Where(r => r.Alert is not null).Select(r => r.Alert!).ToList();

        // The twins are written (the address's and the tenant's), and carry the reason the rule reads …
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Contains("phishing", e.Attributes!["auth.failure_reason"].GetString(), StringComparison.Ordinal));
        // … but the one finding is raised once, on the account.
        var alert = Assert.Single(alerts);
        Assert.Equal("sam.lee@acme.example", alert.Principal);
        Assert.Equal("identity-phishing-proxy-blocked", Assert.Single(alert.Reasons).Rule);
    }

    [Theory]
    [InlineData(9, true)]
    [InlineData(12, false)]
    public void BruteForce_PipelineTimestamps_WindowIsTheProvidersTime(int spanMinutes, bool matches)
    {
        // Log pipelines forward Okta's published time as "YYYY-MM-DD hh:mm:ss.fffffffff" in UTC; ten failures spread over
        // the span, delivered at once, are inside the ten-minute window only when the provider's times say so.
        var rule = One("identity-brute-force");
        var records = Enumerable.Range(0, 10).Select(i =>
        {
            var at = T0.AddSeconds(spanMinutes * 60.0 * i / 9);
            var published = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff'00'", CultureInfo.InvariantCulture);
            return Map("okta", $$$"""
                {"uuid":"b0000000-0000-4000-8000-{{{i:D12}}}","published":"{{{published}}}",
                 "eventType":"user.session.start","actor":{"id":"00u1dana","type":"User","alternateId":"dana.fox@acme.example"},
                 "client":{"ipAddress":"203.0.113.9"},"outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"}}
                """);
        }).ToList();
        Assert.Equal(T0.AddMinutes(spanMinutes), records[^1].Time);

        Assert.Equal(matches, Last(Detector(rule), rule, records) is not null);
    }

    [Fact]
    public void SprayAcrossFiftyThousandAccounts_StateStaysBounded_AndARealBruteForceAfterItIsStillSeen()
    {
        var brute = One("identity-brute-force");
        var spray = One("identity-password-spray");
        var detector = Detector(brute, spray);
        for (var i = 0; i < 50_000; i++)
        {
            // One attempt per account, from a botnet of addresses, within one hour.
            var e = Auth0("fp", $"victim{i}@acme.example", $"203.0.{(i / 250) % 256}.{i % 250}", T0.AddMilliseconds(60.0 * i));
            foreach (var record in AddressTwins.With([e]))
            {
                detector.Match(brute, new RuleEvent(record));
                detector.Match(spray, new RuleEvent(record));
            }
        }

        Assert.InRange(detector.Aggregations.GroupCount, 1, 2 * AggregationBook.MaxGroupsPerRule);

        var guessing = Enumerable.Range(0, 10).Select(i => Auth0("fp", "ceo@acme.example", "198.51.100.66", T0.AddHours(1).AddSeconds(20 * i)));
        Assert.NotNull(Last(detector, brute, guessing));
    }
}
