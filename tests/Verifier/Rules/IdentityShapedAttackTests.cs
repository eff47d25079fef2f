using ZtStream.Ingest.Sources.Identity;
using ZtStream.Verifier.Scoring;
using static ZtStream.Verifier.Tests.Authentication.IdpRecords;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Attacks shaped by someone who has read the identity rules' thresholds, kept just under each one for a day, as the
/// vendors' records, through the scoring engine with the identity library and the identity detector: each must alert
/// before the day is out, and the everyday failures that look alike (mistyped passwords, an office's address, carrier
/// NAT, mobile IPv6, a helpdesk's resets) must not.
/// </summary>
public sealed class IdentityShapedAttackTests
{
    private const string Distributed = "identity-password-spray-distributed";

    private static readonly IReadOnlyList<Rule> Identity = [.. RuleLoader.Load(RuleLoader.Builtin()).Rules.Where(r => r.Id.StartsWith("identity-", StringComparison.Ordinal))];

    /// <summary>Scores <paramref name="attempts"/> (each with its address twin, as Ingest appends it) in order.</summary>
    private sealed class Run
    {
        private readonly ScoringEngine engine = new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Identity)));

        public List<Alert> Alerts { get; } = [];

        /// <summary>The 1-based number of the attempt that raised the first alert naming <paramref name="rule"/>, or 0.</summary>
        public int FirstAlert { get; private set; }

        /// <summary>The 1-based number of the attempt that raised the first alert of any rule or reason, or 0.</summary>
        public int FirstAny { get; private set; }

        public Run Score(IEnumerable<AccessEvent> attempts, string? rule = null)
        {
            var n = 0;
            foreach (var attempt in attempts)
            {
                n++;
                foreach (var e in AddressTwins.With([attempt]))
                {
                    if (engine.Score(e).Alert is { } alert)
                    {
                        Alerts.Add(alert);
                        FirstAny = FirstAny == 0 ? n : FirstAny;
                        if (FirstAlert == 0 && (rule is null || alert.Reasons.Any(r => r.Rule == rule)))
                        {
                            FirstAlert = n;
                        }
                    }
                }
            }

            Attempts = n;
            return this;
        }

        public override string ToString() => $"first alert at attempt {FirstAny} of {Attempts}:\n{Said}";

        public int Attempts { get; private set; }

        public string Said => string.Join("\n", Alerts.Select(a => $"{a.Principal}: {string.Join("; ", a.Reasons.Select(r => r.Text))}"));
    }

    /// <summary>Nine failures every ten minutes for a day (1,296 guesses) never make ten within ten minutes.</summary>
    [Fact]
    public void BruteForce_NineEveryTenMinutesForADay_AlertsAtTheThirtiethGuess()
    {
        var guesses = Enumerable.Range(0, 9 * 6 * 24)
            .Select(i => Okta("user.session.start", "dana.fox@acme.example", "203.0.113.9", T0.AddSeconds(i * 600.0 / 9), "FAILURE", "INVALID_CREDENTIALS"));

        var run = new Run().Score(guesses, "identity-brute-force-slow");

        Assert.True(run.FirstAlert == 30, run.ToString());
        Assert.DoesNotContain(run.Alerts, a => a.Reasons.Any(r => r.Rule == "identity-brute-force"));
        Assert.Single(run.Alerts.Select(a => a.Id).Distinct());
    }

    /// <summary>Guesses at one account from a botnet, each from another address (IPv4 /24s and IPv6 /48s), nine every ten minutes.</summary>
    [Fact]
    public void BruteForce_OneAccountFromANewAddressEachGuess_AlertsAtTheThirtiethGuess()
    {
        var guesses = Enumerable.Range(0, 9 * 6 * 24)
            .Select(GuessFrom);

        var run = new Run().Score(guesses, "identity-brute-force-slow");

        Assert.True(run.FirstAlert == 30, run.ToString());

        static AccessEvent GuessFrom(int i) => EntraSignIn("tperkins@contoso.example", i % 2 == 0 ? $"198.51.{i % 250}.{1 + (i / 250)}" : $"2001:db8:{i:x}::1", T0.AddSeconds(i * 600.0 / 9), 50126);
    }

    /// <summary>Nine accounts an hour from one address for a day (216 accounts) never make ten within an hour.</summary>
    [Fact]
    public void Spray_NineAccountsAnHourFromOneAddressForADay_AlertsAtTheThirtiethAccount()
    {
        var guesses = Enumerable.Range(0, 9 * 24)
            .Select(i => EntraSignIn($"user{i}@contoso.example", "198.51.100.250", T0.AddSeconds(i * 3600.0 / 9), 50126));

        var run = new Run().Score(guesses, "identity-password-spray-slow");

        Assert.True(run.FirstAlert == 30, run.ToString());
        Assert.DoesNotContain(run.Alerts, a => a.Reasons.Any(r => r.Rule == "identity-password-spray"));
        Assert.Equal("ip:198.51.100.250", Assert.Single(run.Alerts.Select(a => a.Principal).Distinct()));
    }

    /// <summary>Nine unknown account names an hour from one address for a day: leaked credentials replayed slowly.</summary>
    [Fact]
    public void Stuffing_NineUnknownAccountsAnHourFromOneAddressForADay_AlertsAtTheThirtiethName()
    {
        var guesses = Enumerable.Range(0, 9 * 24)
            .Select(i => Keycloak("LOGIN_ERROR", $"leaked{i}", "198.51.100.251", T0.AddSeconds(i * 3600.0 / 9), error: "user_not_found"));

        var run = new Run().Score(guesses, "identity-password-spray-slow");

        Assert.True(run.FirstAlert == 30, run.ToString());
        Assert.DoesNotContain(run.Alerts, a => a.Reasons.Any(r => r.Rule == "identity-credential-stuffing"));
    }

    /// <summary>Four refused pushes every ten minutes for a day (576 prompts) never make five within ten minutes.</summary>
    [Fact]
    public void PushStorm_FourEveryTenMinutesForADay_AlertsAtTheTwelfthPrompt()
    {
        var prompts = Enumerable.Range(0, 4 * 6 * 24)
            .Select(i => Okta("user.mfa.okta_verify.deny_push", "sam.lee@acme.example", "203.0.113.77", T0.AddSeconds(i * 160), "FAILURE", "User rejected Okta push verify", session: "idxZ8qW1m3v0n", factor: "OKTA_VERIFY_PUSH"));

        var run = new Run().Score(prompts, "identity-mfa-push-storm-slow");

        Assert.True(run.FirstAlert == 12, run.ToString());
        Assert.DoesNotContain(run.Alerts, a => a.Reasons.Any(r => r.Rule == "identity-mfa-push-storm"));
    }

    private static readonly string[] DirectoryPaths = ["users/{0:D4}a5e-user/memberOf?$top=999", "groups/{0:D4}b6f-grp/members", "groups/{0:D4}b6f-grp/owners", "servicePrincipals/{0:D4}c7a-sp/appRoleAssignedTo", "devices/{0:D4}d8b-dev/registeredOwners"];

    private static AccessEvent GraphRead(int i, DateTimeOffset at) =>
        EntraGraph("9e9e0000-0000-4000-8000-00000000beef", "QWF6dXJlSG91bmRUb2tlbkE", "203.0.113.77", at,
            "https://graph.microsoft.com/v1.0/" + string.Format(CultureInfo.InvariantCulture, DirectoryPaths[i % DirectoryPaths.Length], i / DirectoryPaths.Length));

    /// <summary>Ninety-nine directory paths every five minutes for an hour (1,188) never make a hundred within five minutes.</summary>
    [Fact]
    public void GraphEnumeration_NinetyNineEveryFiveMinutesForAnHour_AlertsAtTheFiveHundredthPath()
    {
        var reads = Enumerable.Range(0, 99 * 12).Select(i => GraphRead(i, T0.AddSeconds(i * 300.0 / 97)));

        var run = new Run().Score(reads, "identity-graph-directory-enumeration-slow");

        Assert.True(run.FirstAlert == 500, run.ToString());
        Assert.DoesNotContain(run.Alerts, a => a.Reasons.Any(r => r.Rule == "identity-graph-directory-enumeration"));
    }

    /// <summary>An administrator opening a user, a group or a device every minute, five paths each, for a working day.</summary>
    [Fact]
    public void AdministratorReadingThreeHundredDirectoryPathsAnHourAllDay_StaysQuiet()
    {
        var reads = Enumerable.Range(0, 300 * 8).Select(i => GraphRead(i, T0.AddSeconds(i * 12.0)));

        var run = new Run().Score(reads);

        Assert.True(run.Alerts.Count == 0, run.Said);
    }

    /// <summary>
    /// One attempt per address from a botnet (IPv4 in 100 /24s, IPv6 in 250 /48s), one account each, 500 in an hour: no
    /// address or account sees more than one failure, but the tenant's partition sees them all (its tenant twins) and
    /// raises the tenant at the hundredth network.
    /// </summary>
    [Fact]
    public void Spray_OneAttemptPerAddressFromABotnet_AlertsOnTheTenantAtTheHundredthNetwork()
    {
        var guesses = Enumerable.Range(0, 500)
            .Select(i => Auth0("fp", $"victim{i}@acme.example", i % 2 == 0 ? $"203.0.{i % 200}.{1 + (i / 200)}" : $"2001:db8:{i:x}::{i:x}", T0.AddSeconds(7.2 * i)));

        var run = new Run().Score(guesses, Distributed);

        // Networks 0, 2, … 198 are one /24 each, the odd ones a /48 each: the hundredth network is the hundredth guess.
        Assert.True(run.FirstAlert == 100, run.ToString());
        Assert.All(run.Alerts, a => Assert.Equal("idp:auth0", a.Principal));
        Assert.Single(run.Alerts.Select(a => a.Id).Distinct());
    }

    /// <summary>
    /// The same botnet spray in the other vendors' records — Okta from IPv4 /24s, Entra ID from IPv6 /48s, Keycloak from
    /// both, 150 accounts in an hour — raised on the tenant each record names (the realm, the directory), or the provider
    /// when it names none (Okta's System Log API).
    /// </summary>
    [Fact]
    public void Spray_OneAttemptPerAddressFromABotnet_IsRaisedOnTheTenantInEveryVendorsRecords()
    {
        static DateTimeOffset At(int i) => T0.AddSeconds(23.0 * i);
        var okta = Enumerable.Range(0, 150).Select(i => Okta("user.session.start", $"o{i}@acme.example", $"81.{2 + i / 100}.{i % 100}.{9 + i % 50}", At(i), "FAILURE", "INVALID_CREDENTIALS"));
        var entra = Enumerable.Range(0, 150).Select(i => EntraSignIn($"e{i}@contoso.example", $"2a02:{0x1c00 + i:x}:9::{i + 1:x}", At(i), 50126));
        var keycloak = Enumerable.Range(0, 150).Select(i => Keycloak("LOGIN_ERROR", $"k{i}", i % 2 == 0 ? $"81.9.{i}.7" : $"2a03:{0x2d00 + i:x}:1::5", At(i), error: i % 3 == 0 ? "user_not_found" : "invalid_user_credentials"));

        var runs = new[] { ("idp:okta", new Run().Score(okta, Distributed)), ("tenant:72f988bf-86f1-41af-91ab-2d7cd011db47", new Run().Score(entra, Distributed)), ("tenant:acme", new Run().Score(keycloak, Distributed)) };

        Assert.All(runs, r =>
        {
            Assert.True(r.Item2.FirstAlert == 100, r.Item2.ToString());
            Assert.All(r.Item2.Alerts, a => Assert.Equal(r.Item1, a.Principal));
        });
    }

    /// <summary>
    /// An IPv6 client that takes another address in its /64 for each account, nine accounts an hour for a day: the address
    /// twins are keyed by the /64, so its partition counts every account, and the day-long rule raises the /64 at the
    /// thirtieth; ten accounts within an hour are the hourly rule's.
    /// </summary>
    [Fact]
    public void Spray_FromOneIpv6HostRotatingItsAddressInItsSlash64_AlertsOnTheSlash64()
    {
        var paced = Enumerable.Range(0, 216)
            .Select(i => Okta("user.session.start", $"user{i}@acme.example", $"2001:db8:77:1:{i + 1:x}::{i + 7:x}", T0.AddSeconds(i * 3600.0 / 9), "FAILURE", "INVALID_CREDENTIALS"));
        var hourly = Enumerable.Range(0, 10)
            .Select(i => EntraSignIn($"user{i}@contoso.example", $"2001:db8:88:2:{i:x}:{i + 3:x}::{i + 1:x}", T0.AddMinutes(5 * i), 50126));

        var slow = new Run().Score(paced, "identity-password-spray-slow");
        var fast = new Run().Score(hourly, "identity-password-spray");

        Assert.True(slow.FirstAlert == 30, slow.ToString());
        Assert.True(fast.FirstAlert == 10, fast.ToString());
        Assert.Equal("ip:2001:db8:77:1::/64", slow.Alerts[0].Principal);
        Assert.Equal("ip:2001:db8:88:2::/64", fast.Alerts[0].Principal);
    }

    /// <summary>
    /// A busy hour of a big tenant: 3,000 people sign in within the hour, each from a network of their own (home IPv4 /24s
    /// and IPv6 /48s, worst case for a count of networks), and one in 33 (91, 3 %) mistypes once or twice before getting
    /// in; 200 more at the office behind one address, 9 of whom mistype. 92 networks fail, under the hundred.
    /// </summary>
    [Fact]
    public void BigTenantsBusyHour_ThousandsSigningInFromTheirOwnNetworks_AFewPercentMistyping_StaysQuiet()
    {
        var home = Enumerable.Range(0, 3000).SelectMany(u =>
        {
            var at = T0.AddSeconds(1.2 * u);
            var user = $"staff{u}@contoso.example";
            var ip = u % 2 == 0 ? $"81.{10 + u / 256}.{u % 256}.{20 + u % 7}" : $"2a02:{0x3000 + u:x}:{u % 5}::{u:x}";
            var mistyped = u % 33 == 0 ? (u % 66 == 0 ? 2 : 1) : 0;
            return Enumerable.Range(0, mistyped).Select(k => EntraSignIn(user, ip, at.AddSeconds(10 * k), 50126)).Append(EntraSignIn(user, ip, at.AddSeconds(30)));
        });
        var office = Enumerable.Range(0, 200).SelectMany(u =>
        {
            var at = T0.AddSeconds(18 * u);
            var user = $"office{u}@contoso.example";
            return (u % 23 == 0 ? [EntraSignIn(user, "192.0.2.80", at, 50126)] : Array.Empty<AccessEvent>()).Append(EntraSignIn(user, "192.0.2.80", at.AddSeconds(20)));
        });

        var run = new Run().Score(home.Concat(office).OrderBy(e => e.Time));

        Assert.True(run.Alerts.Count == 0, run.Said);
    }

    /// <summary>
    /// A password-expiry morning: 1,500 people whose passwords expired overnight fail once at the office (two NAT
    /// addresses), change it, and their phones keep trying the old one three times from the carriers' networks (four
    /// public carrier-NAT addresses, an IPv6 /64 per phone in three carrier /48s) within the hour: nine networks for the
    /// tenant. The office and carrier addresses, each failing for hundreds of accounts, are raised by the per-address rules
    /// as before (docs/detection.md): only the tenant-wide count is new, and it stays quiet.
    /// </summary>
    [Fact]
    public void PasswordExpiryMorning_FifteenHundredPeopleAndTheirPhones_StaysQuiet()
    {
        var attempts = Enumerable.Range(0, 1500).SelectMany(u =>
        {
            var at = T0.AddSeconds(2 * u);
            var user = $"staff{u}@contoso.example";
            var office = u % 2 == 0 ? "192.0.2.80" : "192.0.2.81";
            var phone = u % 4 == 0 ? $"198.51.100.{10 + u % 4}" : $"2001:db8:{0xc0 + u % 3:x}:{u:x}::{u % 9 + 1:x}";
            return new[] { EntraSignIn(user, office, at, 50126), EntraSignIn(user, office, at.AddSeconds(40)) }
                .Concat(Enumerable.Range(1, 3).Select(k => EntraSignIn(user, k == 1 ? phone : phone.Replace("::", $":{k}::", StringComparison.Ordinal), at.AddMinutes(5 * k), 50126)));
        });

        var run = new Run().Score(attempts.OrderBy(e => e.Time));

        Assert.DoesNotContain(run.Alerts, a => a.Reasons.Any(r => r.Rule == Distributed));
        Assert.All(run.Alerts, a => Assert.StartsWith("ip:", a.Principal, StringComparison.Ordinal));
    }

    [Fact]
    public void AUserMistypingThreeTimesADayForAWeek_StaysQuiet()
    {
        var day = Enumerable.Range(0, 7).SelectMany(d => new[] { 8.0, 8.01, 13.5 }.Select(h => T0.AddDays(d).AddHours(h)));
        var attempts = day.SelectMany(at => new[]
        {
            Okta("user.session.start", "lee@acme.example", "198.51.100.3", at, "FAILURE", "INVALID_CREDENTIALS"),
            Okta("user.session.start", "lee@acme.example", "198.51.100.3", at.AddMinutes(1)),
        });

        var run = new Run().Score(attempts);

        Assert.True(run.Alerts.Count == 0, run.Said);
    }

    /// <summary>
    /// An office of 300 behind one address, where 25 people a day mistype their password once or twice before signing in;
    /// a carrier NAT address (100.64/10) 60 subscribers fail from; 60 phones failing from their own IPv6 addresses in one
    /// carrier /48.
    /// </summary>
    [Fact]
    public void OfficeNat_CarrierNat_AndMobileIpv6_StayQuiet()
    {
        var office = Enumerable.Range(0, 2).SelectMany(d => Enumerable.Range(0, 300).SelectMany(u =>
        {
            var at = T0.AddDays(d).AddMinutes(u * 1.5);
            var user = $"staff{u}@contoso.example";
            return (u % 12 == d ? [EntraSignIn(user, "192.0.2.80", at, 50126), EntraSignIn(user, "192.0.2.80", at.AddSeconds(20), 50126)] : Array.Empty<AccessEvent>())
                .Append(EntraSignIn(user, "192.0.2.80", at.AddMinutes(1)));
        }));
        var carrier = Enumerable.Range(0, 60).Select(u => Okta("user.session.start", $"sub{u}@acme.example", "100.64.3.7", T0.AddMinutes(10 * u), "FAILURE", "INVALID_CREDENTIALS"));
        var phones = Enumerable.Range(0, 60).Select(u => Auth0("fp", $"phone{u}@acme.example", $"2001:db8:ab:{u:x}::{u + 1:x}", T0.AddMinutes(10 * u)));

        var run = new Run().Score(office.Concat(carrier).Concat(phones));

        Assert.True(run.Alerts.Count == 0, run.Said);
    }

    [Fact]
    public void HelpdeskResettingSixtyPasswordsInAnHour_StaysQuiet()
    {
        var resets = Enumerable.Range(0, 60).Select(u => Okta("user.account.reset_password", "helpdesk@acme.example", "192.0.2.10", T0.AddMinutes(u), target: $"user{u}@acme.example"));

        var run = new Run().Score(resets);

        Assert.True(run.Alerts.Count == 0, run.Said);
    }

    /// <summary>
    /// A service principal whose secret expired, failing every minute for a day: one alert for the day, not 1,440. Whether
    /// it is guessing or a broken integration, a credential refused 1,440 times needs someone; the alert folds the rest.
    /// </summary>
    [Fact]
    public void ServicePrincipalWithAnExpiredSecret_FailingEveryMinuteForADay_IsOneAlert()
    {
        var attempts = Enumerable.Range(0, 24 * 60).Select(i =>
        {
            var at = T0.AddMinutes(i).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            return Assert.Single(EntraByUserId($$$"""
                {"records":[{"time":"{{{at}}}","category":"ServicePrincipalSignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"7000215",
                 "properties":{"id":"e7000000-0000-4000-8000-{{{i:D12}}}","createdDateTime":"{{{at}}}","servicePrincipalName":"ledger-export",
                  "servicePrincipalId":"3c4d5e6f-0000-4000-8000-0000000000f8","appId":"9f8e7d6c-0000-4000-8000-0000000000f9","ipAddress":"198.51.100.60",
                  "resourceDisplayName":"Microsoft Graph","status":{"errorCode":7000215,"failureReason":"Invalid client secret provided."} } }]}
                """));
        });

        var run = new Run().Score(attempts);

        Assert.Single(run.Alerts.Select(a => a.Id).Distinct());
        Assert.Equal("identity-brute-force", run.Alerts[0].Reasons[0].Rule);
        Assert.Contains(run.Alerts, a => a.Reasons.Any(r => r.Rule == "identity-brute-force-slow"));
    }
}
