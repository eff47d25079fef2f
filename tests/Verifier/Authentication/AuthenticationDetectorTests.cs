using static ZtStream.Verifier.Tests.Authentication.IdpRecords;

namespace ZtStream.Verifier.Tests.Authentication;

/// <summary>
/// The identity detector on each provider's own records: what a run of sign-ins and a session's use show that no single
/// event does. Positive and negative cases per detector, in the shapes the vendors document.
/// </summary>
public sealed partial class AuthenticationDetectorTests
{
    private static ScoringEngine Engine() =>
        new(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules)));

    private static IEnumerable<AlertReason> Reasons(ScoreResult r, string rule) =>
        r.Alert?.Reasons.Where(x => x.Detector == Detectors.Identity && x.Rule == rule) ?? [];

    /// <summary>Runs every event through a fresh detector; the findings of <paramref name="rule"/> on the last one.</summary>
    private static List<Contribution> Last(IEnumerable<AccessEvent> events, string rule) => Last(new Harness(), events, rule);

    /// <summary>Runs every event through one detector; the findings of <paramref name="rule"/> on the last one.</summary>
    private static List<Contribution> Last(Harness harness, IEnumerable<AccessEvent> events, string rule)
    {
        List<Contribution> found = [];
        foreach (var e in events)
        {
            found = harness.Score(e);
        }

        return [.. found.Where(c => c.Rule == rule)];
    }

    private static List<Contribution> Findings(Harness harness, AccessEvent e, string rule) => [.. harness.Score(e).Where(c => c.Rule == rule)];

    /// <summary>
    /// Exactly one finding, of this <paramref name="score"/>, whose explanation says each of <paramref name="says"/>:
    /// what an analyst reads in the alert is checked as closely as the number that raised it.
    /// </summary>
    private static Contribution OneFinding(IEnumerable<Contribution> findings, int score, params string[] says)
    {
        var found = Assert.Single(findings);
        Assert.Equal(score, found.Score);
        Assert.All(says, phrase => Assert.Contains(phrase, found.Text, StringComparison.Ordinal));
        return found;
    }

    /// <summary>As <see cref="OneFinding"/>, for the engine's alert: exactly one reason of <paramref name="rule"/>.</summary>
    private static AlertReason OneReason(ScoreResult result, string rule, int score, params string[] says)
    {
        var found = Assert.Single(Reasons(result, rule));
        Assert.Equal(score, found.Score);
        Assert.All(says, phrase => Assert.Contains(phrase, found.Text, StringComparison.Ordinal));
        return found;
    }

    /// <summary>The detector alone, with each principal's state, as the engine drives it.</summary>
    private sealed class Harness(AuthenticationOptions? options = null, bool rules = false)
    {
        private readonly AuthenticationDetector detector = new(options ?? new AuthenticationOptions());
        private readonly RuleDetector? ruleDetector = rules ? new RuleDetector(new RuleSetHolder(new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules))) : null;

        public Dictionary<string, PrincipalState> States { get; } = new(StringComparer.Ordinal);

        public List<Contribution> Score(AccessEvent e)
        {
            if (!States.TryGetValue(e.PrincipalKey, out var state))
            {
                States[e.PrincipalKey] = state = new PrincipalState();
            }

            var found = new List<Contribution>();
            ruleDetector?.Evaluate(e, found);
            detector.Evaluate(e, new Identity(e), state, found);
            return found;
        }
    }

    [Fact]
    public void Okta_TwentyFailuresFromOneAddressThenSuccess_IsHighAndNamesTheCount()
    {
        var events = Enumerable.Range(0, 20).Select(i => Okta("user.session.start", "dana.fox@acme.example", "203.0.113.9", T0.AddSeconds(20 * i), "FAILURE", "INVALID_CREDENTIALS"))
            .Append(Okta("user.session.start", "dana.fox@acme.example", "203.0.113.9", T0.AddMinutes(8), session: "idxDana01"));
        var found = OneFinding(Last(events, AuthenticationDetector.SuccessAfterFailures), 85, "after 20 failed sign-ins", "from 203.0.113.9");
        Assert.Equal(Severities.High, Severities.FromScore(found.Score));
        Assert.Equal(["T1110", "T1110.001"], found.Techniques);
    }

    [Fact]
    public void Keycloak_TwelveLoginErrorsThenLogin_IsHigh()
    {
        var events = Enumerable.Range(0, 12).Select(i => Keycloak("LOGIN_ERROR", "alice", "198.51.100.12", T0.AddSeconds(30 * i), error: "invalid_user_credentials"))
            .Append(Keycloak("LOGIN", "alice", "198.51.100.12", T0.AddMinutes(7), session: "6e1c0f5a-2b3d"));
        OneFinding(Last(events, AuthenticationDetector.SuccessAfterFailures), 75, "12 failed sign-ins");
    }

    [Fact]
    public void Entra_FailuresFromElsewhereThenSuccess_IsOnlyASupportingReason()
    {
        // A phone with a stale password keeps failing from one network while the user signs in from another.
        var events = Enumerable.Range(0, 6).Select(i => EntraSignIn("tperkins@contoso.example", "203.0.113.140", T0.AddMinutes(i), 50126))
            .Append(EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0.AddMinutes(9)));
        OneFinding(Last(events, AuthenticationDetector.SuccessAfterFailures), 35, "an address none of them came from");
    }

    [Fact]
    public void Auth0_FourFailuresThenSuccess_BelowTheMinimum_NothingFound()
    {
        var events = Enumerable.Range(0, 4).Select(i => Auth0("fp", "ana@acme.example", "203.0.113.201", T0.AddMinutes(i)))
            .Append(Auth0("s", "ana@acme.example", "203.0.113.201", T0.AddMinutes(5)));
        Assert.Empty(Last(events, AuthenticationDetector.SuccessAfterFailures));
    }

    [Fact]
    public void FailuresOlderThanTheWindow_OrInterruptions_DoNotCount()
    {
        var harness = new Harness();
        var stale = Enumerable.Range(0, 10).Select(i => Auth0("fp", "ana@acme.example", "203.0.113.201", T0.AddMinutes(i)))
            .Append(Auth0("s", "ana@acme.example", "203.0.113.201", T0.AddHours(3)));
        Assert.Empty(Last(harness, stale, AuthenticationDetector.SuccessAfterFailures));

        // Entra's "keep me signed in" (50140) stops a sign-in for a question; it is no failure.
        var interrupts = Enumerable.Range(0, 10).Select(i => EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0.AddHours(5).AddSeconds(i), 50140))
            .Append(EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0.AddHours(5).AddMinutes(1)));
        Assert.Empty(Last(harness, interrupts, AuthenticationDetector.SuccessAfterFailures));
    }

    [Fact]
    public void Okta_TenDeniedPushesThenAccepted_IsMfaFatigue()
    {
        var events = Enumerable.Range(0, 10).Select(i => Okta("user.mfa.okta_verify.deny_push", "sam.lee@acme.example", "203.0.113.77", T0.AddSeconds(25 * i), "FAILURE", "User rejected Okta push verify", "idxSam01", factor: "OKTA_VERIFY_PUSH"))
            .Append(Okta("user.authentication.auth_via_mfa", "sam.lee@acme.example", "203.0.113.77", T0.AddMinutes(5), session: "idxSam01", factor: "OKTA_VERIFY_PUSH"));
        var found = OneFinding(Last(events, AuthenticationDetector.MfaFatigue), 90, "accepted a push prompt", "after 10 refused", "10 denied");
        Assert.Equal(["T1621"], found.Techniques);
    }

    [Fact]
    public void Entra_DeclinedAndUnansweredThenSignedIn_IsMfaFatigue_NamingBoth()
    {
        var events = Enumerable.Range(0, 6).Select(i => EntraSignIn("tperkins@contoso.example", "203.0.113.140", T0.AddMinutes(i), 500121,
                i % 2 == 0 ? "MFA denied; user declined the authentication" : "MFA denied; user did not respond to mobile app notification", method: "Mobile app notification"))
            .Append(EntraSignIn("tperkins@contoso.example", "203.0.113.140", T0.AddMinutes(8), method: "Mobile app notification"));
        OneFinding(Last(events, AuthenticationDetector.MfaFatigue), 80, "3 denied, 3 unanswered");
    }

    [Fact]
    public void Auth0_RejectedGuardianPushesThenSucceeded_IsMfaFatigue()
    {
        var events = Enumerable.Range(0, 5).Select(i => Auth0("gd_auth_rejected", "ana@acme.example", "203.0.113.201", T0.AddSeconds(40 * i), authenticator: "push"))
            .Append(Auth0("gd_auth_succeed", "ana@acme.example", "203.0.113.201", T0.AddMinutes(4), authenticator: "push"));
        Assert.Single(Last(events, AuthenticationDetector.MfaFatigue));
    }

    [Fact]
    public void WrongOneTimeCodes_OrTooFewRefusals_AreNotFatigue()
    {
        var harness = new Harness();
        var codes = Enumerable.Range(0, 6).Select(i => Keycloak("LOGIN_ERROR", "alice", "198.51.100.12", T0.AddSeconds(20 * i), error: "invalid_user_credentials", credentialType: "otp"))
            .Append(Keycloak("LOGIN", "alice", "198.51.100.12", T0.AddMinutes(3), session: "kc-s1"));
        Assert.Empty(Last(harness, codes, AuthenticationDetector.MfaFatigue));

        var few = Enumerable.Range(0, 3).Select(i => Okta("user.mfa.okta_verify.deny_push", "sam.lee@acme.example", "203.0.113.77", T0.AddSeconds(25 * i), "FAILURE", "User rejected Okta push verify", factor: "OKTA_VERIFY_PUSH"))
            .Append(Okta("user.authentication.auth_via_mfa", "sam.lee@acme.example", "203.0.113.77", T0.AddMinutes(2), factor: "OKTA_VERIFY_PUSH"));
        Assert.Empty(Last(harness, few, AuthenticationDetector.MfaFatigue));
    }

    [Fact]
    public void Keycloak_OneSessionSignedInFromTwoNetworksAtOnce_IsHijack()
    {
        var events = new[]
        {
            Keycloak("LOGIN", "alice", "198.51.100.12", T0, session: "6e1c0f5a-aaaa"),
            Keycloak("LOGIN", "alice", "203.0.113.5", T0.AddMinutes(3), session: "6e1c0f5a-aaaa"),
        };
        var found = OneFinding(Last(events, AuthenticationDetector.SessionHijack), 65, "session 6e1c0f5a-aaaa", "after use from 198.51.100.12");
        Assert.Equal(["T1539", "T1550.004"], found.Techniques);
    }

    [Fact]
    public void OktaEntraAuth0_SignInsOfOneSessionFromTwoNetworks_AreHijack()
    {
        var harness = new Harness();
        Assert.Single(Last(harness, [
            Okta("user.session.start", "sam.lee@acme.example", "198.51.100.70", T0, session: "idxRoam1"),
            Okta("user.authentication.sso", "sam.lee@acme.example", "203.0.113.91", T0.AddMinutes(2), session: "idxRoam1"),
        ], AuthenticationDetector.SessionHijack));
        Assert.Single(Last(harness, [
            EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0, session: "entra-roam"),
            EntraSignIn("tperkins@contoso.example", "203.0.113.92", T0.AddMinutes(5), session: "entra-roam"),
        ], AuthenticationDetector.SessionHijack));
        Assert.Single(Last(harness, [
            Auth0("s", "ana@acme.example", "198.51.100.61", T0, session: "a0-roam"),
            Auth0("s", "ana@acme.example", "203.0.113.93", T0.AddMinutes(1), session: "a0-roam"),
        ], AuthenticationDetector.SessionHijack));
    }

    // Okta's debugData.dtHash is the hash of the browser's device-token cookie. One session used with two is its session
    // cookie replayed from another browser: Elastic's "Multiple Device Token Hashes for Single Okta Session"
    // (credential_access_multiple_device_token_hashes_for_single_okta_session.toml) counts them per externalSessionId.
    private const string Safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15";

    // What a session is used for after sign-in: Okta's "User accessing Okta admin app".
    private const string AdminApp = "user.session.access_admin_app";

    [Fact]
    public void Okta_OneSessionUsedWithAnotherDeviceToken_FromTheSameAddressAndAgent_IsHijack()
    {
        // The replaying browser copies the victim's user agent and goes through the same egress: only the token differs.
        var found = OneFinding(Last([
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0, session: "idxDtLena1", dtHash: "okel-dt-aaaa1111"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(4), session: "idxDtLena1", dtHash: "okel-dt-aaaa1111"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(9), session: "idxDtLena1", dtHash: "okel-dt-bbbb2222"),
        ], AuthenticationDetector.SessionHijack), 75, "session idxDtLena1", "a device token other than the one it was first used with", "cookie replayed from another browser");
        Assert.Equal(["T1539", "T1550.004"], found.Techniques);
    }

    [Fact]
    public void Okta_AdminActionInTheSessionWithAnotherDeviceToken_IsHijack()
    {
        // An administrator's change is no sign-in, yet its dtHash still names the browser that made the request.
        OneFinding(Last([
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0, session: "idxDtLena2", dtHash: "okel-dt-aaaa1111"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(2), session: "idxDtLena2", dtHash: "okel-dt-aaaa1111"),
            Okta("system.api_token.create", "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(6), session: "idxDtLena2", dtHash: "okel-dt-cccc3333"),
        ], AuthenticationDetector.SessionHijack), 75, "by system.api_token.create", "a device token other than the one it was first used with");
    }

    [Fact]
    public void Okta_AnotherDeviceTokenFromAnotherNetworkAtOnce_IsHigher()
    {
        OneFinding(Last([
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0, session: "idxDtLena3", dtHash: "okel-dt-aaaa1111"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(1), session: "idxDtLena3", dtHash: "okel-dt-aaaa1111"),
            Okta(AdminApp, "lena.ortiz@acme.example", "203.0.113.140", T0.AddMinutes(2), session: "idxDtLena3", dtHash: "okel-dt-dddd4444", agent: Safari),
        ], AuthenticationDetector.SessionHijack), 85, "from 203.0.113.140, another network", "a device token other than the one it was first used with");
    }

    [Fact]
    public void Okta_SessionWhoseDeviceTokenIsAbsent_IsNeverHijack()
    {
        var harness = new Harness();

        // Records without a dtHash (API-token calls, pipelines that dropped debugData) say nothing of the browser.
        Assert.Empty(Last(harness, [
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0, session: "idxDtLena4", dtHash: "okel-dt-aaaa1111"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(3), session: "idxDtLena4"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(5), session: "idxDtLena4", dtHash: "unknown"),
        ], AuthenticationDetector.SessionHijack));

        // A session first seen without one takes the first it is seen with.
        Assert.Empty(Last(harness, [
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0, session: "idxDtLena5"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(3), session: "idxDtLena5", dtHash: "okel-dt-eeee5555"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(5), session: "idxDtLena5", dtHash: "okel-dt-eeee5555"),
        ], AuthenticationDetector.SessionHijack));
    }

    [Fact]
    public void Okta_NewDeviceTokenAfterANewSignIn_OrOnAnMfaStep_IsNotHijack()
    {
        var harness = new Harness();

        // The user clears the browser's cookies and signs in again: a new session, with the browser's new token.
        Assert.Empty(Last(harness, [
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0, session: "idxDtLena6", dtHash: "okel-dt-aaaa1111"),
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(20), session: "idxDtLena7", dtHash: "okel-dt-ffff6666"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(22), session: "idxDtLena7", dtHash: "okel-dt-ffff6666"),
        ], AuthenticationDetector.SessionHijack));

        // A record the user did not make (Identity Threat Protection's finding on the session, logged by Okta's system
        // principal) names the session but not the user's browser.
        Assert.Empty(Last(harness, [
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(23), session: "idxDtLena7", dtHash: "okel-dt-ffff6666"),
            Map("okta", """{"uuid":"0ce1f000-0000-4000-8000-000000000001","published":"2024-05-06T09:23:30.000Z","eventType":"user.session.context.change","actor":{"id":"0oa0ce1system","type":"SystemPrincipal","alternateId":"system@okta.com"},"client":{"ipAddress":"198.51.100.75"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u1lena.ortiz","type":"User","alternateId":"lena.ortiz@acme.example"}],"debugContext":{"debugData":{"causes":"[deviceContext.change]","externalSessionId":"idxDtLena7","dtHash":"okel-dt-sys00001"}}}"""),
        ], AuthenticationDetector.SessionHijack));

        // The sign-in's own records (policy evaluation, session start, an application's single sign-on) may carry another
        // browser's identifier where a web view hands the sign-in to the system browser: never compared.
        Assert.Empty(Last(harness, [
            Okta("user.session.start", "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(40), session: "idxDtLena8", dtHash: "okel-dt-webview01"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(41), session: "idxDtLena8", dtHash: "okel-dt-browser01"),
            Okta("user.authentication.sso", "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(42), session: "idxDtLena8", dtHash: "okel-dt-webview01"),
            Okta("policy.evaluate_sign_on", "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(43), session: "idxDtLena8", dtHash: "okel-dt-webview02"),
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(44), session: "idxDtLena8", dtHash: "okel-dt-browser01"),
        ], AuthenticationDetector.SessionHijack));

        // A push answered on the phone is a step of the browser's sign-in, not a request of another browser.
        Assert.Empty(Last(harness, [
            Okta(AdminApp, "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(24), session: "idxDtLena7", dtHash: "okel-dt-ffff6666"),
            Okta("user.authentication.auth_via_mfa", "lena.ortiz@acme.example", "198.51.100.75", T0.AddMinutes(25), session: "idxDtLena7", factor: "OKTA_VERIFY_PUSH", dtHash: "okel-dt-9999aaaa"),
        ], AuthenticationDetector.SessionHijack));
    }

    [Fact]
    public void KeycloakLogoutAndAuth0SignOut_EndTheirSessions_ForTheApplication()
    {
        var harness = new Harness();
        harness.Score(Keycloak("LOGIN", "alice", "198.51.100.12", T0, session: "kc-end-1"));
        harness.Score(Keycloak("LOGOUT", "alice", "198.51.100.12", T0.AddMinutes(10), session: "kc-end-1"));
        Assert.Single(Findings(harness, SdkAccess("alice", "kc-end-1", T0.AddMinutes(15)), AuthenticationDetector.SessionEnded));

        harness.Score(Auth0("s", "ana@acme.example", "198.51.100.61", T0, session: "a0-end-1"));
        harness.Score(Auth0("slo", "ana@acme.example", "198.51.100.61", T0.AddMinutes(10), session: "a0-end-1"));
        Assert.Single(Findings(harness, SdkAccess("ana@acme.example", "a0-end-1", T0.AddMinutes(12)), AuthenticationDetector.SessionEnded));
        Assert.Empty(Findings(harness, SdkAccess("ana@acme.example", "a0-other", T0.AddMinutes(12)), AuthenticationDetector.SessionEnded));
    }

    [Fact]
    public void TokenRefreshesAndBackgroundSignIns_FromServersElsewhere_AreNotHijack()
    {
        // A confidential client refreshes from its server; Entra's services sign in on the user's behalf (non-interactive).
        var harness = new Harness();
        Assert.Empty(Last(harness, [
            Keycloak("LOGIN", "alice", "198.51.100.12", T0, session: "kc-s9"),
            Keycloak("REFRESH_TOKEN", "alice", "203.0.113.5", T0.AddMinutes(3), session: "kc-s9"),
            Keycloak("CODE_TO_TOKEN", "alice", "192.0.2.44", T0.AddMinutes(4), session: "kc-s9"),
        ], AuthenticationDetector.SessionHijack));

        var interactive = EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0, session: "entra-s1");
        var background = EntraSignIn("tperkins@contoso.example", "203.0.113.60", T0.AddMinutes(2), session: "entra-s1");
        background = background with { Attributes = new(background.Attributes!) { ["auth.interactive"] = System.Text.Json.JsonSerializer.SerializeToElement(false) } };
        Assert.Empty(Last(harness, [interactive, background], AuthenticationDetector.SessionHijack));
    }

    [Fact]
    public void Sdk_SessionUsedWithAnotherClientAndNetwork_IsHijack()
    {
        var events = new[]
        {
            SdkAccess("sam.lee@acme.example", "idxSam02", T0, ip: "198.51.100.70"),
            SdkAccess("sam.lee@acme.example", "idxSam02", T0.AddMinutes(1), ip: "198.51.100.70"),
            SdkAccess("sam.lee@acme.example", "idxSam02", T0.AddMinutes(2), ip: "203.0.113.88", agent: "python-requests/2.31.0"),
        };
        OneFinding(Last(events, AuthenticationDetector.SessionHijack), 85, "python-requests");
    }

    [Fact]
    public void EntraGraph_OneTokenUsedFromAnotherNetworkAndClient_IsHijack()
    {
        // A token taken from the user's browser and replayed with a script: the same sign-in activity, elsewhere, minutes later.
        var events = new[]
        {
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a1", "rT0kEnAAAA", "198.51.100.40", T0),
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a1", "rT0kEnAAAA", "198.51.100.40", T0.AddMinutes(1), uri: "https://graph.microsoft.com/v1.0/me"),
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a1", "rT0kEnAAAA", "203.0.113.66", T0.AddMinutes(4), uri: "https://graph.microsoft.com/v1.0/users?$top=999", agent: "python-requests/2.32.3"),
        };
        var found = OneFinding(Last(events, AuthenticationDetector.SessionHijack), 85, "session rT0kEnAAAA", "python-requests", "after use from 198.51.100.40");
        Assert.Equal(["T1539", "T1550.004"], found.Techniques);
    }

    [Fact]
    public void EntraGraph_TwoTokensOnTwoNetworks_OrOneTokenAnHourApart_IsNotHijack()
    {
        // The user's laptop and phone hold tokens of their own; a token used again after an hour is a move, not two places.
        var harness = new Harness();
        Assert.Empty(Last(harness, [
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a2", "laptopTok1", "198.51.100.40", T0),
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a2", "phoneTok22", "203.0.113.66", T0.AddMinutes(2)),
        ], AuthenticationDetector.SessionHijack));
        Assert.Empty(Last(harness, [
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a3", "tokA", "198.51.100.40", T0),
            EntraGraph("5b6c8c1e-0000-4000-8000-0000000000a3", "tokA", "203.0.113.66", T0.AddHours(1)),
        ], AuthenticationDetector.SessionHijack));
    }

    // The sign-ins, Graph requests and audit records below are written after Microsoft Learn's references: the diagnostic
    // settings export (details under "properties"), the Log Analytics SigninLogs, AADNonInteractiveUserSignInLogs and
    // MicrosoftGraphActivityLogs tables (PascalCase; TenantId the workspace), and Graph's signIn and directoryAudit
    // resources. A Graph request's SignInActivityId is its sign-in's UniqueTokenIdentifier, as Microsoft's
    // "Access Microsoft Graph activity logs" join shows. Names, ids and addresses are invented.

    [Fact]
    public void EntraExport_HighRiskSignIn_RaisesTheGraphRequestsOfItsToken_NotOfAnotherToken()
    {
        var harness = new Harness(rules: true);
        var signIn = Assert.Single(EntraByUserId("""
            {"records":[{"time":"2024-05-06T09:00:00.000Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
             "properties":{"id":"e0000000-0000-4000-8000-00000000a001","createdDateTime":"2024-05-06T09:00:00.000Z",
              "userPrincipalName":"nadia.kerr@contoso.example","userId":"5b6c8c1e-0000-4000-8000-0000000000b1",
              "appId":"14d82eec-204b-4c2f-b7e8-296a70dab67e","appDisplayName":"Microsoft Graph Command Line Tools","ipAddress":"203.0.113.77",
              "isInteractive":true,"status":{"errorCode":0},"riskLevelDuringSignIn":"high","riskState":"atRisk",
              "sessionId":"00a1b2c3-0000-4000-8000-00000000c0de","uniqueTokenIdentifier":"kQ3xVvVn7UuYtRkAAAA1"}}]}
            """));
        Assert.Contains(harness.Score(signIn), c => c.Rule == "identity-high-risk-sign-in");

        // Graph answers the application's server, not the browser that signed in: no second place.
        var request = EntraGraph("5b6c8c1e-0000-4000-8000-0000000000b1", "kQ3xVvVn7UuYtRkAAAA1", "198.51.100.9", T0.AddMinutes(3), uri: "https://graph.microsoft.com/v1.0/users?$top=999");
        var found = harness.Score(request);
        Assert.DoesNotContain(found, c => c.Rule == AuthenticationDetector.SessionHijack);
        OneFinding(found.Where(c => c.Rule == AuthenticationDetector.RiskySession), 60,
            "GET /users from 198.51.100.9", "in session kQ3xVvVn7UuYtRkAAAA1", "3 min after it was rated risky (score 75)");

        // The same user's other token is not the risky one.
        Assert.Empty(Findings(harness, EntraGraph("5b6c8c1e-0000-4000-8000-0000000000b1", "pL9otherTokenAAAAAA2", "198.51.100.9", T0.AddMinutes(4)), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void EntraLogAnalytics_TokenRefreshedInARiskySession_CarriesTheRiskToItsGraphRequests()
    {
        var harness = new Harness(rules: true);
        var rows = EntraByUserId("""
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","AADTenantId":"11111111-2222-4333-8444-555555555555","TimeGenerated":"2024-05-06T09:00:01Z","Type":"SigninLogs","Category":"SignInLogs","Id":"e0000000-0000-4000-8000-00000000a101","CreatedDateTime":"2024-05-06T09:00:00Z","UserPrincipalName":"omar.vance@fabrikam.example","UserId":"u0000000-0000-4000-8000-0000000000c2","AppId":"de8bc8b5-d9f9-48b1-a8ad-b748da725064","AppDisplayName":"Graph Explorer","IPAddress":"203.0.113.140","ResultType":"0","Status":{"errorCode":0},"IsInteractive":true,"RiskLevelDuringSignIn":"high","RiskState":"atRisk","SessionId":"9f8e7d6c-0000-4000-8000-00000000d00d","UniqueTokenIdentifier":"Zm9vYmFyTG9nQW5hbHl0aWNz"}
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","AADTenantId":"11111111-2222-4333-8444-555555555555","TimeGenerated":"2024-05-06T09:40:02Z","Type":"AADNonInteractiveUserSignInLogs","Category":"NonInteractiveUserSignInLogs","Id":"e0000000-0000-4000-8000-00000000a102","CreatedDateTime":"2024-05-06T09:40:00Z","UserPrincipalName":"omar.vance@fabrikam.example","UserId":"u0000000-0000-4000-8000-0000000000c2","AppDisplayName":"Graph Explorer","IPAddress":"192.0.2.80","ResultType":"0","Status":"{\"errorCode\":0}","IsInteractive":false,"RiskLevelDuringSignIn":"none","RiskState":"none","SessionId":"9f8e7d6c-0000-4000-8000-00000000d00d","UniqueTokenIdentifier":"UmVmcmVzaGVkVG9rZW4x"}
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","AadTenantId":"11111111-2222-4333-8444-555555555555","TimeGenerated":"2024-05-06T09:41:00Z","Type":"MicrosoftGraphActivityLogs","RequestId":"9a000000-0000-4000-8000-00000000a103","OperationId":"9a000000-0000-4000-8000-00000000a103","ApiVersion":"beta","RequestMethod":"GET","RequestUri":"https://graph.microsoft.com/beta/groups?$select=id,displayName","ResponseStatusCode":200,"IpAddress":"203.0.113.140","UserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/124.0","UserId":"u0000000-0000-4000-8000-0000000000c2","AppId":"de8bc8b5-d9f9-48b1-a8ad-b748da725064","SignInActivityId":"UmVmcmVzaGVkVG9rZW4x","Scopes":"Group.Read.All User.Read"}
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","AadTenantId":"11111111-2222-4333-8444-555555555555","TimeGenerated":"2024-05-06T09:42:00Z","Type":"MicrosoftGraphActivityLogs","RequestId":"9a000000-0000-4000-8000-00000000a104","ApiVersion":"v1.0","RequestMethod":"GET","RequestUri":"https://graph.microsoft.com/v1.0/me","ResponseStatusCode":200,"IpAddress":"198.51.100.31","UserId":"u0000000-0000-4000-8000-0000000000c2","AppId":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","SignInActivityId":"VW5yZWxhdGVkVG9rZW4y","Scopes":"User.Read"}
            """);
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal("u0000000-0000-4000-8000-0000000000c2", r.PrincipalKey));
        harness.Score(rows[0]);
        harness.Score(rows[1]);

        var reason = OneFinding(Findings(harness, rows[2], AuthenticationDetector.RiskySession), 60,
            "GET /groups", "in session UmVmcmVzaGVkVG9rZW4x", "41 min after it was rated risky (score 75)");
        Assert.Contains("rated high risk", reason.Text, StringComparison.Ordinal);
        Assert.Empty(Findings(harness, rows[3], AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void EntraBackgroundRefreshes_InACalmSession_DoNotPushTheRiskyTokenOutOfTheState()
    {
        var harness = new Harness(rules: true);
        harness.Score(Assert.Single(EntraByUserId("""
            {"records":[{"time":"2024-05-06T09:00:00.000Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
             "properties":{"id":"e0000000-0000-4000-8000-00000000a401","createdDateTime":"2024-05-06T09:00:00.000Z",
              "userPrincipalName":"nadia.kerr@contoso.example","userId":"5b6c8c1e-0000-4000-8000-0000000000b4","appDisplayName":"Azure Portal",
              "ipAddress":"203.0.113.77","isInteractive":true,"status":{"errorCode":0},"riskLevelDuringSignIn":"high","riskState":"atRisk",
              "sessionId":"00a1b2c3-0000-4000-8000-00000000c4de","uniqueTokenIdentifier":"Umlza3lUb2tlbkFBQUE0"}}]}
            """)));

        // Outlook and Teams refresh their tokens in the user's calm session all morning, each sign-in a new token.
        foreach (var i in Enumerable.Range(1, 3 * AuthenticationState.SessionCapacity))
        {
            harness.Score(Assert.Single(EntraByUserId($$"""
                {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","AADTenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","Type":"AADNonInteractiveUserSignInLogs",
                 "Id":"e0000000-0000-4000-8000-0000000b{{i:D4}}","CreatedDateTime":"2024-05-06T{{9 + (i / 10):D2}}:{{i % 10 * 5:D2}}:00Z","UserPrincipalName":"nadia.kerr@contoso.example",
                 "UserId":"5b6c8c1e-0000-4000-8000-0000000000b4","AppDisplayName":"Microsoft Teams","IPAddress":"198.51.100.{{i}}","ResultType":"0","IsInteractive":false,
                 "SessionId":"77c0ffee-0000-4000-8000-00000000ca1m","UniqueTokenIdentifier":"QmFja2dyb3VuZA{{i:D4}}"}
                """)));
        }

        OneFinding(Findings(harness, EntraGraph("5b6c8c1e-0000-4000-8000-0000000000b4", "Umlza3lUb2tlbkFBQUE0", "203.0.113.77", T0.AddHours(3)), AuthenticationDetector.RiskySession), 60,
            "in session Umlza3lUb2tlbkFBQUE0");
        Assert.Empty(Findings(harness, EntraGraph("5b6c8c1e-0000-4000-8000-0000000000b4", "QmFja2dyb3VuZA0005", "198.51.100.5", T0.AddHours(3)), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void EntraGraphSignIn_ThenTheUsersSessionsRevoked_TheTokensLaterGraphRequestsAreAfterTheEnd()
    {
        var harness = new Harness(rules: true);
        var signIns = EntraByUserId("""
            {"value":[
             {"id":"66ea54eb-0000-4000-8000-00000000a201","createdDateTime":"2024-05-06T09:00:00Z","userDisplayName":"Lena Park","userPrincipalName":"lena.park@contoso.example","userId":"d3c2b1a0-0000-4000-8000-0000000000e3","appId":"00000003-0000-0ff1-ce00-000000000000","appDisplayName":"Office 365 SharePoint Online","ipAddress":"198.51.100.64","clientAppUsed":"Browser","isInteractive":true,"resourceTenantId":"22222222-3333-4444-8555-666666666666","homeTenantId":"22222222-3333-4444-8555-666666666666","status":{"errorCode":0,"failureReason":"Other."},"riskLevelDuringSignIn":"none","riskState":"none","sessionId":"1c2d3e4f-0000-4000-8000-00000000f00d","uniqueTokenIdentifier":"R3JhcGhTaWduSW5Ub2tlbg"},
             {"id":"66ea54eb-0000-4000-8000-00000000a202","createdDateTime":"2024-05-06T09:30:00Z","userDisplayName":"Lena Park","userPrincipalName":"lena.park@contoso.example","userId":"d3c2b1a0-0000-4000-8000-0000000000e3","appId":"00000003-0000-0ff1-ce00-000000000000","appDisplayName":"Office 365 SharePoint Online","ipAddress":"198.51.100.64","clientAppUsed":"Browser","isInteractive":true,"resourceTenantId":"22222222-3333-4444-8555-666666666666","homeTenantId":"22222222-3333-4444-8555-666666666666","status":{"errorCode":0},"sessionId":"7a7b7c7d-0000-4000-8000-00000000beef","uniqueTokenIdentifier":"TmV3U2Vzc2lvblRva2Vu"}]}
            """);
        var revoked = Assert.Single(EntraByUserId("""
            {"id":"Directory_a0000000-0000-4000-8000-00000000a203","category":"UserManagement","activityDateTime":"2024-05-06T09:20:00Z","activityDisplayName":"Invalidate all refresh tokens for user","loggedByService":"Core Directory","result":"success",
             "initiatedBy":{"user":{"id":"a1a1a1a1-0000-4000-8000-0000000000ad","userPrincipalName":"it-admin@contoso.example","ipAddress":"192.0.2.10"}},
             "targetResources":[{"id":"d3c2b1a0-0000-4000-8000-0000000000e3","type":"User","userPrincipalName":"lena.park@contoso.example"}]}
            """));
        Assert.Equal(EventKinds.AuthSessionRevoked, revoked.Kind);

        harness.Score(signIns[0]);
        harness.Score(revoked);
        harness.Score(signIns[1]);
        var replayed = EntraGraph("d3c2b1a0-0000-4000-8000-0000000000e3", "R3JhcGhTaWduSW5Ub2tlbg", "203.0.113.45", T0.AddMinutes(35));
        OneFinding(Findings(harness, replayed, AuthenticationDetector.SessionEnded), 90,
            "session R3JhcGhTaWduSW5Ub2tlbg", "ended at 2024-05-06 09:20:00Z (entra (session revoked))", "used 15 min later");

        // The token of the sign-in after the revocation is a new one.
        Assert.Empty(Findings(harness, EntraGraph("d3c2b1a0-0000-4000-8000-0000000000e3", "TmV3U2Vzc2lvblRva2Vu", "198.51.100.64", T0.AddMinutes(36)), AuthenticationDetector.SessionEnded));
    }

    [Fact]
    public void SessionMoves_SameBlock_PrivateAddresses_OrAfterAnHour_AreNotHijack()
    {
        var harness = new Harness();
        Assert.Empty(Last(harness, [SdkAccess("u1@acme.example", "s-a", T0, ip: "198.51.100.70"), SdkAccess("u1@acme.example", "s-a", T0.AddMinutes(1), ip: "198.51.100.99")], AuthenticationDetector.SessionHijack));
        Assert.Empty(Last(harness, [SdkAccess("u2@acme.example", "s-b", T0, ip: "10.42.0.17"), SdkAccess("u2@acme.example", "s-b", T0.AddMinutes(1), ip: "10.42.3.9")], AuthenticationDetector.SessionHijack));
        Assert.Empty(Last(harness, [SdkAccess("u3@acme.example", "s-c", T0, ip: "198.51.100.70"), SdkAccess("u3@acme.example", "s-c", T0.AddHours(1), ip: "203.0.113.50")], AuthenticationDetector.SessionHijack));
    }

    [Fact]
    public void Okta_SessionUsedAfterSignOut_IsFlagged_WithinGraceOrBefore_IsNot()
    {
        var harness = new Harness();
        harness.Score(Okta("user.session.start", "sam.lee@acme.example", "198.51.100.70", T0, session: "idxEnd01"));
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", "idxEnd01", T0.AddMinutes(10)), AuthenticationDetector.SessionEnded));
        harness.Score(Okta("user.session.end", "sam.lee@acme.example", "198.51.100.70", T0.AddMinutes(30), session: "idxEnd01"));
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", "idxEnd01", T0.AddMinutes(30).AddSeconds(20)), AuthenticationDetector.SessionEnded));

        OneFinding(Findings(harness, SdkAccess("sam.lee@acme.example", "idxEnd01", T0.AddMinutes(35), ip: "203.0.113.50"), AuthenticationDetector.SessionEnded), 90, "ended at 2024-05-06 09:30:00Z (okta (sign-out))", "used 5 min later");
    }

    [Fact]
    public void AdministratorClearsSessions_EverySessionOfTheUserEnds()
    {
        var harness = new Harness();
        harness.Score(Okta("user.session.start", "sam.lee@acme.example", "198.51.100.70", T0, session: "idxClr01"));
        harness.Score(Okta("user.session.clear", "it-admin@acme.example", "192.0.2.10", T0.AddMinutes(10), session: "102adminSess", target: "sam.lee@acme.example"));
        var found = Assert.Single(Findings(harness, SdkAccess("sam.lee@acme.example", "idxClr01", T0.AddMinutes(20)), AuthenticationDetector.SessionEnded));
        Assert.Contains("session revoked", found.Text, StringComparison.Ordinal);
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", "idxNew99", T0.AddMinutes(21)), AuthenticationDetector.SessionEnded));
    }

    [Fact]
    public void Auth0_FirstSignInFromAnotherCountry_AfterFiveFromSpain()
    {
        var events = Enumerable.Range(0, 5).Select(i => Auth0("s", "ana@acme.example", "198.51.100.61", T0.AddDays(i), country: "ES"))
            .Append(Auth0("s", "ana@acme.example", "203.0.113.99", T0.AddDays(6), country: "BR"));
        OneFinding(Last(events, AuthenticationDetector.NewCountry), 45, "from BR", "5 sign-ins before, from ES");
    }

    [Fact]
    public void Entra_NewCountryOnANewDevice_IsHigh_NewDeviceAlone_IsASignal()
    {
        var harness = new Harness();
        foreach (var i in Enumerable.Range(0, 5))
        {
            harness.Score(EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0.AddDays(i), country: "US", device: "3e5ad2d6"));
        }

        OneFinding(Findings(harness, EntraSignIn("tperkins@contoso.example", "198.51.100.40", T0.AddDays(6), country: "US", device: "77aa01"), AuthenticationDetector.NewDevice), 25);
        OneFinding(Findings(harness, EntraSignIn("tperkins@contoso.example", "203.0.113.8", T0.AddDays(7), country: "RU", device: "99ff02"), AuthenticationDetector.NewCountry), 70, "on a new device 99ff02-PC (99ff02)");
    }

    [Fact]
    public void NewCountry_BeforeEnoughSignIns_OrSameCountrySpelledOtherwise_IsNothing()
    {
        var harness = new Harness();
        var early = Enumerable.Range(0, 3).Select(i => Auth0("s", "ben@acme.example", "198.51.100.61", T0.AddDays(i), country: "ES"))
            .Append(Auth0("s", "ben@acme.example", "198.51.100.61", T0.AddDays(4), country: "FR"));
        Assert.Empty(Last(harness, early, AuthenticationDetector.NewCountry));

        var cased = Enumerable.Range(0, 6).Select(i => Okta("user.session.start", "cho@acme.example", "198.51.100.62", T0.AddDays(i), country: "Netherlands"))
            .Append(Okta("user.session.start", "cho@acme.example", "198.51.100.62", T0.AddDays(7), country: "NETHERLANDS"));
        Assert.Empty(Last(harness, cased, AuthenticationDetector.NewCountry));
    }

    // --- What the provider or the user already says: blocked verdicts, a user's report ---

    [Fact]
    public void Auth0_VerdictsOnRequestsItBlocked_RateNoSessionOfTheAccount()
    {
        // Ana is signed in; an attacker's address then gets blocked guessing at her account (brute-force protection) and a
        // login with her leaked password is refused (breached password detection). Each alerts on her account (idp_risk at
        // 60), but the attempts got nothing: her own session stays calm.
        var engine = Engine();
        engine.Score(Auth0("s", "ana@acme.example", "198.51.100.61", T0, session: "a0-calm-1"));
        engine.Score(SdkAccess("ana@acme.example", "a0-calm-1", T0.AddMinutes(1), ip: "198.51.100.61"));
        var blocked = engine.Score(Auth0("limit_wc", "ana@acme.example", "203.0.113.66", T0.AddMinutes(5)));
        var leaked = engine.Score(Auth0("pwd_leak", "ana@acme.example", "203.0.113.66", T0.AddMinutes(6)));

        Assert.Equal((IdentitySignals.Risk, 60), (blocked.Alert?.Reasons[0].Rule, blocked.Alert?.Reasons[0].Score));
        Assert.Equal(Severities.Medium, leaked.Alert?.Severity);
        // Nothing on her next request: before, the blocked verdicts rated her open session (risky_session, 0.8 × the verdict).
        Assert.Equal(0, engine.Score(SdkAccess("ana@acme.example", "a0-calm-1", T0.AddMinutes(10), ip: "198.51.100.61")).Score);
    }

    [Fact]
    public void Okta_UserReportsActivityFromTheDashboard_EverySessionOpenThenIsRisky()
    {
        // Rae has two sessions open; from the dashboard's one she reports a sign-in Okta e-mailed her about as not hers. The
        // report names the dashboard's session; the one reported may be the other.
        var engine = Engine();
        engine.Score(Okta("user.session.start", "rae.quinn@acme.example", "198.51.100.7", T0, session: "idx1dsigDashboard"));
        engine.Score(Okta("user.session.start", "rae.quinn@acme.example", "203.0.113.77", T0.AddMinutes(1), session: "idx1dsigOther"));
        engine.Score(SdkAccess("rae.quinn@acme.example", "idx1dsigOther", T0.AddMinutes(2), ip: "203.0.113.77"));
        engine.Score(Map("okta", """{"uuid":"1d51a000-0000-4000-8000-000000000021","published":"2024-05-06T09:05:00.000Z","eventType":"user.account.report_suspicious_activity_by_enduser","actor":{"id":"00u1dsig0001","type":"User","alternateId":"rae.quinn@acme.example"},"client":{"ipAddress":"198.51.100.7"},"authenticationContext":{"externalSessionId":"idx1dsigDashboard"},"outcome":{"result":"SUCCESS"},"debugContext":{"debugData":{"suspiciousActivityEventIp":"203.0.113.77"}}}"""));

        OneReason(engine.Score(SdkAccess("rae.quinn@acme.example", "idx1dsigOther", T0.AddMinutes(10), ip: "203.0.113.77")), AuthenticationDetector.RiskySession, 60,
            "userReportedSuspiciousActivity");
    }

    // --- Entra ID Protection: the provider's rating of the user (or service principal), found after the sign-in ---

    private const string NoraId = "2e3f4a5b-0000-4000-8000-0000000000e1";

    private static AccessEvent CalmSignIn(string userId, string upn, string token) => Assert.Single(EntraByUserId($$$"""
        {"records":[{"time":"2024-05-06T09:00:00.000Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
         "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"2024-05-06T09:00:00.000Z",
          "userPrincipalName":"{{{upn}}}","userId":"{{{userId}}}","appDisplayName":"Microsoft Graph Command Line Tools","ipAddress":"203.0.113.77",
          "isInteractive":true,"status":{"errorCode":0},"riskLevelDuringSignIn":"none","riskState":"none",
          "sessionId":"00a1b2c3-0000-4000-8000-00000000e0de","uniqueTokenIdentifier":"{{{token}}}"}}]}
        """));

    /// <summary>Nora's calm interactive sign-in at 09:00 from 203.0.113.77, which issued <paramref name="token"/>.</summary>
    private static void NoraSignsIn(ScoringEngine engine, string token) =>
        engine.Score(CalmSignIn(NoraId, "nora.falk@contoso.example", token));

    /// <summary>
    /// The risky-session reasons of a Graph request with Nora's <paramref name="token"/>, from her sign-in's address,
    /// <paramref name="minutes"/> after 09:00.
    /// </summary>
    private static IEnumerable<AlertReason> RiskySessionAt(ScoringEngine engine, string token, int minutes) =>
        Reasons(engine.Score(EntraGraph(NoraId, token, "203.0.113.77", T0.AddMinutes(minutes))), AuthenticationDetector.RiskySession);

    /// <summary>
    /// An offline user risk detection, as diagnostic settings export it (UserRiskEvents): exported again, still dated when
    /// it was detected, at each change of its state (<paramref name="updated"/>, by default when it was detected).
    /// </summary>
    private static AccessEvent UserRiskDetection(
        string userId, string upn, string riskEventType, string level, string state, string detected, string? updated = null, string detail = "none") => Assert.Single(EntraByUserId($$$"""
        {"records":[{"time":"{{{updated ?? detected}}}","category":"UserRiskEvents","operationName":"User Risk Detection","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
         "properties":{"id":"{{{Guid.NewGuid():N}}}","requestId":"e0000000-0000-4000-8000-0000000000f1","riskEventType":"{{{riskEventType}}}","riskState":"{{{state}}}",
          "riskLevel":"{{{level}}}","riskDetail":"{{{detail}}}","source":"IdentityProtection","detectionTimingType":"offline","activity":"signin","ipAddress":"203.0.113.77",
          "activityDateTime":"2024-05-06T09:00:00.000Z","detectedDateTime":"{{{detected}}}","lastUpdatedDateTime":"{{{updated ?? detected}}}",
          "userId":"{{{userId}}}","userPrincipalName":"{{{upn}}}"}}]}
        """));

    /// <summary>A service principal's sign-in for a Graph token, as diagnostic settings export it (ServicePrincipalSignInLogs).</summary>
    private static AccessEvent ServicePrincipalSignIn(string sp, string name, string appId, string ip, string token) => Assert.Single(EntraByUserId($$$"""
        {"records":[{"time":"2024-05-06T09:00:00Z","category":"ServicePrincipalSignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
         "properties":{"id":"{{{Guid.NewGuid()}}}","createdDateTime":"2024-05-06T09:00:00Z","servicePrincipalName":"{{{name}}}",
          "servicePrincipalId":"{{{sp}}}","appId":"{{{appId}}}","ipAddress":"{{{ip}}}",
          "resourceDisplayName":"Microsoft Graph","status":{"errorCode":0},"uniqueTokenIdentifier":"{{{token}}}"}}]}
        """));

    /// <summary>A risky user's state as Microsoft Graph lists it (identityProtection/riskyUsers), one object in a page.</summary>
    private static AccessEvent GraphRiskyUser(string userId, string upn, string level, string state, string detail, string updated) => Assert.Single(EntraByUserId($$$"""
        {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyUsers","value":[
         {"id":"{{{userId}}}","isDeleted":false,"isProcessing":false,"riskLastUpdatedDateTime":"{{{updated}}}","riskLevel":"{{{level}}}","riskState":"{{{state}}}",
          "riskDetail":"{{{detail}}}","userDisplayName":"Nora Falk","userPrincipalName":"{{{upn}}}"}]}
        """));

    /// <summary>A risky user's state as a row of the Log Analytics AADRiskyUsers table.</summary>
    private static AccessEvent RiskyUserRow(string userId, string upn, string level, string state, string detail, string updated) => Assert.Single(EntraByUserId($$$"""
        {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","TimeGenerated":"{{{updated}}}","Type":"AADRiskyUsers","OperationName":"Risky user",
         "Id":"{{{userId}}}","IsDeleted":false,"IsProcessing":false,"RiskDetail":"{{{detail}}}","RiskLastUpdatedDateTime":"{{{updated}}}",
         "RiskLevel":"{{{level}}}","RiskState":"{{{state}}}","UserDisplayName":"Nora Falk","UserPrincipalName":"{{{upn}}}"}
        """));

    [Fact]
    public void EntraOfflineHighRiskDetection_RaisesTheUsersOpenTokenSessionFromThenOn()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuQUFBQTE");
        Assert.Empty(RiskySessionAt(engine, "Tm9yYVRva2VuQUFBQTE", 5));

        // Identity Protection finds the sign-in was an atypical travel half an hour later: the token it issued is still in use.
        var detection = engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "unlikelyTravel", "high", "atRisk", "2024-05-06T09:30:00.000Z"));
        Assert.Empty(Reasons(detection, AuthenticationDetector.RiskySession));

        var access = engine.Score(EntraGraph(NoraId, "Tm9yYVRva2VuQUFBQTE", "203.0.113.77", T0.AddMinutes(40), uri: "https://graph.microsoft.com/v1.0/users?$top=999"));
        OneReason(access, AuthenticationDetector.RiskySession, 60,
            "in session Tm9yYVRva2VuQUFBQTE", "10 min after it was rated risky (score 75)", "at high risk: unlikelyTravel");
    }

    [Fact]
    public void EntraDetection_OnlyAHeldHighRating_RaisesTheOpenSession_NotADismissedRemediatedOrMediumOne()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuQUFBQTI");
        var minute = 10;
        foreach (var (level, state) in new[] { ("high", "dismissed"), ("high", "remediated"), ("high", "confirmedSafe"), ("medium", "atRisk"), ("low", "atRisk") })
        {
            engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "unlikelyTravel", level, state, $"2024-05-06T09:{minute:D2}:00.000Z"));
            Assert.Empty(RiskySessionAt(engine, "Tm9yYVRva2VuQUFBQTI", minute + 1));
            minute += 5;
        }

        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "anomalousToken", "high", "atRisk", "2024-05-06T09:40:00.000Z"));
        var reason = Assert.Single(RiskySessionAt(engine, "Tm9yYVRva2VuQUFBQTI", 41));
        Assert.Contains("anomalousToken", reason.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("unlikelyTravel", reason.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EntraRiskyUserConfirmedCompromised_AsALogAnalyticsRow_RaisesTheSessionsOpenBeforeIt_NotOneBegunAfter()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuQUFBQTM");
        engine.Score(Assert.Single(EntraByUserId($$$"""
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","TimeGenerated":"2024-05-06T10:00:05Z","Type":"AADRiskyUsers","OperationName":"Risky user",
             "Id":"{{{NoraId}}}","IsDeleted":false,"IsProcessing":false,"RiskDetail":"adminConfirmedUserCompromised","RiskLastUpdatedDateTime":"2024-05-06T10:00:00Z",
             "RiskLevel":"high","RiskState":"confirmedCompromised","UserDisplayName":"Nora Falk","UserPrincipalName":"nora.falk@contoso.example"}
            """)));

        var reason = Assert.Single(RiskySessionAt(engine, "Tm9yYVRva2VuQUFBQTM", 75));
        Assert.Contains("compromised", reason.Text, StringComparison.Ordinal);

        // A token issued after the confirmation is another session (the sign-ins that follow carry the user's risk themselves).
        var later = Assert.Single(EntraByUserId("""
            {"records":[{"time":"2024-05-06T11:00:00.000Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
             "properties":{"id":"e0000000-0000-4000-8000-0000000000f4","createdDateTime":"2024-05-06T11:00:00.000Z","userPrincipalName":"nora.falk@contoso.example",
              "userId":"2e3f4a5b-0000-4000-8000-0000000000e1","ipAddress":"203.0.113.77","isInteractive":true,"status":{"errorCode":0},
              "sessionId":"00a1b2c3-0000-4000-8000-00000000f0de","uniqueTokenIdentifier":"TGF0ZXJUb2tlbkFBQUE0"}}]}
            """));
        engine.Score(later);
        Assert.Empty(Reasons(engine.Score(EntraGraph(NoraId, "TGF0ZXJUb2tlbkFBQUE0", "203.0.113.77", T0.AddHours(2).AddMinutes(5))), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void EntraServicePrincipalDetection_RaisesTheRequestsOfItsToken()
    {
        const string sp = "3c4d5e6f-0000-4000-8000-0000000000e8";
        var engine = Engine();
        engine.Score(ServicePrincipalSignIn(sp, "invoice-sync", "9f8e7d6c-0000-4000-8000-0000000000ea", "198.51.100.60", "c3BUb2tlbkFBQUFBQTE"));
        engine.Score(Assert.Single(EntraByUserId($$$"""
            {"records":[{"time":"2024-05-06T09:20:00Z","category":"ServicePrincipalRiskEvents","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
             "properties":{"id":"{{{Guid.NewGuid():N}}}","riskEventType":"leakedCredentials","riskState":"atRisk","riskLevel":"high","riskDetail":"none",
              "source":"IdentityProtection","detectionTimingType":"offline","activity":"servicePrincipal","detectedDateTime":"2024-05-06T09:20:00Z",
              "lastUpdatedDateTime":"2024-05-06T09:20:00Z","servicePrincipalId":"{{{sp}}}","servicePrincipalDisplayName":"invoice-sync",
              "appId":"9f8e7d6c-0000-4000-8000-0000000000ea"}}]}
            """)));

        var request = Assert.Single(EntraByUserId($$$"""
            {"records":[{"time":"2024-05-06T09:25:00Z","category":"MicrosoftGraphActivityLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
             "properties":{"requestId":"9a000000-0000-4000-8000-0000000000eb","timeGenerated":"2024-05-06T09:25:00Z","apiVersion":"v1.0","requestMethod":"GET",
              "requestUri":"https://graph.microsoft.com/v1.0/users","responseStatusCode":200,"ipAddress":"198.51.100.60","servicePrincipalId":"{{{sp}}}",
              "appId":"9f8e7d6c-0000-4000-8000-0000000000ea","roles":"User.Read.All","signInActivityId":"c3BUb2tlbkFBQUFBQTE"}}]}
            """));
        var reason = Assert.Single(Reasons(engine.Score(request), AuthenticationDetector.RiskySession));
        Assert.Contains("leakedCredentials", reason.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dismissed", "adminDismissedAllRiskForUser")]
    [InlineData("remediated", "userPerformedSecuredPasswordReset")]
    [InlineData("confirmedSafe", "adminConfirmedSigninSafe")]
    public void EntraExportDetection_ClearedLater_NoLongerRaisesTheOpenToken_WhileItsEarlierFindingStands(string state, string detail)
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuQ2xlYXIx");
        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "unlikelyTravel", "high", "atRisk", "2024-05-06T09:30:00.000Z"));
        Assert.Single(RiskySessionAt(engine, "Tm9yYVRva2VuQ2xlYXIx", 40));

        // The same detection exported again at its change of state (lastUpdatedDateTime 10:00): dated at that change.
        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "unlikelyTravel", "high", state, "2024-05-06T09:30:00.000Z", "2024-05-06T10:00:00.000Z", detail));
        Assert.Empty(RiskySessionAt(engine, "Tm9yYVRva2VuQ2xlYXIx", 65));
    }

    /// <summary>
    /// A dismissal counts from when it was made, not from the detection it dismisses, in whichever order the two exports
    /// are read: a request made while the risk was held is still raised when read after the dismissal (a late export, a
    /// replay), and a dismissal read first leaves the detection holding only up to it, not for good.
    /// </summary>
    [Theory]
    [InlineData("anonymizedIPAddress", false, "Tm9yYVRva2VuTGF0ZTE")]
    [InlineData("unlikelyTravel", true, "Tm9yYVRva2VuT3JkZXIx")]
    public void EntraExportDetection_DismissedAt10_HoldsFromItsDetectionUntilTheDismissal_InEitherOrder(string riskEventType, bool dismissalReadFirst, string token)
    {
        var engine = Engine();
        NoraSignsIn(engine, token);
        var detected = UserRiskDetection(NoraId, "nora.falk@contoso.example", riskEventType, "high", "atRisk", "2024-05-06T09:30:00.000Z");
        var dismissed = UserRiskDetection(NoraId, "nora.falk@contoso.example", riskEventType, "high", "dismissed", "2024-05-06T09:30:00.000Z", "2024-05-06T10:00:00.000Z", "adminDismissedAllRiskForUser");
        AccessEvent[] exports = dismissalReadFirst ? [dismissed, detected] : [detected, dismissed];
        foreach (var record in exports)
        {
            engine.Score(record);
        }

        var held = Assert.Single(RiskySessionAt(engine, token, 45));
        Assert.Contains(riskEventType, held.Text, StringComparison.Ordinal);
        Assert.Empty(RiskySessionAt(engine, token, 65));
    }

    [Fact]
    public void EntraDetectionDismissed_LeavesAnotherDetectionStillHeld_UntilThatOneIsDismissedToo()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuVHdvRGV0");
        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "unlikelyTravel", "high", "atRisk", "2024-05-06T09:20:00.000Z"));
        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "anomalousToken", "high", "atRisk", "2024-05-06T09:30:00.000Z"));

        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "unlikelyTravel", "high", "dismissed", "2024-05-06T09:20:00.000Z", "2024-05-06T09:50:00.000Z", "adminDismissedRiskForSignIn"));
        var held = Assert.Single(RiskySessionAt(engine, "Tm9yYVRva2VuVHdvRGV0", 55));
        Assert.Contains("anomalousToken", held.Text, StringComparison.Ordinal);

        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "anomalousToken", "high", "dismissed", "2024-05-06T09:30:00.000Z", "2024-05-06T10:00:00.000Z", "adminDismissedRiskForSignIn"));
        Assert.Empty(RiskySessionAt(engine, "Tm9yYVRva2VuVHdvRGV0", 65));
    }

    [Fact]
    public void EntraRiskyUserRemediated_AsALogAnalyticsRow_ClearsEveryRatingOfTheUser_NotTheRiskOfASessionsOwnSignIn()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuUmVtZWQx");

        // A sign-in of its own rated high: its token's session is risky by that sign-in, not by the user's rating.
        engine.Score(Assert.Single(EntraByUserId($$$"""
            {"records":[{"time":"2024-05-06T09:10:00.000Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
             "properties":{"id":"e0000000-0000-4000-8000-0000000000f7","createdDateTime":"2024-05-06T09:10:00.000Z","userPrincipalName":"nora.falk@contoso.example",
              "userId":"{{{NoraId}}}","ipAddress":"198.51.100.23","isInteractive":true,"status":{"errorCode":0},"riskLevelDuringSignIn":"high","riskState":"atRisk",
              "riskEventTypes_v2":["anonymizedIPAddress"],"sessionId":"00a1b2c3-0000-4000-8000-00000000a0de","uniqueTokenIdentifier":"Tm9yYVJpc2t5U2lnbkluMQ"}}]}
            """)));
        engine.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "leakedCredentials", "high", "atRisk", "2024-05-06T09:30:00.000Z"));
        engine.Score(RiskyUserRow(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T09:31:00Z"));

        // The user reset the password: Entra remediates the user (and with it every detection), rated none.
        engine.Score(RiskyUserRow(NoraId, "nora.falk@contoso.example", "none", "remediated", "userPerformedSecuredPasswordReset", "2024-05-06T10:00:00Z"));
        Assert.Empty(RiskySessionAt(engine, "Tm9yYVRva2VuUmVtZWQx", 70));
        OneReason(engine.Score(EntraGraph(NoraId, "Tm9yYVJpc2t5U2lnbkluMQ", "198.51.100.23", T0.AddMinutes(71))), AuthenticationDetector.RiskySession, 60,
            "in session Tm9yYVJpc2t5U2lnbkluMQ", "rated risky (score 75) at 2024-05-06 09:10:00Z");
    }

    [Fact]
    public void EntraRiskyUserDismissed_AsAGraphObject_ClearsOnlyTheRatingsDatedBeforeIt_StaleDismissalClearsNothing()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuU3RhbGUx");
        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T09:30:00Z"));

        // A page read late: the user dismissed at 09:20, before the rating at 09:30 it knows nothing of.
        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "none", "dismissed", "adminDismissedAllRiskForUser", "2024-05-06T09:20:00Z"));
        Assert.Single(RiskySessionAt(engine, "Tm9yYVRva2VuU3RhbGUx", 45));

        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "none", "dismissed", "adminDismissedAllRiskForUser", "2024-05-06T10:00:00Z"));
        Assert.Empty(RiskySessionAt(engine, "Tm9yYVRva2VuU3RhbGUx", 65));

        // Rated again after the dismissal: the sessions open then are risky again.
        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T10:10:00Z"));
        Assert.Single(RiskySessionAt(engine, "Tm9yYVRva2VuU3RhbGUx", 75));
    }

    [Fact]
    public void EntraRiskyServicePrincipalDismissed_ClearsItsDetection_ForTheRequestsOfItsToken()
    {
        const string sp = "3c4d5e6f-0000-4000-8000-0000000000f8";
        var engine = Engine();
        engine.Score(ServicePrincipalSignIn(sp, "ledger-export", "9f8e7d6c-0000-4000-8000-0000000000fa", "198.51.100.61", "c3BUb2tlbkNsZWFyMDE"));
        engine.Score(Assert.Single(EntraByUserId($$$"""
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","TimeGenerated":"2024-05-06T09:21:00Z","Type":"AADServicePrincipalRiskEvents","OperationName":"Service Principal Risk Detection",
             "Id":"{{{Guid.NewGuid():N}}}","RiskEventType":"leakedCredentials","RiskState":"atRisk","RiskLevel":"high","RiskDetail":"none","Source":"IdentityProtection",
             "DetectionTimingType":"offline","Activity":"servicePrincipal","DetectedDateTime":"2024-05-06T09:20:00Z","LastUpdatedDateTime":"2024-05-06T09:20:00Z",
             "ServicePrincipalId":"{{{sp}}}","ServicePrincipalDisplayName":"ledger-export","AppId":"9f8e7d6c-0000-4000-8000-0000000000fa"}
            """)));
        AccessEvent Request(int minute) => Assert.Single(EntraByUserId($$$"""
            {"records":[{"time":"2024-05-06T09:{{{minute:D2}}}:00Z","category":"MicrosoftGraphActivityLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
             "properties":{"requestId":"9a000000-0000-4000-8000-0000000000{{{minute:D2}}}","timeGenerated":"2024-05-06T09:{{{minute:D2}}}:00Z","apiVersion":"v1.0","requestMethod":"GET",
              "requestUri":"https://graph.microsoft.com/v1.0/users","responseStatusCode":200,"ipAddress":"198.51.100.61","servicePrincipalId":"{{{sp}}}",
              "appId":"9f8e7d6c-0000-4000-8000-0000000000fa","roles":"User.Read.All","signInActivityId":"c3BUb2tlbkNsZWFyMDE"}}]}
            """));
        Assert.Single(Reasons(engine.Score(Request(25)), AuthenticationDetector.RiskySession));

        engine.Score(Assert.Single(EntraByUserId($$$"""
            {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskyServicePrincipals","value":[
             {"id":"{{{sp}}}","appId":"9f8e7d6c-0000-4000-8000-0000000000fa","displayName":"ledger-export","servicePrincipalType":"Application",
              "isEnabled":true,"isProcessing":false,"riskLastUpdatedDateTime":"2024-05-06T09:40:00Z","riskLevel":"none","riskState":"dismissed",
              "riskDetail":"adminDismissedAllRiskForServicePrincipal"}]}
            """)));
        Assert.Empty(Reasons(engine.Score(Request(45)), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void EntraRatingAndItsDismissal_SurviveACheckpoint()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuQ2twdDE");
        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T09:30:00Z"));

        var rated = Engine();
        rated.Restore(engine.Checkpoint());
        Assert.Single(RiskySessionAt(rated, "Tm9yYVRva2VuQ2twdDE", 40));

        rated.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "none", "dismissed", "adminDismissedAllRiskForUser", "2024-05-06T10:00:00Z"));
        var dismissed = Engine();
        dismissed.Restore(rated.Checkpoint());
        Assert.Empty(RiskySessionAt(dismissed, "Tm9yYVRva2VuQ2twdDE", 65));

        // A stale dismissal still clears nothing after the restart: the rating's time came through too.
        dismissed.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T10:10:00Z"));
        var again = Engine();
        again.Restore(dismissed.Checkpoint());
        again.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "none", "dismissed", "adminDismissedAllRiskForUser", "2024-05-06T10:05:00Z"));
        Assert.Single(RiskySessionAt(again, "Tm9yYVRva2VuQ2twdDE", 75));
    }

    /// <summary>
    /// Format 6 (before ratings), 7 (before sign-in links) and 8 to 11 (before the first-seen history) are still read, with
    /// their sessions' risk (formats 9 and 10 were read as format 6 was, until format 12).
    /// </summary>
    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(11)]
    public void Checkpoint_OlderFormat_WithoutRatingsOrSignInLinks_IsStillRead_WithItsSessionsRisk(int format)
    {
        var session = $"idxOld{format}";
        var restored = RestoredWithRiskySession(session, format);
        OneReason(restored.Score(SdkAccess("sam.lee@acme.example", session, T0.AddMinutes(3))), AuthenticationDetector.RiskySession, 60, $"in session {session}");
        var state = restored.StateOf("sam.lee@acme.example")!.Authentication!;
        Assert.Null(state.Ratings);
        Assert.Equal(0, state.RevokedTicks);
    }

    [Fact]
    public void ParkedState_WrittenBeforeRatings_StillLoads_AndAParkedRatingComesBack()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuUGFyazE");
        var rating = GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T09:30:00Z");
        engine.Score(rating);
        var state = engine.StateOf(rating.PrincipalKey)!;

        var parked = ZtStream.Verifier.Baselines.PrincipalState.FromBytes(state.ToBytes());
        var held = Assert.Single(parked.Authentication!.Ratings!, r => r.Ticks != 0);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 9, 30, 0, TimeSpan.Zero).UtcTicks, held.Ticks);

        // The previous version parked section 1: the sign-in state without the ratings that follow it.
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            state.Write(w);
            w.Write((byte)1);
            var withoutRatings = new AuthenticationState();
            withoutRatings.Sessions[0] = state.Authentication!.Sessions.First(x => x.Id != 0);
            withoutRatings.Sessions[0].OpenedTicks = 0;
            using var full = new MemoryStream();
            using (var fw = new BinaryWriter(full, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                withoutRatings.Write(fw);
            }

            var bytes = full.ToArray();
            w.Write(bytes[..^((8 * AuthenticationState.SessionCapacity) + 8 + 1 + 8 + 1 + 1 + 1)]);
        }

        var old = ZtStream.Verifier.Baselines.PrincipalState.FromBytes(ms.ToArray());
        Assert.Equal(state.Authentication!.Sessions.First(x => x.Id != 0).Id, old.Authentication!.Sessions[0].Id);
        Assert.Null(old.Authentication.Ratings);
    }

    [Fact]
    public void RiskySignIn_RaisesTheAccessThatFollowsInItsSession_NamingBoth()
    {
        var engine = Engine();
        var signIn = engine.Score(Okta("user.session.start", "sam.lee@acme.example", "203.0.113.152", T0, session: "idxRisk01", risk: "HIGH"));
        Assert.NotNull(signIn.Alert);

        var access = engine.Score(SdkAccess("sam.lee@acme.example", "idxRisk01", T0.AddMinutes(3)));
        OneReason(access, AuthenticationDetector.RiskySession, 60,
            "in session idxRisk01", "3 min after it was rated risky (score 75)", "okta: Sign-in the identity provider rated high risk went through");
    }

    [Fact]
    public void RiskySignIn_DoesNotColourOtherSessions_OrItsOwnOnceEnded()
    {
        var harness = new Harness(rules: true);
        harness.Score(Okta("user.session.start", "sam.lee@acme.example", "203.0.113.152", T0, session: "idxRisk01", risk: "HIGH"));
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", "idxOther", T0.AddMinutes(4)), AuthenticationDetector.RiskySession));
        Assert.Single(Findings(harness, SdkAccess("sam.lee@acme.example", "idxRisk01", T0.AddMinutes(5)), AuthenticationDetector.RiskySession));
        harness.Score(Okta("user.session.end", "sam.lee@acme.example", "203.0.113.152", T0.AddMinutes(10), session: "idxRisk01"));
        var after = harness.Score(SdkAccess("sam.lee@acme.example", "idxRisk01", T0.AddMinutes(20)));
        Assert.DoesNotContain(after, c => c.Rule == AuthenticationDetector.RiskySession);
        Assert.Contains(after, c => c.Rule == AuthenticationDetector.SessionEnded);

        // A sign-in nobody found risky marks nothing.
        harness.Score(Okta("user.session.start", "sam.lee@acme.example", "198.51.100.70", T0.AddHours(1), session: "idxCalm"));
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", "idxCalm", T0.AddHours(1).AddMinutes(1)), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void FatigueAccepted_MakesTheSessionRisky_ForTheApplication()
    {
        var harness = new Harness(rules: true);
        foreach (var i in Enumerable.Range(0, 10))
        {
            harness.Score(Auth0("gd_auth_rejected", "ana@acme.example", "203.0.113.201", T0.AddSeconds(30 * i), session: "a0-sess-7", authenticator: "push"));
        }

        harness.Score(Auth0("gd_auth_succeed", "ana@acme.example", "203.0.113.201", T0.AddMinutes(6), session: "a0-sess-7", authenticator: "push"));
        var reason = Assert.Single(Findings(harness, SdkAccess("ana@acme.example", "a0-sess-7", T0.AddMinutes(7)), AuthenticationDetector.RiskySession));
        Assert.Contains("MFA fatigue", reason.Text, StringComparison.Ordinal);
        Assert.True(reason.Score >= 70, reason.Text);
    }

    [Fact]
    public void State_SurvivesACheckpoint_AndStaysBounded()
    {
        var engine = Engine();
        foreach (var i in Enumerable.Range(0, 15))
        {
            engine.Score(Okta("user.session.start", "dana.fox@acme.example", "203.0.113.9", T0.AddSeconds(10 * i), "FAILURE", "INVALID_CREDENTIALS"));
        }

        foreach (var i in Enumerable.Range(0, 40))
        {
            engine.Score(SdkAccess("dana.fox@acme.example", $"s-{i}", T0.AddMinutes(1).AddSeconds(i)));
        }

        var restored = Engine();
        restored.Restore(engine.Checkpoint());
        var state = restored.StateOf("dana.fox@acme.example")!.Authentication!;
        Assert.Equal(15, state.Failures);
        Assert.Equal(AuthenticationState.SessionCapacity, state.Sessions.Count(s => s.Id != 0));

        var found = Assert.Single(Reasons(restored.Score(Okta("user.session.start", "dana.fox@acme.example", "203.0.113.9", T0.AddMinutes(3), session: "idxD2")), AuthenticationDetector.SuccessAfterFailures));
        Assert.Contains("15 failed sign-ins", found.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_FormatThree_WithoutAuthenticationState_IsStillRead()
    {
        var engine = Engine().Warmed();

        // The bindings the history derived are appended elsewhere; the older checkpoint is written without them.
        engine.Links.Delivered(engine.Links.Outbox.Count);
        var restored = Engine();
        restored.Restore(Rules.CheckpointFormats.AsFormat(engine.Checkpoint(), 3));
        Assert.Equal(engine.PrincipalCount, restored.PrincipalCount);
        Assert.Null(restored.StateOf("system:serviceaccount:shop:api")!.Authentication);
    }

    // --- A revocation of all the principal's sessions reaches tokens whose sign-in was never seen, by their issue time ---

    private const string InesId = "7d8e9f00-0000-4000-8000-0000000000d1";

    /// <summary>
    /// An administrator's "Invalidate all refresh tokens for user" on Ines, as diagnostic settings export the audit log
    /// (AuditLogs), at <paramref name="at"/>.
    /// </summary>
    private static AccessEvent EntraRevocationExport(string at, string result = "success") => Assert.Single(EntraByUserId($$$"""
        {"records":[{"time":"{{{at}}}","resourceId":"/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47/providers/Microsoft.aadiam","operationName":"Invalidate all refresh tokens for user",
         "operationVersion":"1.0","category":"AuditLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultSignature":"None","durationMs":0,
         "correlationId":"c0000000-0000-4000-8000-0000000000d2","Level":4,
         "properties":{"id":"Directory_c0000000-0000-4000-8000-0000000000d2_{{{result}}}","category":"UserManagement","correlationId":"c0000000-0000-4000-8000-0000000000d2",
          "result":"{{{result}}}","resultReason":"","activityDisplayName":"Invalidate all refresh tokens for user","activityDateTime":"{{{at}}}","loggedByService":"Core Directory",
          "operationType":"Update","initiatedBy":{"user":{"id":"a1a1a1a1-0000-4000-8000-0000000000ad","displayName":null,"userPrincipalName":"it-admin@contoso.example","ipAddress":"192.0.2.10"}},
          "targetResources":[{"id":"{{{InesId}}}","displayName":null,"type":"User","userPrincipalName":"ines.moreau@contoso.example","modifiedProperties":[]}],"additionalDetails":[]}}]}
        """));

    [Fact]
    public void EntraRevocation_GraphRequestsOfATokenIssuedBefore_WhoseSignInWasNeverSeen_AreSessionEnded()
    {
        var harness = new Harness(rules: true);
        var revoked = EntraRevocationExport("2024-05-06T09:20:00.400Z");
        Assert.Equal(EventKinds.AuthSessionRevoked, revoked.Kind);
        Assert.Equal(InesId, revoked.PrincipalKey);
        harness.Score(revoked);

        // The token was issued at 08:00 by a sign-in ZtStream never read (the sign-in log is not collected, or came earlier).
        var replayed = EntraGraph(InesId, "T2xkVG9rZW5OZXZlclNlZW4x", "203.0.113.45", T0.AddMinutes(30), issued: T0.AddHours(-1));
        OneFinding(Findings(harness, replayed, AuthenticationDetector.SessionEnded), 90,
            "a token of session T2xkVG9rZW5OZXZlclNlZW4x of", "issued at 2024-05-06 08:00:00Z", "was used",
            "after all its sessions were revoked at 2024-05-06 09:20:00Z (entra (session revoked))", "GET /me/messages from 203.0.113.45");

        // Issued after the revocation (a new sign-in), or in its own second (JWT times count seconds), used within the grace
        // for requests in flight, or with no issue time at all (a Log Analytics row without TokenIssuedAt): not raised.
        Assert.Empty(Findings(harness, EntraGraph(InesId, "TmV3VG9rZW5BZnRlclJldm9r", "198.51.100.64", T0.AddMinutes(31), issued: T0.AddMinutes(25)), AuthenticationDetector.SessionEnded));
        Assert.Empty(Findings(harness, EntraGraph(InesId, "U2FtZVNlY29uZFRva2VuQUFB", "198.51.100.64", T0.AddMinutes(32), issued: T0.AddMinutes(20)), AuthenticationDetector.SessionEnded));
        Assert.Empty(Findings(harness, EntraGraph(InesId, "SW5GbGlnaHRUb2tlbkFBQUFB", "198.51.100.64", T0.AddMinutes(20).AddSeconds(40), issued: T0.AddHours(-2)), AuthenticationDetector.SessionEnded));
        var row = Assert.Single(EntraByUserId($$$"""
            {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","TimeGenerated":"2024-05-06T09:40:00Z","Type":"MicrosoftGraphActivityLogs","RequestId":"9a000000-0000-4000-8000-0000000000d3",
             "ApiVersion":"v1.0","RequestMethod":"GET","RequestUri":"https://graph.microsoft.com/v1.0/me/drive/root/children","ResponseStatusCode":200,"IpAddress":"203.0.113.45",
             "UserId":"{{{InesId}}}","AppId":"14d82eec-204b-4c2f-b7e8-296a70dab67e","SignInActivityId":"Tm9Jc3N1ZVRpbWVUb2tlbkE","Scopes":"Files.Read"}
            """));
        Assert.Null(row.Token!.IssuedAt);
        Assert.Empty(Findings(harness, row, AuthenticationDetector.SessionEnded));

        // Another user's old token is not Ines's.
        Assert.Empty(Findings(harness, EntraGraph(NoraId, "T2xkVG9rZW5PZk5vcmFBQUFB", "203.0.113.45", T0.AddMinutes(33), issued: T0.AddHours(-1)), AuthenticationDetector.SessionEnded));
    }

    [Fact]
    public void EntraRevocationThatFailed_EndsNoSession_SeenOrNot()
    {
        var harness = new Harness();
        harness.Score(CalmSignIn(InesId, "ines.moreau@contoso.example", "U2VlblRva2VuT2ZJbmVzQUE"));
        harness.Score(EntraRevocationExport("2024-05-06T09:20:00Z", result: "failure"));
        Assert.Empty(Findings(harness, EntraGraph(InesId, "U2VlblRva2VuT2ZJbmVzQUE", "203.0.113.77", T0.AddMinutes(30)), AuthenticationDetector.SessionEnded));
        Assert.Empty(Findings(harness, EntraGraph(InesId, "T2xkVG9rZW5GYWlsZWRSZXZv", "203.0.113.45", T0.AddMinutes(31), issued: T0.AddHours(-1)), AuthenticationDetector.SessionEnded));
    }

    [Fact]
    public void OktaSessionsCleared_AnSdkTokenIssuedBefore_WithOrWithoutASessionId_IsSessionEnded()
    {
        var harness = new Harness();
        harness.Score(Okta("user.session.clear", "it-admin@acme.example", "192.0.2.10", T0.AddMinutes(10), session: "102adminSess", target: "sam.lee@acme.example"));

        // An application's own token (no sid) issued at 09:00, and one of an Okta session never seen.
        var noSession = OneFinding(Findings(harness, SdkAccess("sam.lee@acme.example", null, T0.AddMinutes(15), issued: T0), AuthenticationDetector.SessionEnded), 90,
            "issued at 2024-05-06 09:00:00Z", "used 5 min after all its sessions were revoked at 2024-05-06 09:10:00Z (okta (session revoked))", "GET /orders/{id}");
        Assert.StartsWith("token jti-", noSession.Text, StringComparison.Ordinal);
        OneFinding(Findings(harness, SdkAccess("sam.lee@acme.example", "idxNeverSeen", T0.AddMinutes(16), issued: T0.AddMinutes(2)), AuthenticationDetector.SessionEnded), 90,
            "a token of session idxNeverSeen of", "issued at 2024-05-06 09:02:00Z");

        // Issued after the clear, or with no issue time: nothing says it is dead.
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", null, T0.AddMinutes(17), issued: T0.AddMinutes(12)), AuthenticationDetector.SessionEnded));
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", null, T0.AddMinutes(18)), AuthenticationDetector.SessionEnded));
        Assert.Empty(Findings(harness, SdkAccess("sam.lee@acme.example", "idxAfter", T0.AddMinutes(19), issued: T0.AddMinutes(12)), AuthenticationDetector.SessionEnded));
    }

    [Fact]
    public void KeycloakAdminLogsTheUserOut_AnSdkTokenOfASessionNeverSeen_IssuedBefore_IsSessionEnded()
    {
        const string user = "7a000000-0000-4000-8000-0000000000e9";
        var harness = new Harness();
        var logout = Map("keycloak", $$$"""
            {"time":{{{T0.AddMinutes(10).ToUnixTimeMilliseconds()}}},"realmId":"acme","operationType":"ACTION","resourceType":"USER","resourcePath":"users/{{{user}}}/logout",
             "authDetails":{"realmId":"master","clientId":"security-admin-console","userId":"8b000000-0000-4000-8000-000000000001","ipAddress":"192.0.2.51","username":"admin"}}
            """);
        Assert.Equal(EventKinds.AuthSessionRevoked, logout.Kind);
        harness.Score(logout);

        OneFinding(Findings(harness, SdkAccess(user, "5f1d7a3c-kc-unseen", T0.AddMinutes(12), issued: T0.AddMinutes(-30)), AuthenticationDetector.SessionEnded), 90,
            "a token of session 5f1d7a3c-kc-unseen", "issued at 2024-05-06 08:30:00Z", "keycloak (session revoked)");
        Assert.Empty(Findings(harness, SdkAccess(user, "6a2e8b4d-kc-new", T0.AddMinutes(13), issued: T0.AddMinutes(11)), AuthenticationDetector.SessionEnded));
    }

    // --- An ID Protection detection that names its sign-in rates that sign-in's session and token only ---

    private const string LeoId = "4a5b6c7d-0000-4000-8000-0000000000f1";

    /// <summary>Two interactive sign-ins of Leo, as Log Analytics rows (SigninLogs): two sessions, two tokens.</summary>
    private static List<AccessEvent> LeoSignInRows() => EntraByUserId($$$"""
        {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","TimeGenerated":"2024-05-06T09:00:02Z","Type":"SigninLogs","Category":"SignInLogs","Id":"e0000000-0000-4000-8000-0000000000f2","CorrelationId":"c0000000-0000-4000-8000-0000000000f2","CreatedDateTime":"2024-05-06T09:00:00Z","UserPrincipalName":"leo.brandt@fabrikam.example","UserId":"{{{LeoId}}}","AppId":"de8bc8b5-d9f9-48b1-a8ad-b748da725064","AppDisplayName":"Graph Explorer","IPAddress":"203.0.113.140","ResultType":"0","Status":{"errorCode":0},"IsInteractive":true,"RiskLevelDuringSignIn":"none","RiskState":"none","SessionId":"5e551000-0000-4000-8000-0000000000f2","UniqueTokenIdentifier":"TGVvRmlyc3RUb2tlbkFBQUE"}
        {"TenantId":"0f0f0f0f-aaaa-4bbb-8ccc-dddddddddddd","TimeGenerated":"2024-05-06T09:05:02Z","Type":"SigninLogs","Category":"SignInLogs","Id":"e0000000-0000-4000-8000-0000000000f3","CorrelationId":"c0000000-0000-4000-8000-0000000000f3","CreatedDateTime":"2024-05-06T09:05:00Z","UserPrincipalName":"leo.brandt@fabrikam.example","UserId":"{{{LeoId}}}","AppId":"de8bc8b5-d9f9-48b1-a8ad-b748da725064","AppDisplayName":"Graph Explorer","IPAddress":"198.51.100.31","ResultType":"0","Status":{"errorCode":0},"IsInteractive":true,"RiskLevelDuringSignIn":"none","RiskState":"none","SessionId":"5e551000-0000-4000-8000-0000000000f3","UniqueTokenIdentifier":"TGVvU2Vjb25kVG9rZW5BQUE"}
        """);

    /// <summary>
    /// A real-time detection on Leo's second sign-in (its requestId is that sign-in's id), as Microsoft Graph lists it
    /// (identityProtection/riskDetections): dated after the first sign-in, whose session is still open.
    /// </summary>
    private static AccessEvent LeoRealtimeDetection() => Assert.Single(EntraByUserId($$$"""
        {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identityProtection/riskDetections","value":[
         {"id":"6f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f","requestId":"e0000000-0000-4000-8000-0000000000f3","correlationId":"c0000000-0000-4000-8000-0000000000aa",
          "riskEventType":"anonymizedIPAddress","riskState":"atRisk","riskLevel":"high","riskDetail":"none","source":"IdentityProtection","detectionTimingType":"realtime",
          "activity":"signin","tokenIssuerType":"AzureAD","ipAddress":"198.51.100.31","activityDateTime":"2024-05-06T09:05:00Z","detectedDateTime":"2024-05-06T09:05:00Z",
          "lastUpdatedDateTime":"2024-05-06T09:07:00Z","userId":"{{{LeoId}}}","userDisplayName":"Leo Brandt","userPrincipalName":"leo.brandt@fabrikam.example",
          "location":{"city":"Example","state":"","countryOrRegion":"NL"}}]}
        """));

    [Fact]
    public void EntraRealtimeDetection_AsAGraphObject_RaisesOnlyTheSessionOfTheSignInItNames_ARiskyUserStillRatesThemAll()
    {
        var engine = Engine();
        foreach (var signIn in LeoSignInRows())
        {
            engine.Score(signIn);
        }

        // Graph identityProtection/riskDetections: found on the second sign-in, while the first one's session is open.
        engine.Score(LeoRealtimeDetection());

        OneReason(engine.Score(EntraGraph(LeoId, "TGVvU2Vjb25kVG9rZW5BQUE", "198.51.100.31", T0.AddMinutes(10))), AuthenticationDetector.RiskySession, 60,
            "in session TGVvU2Vjb25kVG9rZW5BQUE", "anonymizedIPAddress");
        Assert.Empty(Reasons(engine.Score(EntraGraph(LeoId, "TGVvRmlyc3RUb2tlbkFBQUE", "203.0.113.140", T0.AddMinutes(10))), AuthenticationDetector.RiskySession));
        Assert.Empty(Reasons(engine.Score(SdkAccess(LeoId, "5e551000-0000-4000-8000-0000000000f2", T0.AddMinutes(11), ip: "203.0.113.140")), AuthenticationDetector.RiskySession));
        Assert.Single(Reasons(engine.Score(SdkAccess(LeoId, "5e551000-0000-4000-8000-0000000000f3", T0.AddMinutes(11), ip: "198.51.100.31")), AuthenticationDetector.RiskySession));

        // Identity Protection then rates the user as a whole: every session open then is risky.
        engine.Score(GraphRiskyUser(LeoId, "leo.brandt@fabrikam.example", "high", "atRisk", "none", "2024-05-06T09:20:00Z"));
        Assert.Single(Reasons(engine.Score(EntraGraph(LeoId, "TGVvRmlyc3RUb2tlbkFBQUE", "203.0.113.140", T0.AddMinutes(25))), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void EntraExportDetection_NamingItsSignInByCorrelationIdOnly_IsNarrowed_OneNamingASignInNeverSeen_RatesTheUser()
    {
        var engine = Engine();
        foreach (var signIn in LeoSignInRows())
        {
            engine.Score(signIn);
        }

        AccessEvent Detection(string type, string correlation, string detected, string state = "atRisk") => Assert.Single(EntraByUserId($$$"""
            {"records":[{"time":"{{{detected}}}","category":"UserRiskEvents","operationName":"User Risk Detection","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
             "properties":{"id":"{{{type}}}-{{{correlation}}}","correlationId":"{{{correlation}}}","riskEventType":"{{{type}}}","riskState":"{{{state}}}","riskLevel":"high",
              "riskDetail":"none","source":"IdentityProtection","detectionTimingType":"offline","activity":"signin","ipAddress":"198.51.100.31",
              "activityDateTime":"2024-05-06T09:05:00.000Z","detectedDateTime":"{{{detected}}}","lastUpdatedDateTime":"{{{detected}}}",
              "userId":"{{{LeoId}}}","userPrincipalName":"leo.brandt@fabrikam.example"}}]}
            """));

        // Found offline on the second sign-in, named by its correlation id alone (no requestId in the record).
        engine.Score(Detection("unfamiliarFeatures", "c0000000-0000-4000-8000-0000000000f3", "2024-05-06T09:30:00.000Z"));
        OneReason(engine.Score(EntraGraph(LeoId, "TGVvU2Vjb25kVG9rZW5BQUE", "198.51.100.31", T0.AddMinutes(35))), AuthenticationDetector.RiskySession, 60,
            "in session TGVvU2Vjb25kVG9rZW5BQUE", "unfamiliarFeatures");
        Assert.Empty(Reasons(engine.Score(EntraGraph(LeoId, "TGVvRmlyc3RUb2tlbkFBQUE", "203.0.113.140", T0.AddMinutes(35))), AuthenticationDetector.RiskySession));

        // A detection on a sign-in this principal's state does not hold reaches every session open then, as before.
        var unlinked = Engine();
        foreach (var signIn in LeoSignInRows())
        {
            unlinked.Score(signIn);
        }

        unlinked.Score(Detection("anomalousToken", "c0000000-0000-4000-8000-0000000000ff", "2024-05-06T09:40:00.000Z"));
        OneReason(unlinked.Score(EntraGraph(LeoId, "TGVvRmlyc3RUb2tlbkFBQUE", "203.0.113.140", T0.AddMinutes(45))), AuthenticationDetector.RiskySession, 60, "anomalousToken");
    }

    [Fact]
    public void EntraServicePrincipalDetection_NamingItsSignIn_RaisesTheRequestsOfThatToken_NotOfItsOtherToken()
    {
        const string sp = "3c4d5e6f-0000-4000-8000-0000000000f8";
        const string app = "9f8e7d6c-0000-4000-8000-0000000000f9";
        var engine = Engine();
        foreach (var (id, minute, token) in new[] { ("e0000000-0000-4000-8000-0000000000fa", "00", "c3BGaXJzdFRva2VuQUFBQUE"), ("e0000000-0000-4000-8000-0000000000fb", "10", "c3BTZWNvbmRUb2tlbkFBQUE") })
        {
            engine.Score(Assert.Single(EntraByUserId($$$"""
                {"records":[{"time":"2024-05-06T09:{{{minute}}}:00Z","category":"ServicePrincipalSignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
                 "correlationId":"{{{id}}}","properties":{"id":"{{{id}}}","correlationId":"{{{id}}}","createdDateTime":"2024-05-06T09:{{{minute}}}:00Z","servicePrincipalName":"ledger-export",
                  "servicePrincipalId":"{{{sp}}}","appId":"{{{app}}}","ipAddress":"198.51.100.60","resourceDisplayName":"Microsoft Graph","status":{"errorCode":0},
                  "uniqueTokenIdentifier":"{{{token}}}"}}]}
                """)));
        }

        // Graph identityProtection/servicePrincipalRiskDetections, with the first sign-in's requestId.
        engine.Score(Assert.Single(EntraByUserId($$$"""
            {"value":[{"id":"5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e","requestId":"e0000000-0000-4000-8000-0000000000fa",
              "correlationId":"e0000000-0000-4000-8000-0000000000fa","riskEventType":"investigationsThreatIntelligence","riskState":"atRisk","riskLevel":"high",
              "riskDetail":"none","source":"IdentityProtection","detectionTimingType":"offline","activity":"servicePrincipal","tokenIssuerType":"AzureAD",
              "ipAddress":"198.51.100.60","activityDateTime":"2024-05-06T09:00:00Z","detectedDateTime":"2024-05-06T09:20:00Z","lastUpdatedDateTime":"2024-05-06T09:20:00Z",
              "servicePrincipalId":"{{{sp}}}","servicePrincipalDisplayName":"ledger-export","appId":"{{{app}}}","keyIds":[]}]}
            """)));

        AccessEvent Request(string token) => Assert.Single(EntraByUserId($$$"""
            {"records":[{"time":"2024-05-06T09:25:00Z","category":"MicrosoftGraphActivityLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
             "properties":{"requestId":"9a000000-{{{token}}}","timeGenerated":"2024-05-06T09:25:00Z","apiVersion":"v1.0","requestMethod":"GET",
              "requestUri":"https://graph.microsoft.com/v1.0/users","responseStatusCode":200,"ipAddress":"198.51.100.60","servicePrincipalId":"{{{sp}}}",
              "appId":"{{{app}}}","roles":"User.Read.All","signInActivityId":"{{{token}}}"}}]}
            """));
        var reason = Assert.Single(Reasons(engine.Score(Request("c3BGaXJzdFRva2VuQUFBQUE")), AuthenticationDetector.RiskySession));
        Assert.Contains("investigationsThreatIntelligence", reason.Text, StringComparison.Ordinal);
        Assert.Empty(Reasons(engine.Score(Request("c3BTZWNvbmRUb2tlbkFBQUE")), AuthenticationDetector.RiskySession));
    }

    [Fact]
    public void SignInLinksAndARevocation_SurviveACheckpointAndParking()
    {
        var engine = Engine();
        foreach (var signIn in LeoSignInRows())
        {
            engine.Score(signIn);
        }

        var revoked = EntraRevocationExport("2024-05-06T09:20:00Z");
        engine.Score(revoked);
        var restored = Engine();
        restored.Restore(engine.Checkpoint());

        restored.Score(LeoRealtimeDetection());
        Assert.Single(Reasons(restored.Score(EntraGraph(LeoId, "TGVvU2Vjb25kVG9rZW5BQUE", "198.51.100.31", T0.AddMinutes(35))), AuthenticationDetector.RiskySession));
        Assert.Empty(Reasons(restored.Score(EntraGraph(LeoId, "TGVvRmlyc3RUb2tlbkFBQUE", "203.0.113.140", T0.AddMinutes(35))), AuthenticationDetector.RiskySession));
        Assert.Single(Reasons(restored.Score(EntraGraph(InesId, "T2xkVG9rZW5BZnRlclJlc3Rh", "203.0.113.45", T0.AddMinutes(35), issued: T0)), AuthenticationDetector.SessionEnded));

        var parked = ZtStream.Verifier.Baselines.PrincipalState.FromBytes(restored.StateOf(InesId)!.ToBytes()).Authentication!;
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 9, 20, 0, TimeSpan.Zero).UtcTicks, parked.RevokedTicks);
        Assert.Equal(2, ZtStream.Verifier.Baselines.PrincipalState.FromBytes(restored.StateOf(LeoId)!.ToBytes()).Authentication!.Links!.Count(l => l.Ticks != 0));
    }


    [Fact]
    public void Principal_HoldsNoRatingSlots_UntilItsFirstRating()
    {
        var engine = Engine();
        NoraSignsIn(engine, "Tm9yYVRva2VuU2xvdHMx");
        Assert.Null(engine.StateOf(NoraId)!.Authentication!.Ratings);

        // A risky user back to none clears what there is: still nothing to hold.
        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "none", "remediated", "userPerformedSecuredPasswordReset", "2024-05-06T09:10:00Z"));
        Assert.Null(engine.StateOf(NoraId)!.Authentication!.Ratings);

        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T09:30:00Z"));
        Assert.Single(engine.StateOf(NoraId)!.Authentication!.Ratings!, r => r.Ticks != 0);
    }

    [Fact]
    public void Options_AreValidated_EveryProblemListed()
    {
        var problems = new AuthenticationOptions { FailureWindow = TimeSpan.Zero, SuccessAfterFailures = 0, SessionEndGrace = TimeSpan.FromSeconds(-1), NewLocationMinimumSignIns = -1 }
            .Validate("Verifier:Authentication");
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Verifier:Authentication:FailureWindow", StringComparison.Ordinal));
        Assert.Contains(VerifierOptionsValidator.Validate(new VerifierOptions { Authentication = new() { MfaFatigueMinimum = 0 } }), p => p.Contains("MfaFatigueMinimum", StringComparison.Ordinal));
    }

    // --- Persistence in a taken-over session: the step that makes the attacker's access last ---

    [Fact]
    public void OktaRiskySignIn_ThenAFactorActivatedInItsSession_IsPersistence_TheSameWithoutTheRiskIsNot()
    {
        var engine = Engine();
        engine.Score(Okta("user.session.start", "kit.ames@acme.example", "203.0.113.171", T0, session: "idxPersistKit1", risk: "HIGH"));
        var step = engine.Score(Okta("user.mfa.factor.activate", "kit.ames@acme.example", "203.0.113.171", T0.AddMinutes(4),
            session: "idxPersistKit1", factor: "OKTA_VERIFY_PUSH", target: "kit.ames@acme.example"));
        var reason = OneReason(step, AuthenticationDetector.Persistence, 80,
            "kit.ames@acme.example", "registered a new", "at okta from 203.0.113.171", "in session idxPersistKit1, 4 min after it was rated risky");
        Assert.Equal(["T1098.005", "T1556.006"], reason.Techniques);
        Assert.Equal(Severities.High, step.Alert!.Severity);

        // A sign-in nothing scored: the same activation is the user's routine.
        engine.Score(Okta("user.session.start", "lee.moss@acme.example", "203.0.113.172", T0, session: "idxPersistLee1"));
        Assert.Empty(Reasons(engine.Score(Okta("user.mfa.factor.activate", "lee.moss@acme.example", "203.0.113.172", T0.AddMinutes(4),
            session: "idxPersistLee1", factor: "OKTA_VERIFY_PUSH", target: "lee.moss@acme.example")), AuthenticationDetector.Persistence));
    }

    [Fact]
    public void Okta_AFailedChange_OrAStepInAnotherCalmSession_OrAfterTheRiskySessionEnded_IsNotPersistence()
    {
        var harness = new Harness(rules: true);
        harness.Score(Okta("user.session.start", "kit.ames@acme.example", "203.0.113.171", T0, session: "idxPersistKit2", risk: "HIGH"));
        Assert.Empty(Findings(harness, Okta("user.account.update_password", "kit.ames@acme.example", "203.0.113.171", T0.AddMinutes(2),
            "FAILURE", "VERIFICATION_ERROR", session: "idxPersistKit2", target: "kit.ames@acme.example"), AuthenticationDetector.Persistence));

        // The record names its session, and that session's sign-in was calm: the risky one beside it does not colour it.
        harness.Score(Okta("user.session.start", "kit.ames@acme.example", "198.51.100.171", T0.AddMinutes(3), session: "idxPersistKit3"));
        Assert.Empty(Findings(harness, Okta("user.mfa.factor.activate", "kit.ames@acme.example", "198.51.100.171", T0.AddMinutes(5),
            session: "idxPersistKit3", target: "kit.ames@acme.example"), AuthenticationDetector.Persistence));

        OneFinding(Findings(harness, Okta("user.account.update_password", "kit.ames@acme.example", "203.0.113.171", T0.AddMinutes(6),
            session: "idxPersistKit2", target: "kit.ames@acme.example"), AuthenticationDetector.Persistence), 80, "changed its password");

        harness.Score(Okta("user.session.end", "kit.ames@acme.example", "203.0.113.171", T0.AddMinutes(7), session: "idxPersistKit2"));
        Assert.Empty(Findings(harness, Okta("user.mfa.factor.update", "kit.ames@acme.example", "203.0.113.171", T0.AddMinutes(9),
            session: "idxPersistKit2", target: "kit.ames@acme.example"), AuthenticationDetector.Persistence));
    }

    [Fact]
    public void Okta_ApiTokenCreatedInARiskySession_IsPersistence_ARoutineStepThatARuleScores_MarksNoSessionRisky()
    {
        var harness = new Harness(rules: true);

        // identity-api-credential-created scores the token (60); it is the step, not a taken-over sign-in, so the password
        // change after it in the same calm session is not persistence.
        harness.Score(Okta("user.session.start", "ops.lead@acme.example", "198.51.100.180", T0, session: "idxPersistOps1"));
        var token = harness.Score(Okta("system.api_token.create", "ops.lead@acme.example", "198.51.100.180", T0.AddMinutes(1), session: "idxPersistOps1"));
        Assert.Contains(token, c => c.Rule == "identity-api-credential-created" && c.Score >= AuthenticationDetector.RiskySignIn);
        Assert.DoesNotContain(token, c => c.Rule == AuthenticationDetector.Persistence);
        Assert.Empty(Findings(harness, Okta("user.account.update_password", "ops.lead@acme.example", "198.51.100.180", T0.AddMinutes(2),
            session: "idxPersistOps1", target: "ops.lead@acme.example"), AuthenticationDetector.Persistence));

        harness.Score(Okta("user.session.start", "ops.lead@acme.example", "203.0.113.180", T0.AddHours(1), session: "idxPersistOps2", risk: "HIGH"));
        var found = OneFinding(Findings(harness, Okta("system.api_token.create", "ops.lead@acme.example", "203.0.113.180", T0.AddHours(1).AddMinutes(3),
            session: "idxPersistOps2"), AuthenticationDetector.Persistence), 80, "created an API token", "in session idxPersistOps2");
        Assert.Equal(["T1098.001"], found.Techniques);
    }

    [Fact]
    public void EntraRiskySignIn_ThenSecurityInfoRegistered_IsPersistence_WithinThePersistenceWindowOnly()
    {
        var harness = new Harness(rules: true);
        harness.Score(EntraSignIn("ivo.berg@contoso.example", "203.0.113.160", T0, session: "5e550000-7e57-4000-8000-0000000000a1", risk: "high"));
        OneFinding(Findings(harness, EntraAudit("User registered security info", "UserManagement", "ivo.berg@contoso.example", T0.AddMinutes(10)),
            AuthenticationDetector.Persistence), 80, "registered a new second factor", "10 min after a risky sign-in", "the record names no session");
        OneFinding(Findings(harness, EntraAudit("Reset password (self-service)", "UserManagement", "ivo.berg@contoso.example", T0.AddMinutes(12)),
            AuthenticationDetector.Persistence), 80, "reset its password");

        // An hour on, a record that names no session can no longer be tied to that sign-in.
        Assert.Empty(Findings(harness, EntraAudit("User changed default security info", "UserManagement", "ivo.berg@contoso.example", T0.AddMinutes(61)),
            AuthenticationDetector.Persistence));

        // The same registration after a sign-in nothing scored.
        harness.Score(EntraSignIn("uma.roth@contoso.example", "198.51.100.160", T0, session: "5e550000-7e57-4000-8000-0000000000a2"));
        Assert.Empty(Findings(harness, EntraAudit("User registered security info", "UserManagement", "uma.roth@contoso.example", T0.AddMinutes(10)),
            AuthenticationDetector.Persistence));
    }

    [Fact]
    public void Entra_HelpDeskResetsThePassword_OrAFailedSelfServiceReset_AfterTheRiskySignIn_IsNotPersistence()
    {
        var harness = new Harness(rules: true);
        harness.Score(EntraSignIn("ivo.berg@contoso.example", "203.0.113.160", T0, session: "5e550000-7e57-4000-8000-0000000000a3", risk: "high"));
        var byAdmin = EntraAudit("Reset user password", "UserManagement", "helpdesk@contoso.example", T0.AddMinutes(5), target: "ivo.berg@contoso.example");
        Assert.Equal("ivo.berg@contoso.example", byAdmin.Subject?.Id);
        Assert.Empty(Findings(harness, byAdmin, AuthenticationDetector.Persistence));
        Assert.Empty(Findings(harness, EntraAudit("Reset password (self-service)", "UserManagement", "ivo.berg@contoso.example", T0.AddMinutes(6), result: "failure"),
            AuthenticationDetector.Persistence));
    }

    /// <summary>Nora's sign-in at 09:00 whose record id the offline detection below names (its <c>requestId</c>).</summary>
    private static AccessEvent NoraSignInNamedByTheDetection() => Assert.Single(EntraByUserId($$$"""
        {"records":[{"time":"2024-05-06T09:00:00.000Z","category":"SignInLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","resultType":"0",
         "properties":{"id":"e0000000-0000-4000-8000-0000000000f1","correlationId":"c0000000-5e55-4000-8000-0000000000f1","createdDateTime":"2024-05-06T09:00:00.000Z",
          "userPrincipalName":"nora.falk@contoso.example","userId":"{{{NoraId}}}","appDisplayName":"My Signins","ipAddress":"203.0.113.77",
          "isInteractive":true,"status":{"errorCode":0},"riskLevelDuringSignIn":"none","riskState":"none",
          "sessionId":"5e550000-7e57-4000-8000-0000000000e1","uniqueTokenIdentifier":"UGVyc2lzdE5vcmExAAAA"}}]}
        """));

    /// <summary>Nora registers security info, <paramref name="minutes"/> after 09:00 (keyed by her object id, as her sign-ins are).</summary>
    private static AccessEvent NoraRegistersSecurityInfo(int minutes) => Assert.Single(EntraByUserId($$$"""
        {"records":[{"time":"2024-05-06T09:{{{minutes:D2}}}:00.000Z","category":"AuditLogs","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47",
         "properties":{"id":"Persist_Nora_{{{minutes}}}","category":"UserManagement","result":"success","activityDisplayName":"User registered security info",
          "activityDateTime":"2024-05-06T09:{{{minutes:D2}}}:00.000Z","loggedByService":"Authentication Methods",
          "initiatedBy":{"user":{"id":"{{{NoraId}}}","userPrincipalName":"nora.falk@contoso.example","ipAddress":"203.0.113.77"}},
          "targetResources":[{"id":"{{{NoraId}}}","type":"User","userPrincipalName":"nora.falk@contoso.example"}]}}]}
        """));

    [Fact]
    public void EntraDetectionOnTheSignIn_HeldMakesTheStepPersistence_DismissedBeforeItDoesNot()
    {
        var held = Engine();
        held.Score(NoraSignInNamedByTheDetection());
        held.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "anonymizedIPAddress", "high", "atRisk", "2024-05-06T09:10:00.000Z"));
        OneReason(held.Score(NoraRegistersSecurityInfo(20)), AuthenticationDetector.Persistence, 80, "10 min after a risky sign-in", "anonymizedIPAddress");

        var dismissed = Engine();
        dismissed.Score(NoraSignInNamedByTheDetection());
        dismissed.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "anonymizedIPAddress", "high", "atRisk", "2024-05-06T09:10:00.000Z"));
        dismissed.Score(UserRiskDetection(NoraId, "nora.falk@contoso.example", "anonymizedIPAddress", "high", "dismissed", "2024-05-06T09:10:00.000Z",
            "2024-05-06T09:15:00.000Z", "adminDismissedAllRiskForUser"));
        Assert.Empty(Reasons(dismissed.Score(NoraRegistersSecurityInfo(20)), AuthenticationDetector.Persistence));
    }

    [Fact]
    public void EntraRiskyUser_RatingThePrincipalWhole_DoesNotMakeItsOwnRemedyPersistence()
    {
        // Entra's user-risk policy asks the user to change the password or register a factor: the rating names no sign-in.
        var engine = Engine();
        NoraSignsIn(engine, "UGVyc2lzdE5vcmEyAAAA");
        engine.Score(GraphRiskyUser(NoraId, "nora.falk@contoso.example", "high", "atRisk", "none", "2024-05-06T09:10:00Z"));
        Assert.Single(RiskySessionAt(engine, "UGVyc2lzdE5vcmEyAAAA", 15));
        Assert.Empty(Reasons(engine.Score(NoraRegistersSecurityInfo(20)), AuthenticationDetector.Persistence));
    }

    [Fact]
    public void Keycloak_TakenOverSession_OtpOrEmailChanged_IsPersistence_AFailedPasswordUpdateIsNot()
    {
        var harness = new Harness();
        foreach (var e in Enumerable.Range(0, 12).Select(i => Keycloak("LOGIN_ERROR", "alice", "198.51.100.12", T0.AddSeconds(30 * i), error: "invalid_user_credentials")))
        {
            harness.Score(e);
        }

        harness.Score(Keycloak("LOGIN", "alice", "198.51.100.12", T0.AddMinutes(7), session: "5e55c0de-4b3d-4e8f-9a7b-c6d5e4f3a201"));
        OneFinding(Findings(harness, Keycloak("UPDATE_TOTP", "alice", "198.51.100.12", T0.AddMinutes(9), session: "5e55c0de-4b3d-4e8f-9a7b-c6d5e4f3a201"),
            AuthenticationDetector.Persistence), 80, "registered a new otp", "in session 5e55c0de-4b3d-4e8f-9a7b-c6d5e4f3a201", "2 min after it was rated risky (score 75)");
        OneFinding(Findings(harness, Keycloak("UPDATE_EMAIL", "alice", "198.51.100.12", T0.AddMinutes(10), session: "5e55c0de-4b3d-4e8f-9a7b-c6d5e4f3a201"),
            AuthenticationDetector.Persistence), 80, "changed its e-mail address");
        Assert.Empty(Findings(harness, Keycloak("UPDATE_PASSWORD_ERROR", "alice", "198.51.100.12", T0.AddMinutes(11), session: "5e55c0de-4b3d-4e8f-9a7b-c6d5e4f3a201",
            error: "invalid_password_history"), AuthenticationDetector.Persistence));
    }

    [Fact]
    public void Auth0_GuardianEnrolmentAfterARiskySignIn_NamesNoSession_IsPersistence_APasswordResetRequestIsNot()
    {
        var harness = new Harness();
        foreach (var e in Enumerable.Range(0, 10).Select(i => Auth0("fp", "ana@acme.example", "203.0.113.201", T0.AddSeconds(20 * i))))
        {
            harness.Score(e);
        }

        harness.Score(Auth0("s", "ana@acme.example", "203.0.113.201", T0.AddMinutes(4), session: "5e55a0a0-persist-ana1"));
        OneFinding(Findings(harness, Auth0("gd_enrollment_complete", "ana@acme.example", "203.0.113.201", T0.AddMinutes(6), authenticator: "push"),
            AuthenticationDetector.Persistence), 80, "registered a new push", "2 min after a risky sign-in (score 75)");
        OneFinding(Findings(harness, Auth0("sce", "ana@acme.example", "203.0.113.201", T0.AddMinutes(7)), AuthenticationDetector.Persistence), 80, "changed its e-mail address");
        Assert.Empty(Findings(harness, Auth0("scpr", "ana@acme.example", "203.0.113.201", T0.AddMinutes(8)), AuthenticationDetector.Persistence));
    }

    /// <summary>The reason adds no state: a checkpoint written before it (formats 6 and 7) still holds the risky session it reads.</summary>
    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void Checkpoint_OlderFormat_StillRead_AStepInTheRestoredRiskySessionIsPersistence(int format)
    {
        var session = $"idxPersistOld{format}";
        var restored = RestoredWithRiskySession(session, format);
        OneReason(restored.Score(Okta("user.mfa.factor.activate", "sam.lee@acme.example", "203.0.113.152", T0.AddMinutes(3), session: session, target: "sam.lee@acme.example")),
            AuthenticationDetector.Persistence, 80, $"in session {session}");
    }

    /// <summary>An engine restored from a checkpoint of <paramref name="format"/> holding one Okta session the provider rated high.</summary>
    private static ScoringEngine RestoredWithRiskySession(string session, int format)
    {
        var engine = Engine();
        engine.Score(Okta("user.session.start", "sam.lee@acme.example", "203.0.113.152", T0, session: session, risk: "HIGH"));
        var restored = Engine();
        restored.Restore(Rules.CheckpointFormats.AsFormatWithOneAuthenticationState(engine.Checkpoint(), format));
        return restored;
    }

    [Fact]
    public void Options_PersistenceWindow_MustBePositive_AndAShorterOneIsHonoured()
    {
        Assert.Contains("Verifier:Authentication:PersistenceWindow", Assert.Single(new AuthenticationOptions { PersistenceWindow = TimeSpan.Zero }.Validate("Verifier:Authentication")));
        Assert.Empty(new AuthenticationOptions().Validate("Verifier:Authentication"));

        var harness = new Harness(new AuthenticationOptions { PersistenceWindow = TimeSpan.FromMinutes(5) }, rules: true);
        harness.Score(EntraSignIn("ivo.berg@contoso.example", "203.0.113.160", T0, session: "5e550000-7e57-4000-8000-0000000000a4", risk: "high"));
        Assert.Empty(Findings(harness, EntraAudit("User registered security info", "UserManagement", "ivo.berg@contoso.example", T0.AddMinutes(10)),
            AuthenticationDetector.Persistence));
    }
}
